"""A small library's vectors are also saved flat, and a read-only (cold CLI) open searches them without USearch,
with exactly the results the writable index (the desktop app's) gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from photoseek.core.storage import flat_vectors, vector_index
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.flat_vectors import FlatVectors
from photoseek.core.storage.vector_index import VectorIndex

DIM = 16
MODEL = "m"


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "catalog.db")
    yield c
    c.close()


def _library(cat: Catalog, n: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((n, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    f = cat.add_folder("/p")
    with cat.write() as w:
        ids = [cat.upsert_photo(w, PhotoUpdate(f"/p/{i}.jpg", f.id, 1, 1.0, f"h{i}"), keep_vectors=True)
               for i in range(n)]
        cat.store_vectors(w, MODEL, ids, vecs)
    return vecs


def test_a_read_only_open_searches_the_flat_copy_exactly_as_the_writable_index(tmp_path, cat):
    vecs = _library(cat, 300)
    writable = VectorIndex(tmp_path / "ix", MODEL, DIM, cat)  # built from the catalog and saved
    meta = json.loads(writable.meta_path.read_text())
    assert meta["flat"] is True and writable.flat_path.is_file()
    cold = VectorIndex(tmp_path / "ix", MODEL, DIM, cat, writable=False)
    assert isinstance(cold._index, FlatVectors) and len(cold) == 300
    q = vecs[7] + 0.3 * vecs[8]
    q /= np.linalg.norm(q)
    for k in (1, 10, 300):
        a, b = writable.search(q, k), cold.search(q, k)
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
    assert writable.search(vecs[7], 1)[0][0] == 8  # photo ids start at 1
    np.testing.assert_array_equal(writable.sample(50), cold.sample(50))  # the relevance cutoff's sample
    among = [3, 9, 27, 81, 243, 999]
    assert [x.tolist() for x in writable.search_among(q, among, 3)] == [x.tolist() for x in cold.search_among(q, among, 3)]
    assert writable.get([5, 999]).keys() == cold.get([5, 999]).keys() == {5}
    np.testing.assert_array_equal(writable.get([5])[5], cold.get([5])[5])
    near_w, near_c = writable.neighbours(3, 0.2), cold.neighbours(3, 0.2)
    assert near_w.keys() == near_c.keys()
    assert all([i for i, _ in near_w[k]] == [i for i, _ in near_c[k]] for k in near_w)


def test_a_stale_damaged_or_missing_flat_copy_is_not_used(tmp_path, cat):
    vecs = _library(cat, 40)
    vi = VectorIndex(tmp_path / "ix", MODEL, DIM, cat)
    old = vi.flat_path.read_bytes()
    vi.flat_path.write_bytes(old[:-10])  # truncated
    cold = VectorIndex(tmp_path / "ix", MODEL, DIM, cat, writable=False)
    assert not isinstance(cold._index, FlatVectors) and cold.search(vecs[3], 1)[0][0] == 4
    f = cat.folders()[0]
    with cat.write() as w:  # one more photo: the catalog, the index and its flat copy move to the next version
        new = cat.upsert_photo(w, PhotoUpdate("/p/new.jpg", f.id, 1, 1.0, "hnew"), keep_vectors=True)
        cat.store_vectors(w, MODEL, [new], -vecs[3:4])
    vi.add([new], -vecs[3:4], version=cat.model_version(MODEL))
    vi.save()
    assert isinstance(VectorIndex(tmp_path / "ix", MODEL, DIM, cat, writable=False)._index, FlatVectors)
    vi.flat_path.write_bytes(old)  # the previous version's copy, complete but stale
    cold = VectorIndex(tmp_path / "ix", MODEL, DIM, cat, writable=False)
    assert not isinstance(cold._index, FlatVectors) and cold.search(-vecs[3], 1)[0][0] == new
    vi.flat_path.unlink()
    cold = VectorIndex(tmp_path / "ix", MODEL, DIM, cat, writable=False)
    assert not isinstance(cold._index, FlatVectors) and len(cold) == 41


def test_a_large_library_keeps_only_the_usearch_index(tmp_path, cat, monkeypatch):
    monkeypatch.setattr(vector_index, "FLAT_MAX", 30)
    monkeypatch.setattr(flat_vectors, "FLAT_MAX", 30)
    _library(cat, 40)
    vi = VectorIndex(tmp_path / "ix", MODEL, DIM, cat)
    assert not vi.flat_path.exists() and json.loads(vi.meta_path.read_text())["flat"] is False
    assert not isinstance(VectorIndex(tmp_path / "ix", MODEL, DIM, cat, writable=False)._index, FlatVectors)
