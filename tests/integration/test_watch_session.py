"""WatchSession (core.watching.session) on a real library: it reports through callbacks, never Library's fields."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from photoseek.core.domain import WatchMode, WatchPhase
from photoseek.core.library import Library
from photoseek.core.reports import WatchProgress
from photoseek.core.watching.session import WatchOptions, WatchRecord, WatchSession


def wait_until(cond: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_session_runs_catch_up_records_modes_and_finishes_once(home: Path, tmp_path: Path,
                                                               make_photo: Callable[..., Path]) -> None:
    folder = tmp_path / "pics"
    make_photo(folder / "red.jpg", "red")
    with Library(home) as lib:
        lib.add_folder(folder)
        events: list[WatchProgress] = []
        finished: list[WatchSession] = []
        record = WatchRecord(lib.catalog)
        s = WatchSession(lib.indexer, record, lambda: [f.path for f in lib.catalog.folders()],
                         WatchOptions(settle_s=0.6, force_polling=True, poll_interval_s=0.3, check_interval_s=0.2),
                         on_progress=events.append, on_finished=finished.append)
        s.start()
        try:
            wait_until(lambda: s.idle)
            assert s.modes() == {str(folder): WatchMode.POLLING} and s.reasons() == {str(folder): "forced"}
            assert record.read()[0] == {str(folder): WatchMode.POLLING}  # what another process would see
            assert lib.search("red", limit=1)[0].path == str(folder / "red.jpg")  # the catch-up scan indexed it
            assert lib._watch is None  # a session made outside Library.watch is not the library's
        finally:
            s.stop()
            s.join(10)
        s.join(10)
        assert finished == [s] and not s.is_alive()
        assert any(e.phase == WatchPhase.SCANNING for e in events) and events[-1].phase == WatchPhase.STOPPED
        assert any(e.message == f"watching {folder} by polling (forced)" for e in events)


def test_library_watch_clears_its_slot_and_the_record_when_the_session_ends(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    folder.mkdir()
    with Library(home) as lib:
        lib.add_folder(folder)
        h = lib.watch(settle_s=0.6, force_polling=True, poll_interval_s=0.3, check_interval_s=0.2)
        assert lib.watch() is h  # one session at a time
        wait_until(lambda: h.idle and bool(lib.watch_modes()))
        assert lib.folders()[0].watch_mode is WatchMode.POLLING
        h.stop()
        h.join(10)
        assert lib.watch_modes() == {} and lib.watch_record.read() == ({}, {})
        assert lib.watch() is not h  # a new session can start
