"""The one-time offer above the results: search runs offline with the basic model; CLIP gives much better results.

The models controller decides when it is due (and records that it was shown); this widget only draws it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from photoseek.gui.controllers.models import ClipOffer
from photoseek.gui.text import human_size
from photoseek.gui.widgets.message_bar import dismiss_button


class ClipBanner(QFrame):
    open_requested = Signal()  # the user wants Settings -> Models

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("clipBanner")
        self.text = QLabel()
        self.text.setObjectName("bannerText")
        self.text.setWordWrap(True)
        self.button = QPushButton()
        self.button.setObjectName("primary")
        self.button.clicked.connect(self.open_requested)
        self.button.clicked.connect(self.hide)
        self.close_button = dismiss_button(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_offer(self, offer: ClipOffer) -> None:
        self.text.setText("Search works offline with the basic built-in model. For much better results, download "
                          f"CLIP ({human_size(offer.download_bytes)}).")
        self.button.setText("Get CLIP…")
        self.button.setToolTip(f"Settings → Models: {offer.name}, the recommended model")
        self.show()
