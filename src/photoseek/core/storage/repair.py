"""Salvage a damaged catalog: read every row SQLite can still reach, build a new catalog from them, keep the old file.

SQLite's own recovery (the ``sqlite3_recover`` API behind the shell's ``.recover``, or the ``sqlite_dbpage`` table
it reads pages with) is not compiled into the SQLite that Python ships, and the ``sqlite3`` shell is often not
installed, so this works with what every Python has: it walks each table in key order and, where a read fails on a
damaged page, probes forward (doubling, then bisecting) for the first key it can reach again and goes on from
there. What lies under a damaged page is lost; everything else comes back. Rows are checked before they are
copied, and the new catalog must pass ``PRAGMA integrity_check`` before it replaces the damaged one.

The damaged file (with its write-ahead log) is copied beside the catalog first and left there; the catalog itself
is only replaced, atomically, at the very end, so a repair that stops half-way changes nothing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from photoseek.core.domain import PhotoState
from photoseek.core.errors import CatalogError
from photoseek.core.reports import RepairReport
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.count_snapshot import SNAPSHOT_KEY
from photoseek.core.storage.disk import disk_full, free_bytes

_KEY_MIN, _KEY_MAX = -(2**63), 2**63 - 1
_STATES = {s.value for s in PhotoState} | {"pending"}


def check(path: Path) -> list[str]:
    """``PRAGMA integrity_check`` of a catalog file: [] when it is sound, else SQLite's complaints."""
    try:
        con = _read_only(path)
        try:
            rows = [str(r[0]) for r in con.execute("PRAGMA integrity_check(20)")]
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        return [str(e)]
    return [] if rows == ["ok"] else rows


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that reads the write-ahead log but never checkpoints it into (or deletes it beside) the file."""
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None)


def salvage(path: Path, *, index_dir: Path | None = None, log: Callable[[str], None] | None = None) -> RepairReport:
    """Rebuild the catalog at ``path`` from what can still be read of it (see the module docstring), and drop the
    vector index files in ``index_dir`` (they describe the old catalog; they are rebuilt from the new one).

    Raises:
        DiskFullError: no room for the copy and the new catalog.
        CatalogError: the catalog file is missing or cannot be copied.
    """
    say = log or (lambda _msg: None)
    if not path.is_file():
        raise CatalogError(f"there is no catalog at {path}")
    result = RepairReport()
    if not check(path):
        result.healthy = True
        return result
    wal = path.with_name(path.name + "-wal")
    size = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    free = free_bytes(path.parent)
    if free is not None and free < 2 * size + (1 << 20):
        raise disk_full(path.parent, free)

    copy = path.with_name(f"{path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
    shutil.copy2(path, copy)
    if wal.exists():  # committed transactions may still live only in the log
        shutil.copy2(wal, copy.with_name(copy.name + "-wal"))
    result.damaged_copy = str(copy)
    say(f"kept the damaged catalog as {copy}")

    fresh = path.with_name(path.name + ".repaired")
    for p in (fresh, fresh.with_name(fresh.name + "-wal"), fresh.with_name(fresh.name + "-shm")):
        p.unlink(missing_ok=True)
    src = _read_only(copy)
    try:
        src.execute("PRAGMA writable_schema=ON")  # load a schema SQLite would refuse; nothing is written
        _copy_rows(src, fresh, result, say)
    finally:
        src.close()
        copy.with_name(copy.name + "-shm").unlink(missing_ok=True)
    problems = check(fresh)
    if problems:  # never install something that is not sound; the damaged file stays where it was
        raise CatalogError(f"the rebuilt catalog failed its check: {problems[0]}",
                           hint=f"The damaged catalog is unchanged; a copy is at {copy}.")
    _install(fresh, path)
    if index_dir is not None and index_dir.is_dir():
        for f in index_dir.glob("*.usearch*"):
            f.unlink(missing_ok=True)
    return result


# reading ----------------------------------------------------------------------------------------------------------
def _columns(con: sqlite3.Connection, table: str, wanted: Sequence[str]) -> list[str]:
    try:
        have = {str(r[1]) for r in con.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError:
        return []
    return [c for c in wanted if c in have or (c == "rowid" and have)]


def _first_key_from(con: sqlite3.Connection, table: str, key: str, start: int) -> tuple[bool, int | None]:
    """(readable, first key >= start) by one B-tree seek."""
    try:
        row = con.execute(f"SELECT {key} FROM {table} WHERE {key} >= ? ORDER BY {key} LIMIT 1", (start,)).fetchone()
    except sqlite3.DatabaseError:
        return False, None
    return True, (int(row[0]) if row else None)


def _next_readable(con: sqlite3.Connection, table: str, key: str, bad: int) -> int | None:
    """The first key after the damaged stretch that starts after ``bad`` (None: nothing readable after it)."""
    step, probe = 1, bad + 1
    while True:
        ok, first = _first_key_from(con, table, key, probe)
        if ok:
            break
        bad = probe
        if probe >= _KEY_MAX:
            return None
        step *= 2
        probe = min(_KEY_MAX, probe + step)
    lo, hi = bad, probe  # lo cannot be read from, hi can: find where reading works again
    while hi - lo > 1:
        mid = (lo + hi) // 2
        ok, got = _first_key_from(con, table, key, mid)
        if ok:
            hi, first = mid, got
        else:
            lo = mid
    return first


def _rows(con: sqlite3.Connection, table: str, key: str, cols: Sequence[str], tally: RepairReport) -> Iterator[tuple]:
    """Every reachable row of ``table`` in ``key`` order (``key`` an integer column, first of ``cols``), skipping
    damaged stretches."""
    sel = ", ".join(cols)
    after: tuple | None = None  # last row's (key, rest of the primary key) read
    start: int | None = None  # where to restart after a damaged stretch
    order = "ORDER BY " + (f"{key}, model_id" if table == "embeddings" else key)
    while True:
        args: tuple = ()
        where = ""
        if start is not None:
            where, args = f"WHERE {key} >= ?", (start,)
        elif after is None:
            pass
        elif table == "embeddings":
            where, args = f"WHERE ({key}, model_id) > (?, ?)", after
        else:
            where, args = f"WHERE {key} > ?", after[:1]
        read = 0
        try:
            for row in con.execute(f"SELECT {sel} FROM {table} {where} {order}", args):
                read += 1
                after, start = ((row[0], row[cols.index("model_id")]) if table == "embeddings" else (row[0],)), None
                yield row
            return
        except sqlite3.DatabaseError:
            tally.damaged_stretches += 1
            failed_at = start if (start is not None and read == 0) else (after[0] if after else _KEY_MIN)
            start = _next_readable(con, table, key, failed_at)
            if start is None:
                return
            after = None


# writing ----------------------------------------------------------------------------------------------------------
_TABLES: list[tuple[str, str, list[str]]] = [
    ("folders", "id", ["id", "path", "added_at", "online"]),
    ("photos", "id", ["id", "folder_id", "path", "size", "mtime", "content_hash", "width", "height", "taken_at",
                      "camera", "state", "error", "updated_at", "missing_since"]),
    ("model_state", "rowid", ["rowid", "model_id", "dim", "version"]),
    ("settings", "rowid", ["rowid", "key", "value"]),
    ("embeddings", "photo_id", ["photo_id", "model_id", "vector"]),
]


def _usable(table: str, row: dict, seen: dict[str, set]) -> bool:
    if table == "folders":
        return isinstance(row["id"], int) and isinstance(row["path"], str) and row["path"] != ""
    if table == "photos":
        return (isinstance(row["id"], int) and row.get("folder_id") in seen["folders"]
                and isinstance(row.get("path"), str) and isinstance(row.get("size"), int)
                and isinstance(row.get("mtime"), (int, float)) and row.get("state") in _STATES)
    if table == "embeddings":
        blob = row["vector"]
        return (row["photo_id"] in seen["photos"] and isinstance(row["model_id"], str)
                and isinstance(blob, bytes) and len(blob) > 0 and len(blob) % 4 == 0)
    if table == "model_state":
        return isinstance(row["model_id"], str) and isinstance(row["dim"], int)
    return isinstance(row["key"], str) and isinstance(row["value"], str)


def _copy_rows(src: sqlite3.Connection, fresh: Path, tally: RepairReport, say: Callable[[str], None]) -> None:
    cat = Catalog(fresh)  # the current schema, created the usual way
    try:
        seen: dict[str, set] = {"folders": set(), "photos": set()}
        dims: dict[str, int] = {}
        versions: dict[str, int] = {}
        with cat.write() as w:
            for table, key, wanted in _TABLES:
                cols = _columns(src, table, wanted)
                if key not in cols:
                    tally.lost_tables.append(table)
                    say(f"{table}: could not be read at all")
                    continue
                names = [c for c in cols if c != "rowid"]
                insert = f"INSERT OR IGNORE INTO {table}({', '.join(names)}) VALUES({', '.join('?' * len(names))})"
                kept = 0
                for values in _rows(src, table, key, cols, tally):
                    row = dict(zip(cols, values, strict=True))
                    if table == "settings" and row.get("key") == SNAPSHOT_KEY:
                        continue  # stored counts belong to the damaged file: the fresh catalog counts its own rows
                    if not _usable(table, row, seen):
                        tally.bad_rows += 1
                        continue
                    if table == "embeddings":
                        dim = dims.setdefault(row["model_id"], len(row["vector"]) // 4)
                        if len(row["vector"]) != 4 * dim:
                            tally.bad_rows += 1
                            continue
                    if table == "model_state":  # rebuilt from the vectors below; keep the version moving forward
                        versions[row["model_id"]] = int(row["version"] or 0)
                        continue
                    w.execute(insert, [row[c] for c in names])
                    kept += 1
                    if table in seen:
                        seen[table].add(row["id"])
                if table != "model_state":
                    tally.kept[table] = kept
                    say(f"{table}: {kept} rows kept")
            tally.kept["model_state"] = len(dims)
            # every vector index must be rebuilt: a new version per model, past anything a saved index recorded
            for model_id, dim in dims.items():
                w.execute("INSERT INTO model_state(model_id, dim, version) VALUES(?, ?, ?)",
                          (model_id, dim, versions.get(model_id, 0) + 1))
            # a photo that lost its vectors is waiting to be embedded again, not indexed
            w.execute("UPDATE photos SET state='pending' WHERE state='ok' AND NOT EXISTS("
                      "SELECT 1 FROM embeddings e WHERE e.photo_id=photos.id)")
    finally:
        cat.close()


def _install(fresh: Path, path: Path) -> None:
    """Put the rebuilt catalog in place of the damaged one, atomically."""
    con = sqlite3.connect(fresh, isolation_level=None)
    try:  # everything into the one file; as the last connection, closing removes its -wal and -shm
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        con.close()
    if busy or fresh.with_name(fresh.name + "-wal").exists():
        raise CatalogError("the rebuilt catalog could not be written out completely",
                           hint="Make sure no other PhotoSeek is running, then repair again.")
    with open(fresh, "rb+") as f:
        os.fsync(f.fileno())
    for suffix in ("-wal", "-shm"):  # the damaged file's log must never be replayed over the new one
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(fresh, path)
    if os.name == "posix":
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
