"""Removable chips under the search box: what narrows or steers the search besides its text (a date read from the
query, a camera, photos marked More / Less like this). Clicking a chip's × removes what it stands for."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from photoseek.core.domain import FilterKind
from photoseek.gui.controllers.search import Chip

PREFIX = {FilterKind.DATE: "Taken ", FilterKind.CAMERA: "Camera: ", FilterKind.MORE: "More like ", FilterKind.LESS: "Less like "}
MAX_TEXT = 180  # a chip's text is elided beyond this many pixels; the full text is in its tooltip
TIPS = {FilterKind.DATE: "Read from your query as a date filter. × searches without it.",
        FilterKind.CAMERA: "Read from your query as a camera filter. × searches without it.",
        FilterKind.MORE: "More like this photo. × stops steering the results towards it.",
        FilterKind.LESS: "Less like this photo. × stops steering the results away from it."}
COLOURS = {FilterKind.DATE: "#e8f0fe", FilterKind.CAMERA: "#e8f0fe", FilterKind.MORE: "#e6f4ea",
           FilterKind.LESS: "#fce8e6"}


class ChipView(QFrame):
    """One chip: icon, text, and a small × button."""

    remove_clicked = Signal()

    def __init__(self, chip: Chip) -> None:
        super().__init__()
        self.chip = chip
        self.setObjectName(f"chip_{chip.kind.value}")
        text = PREFIX[chip.kind] + chip.text
        self.setToolTip(f"{text}\n{TIPS[chip.kind]}")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setStyleSheet(f"QFrame#{self.objectName()} {{ background: {COLOURS[chip.kind]}; border: 1px solid "
                           "rgba(0,0,0,40); border-radius: 11px; } QLabel { background: transparent; color: #202124; }"
                           "QToolButton { border: none; background: transparent; color: #5f6368; font-weight: bold; }"
                           "QToolButton:hover { color: #202124; }")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(9, 1, 3, 1)
        lay.setSpacing(3)
        self.label = QLabel()
        self.label.setText(QFontMetrics(self.label.font()).elidedText(text, Qt.TextElideMode.ElideMiddle, MAX_TEXT))
        self.button = QToolButton()
        self.button.setText("×")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setToolTip("Remove")
        self.button.setAccessibleName(f"Remove {chip.text}")
        self.button.clicked.connect(self.remove_clicked)
        lay.addWidget(self.label)
        lay.addWidget(self.button)


class ChipRow(QWidget):
    """The chips of the current search, in a row; hidden while there are none."""

    removed = Signal(object)  # Chip

    def __init__(self) -> None:
        super().__init__()
        self._lay = QHBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(4)
        self.chips: list[Chip] = []
        self.views: list[ChipView] = []
        self.setVisible(False)

    def set_chips(self, chips: list[Chip]) -> None:
        if chips == self.chips:
            return
        for v in self.views:
            self._lay.removeWidget(v)
            v.deleteLater()
        self.chips = list(chips)
        self.views = []
        for chip in self.chips:
            v = ChipView(chip)
            v.remove_clicked.connect(lambda c=chip: self.removed.emit(c))
            self._lay.addWidget(v)
            self.views.append(v)
        self.setVisible(bool(self.chips))
