"""The pages shown instead of results: the first-run page (what PhotoSeek does, one click to add ~/Pictures or
choose a folder) and the hint page (how to search; nothing matched yet)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from photoseek.gui.icon import icon_pixmap
from photoseek.gui.text import pretty_path


class EmptyPage(QWidget):
    add_requested = Signal(str)  # a folder the user chose

    def __init__(self) -> None:
        super().__init__()
        icon = QLabel()
        icon.setPixmap(icon_pixmap(112))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Welcome to PhotoSeek")
        title.setObjectName("emptyTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel("Find any photo by describing it — “dog on the beach”, “red car”, “birthday cake”.\n"
                      "Everything stays on this computer. Start by telling PhotoSeek where your photos are.")
        text.setObjectName("emptyText")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        pictures = Path.home() / "Pictures"
        self.pictures_dir = str(pictures) if pictures.is_dir() else None
        self.add_pictures_btn = QPushButton(f"Add {pretty_path(self.pictures_dir)}" if self.pictures_dir else "")
        self.add_pictures_btn.setObjectName("primary")
        self.add_pictures_btn.setVisible(bool(self.pictures_dir))
        self.add_pictures_btn.clicked.connect(lambda: self.add_requested.emit(self.pictures_dir or ""))
        choose = QPushButton("Choose a folder…")
        if not self.pictures_dir:
            choose.setObjectName("primary")
        choose.clicked.connect(self._choose_folder)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_pictures_btn)
        buttons.addWidget(choose)
        buttons.addStretch(1)
        col = QVBoxLayout(self)
        col.addStretch(2)
        col.addWidget(icon)
        col.addSpacing(8)
        col.addWidget(title)
        col.addWidget(text)
        col.addSpacing(14)
        col.addLayout(buttons)
        col.addStretch(3)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window(), "Choose a folder of photos", os.path.expanduser("~"))
        if path:
            self.add_requested.emit(path)


class HintPage(QLabel):
    def __init__(self) -> None:
        super().__init__()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setObjectName("emptyText")
        self.setWordWrap(True)

    def show_start(self) -> None:
        self.setText("Type what you remember about a photo above — or drop an image here to find photos that look "
                     "like it.")

    def show_no_match(self, indexing: bool) -> None:
        self.setText("No photos match yet." + (" More appear as indexing goes on." if indexing else ""))
