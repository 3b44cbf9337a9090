"""Finding near-duplicates for the Duplicates view, off the GUI thread.

The first look at an older library may hash many photos from disk, so it runs on a pool of its own (not the admin
pool that folder and settings chores share), reports how far it got, and stops when asked.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from photoseek.core.reports import DuplicateGroup
from photoseek.gui.services import Services, thread_pool


class DuplicatesController(QObject):
    """``load()`` looks for groups; exactly one of ``loaded`` / ``failed`` answers each load that is not replaced
    by a newer one or cancelled."""

    loaded = Signal(object)  # list[DuplicateGroup], the most bytes to spare first
    progress = Signal(int, int)  # photos checked, photos to check (only while photos are hashed from disk)
    failed = Signal(object)  # exception

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pool = thread_pool(self, 1)
        self.groups: list[DuplicateGroup] | None = None
        self.running = False
        self._gen = 0
        self._stop = threading.Event()

    def load(self) -> None:
        """Look again (the library may have changed); a load already running is abandoned."""
        self._stop.set()
        self._gen += 1
        gen = self._gen
        stop = self._stop = threading.Event()
        self.running = True
        bridge = self.services.bridge
        lib = self.services.library

        def step(done: int, total: int) -> bool:
            bridge.post(lambda *_: self._progress(gen, done, total))
            return not stop.is_set()

        bridge.submit(self.pool, lambda: lib.duplicates.groups(progress=step), lambda r, e: self._done(gen, r, e))

    def cancel(self) -> None:
        self._stop.set()
        self._gen += 1
        self.running = False

    def shutdown(self) -> None:
        """Stop looking and wait for the worker. Safe to call twice."""
        self.cancel()
        self.pool.clear()
        self.pool.waitForDone()

    def _progress(self, gen: int, done: int, total: int) -> None:
        if gen == self._gen:
            self.progress.emit(done, total)

    def _done(self, gen: int, groups: list[DuplicateGroup] | None, error: BaseException | None) -> None:
        if gen != self._gen:
            return
        self.running = False
        if error is not None:
            self.failed.emit(error)
            return
        self.groups = groups or []
        self.loaded.emit(self.groups)
