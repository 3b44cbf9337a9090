"""The results page: the grid beside the details pane, in a splitter the user can drag."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter

from photoseek.core.domain import SearchHit
from photoseek.gui.thumbnails import ThumbnailLoader
from photoseek.gui.widgets.details import DetailsPane
from photoseek.gui.widgets.results import ResultsView, ThumbDelegate
from photoseek.gui.widgets.results_model import ResultsModel
from photoseek.gui.widgets.stacks import Stacks


class ResultsPane(QSplitter):
    def __init__(self, thumbs: ThumbnailLoader) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.thumbs = thumbs
        self.model = ResultsModel(thumbs, self)
        self.delegate = ThumbDelegate(self)
        self.view = ResultsView()
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(self.model)
        self.details = DetailsPane(thumbs)
        self.details.show_hit(None)
        self.view.selectionModel().currentChanged.connect(lambda *_: self.details.show_hit(self.view.current_hit()))
        self.view.stack_toggled.connect(self.view.select_row)
        self.addWidget(self.view)
        self.addWidget(self.details)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)
        self.setCollapsible(0, False)
        self.setSizes([900, 280])

    def show_hits(self, hits: list[SearchHit], fresh: bool, stacks: list[list[int]] | None = None) -> None:
        self.view.show_hits(hits, fresh, Stacks(stacks or []))
        if not self.view.currentIndex().isValid():
            self.details.show_hit(None)

    def clear(self) -> None:
        self.thumbs.cancel_pending()
        self.model.set_hits([])
        self.details.show_hit(None)

    def set_cell_size(self, size: int) -> None:
        if size == self.delegate.cell and self.thumbs.size == size:
            return
        self.delegate.cell = size
        self.thumbs.set_size(size)
        self.model.layoutChanged.emit()  # new item size; the view re-lays out in batches
        self.view.doItemsLayout()
