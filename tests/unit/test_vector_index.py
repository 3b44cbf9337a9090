"""The USearch index: a cache of the catalog's vectors that is saved atomically and rebuilt when it cannot be trusted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from photoseek.core.storage import vector_index
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.mapped_index import MappedIndex
from photoseek.core.storage.vector_index import SIDECAR_FORMAT, VectorIndex

DIM = 8
MODEL = "m"


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "catalog.db")
    yield c
    c.close()


def _commit(cat: Catalog, vecs: np.ndarray, start: int = 0) -> tuple[list[int], int]:
    """Photos with vectors in the catalog, as an index run would commit them. Returns (ids, model version)."""
    f = cat.add_folder("/p")
    ids = []
    with cat.write() as w:
        for i in range(len(vecs)):
            ids.append(cat.upsert_photo(w, PhotoUpdate(f"/p/{start + i}.jpg", f.id, 1, 1.0, f"h{start + i}"),
                                        keep_vectors=True))
        cat.store_vectors(w, MODEL, ids, vecs)
    return ids, cat.model_version(MODEL)


def _index(tmp_path, cat, **kw) -> VectorIndex:
    return VectorIndex(tmp_path / "indexes", MODEL, DIM, cat, **kw)


def test_add_search_remove(tmp_path, cat):
    rng = np.random.default_rng(0)
    vecs = _unit(rng, 20)
    vi = _index(tmp_path, cat)
    assert len(vi) == 0 and len(vi.search(vecs[0], 5)[0]) == 0
    vi.add(list(range(1, 21)), vecs, version=1)
    ids, scores = vi.search(vecs[4], 3)
    assert ids[0] == 5 and scores[0] == pytest.approx(1.0, abs=1e-3)  # the index keeps f16 vectors
    assert list(scores) == sorted(scores, reverse=True)
    vi.remove([5], version=2)
    assert 5 not in vi.search(vecs[4], 20)[0] and len(vi) == 19
    np.testing.assert_allclose(vi.get([6])[6], vecs[5], atol=1e-3)  # the index keeps f16 vectors
    vi.add([6], vecs[0:1], version=3)  # re-adding a key replaces its vector
    assert len(vi) == 19 and vi.search(vecs[0], 2)[0].tolist().count(6) == 1


def test_saved_and_reopened_without_rebuild(tmp_path, cat):
    vecs = _unit(np.random.default_rng(1), 10)
    ids, version = _commit(cat, vecs)
    vi = _index(tmp_path, cat)
    assert vi.rebuilt and len(vi) == 10  # first open builds from SQLite
    vi.save()
    assert not list((tmp_path / "indexes").glob("*.tmp"))
    meta = json.loads(vi.meta_path.read_text())
    assert meta["version"] == version and meta["count"] == 10
    again = _index(tmp_path, cat)
    assert not again.rebuilt and len(again) == 10
    assert again.search(vecs[3], 1)[0][0] == ids[3]


def test_stale_sidecar_version_triggers_rebuild(tmp_path, cat):
    vecs = _unit(np.random.default_rng(2), 6)
    _commit(cat, vecs[:3])
    _index(tmp_path, cat)
    _commit(cat, vecs[3:], start=3)  # catalog moved on while the index file did not
    vi = _index(tmp_path, cat)
    assert vi.rebuilt and len(vi) == 6


@pytest.mark.parametrize("fmt", [None, 0, SIDECAR_FORMAT + 1, "1"])
def test_sidecar_of_another_format_is_rebuilt_not_trusted(tmp_path, cat, fmt):
    vecs = _unit(np.random.default_rng(5), 4)
    ids, _ = _commit(cat, vecs)
    _index(tmp_path, cat).save()
    meta_path = tmp_path / "indexes" / f"{MODEL}.usearch.json"
    meta = json.loads(meta_path.read_text())
    assert meta["format"] == SIDECAR_FORMAT
    assert not _index(tmp_path, cat).rebuilt  # the current format is trusted
    if fmt is None:
        del meta["format"]  # written before the sidecar had a format number
    else:
        meta["format"] = fmt
    meta_path.write_text(json.dumps(meta))
    vi = _index(tmp_path, cat)
    assert vi.rebuilt and len(vi) == 4 and vi.search(vecs[2], 1)[0][0] == ids[2]
    assert json.loads(meta_path.read_text())["format"] == SIDECAR_FORMAT  # rewritten in the current format


def test_corrupt_index_file_is_rebuilt(tmp_path, cat):
    vecs = _unit(np.random.default_rng(3), 5)
    ids, _ = _commit(cat, vecs)
    vi = _index(tmp_path, cat)
    vi.path.write_bytes(np.random.default_rng(9).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    again = _index(tmp_path, cat)
    assert again.rebuilt and len(again) == 5
    assert again.search(vecs[2], 1)[0][0] == ids[2]
    assert not _index(tmp_path, cat).rebuilt  # the rebuilt file was saved and is good again


def test_missing_index_file_is_rebuilt(tmp_path, cat):
    vecs = _unit(np.random.default_rng(4), 4)
    _commit(cat, vecs)
    vi = _index(tmp_path, cat)
    vi.path.unlink()
    again = _index(tmp_path, cat)
    assert again.rebuilt and len(again) == 4 and again.path.is_file()


def test_missing_photos_are_left_out_of_rebuild(tmp_path, cat):
    vecs = _unit(np.random.default_rng(5), 4)
    ids, _ = _commit(cat, vecs)
    with cat.write() as w:
        cat.mark_missing(w, [ids[0]])
    vi = _index(tmp_path, cat)
    assert len(vi) == 3 and ids[0] not in vi.search(vecs[0], 4)[0]


def test_read_only_open_and_refresh(tmp_path, cat):
    vecs = _unit(np.random.default_rng(6), 6)
    _commit(cat, vecs[:3])
    writer = _index(tmp_path, cat)
    reader = _index(tmp_path, cat, writable=False)
    assert not reader.rebuilt and len(reader) == 3
    with pytest.raises(RuntimeError, match="read-only"):
        reader.add([99], vecs[:1], version=9)
    ids, version = _commit(cat, vecs[3:], start=3)  # another process commits more vectors
    writer.add(ids, vecs[3:], version=version)
    writer.save()
    reader.refresh()
    assert len(reader) == 6
    assert reader.search(vecs[5], 1)[0][0] == ids[2]


def test_read_only_refresh_without_saved_index_rebuilds_in_memory(tmp_path, cat):
    vecs = _unit(np.random.default_rng(7), 4)
    _commit(cat, vecs[:2])
    reader = _index(tmp_path, cat, writable=False)
    assert len(reader) == 2
    _commit(cat, vecs[2:], start=2)  # committed, but nobody saved an index file
    reader.refresh()
    assert len(reader) == 4
    assert not (tmp_path / "indexes" / f"{MODEL}.usearch").exists()  # a reader never writes


def _fail_save(monkeypatch, *, short: bool) -> None:
    """The disk fills while usearch writes: it raises RuntimeError, or (``short``) writes part of the file silently."""
    from usearch.index import Index

    def save(self, path, *a, **kw):
        with open(path, "wb") as f:
            f.write(b"\0" * 100)
        if not short:
            raise RuntimeError("Failed to serialize into stream")

    monkeypatch.setattr(Index, "save", save)


@pytest.mark.parametrize("short", [False, True], ids=["raises", "short-write"])
def test_full_disk_while_saving_loses_nothing(tmp_path, cat, monkeypatch, short):
    vecs = _unit(np.random.default_rng(6), 6)
    ids, _ = _commit(cat, vecs[:3])
    vi = _index(tmp_path, cat)
    more, version = _commit(cat, vecs[3:], start=3)
    vi.add(more, vecs[3:], version)
    with monkeypatch.context() as m:
        _fail_save(m, short=short)
        vi.save()  # must not raise: the catalog holds every vector
    folder = tmp_path / "indexes"
    assert not list(folder.glob("*.tmp")), "a half-written temp file was left behind"
    again = _index(tmp_path, cat)
    assert again.rebuilt and len(again) == 6  # never trusts a file that was not fully written
    assert again.search(vecs[4], 1)[0][0] == more[1]


def test_neighbours_of_every_photo_above_a_score(tmp_path, cat):
    rng = np.random.default_rng(3)
    vecs = _unit(rng, 12)
    near = vecs[2] + 0.05 * _unit(rng, 1)[0]  # a near copy of photo 3
    vi = _index(tmp_path, cat)
    vi.add(list(range(1, 14)), np.vstack([vecs, near / np.linalg.norm(near)]), version=1)
    out = vi.neighbours(4, 0.95)
    assert set(out) == {3, 13}  # only the pair clears the score; nobody is its own neighbour
    assert [j for j, _ in out[3]] == [13] and out[13][0][0] == 3 and out[3][0][1] >= 0.95
    assert all(len(ns) <= 4 for ns in vi.neighbours(4, -1.0).values())
    assert _index(tmp_path / "empty", cat).neighbours(4, 0.0) == {}


def test_a_saved_index_opens_memory_mapped_and_loads_in_full_at_its_first_change(tmp_path, cat):
    rng = np.random.default_rng(3)
    ids, version = _commit(cat, _unit(rng, 30))
    VectorIndex(tmp_path / "index", MODEL, DIM, cat).save()
    vi = VectorIndex(tmp_path / "index", MODEL, DIM, cat)
    assert vi._viewing and not vi.rebuilt and len(vi) == 30
    more, version = _commit(cat, _unit(rng, 5), start=30)
    vi.add(more, _unit(rng, 5), version)
    assert not vi._viewing and not vi.rebuilt and len(vi) == 35
    vi.save()
    again = VectorIndex(tmp_path / "index", MODEL, DIM, cat)
    assert len(again) == 35 and not again.rebuilt


def test_a_file_replaced_behind_a_view_is_rebuilt_before_the_first_change(tmp_path, cat):
    rng = np.random.default_rng(4)
    ids, _ = _commit(cat, _unit(rng, 10))
    VectorIndex(tmp_path / "index", MODEL, DIM, cat).save()
    vi = VectorIndex(tmp_path / "index", MODEL, DIM, cat)
    other = VectorIndex(tmp_path / "index", MODEL, DIM, cat)  # another writer changes and saves the file
    more, version = _commit(cat, _unit(rng, 3), start=10)
    other.add(more, _unit(rng, 3), version)
    other.save()
    vi.remove([ids[0]], cat.model_version(MODEL))
    assert vi.rebuilt and len(vi) == 12  # from the catalog: the other writer's 3 included, the removed one gone


@pytest.fixture
def large(monkeypatch):
    """Indexes above 60 vectors count as large: viewed without USearch's key table, their sample saved beside them."""
    monkeypatch.setattr(vector_index, "FLAT_MAX", 60)
    monkeypatch.setattr(vector_index, "SAMPLE_SIZE", 25)


