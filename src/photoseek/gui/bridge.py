"""One way back to the GUI thread: run a function on a pool, get ``callback(result, error)`` on the GUI thread.

Modelled on Picard's ``picard/util/thread.py``. Core callbacks (index progress, batch listeners) use
:meth:`Bridge.post` to hop threads the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any, BaseException | None], None]


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], callback: Callback | None, bridge: Bridge) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._callback = callback
        self._bridge = bridge

    def run(self) -> None:
        if self._bridge.closed:
            return
        try:
            result, error = self._fn(), None
        except BaseException as e:  # delivered to the GUI thread, never lost in a worker
            result, error = None, e
        if self._callback is not None:
            self._bridge.post(self._callback, result, error)


class Bridge(QObject):
    """Lives on the GUI thread; everything posted to it is delivered there, in order."""

    _deliver = Signal(object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.closed = False
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[Any, Any], None], a: Any = None, b: Any = None) -> None:
        """Call ``fn(a, b)`` on the GUI thread soon (safe from any thread)."""
        if not self.closed:
            self._deliver.emit(fn, a, b)

    def submit(self, pool: QThreadPool, fn: Callable[[], Any], callback: Callback | None = None) -> None:
        """Run ``fn()`` on ``pool``; ``callback(result, error)`` runs on the GUI thread afterwards."""
        if not self.closed:
            pool.start(_Task(fn, callback, self))

    @Slot(object, object, object)
    def _on_deliver(self, fn: Callable[[Any, Any], None], a: Any, b: Any) -> None:
        if self.closed:
            return
        try:
            fn(a, b)
        except Exception:  # a GUI bug in one callback must not take the event loop down
            log.exception("GUI callback failed")
