"""Runs Library.repair off the GUI thread (salvage, rebuild the vector index, re-embed what was lost).

Used before the library is open (a damaged catalog may not open at all), so it owns its bridge and pool instead of
taking :class:`~photoseek.gui.services.Services`.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Signal

from photoseek.core.library import Library
from photoseek.core.reports import IndexProgress, RepairReport
from photoseek.gui.bridge import Bridge
from photoseek.gui.services import thread_pool


class RepairController(QObject):
    """One repair of the library in ``home``. Signals arrive on the GUI thread."""

    step = Signal(str)  # a line of what the salvage is doing
    progress = Signal(object)  # IndexProgress of the re-index that follows
    finished = Signal(object)  # RepairReport
    failed = Signal(object)  # exception

    def __init__(self, home: str | os.PathLike[str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.bridge = Bridge(self)
        self.pool = thread_pool(self, 1)
        self.running = False
        self._keep_going = True

    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self._keep_going = True
        home = self.home
        self.bridge.submit(self.pool, lambda: Library.repair(home, self._on_progress, log=self._on_step), self._done)

    def stop(self) -> None:
        """Stop the re-index after its current batch (the salvaged catalog is already in place)."""
        self._keep_going = False

    def shutdown(self) -> None:
        self.stop()
        self.pool.waitForDone()
        self.bridge.closed = True

    # worker thread --------------------------------------------------------------------------------------------
    def _on_step(self, line: str) -> None:
        self.bridge.post(lambda a, _b: self.step.emit(a), line)

    def _on_progress(self, p: IndexProgress) -> bool:
        self.bridge.post(lambda a, _b: self.progress.emit(a), p)
        return self._keep_going

    # GUI thread -----------------------------------------------------------------------------------------------
    def _done(self, report: RepairReport | None, error: BaseException | None) -> None:
        self.running = False
        if error is not None:
            self.failed.emit(error)
        else:
            self.finished.emit(report)