def test_a_large_index_is_searched_without_its_key_table_and_builds_it_only_when_asked_by_key(tmp_path, cat, large):
    rng = np.random.default_rng(5)
    vecs = _unit(rng, 200)
    ids, _ = _commit(cat, vecs)
    writable = _index(tmp_path, cat)  # built from the catalog and saved, with its sample
    meta = json.loads(writable.meta_path.read_text())
    assert meta["flat"] is False and writable.sample_path.is_file()
    cold = _index(tmp_path, cat, writable=False)
    assert isinstance(cold._index, MappedIndex) and not cold._index.has_key_table
    for q in vecs[:20]:  # the same answers as the index the desktop app holds in memory
        assert [x.tolist() for x in cold.search(q, 10)] == [x.tolist() for x in writable.search(q, 10)]
    np.testing.assert_array_equal(cold.sample(), writable.sample())  # the relevance cutoff judges alike
    assert cold.sample().shape == (25, DIM)
    assert not cold._index.has_key_table  # a text search needed none of it
    np.testing.assert_array_equal(cold.get([ids[7]])[ids[7]], writable.get([ids[7]])[ids[7]])
    assert cold._index.has_key_table
    among = ids[::9]
    assert [x.tolist() for x in cold.search_among(vecs[3], among, 5)] == [
        x.tolist() for x in writable.search_among(vecs[3], among, 5)]


