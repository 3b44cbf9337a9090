"""The watch worker: the one thread that applies batches of settled changes to the library.

It drains a :class:`~photoseek.core.watching.changes.ChangeQueue`: a catch-up scan first (what changed while nothing
watched), then folders gone and back, moves (:meth:`WatchTarget.move_path`, which keeps rows and vectors), then the
settled paths in one :meth:`WatchTarget.sync_paths`, so all real work goes through the ordinary indexing pipeline.
Progress goes to a callback as :class:`~photoseek.core.reports.WatchProgress`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from photoseek.core.domain import IndexPhase, WatchPhase
from photoseek.core.errors import PhotoSeekError
from photoseek.core.fs import is_photo_path, readable_dir, under
from photoseek.core.reports import IndexProgress, IndexReport, WatchProgress
from photoseek.core.watching.changes import ChangeQueue, WatchBatch

log = logging.getLogger(__name__)


class WatchTarget(Protocol):
    """What the worker needs from the library (:class:`photoseek.core.indexing.indexer.Indexer` satisfies it)."""

    def index(self, progress: Callable[[IndexProgress], bool] | None = None) -> IndexReport: ...

    def sync_paths(self, paths: Sequence[str], progress: Callable[[IndexProgress], bool] | None = None
                   ) -> IndexReport: ...

    def move_path(self, src: str, dst: str) -> int: ...

    def purge_missing(self, older_than_s: float = 0.0) -> int: ...

    def set_folder_online(self, path: str, online: bool) -> bool: ...

    def vanished_like(self, paths: Sequence[str]) -> list[str]: ...


ProgressCallback = Callable[[WatchProgress], None]


class QueueWorker:
    """The one thread that applies queued changes to the library.

    Args:
        queue: the change queue to drain.
        target: the library's indexer.
        on_progress: called (from this thread) with what happened and how much is left.
        catch_up: run a full scan first, for what changed while nothing was watching.
        purge_after_s: how long a vanished photo is kept (a delete may be half of a move seen late).
        purge_every_s: how often to purge.
    """

    def __init__(self, queue: ChangeQueue, target: WatchTarget, *, on_progress: ProgressCallback | None = None,
                 catch_up: bool = True, purge_after_s: float = 600.0, purge_every_s: float = 60.0,
                 tick_s: float | None = None) -> None:
        self.queue = queue
        self.target = target
        self.on_progress = on_progress
        self.catch_up = catch_up
        self.purge_after_s = purge_after_s
        self.purge_every_s = purge_every_s
        self.tick_s = tick_s if tick_s is not None else min(0.5, queue.settle_s / 4)
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
        # Library.close() may join a session another thread has created but not started yet; once started, the
        # worker sees the stop flag and ends at once
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being applied."""
        return self._idle.is_set() and len(self.queue) == 0

    def say(self, message: str | None, phase: WatchPhase = WatchPhase.WATCHING, done: int = 0, total: int = 0) -> None:
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
                self.say(None, label, p.done, p.total)
            return not self._stop.is_set()
        return fn

    def _run(self) -> None:
        try:
            if self.catch_up and not self._stop.is_set():
                self.say("catching up: scanning the library folders", WatchPhase.SCANNING)
                try:
                    rep = self.target.index(self._keep_going(WatchPhase.SCANNING))
                    self.say(_summary("catch-up", rep) or "catch-up: nothing changed")
                except PhotoSeekError as e:
                    self.say(f"catch-up scan failed: {e}")
            last_purge = time.monotonic()
            while not self._stop.is_set():
                batch = self.queue.take()
                if not batch:
                    self._idle.set()
                    if time.monotonic() - last_purge >= self.purge_every_s:
                        last_purge = time.monotonic()
                        n = self.target.purge_missing(self.purge_after_s)
                        if n:
                            self.say(f"purged {n} photo(s) deleted more than {self.purge_after_s:.0f} s ago")
                    self.queue.wait(self.tick_s)
                    continue
                self._idle.clear()
                try:
                    self._apply(batch)
                except PhotoSeekError as e:  # e.g. another process holds the writer lock: retry shortly
                    self.queue.requeue(batch)
                    self.say(f"will retry: {e}")
                    self._stop.wait(1.0)
                except Exception as e:  # a bug must cost this batch, not the watching (no retry: it would loop)
                    log.exception("applying watched changes failed")
                    self.say(f"could not apply {len(batch.paths) + len(batch.moves)} change(s): {e}")
            self.say("stopped", WatchPhase.STOPPED)
        except BaseException as e:  # pragma: no cover - reported to whoever holds the handle
            self.error = e
            log.exception("watch worker died")
            self.say(f"watcher stopped on an error: {e}", WatchPhase.STOPPED)

    def _apply(self, batch: WatchBatch) -> None:
        for root in batch.gone_folders:
            if self.target.set_folder_online(root, False):
                self.say(f"offline: {root} (its photos are kept)")
        for root in batch.back_folders:
            if readable_dir(root):
                self.target.set_folder_online(root, True)
                rep = self.target.sync_paths([root], self._keep_going(WatchPhase.INDEXING))
                self.say(f"back online: {root}" + (f"; {s}" if (s := _summary("", rep)) else ""))
        moved = 0
        for src, dst in batch.moves:
            moved += self.target.move_path(src, dst)
        # both ends of every move are synced too (cheap when nothing else changed): a move out of the library is
        # a delete, into it a create
        paths = list(dict.fromkeys(batch.paths + [p for m in batch.moves for p in m]))
        # paths whose library folder is unreachable wait for the folder check to mark it offline
        paths = [p for p in paths if (r := self.queue.root_of(p)) is not None and readable_dir(r)]
        # a folder path covers every photo inside it (a folder moved or deleted as a whole)
        dirs = [p for p in paths if not is_photo_path(p)]
        if dirs:
            paths = [p for p in paths if p in dirs or not any(p != d and under(p, d) for d in dirs)]
        if paths:
            # a photo moved between two separately watched folders arrives as create + delete, and the delete
            # can come late: sync the library paths that vanished and look like a new file, so the new file is
            # matched by content hash (and keeps its vector) instead of being embedded again
            extra = [p for p in self.target.vanished_like([p for p in paths if is_photo_path(p)]) if p not in paths]
            paths += [p for p in extra if (r := self.queue.root_of(p)) is not None and readable_dir(r)]
        rep = IndexReport()
        if paths:
            self.say(None, WatchPhase.INDEXING, 0, len(paths))
            rep = self.target.sync_paths(paths, self._keep_going(WatchPhase.INDEXING))
        rep.moved += moved
        self.done += len(paths)
        _add(self.totals, rep)
        msg = _summary("", rep)
        self.say(msg, WatchPhase.WATCHING if len(self.queue) == 0 else WatchPhase.INDEXING, self.done, self.done + len(self.queue))


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
