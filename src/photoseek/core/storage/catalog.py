"""SQLite catalog: the source of truth for folders, photos, their metadata and their vectors per model.

One writer connection (guarded by a lock) and one read connection per thread, all in WAL mode so searches run
while an index run commits. The schema carries a version (``PRAGMA user_version``) and step-by-step migrations.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from photoseek.core.domain import FileProblem, Folder, Photo, PhotoState
from photoseek.core.errors import CatalogError
from photoseek.core.storage.text_index import TEXT_SCHEMA

# Each step is a script of plain statements split at ";", or a tuple of statements (when they hold ";" themselves).
_MIGRATIONS: list[str | tuple[str, ...]] = [
    # 1: initial schema
    """
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at REAL NOT NULL,
        online INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL,
        content_hash TEXT,
        width INTEGER,
        height INTEGER,
        taken_at TEXT,
        camera TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        error TEXT,
        updated_at REAL NOT NULL
    );
    CREATE INDEX photos_folder ON photos(folder_id);
    CREATE INDEX photos_hash ON photos(content_hash);
    CREATE INDEX photos_state ON photos(state);
    CREATE TABLE embeddings (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (photo_id, model_id)
    ) WITHOUT ROWID;
    CREATE INDEX embeddings_model ON embeddings(model_id);
    CREATE TABLE model_state (
        model_id TEXT PRIMARY KEY,
        dim INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: when a photo went missing, so a later re-appearance can be matched (moves seen as delete + create)
    """
    ALTER TABLE photos ADD COLUMN missing_since REAL;
    """,
    # 3 (issue 15): words found in photos by OCR, with an FTS5 index (storage/text_index.py)
    TEXT_SCHEMA,
]
SCHEMA_VERSION = len(_MIGRATIONS)

_PHOTO_COLS = "id, path, folder_id, size, mtime, content_hash, width, height, taken_at, camera, state, error"


