"""The catalog's SQLite connections: one writer (guarded by a lock) and one reader per thread, all in WAL mode so
searches run while an index run commits; the schema migration on open; the small key/value settings table."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

from photoseek.core.errors import CatalogBusyError, CatalogError
from photoseek.core.storage.count_snapshot import CountSnapshot
from photoseek.core.storage.count_tally import CountTally
from photoseek.core.storage.disk import SharedMemoryFile, ensure_room
from photoseek.core.storage.schema import migrate
from photoseek.core.storage.sqlite_errors import connect, retry_busy

BUSY_TIMEOUT_S = 30  # how long a statement waits for another process's write lock before it reports busy


class Database:
    """Connections to one catalog file (created with its folder when missing).

    Raises:
        CatalogError: the folder cannot be created, or the file is damaged or from a newer PhotoSeek.
    """

    _snap: CountSnapshot | None = None  # the last status counts taken, read or carried (see Catalog.snapshot)
    _tally: CountTally | None = None  # the open counted write's

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
        self._shm = SharedMemoryFile(self.path)
        try:
            self._writer = self._connect()
            self._migrate()
        except BaseException:
            self.close()
            raise

    # connections ----------------------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        ensure_room(self.path.parent)  # SQLite on a full disk can die of SIGBUS before it can report anything
        con = connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
        try:
            retry_busy(lambda: con.execute("PRAGMA journal_mode=WAL"))
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA foreign_keys=ON")
            con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            self._shm.allocate()
        except BaseException:
            con.close()
            raise
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
    def write(self, *, counted: bool = True, wait: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction on the writer connection; commits on success, rolls back on error.

        ``counted`` (photos or vectors may change): statements that change them run inside :meth:`_counting`, so
        that the stored counts move with them, in the same transaction (:mod:`.count_tally`); anything else that
        changes rows makes the stored counts stale. ``wait=False`` raises CatalogBusyError at once instead of
        waiting for another writer (for writes that may simply be skipped).
        """
        if self._closed:
            raise CatalogError("the catalog is closed")
        if not self._write_lock.acquire(blocking=wait):
            raise CatalogBusyError("the catalog is being written by another thread")
        try:
            con = self._writer
            if not wait:
                con.execute("PRAGMA busy_timeout=0")
            carried = None
            try:
                con.execute("BEGIN IMMEDIATE")
                self._tally = CountTally(con) if counted else None
                yield con
                if self._tally is not None:
                    carried = self._tally.close(self._snap)
                con.execute("COMMIT")
            except BaseException:  # statements raise CatalogError (GuardedConnection), bugs their own errors
                if con.in_transaction:
                    try:
                        con.execute("ROLLBACK")
                    except CatalogError:
                        pass  # after a hard failure (disk full, I/O) SQLite has rolled back already
                raise
            finally:
                self._tally = None
                if not wait:
                    con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            if carried is not None:
                self._snap = replace(carried, stored=True)
        finally:
            self._write_lock.release()

    def _counting(self, w: sqlite3.Connection, ids: Sequence[int] = (), folder_id: int | None = None
                  ) -> AbstractContextManager[list[int]]:
        """Around statements (on the writer ``w``, in a counted write) that change the photos ``ids`` or those of
        ``folder_id``, or their vectors; photos they insert are appended to the list it gives
        (:meth:`.CountTally.change`)."""
        if self._tally is None or w is not self._writer:
            raise RuntimeError("photos or vectors changed outside a counted write")  # a bug, never a user's doing
        return self._tally.change(ids, folder_id)

    def _uncounted(self, w: sqlite3.Connection) -> AbstractContextManager[list[int]]:
        """Around statements that change only rows no count depends on (file times, hashes, an empty folder)."""
        if self._tally is None or w is not self._writer:
            return nullcontext([])
        return self._tally.change()

    def close(self) -> None:
        self._closed = True
        with self._all_lock:
            for con in self._all:
                try:
                    con.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
            self._shm.close()  # only now: closing it would drop SQLite's locks on the file (they are per process)

    def _migrate(self) -> None:
        retry_busy(lambda: migrate(self._writer, self.path, self.write))  # each step re-checks, so it may rerun

    @property
    def schema_version(self) -> int:
        return int(self._reader().execute("PRAGMA user_version").fetchone()[0])

    # settings -------------------------------------------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self._reader().execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.write(counted=False) as w:
            w.execute("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                      (key, value))
