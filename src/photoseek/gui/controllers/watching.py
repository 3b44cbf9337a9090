"""Runs Library.watch while the app is open: start/stop off the GUI thread, progress back through the bridge."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from photoseek.core.domain import WatchPhase
from photoseek.core.library import WatchHandle
from photoseek.core.reports import WatchProgress
from photoseek.gui.services import Services, thread_pool

JOIN_TIMEOUT_S = 30.0


class WatchController(QObject):
    """At most one watch at a time. Signals arrive on the GUI thread.

    ``start``/``stop`` only queue work on a one-thread pool (``Library.watch`` scans folders and writes the catalog),
    so they are ordered and never block the GUI. ``shutdown`` stops and joins for real.
    """

    progress = Signal(object)  # WatchProgress (throttled; every message and phase change gets through)
    active_changed = Signal(bool)

    PROGRESS_INTERVAL_S = 0.1

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = services.library
        self.bridge = services.bridge
        self.pool = thread_pool(self, 1)  # its own: a long run never queues behind (or in front of) other work
        self.handle: WatchHandle | None = None  # touched on the pool thread only, read on the GUI thread
        self.active = False  # wanted and (being) started; GUI thread only
        self._last_emit = 0.0
        self._last_phase: str = ""
        self._last_done = 0

    # called from the watch worker thread -------------------------------------------------------------------
    def _on_progress(self, p: WatchProgress) -> None:
        now = time.monotonic()
        if (p.message or p.phase != self._last_phase or (p.phase == WatchPhase.WATCHING and p.done != self._last_done)
                or now - self._last_emit >= self.PROGRESS_INTERVAL_S):
            self._last_emit = now
            self._last_phase = p.phase
            self._last_done = p.done if p.phase == WatchPhase.WATCHING else self._last_done
            self.bridge.post(lambda a, _b: self.progress.emit(a), p)

    # GUI thread ---------------------------------------------------------------------------------------------
    def start(self, catch_up: bool = False) -> None:
        if self.active:
            return
        self.active = True
        self.active_changed.emit(True)
        lib = self.library

        def work() -> WatchHandle:
            self.handle = lib.watch(self._on_progress, catch_up=catch_up)
            return self.handle

        self.bridge.submit(self.pool, work, self._started)

    def _started(self, _handle: WatchHandle | None, error: BaseException | None) -> None:
        if error is not None:
            self.active = False
            self.active_changed.emit(False)
            self.progress.emit(WatchProgress(WatchPhase.STOPPED, 0, 0, 0, f"Not watching folders: {error}"))

    def stop(self) -> None:
        """Stop watching (the batch in hand finishes on the pool, not on the GUI thread)."""
        if not self.active:
            return
        self.active = False
        self.active_changed.emit(False)
        self.bridge.submit(self.pool, self._stop_and_join)

    def _stop_and_join(self) -> None:
        h, self.handle = self.handle, None
        if h is not None:
            h.stop()
            h.join(JOIN_TIMEOUT_S)

    def modes(self) -> dict[str, str]:
        h = self.handle
        return h.modes() if h is not None and self.active else {}

    def shutdown(self) -> None:
        """Stop watching and wait for every watcher thread."""
        self.active = False
        self.pool.waitForDone()  # a start in flight finishes first, so its handle is stopped below
        self._stop_and_join()
