"""The cross-process watch record (core.watching.session.WatchRecord): versioned JSON in the catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from photoseek.core.domain import WatchMode
from photoseek.core.storage.catalog import Catalog
from photoseek.core.watching.session import RECORD_FORMAT, RECORD_KEY, WatchRecord


@pytest.fixture
def cat(tmp_path):  # noqa: ANN001, ANN201
    c = Catalog(tmp_path / "catalog.sqlite")
    yield c
    c.close()


def test_saved_modes_are_read_back_typed_and_an_empty_save_clears(cat) -> None:  # noqa: ANN001
    rec = WatchRecord(cat)
    rec.save({"/p": WatchMode.POLLING, "/q": WatchMode.EVENTS}, {"/p": "nfs4 file system", "/q": ""})
    stored = json.loads(cat.get_setting(RECORD_KEY) or "")
    assert stored["format"] == RECORD_FORMAT and stored["pid"] == os.getpid()
    modes, reasons = rec.read()
    assert modes == {"/p": WatchMode.POLLING, "/q": WatchMode.EVENTS} and isinstance(modes["/p"], WatchMode)
    assert reasons["/p"] == "nfs4 file system"
    rec.save({}, {})
    assert rec.read() == ({}, {})


def test_a_record_from_before_the_format_number_is_read(cat) -> None:  # noqa: ANN001
    cat.set_setting(RECORD_KEY, json.dumps({"pid": os.getpid(), "modes": {"/p": "events"}, "reasons": {"/p": ""}}))
    assert WatchRecord(cat).read() == ({"/p": WatchMode.EVENTS}, {"/p": ""})


@pytest.mark.parametrize("fmt", [RECORD_FORMAT + 1, "1", None])
def test_a_record_of_an_unknown_format_is_ignored(cat, fmt, caplog) -> None:  # noqa: ANN001
    cat.set_setting(RECORD_KEY, json.dumps({"format": fmt, "pid": os.getpid(), "modes": {"/p": "events"}}))
    assert WatchRecord(cat).read() == ({}, {})
    assert "format" in caplog.text


def test_a_record_whose_writer_is_gone_is_ignored(cat) -> None:  # noqa: ANN001
    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(p.stdout)
    cat.set_setting(RECORD_KEY, json.dumps({"format": RECORD_FORMAT, "pid": dead, "modes": {"/p": "polling"}}))
    assert WatchRecord(cat).read() == ({}, {})


def test_garbage_and_unknown_modes_do_not_break_reading(cat) -> None:  # noqa: ANN001
    cat.set_setting(RECORD_KEY, "{not json")
    assert WatchRecord(cat).read() == ({}, {})
    cat.set_setting(RECORD_KEY, json.dumps({"format": 1, "pid": os.getpid(), "modes": {"/p": "telepathy", "/q": "events"}}))
    assert WatchRecord(cat).read()[0] == {"/q": WatchMode.EVENTS}
