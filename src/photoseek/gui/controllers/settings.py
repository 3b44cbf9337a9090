"""Applying the Settings dialog: thumbnail size at once, thread count for next time, a model pack switch."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from photoseek.core.domain import ModelInfo
from photoseek.gui.controllers.folders import Reply
from photoseek.gui.controllers.indexing import IndexController
from photoseek.gui.services import Services


class SettingsController(QObject):
    thumbnail_size = Signal(int)  # the grid should use this cell size now
    model_switching = Signal()  # the new pack's vectors are being computed; searches use the old one meanwhile
    model_switched = Signal()  # the new pack is in use: results should be recomputed
    failed = Signal(object)

    def __init__(self, services: Services, indexer: IndexController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.indexer = indexer

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

        def work() -> bool | None:
            lib.update_settings(index_threads=threads, thumbnail_size=thumb)
            return lib.use_model(model) if model else None

        self.services.bridge.submit(self.services.admin, work, self._applied)

    def _applied(self, immediate: bool | None, error: BaseException | None) -> None:
        if error is not None:
            self.failed.emit(error)
        elif immediate is False:
            self.model_switching.emit()
            self.indexer.start()
        elif immediate:
            self.model_switched.emit()
