"""The change queue between a file watcher and the indexer, and the one worker thread that drains it.

Watcher threads only call the cheap producer methods (:meth:`ChangeQueue.changed`, ``deleted``, ``moved``,
``folder_gone``, ``folder_back``); every path is de-duplicated (10,000 events on one file are one entry) and held
until it has *settled*: no event for ``settle_s`` seconds and the same size and mtime at two looks, so a photo that a
camera-card copy or a sync client is still writing is never indexed half-written. :class:`QueueWorker` then applies
moves first (:meth:`WatchTarget.move_path`, which keeps rows and vectors) and syncs the settled paths in batches
(:meth:`WatchTarget.sync_paths`), so all real work goes through the ordinary indexing pipeline on one thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from photoseek.core.domain import IndexPhase, IndexProgress, IndexReport, WatchPhase, WatchProgress
from photoseek.core.errors import PhotoSeekError
from photoseek.core.imaging.decode import is_photo_path
from photoseek.core.fs import readable_dir as exists_dir
from photoseek.core.fs import under
from photoseek.core.indexing.scanner import SYSTEM_DIRS

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
        best = None
        for r in self._roots:
            if under(path, r) and (best is None or len(r) > len(best)):
                best = r
        return best

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


class WatchTarget(Protocol):
    """What the worker needs from a library (:class:`photoseek.core.library.Library` satisfies it)."""

    def index(self, progress: Callable[[IndexProgress], bool] | None = None) -> IndexReport: ...

    def sync_paths(self, paths: Sequence[str], progress: Callable[[IndexProgress], bool] | None = None
                   ) -> IndexReport: ...

    def move_path(self, src: str, dst: str) -> int: ...

    def purge_missing(self, older_than_s: float = 0.0) -> int: ...

    def set_folder_online(self, path: str, online: bool) -> bool: ...


ProgressCallback = Callable[[WatchProgress], None]


class QueueWorker:
    """The one thread that applies queued changes to the library.

    Args:
        queue: the change queue to drain.
        target: the library.
        on_progress: called (from this thread) with what happened and how much is left.
        catch_up: run a full scan first, for what changed while nothing was watching.
        purge_after_s: how long a vanished photo is kept (a delete may be half of a move seen late).
        purge_every_s: how often to purge.
    """

    def __init__(self, queue: ChangeQueue, target: WatchTarget, *, on_progress: ProgressCallback | None = None,
                 catch_up: bool = True, purge_after_s: float = 600.0, purge_every_s: float = 60.0,
                 tick_s: float | None = None, vanished_like: Callable[[Sequence[str]], list[str]] | None = None
                 ) -> None:
        self.queue = queue
        self.target = target
        self.on_progress = on_progress
        self.catch_up = catch_up
        self.purge_after_s = purge_after_s
        self.purge_every_s = purge_every_s
        self.tick_s = tick_s if tick_s is not None else min(0.5, queue.settle_s / 4)
        self.vanished_like = vanished_like
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread = threading.Thread(target=self._run, name="photoseek-watch-worker", daemon=True)
        self.done = 0  # paths and moves applied since start
        self.totals = IndexReport()
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.queue.wake()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being applied."""
        return self._idle.is_set() and len(self.queue) == 0

    def _say(self, message: str | None, phase: WatchPhase = WatchPhase.WATCHING, done: int = 0, total: int = 0) -> None:
        if message:
            log.info("%s", message)
        if self.on_progress is None:
            return
        try:
            self.on_progress(WatchProgress(phase, done, total, len(self.queue), message))
        except Exception:  # a front end's bug must not stop watching
            log.exception("watch progress callback failed")

    def _keep_going(self, label: WatchPhase) -> Callable[[IndexProgress], bool]:
        def fn(p: IndexProgress) -> bool:
            if p.phase != IndexPhase.DONE:
                self._say(None, label, p.done, p.total)
            return not self._stop.is_set()
        return fn

    def _run(self) -> None:
        try:
            if self.catch_up and not self._stop.is_set():
                self._say("catching up: scanning the library folders", WatchPhase.SCANNING)
                try:
                    rep = self.target.index(self._keep_going(WatchPhase.SCANNING))
                    self._say(_summary("catch-up", rep) or "catch-up: nothing changed")
                except PhotoSeekError as e:
                    self._say(f"catch-up scan failed: {e}")
            last_purge = time.monotonic()
            while not self._stop.is_set():
                batch = self.queue.take()
                if not batch:
                    self._idle.set()
                    if time.monotonic() - last_purge >= self.purge_every_s:
                        last_purge = time.monotonic()
                        n = self.target.purge_missing(self.purge_after_s)
                        if n:
                            self._say(f"purged {n} photo(s) deleted more than {self.purge_after_s:.0f} s ago")
                    self.queue.wait(self.tick_s)
                    continue
                self._idle.clear()
                try:
                    self._apply(batch)
                except PhotoSeekError as e:  # e.g. another process holds the writer lock: retry shortly
                    self.queue.requeue(batch)
                    self._say(f"will retry: {e}")
                    self._stop.wait(1.0)
                except Exception as e:  # a bug must cost this batch, not the watching (no retry: it would loop)
                    log.exception("applying watched changes failed")
                    self._say(f"could not apply {len(batch.paths) + len(batch.moves)} change(s): {e}")
            self._say("stopped", WatchPhase.STOPPED)
        except BaseException as e:  # pragma: no cover - reported to whoever holds the handle
            self.error = e
            log.exception("watch worker died")
            self._say(f"watcher stopped on an error: {e}", WatchPhase.STOPPED)

    def _apply(self, batch: WatchBatch) -> None:
        for root in batch.gone_folders:
            if self.target.set_folder_online(root, False):
                self._say(f"offline: {root} (its photos are kept)")
        for root in batch.back_folders:
            if exists_dir(root):
                self.target.set_folder_online(root, True)
                rep = self.target.sync_paths([root], self._keep_going(WatchPhase.INDEXING))
                self._say(f"back online: {root}" + (f"; {s}" if (s := _summary("", rep)) else ""))
        moved = 0
        for src, dst in batch.moves:
            moved += self.target.move_path(src, dst)
        # both ends of every move are synced too (cheap when nothing else changed): a move out of the library is
        # a delete, into it a create
        paths = list(dict.fromkeys(batch.paths + [p for m in batch.moves for p in m]))
        # paths whose library folder is unreachable wait for the folder check to mark it offline
        paths = [p for p in paths if (r := self.queue.root_of(p)) is not None and exists_dir(r)]
        # a folder path covers every photo inside it (a folder moved or deleted as a whole)
        dirs = [p for p in paths if not is_photo_path(p)]
        if dirs:
            paths = [p for p in paths if p in dirs or not any(p != d and under(p, d) for d in dirs)]
        if self.vanished_like is not None and paths:
            # a photo moved between two separately watched folders arrives as create + delete, and the delete
            # can come late: sync the library paths that vanished and look like a new file, so the new file is
            # matched by content hash (and keeps its vector) instead of being embedded again
            extra = [p for p in self.vanished_like([p for p in paths if is_photo_path(p)]) if p not in paths]
            paths += [p for p in extra if (r := self.queue.root_of(p)) is not None and exists_dir(r)]
        rep = IndexReport()
        if paths:
            self._say(None, WatchPhase.INDEXING, 0, len(paths))
            rep = self.target.sync_paths(paths, self._keep_going(WatchPhase.INDEXING))
        rep.moved += moved
        self.done += len(paths)
        _add(self.totals, rep)
        msg = _summary("", rep)
        self._say(msg, WatchPhase.WATCHING if len(self.queue) == 0 else WatchPhase.INDEXING, self.done, self.done + len(self.queue))


def _add(total: IndexReport, rep: IndexReport) -> None:
    for k in ("added", "changed", "moved", "removed", "embedded", "failed"):
        setattr(total, k, getattr(total, k) + getattr(rep, k))


def _summary(prefix: str, rep: IndexReport) -> str:
    parts = [f"{n} {what}" for n, what in ((rep.added, "new"), (rep.changed, "changed"), (rep.moved, "moved"),
                                          (rep.removed, "removed"), (rep.embedded, "embedded"),
                                          (rep.failed, "failed")) if n]
    if not parts:
        return ""
    return (prefix + ": " if prefix else "") + ", ".join(parts)
