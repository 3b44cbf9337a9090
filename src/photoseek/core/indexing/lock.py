"""An advisory lock file so two PhotoSeek processes never index the same library at once.

The holder writes who it is into the lock file (``{"format": 1, "pid": ..., "argv": [...]}``), so a process that
is refused can say which program is indexing: "the PhotoSeek desktop app (process 4242) is already indexing".
The lock itself is the OS file lock (flock / msvcrt), released by the OS when the holder dies.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import TracebackType

from photoseek.core.errors import CatalogError

HOLDER_FORMAT = 1


def _this_process() -> bytes:
    argv = [os.path.basename(sys.argv[0]) if sys.argv else "", *sys.argv[1:]]
    return json.dumps({"format": HOLDER_FORMAT, "pid": os.getpid(), "argv": argv}).encode()


def describe_holder(raw: bytes) -> str:
    """Who holds the lock, from the lock file's content, as a phrase: 'the PhotoSeek desktop app (process 42)'."""
    try:
        info = json.loads(raw.decode("utf-8"))
        if info.get("format") != HOLDER_FORMAT:
            raise ValueError("unknown format")
        pid = int(info["pid"])
        argv = [str(a) for a in info.get("argv", [])]
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return "another PhotoSeek process"
    program, args = (argv[0] if argv else ""), argv[1:]
    if not (program.startswith("photoseek") or program == "__main__.py"):  # a script or test using the library
        return f"another PhotoSeek process (process {pid}, {program or 'python'})"
    if not args or args[0] in ("gui", "--gui"):
        return f"the PhotoSeek desktop app (process {pid})"
    return f"`{' '.join(['photoseek', *args])[:80]}` (process {pid})"


class WriterLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.name == "nt":  # pragma: no cover - exercised on Windows only
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = self._read_holder(fd)
            os.close(fd)
            raise CatalogError(
                f"{holder} is already indexing this library",
                hint="Searching works meanwhile. Wait for it to finish, or stop it: what it finished is kept.",
            ) from e
        self._fd = fd
        self._write_holder(fd)

    @staticmethod
    def _read_holder(fd: int) -> str:
        try:
            return describe_holder(os.pread(fd, 4096, 0))
        except OSError:  # pragma: no cover - a lock file we may open but not read
            return "another PhotoSeek process"

    @staticmethod
    def _write_holder(fd: int) -> None:
        try:  # only informative: a full disk must not stop indexing
            os.ftruncate(fd, 0)
            os.pwrite(fd, _this_process(), 0)
        except OSError:
            pass

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops flock/msvcrt locks
            self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
