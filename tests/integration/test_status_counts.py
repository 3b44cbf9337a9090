"""The counts `status` shows, through a library's real indexing paths on real files: every scan, sync, move,
purge, offline folder and removed folder carries the stored counts forward (they are never stale, so never counted
again) and they always equal a recount."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from photoseek.core.library import Library
from photoseek.core.storage.count_snapshot import SNAPSHOT_KEY, CountSnapshot, count_folders, count_model, generation


def _stored_and_truth(lib: Library) -> tuple[CountSnapshot | None, CountSnapshot]:
    con = sqlite3.connect(lib.catalog.path)
    try:
        row = con.execute("SELECT value FROM settings WHERE key=?", (SNAPSHOT_KEY,)).fetchone()
        stored = CountSnapshot.from_json(row[0] if row else None, generation(con))
        truth = CountSnapshot(generation(con), count_folders(con), {lib.model_id: count_model(con, lib.model_id)})
    finally:
        con.close()
    return stored, truth


def _carried(lib: Library) -> None:
    stored, truth = _stored_and_truth(lib)
    assert stored == truth  # stored for the current generation (None if it had gone stale), and right


@pytest.fixture
def lib(home: Path):
    lib = Library()
    yield lib
    lib.close()


def test_every_indexing_path_carries_the_counts(lib: Library, tmp_path: Path, make_photo) -> None:
    pics, more = tmp_path / "Pictures", tmp_path / "More"
    for i, c in enumerate(["red", "green", "blue", "yellow"]):
        make_photo(pics / f"{c}.jpg", c, seed=i)
    make_photo(more / "purple.jpg", "purple", seed=9)
    (pics / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    lib.add_folder(pics)
    lib.status()  # counted once (an empty library) and stored: from here on carried by every write
    _carried(lib)
    lib.index()
    _carried(lib)
    assert (lib.status().photos, lib.status().errors) == (5, 1)
    lib.add_folder(more)
    lib.index()
    _carried(lib)
    os.rename(pics / "red.jpg", pics / "crimson.jpg")  # a move: the row and its vector kept
    lib.index()
    _carried(lib)
    (pics / "green.jpg").unlink()
    lib.indexer.sync_paths([str(pics / "green.jpg")])  # as the watcher reports it: marked missing
    _carried(lib)
    assert lib.indexer.purge_missing() == 1
    _carried(lib)
    make_photo(pics / "blue.jpg", "orange", seed=5)  # new content: embedded again
    lib.indexer.sync_paths([str(pics / "blue.jpg")])
    _carried(lib)
    assert lib.indexer.move_path(str(more / "purple.jpg"), str(more / "violet.jpg")) == 0  # not moved on disk
    os.rename(more / "purple.jpg", more / "violet.jpg")
    assert lib.indexer.move_path(str(more / "purple.jpg"), str(more / "violet.jpg")) == 1
    _carried(lib)
    assert lib.indexer.set_folder_online(str(more), False)
    _carried(lib)
    assert lib.status().offline == 1
    assert lib.indexer.set_folder_online(str(more), True)
    _carried(lib)
    lib.remove_folder(pics)
    _carried(lib)
    s = lib.status()
    assert (s.photos, s.indexed, s.pending, s.errors, s.offline) == (1, 1, 0, 0, 0)
