"""`status` right after a small change to a big library: the case stored counts alone did not cover (issue 12).

    python bench/status_after_change.py --library /tmp/copy-of-scale-1000000 [--photos 10] [--rounds 2]

The library is CHANGED (photos added, photos marked missing): give it a copy, never the shared one under
bench/out (e.g. ``cp bench/out/scale-1000000/catalog.sqlite bench/out/scale-1000000/config.toml /tmp/lib/``; the
vector index is not needed). Each round, in fresh processes so one does not warm the next:

1. a small change through the catalog's real write paths, timed: ``--photos`` new photos indexed (rows, vectors,
   marked ok: one indexing batch) or, in the next change, as many present photos marked missing (a rescan that
   found them gone);
2. the first ``status`` after it in process (Library opened read-only, as scale.py does), then after another such
   change the first cold `photoseek status` run (wall time, Python start included) and a second one (counts
   stored by the first).

``--write-cost N``: also N indexing batches of 64 new photos (rows, 512-d vectors, marked ok) written in one
process, alternately with the stored counts carried (as shipped) and with the tally switched off (its entry points
replaced, so the write only moves the generation, as before): the extra time a batch pays for the counts.

Prints each figure against the 1 s goal, with the load average. ``--cold`` drops the catalog file's pages from the
page cache before each first status (posix_fadvise on that one file: nothing else on the machine is touched), as for
a library opened after a while, whose counts come from disk: what a recount pays for most.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SHARED = (ROOT / "out").resolve()


def child(code: str, timeout: int = 600) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent / "src")}
    env.pop("PHOTOSEEK_HOME", None)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def change(home: Path, kind: str, n: int, tag: str) -> dict:
    """``n`` photos indexed (kind "indexed") or marked missing (kind "missing"), one transaction as the indexer
    writes it; returns its seconds."""
    code = f"""
import json, time, numpy as np
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
cat = Catalog({str(home / "catalog.sqlite")!r})
con = cat._reader()
model, dim = con.execute("SELECT model_id, dim FROM model_state WHERE model_id != '' ORDER BY model_id").fetchone()
fid, folder = con.execute("SELECT id, path FROM folders ORDER BY id").fetchone()
t = time.perf_counter()
with cat.write() as w:
    if {kind!r} == "indexed":
        ids = [cat.upsert_photo(w, PhotoUpdate(f"{{folder}}/new-{tag}-{{i}}.jpg", fid, 1, 1.0, f"{tag}{{i}}"),
                                keep_vectors=False) for i in range({n})]
        v = np.random.default_rng(0).standard_normal((len(ids), dim)).astype(np.float32)
        cat.store_vectors(w, model, ids, v / np.linalg.norm(v, axis=1, keepdims=True))
        cat.mark_ok(w, ids)
    else:
        ids = [r[0] for r in w.execute("SELECT id FROM photos WHERE folder_id=? AND state='ok' LIMIT ?", (fid, {n}))]
        cat.mark_missing(w, ids)
dt = time.perf_counter() - t
cat.close()
print(json.dumps({{"seconds": dt}}))
"""
    return child(code)


def status_in_process(home: Path) -> dict:
    code = f"""
import json, time
from photoseek.core.library import Library
t = time.perf_counter(); lib = Library({str(home)!r}, read_only=True); opened = time.perf_counter() - t
t = time.perf_counter(); st = lib.status(); dt = time.perf_counter() - t
print(json.dumps({{"open": opened, "status": dt, "photos": st.photos, "indexed": st.indexed}}))
"""
    return child(code)


def status_cli(home: Path) -> float:
    exe = Path(sys.executable).parent / "photoseek"
    t = time.perf_counter()
    subprocess.run([str(exe), "--library", str(home), "status"], capture_output=True, check=True, timeout=600)
    return time.perf_counter() - t


def write_cost(home: Path, batches: int) -> dict:
    code = f"""
