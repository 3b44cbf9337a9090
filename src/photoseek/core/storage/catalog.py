"""SQLite catalog: the source of truth for folders, photos, their metadata and their vectors per model.

Connections live in :mod:`.database`, the embeddings table in :mod:`.embeddings`, perceptual hashes in
:mod:`.hashes`, the schema and its migrations in :mod:`.schema`, the typed rows it returns in :mod:`.rows`; this
module owns folders, photos and status counts.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from photoseek.core.domain import Folder, Photo, PhotoState
from photoseek.core.errors import CatalogError
from photoseek.core.storage.count_snapshot import SNAPSHOT_KEY, CountSnapshot, count_folders, count_model, generation
from photoseek.core.storage.embeddings import EmbeddingTables
from photoseek.core.storage.hashes import ImageHashTables
from photoseek.core.storage.rows import PHOTO_COLS, ROW_COLS, CatalogRow, PhotoUpdate, catalog_row, photo_from_row
from photoseek.core.storage.schema import SCHEMA_VERSION

if TYPE_CHECKING:  # built for status and index runs; a search imports the catalog but builds no reports
    from photoseek.core.reports import FileProblem

__all__ = ["SCHEMA_VERSION", "Catalog", "CatalogRow", "PhotoUpdate"]


class Catalog(EmbeddingTables, ImageHashTables):
    """The SQLite catalog of one library.

    Args:
        path: the database file (created with its folder when missing).
    """

    # folders --------------------------------------------------------------------------------------------------
    def add_folder(self, path: str) -> Folder:
        with self.write() as w, self._uncounted(w):  # no photos yet
            w.execute("INSERT OR IGNORE INTO folders(path, added_at) VALUES(?, ?)", (path, time.time()))
        f = self.folder_by_path(path)
        assert f is not None
        return f

    def remove_folder(self, folder_id: int) -> list[int]:
        """Forget a folder and its photos. Returns the ids of the photos removed."""
        with self.write() as w, self._counting(w, folder_id=folder_id):
            ids = [r[0] for r in w.execute("SELECT id FROM photos WHERE folder_id=?", (folder_id,))]
            w.execute("DELETE FROM folders WHERE id=?", (folder_id,))
            self._bump_all(w)
        return ids

    def folders(self) -> list[Folder]:
        # counts per (folder, state), then the few folder rows: a join per folder took 0.7 s at a million photos
        counts: dict[int, list[int]] = {}
        for fid, states in self.snapshot().by_folder.items():
            for state, n in states.items():
                if state != PhotoState.MISSING:
                    c = counts.setdefault(fid, [0, 0])
                    c[0] += n
                    c[1] += n if state == PhotoState.ERROR else 0
        rows = self._reader().execute("SELECT id, path, online FROM folders ORDER BY path").fetchall()
        return [Folder(id=r[0], path=r[1], online=bool(r[2]), photo_count=counts.get(r[0], [0, 0])[0],
                       error_count=counts.get(r[0], [0, 0])[1]) for r in rows]

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
            with self._counting(w, folder_id=folder_id):
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
    def _rows(self, where: str, args: Sequence[object]) -> dict[str, CatalogRow]:
        return dict(catalog_row(r) for r in self._reader().execute(f"SELECT {ROW_COLS} FROM photos WHERE {where}", args))

    def photos_in_folder(self, folder_id: int) -> dict[str, CatalogRow]:
        """path -> row for every photo of a folder, missing ones included."""
        return self._rows("folder_id=?", (folder_id,))

    def rows_for_paths(self, paths: Sequence[str]) -> dict[str, CatalogRow]:
        """path -> row for those of ``paths`` the catalog knows."""
        out: dict[str, CatalogRow] = {}
        for i in range(0, len(paths), 500):
            chunk = list(paths[i : i + 500])
            out.update(self._rows(f"path IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def rows_under(self, folder: str) -> dict[str, CatalogRow]:
        """Rows whose path lies inside ``folder`` (for a folder deleted or moved as a whole)."""
        prefix = folder.rstrip(os.sep) + os.sep
        return self._rows("substr(path, 1, ?) = ?", (len(prefix), prefix))

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

    def missing_rows(self) -> dict[str, CatalogRow]:
        return self._rows("state='missing'", ())

    def photo(self, photo_id: int) -> Photo | None:
        row = self._reader().execute(f"SELECT {PHOTO_COLS} FROM photos WHERE id=?", (photo_id,)).fetchone()
        return photo_from_row(row) if row else None

    def photo_by_path(self, path: str) -> Photo | None:
        row = self._reader().execute(f"SELECT {PHOTO_COLS} FROM photos WHERE path=?", (path,)).fetchone()
        return photo_from_row(row) if row else None

    def photos(self, ids: Iterable[int]) -> dict[int, Photo]:
        ids = list(ids)
        out: dict[int, Photo] = {}
        con = self._reader()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT {PHOTO_COLS} FROM photos WHERE id IN ({','.join('?' * len(chunk))})"
            for row in con.execute(q, chunk):
                out[int(row[0])] = photo_from_row(row)
        return out

    def upsert_photo(self, w: sqlite3.Connection, u: PhotoUpdate, *, keep_vectors: bool) -> int:
        """Insert or update the row for ``u.path`` inside a write transaction. Returns the photo id.

        ``keep_vectors=False`` drops stored vectors (the content changed, so they are stale).
        """
        state = PhotoState.ERROR if u.error else PhotoState.PENDING
        taken = u.taken_at.isoformat() if u.taken_at else None
        row = w.execute("SELECT id FROM photos WHERE path=?", (u.path,)).fetchone()
        now = time.time()
        with self._counting(w, [int(row[0])] if row else []) as added:
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
                added.append(pid)
        return pid

    def move_photo(self, w: sqlite3.Connection, photo_id: int, new_path: str, folder_id: int, size: int,
                   mtime: float) -> None:
        """A file moved or was renamed: keep its row, vectors and metadata, change where it lives."""
        replaced = [r[0] for r in w.execute("SELECT id FROM photos WHERE path=? AND id != ?", (new_path, photo_id))]
        with self._counting(w, [photo_id, *replaced]):
            w.executemany("DELETE FROM photos WHERE id=?", [(i,) for i in replaced])
            w.execute(
                """UPDATE photos SET path=?, folder_id=?, size=?, mtime=?, updated_at=?, missing_since=NULL,
                   state = CASE WHEN error IS NOT NULL THEN 'error'
                                WHEN EXISTS(SELECT 1 FROM embeddings e WHERE e.photo_id=photos.id) THEN 'ok'
                                ELSE 'pending' END
                   WHERE id=?""",
                (new_path, folder_id, size, mtime, time.time(), photo_id),
            )

    def touch_photo(self, w: sqlite3.Connection, photo_id: int, size: int, mtime: float) -> None:
        with self._uncounted(w):
            w.execute("UPDATE photos SET size=?, mtime=?, updated_at=? WHERE id=?", (size, mtime, time.time(), photo_id))

    def mark_missing(self, w: sqlite3.Connection, photo_ids: Sequence[int]) -> None:
        now = time.time()
        with self._counting(w, photo_ids):
            w.executemany("UPDATE photos SET state='missing', missing_since=? WHERE id=?", [(now, i) for i in photo_ids])

    def delete_photos(self, w: sqlite3.Connection, photo_ids: Sequence[int]) -> None:
        with self._counting(w, photo_ids):
            w.executemany("DELETE FROM photos WHERE id=?", [(i,) for i in photo_ids])
            if photo_ids:
                self._bump_all(w)

    def missing_older_than(self, seconds: float) -> list[int]:
        cutoff = time.time() - seconds
        rows = self._reader().execute(
            "SELECT id FROM photos WHERE state='missing' AND (missing_since IS NULL OR missing_since <= ?)", (cutoff,)
        )
        return [r[0] for r in rows]

    def mark_ok(self, w: sqlite3.Connection, ids: Sequence[int]) -> None:
        with self._counting(w, ids):
            w.executemany("UPDATE photos SET state='ok', error=NULL WHERE id=? AND state='pending'", [(i,) for i in ids])

    # status ---------------------------------------------------------------------------------------------------
    def snapshot(self, model_id: str | None = None, *, keep: bool = False) -> CountSnapshot:
        """Photos per folder and state (and ``model_id``'s vectors): the last counts (this process's, else the
        stored ones) while the catalog has not changed since they were taken, else counted now in one read
        transaction. ``keep`` stores new counts in the catalog for the next process (``status`` does)."""
        con = self._reader()
        begun = not con.in_transaction
        if begun:
            con.execute("BEGIN")  # the generation and the counts from one snapshot of the catalog
        try:
            gen = generation(con)
            snap = self._snap if self._snap is not None and self._snap.generation == gen else None
            stored = snap is not None and snap.stored
            if snap is None:
                row = con.execute("SELECT value FROM settings WHERE key=?", (SNAPSHOT_KEY,)).fetchone()
                snap = CountSnapshot.from_json(row[0] if row else None, gen)
                stored = snap is not None
            if snap is None:
                snap = CountSnapshot(gen, count_folders(con), {})
            if model_id is not None and model_id not in snap.models:
                snap = replace(snap, models={**snap.models, model_id: count_model(con, model_id)})
                stored = False
        finally:
            if begun:
                con.execute("COMMIT")
        if keep and not stored:
            stored = self._keep(snap)
        self._snap = replace(snap, stored=stored)
        return self._snap

    def _keep(self, snap: CountSnapshot) -> bool:
        if self._writer.in_transaction:  # asked from inside a write on this thread: never nest, never roll it back
            return False
        try:
            with self.write(counted=False, wait=False) as w:
                if generation(w) != snap.generation:  # changed since they were counted
                    return False
                w.execute("INSERT INTO settings(key, value) VALUES(?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (SNAPSHOT_KEY, snap.to_json()))
            return True
        except CatalogError:  # another writer now, a read-only file, a full disk: counted again next time
            return False

    def counts(self, model_id: str) -> dict[str, int]:
        snap = self.snapshot(model_id, keep=True)
        by_state = snap.by_state()
        # every vector, minus those of the (few) missing, error and offline photos
        vectors, by_other = snap.models[model_id].vectors, snap.models[model_id].aside
        indexed = vectors - by_other.get(PhotoState.MISSING, 0) - by_other.get(PhotoState.ERROR, 0)
        readable = by_state.get(PhotoState.OK, 0) + by_state.get(PhotoState.PENDING, 0)
        online_indexed = indexed - by_other.get(PhotoState.OFFLINE, 0)
        return {
            "photos": sum(v for k, v in by_state.items() if k != PhotoState.MISSING),
            "indexed": int(indexed),
            "pending": int(readable - online_indexed),
            "errors": by_state.get(PhotoState.ERROR, 0),
            "offline": by_state.get(PhotoState.OFFLINE, 0),
        }

    def problems(self, folder_id: int | None = None) -> list[FileProblem]:
        from photoseek.core.reports import FileProblem

        q = "SELECT path, error FROM photos WHERE state='error'"
        args: tuple[object, ...] = ()
        if folder_id is not None:
            q += " AND folder_id=?"
            args = (folder_id,)
        return [FileProblem(path=r[0], reason=r[1] or "unknown error") for r in self._reader().execute(q + " ORDER BY path", args)]

    def ids_under(self, folder: str) -> list[int]:
        """Ids of the present photos inside ``folder``: a library folder's read from the (folder, state) index
        alone (10,000 photos in 5 ms at a million), a folder inside one a range over the path index; never a scan."""
        con = self._reader()
        root = con.execute("SELECT id FROM folders WHERE path=?", (folder.rstrip(os.sep) or os.sep,)).fetchone()
        if root is not None:  # library folders never overlap: its photos are exactly those with its folder_id
            rows = con.execute("SELECT id FROM photos WHERE folder_id=? AND state != 'missing'", (root[0],))
            return [r[0] for r in rows]
        prefix = folder.rstrip(os.sep) + os.sep
        upper = prefix[:-1] + chr(ord(os.sep) + 1)
        rows = con.execute("SELECT id FROM photos WHERE path >= ? AND path < ? AND state != 'missing'", (prefix, upper))
        return [r[0] for r in rows]

    def filter_ids(self, ids: Sequence[int] | None, *, folder: str | None, after: datetime | None,
                   before: datetime | None, months: frozenset[int] = frozenset(), camera: str | None = None) -> set[int]:
        """Which of ``ids`` (None: every photo) pass the folder, date (taken, else file time; ``months`` of any year)
        and camera (part of its name, any case) filters. Photos known to be gone never pass."""
        out: set[int] = set()
        con = self._reader()
        sep = os.sep
        want_camera = camera.casefold() if camera else None
        cols = "SELECT id, path, taken_at, mtime, camera FROM photos WHERE state NOT IN ('missing', 'error')"
        chunks = ([list(ids[i : i + 500]) for i in range(0, len(ids), 500)] if ids is not None else [None])
        for chunk in chunks:
            q = cols if chunk is None else f"{cols} AND id IN ({','.join('?' * len(chunk))})"
            for pid, path, taken, mtime, cam in con.execute(q, chunk or []):
                if folder and not (path == folder or path.startswith(folder.rstrip(sep) + sep)):
                    continue
                if want_camera and (not cam or want_camera not in cam.casefold()):
                    continue
                when = datetime.fromisoformat(taken) if taken else datetime.fromtimestamp(mtime)
                if (after and when < after) or (before and when >= before) or (months and when.month not in months):
                    continue
                out.add(int(pid))
        return out

    def cameras(self) -> list[tuple[str, int]]:
        """Camera names that occur in the library with how many photos each, most photos first."""
        rows = self._reader().execute(
            "SELECT camera, COUNT(*) FROM photos WHERE camera IS NOT NULL AND camera != '' AND state != 'missing' "
            "GROUP BY camera ORDER BY COUNT(*) DESC, camera")
        return [(str(c), int(n)) for c, n in rows]

    def warm_photo_rows(self, stop: threading.Event | None = None, *, step: int = 20_000) -> int:
        """Read the whole photos table once, ``step`` ids at a time, so the OS keeps it in its file cache; returns
        the rows read (fewer when ``stop`` was set). Each search reads its result rows (50 of them, by id) from
        anywhere in the table: at a million photos, from a table the OS has not cached, that is ~50 random reads
        from disk per query (5-250 ms measured), against ~1 ms from the cache. One pass costs a scan of the table's
        pages (~170 MB at a million) and no memory of ours. For processes that live on (the app, ``photoseek
        watch``).

        Raises:
            CatalogError: the file could not be read."""
        con = self._reader()
        read = 0
        try:
            top = con.execute("SELECT max(id) FROM photos").fetchone()[0] or 0
            for first in range(1, top + 1, step):
                if stop is not None and stop.is_set():
                    break
                # count(path): every row's own page, not an index that holds the id alone
                read += con.execute("SELECT count(path) FROM photos WHERE id BETWEEN ? AND ?",
                                    (first, first + step - 1)).fetchone()[0]
        except sqlite3.Error as e:  # a damaged or vanished file: the searches will say so
            raise CatalogError(f"cannot read the catalog: {e}") from e
        return int(read)

    def file_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
