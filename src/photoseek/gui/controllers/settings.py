"""Applying the Settings dialog: thumbnail size at once; the device and the cores indexing may use from the next
search or index run (no restart); a model pack switch (through the models controller, which also switches after a
download); reading the words in photos on or off."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from photoseek.core.domain import Device
from photoseek.core.reports import DeviceOption, ModelInfo
from photoseek.gui.controllers.folders import Reply
from photoseek.gui.controllers.models import ModelsController
from photoseek.gui.services import Services

# the devices with whether each is usable here, the device in use, its onnxruntime provider, any fallback line
DeviceAnswer = tuple[list[DeviceOption], Device, str, str | None]


class SettingsController(QObject):
    thumbnail_size = Signal(int)  # the grid should use this cell size now
    failed = Signal(object)

    def __init__(self, services: Services, models: ModelsController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.models = models

    def list_models(self, reply: Reply) -> None:
        """``reply(list[ModelInfo], error)`` on the GUI thread."""
        self.services.bridge.submit(self.services.admin, self.services.library.models, reply)

    def list_devices(self, reply: Reply) -> None:
        """``reply(DeviceAnswer, error)`` on the GUI thread (asking onnxruntime imports it: never on this thread)."""
        model_set = self.services.library.model_set

        def work() -> DeviceAnswer:
            choice = model_set.provider()
            return model_set.device_options(), choice.device, choice.providers[0], choice.note

        self.services.bridge.submit(self.services.admin, work, reply)

    @staticmethod
    def changed_model(models: list[ModelInfo], chosen: str | None) -> str | None:
        """The pack to switch to, or None when the choice is the active pack (or nothing is known yet)."""
        active = next((m.id for m in models if m.active), None)
        return chosen if models and chosen and chosen != active else None

    def apply(self, model: str | None, thumb: int, *, cores: int | None = None, device: str | None = None,
              read_text: bool | None = None) -> None:
        """Save the dialog's choices. ``cores`` (``index_cores``, 0: automatic) and ``device`` take effect at the
        next search or index run: the library makes new sessions for them when next asked."""
        self.thumbnail_size.emit(thumb)
        lib = self.services.library
        changes: dict[str, object] = {"thumbnail_size": thumb}
        if cores is not None:
            changes["index_cores"] = cores
        if device is not None:
            changes["device"] = device
        if read_text is not None:
            changes["read_text"] = read_text  # off: a running OCR pass stops at its next photo
        start_reading = read_text is True and not lib.settings.read_text and not model

        def applied(_r: object, error: BaseException | None) -> None:
            if error is not None:
                self.failed.emit(error)
            elif start_reading:
                self.models.indexer.start()  # a catch-up run; when it ends the OCR pass reads what is pending

        self.services.bridge.submit(self.services.admin, lambda: lib.update_settings(**changes), applied)
        if model:
            self.models.use(model)  # its index run ends with the OCR pass too
