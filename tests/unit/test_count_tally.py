"""Stored status counts carried through every write (storage/count_tally.py): after any mix of changes, from any
number of connections, with rollbacks and a killed writer, they equal a real recount, and no one counts again."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.count_snapshot import SNAPSHOT_KEY, CountSnapshot, count_folders, count_model, generation

MODELS = ("m", "other")


def _recount(cat: Catalog) -> CountSnapshot:
    """The truth: every row counted again, on a connection of its own."""
    con = sqlite3.connect(cat.path)
    try:
        return CountSnapshot(generation(con), count_folders(con), {m: count_model(con, m) for m in MODELS})
    finally:
        con.close()


def _stored(cat: Catalog) -> CountSnapshot | None:
    """The counts another process would read (None when they are stale or missing)."""
    con = sqlite3.connect(cat.path)
    try:
        row = con.execute("SELECT value FROM settings WHERE key=?", (SNAPSHOT_KEY,)).fetchone()
        return CountSnapshot.from_json(row[0] if row else None, generation(con))
    finally:
        con.close()


def _recounts(cat: Catalog) -> list[str]:
    """The counting statements status runs from now on (on this thread's reader connection)."""
    ran: list[str] = []
    cat._reader().set_trace_callback(lambda q: ran.append(q) if "COUNT(*)" in q else None)
    return ran


def _vecs(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 4)).astype(np.float32)


def _photo(cat: Catalog, w: sqlite3.Connection, path: str, folder_id: int, h: str = "h", error: str | None = None,
           keep: bool = True) -> int:
    return cat.upsert_photo(w, PhotoUpdate(path, folder_id, 1, 1.0, h + path, error=error), keep_vectors=keep)


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "catalog.db")
    yield c
    c.close()


def _status(cat: Catalog) -> CountSnapshot:
    """The counts `photoseek status` reads, for each model (stored for the next process when counted)."""
    for m in MODELS:
        cat.counts(m)
    return cat.snapshot()


def _counted(cat: Catalog) -> None:
    assert _status(cat) == _stored(cat) == _recount(cat)  # counted once, stored


def test_every_kind_of_change_moves_the_stored_counts_without_counting_again(cat, tmp_path):
    a, b = cat.add_folder("/a"), cat.add_folder("/b")
    with cat.write() as w:
        ids = [_photo(cat, w, f"/a/{i}.jpg", a.id) for i in range(10)]
    _counted(cat)
    ran = _recounts(cat)
    other = Catalog(tmp_path / "catalog.db")  # another process: reads what this one stores
    ran_other = _recounts(other)
    steps = [
        lambda w: cat.store_vectors(w, "m", ids, _vecs(10)),  # an indexing batch: vectors, then ok
        lambda w: cat.mark_ok(w, ids),
        lambda w: cat.store_vectors(w, "other", ids[:4], _vecs(4, 1)),  # a second model
        lambda w: cat.store_vectors(w, "m", ids[:3], _vecs(3, 2)),  # vectors replaced: no more of them
        lambda w: cat.mark_missing(w, ids[:2]),
        lambda w: cat.move_photo(w, ids[0], "/b/0.jpg", b.id, 1, 1.0),  # a missing photo found elsewhere
        lambda w: cat.move_photo(w, ids[2], "/a/3.jpg", a.id, 1, 1.0),  # onto a catalogued path: that row goes
        lambda w: _photo(cat, w, "/a/4.jpg", a.id, "changed", keep=False),  # new content: vectors dropped
        lambda w: _photo(cat, w, "/a/5.jpg", a.id, "bad", error="truncated", keep=False),
        lambda w: _photo(cat, w, "/a/6.jpg", b.id, keep=True),  # same bytes, now in another folder
        lambda w: cat.touch_photo(w, ids[7], 2, 2.0),
        lambda w: cat.store_image_hashes(w, [], 1),
        lambda w: cat.delete_photos(w, [ids[8], ids[1]]),
        lambda w: [_photo(cat, w, f"/b/new{i}.jpg", b.id) for i in range(3)],
    ]
    for step in steps:
        with cat.write() as w:
            step(w)
        truth = _recount(cat)
        assert _stored(cat) == truth
        assert other.snapshot() == truth and cat.snapshot() == truth
    cat.set_folder_online(b.id, False)
    assert _stored(cat) == _recount(cat) and cat.counts("m")["offline"] == 5
    cat.set_folder_online(b.id, True)
    assert _stored(cat) == _recount(cat)
    cat.remove_folder(b.id)
    assert _stored(cat) == _recount(cat) and [f.photo_count for f in other.folders()] == [5]
    assert cat.counts("m") == {"photos": 5, "indexed": 3, "pending": 1, "errors": 1, "offline": 0}
    assert ran == [] and ran_other == []  # every status after the first: no pass over the rows
    other.close()


