"""The pane beside the grid: the selected photo larger, its name and facts."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout

from photoseek.core.domain import PhotoState, SearchHit
from photoseek.gui.text import photo_facts
from photoseek.gui.thumbnails import ThumbnailLoader
from photoseek.gui.widgets.image_label import ImageLabel

IMAGE_SIZE = 256


class DetailsPane(QFrame):
    def __init__(self, thumbs: ThumbnailLoader) -> None:
        super().__init__()
        self.thumbs = thumbs
        self.setObjectName("details")
        self.image = ImageLabel()
        self.title = QLabel("No photo selected")
        self.title.setObjectName("detailsTitle")
        self.title.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setObjectName("muted")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 14, 14, 14)
        self.image.setMinimumWidth(160)
        self.image.setFixedHeight(220)
        # Ignored (the base policy) would let the layout hand out no height at all and stack text over the image
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        lay.addWidget(self.image)
        lay.addSpacing(6)
        lay.addWidget(self.title)
        lay.addWidget(self.facts)
        lay.addStretch(1)
        self.hit: SearchHit | None = None
        thumbs.ready.connect(self.thumb_ready)

    @property
    def photo_id(self) -> int | None:
        return self.hit.photo.id if self.hit is not None else None

    def show_hit(self, hit: SearchHit | None) -> None:
        self.hit = hit
        if hit is None:
            self.image.set_pixmap(None)
            self.title.setText("No photo selected")
            self.facts.setText("Select a photo to see its details. Double-click or press Enter for a large preview.")
            return
        offline = " (offline: its folder cannot be reached)" if hit.photo.state == PhotoState.OFFLINE else ""
        self.title.setText(os.path.basename(hit.photo.path) + offline)
        self.facts.setText("".join(f"<p style='margin:0 0 6px 0'><b>{k}</b><br>{v}</p>" for k, v in photo_facts(hit)))
        self.image.set_pixmap(self.thumbs.pixmap(hit.photo, IMAGE_SIZE))

    def thumb_ready(self, photo_id: int) -> None:
        if self.hit is not None and photo_id == self.hit.photo.id:
            self.image.set_pixmap(self.thumbs.pixmap(self.hit.photo, IMAGE_SIZE))
