"""What the user can do with a photo: open it, show it in its folder, copy its path or pixels, preview it, find
similar ones; and what a drop or paste means (an image file or raw image data: find photos like it).

Every disk read runs on a worker; outcomes come back as signals. Pasted image data is saved to the app's cache
(never to a photo folder) so the core can search by its path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMimeData, QObject, QProcess, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage, QImageReader
from PySide6.QtWidgets import QMenu, QWidget

from photoseek.core.domain import FilterKind, SearchHit
from photoseek.core.errors import PhotoSeekError
from photoseek.core.library import is_photo_path
from photoseek.gui.services import Services

PASTED_IMAGE = "pasted-image.png"


class ActionError(PhotoSeekError):
    """The desktop could not do what the user asked (no application for a file type, no file manager)."""


def load_image(path: str, box: int = 1600) -> QImage:
    """Decode for display on a worker: EXIF orientation applied, reduced to fit ``box``."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > box:
        reader.setScaledSize(size.scaled(QSize(box, box), Qt.AspectRatioMode.KeepAspectRatio))
    img = reader.read()
    if img.isNull():
        raise OSError(f"cannot open image: {reader.errorString()}")
    return img


def image_paths(md: QMimeData) -> list[str]:
    """Photo files named by dragged/pasted data: file URLs, or lines of plain text that are paths."""
    paths = [u.toLocalFile() for u in md.urls() if u.isLocalFile()] if md.hasUrls() else []
    if not paths and md.hasText():
        paths = [line.strip().strip('"') for line in md.text().splitlines() if line.strip()]
        paths = [p[7:] if p.startswith("file://") else p for p in paths]
    return [p for p in paths if is_photo_path(p)]


def accepts(md: QMimeData) -> bool:
    """Whether a drag carries something :meth:`PhotoActions.use_mime` can search with."""
    return bool(image_paths(md)) or md.hasImage()


class PhotoActions(QObject):
    similar_requested = Signal(object, str)  # (photo id or image path, label)
    steer_requested = Signal(object, object)  # (SearchHit, FilterKind.MORE or LESS): More / Less like this
    failed = Signal(object)  # exception
    notice = Signal(str, int)  # a short confirmation for the status bar, and for how many ms

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services

    def open_file(self, path: str) -> bool:
        """Open with the desktop's default application; False when none is set up."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def show_in_folder(self, path: str) -> bool:
        """Open the file manager at the photo (selected where the platform allows it)."""
        if sys.platform == "darwin":
            return QProcess.startDetached("open", ["-R", path])
        if sys.platform == "win32":
            return QProcess.startDetached("explorer", ["/select,", os.path.normpath(path)])
        return QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))

    def copy_path(self, path: str) -> None:
        QGuiApplication.clipboard().setText(path)

    def copy_image(self, path: str) -> None:
        """Decode on the previews pool, then put the pixels on the clipboard."""

        def done(img: QImage | None, error: BaseException | None) -> None:
            if error is not None or img is None:
                self.failed.emit(error or OSError("cannot read image"))
                return
            QGuiApplication.clipboard().setImage(img)
            self.notice.emit(f"Copied {os.path.basename(path)}", 3000)

        self.services.bridge.submit(self.services.previews, lambda: load_image(path, 4096), done)

    def menu(self, hit: SearchHit, preview: Callable[[], Any], parent: QWidget, steer: bool = False) -> QMenu:
        """The right-click menu for one result; ``steer`` offers More / Less like this (a search is showing)."""
        path = hit.photo.path
        name = os.path.basename(path)
        menu = QMenu(parent)
        a = menu.addAction("Find similar", lambda: self.similar_requested.emit(hit.photo.id, name))
        a.setObjectName("find_similar")
        if steer:
            more = menu.addAction("More like this", lambda: self.steer_requested.emit(hit, FilterKind.MORE))
            more.setObjectName("more_like_this")
            more.setToolTip("Re-rank the results towards this photo; the query text stays")
            less = menu.addAction("Less like this", lambda: self.steer_requested.emit(hit, FilterKind.LESS))
            less.setObjectName("less_like_this")
            less.setToolTip("Re-rank the results away from this photo; the query text stays")
        menu.addSeparator()
        menu.addAction("Open", lambda: self.open(path)).setObjectName("open")
        menu.addAction("Show in folder", lambda: self.reveal(path)).setObjectName("show_in_folder")
        menu.addAction("Preview", preview).setObjectName("preview")
        menu.addSeparator()
        menu.addAction("Copy path", lambda: self.copy_path(path)).setObjectName("copy_path")
        menu.addAction("Copy image", lambda: self.copy_image(path)).setObjectName("copy_image")
        return menu

    def paste(self) -> None:
        md = QGuiApplication.clipboard().mimeData()
        if md is None or not self.use_mime(md):
            self.notice.emit("Paste an image or the path of an image to find similar photos", 4000)

    def use_mime(self, md: QMimeData) -> bool:
        """An image file (URL or path) or raw image data: find photos similar to it. False when it is neither."""
        paths = image_paths(md)
        if paths:
            self.similar_requested.emit(paths[0], os.path.basename(paths[0]))
            return True
        if not md.hasImage():
            return False
        img = QImage(md.imageData())
        if img.isNull():
            return False
        target = str(self.services.library.cache_dir / PASTED_IMAGE)

        def save() -> str:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not img.save(target, "PNG"):
                raise OSError(f"cannot save the pasted image to {target}")
            return target

        self.services.bridge.submit(self.services.admin, save, self._saved)
        return True

    def _saved(self, path: str | None, error: BaseException | None) -> None:
        if error is not None or path is None:
            self.failed.emit(error or OSError("cannot save the pasted image"))
        else:
            self.similar_requested.emit(path, "the pasted image")

    def open(self, path: str) -> None:
        """Open with the default application, or say why not (``failed``)."""
        if not self.open_file(path):
            self.failed.emit(ActionError(f"Could not open {os.path.basename(path)}",
                                         "No application is set up to open this kind of file."))

    def reveal(self, path: str) -> None:
        """Show in the file manager, or say why not (``failed``)."""
        if not self.show_in_folder(path):
            self.failed.emit(ActionError(f"Could not show {os.path.dirname(path)}", "Is a file manager installed?"))