def test_writes_that_change_no_count_leave_the_generation_alone(cat):
    a = cat.add_folder("/a")
    with cat.write() as w:
        pid = _photo(cat, w, "/a/1.jpg", a.id)
    _counted(cat)
    before = _stored(cat)
    with cat.write() as w:
        cat.touch_photo(w, pid, 5, 5.0)  # a rescan that found new file times, same bytes
    with cat.write() as w:
        cat.mark_ok(w, [pid + 100])  # nothing to mark
    assert _stored(cat) == before
    with cat.write() as w, cat._uncounted(w):  # no count changes, but the generation moved all the same
        w.execute("UPDATE model_state SET version = version + 1")
    assert _stored(cat) == _recount(cat) and _recount(cat).generation > before.generation


def test_a_rolled_back_write_leaves_the_counts_where_they_were(cat):
    a = cat.add_folder("/a")
    with cat.write() as w:
        ids = [_photo(cat, w, f"/a/{i}.jpg", a.id) for i in range(4)]
        cat.store_vectors(w, "m", ids, _vecs(4))
    _counted(cat)
    before = cat.snapshot()
    ran = _recounts(cat)
    with pytest.raises(RuntimeError), cat.write() as w:  # a batch that failed half way
        cat.delete_photos(w, ids[:2])
        _photo(cat, w, "/a/new.jpg", a.id)
        raise RuntimeError("stopped")
    assert cat.snapshot() == before == _stored(cat) == _recount(cat)
    assert ran == []


def test_a_writer_killed_mid_transaction_leaves_the_counts_right(cat, tmp_path):
    a = cat.add_folder("/a")
    with cat.write() as w:
        ids = [_photo(cat, w, f"/a/{i}.jpg", a.id) for i in range(4)]
    _counted(cat)
    code = f"""
import os
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
cat = Catalog({str(tmp_path / "catalog.db")!r})
with cat.write() as w:
    cat.mark_missing(w, {ids!r})
    cat.upsert_photo(w, PhotoUpdate("/a/x.jpg", {a.id}, 1, 1.0, "x"), keep_vectors=True)
    os._exit(9)  # killed before the commit
"""
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 9
    assert _stored(cat) == _recount(cat)
    assert cat.counts("m")["photos"] == 4


def test_changes_the_counts_cannot_vouch_for_make_them_stale_never_wrong(cat, tmp_path):
    a = cat.add_folder("/a")
    with cat.write() as w:
        _photo(cat, w, "/a/1.jpg", a.id)
    _counted(cat)
    with cat.write() as w:  # a statement outside the catalog's methods (a repair, a migration)
        w.execute("UPDATE photos SET state='error'")
    assert _stored(cat) is None
    assert _status(cat) == _recount(cat) and cat.counts("m")["errors"] == 1
    _counted(cat)
    old = sqlite3.connect(tmp_path / "catalog.db", isolation_level=None)  # a PhotoSeek that moves only the generation
    old.execute("BEGIN IMMEDIATE")
    old.execute("INSERT INTO photos(folder_id, path, size, mtime, state, updated_at) VALUES(?, '/a/2.jpg', 1, 1, "
                "'pending', 0)", (a.id,))
    old.execute("UPDATE model_state SET version = version + 1 WHERE model_id = ''")
    old.execute("COMMIT")
    old.close()
    with cat.write() as w:  # this one's next write does not carry counts it cannot vouch for
        _photo(cat, w, "/a/3.jpg", a.id)
    assert _stored(cat) is None
    assert cat.counts("m")["photos"] == 3 and _status(cat) == _recount(cat)


