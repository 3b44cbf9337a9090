"""Lazy thumbnails for the grid: disk cache (core) -> QImage on a worker pool -> QPixmap on the GUI thread."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPixmap

from photoseek.core.domain import Photo
from photoseek.core.library import ThumbnailCache
from photoseek.gui.bridge import Bridge


def disk_size_for(cell: int) -> int:
    """Thumbnail size kept on disk for a grid cell size: two buckets keep the cache small and zoom cheap."""
    return 256 if cell <= 256 else 448


class ThumbnailLoader(QObject):
    """Hands out pixmaps for photos, loading missing ones in the background.

    ``pixmap()`` never blocks: it returns a cached pixmap or None (and queues a load). ``ready(photo_id)`` fires on
    the GUI thread when a requested thumbnail arrives.
    """

    ready = Signal(int)

    def __init__(self, cache: ThumbnailCache, bridge: Bridge, *, threads: int = 2, capacity: int = 800,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache = cache
        self.bridge = bridge
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.capacity = capacity
        self.size = 192
        self._pixmaps: OrderedDict[tuple[int, int], QPixmap] = OrderedDict()
        self._pending: set[tuple[int, int]] = set()
        self._failed: set[int] = set()

    def set_size(self, size: int) -> None:
        if size != self.size:
            self.size = size
            self.cancel_pending()

    def cancel_pending(self) -> None:
        """Drop queued (not yet started) loads, e.g. when the result list changes."""
        self.pool.clear()
        self._pending.clear()

    def failed(self, photo_id: int) -> bool:
        return photo_id in self._failed

    def pixmap(self, photo: Photo, size: int | None = None) -> QPixmap | None:
        size = size or self.size
        key = (photo.id, size)
        pm = self._pixmaps.get(key)
        if pm is not None:
            self._pixmaps.move_to_end(key)
            return pm
        if key not in self._pending and photo.id not in self._failed:
            self._pending.add(key)
            path, chash, disk = photo.path, photo.content_hash, disk_size_for(size)
            cache = self.cache

            def load() -> QImage:
                file = cache.get(path, chash, disk)
                reader = QImageReader(str(file))
                img = reader.read()
                if img.isNull():
                    raise OSError(reader.errorString())
                if max(img.width(), img.height()) > size:
                    img = img.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
                return img

            self.bridge.submit(self.pool, load, lambda img, err, k=key: self._arrived(k, img, err))
        return None

    def _arrived(self, key: tuple[int, int], img: QImage | None, err: BaseException | None) -> None:
        if key not in self._pending:  # cancelled meanwhile (new results or new size); a later request reloads
            if err is None and img is not None and key[1] == self.size:
                self._store(key, QPixmap.fromImage(img))
            return
        self._pending.discard(key)
        if err is not None or img is None:
            self._failed.add(key[0])
        else:
            self._store(key, QPixmap.fromImage(img))
        self.ready.emit(key[0])

    def _store(self, key: tuple[int, int], pm: QPixmap) -> None:
        self._pixmaps[key] = pm
        self._pixmaps.move_to_end(key)
        while len(self._pixmaps) > self.capacity:
            self._pixmaps.popitem(last=False)

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone()


def loading_tile(size: int, broken: bool = False) -> QPixmap:
    """A quiet rounded tile shown while a thumbnail loads (or a crossed one when it cannot be read)."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 0, 0, 22))
    m = size // 10
    p.drawRoundedRect(m, m, size - 2 * m, size - 2 * m, 8, 8)
    if broken:
        p.setPen(QColor(0, 0, 0, 90))
        c = size // 2
        d = size // 8
        p.drawLine(c - d, c - d, c + d, c + d)
        p.drawLine(c - d, c + d, c + d, c - d)
    p.end()
    return pm