import json, statistics, time
from contextlib import nullcontext
import numpy as np
from photoseek.core.storage import count_tally, database
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.count_snapshot import bump_generation
cat = Catalog({str(home / "catalog.sqlite")!r})
con = cat._reader()
model, dim = con.execute("SELECT model_id, dim FROM model_state WHERE model_id != '' ORDER BY model_id").fetchone()
fid, folder = con.execute("SELECT id, path FROM folders ORDER BY id").fetchone()
shipped = (database.Database._counting, database.Database._uncounted, count_tally.CountTally.close)
off = (lambda self, w, ids=(), folder_id=None: nullcontext([]), lambda self, w: nullcontext([]),
       lambda self, known: bump_generation(self._w))
rng = np.random.default_rng(0)
took = {{"carried": [], "off": []}}
for b in range({batches} * 2):
    mode = "carried" if b % 2 else "off"
    database.Database._counting, database.Database._uncounted, count_tally.CountTally.close = (
        shipped if mode == "carried" else off)
    if mode == "carried":
        cat.counts(model)  # the batch before left them stale: counted again and stored, not timed
    v = rng.standard_normal((64, dim)).astype(np.float32)
    t = time.perf_counter()
    with cat.write() as w:
        ids = [cat.upsert_photo(w, PhotoUpdate(f"{{folder}}/cost-{{time.time()}}-{{i}}.jpg", fid, 1, 1.0, f"c{{b}}-{{i}}"),
                                keep_vectors=False) for i in range(64)]
        cat.store_vectors(w, model, ids, v)
        cat.mark_ok(w, ids)
    took[mode].append(time.perf_counter() - t)
database.Database._counting, database.Database._uncounted, count_tally.CountTally.close = shipped
cat.counts(model)
cat.close()
print(json.dumps({{k: statistics.median(x) for k, x in took.items()}}))
"""
    return child(code)


def drop_cache(home: Path) -> None:
    """Evict the catalog's (clean) pages from the page cache: the next reads come from disk."""
    for p in home.glob("catalog.sqlite*"):
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def line(label: str, value: float, goal: float = 1.0) -> None:
    verdict = "ok" if value <= goal else f"MISSED by {value - goal:.3g} s ({value / goal:.2f}x the goal)"
    print(f"  {label:<52} {value:8.3f} s  goal < {goal:g} s  {verdict}  (load {os.getloadavg()[0]:.2f})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", required=True, type=Path, help="a library folder to change (a copy)")
    ap.add_argument("--photos", type=int, default=10, help="photos per change (default 10)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of changes and measurements (default 2)")
    ap.add_argument("--cold", action="store_true", help="drop the catalog's pages from the page cache first")
    ap.add_argument("--write-cost", type=int, default=0, metavar="N",
                    help="also time N indexing batches with the counts carried and N without")
    a = ap.parse_args()
    home = a.library.resolve()
    if home.is_relative_to(SHARED):
        sys.exit(f"{home} is shared benchmark data: give this a copy (it changes the library)")
    if not (home / "catalog.sqlite").is_file():
        sys.exit(f"no catalog.sqlite in {home}")
    print(f"{home}{' (cold page cache)' if a.cold else ''}: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    stamp = time.strftime("%H%M%S")
    for r in range(a.rounds):
        for kind in ("indexed", "missing"):
            c = change(home, kind, a.photos, f"{stamp}-{r}-ip")
            if a.cold:
                drop_cache(home)
            s = status_in_process(home)
            print(f"round {r + 1}, {a.photos} photos {kind} ({c['seconds'] * 1000:.1f} ms to write); "
                  f"{s['photos']:,} photos, {s['indexed']:,} indexed")
            line("first status after it, in process", s["status"])
            line("  (Library open before it, read-only)", s["open"])
            c = change(home, kind, a.photos, f"{stamp}-{r}-cli")
            if a.cold:
                drop_cache(home)
            line(f"first cold `photoseek status` after {kind} ({c['seconds'] * 1000:.1f} ms write)", status_cli(home))
            line("  the next one (nothing changed)", status_cli(home))
    if a.write_cost:
        c = write_cost(home, a.write_cost)
        print(f"indexing batch of 64 photos, median of {a.write_cost}: {c['carried'] * 1000:.2f} ms with the counts "
              f"carried, {c['off'] * 1000:.2f} ms without: {(c['carried'] - c['off']) * 1000:+.2f} ms a batch "
              f"(load {os.getloadavg()[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
