"""The toolbar: search box with the search's chips beside it, folder / camera / date / sort filters, and the
Duplicates…, Folders… and Settings… buttons."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from photoseek.core.domain import Folder, Sort
from photoseek.gui.controllers.search import Filters, SearchController
from photoseek.gui.widgets.chips import ChipRow

PLACEHOLDER = "Search your photos — e.g. sunset over mountains"
NO_DATE = QDate(1900, 1, 1)
SORTS = [("Best match", Sort.RELEVANCE), ("Newest first", Sort.NEWEST), ("Oldest first", Sort.OLDEST)]


class SearchBox(QLineEdit):
    """Escape clears; Down asks to move into the results."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            return
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)

    def clear_quietly(self) -> None:
        """Empty the box without announcing a text change (a find-similar query replaced the text)."""
        self.set_text_quietly("")

    def set_text_quietly(self, text: str) -> None:
        """Show ``text`` without announcing a change (the search for it is already on its way)."""
        self.blockSignals(True)
        self.setText(text)
        self.blockSignals(False)


class SearchBar(QWidget):
    filters_changed = Signal(object)  # Filters
    folders_requested = Signal()
    settings_requested = Signal()
    duplicates_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("toolbar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # a QWidget subclass paints no QSS background
        self.search = SearchBox()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.folder_combo = QComboBox()
        self.folder_combo.setMinimumWidth(150)
        self.folder_combo.setToolTip("Search in one folder only")
        self.folder_combo.addItem("All folders", None)
        self.folder_combo.currentIndexChanged.connect(self._changed)
        self.camera_combo = QComboBox()
        self.camera_combo.setToolTip("Only photos taken with this camera")
        self.camera_combo.addItem("All cameras", None)
        self.camera_combo.setVisible(False)  # until the library is known to hold photos with a camera name
        self.camera_combo.currentIndexChanged.connect(self._changed)
        self.chips = ChipRow()
        self.date_from = self._date_edit("From: any", "Only photos taken on or after this day")
        self.date_to = self._date_edit("To: any", "Only photos taken on or before this day")
        self.sort_combo = QComboBox()
        for text, sort in SORTS:
            self.sort_combo.addItem(text, sort)
        self.sort_combo.setToolTip("Sort results")
        self.sort_combo.currentIndexChanged.connect(self._changed)
        duplicates_btn = QPushButton("Duplicates…")
        duplicates_btn.setToolTip("Photos you have more than once: resized, recompressed or lightly cropped copies")
        duplicates_btn.clicked.connect(self.duplicates_requested)
        folders_btn = QPushButton("Folders…")
        folders_btn.clicked.connect(self.folders_requested)
        settings_btn = QPushButton("Settings…")
        settings_btn.clicked.connect(self.settings_requested)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(8)
        outer.addLayout(top)
        outer.addWidget(self.chips, 0, Qt.AlignmentFlag.AlignLeft)  # a line under the search box, only with chips
        top.addWidget(self.search, 1)
        for w in (self.folder_combo, self.camera_combo, self.date_from, self.date_to, self.sort_combo):
            top.addWidget(w)
        top.addSpacing(6)
        top.addWidget(duplicates_btn)
        top.addWidget(folders_btn)
        top.addWidget(settings_btn)
        # hidden on the first-run page, where there is nothing to filter yet
        self.library_controls: list[QWidget] = [self.folder_combo, self.date_from, self.date_to, self.sort_combo,
                                                duplicates_btn]

    def _date_edit(self, special: str, tip: str) -> QDateEdit:
        d = QDateEdit()
        d.setCalendarPopup(True)
        d.setDisplayFormat("d MMM yyyy")
        d.setMinimumDate(NO_DATE)
        d.setSpecialValueText(special)  # shown while the date is the minimum: no bound
        d.setDate(NO_DATE)
        d.setToolTip(tip + " (set it back to the first date to clear)")
        d.setMinimumWidth(120)
        d.dateChanged.connect(self._changed)
        return d

    @property
    def sort(self) -> Sort:
        return Sort(self.sort_combo.currentData() or Sort.RELEVANCE)

    def set_sort(self, sort: str) -> None:
        i = self.sort_combo.findData(sort)
        if i >= 0:
            self.sort_combo.setCurrentIndex(i)

    def filters(self) -> Filters:
        after = before = None
        if self.date_from.date() != NO_DATE:
            d = self.date_from.date()
            after = datetime(d.year(), d.month(), d.day())
        if self.date_to.date() != NO_DATE:
            d = self.date_to.date()
            before = datetime(d.year(), d.month(), d.day()) + timedelta(days=1)
        return Filters(self.folder_combo.currentData(), after, before, self.sort, self.camera_combo.currentData())

    def set_cameras(self, cameras: list[tuple[str, int]]) -> None:
        """Offer the cameras that occur in the library (most photos first), keeping the chosen one when it is still
        there; the filter hides while no photo names its camera."""
        current = self.camera_combo.currentData()
        self.camera_combo.blockSignals(True)
        self.camera_combo.clear()
        self.camera_combo.addItem("All cameras", None)
        for name, count in cameras:
            self.camera_combo.addItem(name, name)
            self.camera_combo.setItemData(self.camera_combo.count() - 1, f"{count:,} photos",
                                          Qt.ItemDataRole.ToolTipRole)
        self.camera_combo.setCurrentIndex(max(0, self.camera_combo.findData(current)))
        self.camera_combo.blockSignals(False)
        self.camera_combo.setVisible(bool(cameras))
        if self.camera_combo.currentData() != current:
            self._changed()  # the chosen camera is gone: searches widen back to all cameras

    def set_folders(self, folders: list[Folder]) -> None:
        """Refill the folder filter, keeping the chosen folder when it is still there."""
        current = self.folder_combo.currentData()
        self.folder_combo.blockSignals(True)
        self.folder_combo.clear()
        self.folder_combo.addItem("All folders", None)
        for f in folders:
            self.folder_combo.addItem(os.path.basename(f.path.rstrip("/\\")) or f.path, f.path)
            self.folder_combo.setItemData(self.folder_combo.count() - 1, f.path, Qt.ItemDataRole.ToolTipRole)
        self.folder_combo.setCurrentIndex(max(0, self.folder_combo.findData(current)))
        self.folder_combo.blockSignals(False)

    def follow(self, controller: SearchController) -> None:
        """Wire the bar to the search controller: typing, filters and removed chips go to it; the text it settles
        on, the chips of its search and the library's cameras come back."""
        self.search.textChanged.connect(controller.text_changed)
        self.filters_changed.connect(controller.set_filters)
        self.chips.removed.connect(controller.remove_chip)
        controller.by_example.connect(self.search.clear_quietly)
        controller.text_replaced.connect(self.search.set_text_quietly)
        controller.chips.connect(self.chips.set_chips)
        controller.cameras.connect(self.set_cameras)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _changed(self) -> None:
        self.filters_changed.emit(self.filters())
