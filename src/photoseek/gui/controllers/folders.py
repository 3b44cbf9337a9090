"""The library's folders: load them, add one (the single add-folder flow of the app), remove one, notice offline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from photoseek.core.domain import Folder
from photoseek.gui.controllers.indexing import IndexController
from photoseek.gui.services import Services

Reply = Callable[[Any, BaseException | None], None]


class FoldersController(QObject):
    """Every folder chore runs on the admin pool; answers come back as signals on the GUI thread.

    ``add``/``remove`` take an optional ``reply(result, error)`` for the caller that asked (a dialog shows the
    outcome in place); without one, an error goes to ``failed``.
    """

    loaded = Signal(list)  # list[Folder], after every refresh
    offline = Signal(list)  # paths of unreachable folders, when that set changes and is not empty
    added = Signal(object)  # Folder
    removed = Signal(str)  # path
    failed = Signal(object)  # exception

    def __init__(self, services: Services, indexer: IndexController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.indexer = indexer
        self.paths: list[str] | None = None  # None until the first load
        self._offline: set[str] = set()

    def refresh(self, first: bool = False) -> None:
        """Reload the folder list; the first load after start-up also starts an index run to catch up."""
        self.services.bridge.submit(self.services.admin, self.services.library.folders,
                                    lambda r, e: self._loaded(r, e, first))

    def add(self, path: str, reply: Reply | None = None) -> None:
        """Add a folder, then refresh and index it."""
        if not path:
            return
        lib = self.services.library
        self.services.bridge.submit(self.services.admin, lambda: lib.add_folder(path),
                                    lambda r, e: self._added(r, e, reply))

    def remove(self, path: str, reply: Reply | None = None) -> None:
        """Forget a folder and its photos (the files themselves are never touched)."""
        lib = self.services.library
        self.services.bridge.submit(self.services.admin, lambda: lib.remove_folder(path),
                                    lambda _r, e: self._removed(path, e, reply))

    def _loaded(self, folders: list[Folder] | None, error: BaseException | None, first: bool) -> None:
        if error is not None or folders is None:
            self.failed.emit(error or RuntimeError("no folders"))
            return
        self.paths = [f.path for f in folders]
        self.loaded.emit(folders)
        offline = [f.path for f in folders if not f.online]
        changed, self._offline = set(offline) != self._offline, set(offline)
        if offline and changed:
            self.offline.emit(offline)
        if first and folders:
            self.indexer.start()  # catch up with changes made while the app was closed

    def _added(self, folder: Folder | None, error: BaseException | None, reply: Reply | None) -> None:
        if error is None:
            self.refresh()
            self.indexer.start()
            self.added.emit(folder)
        elif reply is None:
            self.failed.emit(error)
        if reply is not None:
            reply(folder, error)

    def _removed(self, path: str, error: BaseException | None, reply: Reply | None) -> None:
        if error is None:
            self.refresh()
            self.removed.emit(path)
        elif reply is None:
            self.failed.emit(error)
        if reply is not None:
            reply(path, error)
