"""Where models run and how many cores indexing may use: the device list (only what the installed onnxruntime
offers can be chosen; the rest are greyed out with what to install), the device in use with any fallback, and the
core budget with what "automatic" means on this machine."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from photoseek.core.domain import Device
from photoseek.gui.controllers.settings import DeviceAnswer
from photoseek.gui.text import DEVICE_TEXT, cores_text, describe_error


class ComputeSettings:
    """The dialog rows for the ``device`` and ``index_cores`` settings, added to the dialog's form.

    Args:
        device: the ``device`` setting now.
        cores: the ``index_cores`` setting now (0: automatic).
        auto_cores: the cores automatic means here; usable: the cores this process may use.
    """

    def __init__(self, device: str, cores: int, auto_cores: int, usable: int) -> None:
        self._device = device
        self.device = QComboBox()
        self.device.addItem("Checking what this computer offers…")
        self.device.setEnabled(False)
        self.in_use = QLabel("")
        self.in_use.setObjectName("muted")
        self.in_use.setWordWrap(True)
        self.in_use.setTextFormat(Qt.TextFormat.RichText)
        self.in_use.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.auto = QCheckBox("Automatic")
        self.cores = QSpinBox()
        self.cores.setRange(1, max(1, usable))
        self.cores.setSuffix(f" of {usable}")
        self.cores.setMinimumWidth(96)
        self.cores.setValue(min(cores, usable) if cores > 0 else auto_cores)
        self.auto.setChecked(cores <= 0)
        self.cores.setEnabled(cores > 0)
        self.auto.toggled.connect(lambda on: self._auto_toggled(on, auto_cores))
        self.cores_note = QLabel(cores_text(auto_cores, usable))
        self.cores_note.setObjectName("muted")
        self.cores_note.setWordWrap(True)

    def add_to(self, form: QFormLayout) -> None:
        form.addRow("Run models on", _stacked(self.device, self.in_use))
        row = QHBoxLayout()
        row.addWidget(self.cores)
        row.addWidget(self.auto)
        row.addStretch(1)
        form.addRow("Cores for indexing", _stacked(row, self.cores_note))

    def _auto_toggled(self, on: bool, auto_cores: int) -> None:
        self.cores.setEnabled(not on)
        if on:
            self.cores.setValue(auto_cores)

    def fill(self, answer: DeviceAnswer | None, error: BaseException | None) -> None:
        """The devices, the one in use, its provider and any fallback line, from the settings controller."""
        self.device.clear()
        if error is not None or answer is None:
            msg, _ = describe_error(error) if error else ("Unknown", None)
            self.device.addItem(f"Cannot tell: {msg}")
            return
        options, device, provider, note = answer
        items = self.device.model()
        assert isinstance(items, QStandardItemModel)
        for opt in options:
            text = DEVICE_TEXT[opt.device]
            if opt.device is Device.AUTO:
                text += f": the best this computer offers (here the {DEVICE_TEXT[opt.resolves_to]})"
            if not opt.available:
                text += " — not available"
            self.device.addItem(text, opt.device.value)
            item = items.item(self.device.count() - 1)
            if not opt.available:
                item.setEnabled(False)
                item.setToolTip(f"{DEVICE_TEXT[opt.device]}: {opt.why_not}")
        index = self.device.findData(self._device)
        self.device.setCurrentIndex(max(0, index))
        self.device.setEnabled(True)
        line = html.escape(f"In use now: {DEVICE_TEXT[device]} ({provider}).")
        if note:  # the device asked for is missing or failed: say so where it is chosen, in a warning colour
            line += f'<br><span style="color:#a35200">{html.escape(note)}</span>'
        self.in_use.setText(line)

    def chosen(self) -> tuple[str | None, int]:
        """(the device to save, or None before the list arrived; the ``index_cores`` value, 0 for automatic)."""
        device = self.device.currentData() if self.device.isEnabled() else None
        return (str(device) if device else None), (0 if self.auto.isChecked() else self.cores.value())


def _stacked(top: QWidget | QHBoxLayout, note: QLabel) -> QWidget:
    """A control with its explanation right below it, as one form field."""
    holder = QWidget()
    lay = QVBoxLayout(holder)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(4)
    if isinstance(top, QHBoxLayout):
        lay.addLayout(top)
    else:
        lay.addWidget(top)
    lay.addWidget(note)
    return holder
