"""Runs Library.index off the GUI thread, with pause (cancel via the progress callback) and resume (a new run)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from photoseek.core.domain import IndexPhase
from photoseek.core.reports import IndexProgress, IndexReport
from photoseek.gui.services import Services, thread_pool


class IndexController(QObject):
    """One index run at a time. Signals arrive on the GUI thread.

    Pausing makes the progress callback return False, so the core stops after the batch in flight; everything
    committed so far stays, and resuming starts a new run that skips what already has vectors.
    """

    progress = Signal(object)  # IndexProgress (throttled)
    finished = Signal(object)  # IndexReport
    failed = Signal(object)  # exception
    batch_indexed = Signal(list)  # photo ids that just became searchable
    running_changed = Signal(bool)

    PROGRESS_INTERVAL_S = 0.1

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library = services.library
        self.bridge = services.bridge
        self.pool = thread_pool(self, 1)  # its own: a long run never queues behind (or in front of) other work
        self.running = False
        self.paused = False
        self._keep_going = True
        self._again = False
        self._last_emit = 0.0
        self._last_step: tuple[IndexPhase, bool] | None = None
        self.completed = 0  # runs finished (cancelled or not), for callers that wait on the first one
        library.add_listener(self._on_batch)  # called from the indexing thread

    # called from the indexing thread ------------------------------------------------------------------------
    def _on_batch(self, ids: list[int]) -> None:
        self.bridge.post(lambda a, _b: self.batch_indexed.emit(a), list(ids))

    def _on_progress(self, p: IndexProgress) -> bool:
        now = time.monotonic()
        step = (p.phase, p.switching)  # a new step is always shown, however soon after the last report
        if p.phase == IndexPhase.DONE or step != self._last_step or now - self._last_emit >= self.PROGRESS_INTERVAL_S:
            self._last_emit, self._last_step = now, step
            self.bridge.post(lambda a, _b: self.progress.emit(a), p)
        return self._keep_going

    # GUI thread ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start a run, or queue one more after the current run (new folder added while indexing)."""
        if self.running:
            self._again = True
            return
        self.running = True
        self.paused = False
        self._keep_going = True
        self.running_changed.emit(True)
        lib = self.library
        self.bridge.submit(self.pool, lambda: lib.index(self._on_progress), self._done)

    def pause(self) -> None:
        if self.running:
            self.paused = True
            self._again = False
            self._keep_going = False

    def resume(self) -> None:
        self.paused = False
        self.start()

    def _done(self, report: IndexReport | None, error: BaseException | None) -> None:
        self.running = False
        self.completed += 1
        self.running_changed.emit(False)
        if error is not None:
            self.failed.emit(error)
        elif report is not None:
            self.finished.emit(report)
        if self._again and not self.paused:
            self._again = False
            self.start()

    def shutdown(self) -> None:
        """Stop the run (after its current batch) and wait for it; queued callbacks are dropped by the bridge."""
        self._again = False
        self._keep_going = False
        self.pool.waitForDone()
