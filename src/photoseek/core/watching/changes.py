"""The change queue between the folder observers and the watch worker: settle and de-duplicate.

Watcher threads only call the cheap producer methods (:meth:`ChangeQueue.changed`, ``deleted``, ``moved``,
``folder_gone``, ``folder_back``); every path is de-duplicated (10,000 events on one file are one entry) and held
until it has *settled*: no event for ``settle_s`` seconds and the same size and mtime at two looks, so a photo that a
camera-card copy or a sync client is still writing is never indexed half-written. :meth:`ChangeQueue.take` hands
the worker (:mod:`.worker`) a :class:`WatchBatch`: moves first, then the settled paths.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from photoseek.core.fs import SYSTEM_DIRS, deepest_root, is_photo_path, under

log = logging.getLogger(__name__)

# watchdog's inotify backend holds an unpaired "moved from" up to 0.5 s before reporting it as a delete; a create
# must not be indexed before the delete of the same bytes elsewhere is known, or a move between two library folders
# would be embedded again instead of matched by content hash.
MIN_SETTLE_S = 0.6


@dataclass
class _Entry:
    last_event: float
    sig: tuple[int, int] | None = None  # (size, mtime_ns) at the last look; None before the first look
    looked: float = 0.0


@dataclass
class WatchBatch:
    """What is ready to apply, in order: moves, then the settled paths."""

    moves: list[tuple[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    gone_folders: list[str] = field(default_factory=list)
    back_folders: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.moves or self.paths or self.gone_folders or self.back_folders)


class ChangeQueue:
    """Thread-safe, de-duplicating, settling queue of changed paths.

    Args:
        settle_s: how long a file must stay quiet (no event, same size and mtime) before it is indexed.
        max_batch: most paths handed out by one :meth:`take`.
        skip_hidden: ignore paths with a hidden component below the folder root (as a full scan does).
    """

    def __init__(self, settle_s: float = 1.5, *, max_batch: int = 500, skip_hidden: bool = True) -> None:
        self.settle_s = max(MIN_SETTLE_S, settle_s)
        self.max_batch = max(1, max_batch)
        self.skip_hidden = skip_hidden
        self._cond = threading.Condition()
        self._pending: dict[str, _Entry] = {}
        self._moves: list[tuple[str, str]] = []
        self._gone: list[str] = []
        self._back: list[str] = []
        self._roots: tuple[str, ...] = ()
        self._dir_moves: list[tuple[str, str, float]] = []  # recent folder moves, to drop watchdog's per-item moves

    # configuration ---------------------------------------------------------------------------------------------
    def set_roots(self, roots: Sequence[str]) -> None:
        """The library folders; paths outside them are ignored."""
        with self._cond:
            self._roots = tuple(roots)

    def root_of(self, path: str) -> str | None:
        """The library folder holding ``path``."""
        return deepest_root(path, self._roots)

    def _relevant(self, path: str, is_dir: bool) -> bool:
        root = self.root_of(path)
        if root is None or path == root:
            return False
        parts = path[len(root.rstrip(os.sep)) + 1:].split(os.sep)
        if any(p in SYSTEM_DIRS or (self.skip_hidden and p.startswith(".")) for p in parts):
            return False
        return is_dir or is_photo_path(path)

    # producer side (watcher threads) ---------------------------------------------------------------------------
    def changed(self, path: str) -> None:
        """A photo was created or modified (or may have been)."""
        with self._cond:
            if self._relevant(path, False):
                self._touch(path)  # no wake-up: the worker looks at settling paths on its own tick

    def deleted(self, path: str, is_dir: bool = False) -> None:
        with self._cond:
            if self._relevant(path, is_dir):
                self._touch(path)

    def moved(self, src: str, dst: str, is_dir: bool = False) -> None:
        """``src`` was renamed to ``dst``. A folder rename is one entry, not one per photo inside it."""
        with self._cond:
            src_in, dst_in = self._relevant(src, is_dir), self._relevant(dst, is_dir)
            now = time.monotonic()
            self._dir_moves = [m for m in self._dir_moves if now - m[2] < 30.0]
            if any(s != src and under(src, s) and dst == d + src[len(s):] for s, d, _ in self._dir_moves):
                return  # watchdog follows a folder move with one move per item inside: the folder move covers them
            if is_dir:
                self._dir_moves.append((src, dst, now))
            if not is_dir and src in self._pending:
                # changed but not indexed yet, so its stored vector may be stale: sync both ends instead (a
                # content-hash match still keeps the vector when the bytes did not change)
                self._touch(src)
                if dst_in:
                    self._touch(dst)
            elif src_in and dst_in:
                self._moves.append((src, dst))
                if not is_dir:
                    self._touch(dst)  # in case it was never indexed (written, then renamed before it settled)
            else:
                # into the library from outside (or a temp name becoming a photo) is a create; out of it, a delete
                if src_in:
                    self._touch(src)
                if dst_in:
                    self._touch(dst)
            self._cond.notify()

    def folder_gone(self, root: str) -> None:
        """A library folder became unreachable: forget what was queued inside it."""
        with self._cond:
            for p in [p for p in self._pending if under(p, root)]:
                del self._pending[p]
            self._moves = [(s, d) for s, d in self._moves if not under(s, root) and not under(d, root)]
            self._back = [r for r in self._back if r != root]
            self._gone.append(root)
            self._cond.notify()

    def folder_back(self, root: str) -> None:
        with self._cond:
            self._gone = [r for r in self._gone if r != root]
            self._back.append(root)
            self._cond.notify()

    def _touch(self, path: str) -> None:
        e = self._pending.get(path)
        now = time.monotonic()
        if e is None:
            self._pending[path] = _Entry(now)
        else:
            e.last_event = now

    # consumer side (the worker) --------------------------------------------------------------------------------
    def __len__(self) -> int:
        with self._cond:
            return len(self._pending) + len(self._moves)

    def wait(self, timeout: float) -> None:
        """Sleep until something is queued or ``timeout`` passes."""
        with self._cond:
            if not (self._moves or self._gone or self._back):
                self._cond.wait(timeout)

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def take(self) -> WatchBatch:
        """Everything that is ready: all moves and folder changes, and up to ``max_batch`` settled paths."""
        with self._cond:
            batch = WatchBatch(self._moves, [], self._gone, self._back)
            self._moves, self._gone, self._back = [], [], []
            now = time.monotonic()
            # look at new entries once right away (so the second look can come one settle time later) and at
            # entries that have been quiet long enough
            candidates = [(p, e) for p, e in self._pending.items()
                          if e.sig is None or now - max(e.last_event, e.looked) >= self.settle_s]
        looks: list[tuple[str, tuple[int, int] | None]] = []
        for p, _ in candidates:
            try:
                st = os.stat(p)
                looks.append((p, (st.st_size, st.st_mtime_ns)))
            except OSError:
                looks.append((p, None))
        with self._cond:
            now = time.monotonic()
            for p, sig in looks:
                e = self._pending.get(p)
                if e is None:
                    continue
                if sig is None:
                    # gone (deleted or moved away): nothing to wait for
                    if len(batch.paths) < self.max_batch:
                        batch.paths.append(p)
                        del self._pending[p]
                    continue
                if e.sig is None or e.sig != sig or now - e.last_event < self.settle_s:
                    if e.sig is not None and e.sig != sig:
                        e.last_event = now  # still being written without telling us
                    e.sig, e.looked = sig, now
                    continue
                if len(batch.paths) < self.max_batch:
                    batch.paths.append(p)
                    del self._pending[p]
        return batch

    def requeue(self, batch: WatchBatch) -> None:
        """Put back what could not be applied (the library was busy in another process)."""
        with self._cond:
            self._moves = batch.moves + self._moves
            self._gone = batch.gone_folders + self._gone
            self._back = batch.back_folders + self._back
            now = time.monotonic()
            for p in batch.paths:
                self._pending.setdefault(p, _Entry(now))
