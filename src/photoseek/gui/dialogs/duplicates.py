"""The Duplicates view: groups of near-duplicates side by side, the best copy first, each copy with its size, date
and folder, and "Show in folder" / "Open". PhotoSeek deletes nothing: the user decides in their file manager.

Groups come from :class:`~photoseek.gui.controllers.duplicates.DuplicatesController` (a worker); thumbnails from a
loader of the view's own, so the result grid's loads and this view's never cancel each other.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QFontMetrics, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from photoseek.core.domain import Photo, PhotoState
from photoseek.core.reports import DuplicateGroup
from photoseek.gui.actions import PhotoActions
from photoseek.gui.controllers.duplicates import DuplicatesController
from photoseek.gui.services import Services
from photoseek.gui.text import describe_error, duplicates_header, human_size, photo_lines, pretty_path
from photoseek.gui.thumbnails import ThumbnailLoader, loading_tile

THUMB = 176
MAX_GROUPS = 300  # shown at once; the header still counts them all


class PhotoCard(QFrame):
    """One copy: thumbnail, name, size and date, folder, and what the user can do with it."""

    show_requested = Signal(str)  # path
    open_requested = Signal(str)

    def __init__(self, photo: Photo, best: bool) -> None:
        super().__init__()
        self.photo = photo
        self.setObjectName("bestCard" if best else "copyCard")
        self.setFixedWidth(THUMB + 24)
        self.image = QLabel()
        self.image.setFixedSize(THUMB, THUMB)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setPixmap(loading_tile(THUMB))
        self.badge = QLabel("Best copy" if best else "Copy")
        self.badge.setObjectName("bestBadge" if best else "muted")
        name = QLabel()
        name.setObjectName("cardTitle")
        width = THUMB
        name.setText(QFontMetrics(name.font()).elidedText(os.path.basename(photo.path), Qt.TextElideMode.ElideMiddle,
                                                          width))
        facts = QLabel("\n".join(photo_lines(photo)))
        folder = QLabel(QFontMetrics(name.font()).elidedText(pretty_path(os.path.dirname(photo.path)),
                                                             Qt.TextElideMode.ElideMiddle, width))
        for w in (facts, folder):
            w.setObjectName("muted")
        self.setToolTip(photo.path + ("\noffline: its folder cannot be reached" if photo.state == PhotoState.OFFLINE
                                      else ""))
        show = QPushButton("Show in folder")
        show.setObjectName("show_in_folder")
        show.clicked.connect(lambda: self.show_requested.emit(photo.path))
        opener = QPushButton("Open")
        opener.setObjectName("open")
        opener.clicked.connect(lambda: self.open_requested.emit(photo.path))
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(show)
        buttons.addWidget(opener)
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        col.setSpacing(3)
        col.addWidget(self.image)
        col.addWidget(self.badge)
        for w in (name, facts, folder):
            col.addWidget(w)
        col.addLayout(buttons)

    def set_pixmap(self, pm: QPixmap | None) -> None:
        self.image.setPixmap(pm if pm is not None else loading_tile(THUMB, broken=True))


class GroupRow(QFrame):
    """One group: a title line, then its copies side by side."""

    def __init__(self, number: int, group: DuplicateGroup) -> None:
        super().__init__()
        self.setObjectName("duplicateGroup")
        title = QLabel(f"{number}. {os.path.basename(group.best.path)} · {len(group.photos)} copies · the others take "
                       f"{human_size(group.extra_bytes)}")
        title.setObjectName("groupTitle")
        self.cards = [PhotoCard(p, i == 0) for i, p in enumerate(group.photos)]
        row = QHBoxLayout()
        row.setSpacing(8)
        for c in self.cards:
            row.addWidget(c)
        row.addStretch(1)
        col = QVBoxLayout(self)
        col.setContentsMargins(4, 8, 4, 8)
        col.addWidget(title)
        col.addLayout(row)


class DuplicatesDialog(QDialog):
    def __init__(self, services: Services, controller: DuplicatesController, actions: PhotoActions,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.controller = controller
        self.actions = actions
        self.setObjectName("duplicates")
        self.setWindowTitle("Duplicates")
        self.resize(1000, 720)
        self.thumbs = ThumbnailLoader(services.thumbs.cache, services.bridge, threads=1, parent=self)
        self.thumbs.set_size(THUMB)
        self.thumbs.ready.connect(self._thumb_ready)
        self.header = QLabel()
        self.header.setObjectName("header")
        self.header.setWordWrap(True)
        self.again = QPushButton("Look again")
        self.again.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.again)
        self.body = QWidget()
        self.rows = QVBoxLayout(self.body)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.body)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.scroll, 1)
        self.cards: dict[int, PhotoCard] = {}
        controller.loaded.connect(self.show_groups)
        controller.progress.connect(self._progress)
        controller.failed.connect(self._failed)
        if controller.groups is not None and not controller.running:
            self.show_groups(controller.groups)
        self.refresh()

    def refresh(self) -> None:
        """Look again; what is shown stays until the new answer comes."""
        self.header.setText("Looking for near-duplicates…" if not self.cards else self.header.text())
        self.again.setEnabled(False)
        self.controller.load()

    def show_groups(self, groups: list[DuplicateGroup]) -> None:
        self.again.setEnabled(True)
        self.thumbs.cancel_pending()
        while self.rows.count() > 1:
            item = self.rows.takeAt(0)
            if item is not None and (w := item.widget()) is not None:
                w.deleteLater()
        self.cards = {}
        more = f" Showing the first {MAX_GROUPS}." if len(groups) > MAX_GROUPS else ""
        self.header.setText(duplicates_header(groups) + more)
        for n, g in enumerate(groups[:MAX_GROUPS], 1):
            row = GroupRow(n, g)
            self.rows.insertWidget(self.rows.count() - 1, row)
            for card in row.cards:
                self.cards[card.photo.id] = card
                card.show_requested.connect(self.actions.reveal)
                card.open_requested.connect(self.actions.open)
                pm = self.thumbs.pixmap(card.photo)
                if pm is not None:
                    card.set_pixmap(pm)

    def _thumb_ready(self, photo_id: int) -> None:
        card = self.cards.get(photo_id)
        if card is not None:
            card.set_pixmap(self.thumbs.pixmap(card.photo))

    def _progress(self, done: int, total: int) -> None:
        if total and done < total:
            self.header.setText(f"Looking for near-duplicates… checking {done:,} of {total:,} photos")

    def _failed(self, error: BaseException) -> None:
        self.again.setEnabled(True)
        msg, hint = describe_error(error)
        self.header.setText(f"Could not look for near-duplicates: {msg}" + (f" {hint}" if hint else ""))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.controller.cancel()
        self.thumbs.shutdown()
        super().closeEvent(event)
