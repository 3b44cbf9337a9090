from __future__ import annotations

import threading
from pathlib import Path


def wait_indexed(qtbot, win, timeout: int = 20000) -> None:  # noqa: ANN001
    """Wait until the window's index run (started asynchronously after the folder list loads) has finished."""
    qtbot.waitUntil(lambda: win.indexer.completed > 0 and not win.indexer.running, timeout=timeout)


def first_name(win) -> str:  # noqa: ANN001
    hit = win.model.hit(0)
    return Path(hit.photo.path).name if hit else ""


def watcher_threads() -> list[str]:
    """Live threads that belong to folder watching: watchdog's observers/emitters and the core's own."""
    return [t.name for t in threading.enumerate() if t.is_alive() and (
        t.name.startswith("photoseek") or type(t).__module__.split(".")[0] == "watchdog")]
