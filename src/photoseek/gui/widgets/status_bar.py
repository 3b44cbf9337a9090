"""The status bar: what indexing and watching are doing, a progress bar, Pause/Resume, and the zoom slider."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QSlider, QStatusBar, QToolButton, QWidget

from photoseek.gui.widgets.results import MAX_CELL, MIN_CELL


class StatusBar(QStatusBar):
    pause_clicked = Signal()
    zoom_changed = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setSizeGripEnabled(False)
        self.progress_label = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(160)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.pause_btn = QToolButton()
        self.pause_btn.setText("Pause")
        self.pause_btn.hide()
        self.pause_btn.clicked.connect(self.pause_clicked)
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setRange(MIN_CELL, MAX_CELL)
        self.zoom.setFixedWidth(120)
        self.zoom.setToolTip("Thumbnail size (Ctrl + mouse wheel)")
        self.zoom.valueChanged.connect(self.zoom_changed)
        self.addWidget(self.progress_label, 1)
        self.addPermanentWidget(self.progress_bar)
        self.addPermanentWidget(self.pause_btn)
        zoom_label = QLabel("Size")
        zoom_label.setObjectName("muted")
        self.addPermanentWidget(zoom_label)
        self.addPermanentWidget(self.zoom)
        # hidden on the first-run page, where there is nothing to zoom yet
        self.library_controls: list[QWidget] = [zoom_label, self.zoom]

    def set_text(self, text: str) -> None:
        self.progress_label.setText(text)

    def set_bar(self, bar: tuple[int, int] | None) -> None:
        """``(done, total)``; total 0 shows a busy bar; None hides it."""
        if bar is None:
            self.progress_bar.hide()
            return
        done, total = bar
        self.progress_bar.setRange(0, total)
        if total:
            self.progress_bar.setValue(done)
        self.progress_bar.show()

    def set_pause(self, visible: bool, paused: bool) -> None:
        self.pause_btn.setVisible(visible)
        self.pause_btn.setText("Resume" if paused else "Pause")
        self.pause_btn.setToolTip("Index new photos again" if paused else
                                  "Stop indexing and watching folders until you resume")

    def set_zoom(self, size: int) -> None:
        """Move the slider without announcing it (the grid already has this size)."""
        if self.zoom.value() != size:
            self.zoom.blockSignals(True)
            self.zoom.setValue(size)
            self.zoom.blockSignals(False)
