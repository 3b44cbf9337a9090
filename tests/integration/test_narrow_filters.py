"""A folder that holds a small part of a large library: exact scoring among its photos, index-backed queries."""

from __future__ import annotations

import numpy as np
import pytest

from photoseek.core.search import Filters, Searcher
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.vector_index import VectorIndex

DIM = 16
MODEL = "m"


class _NoModel:
    model_id = MODEL
    dim = DIM


@pytest.fixture
def lib(tmp_path):
    """300 photos in /lib/big, 12 in /lib/small (4%), random unit vectors."""
    cat = Catalog(tmp_path / "catalog.db")
    rng = np.random.default_rng(7)
    vecs = rng.standard_normal((312, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    big, small = cat.add_folder("/lib/big"), cat.add_folder("/lib/small")
    ids = []
    with cat.write() as w:
        for i in range(312):
            f = small if i % 26 == 0 else big
            ids.append(cat.upsert_photo(w, PhotoUpdate(f"{f.path}/{i:04d}.jpg", f.id, 1, 1.0, f"h{i}"),
                                        keep_vectors=True))
        cat.store_vectors(w, MODEL, ids, vecs)
        cat.mark_ok(w, ids)
    vi = VectorIndex(tmp_path / "index", MODEL, DIM, cat)
    yield cat, vi, vecs, ids
    cat.close()


def test_ids_under_is_a_path_range(lib):
    cat, _, _, ids = lib
    under = cat.ids_under("/lib/small")
    assert sorted(under) == [ids[i] for i in range(0, 312, 26)]
    assert cat.ids_under("/lib/smal") == [] and cat.ids_under("/lib/small/") == under
    plan = " ".join(str(r) for r in cat._reader().execute(
        "EXPLAIN QUERY PLAN SELECT id FROM photos WHERE path >= 'a' AND path < 'b' AND state != 'missing'"))
    assert "USING INDEX" in plan  # the unique path index, not a scan


def test_a_library_folder_s_photos_come_from_the_folder_state_index_alone(lib):
    cat, _, _, ids = lib
    with cat.write() as w:
        cat.mark_missing(w, [ids[26]])  # one of /lib/small's
    asked: list[str] = []
    con = cat._reader()
    con.set_trace_callback(asked.append)
    try:
        under = cat.ids_under("/lib/small")
    finally:
        con.set_trace_callback(None)
    assert sorted(under) == [ids[i] for i in range(0, 312, 26) if i != 26]
    query = next(q for q in asked if q.lstrip().upper().startswith("SELECT ID FROM PHOTOS"))
    plan = " ".join(str(r) for r in con.execute("EXPLAIN QUERY PLAN " + query))
    assert "COVERING INDEX photos_folder_state" in plan  # no row of the photos table is read


def test_search_among_is_exact_and_skips_ids_without_vectors(lib):
    _, vi, vecs, ids = lib
    q = vecs[26]
    among = [ids[i] for i in range(0, 312, 26)] + [99999]
    got_ids, scores = vi.search_among(q, among, 5, chunk=4)
    want = sorted(range(0, 312, 26), key=lambda i: -float(vecs[i] @ q))[:5]
    assert [int(i) for i in got_ids] == [ids[i] for i in want]
    np.testing.assert_allclose(scores, [vecs[i] @ q for i in want], atol=1e-3)  # f16 vectors in the index


def test_a_narrow_folder_filter_returns_its_best_photos_exactly(lib):
    cat, vi, vecs, ids = lib
    s = Searcher(cat, vi, _NoModel())  # type: ignore[arg-type]
    q = vecs[52] * 0.5 + vecs[3] * 0.5
    q /= np.linalg.norm(q)
    hits = s.search_vector(q, limit=3, filters=Filters.of("/lib/small"))
    want = sorted(range(0, 312, 26), key=lambda i: -float(vecs[i] @ q))[:3]
    assert [h.photo.id for h in hits] == [ids[i] for i in want]
    assert all(h.photo.path.startswith("/lib/small/") for h in hits)


def test_status_counts_stay_right_with_missing_error_and_offline_photos(lib):
    cat, _, _, ids = lib
    with cat.write() as w:
        cat.mark_missing(w, ids[:2])
        w.execute("UPDATE photos SET state='error', error='bad' WHERE id=?", (ids[2],))
    cat.set_folder_online(cat.folder_by_path("/lib/small").id, False)
    c = cat.counts(MODEL)
    assert c["photos"] == 310 and c["errors"] == 1 and c["offline"] == 11  # ids[0] is small's and missing
    joined = cat._reader().execute("SELECT COUNT(*) FROM embeddings e JOIN photos p ON p.id=e.photo_id "
                                   "WHERE p.state IN ('ok','pending','offline')").fetchone()[0]
    assert c["indexed"] == joined == 309  # every vector but the missing and the error photos'
    assert c["pending"] == 0


def test_folder_counts_read_the_covering_index(lib):
    cat, *_ = lib
    plan = " ".join(str(r) for r in cat._reader().execute(
        "EXPLAIN QUERY PLAN SELECT folder_id, state, COUNT(*) FROM photos GROUP BY folder_id, state"))
    assert "COVERING INDEX photos_folder_state" in plan
    with cat.write() as w:
        cat.mark_missing(w, cat.ids_under("/lib/small")[:2])
        w.execute("UPDATE photos SET state='error', error='bad' WHERE path='/lib/big/0001.jpg'")
    got = {f.path: (f.photo_count, f.error_count) for f in cat.folders()}
    assert got == {"/lib/big": (300, 1), "/lib/small": (10, 0)}
    cat.add_folder("/lib/empty")
    assert [(f.path, f.photo_count) for f in cat.folders()][0] == ("/lib/big", 300)
    assert {f.path: f.photo_count for f in cat.folders()}["/lib/empty"] == 0


def _small_folder_top3(lib, monkeypatch, q_row: int) -> list[int]:  # noqa: ANN001
    """Search /lib/small (12 of the 312 photos) for ``vecs[q_row]``, with no fixed limit below which a folder is
    scored exactly; checks the 3 hits are the exact best and returns the k of every graph search asked for."""
    import photoseek.core.search as search

    cat, vi, vecs, ids = lib
    monkeypatch.setattr(search, "EXACT_AMONG_MAX", 0)  # 12 photos now count as "many"
    asked: list[int] = []
    real = vi.search
    monkeypatch.setattr(vi, "search", lambda q, k: asked.append(k) or real(q, k))
    q = vecs[q_row]
    hits = Searcher(cat, vi, _NoModel()).search_vector(q, limit=3, filters=Filters.of("/lib/small"))  # type: ignore[arg-type]
    want = sorted(range(0, 312, 26), key=lambda i: -float(vecs[i] @ q))[:3]
    assert [h.photo.id for h in hits] == [ids[i] for i in want]
    return asked


def test_a_larger_folder_asks_the_graph_once_and_keeps_only_its_photos(lib, monkeypatch):
    import photoseek.core.search as search

    monkeypatch.setattr(search, "GRAPH_COST_RATIO", 0)  # as if scoring each photo cost more than any graph walk
    asked = _small_folder_top3(lib, monkeypatch, 52)
    assert len(asked) == 1 and asked[0] >= 2 * 3 * 312 // 12  # one round, sized by the folder's share


def test_a_folder_past_the_fixed_limit_is_still_scored_exactly_when_that_is_cheaper(lib, monkeypatch):
    assert _small_folder_top3(lib, monkeypatch, 78) == []  # 12 of 312: scoring them beats a graph walk for 156


def test_exact_scoring_covers_a_one_percent_folder_at_a_million_photos():
    from photoseek.core.search import exact_is_cheaper

    assert exact_is_cheaper(1_500, 10_000_000, 50)  # small folders always
    assert exact_is_cheaper(10_000, 1_000_000, 50)  # 1%: 10,000 scores instead of a walk for 10,000 neighbours
    assert not exact_is_cheaper(100_000, 1_000_000, 50)  # 10%: the walk needs only 1,000
    assert not exact_is_cheaper(10_000, 100_000, 50)  # the same folder in a smaller library


def test_the_next_query_among_the_same_photos_reads_no_vectors_and_sees_changes(lib, monkeypatch):
    import photoseek.core.storage.vector_index as vx

    cat, vi, vecs, ids = lib
    among = [ids[i] for i in range(0, 312, 26)]
    fetched: list[int] = []
    real_get = vi._index.get
    monkeypatch.setattr(vi._index, "get", lambda keys, *a: fetched.append(len(keys)) or real_get(keys, *a))
    first = vi.search_among(vecs[0], among, 3)
    assert fetched == [12]
    for q in (vecs[26], vecs[52]):  # two more queries in the same folder
        got_ids, _ = vi.search_among(q, among, 1)
        assert int(got_ids[0]) == ids[max(range(0, 312, 26), key=lambda i: float(vecs[i] @ q))]
    assert fetched == [12] and [int(i) for i in vi.search_among(vecs[0], among, 3)[0]] == [int(i) for i in first[0]]
    target = vecs[130]  # one of the set's photos changes: its new vector is the best for this query
    with cat.write() as w:
        cat.store_vectors(w, MODEL, [ids[26]], target[None, :])
    monkeypatch.setattr(vi._index, "get", real_get)
    vi.add([ids[26]], target[None, :], cat.model_version(MODEL))
    assert int(vi.search_among(target, among, 1)[0][0]) == ids[26]  # the changed index is read again
    monkeypatch.setattr(vx, "AMONG_CACHE_BYTES", 0)  # too many to keep: scored chunk by chunk, same answer
    got_ids, scores = vi.search_among(target, among, 2, chunk=5)
    assert int(got_ids[0]) == ids[26] and scores[0] >= scores[1]
