"""What every part of the GUI shares: the library, the bridge back to the GUI thread, and thread pools by purpose.

Controllers, widgets and dialogs take a :class:`Services`, never the main window. One ``shutdown()`` drains every
pool it owns.
"""

from __future__ import annotations

import os
import threading

from PySide6.QtCore import QObject, QThreadPool, QTimer

from photoseek.core.library import Library, ThumbnailCache, load_model_runtime
from photoseek.gui.bridge import Bridge
from photoseek.gui.thumbnails import ThumbnailLoader

WARM_UP_AFTER_MS = 3000  # after the window's own start-up reads (its first results, the thumbnails they show)


def thread_pool(parent: QObject, threads: int) -> QThreadPool:
    """A pool owned by ``parent`` (so Qt deletes it with its owner) running at most ``threads`` jobs at once."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(threads)
    return pool


class Services(QObject):
    """The library plus pools by purpose, so a slow job of one kind never queues behind another:

    - ``queries``: one thread; the search controller clears it before each submit, so the newest query wins;
    - ``admin``: one thread for short library chores (folders, settings, status, saving a pasted image);
    - ``previews``: one thread decoding full-size images for the preview and "Copy image";
    - ``downloads``: one thread for model downloads (minutes long; stopped through :meth:`cancel_flag`);
    - ``thumbnails``: owned by :attr:`thumbs`, one or two threads reading the thumbnail cache;
    - ``warm_up``: one thread that, :data:`WARM_UP_AFTER_MS` after the window opens, reads the catalog's photo rows
      once so the OS caches them (:meth:`Library.warm_up`): each search reads its results' rows from anywhere in a
      large library.

    Index runs and folder watching have their own one-thread pools inside their controllers.
    """

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        # the model runtime loads here, while the window is built, not on a worker later (its load holds the GIL)
        load_model_runtime()
        self.bridge = Bridge(self)
        self.queries = thread_pool(self, 1)
        self.admin = thread_pool(self, 1)
        self.previews = thread_pool(self, 1)
        self.downloads = thread_pool(self, 1)
        self.warm_up = thread_pool(self, 1)
        self._cancel_flags: list[threading.Event] = []
        s = library.settings
        cache = ThumbnailCache(library.cache_dir / "thumbnails", s.thumbnail_cache_mb * 1024 * 1024)
        # leave cores for indexing and the GUI: thumbnails are small and cached on disk after the first load
        self.thumbs = ThumbnailLoader(cache, self.bridge, threads=max(1, min(2, (os.cpu_count() or 2) - 1)),
                                      parent=self)
        self.closed = False
        self.warmed: int | None = None  # photo rows the warm-up read, once it has finished
        QTimer.singleShot(WARM_UP_AFTER_MS, self, self._start_warm_up)

    def _start_warm_up(self) -> None:
        flag = self.cancel_flag()  # the window closing stops it within one step

        def done(rows: int | None, error: BaseException | None) -> None:
            self.warmed = rows if error is None else 0

        self.bridge.submit(self.warm_up, lambda: self.library.warm_up(flag), done)

    @property
    def pools(self) -> list[QThreadPool]:
        return [self.queries, self.admin, self.previews, self.downloads, self.warm_up, self.thumbs.pool]

    def cancel_flag(self) -> threading.Event:
        """A fresh flag for a long job (a download) to watch; :meth:`shutdown` sets every flag handed out."""
        flag = threading.Event()
        self._cancel_flags = [f for f in self._cancel_flags if not f.is_set()] + [flag]
        if self.closed:
            flag.set()
        return flag

    def shutdown(self) -> None:
        """Drop queued jobs, wait for running ones, then stop delivering callbacks. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        # a running download stops within one chunk and keeps its bytes; the catalog warm-up within one step
        for flag in self._cancel_flags:
            flag.set()
        jobs = (self.queries, self.admin, self.previews, self.downloads, self.warm_up)
        for pool in jobs:
            pool.clear()
        self.thumbs.shutdown()
        for pool in jobs:
            pool.waitForDone()
        self.bridge.closed = True
