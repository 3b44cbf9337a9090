"""SQLite's failures as PhotoSeek errors that say what happened and what to do about it.

One place decides, from SQLite's result code, whether a failure means a full disk, a catalog another process holds,
a damaged file, or something else; connections made with :class:`GuardedConnection` raise those errors from every
statement, so no sqlite3 exception reaches a front end as a traceback and no hint tells a user to throw away a
healthy library.
"""

from __future__ import annotations

import functools
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from photoseek.core.errors import CatalogBusyError, CatalogDamagedError, CatalogError
from photoseek.core.storage.disk import ROOM_TO_OPEN, disk_full, free_bytes

T = TypeVar("T")

REPAIR_HINT = ("Repair it with `photoseek repair` (or restart PhotoSeek and choose Repair): the damaged file is "
               "kept, what can be read is salvaged, the rest is indexed again.")


def _name(e: sqlite3.Error) -> str:
    name = getattr(e, "sqlite_errorname", None)
    if isinstance(name, str):
        return name
    text = str(e).lower()  # errors raised before SQLite ran (or old Pythons) carry no code
    for needle, code in (("malformed", "SQLITE_CORRUPT"), ("not a database", "SQLITE_NOTADB"),
                         ("locked", "SQLITE_BUSY"), ("full", "SQLITE_FULL"), ("disk i/o", "SQLITE_IOERR")):
        if needle in text:
            return code
    return ""


def translatable(e: BaseException) -> bool:
    """Failures of the database itself (not of our SQL or our values, which are bugs and stay as they are)."""
    return type(e) in (sqlite3.OperationalError, sqlite3.DatabaseError)


def catalog_error(e: sqlite3.Error, path: Path, doing: str = "use") -> CatalogError:
    """The PhotoSeek error for a SQLite failure while doing something (``open``, ``write``, ``use``) with ``path``."""
    name = _name(e)
    if name == "SQLITE_FULL" or name.startswith("SQLITE_IOERR"):
        free = free_bytes(path.parent)
        if name == "SQLITE_FULL" or (free is not None and free < ROOM_TO_OPEN):
            return disk_full(path.parent, free)
        return CatalogError(f"cannot {doing} the catalog {path}: {e}",
                            hint="The disk reported an error. Check it (and its cable or network share), then retry.")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return CatalogBusyError(
            f"the catalog {path} is busy: another PhotoSeek process is using it",
            hint="Try again in a moment. The catalog is fine; nothing needs to be moved or deleted.",
        )
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return CatalogDamagedError(f"the catalog {path} is damaged ({e})", hint=REPAIR_HINT)
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return CatalogError(f"cannot {doing} the catalog {path}: {e}",
                            hint="Check that the library folder and its files can be written by you.")
    return CatalogError(f"cannot {doing} the catalog {path}: {e}")


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of a :class:`GuardedCursor`, raising :func:`catalog_error`\\ s for database failures."""

    @functools.wraps(method)
    def call(self: GuardedCursor, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            if not translatable(e):
                raise
            raise catalog_error(e, self.path) from e

    return call


class GuardedCursor(sqlite3.Cursor):
    """A cursor whose database failures are :class:`CatalogError`\\ s (from executing and from fetching rows)."""

    path: Path
    execute = _guarded(sqlite3.Cursor.execute)
    executemany = _guarded(sqlite3.Cursor.executemany)
    fetchone = _guarded(sqlite3.Cursor.fetchone)
    fetchmany = _guarded(sqlite3.Cursor.fetchmany)
    fetchall = _guarded(sqlite3.Cursor.fetchall)
    __next__ = _guarded(sqlite3.Cursor.__next__)

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        """Rows in guarded batches: a guarded ``__next__`` per row made iterating 70 % slower."""
        while rows := self.fetchmany(256):
            yield from rows


class GuardedConnection(sqlite3.Connection):
    """``sqlite3.connect(path, factory=GuardedConnection)``: every statement raises PhotoSeek errors."""

    def cursor(self, factory: Any = None) -> GuardedCursor:  # type: ignore[override]
        cur = super().cursor(factory or GuardedCursor)
        cur.path = Path(self.db_path)
        return cur

    @property
    def db_path(self) -> str:
        return str(getattr(self, "_photoseek_path", ""))

    def execute(self, sql: str, parameters: Any = (), /) -> GuardedCursor:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> GuardedCursor:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)


def connect(path: Path, **kwargs: Any) -> GuardedConnection:
    """Open ``path`` with :class:`GuardedConnection`; a failure to open is already a :class:`CatalogError`."""
    try:
        con = sqlite3.connect(path, factory=GuardedConnection, **kwargs)
    except sqlite3.Error as e:
        raise catalog_error(e, path, "open") from e
    con._photoseek_path = str(path)  # type: ignore[attr-defined]
    return con


def retry_busy(fn: Callable[[], T], *, seconds: float = 30.0) -> T:
    """``fn()``, tried again while SQLite answers busy without waiting.

    SQLite's busy timeout does not cover every case: switching a catalog to WAL, or two processes that would
    deadlock upgrading their locks (both reading, both wanting to write), get SQLITE_BUSY at once. Starting several
    processes on a new catalog hits exactly that; ``fn`` must be safe to run again (the schema setup is).
    """
    deadline = time.monotonic() + seconds
    pause = 0.005
    while True:
        try:
            return fn()
        except CatalogBusyError:
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause + random.uniform(0, pause))  # jitter: the processes that collided must not again
            pause = min(pause * 2, 0.25)
