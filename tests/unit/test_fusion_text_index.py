"""Rank fusion (pure) and the FTS5 store of words found in photos (real SQLite)."""

from __future__ import annotations

import pytest

from photoseek.core.fusion import reciprocal_rank_fusion
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.text_index import TextIndex, fts_query

ENGINE = "ocr-a"


def test_fusing_one_list_keeps_it():
    assert [k for k, _ in reciprocal_rank_fusion([[3, 1, 2]])] == [3, 1, 2]


def test_item_in_both_lists_comes_first_and_lists_interleave():
    meaning = ["a", "b", "c", "d"]
    words = ["x", "c"]
    fused = [k for k, _ in reciprocal_rank_fusion([meaning, words])]
    assert fused[0] == "c"  # found by meaning and by words
    assert fused[1:4] == ["a", "x", "b"]  # a tie goes to the meaning list; the word hit does not push it out
    assert set(fused) == {"a", "b", "c", "d", "x"}


def test_weights_must_match():
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[1], [2]], weights=[1.0])


def test_fts_query_quotes_words_and_keeps_prefixes():
    assert fts_query('wifi: "moon') == '"wifi" * "moon" *'
    assert fts_query("open 7am", phrase=True) == '"open" + "7am" *'
    assert fts_query("a cat") == '"a" "cat" *'
    assert fts_query("!!") is None


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "catalog.sqlite")
    yield c
    c.close()


def _photo(cat: Catalog, path: str, h: str) -> int:
    f = cat.add_folder("/photos")
    with cat.write() as w:
        pid = cat.upsert_photo(w, PhotoUpdate(path, f.id, 10, 1.0, h), keep_vectors=False)
        cat.mark_ok(w, [pid])
    return pid


def test_words_are_found_without_diacritics_and_by_prefix(cat):
    ti = TextIndex(cat)
    a = _photo(cat, "/photos/a.jpg", "h1")
    b = _photo(cat, "/photos/b.jpg", "h2")
    ti.store(a, "h1", ENGINE, "CAFÉ ZÜRICH\nWIFI: moonlight42")
    ti.store(b, "h2", ENGINE, "")
    hits = ti.search("cafe zurich")
    assert [h.photo_id for h in hits] == [a]
    assert hits[0].lines == "CAFÉ ZÜRICH"
    assert [hits[0].lines[s:e] for s, e in hits[0].spans] == ["CAFÉ", "ZÜRICH"]
    assert [h.photo_id for h in ti.search("moonlight")] == [a]
    assert ti.search("zurich cafe", phrase=True) == []  # a phrase keeps its order
    assert ti.text_of(a) == "CAFÉ ZÜRICH\nWIFI: moonlight42"


def test_pending_counts_and_rereading_after_a_change(cat):
    ti = TextIndex(cat)
    a = _photo(cat, "/photos/a.jpg", "h1")
    b = _photo(cat, "/photos/b.jpg", "h2")
    assert [p for p, _ in ti.pending(ENGINE)] == [a, b]
    ti.store(a, "h1", ENGINE, "EXIT")
    ti.store(b, "h2", ENGINE, "", error="corrupt image")
    c = ti.counts(ENGINE)
    assert (c.done, c.with_text, c.pending, c.errors) == (1, 1, 0, 1)
    # a better engine re-reads everything; a changed file is re-read and its old words stop matching
    assert len(ti.pending("ocr-b")) == 2
    f = cat.folder_by_path("/photos")
    with cat.write() as w:
        cat.upsert_photo(w, PhotoUpdate("/photos/a.jpg", f.id, 11, 2.0, "h9"), keep_vectors=False)
        cat.mark_ok(w, [a])
    assert [p for p, _ in ti.pending(ENGINE)] == [a]
    assert ti.search("exit") == [] and ti.text_of(a) is None


def test_text_counts_never_look_up_every_indexed_photo(cat):
    # at a million photos, looking up every indexed photo's row to see whether it was read took 0.5 s per status
    ti = TextIndex(cat)
    a = _photo(cat, "/photos/a.jpg", "h1")
    _photo(cat, "/photos/b.jpg", "h2")
    _photo(cat, "/photos/c.jpg", "h3")
    ti.store(a, "h1", ENGINE, "EXIT")
    con = cat._reader()
    ran: list[str] = []
    con.set_trace_callback(ran.append)
    try:
        c = ti.counts(ENGINE)
    finally:
        con.set_trace_callback(None)
    assert (c.done, c.with_text, c.pending, c.errors) == (1, 1, 2, 0)
    steps = [str(r[-1]) for q in ran if q.lstrip().upper().startswith("SELECT")
             for r in con.execute("EXPLAIN QUERY PLAN " + q)]
    assert "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)" in steps  # each reading's photo, looked up by its id
    assert not any("USING INDEX photos_" in s for s in steps)  # an index over photos is only ever read alone


def test_deleting_a_photo_deletes_its_words(cat):
    ti = TextIndex(cat)
    a = _photo(cat, "/photos/a.jpg", "h1")
    ti.store(a, "h1", ENGINE, "BAKERY open 7am")
    with cat.write() as w:
        cat.delete_photos(w, [a])
    assert ti.search("bakery") == []
    rows = cat._reader().execute("SELECT COUNT(*) FROM photo_text_fts WHERE photo_text_fts MATCH 'bakery'").fetchone()
    assert rows[0] == 0
    ti.store(a, "h1", ENGINE, "late write for a deleted photo")  # skipped, not an error
    assert ti.search("late") == []


def test_a_catalog_from_before_ocr_is_migrated_and_keeps_its_photos(tmp_path):
    import sqlite3

    from photoseek.core.storage.schema import MIGRATIONS, SCHEMA_VERSION

    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    for step in MIGRATIONS[:2]:
        assert isinstance(step, str)
        for stmt in step.split(";"):
            if stmt.strip():
                con.execute(stmt)
    con.execute("INSERT INTO folders(id, path, added_at) VALUES (1, '/photos', 0)")
    con.execute("INSERT INTO photos(id, folder_id, path, size, mtime, content_hash, state, updated_at) "
                "VALUES (7, 1, '/photos/a.jpg', 1, 1, 'h', 'ok', 0)")
    con.execute("PRAGMA user_version=2")
    con.commit()
    con.close()
    cat = Catalog(path)
    try:
        assert cat.schema_version == SCHEMA_VERSION >= 3
        assert cat.photo(7) is not None
        ti = TextIndex(cat)
        assert [p for p, _ in ti.pending(ENGINE)] == [7]
        ti.store(7, "h", ENGINE, "Crème brûlée 4.50")
        assert [m.photo_id for m in ti.search("creme brulee")] == [7]
    finally:
        cat.close()
