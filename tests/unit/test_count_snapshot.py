"""Stored status counts (storage/count_snapshot.py): used only while the catalog is unchanged, never wrong."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from photoseek.core.storage.catalog import Catalog, PhotoUpdate

DIM = 4


def _truth(cat: Catalog, model: str) -> tuple[dict[int, dict[str, int]], int]:
    con = sqlite3.connect(cat.path)
    try:
        by_folder: dict[int, dict[str, int]] = {}
        for f, s, n in con.execute("SELECT folder_id, state, COUNT(*) FROM photos GROUP BY 1, 2"):
            by_folder.setdefault(f, {})[s] = n
        vectors = con.execute("SELECT COUNT(*) FROM embeddings WHERE model_id=?", (model,)).fetchone()[0]
    finally:
        con.close()
    return by_folder, vectors


def _check(cat: Catalog, model: str = "m") -> None:
    snap = cat.snapshot(model)
    assert (snap.by_folder, snap.models[model].vectors) == _truth(cat, model)


def _add(cat: Catalog, folder_id: int, names: list[str]) -> list[int]:
    with cat.write() as w:
        return [cat.upsert_photo(w, PhotoUpdate(n, folder_id, 1, 1.0, "h" + n), keep_vectors=True) for n in names]


def _vecs(n: int) -> np.ndarray:
    return np.random.default_rng(n).standard_normal((n, DIM)).astype(np.float32)


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "catalog.db")
    yield c
    c.close()


def _counting(cat: Catalog) -> list[str]:
    ran: list[str] = []
    cat._reader().set_trace_callback(lambda q: ran.append(q) if "COUNT(*)" in q else None)
    return ran


def test_unchanged_catalog_is_not_counted_again_even_by_another_process(cat, tmp_path):
    a = cat.add_folder("/a")
    ids = _add(cat, a.id, [f"/a/{i}.jpg" for i in range(5)])
    with cat.write() as w:
        cat.store_vectors(w, "m", ids, _vecs(5))
        cat.mark_ok(w, ids)
    _check(cat)
    ran = _counting(cat)
    assert cat.counts("m")["indexed"] == 5 and cat.folders()[0].photo_count == 5
    assert ran == []  # the stored counts: no pass over a million rows
    other = Catalog(tmp_path / "catalog.db")  # a second process, e.g. `photoseek status` from a terminal
    try:
        ran2 = _counting(other)
        assert other.counts("m")["indexed"] == 5 and ran2 == []
    finally:
        other.close()


def test_every_kind_of_change_is_counted_again(cat, tmp_path):
    a, b = cat.add_folder("/a"), cat.add_folder("/b")
    ids = _add(cat, a.id, [f"/a/{i}.jpg" for i in range(8)])
    _check(cat)
    steps = [
        lambda w: cat.store_vectors(w, "m", ids, _vecs(8)),
        lambda w: cat.mark_ok(w, ids),
        lambda w: cat.mark_missing(w, ids[:2]),
        lambda w: cat.move_photo(w, ids[5], "/b/5.jpg", b.id, 1, 1.0),
        lambda w: cat.upsert_photo(w, PhotoUpdate("/a/6.jpg", a.id, 2, 2.0, "new"), keep_vectors=False),
        lambda w: cat.delete_photos(w, [ids[7]]),
    ]
    for step in steps:
        with cat.write() as w:
            step(w)
        _check(cat)
    cat.set_folder_online(b.id, False)
    _check(cat)
    assert cat.counts("m")["offline"] == 1
    cat.remove_folder(a.id)
    _check(cat)
    other = Catalog(tmp_path / "catalog.db")  # another process adds photos: this one sees them
    try:
        _add(other, b.id, ["/b/new.jpg"])
    finally:
        other.close()
    _check(cat)
    assert [f.photo_count for f in cat.folders()] == [2]


def test_a_failed_transaction_leaves_the_stored_counts_right(cat):
    a = cat.add_folder("/a")
    _add(cat, a.id, ["/a/1.jpg"])
    _check(cat)
    with pytest.raises(RuntimeError), cat.write() as w:  # killed half way through a batch: rolled back
        cat.upsert_photo(w, PhotoUpdate("/a/2.jpg", a.id, 1, 1.0, "h2"), keep_vectors=True)
        raise RuntimeError("killed")
    _check(cat)
    assert cat.counts("m")["photos"] == 1


def test_counting_never_waits_for_another_writer(cat, tmp_path):
    a = cat.add_folder("/a")
    _add(cat, a.id, ["/a/1.jpg"])
    blocker = sqlite3.connect(tmp_path / "catalog.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process is writing a batch
    try:
        got: list[int] = []
        t = threading.Thread(target=lambda: got.append(cat.counts("m")["photos"]), daemon=True)
        t.start()
        t.join(10)  # storing the fresh counts would wait 30 s for the writer; it is skipped instead
        assert got == [1]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_status_asked_inside_a_write_leaves_that_write_alone(cat):
    a = cat.add_folder("/a")
    with cat.write() as w:
        cat.upsert_photo(w, PhotoUpdate("/a/1.jpg", a.id, 1, 1.0, "h1"), keep_vectors=True)
        assert cat.counts("m")["photos"] == 0  # what is committed; the open batch is not rolled back
        cat.upsert_photo(w, PhotoUpdate("/a/2.jpg", a.id, 1, 1.0, "h2"), keep_vectors=True)
    assert cat.counts("m")["photos"] == 2
    _check(cat)


def test_counts_stored_before_every_writer_kept_them_are_dropped_by_the_migration(tmp_path):
    from photoseek.core.storage import schema
    from photoseek.core.storage.catalog import SCHEMA_VERSION
    from photoseek.core.storage.count_snapshot import SNAPSHOT_KEY, CountSnapshot

    path = tmp_path / "catalog.db"
    con = sqlite3.connect(path)
    for step in schema.MIGRATIONS[:5]:
        for stmt in step if isinstance(step, tuple) else step.split(";"):
            if stmt.strip():
                con.execute(stmt)
    con.execute("INSERT INTO folders(id, path, added_at) VALUES(1, '/p', 0)")
    con.executemany("INSERT INTO photos(folder_id, path, size, mtime, state, updated_at) VALUES(1, ?, 1, 1, 'ok', 0)",
                    [("/p/1.jpg",), ("/p/2.jpg",)])
    # counts a build of this branch stored, then a PhotoSeek that does not move the generation added a photo
    stale = CountSnapshot(0, {1: {"ok": 1}}, {})
    con.execute("INSERT INTO settings(key, value) VALUES(?, ?)", (SNAPSHOT_KEY, stale.to_json()))
    con.execute("PRAGMA user_version=5")
    con.commit()
    con.close()
    cat = Catalog(path)
    try:
        assert cat.schema_version == SCHEMA_VERSION == 6
        assert cat.counts("m")["photos"] == 2 and cat.folders()[0].photo_count == 2
    finally:
        cat.close()
