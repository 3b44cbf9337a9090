"""The Settings dialog: General (model pack, where models run, cores for indexing, thumbnail size, reading the
words in photos; OK hands them to the settings controller) and Models (the catalog of downloadable models, which acts at once)."""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photoseek.core.reports import ModelInfo
from photoseek.gui.controllers.models import ModelsController
from photoseek.gui.controllers.settings import SettingsController
from photoseek.gui.dialogs.compute_settings import ComputeSettings
from photoseek.gui.dialogs.models_page import ModelsPage
from photoseek.gui.services import Services
from photoseek.gui.text import describe_error
from photoseek.gui.widgets.results import MAX_CELL, MIN_CELL


class SettingsTab(enum.IntEnum):
    GENERAL = 0
    MODELS = 1


class SettingsDialog(QDialog):
    def __init__(self, services: Services, settings: SettingsController, models: ModelsController,
                 parent: QWidget | None = None, tab: SettingsTab = SettingsTab.GENERAL) -> None:
        super().__init__(parent)
        self.controller = settings
        self.setWindowTitle("Settings")
        s = services.library.settings
        self.model = QComboBox()
        self.model.setEnabled(False)
        self.model.addItem("Loading…")
        self.compute = ComputeSettings(s.device, s.index_cores, *services.library.model_set.core_limits())
        self.thumb = QSlider(Qt.Orientation.Horizontal)
        self.thumb.setRange(MIN_CELL, MAX_CELL)
        self.thumb.setValue(s.thumbnail_size)
        self.thumb_label = QLabel(f"{s.thumbnail_size} px")
        self.thumb.valueChanged.connect(lambda v: self.thumb_label.setText(f"{v} px"))
        self.read_text = QCheckBox("Read the words in photos (receipts, signs, screenshots) to search them")
        self.read_text.setChecked(s.read_text)
        self.read_text.setToolTip("Runs after indexing, at low priority, without the internet. "
                                  'Search words only with text:"…" or a query in quotes.')
        thumb_row = QHBoxLayout()
        thumb_row.addWidget(self.thumb, 1)
        thumb_row.addWidget(self.thumb_label)
        form = QFormLayout()
        form.addRow("Model pack", self.model)
        self.compute.add_to(form)
        form.addRow("Thumbnail size", thumb_row)
        form.addRow("Text in photos", self.read_text)
        note = QLabel("A new model pack is used once its vectors are computed (indexing runs in the background). "
                      "The device and the cores apply from the next search and indexing run, without a restart.")
        note.setWordWrap(True)
        note.setObjectName("muted")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        general = QWidget()
        page = QVBoxLayout(general)
        page.addLayout(form)
        page.addWidget(note)
        page.addStretch(1)
        self.models_page = ModelsPage(models)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.models_page, "Models")
        self.tabs.setCurrentIndex(tab)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(box)
        self.resize(640, 600)
        self._models: list[ModelInfo] = []
        self.accepted.connect(self._apply)
        settings.list_models(self._fill_models)
        settings.list_devices(self.compute.fill)

    def _apply(self) -> None:
        device, cores = self.compute.chosen()
        self.controller.apply(self.chosen_model(), self.thumb.value(), cores=cores, device=device,
                              read_text=self.read_text.isChecked())

    def _fill_models(self, models: list[ModelInfo] | None, error: BaseException | None) -> None:
        self.model.clear()
        if error is not None or not models:
            msg, _ = describe_error(error) if error else ("No model packs found", None)
            self.model.addItem(msg)
            return
        self._models = models
        for m in models:
            self.model.addItem(f"{m.name} ({m.id}){'  — built in' if m.builtin else ''}", m.id)
            if m.active:
                self.model.setCurrentIndex(self.model.count() - 1)
        self.model.setEnabled(True)

    def chosen_model(self) -> str | None:
        """The pack to switch to, or None to keep the active one."""
        return self.controller.changed_model(self._models, self.model.currentData())