def test_photos_changed_outside_a_counted_write_are_refused(cat):
    a = cat.add_folder("/a")
    with pytest.raises(RuntimeError), cat.write(counted=False) as w:
        _photo(cat, w, "/a/1.jpg", a.id)
    assert cat.counts("m")["photos"] == 0


def test_counts_that_would_go_below_zero_are_not_stored():
    snap = CountSnapshot(3, {1: {"ok": 2}}, {})
    assert snap.plus(Counter({(1, "ok"): -3}), Counter(), 4) is None
    assert snap.plus(Counter({(1, "ok"): -2, (2, "missing"): 1}), Counter(), 4) == CountSnapshot(4, {2: {"missing": 1}}, {})


def test_a_random_mix_of_writes_from_two_processes_keeps_the_counts_exact(tmp_path):
    """Two catalogs on one file (the desktop app and `photoseek watch`), each writing batches of random changes;
    some batches fail and roll back. After every batch both read counts equal to a recount, without counting."""
    rng = random.Random(12)
    cats = [Catalog(tmp_path / "catalog.db"), Catalog(tmp_path / "catalog.db")]
    folders = [cats[0].add_folder(f"/f{k}").id for k in range(3)]
    _counted(cats[0])
    ran = [_recounts(c) for c in cats]
    names = iter(range(10**6))

    def ids(cat: Catalog, n: int) -> list[int]:
        rows = cat._writer.execute("SELECT id FROM photos ORDER BY random() LIMIT ?", (n,)).fetchall()
        return [r[0] for r in rows]

    def step(cat: Catalog, w: sqlite3.Connection) -> None:
        op = rng.randrange(10)
        pick = ids(cat, rng.randint(1, 4))
        if op <= 1 or not pick:
            for _ in range(rng.randint(1, 5)):
                _photo(cat, w, f"/f{rng.randrange(3)}/{next(names)}.jpg", rng.choice(folders),
                       error="bad" if rng.random() < 0.2 else None)
        elif op == 2:
            cat.store_vectors(w, rng.choice(MODELS), pick, _vecs(len(pick), rng.randrange(99)))
        elif op == 3:
            cat.mark_ok(w, pick)
        elif op == 4:
            cat.mark_missing(w, pick)
        elif op == 5:
            cat.delete_photos(w, pick)
        elif op == 6:
            f = rng.choice(folders)
            cat.move_photo(w, pick[0], f"/f{folders.index(f)}/{next(names)}.jpg", f, 1, 1.0)
        elif op == 7:
            path = w.execute("SELECT path FROM photos WHERE id=?", (pick[0],)).fetchone()[0]
            _photo(cat, w, path, rng.choice(folders), "new", keep=rng.random() < 0.5)
        elif op == 8:
            cat.touch_photo(w, pick[0], 3, 3.0)
        else:  # a folder-wide statement in the same batch as photo changes (rows touched before are settled)
            f = rng.choice(folders)
            with cat._counting(w, folder_id=f):
                w.execute("UPDATE photos SET state=? WHERE folder_id=?", (rng.choice(["ok", "offline"]), f))

    for batch in range(150):
        cat = cats[batch % 2]
        if batch % 37 == 36:
            cat.set_folder_online(rng.choice(folders), rng.random() < 0.5)
        else:
            try:
                with cat.write() as w:
                    for _ in range(rng.randint(1, 4)):
                        step(cat, w)
                    if rng.random() < 0.15:
                        raise KeyboardInterrupt  # stopped mid-batch: rolled back
            except KeyboardInterrupt:
                pass
        truth = _recount(cat)
        assert _stored(cat) == truth, f"batch {batch}"
        assert [c.snapshot() for c in cats] == [truth, truth]
    gone = folders[1]
    cats[1].remove_folder(gone)
    assert cats[0].snapshot() == _recount(cats[0]) and gone not in cats[0].snapshot().by_folder
    assert ran == [[], []]
    for c in cats:
        c.close()
