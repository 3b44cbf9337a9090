"""A large view of one result; Left/Right move through the results, Esc closes."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from photoseek.gui.actions import load_image
from photoseek.gui.services import Services
from photoseek.gui.text import describe_error, photo_facts
from photoseek.gui.widgets.image_label import ImageLabel
from photoseek.gui.widgets.results_model import ResultsModel


class PreviewDialog(QDialog):
    """Shows the grid thumbnail at once and the full image (decoded on the previews pool) when it arrives."""

    row_shown = Signal(int)  # the grid should select this row too

    def __init__(self, services: Services, results: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.results = results
        self.setObjectName("preview")
        self.setWindowTitle("Preview")
        self.resize(1000, 720)
        self.image = ImageLabel()
        self.title = QLabel()
        self.title.setObjectName("detailsTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel()
        self.facts.setObjectName("muted")
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setWordWrap(True)
        hint = QLabel("← → previous / next    Esc close")
        hint.setObjectName("muted")
        info = QVBoxLayout()
        info.addWidget(self.title)
        info.addWidget(self.facts)
        info.addStretch(1)
        info.addWidget(hint)
        side = QWidget()
        side.setLayout(info)
        side.setFixedWidth(280)
        lay = QHBoxLayout(self)
        lay.addWidget(self.image, 1)
        lay.addWidget(side)
        self.row = -1
        self._want: str | None = None

    def show_row(self, row: int) -> None:
        hit = self.results.hit(row)
        if hit is None:
            return
        self.row = row
        self.row_shown.emit(row)
        p = hit.photo
        self.title.setText(os.path.basename(p.path))
        self.facts.setText("".join(f"<p><b>{k}</b><br>{v}</p>" for k, v in photo_facts(hit)))
        self.image.set_pixmap(self.services.thumbs.pixmap(p))  # the grid thumbnail at once
        self._want = path = p.path
        self.services.bridge.submit(self.services.previews, lambda: load_image(path),
                                    lambda img, err: self._loaded(path, img, err))

    def _loaded(self, path: str, img: QImage | None, error: BaseException | None) -> None:
        if path != self._want:
            return
        if error is not None or img is None:
            msg, _ = describe_error(error) if error else ("cannot open image", None)
            self.image.set_pixmap(None)
            self.image.setText(msg)
            return
        self.image.set_pixmap(QPixmap.fromImage(img))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Space):
            if (row := self.results.photo_row(self.row, +1)) is not None:  # steps over the divider
                self.show_row(row)
        elif event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Backspace):
            if (row := self.results.photo_row(self.row, -1)) is not None:
                self.show_row(row)
        else:
            super().keyPressEvent(event)
