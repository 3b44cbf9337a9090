"""Settings -> Models: the catalog of downloadable models, one card each (size, languages, quality note, state),
with Download / Resume / Cancel / Use, a progress bar with bytes, rate and time left, and errors in place.

Everything it shows comes from :class:`~photoseek.gui.controllers.models.ModelsController`; the download itself
runs there, so closing the dialog does not stop it and reopening shows where it stands.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from photoseek.gui.controllers.models import ModelRow, ModelsController, ModelState
from photoseek.gui.text import describe_error, download_text, human_size, languages_text

BAR_STEPS = 1000

ACTION_TEXT = {ModelState.AVAILABLE: "Download", ModelState.PARTIAL: "Resume", ModelState.INSTALLED: "Use"}
STATE_TEXT = {
    ModelState.ACTIVE: "✓ In use",
    ModelState.SWITCHING: "Installed · switching when ready",
}


class ModelCard(QFrame):
    """One catalog entry. ``show_row`` redraws it from the controller's state."""

    def __init__(self, controller: ModelsController, entry_id: str) -> None:
        super().__init__()
        self.setObjectName("modelCard")
        self.controller = controller
        self.entry_id = entry_id
        self.title = QLabel()
        self.title.setObjectName("modelTitle")
        self.tag = QLabel("Recommended")
        self.tag.setObjectName("modelTag")
        self.facts = QLabel()
        self.facts.setObjectName("muted")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.state = QLabel()
        self.state.setObjectName("modelState")
        self.action = QPushButton()
        self.action.clicked.connect(self._act)
        self.discard = QToolButton()
        self.discard.setText("Discard")
        self.discard.setToolTip("Delete the part downloaded so far")
        self.discard.clicked.connect(lambda: controller.discard(entry_id))
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop the download; what is downloaded is kept and Resume continues it")
        self.cancel.clicked.connect(controller.cancel)
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(False)
        self.progress = QLabel()
        self.progress.setObjectName("muted")
        self.error = QLabel()
        self.error.setObjectName("modelError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.tag)
        head.addStretch(1)
        head.addWidget(self.state)
        head.addWidget(self.discard)
        head.addWidget(self.action)
        bar_row = QHBoxLayout()
        bar_row.addWidget(self.bar, 1)
        bar_row.addWidget(self.cancel)
        col = QVBoxLayout(self)
        col.setContentsMargins(12, 10, 12, 10)
        col.setSpacing(4)
        col.addLayout(head)
        col.addWidget(self.facts)
        col.addWidget(self.note)
        col.addLayout(bar_row)
        col.addWidget(self.progress)
        col.addWidget(self.error)

    def _act(self) -> None:
        row = self.controller.row(self.entry_id)
        if row is not None and row.state == ModelState.INSTALLED:
            self.controller.use(self.entry_id)
        else:
            self.controller.download(self.entry_id)

    def show_row(self, row: ModelRow) -> None:
        e = row.model.entry
        self.title.setText(e.name)
        self.tag.setVisible(e.default)
        self.facts.setText(f"{human_size(e.download_bytes)} download · {languages_text(e.languages)} · "
                           f"{e.license} licence")
        self.note.setText(e.quality)
        busy = self.controller.downloading is not None
        downloading = row.state == ModelState.DOWNLOADING
        self.action.setVisible(row.state in ACTION_TEXT)
        self.action.setText(ACTION_TEXT.get(row.state, ""))
        self.action.setObjectName("primary" if e.default and row.state == ModelState.AVAILABLE else "")
        self.action.style().polish(self.action)
        self.action.setEnabled(not busy)
        self.action.setToolTip("One download at a time" if busy else "")
        self.discard.setVisible(row.state == ModelState.PARTIAL)
        self.state.setText(STATE_TEXT.get(row.state, ""))
        self.state.setVisible(row.state in STATE_TEXT)
        for w in (self.bar, self.cancel):
            w.setVisible(downloading)
        p = row.progress
        if downloading and p is not None:
            self.bar.setValue(round(p.fraction * BAR_STEPS))
            self.progress.setText(download_text(p))
        elif row.state == ModelState.PARTIAL:
            self.progress.setText(f"{human_size(row.model.partial_bytes)} of {human_size(e.download_bytes)} "
                                  "downloaded — Resume continues where it stopped")
        elif row.state == ModelState.SWITCHING and not self.progress.text().startswith("Improving"):
            self.progress.setText("Computing its vectors for your photos in the background")
        self.progress.setVisible(downloading or row.state in (ModelState.PARTIAL, ModelState.SWITCHING))
        if row.error is not None:
            msg, hint = describe_error(row.error)
            self.error.setText(msg + (f"\n{hint}" if hint else ""))
        self.error.setVisible(row.error is not None)

    def show_improving(self, done: int, total: int) -> None:
        self.progress.setText(f"Improving search: {done:,} of {total:,} photos")


class ModelsPage(QWidget):
    def __init__(self, controller: ModelsController) -> None:
        super().__init__()
        self.controller = controller
        self.cards: dict[str, ModelCard] = {}
        intro = QLabel("PhotoSeek works offline with its small built-in model. A CLIP model finds the right photo "
                       "far more often. Downloads come from the Hugging Face Hub (or the mirror in HF_ENDPOINT) and "
                       "are the only thing PhotoSeek does online; a stopped download resumes where it left off.")
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.in_use = QLabel()
        self.loading = QLabel("Loading the model catalog…")
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 4, 0)
        self.list_layout.setSpacing(8)
        self.list_layout.addWidget(self.loading)
        self.list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.list)
        col = QVBoxLayout(self)
        col.addWidget(intro)
        col.addWidget(self.in_use)
        col.addWidget(scroll, 1)
        controller.rows_changed.connect(self._fill)
        controller.row_changed.connect(self._update)
        controller.improving.connect(self._improving)
        controller.failed.connect(lambda e: self.loading.setText(describe_error(e)[0]) if e is not None else None)
        if controller.loaded:
            self._fill()
        controller.refresh()

    def card(self, entry_id: str) -> ModelCard:
        return self.cards[entry_id]

    def _fill(self) -> None:
        self.loading.hide()
        self.in_use.setText(f"Search uses: <b>{html.escape(self.controller.active_name)}</b>")
        for row in self.controller.rows:
            if row.id not in self.cards:
                self.cards[row.id] = card = ModelCard(self.controller, row.id)
                self.list_layout.insertWidget(self.list_layout.count() - 1, card)
        for row in self.controller.rows:
            self.cards[row.id].show_row(row)

    def _update(self, _entry_id: str) -> None:
        for row in self.controller.rows:  # every card: whether a download runs enables or disables the others
            if row.id in self.cards:
                self.cards[row.id].show_row(row)

    def _improving(self, done: int, total: int) -> None:
        for row in self.controller.rows:
            if row.state == ModelState.SWITCHING:
                self.cards[row.id].show_improving(done, total)
