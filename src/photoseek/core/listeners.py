"""Listeners: a thread-safe set of callbacks that a front end adds and removes, called in the order added."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Listeners(Generic[T]):
    """Callbacks taking one argument. A callback that raises is logged and never stops the caller or the others."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fns: list[Callable[[T], None]] = []

    def add(self, fn: Callable[[T], None]) -> None:
        with self._lock:
            self._fns.append(fn)

    def remove(self, fn: Callable[[T], None]) -> None:
        """Stop calling ``fn`` (no error when it was not added)."""
        with self._lock:
            if fn in self._fns:
                self._fns.remove(fn)

    def __len__(self) -> int:
        with self._lock:
            return len(self._fns)

    def __call__(self, value: T) -> None:
        with self._lock:
            fns = list(self._fns)  # called outside the lock: a callback may add or remove listeners
        for fn in fns:
            try:
                fn(value)
            except Exception:  # a front end's bug must not stop the work that notifies it
                log.exception("listener %r failed", fn)
