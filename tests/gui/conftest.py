from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from gui_helpers import watcher_threads  # noqa: E402
from PySide6.QtCore import QThreadPool  # noqa: E402

from photoseek.core.library import Library  # noqa: E402


@pytest.fixture
def app(qapp):  # noqa: ANN001 - pytest-qt's QApplication, styled like the real app
    from photoseek.gui.app import make_app

    return make_app([])


@pytest.fixture
def library(home: Path) -> Iterator[Library]:
    lib = Library()
    yield lib
    lib.close()


@pytest.fixture
def open_window(app, library: Library, qtbot) -> Iterator[Callable[[], object]]:  # noqa: ANN001
    """Opens the main window on ``library``; on teardown closes it and checks nothing is left running."""
    from photoseek.gui.main_window import MainWindow

    made: list[MainWindow] = []

    def _open() -> MainWindow:
        win = MainWindow(library)
        qtbot.addWidget(win)
        win.show()
        made.append(win)
        return win

    yield _open
    for win in made:
        win.close()  # closeEvent -> shutdown: stops timers, cancels indexing, waits for every pool
        pools = [*win.services.pools, win.indexer.pool]
        assert all(p.activeThreadCount() == 0 for p in pools), "a worker is still running"
        assert not win.searcher.debounce.isActive() and not win.searcher.refresh_timer.isActive(), \
            "a timer is still running"
        assert win.watcher.pool.activeThreadCount() == 0 and win.watcher.handle is None, "still watching"
        assert not watcher_threads(), f"watcher threads left running: {watcher_threads()}"
    QThreadPool.globalInstance().waitForDone()
