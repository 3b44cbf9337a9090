"""Applying the Settings dialog: thumbnail size at once, thread count for next time, a model pack switch, reading
the words in photos on or off."""

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

    def apply(self, model: str | None, threads: int, thumb: int, *, read_text: bool | None = None) -> None:
        self.thumbnail_size.emit(thumb)
        lib = self.services.library
        start_reading = read_text is True and not lib.settings.read_text

        def work() -> tuple[bool | None, bool]:
            changes: dict[str, object] = {"index_threads": threads, "thumbnail_size": thumb}
            if read_text is not None:
                changes["read_text"] = read_text  # off: a running OCR pass stops at its next photo
            lib.update_settings(**changes)
            return (lib.use_model(model) if model else None), start_reading

        self.services.bridge.submit(self.services.admin, work, self._applied)

    def _applied(self, result: tuple[bool | None, bool] | None, error: BaseException | None) -> None:
        immediate, start_reading = result if result is not None else (None, False)
        if error is not None:
            self.failed.emit(error)
            return
        if start_reading and immediate is not False:
            self.indexer.start()  # a catch-up run; when it ends the OCR pass reads what is pending
        if immediate is False:
            self.model_switching.emit()
            self.indexer.start()
        elif immediate:
            self.model_switched.emit()
