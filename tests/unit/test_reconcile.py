"""Reconcile is pure: disk files + catalog rows in, Changes out; the content hash comes from a function we pass."""

from __future__ import annotations

import pytest

from photoseek.core.domain import PhotoState
from photoseek.core.indexing.reconcile import gone_rows, reconcile
from photoseek.core.indexing.scanner import DiskFile
from photoseek.core.storage.rows import CatalogRow

OK, MISSING, OFFLINE = PhotoState.OK, PhotoState.MISSING, PhotoState.OFFLINE


def row(pid: int, size: int = 100, mtime: float = 1.0, h: str | None = None, state: PhotoState = OK) -> CatalogRow:
    return CatalogRow(pid, size, mtime, h or f"h{pid}", state)


def hashes(table: dict[str, str]):  # noqa: ANN201
    asked: list[str] = []

    def hash_of(path: str) -> str:
        asked.append(path)
        if path not in table:
            raise FileNotFoundError(path)
        return table[path]

    hash_of.asked = asked  # type: ignore[attr-defined]
    return hash_of


def test_new_changed_and_unchanged_files() -> None:
    known = {"/p/same.jpg": row(1), "/p/bigger.jpg": row(2), "/p/touched.jpg": row(3), "/p/off.jpg": row(4, state=OFFLINE)}
    present = [DiskFile("/p/same.jpg", 100, 1.0), DiskFile("/p/bigger.jpg", 200, 1.0),
               DiskFile("/p/touched.jpg", 100, 2.0), DiskFile("/p/off.jpg", 100, 1.0), DiskFile("/p/new.jpg", 50, 1.0)]
    h = hashes({})
    c = reconcile(present, known, {}, {}, h)
    assert c.unchanged == 1
    assert [(d.path, r.id) for d, r in c.changed] == [("/p/bigger.jpg", 2), ("/p/touched.jpg", 3), ("/p/off.jpg", 4)]
    assert [(d.path, r) for d, r in c.new] == [("/p/new.jpg", None)]
    assert c.moved == [] and c.gone == [] and c.stale_missing == []
    assert h.asked == []  # nothing vanished with that size: no file is read


def test_a_new_path_with_the_bytes_of_a_vanished_photo_is_a_move() -> None:
    gone = {"/p/old.jpg": row(7, size=100, h="abc")}
    present = [DiskFile("/p/renamed.jpg", 100, 5.0), DiskFile("/p/other.jpg", 100, 5.0)]
    c = reconcile(present, {}, gone, {}, hashes({"/p/renamed.jpg": "abc", "/p/other.jpg": "zzz"}))
    assert c.moved == [(7, present[0])]
    assert [d.path for d, _ in c.new] == ["/p/other.jpg"]
    assert c.gone == []


def test_a_photo_missing_since_an_earlier_run_is_matched_too() -> None:
    missing = {"/p/a/x.jpg": row(9, size=10, h="x", state=MISSING), "/p/a/y.jpg": row(10, size=10, h="y", state=MISSING)}
    c = reconcile([DiskFile("/p/b/x.jpg", 10, 1.0)], {}, {}, missing, hashes({"/p/b/x.jpg": "x"}))
    assert c.moved == [(9, DiskFile("/p/b/x.jpg", 10, 1.0))]
    assert c.stale_missing == [10]


def test_two_copies_of_one_vanished_photo_move_only_once() -> None:
    gone = {"/p/old.jpg": row(1, size=5, h="same")}
    present = [DiskFile("/p/c1.jpg", 5, 1.0), DiskFile("/p/c2.jpg", 5, 1.0)]
    c = reconcile(present, {}, gone, {}, hashes({"/p/c1.jpg": "same", "/p/c2.jpg": "same"}))
    assert [pid for pid, _ in c.moved] == [1]
    assert [d.path for d, _ in c.new] == ["/p/c2.jpg"]


def test_unmatched_vanished_photos_are_gone_and_a_file_that_vanishes_while_hashed_is_left_out() -> None:
    gone = {"/p/a.jpg": row(1, size=5), "/p/b.jpg": row(2, size=6)}
    c = reconcile([DiskFile("/p/flaky.jpg", 5, 1.0)], {}, gone, {}, hashes({}))
    assert c.new == [] and c.moved == []  # could not be hashed: neither new nor a move (next run sees it)
    assert sorted(c.gone) == [1, 2]


def test_a_photo_back_at_its_missing_path_is_new_and_keeps_its_row() -> None:
    r = row(4, size=7, h="q", state=MISSING)
    c = reconcile([DiskFile("/p/back.jpg", 8, 1.0)], {"/p/back.jpg": r}, {}, {"/p/back.jpg": r}, hashes({}))
    assert c.new == [(DiskFile("/p/back.jpg", 8, 1.0), r)]


@pytest.mark.parametrize("state,expected", [(OK, ["/p/a.jpg"]), (OFFLINE, ["/p/a.jpg"]), (MISSING, [])])
def test_gone_rows_skip_present_and_already_missing(state: PhotoState, expected: list[str]) -> None:
    known = {"/p/a.jpg": row(1, state=state), "/p/b.jpg": row(2)}
    assert list(gone_rows(known, ["/p/b.jpg"])) == expected