def _photo(row: Sequence[object]) -> Photo:
    taken = row[8]
    return Photo(
        id=int(row[0]),  # type: ignore[call-overload]
        path=str(row[1]),
        folder_id=int(row[2]),  # type: ignore[call-overload]
        size=int(row[3]),  # type: ignore[call-overload]
        mtime=float(row[4]),  # type: ignore[arg-type]
        content_hash=row[5],  # type: ignore[arg-type]
        width=row[6],  # type: ignore[arg-type]
        height=row[7],  # type: ignore[arg-type]
        taken_at=datetime.fromisoformat(taken) if isinstance(taken, str) else None,
        camera=row[9],  # type: ignore[arg-type]
        state=PhotoState(str(row[10])),
        error=row[11],  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class PhotoUpdate:
    """What an index run learned about one file."""

    path: str
    folder_id: int
    size: int
    mtime: float
    content_hash: str | None
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = None
    camera: str | None = None
    error: str | None = None


class Catalog:
    """The SQLite catalog of one library.

    Args:
        path: the database file (created with its folder when missing).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CatalogError(f"cannot create the library folder {self.path.parent}: {e.strerror}") from e
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._closed = False
        self._writer = self._connect()
        self._migrate()

    # connections ----------------------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            con = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as e:
            raise CatalogError(
                f"the catalog {self.path} cannot be opened: {e}",
                hint="If the file is damaged, move it aside; PhotoSeek will create a new one and re-index.",
            ) from e
        with self._all_lock:
            self._all.append(con)
        return con

    def _reader(self) -> sqlite3.Connection:
        if self._closed:
            raise CatalogError("the catalog is closed")
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._connect()
            self._local.con = con
        return con

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the writer connection; commits on success, rolls back on error."""
        if self._closed:
            raise CatalogError("the catalog is closed")
        with self._write_lock:
            con = self._writer
            try:
                con.execute("BEGIN IMMEDIATE")
                yield con
                con.execute("COMMIT")
            except sqlite3.OperationalError as e:
                con.execute("ROLLBACK") if con.in_transaction else None
                if "disk" in str(e).lower() or "full" in str(e).lower():
                    raise CatalogError(f"cannot write the catalog: {e}", hint="Free some disk space and retry.") from e
                raise CatalogError(f"cannot write the catalog: {e}") from e
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self._closed = True
        with self._all_lock:
            for con in self._all:
                try:
                    con.close()
                except sqlite3.Error:
                    pass
            self._all.clear()

    def _migrate(self) -> None:
        con = self._writer
        try:
            version = con.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise CatalogError(
                f"the catalog {self.path} is not a PhotoSeek database or is damaged: {e}",
                hint="Move the file aside; PhotoSeek will create a new one and re-index your folders.",
            ) from e
        if version > SCHEMA_VERSION:
            raise CatalogError(
                f"the catalog was written by a newer PhotoSeek (schema {version}, this one knows {SCHEMA_VERSION})",
                hint="Update PhotoSeek.",
            )
        for step in range(version, SCHEMA_VERSION):
            script = _MIGRATIONS[step]
            stmts = script if isinstance(script, tuple) else script.split(";")
            with self.write() as w:
                for stmt in stmts:
                    if stmt.strip():
                        w.execute(stmt)
                w.execute(f"PRAGMA user_version={step + 1}")

    @property
    def schema_version(self) -> int:
        return int(self._reader().execute("PRAGMA user_version").fetchone()[0])

    # settings -------------------------------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self._reader().execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.write() as w:
            w.execute("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                      (key, value))

    # folders --------------------------------------------------------------------------------------------------
    def add_folder(self, path: str) -> Folder:
        with self.write() as w:
            w.execute("INSERT OR IGNORE INTO folders(path, added_at) VALUES(?, ?)", (path, time.time()))
        f = self.folder_by_path(path)
        assert f is not None
        return f

    def remove_folder(self, folder_id: int) -> list[int]:
        """Forget a folder and its photos. Returns the ids of the photos removed."""
        with self.write() as w:
            ids = [r[0] for r in w.execute("SELECT id FROM photos WHERE folder_id=?", (folder_id,))]
            w.execute("DELETE FROM folders WHERE id=?", (folder_id,))
            self._bump_all(w)
        return ids

    def folders(self) -> list[Folder]:
        rows = self._reader().execute(
            """SELECT f.id, f.path, f.online,
                      COUNT(p.id), COALESCE(SUM(p.state='error'), 0)
               FROM folders f LEFT JOIN photos p ON p.folder_id=f.id AND p.state != 'missing'
               GROUP BY f.id ORDER BY f.path"""
        ).fetchall()
        return [Folder(id=r[0], path=r[1], online=bool(r[2]), photo_count=r[3], error_count=r[4]) for r in rows]

    def folder_by_path(self, path: str) -> Folder | None:
        for f in self.folders():
            if f.path == path:
                return f
        return None

    def set_folder_online(self, folder_id: int, online: bool) -> bool:
        """Mark a folder (and its photos) offline or back online. Returns True when the state changed."""
        with self.write() as w:
            cur = w.execute("SELECT online FROM folders WHERE id=?", (folder_id,)).fetchone()
            if cur is None or bool(cur[0]) == online:
                return False
            w.execute("UPDATE folders SET online=? WHERE id=?", (int(online), folder_id))
            if online:
                w.execute(
                    """UPDATE photos SET state = CASE WHEN error IS NOT NULL THEN 'error'
                            WHEN EXISTS(SELECT 1 FROM embeddings e WHERE e.photo_id=photos.id) THEN 'ok'
                            ELSE 'pending' END
                       WHERE folder_id=? AND state='offline'""",
                    (folder_id,),
                )
            else:
                w.execute("UPDATE photos SET state='offline' WHERE folder_id=? AND state IN ('ok','pending','error')",
                          (folder_id,))
        return True

    # photos ---------------------------------------------------------------------------------------------------
    def photos_in_folder(self, folder_id: int) -> dict[str, tuple[int, int, float, str | None, str]]:
        """path -> (id, size, mtime, content_hash, state) for every photo of a folder, missing ones included."""
        rows = self._reader().execute(
            "SELECT path, id, size, mtime, content_hash, state FROM photos WHERE folder_id=?", (folder_id,)
        )
        return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}

    def rows_for_paths(self, paths: Sequence[str]) -> dict[str, tuple[int, int, float, str | None, str]]:
        """path -> (id, size, mtime, content_hash, state) for those of ``paths`` the catalog knows."""
        out = {}
        con = self._reader()
        for i in range(0, len(paths), 500):
            chunk = list(paths[i : i + 500])
            q = f"SELECT path, id, size, mtime, content_hash, state FROM photos WHERE path IN ({','.join('?' * len(chunk))})"
            for r in con.execute(q, chunk):
                out[r[0]] = (r[1], r[2], r[3], r[4], r[5])
        return out

    def rows_under(self, folder: str) -> dict[str, tuple[int, int, float, str | None, str]]:
        """Rows whose path lies inside ``folder`` (for a folder deleted or moved as a whole)."""
        prefix = folder.rstrip(os.sep) + os.sep
        rows = self._reader().execute(
            "SELECT path, id, size, mtime, content_hash, state FROM photos WHERE substr(path, 1, ?) = ?",
            (len(prefix), prefix),
        )
        return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}

    def paths_with_sizes(self, sizes: Sequence[int]) -> list[str]:
        """Paths of present (not missing) photos whose file size is one of ``sizes``."""
        out: list[str] = []
        con = self._reader()
        sizes = list(dict.fromkeys(sizes))
        for i in range(0, len(sizes), 500):
            chunk = sizes[i : i + 500]
            q = f"SELECT path FROM photos WHERE state != 'missing' AND size IN ({','.join('?' * len(chunk))})"
            out.extend(r[0] for r in con.execute(q, chunk))
        return out

    def missing_rows(self) -> dict[str, tuple[int, int, float, str | None, str]]:
        rows = self._reader().execute("SELECT path, id, size, mtime, content_hash, state FROM photos WHERE state='missing'")
        return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}

    def ids_with_vector(self, model_id: str) -> set[int]:
        return {r[0] for r in self._reader().execute("SELECT photo_id FROM embeddings WHERE model_id=?", (model_id,))}

    def photo(self, photo_id: int) -> Photo | None:
        row = self._reader().execute(f"SELECT {_PHOTO_COLS} FROM photos WHERE id=?", (photo_id,)).fetchone()
        return _photo(row) if row else None

    def photo_by_path(self, path: str) -> Photo | None:
        row = self._reader().execute(f"SELECT {_PHOTO_COLS} FROM photos WHERE path=?", (path,)).fetchone()
        return _photo(row) if row else None

    def photos(self, ids: Iterable[int]) -> dict[int, Photo]:
        ids = list(ids)
        out: dict[int, Photo] = {}
        con = self._reader()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT {_PHOTO_COLS} FROM photos WHERE id IN ({','.join('?' * len(chunk))})"
            for row in con.execute(q, chunk):
                out[int(row[0])] = _photo(row)
        return out

    def upsert_photo(self, w: sqlite3.Connection, u: PhotoUpdate, *, keep_vectors: bool) -> int:
        """Insert or update the row for ``u.path`` inside a write transaction. Returns the photo id.

        ``keep_vectors=False`` drops stored vectors (the content changed, so they are stale).
        """
        state = "error" if u.error else "pending"
        taken = u.taken_at.isoformat() if u.taken_at else None
        row = w.execute("SELECT id FROM photos WHERE path=?", (u.path,)).fetchone()
        now = time.time()
        if row:
            pid = int(row[0])
            w.execute(
                """UPDATE photos SET folder_id=?, size=?, mtime=?, content_hash=?, width=?, height=?, taken_at=?,
                   camera=?, state=?, error=?, updated_at=?, missing_since=NULL WHERE id=?""",
                (u.folder_id, u.size, u.mtime, u.content_hash, u.width, u.height, taken, u.camera, state, u.error,
                 now, pid),
            )
            if not keep_vectors:
                if w.execute("DELETE FROM embeddings WHERE photo_id=?", (pid,)).rowcount:
                    self._bump_all(w)
        else:
            cur = w.execute(
                """INSERT INTO photos(folder_id, path, size, mtime, content_hash, width, height, taken_at, camera,
                   state, error, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)""",
                (u.folder_id, u.path, u.size, u.mtime, u.content_hash, u.width, u.height, taken, u.camera, state,
                 u.error, now),
            )
            pid = int(cur.lastrowid or 0)
        return pid

    def move_photo(self, w: sqlite3.Connection, photo_id: int, new_path: str, folder_id: int, size: int,
                   mtime: float) -> None:
        """A file moved or was renamed: keep its row, vectors and metadata, change where it lives."""
        w.execute("DELETE FROM photos WHERE path=? AND id != ?", (new_path, photo_id))
        w.execute(
            """UPDATE photos SET path=?, folder_id=?, size=?, mtime=?, updated_at=?, missing_since=NULL,
               state = CASE WHEN error IS NOT NULL THEN 'error'
                            WHEN EXISTS(SELECT 1 FROM embeddings e WHERE e.photo_id=photos.id) THEN 'ok'
                            ELSE 'pending' END
               WHERE id=?""",
            (new_path, folder_id, size, mtime, time.time(), photo_id),
        )

    def touch_photo(self, w: sqlite3.Connection, photo_id: int, size: int, mtime: float) -> None:
        w.execute("UPDATE photos SET size=?, mtime=?, updated_at=? WHERE id=?", (size, mtime, time.time(), photo_id))

    def mark_missing(self, w: sqlite3.Connection, photo_ids: Sequence[int]) -> None:
        now = time.time()
        w.executemany("UPDATE photos SET state='missing', missing_since=? WHERE id=?", [(now, i) for i in photo_ids])

    def delete_photos(self, w: sqlite3.Connection, photo_ids: Sequence[int]) -> None:
        w.executemany("DELETE FROM photos WHERE id=?", [(i,) for i in photo_ids])
        if photo_ids:
            self._bump_all(w)

    def missing_older_than(self, seconds: float) -> list[int]:
        cutoff = time.time() - seconds
        rows = self._reader().execute(
            "SELECT id FROM photos WHERE state='missing' AND (missing_since IS NULL OR missing_since <= ?)", (cutoff,)
        )
        return [r[0] for r in rows]

    def _bump(self, w: sqlite3.Connection, model_id: str, dim: int) -> None:
        w.execute(
            """INSERT INTO model_state(model_id, dim, version) VALUES(?, ?, 1)
               ON CONFLICT(model_id) DO UPDATE SET version = version + 1""",
            (model_id, dim),
        )

    def _bump_all(self, w: sqlite3.Connection) -> None:
        w.execute("UPDATE model_state SET version = version + 1")

    def store_vectors(self, w: sqlite3.Connection, model_id: str, ids: Sequence[int], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        w.executemany(
            "INSERT OR REPLACE INTO embeddings(photo_id, model_id, vector) VALUES(?, ?, ?)",
            [(int(i), model_id, vectors[k].tobytes()) for k, i in enumerate(ids)],
        )
        self._bump(w, model_id, vectors.shape[1])

    def mark_ok(self, w: sqlite3.Connection, ids: Sequence[int]) -> None:
        w.executemany("UPDATE photos SET state='ok', error=NULL WHERE id=? AND state='pending'", [(i,) for i in ids])

    def model_version(self, model_id: str) -> int:
        row = self._reader().execute("SELECT version FROM model_state WHERE model_id=?", (model_id,)).fetchone()
        return int(row[0]) if row else 0

    def vector_count(self, model_id: str) -> int:
        row = self._reader().execute("SELECT COUNT(*) FROM embeddings WHERE model_id=?", (model_id,)).fetchone()
        return int(row[0])

    def vector_counts(self) -> dict[str, int]:
        rows = self._reader().execute("SELECT model_id, COUNT(*) FROM embeddings GROUP BY model_id")
        return {r[0]: int(r[1]) for r in rows}

    def iter_vectors(self, model_id: str, dim: int, batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) in batches, for rebuilding the vector index."""
        con = self._connect()  # its own connection: one consistent snapshot while the writer goes on
        try:
            con.execute("BEGIN")
            cur = con.execute(
                "SELECT e.photo_id, e.vector FROM embeddings e JOIN photos p ON p.id=e.photo_id "
                "WHERE e.model_id=? AND p.state != 'missing'",
                (model_id,),
            )
            while rows := cur.fetchmany(batch):
                ids = np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))
                vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
                yield ids, vecs
            con.execute("COMMIT")
        finally:
            con.close()
            with self._all_lock:
                if con in self._all:
                    self._all.remove(con)

    def vectors_for(self, model_id: str, ids: Sequence[int]) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        con = self._reader()
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            q = f"SELECT photo_id, vector FROM embeddings WHERE model_id=? AND photo_id IN ({','.join('?' * len(chunk))})"
            for pid, blob in con.execute(q, (model_id, *chunk)):
                out[int(pid)] = np.frombuffer(blob, dtype=np.float32)
        return out

    def ids_without_vector(self, model_id: str, limit: int | None = None) -> list[tuple[int, str]]:
        """(id, path) of photos that are readable and online but have no vector for ``model_id``."""
        q = (
            "SELECT p.id, p.path FROM photos p WHERE p.state IN ('ok', 'pending') AND NOT EXISTS("
            "SELECT 1 FROM embeddings e WHERE e.photo_id=p.id AND e.model_id=?) ORDER BY p.id"
        )
        if limit:
            q += f" LIMIT {int(limit)}"
        return [(r[0], r[1]) for r in self._reader().execute(q, (model_id,))]

    # status ---------------------------------------------------------------------------------------------------
    def counts(self, model_id: str) -> dict[str, int]:
        con = self._reader()
        by_state = dict(con.execute("SELECT state, COUNT(*) FROM photos GROUP BY state").fetchall())
        indexed = con.execute(
            "SELECT COUNT(*) FROM embeddings e JOIN photos p ON p.id=e.photo_id "
            "WHERE e.model_id=? AND p.state IN ('ok','pending','offline')",
            (model_id,),
        ).fetchone()[0]
        readable = by_state.get("ok", 0) + by_state.get("pending", 0)
        online_indexed = con.execute(
            "SELECT COUNT(*) FROM embeddings e JOIN photos p ON p.id=e.photo_id "
            "WHERE e.model_id=? AND p.state IN ('ok','pending')",
            (model_id,),
        ).fetchone()[0]
        return {
            "photos": sum(v for k, v in by_state.items() if k != "missing"),
            "indexed": int(indexed),
            "pending": int(readable - online_indexed),
            "errors": by_state.get("error", 0),
            "offline": by_state.get("offline", 0),
        }

    def problems(self, folder_id: int | None = None) -> list[FileProblem]:
        q = "SELECT path, error FROM photos WHERE state='error'"
        args: tuple[object, ...] = ()
        if folder_id is not None:
            q += " AND folder_id=?"
            args = (folder_id,)
        return [FileProblem(path=r[0], reason=r[1] or "unknown error") for r in self._reader().execute(q + " ORDER BY path", args)]

    def filter_ids(self, ids: Sequence[int], *, folder: str | None, after: datetime | None,
                   before: datetime | None) -> set[int]:
        """Which of ``ids`` pass the folder and date filters (date taken, else file time)."""
        out: set[int] = set()
        con = self._reader()
        sep = os.sep
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            q = f"SELECT id, path, taken_at, mtime FROM photos WHERE id IN ({','.join('?' * len(chunk))}) AND state != 'missing'"
            for pid, path, taken, mtime in con.execute(q, chunk):
                if folder and not (path == folder or path.startswith(folder.rstrip(sep) + sep)):
                    continue
                when = datetime.fromisoformat(taken) if taken else datetime.fromtimestamp(mtime)
                if after and when < after:
                    continue
                if before and when >= before:
                    continue
                out.add(int(pid))
        return out

    def file_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
