"""Applying the Settings dialog: thumbnail size at once, thread count for next time, a model pack switch (through
the models controller, which also switches after a download)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from photoseek.core.domain import ModelInfo
from photoseek.gui.controllers.folders import Reply
from photoseek.gui.controllers.models import ModelsController
from photoseek.gui.services import Services


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

    @staticmethod
    def changed_model(models: list[ModelInfo], chosen: str | None) -> str | None:
        """The pack to switch to, or None when the choice is the active pack (or nothing is known yet)."""
        active = next((m.id for m in models if m.active), None)
        return chosen if models and chosen and chosen != active else None

    def apply(self, model: str | None, threads: int, thumb: int) -> None:
        self.thumbnail_size.emit(thumb)
        lib = self.services.library
        self.services.bridge.submit(self.services.admin,
                                    lambda: lib.update_settings(index_threads=threads, thumbnail_size=thumb),
                                    lambda _r, error: self.failed.emit(error) if error is not None else None)
        if model:
            self.models.use(model)
