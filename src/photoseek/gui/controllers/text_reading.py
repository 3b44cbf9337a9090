"""Runs the OCR pass (Library.text.read) off the GUI thread, after index runs, never beside one.

Like the index controller: pausing makes the progress callback return False (the pass stops after the photo in
hand; what is read stays), and a new run resumes with what is still pending.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from photoseek.core.library import Library
from photoseek.core.reports import IndexProgress, TextPassReport
from photoseek.gui.bridge import Bridge
from photoseek.gui.services import thread_pool


class TextReadingController(QObject):
    """One OCR pass at a time. Signals arrive on the GUI thread."""

    progress = Signal(object)  # IndexProgress with phase READING_TEXT (throttled)
    finished = Signal(object)  # TextPassReport
    failed = Signal(object)  # exception
    running_changed = Signal(bool)

    PROGRESS_INTERVAL_S = 0.25

    def __init__(self, library: Library, bridge: Bridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.pool = thread_pool(self, 1)
        self.running = False
        self._keep_going = True
        self._again = False
        self._last_emit = 0.0

    @property
    def enabled(self) -> bool:
        return self.library.text.enabled and not self.library.read_only

    def _on_progress(self, p: IndexProgress) -> bool:  # the pass's thread
        now = time.monotonic()
        if p.done >= p.total or now - self._last_emit >= self.PROGRESS_INTERVAL_S:
            self._last_emit = now
            self.bridge.post(lambda a, _b: self.progress.emit(a), p)
        return self._keep_going and self.library.text.enabled  # turned off in Settings: stop at the next photo

    def start(self) -> None:
        """Read what is pending; when a pass is already running, run one more after it (new photos came in)."""
        if not self.enabled:
            return
        if self.running:
            self._again = self._keep_going
            return
        self.running = True
        self._keep_going = True
        self.running_changed.emit(True)
        self.bridge.submit(self.pool, lambda: self.library.text.read(self._on_progress), self._done)

    def pause(self) -> None:
        """Stop after the photo in hand (the main index run or the user wants the machine)."""
        self._again = False
        if self.running:
            self._keep_going = False

    def _done(self, report: TextPassReport | None, error: BaseException | None) -> None:
        self.running = False
        self.running_changed.emit(False)
        if error is not None:
            self.failed.emit(error)
        elif report is not None:
            self.finished.emit(report)
        if self._again:
            self._again = False
            self.start()

    def shutdown(self) -> None:
        self.pause()
        self.pool.waitForDone()
