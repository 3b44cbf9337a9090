"""The SQLite catalog: migrations, refusals with helpful messages, WAL, folder states and counts."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from photoseek.core.domain import PhotoState
from photoseek.core.errors import CatalogDamagedError, CatalogError
from photoseek.core.storage import schema as schema_mod
from photoseek.core.storage.catalog import SCHEMA_VERSION, Catalog, PhotoUpdate


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "lib" / "catalog.db")
    yield c
    c.close()


def _add(c: Catalog, folder_id: int, path: str, error: str | None = None) -> int:
    with c.write() as w:
        return c.upsert_photo(w, PhotoUpdate(path, folder_id, 100, 1.0, "h-" + path, 4, 3, error=error),
                              keep_vectors=True)


def test_new_catalog_reaches_schema_version_with_wal(cat):
    assert cat.schema_version == SCHEMA_VERSION >= 2
    assert cat._reader().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (cat.path.parent).is_dir()


def test_v1_database_migrates_forward_keeping_rows(tmp_path):
    path = tmp_path / "catalog.db"
    con = sqlite3.connect(path)
    con.executescript(schema_mod.MIGRATIONS[0])
    con.execute("INSERT INTO folders(path, added_at) VALUES('/photos', 0)")
    con.execute("INSERT INTO photos(folder_id, path, size, mtime, state, updated_at) "
                "VALUES(1, '/photos/a.jpg', 5, 1.0, 'ok', 0)")
    con.execute("PRAGMA user_version=1")
    con.commit()
    con.close()
    c = Catalog(path)
    try:
        assert c.schema_version == SCHEMA_VERSION
        p = c.photo_by_path("/photos/a.jpg")
        assert p is not None and p.state is PhotoState.OK and p.size == 5
        assert [f.path for f in c.folders()] == ["/photos"]
        with c.write() as w:  # the v2 column exists and works
            c.mark_missing(w, [p.id])
        assert c.missing_older_than(-10) == [p.id]
    finally:
        c.close()


def test_catalog_that_already_has_the_folder_state_index_migrates(tmp_path):
    # the performance branch created photos_folder_state as its step 4, before the text tables took that number
    path = tmp_path / "catalog.db"
    con = sqlite3.connect(path)
    for step in schema_mod.MIGRATIONS[:3]:
        assert isinstance(step, str)
        con.executescript(step)
    con.execute("CREATE INDEX photos_folder_state ON photos(folder_id, state)")
    con.execute("DROP INDEX photos_folder")
    con.execute("PRAGMA user_version=3")
    con.commit()
    con.close()
    c = Catalog(path)
    try:
        assert c.schema_version == SCHEMA_VERSION
        names = {r[0] for r in c._reader().execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "photos_folder_state" in names and "photos_folder" not in names
    finally:
        c.close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "catalog.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(CatalogError, match="newer PhotoSeek") as ei:
        Catalog(path)
    assert ei.value.hint and "Update" in ei.value.hint


def test_non_sqlite_file_is_refused_helpfully(tmp_path):
    path = tmp_path / "catalog.db"
    path.write_text("these are my holiday notes, not a database\n" * 200)
    with pytest.raises(CatalogDamagedError) as ei:
        Catalog(path)
    assert str(path) in str(ei.value)
    assert ei.value.hint and "photoseek repair" in ei.value.hint  # which keeps the file and rebuilds beside it
    assert path.read_text().startswith("these are my holiday notes")  # never overwritten


def test_reopening_keeps_data(tmp_path):
    path = tmp_path / "catalog.db"
    c = Catalog(path)
    f = c.add_folder("/photos")
    _add(c, f.id, "/photos/a.jpg")
    c.close()
    c2 = Catalog(path)
    try:
        assert c2.photo_by_path("/photos/a.jpg") is not None
    finally:
        c2.close()


def test_closed_catalog_raises(tmp_path):
    c = Catalog(tmp_path / "c.db")
    c.close()
    with pytest.raises(CatalogError, match="closed"):
        c.folders()


def test_folder_offline_and_back_online(cat):
    f = cat.add_folder("/photos")
    ok = _add(cat, f.id, "/photos/ok.jpg")
    bad = _add(cat, f.id, "/photos/bad.jpg", error="truncated file")
    with cat.write() as w:
        cat.store_vectors(w, "m", [ok], np.ones((1, 4), np.float32))
        cat.mark_ok(w, [ok])
    assert cat.set_folder_online(f.id, False) is True
    assert cat.set_folder_online(f.id, False) is False  # no change
    assert {cat.photo(ok).state, cat.photo(bad).state} == {PhotoState.OFFLINE}
    assert not cat.folders()[0].online
    assert cat.counts("m")["offline"] == 2
    assert cat.set_folder_online(f.id, True) is True
    assert cat.photo(ok).state is PhotoState.OK
    assert cat.photo(bad).state is PhotoState.ERROR and cat.photo(bad).error == "truncated file"


def test_unindexed_photo_stays_pending_across_offline_online(cat):
    f = cat.add_folder("/photos")
    pid = _add(cat, f.id, "/photos/new.jpg")
    assert cat.photo(pid).state is PhotoState.PENDING
    cat.set_folder_online(f.id, False)
    cat.set_folder_online(f.id, True)
    assert cat.photo(pid).state is PhotoState.PENDING  # it still has no vector: not "ok"


def test_counts(cat):
    f = cat.add_folder("/photos")
    a = _add(cat, f.id, "/photos/a.jpg")
    b = _add(cat, f.id, "/photos/b.jpg")
    _add(cat, f.id, "/photos/c.jpg", error="not an image")
    gone = _add(cat, f.id, "/photos/gone.jpg")
    with cat.write() as w:
        cat.store_vectors(w, "m", [a], np.ones((1, 4), np.float32))
        cat.mark_ok(w, [a])
        cat.mark_missing(w, [gone])
    assert cat.counts("m") == {"photos": 3, "indexed": 1, "pending": 1, "errors": 1, "offline": 0}
    assert cat.counts("other-model")["pending"] == 2
    assert cat.ids_without_vector("m") == [(b, "/photos/b.jpg")]
    assert [p.reason for p in cat.problems()] == ["not an image"]
    assert cat.folders()[0].photo_count == 3 and cat.folders()[0].error_count == 1


def test_vectors_round_trip_and_version_bumps(cat):
    f = cat.add_folder("/photos")
    a = _add(cat, f.id, "/photos/a.jpg")
    assert cat.model_version("m") == 0
    v = np.arange(4, dtype=np.float32)
    with cat.write() as w:
        cat.store_vectors(w, "m", [a], v[None])
    assert cat.model_version("m") == 1
    np.testing.assert_array_equal(cat.vectors_for("m", [a])[a], v)
    # content changed: stale vector dropped and the model's version moves so indexes rebuild
    with cat.write() as w:
        cat.upsert_photo(w, PhotoUpdate("/photos/a.jpg", f.id, 101, 2.0, "new"), keep_vectors=False)
    assert cat.vectors_for("m", [a]) == {} and cat.model_version("m") == 2


def test_failed_write_rolls_back(cat):
    f = cat.add_folder("/photos")
    with pytest.raises(RuntimeError):
        with cat.write() as w:
            cat.upsert_photo(w, PhotoUpdate("/photos/a.jpg", f.id, 1, 1.0, None), keep_vectors=True)
            raise RuntimeError("boom")
    assert cat.photo_by_path("/photos/a.jpg") is None


def test_remove_folder_removes_its_photos(cat):
    f = cat.add_folder("/photos")
    a = _add(cat, f.id, "/photos/a.jpg")
    assert cat.remove_folder(f.id) == [a]
    assert cat.photo(a) is None and cat.folders() == []


def test_perceptual_hashes_go_stale_with_new_bytes_and_leave_with_their_photo(cat):
    f = cat.add_folder("/photos")
    with cat.write() as w:
        a = cat.upsert_photo(w, PhotoUpdate("/photos/a.jpg", f.id, 10, 1.0, "hash-a"), keep_vectors=False)
        b = cat.upsert_photo(w, PhotoUpdate("/photos/b.jpg", f.id, 10, 1.0, None), keep_vectors=False)
    cat.save_image_hashes([(a, "hash-a", (1, 2**64 - 1)), (b, None, (7,))], version=1)
    assert cat.image_hashes([a, b], version=1) == {a: (1, 2**64 - 1), b: (7,)}
    assert cat.image_hashes([a, b], version=2) == {}  # another algorithm: recomputed
    with cat.write() as w:  # the file was edited: its hash no longer describes it
        cat.upsert_photo(w, PhotoUpdate("/photos/a.jpg", f.id, 12, 2.0, "hash-a2"), keep_vectors=False)
    assert cat.image_hashes([a, b], version=1) == {b: (7,)}
    cat.remove_folder(f.id)
    with sqlite3.connect(cat.path) as con:
        assert con.execute("SELECT COUNT(*) FROM image_hashes").fetchone()[0] == 0


class _StopAfter(threading.Event):
    """Set once it has been asked ``n`` times: a window closed during the warm-up."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.asked = 0
        self.n = n

    def is_set(self) -> bool:
        self.asked += 1
        return self.asked > self.n


def test_the_warm_up_reads_every_photo_row_and_stops_when_asked(cat):
    f = cat.add_folder("/p")
    ids = [_add(cat, f.id, f"/p/{i:02d}.jpg", error="bad file" if i % 5 == 0 else None) for i in range(25)]
    with cat.write() as w:  # a gap in the ids, and the last id gone: the pass covers up to the largest there is
        w.execute("DELETE FROM photos WHERE id IN (?, ?)", (ids[3], ids[-1]))
    assert cat.warm_photo_rows(step=10) == 23  # every row a search could show, whatever its state
    assert cat.warm_photo_rows(step=7) == 23
    stop = threading.Event()
    stop.set()
    assert cat.warm_photo_rows(stop, step=10) == 0
    assert cat.warm_photo_rows(_StopAfter(1), step=10) == 9  # the first step only (ids 1-10, one deleted)


def test_the_warm_up_of_an_empty_catalog_reads_nothing(cat):
    assert cat.warm_photo_rows() == 0