def test_a_missing_or_stale_saved_sample_is_not_used(tmp_path, cat, large):
    rng = np.random.default_rng(6)
    ids, _ = _commit(cat, _unit(rng, 100))
    writable = _index(tmp_path, cat)
    old = writable.sample_path.read_bytes()
    more, version = _commit(cat, _unit(rng, 10), start=100)
    writable.add(more, _unit(rng, 10), version)
    writable.save()
    writable.sample_path.write_bytes(old)  # the previous version's sample: complete, but of other photos
    cold = _index(tmp_path, cat, writable=False)
    np.testing.assert_array_equal(cold.sample(), writable.sample())
    writable.sample_path.unlink()
    cold = _index(tmp_path, cat, writable=False)
    np.testing.assert_array_equal(cold.sample(), writable.sample())


def test_a_key_table_built_late_shows_the_version_that_was_opened(tmp_path, cat, large):
    rng = np.random.default_rng(7)
    ids, _ = _commit(cat, _unit(rng, 100))
    _index(tmp_path, cat)
    cold = _index(tmp_path, cat, writable=False)
    writer = _index(tmp_path, cat)  # the desktop app adds photos and saves while the CLI holds its view
    more, version = _commit(cat, _unit(rng, 10), start=100)
    writer.add(more, _unit(rng, 10), version)
    writer.save()
    assert len(_index(tmp_path, cat, writable=False)) == 110
    got = cold.get([ids[0], more[0]])  # the key table comes from the bytes the CLI searched, not the new file
    assert set(got) == {ids[0]} and len(cold) == 100


