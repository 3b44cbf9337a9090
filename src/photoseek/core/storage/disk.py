"""The disk that holds a library: enough room to open SQLite safely, and a shared-memory file with no holes.

SQLite maps its WAL index (``<db>-shm``) into memory and grows it by writing one byte per memory page. On a file
system whose blocks are smaller than a page (small ext4 volumes use 1 KiB blocks), the rest of each page stays a
hole; when the disk is full, the first store into such a hole kills the process with SIGBUS, no message, no
chance to roll back. So: refuse to open when the disk is (nearly) full, and allocate the whole mapped file for
real as soon as SQLite has created it, while there is still room.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from photoseek.core.errors import DiskFullError

# What opening the catalog may need before the first write can report "disk full" cleanly: the 32 KiB WAL index,
# a few pages of WAL, with a margin for the file system's own bookkeeping.
ROOM_TO_OPEN = 128 * 1024


def free_bytes(path: Path) -> int | None:
    """Bytes an unprivileged user may still write on the file system holding ``path`` (None when unknown)."""
    for p in (path, *path.parents):
        try:
            return shutil.disk_usage(p).free
        except OSError:
            continue
    return None


def disk_full(where: Path, free: int | None = None) -> DiskFullError:
    free = free_bytes(where) if free is None else free
    have = f" ({free // 1024} KB free)" if free is not None else ""
    return DiskFullError(
        f"the disk that holds the library {where} is full{have}",
        hint="Free some space on it and try again. Nothing was lost: what was saved before is kept.",
    )


def ensure_room(where: Path, needed: int = ROOM_TO_OPEN) -> None:
    """Raise :class:`DiskFullError` when the file system holding ``where`` has less than ``needed`` bytes free."""
    free = free_bytes(where)
    if free is not None and free < needed:
        raise disk_full(where, free)


class SharedMemoryFile:
    """SQLite's ``-shm`` file of one database, given real blocks for every byte (holes already read as zeros, so
    its content never changes).

    The file stays open until :meth:`close`, which must come after every SQLite connection of this process to the
    database is closed: closing any descriptor of a file drops *all* of a process's POSIX locks on it, SQLite's
    included, and another process would then think itself the first one and truncate the file under our mapping.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + "-shm")
        self._fd: int | None = None

    def allocate(self) -> None:
        """Allocate what SQLite has mapped so far. Raises :class:`DiskFullError` when the disk has no room for it."""
        if not hasattr(os, "posix_fallocate"):  # pragma: no cover - macOS/Windows: no sparse-page growth there
            return
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR)
            except OSError:
                return  # not created (rollback journal), or another user's file: nothing we may do
        try:
            size = os.fstat(self._fd).st_size
            if size:
                os.posix_fallocate(self._fd, 0, size)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise disk_full(self.path.parent) from e
            # EOPNOTSUPP and friends: the file system cannot preallocate (and does not grow pages sparsely either)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def check_written(path: Path, expected: int) -> None:
    """Flush ``path`` to disk and make sure it holds ``expected`` bytes: usearch may not notice a short write."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # with delayed allocation a full disk may only show up here
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size != expected:
        raise OSError(f"wrote {size} of {expected} bytes")


def write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
