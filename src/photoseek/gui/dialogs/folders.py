"""The Folders dialog: library folders with photo and error counts and watch state, every file that could not be
indexed with its reason, and Add / Remove."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photoseek.core.domain import Folder, WatchMode
from photoseek.core.reports import LibraryStatus, WatchProgress
from photoseek.gui.controllers.folders import FoldersController
from photoseek.gui.controllers.indexing import IndexController
from photoseek.gui.controllers.watching import WatchController
from photoseek.gui.services import Services
from photoseek.gui.text import describe_error

MAX_PROBLEMS = 2000  # listed; the label still counts them all


def watch_item(folder: Folder, reason: str) -> QTableWidgetItem:
    """The Watching cell: "live" (file system events), "polling" (why, as the tooltip), "offline" or "—"."""
    if not folder.online:
        item = QTableWidgetItem("offline")
        item.setToolTip("The folder cannot be reached; its photos are kept and it is watched again when it returns.")
    elif folder.watch_mode == WatchMode.EVENTS:
        item = QTableWidgetItem("live")
        item.setToolTip("New and changed photos are indexed as soon as they appear.")
    elif folder.watch_mode == WatchMode.POLLING:
        item = QTableWidgetItem("polling")
        item.setToolTip(f"Checked every few seconds: {reason}" if reason else "Checked every few seconds.")
    else:
        item = QTableWidgetItem("—")
        item.setToolTip("Not watched now (paused, or the app is still catching up).")
    return item


class FoldersDialog(QDialog):
    def __init__(self, services: Services, folders: FoldersController, indexer: IndexController,
                 watcher: WatchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.folders = folders
        self.setWindowTitle("Folders")
        self.resize(760, 520)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Folder", "Photos", "Errors", "State", "Watching"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3, 4):
            self.table.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems = QListWidget()
        self.problems.setAlternatingRowColors(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("muted")
        add = QPushButton("Add folder…")
        add.setObjectName("primary")
        add.clicked.connect(self._choose)
        self.remove_btn = QPushButton("Remove")
        self.remove_btn.clicked.connect(self._remove_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove_btn)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("PhotoSeek reads these folders and never changes anything in them."))
        lay.addWidget(self.table, 3)
        self.problems_label = QLabel("Files that could not be indexed")
        lay.addWidget(self.problems_label)
        lay.addWidget(self.problems, 2)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        self.status: LibraryStatus | None = None
        indexer.finished.connect(self._changed)  # counts change as photos are indexed
        watcher.active_changed.connect(self._changed)  # watch modes come and go
        watcher.progress.connect(self._watch_progress)
        self.refresh()

    def _changed(self, _what: object) -> None:
        self.refresh()

    def _watch_progress(self, p: WatchProgress) -> None:
        if p.message:  # a folder went offline or came back, a batch landed, a folder switched to polling
            self.refresh()

    def refresh(self) -> None:
        lib = self.services.library
        self.services.bridge.submit(self.services.admin, lambda: (lib.status(), lib.watch_reasons()), self._fill)

    def _fill(self, result: tuple[LibraryStatus, dict[str, str]] | None, error: BaseException | None) -> None:
        if error is not None or result is None:
            self._say_error(error or RuntimeError("no status"))
            return
        status, reasons = result
        self.status = status
        self.table.setRowCount(len(status.folders))
        for row, f in enumerate(status.folders):
            item = QTableWidgetItem(f.path)
            item.setData(Qt.ItemDataRole.UserRole, f.path)
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem(f"{f.photo_count:,}"))
            self.table.setItem(row, 2, QTableWidgetItem(f"{f.error_count:,}"))
            self.table.setItem(row, 3, QTableWidgetItem("online" if f.online else "offline or missing"))
            self.table.setItem(row, 4, watch_item(f, reasons.get(f.path, "")))
        self.problems.clear()
        for prob in status.problems[:MAX_PROBLEMS]:
            self.problems.addItem(f"{os.path.basename(prob.path) or prob.path} — {prob.reason}    ({prob.path})")
        self.problems_label.setText(f"Files that could not be indexed ({len(status.problems):,})")

    def _choose(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder of photos", os.path.expanduser("~"))
        if path:
            self.add_path(path)

    def add_path(self, path: str) -> None:
        """Add a folder (on a worker); the controller refreshes the folder list and starts indexing."""
        self.message.setText(f"Adding {path}…")
        self.folders.add(path, reply=self._added)

    def _added(self, folder: Any, error: BaseException | None) -> None:
        if error is not None:
            self._say_error(error)
            return
        self.message.setText(f"Added {folder.path}. Indexing has started; you can search while it runs.")
        self.refresh()

    def _remove_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        for r in sorted(rows):
            self.remove_path(self.table.item(r, 0).data(Qt.ItemDataRole.UserRole))

    def remove_path(self, path: str) -> None:
        self.message.setText(f"Removing {path}… (your files are not touched)")
        self.folders.remove(path, reply=self._removed)

    def _removed(self, _path: Any, error: BaseException | None) -> None:
        if error is not None:
            self._say_error(error)
            return
        self.message.setText("Folder removed from the library. The photos themselves were not touched.")
        self.refresh()

    def _say_error(self, error: BaseException) -> None:
        msg, hint = describe_error(error)
        self.message.setText(f"<b>{msg}</b>" + (f"<br>{hint}" if hint else ""))