def test_a_large_index_saved_before_samples_gets_its_sample_at_the_next_save(tmp_path, cat, large):
    ids, _ = _commit(cat, _unit(np.random.default_rng(8), 100))
    first = _index(tmp_path, cat)
    first.sample_path.unlink()  # as an older PhotoSeek saved it
    writer = _index(tmp_path, cat)
    assert not writer.rebuilt and not writer.sample_path.exists()
    before = writer.path.stat().st_mtime_ns
    writer.save()  # nothing changed: the index file stays, the sample is added
    assert writer.sample_path.is_file() and writer.path.stat().st_mtime_ns == before
    cold = _index(tmp_path, cat, writable=False)
    np.testing.assert_array_equal(cold.sample(), first.sample())
    assert not cold._index.has_key_table and not cold.rebuilt


def test_every_process_judges_against_the_same_sample_after_removals(tmp_path, cat, large):
    ids, _ = _commit(cat, _unit(np.random.default_rng(9), 150))
    writer = _index(tmp_path, cat)
    writer.add(ids[:3], _unit(np.random.default_rng(10), 3), cat.model_version(MODEL))  # loads it in full
    writer.remove(ids[::4], cat.model_version(MODEL))  # the desktop app forgets deleted photos, then saves
    writer.save()
    with_file = _index(tmp_path, cat, writable=False)
    np.testing.assert_array_equal(with_file.sample(), writer.sample())
    writer.sample_path.unlink()  # no saved sample: picked from the view's keys, listed in another order
    picked = _index(tmp_path, cat, writable=False)
    np.testing.assert_array_equal(picked.sample(), writer.sample())
    assert picked._index.has_key_table
