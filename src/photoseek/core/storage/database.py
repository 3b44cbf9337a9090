"""The catalog's SQLite connections: one writer (guarded by a lock) and one reader per thread, all in WAL mode so
searches run while an index run commits; the schema migration on open; the small key/value settings table."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from photoseek.core.errors import CatalogError
from photoseek.core.storage.schema import migrate


class Database:
    """Connections to one catalog file (created with its folder when missing).

    Raises:
        CatalogError: the folder cannot be created, or the file is damaged or from a newer PhotoSeek.
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
        migrate(self._writer, self.path, self.write)

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
