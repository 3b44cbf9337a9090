"""Downloadable models as the GUI sees them: the catalog with each entry's state, downloads (progress, cancel,
resume), switching to a model afterwards, and the one-time offer of CLIP while the built-in pack is in use.

A download runs on the ``downloads`` pool and keeps its bytes when cancelled, interrupted or when the app closes, so
a later Download resumes it. After it, the model is used: at once when the library has no photos, otherwise the
index controller computes its vectors in the background and search switches when the last one is there
(:attr:`ModelsController.switched`).
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

from photoseek.core.errors import Cancelled
from photoseek.core.library import AvailableModel, DownloadPhase, DownloadProgress
from photoseek.core.reports import ModelInfo
from photoseek.gui.controllers.indexing import IndexController
from photoseek.gui.services import Services

BANNER_KEY = "clip_offer_shown"  # settings.gui: the CLIP offer has been shown once (never again)


class ModelState(enum.Enum):
    AVAILABLE = "available"  # not downloaded
    PARTIAL = "partial"  # some bytes kept from a cancelled or interrupted download: Resume
    DOWNLOADING = "downloading"
    INSTALLED = "installed"  # installed, another pack in use
    SWITCHING = "switching"  # its vectors are being computed; search switches when they are complete
    ACTIVE = "active"  # search uses it


@dataclass(frozen=True)
class ModelRow:
    """One catalog entry for the Models page."""

    model: AvailableModel
    state: ModelState
    progress: DownloadProgress | None = None  # while downloading
    error: BaseException | None = None  # the last download's failure, shown in place

    @property
    def id(self) -> str:
        return self.model.entry.id


@dataclass(frozen=True)
class _Snapshot:
    available: list[AvailableModel]
    infos: list[ModelInfo]
    target: str | None


@dataclass(frozen=True)
class ClipOffer:
    """What the banner offers: the recommended model and its download size."""

    entry_id: str
    name: str
    download_bytes: int


class ModelsController(QObject):
    """Signals arrive on the GUI thread."""

    rows_changed = Signal()  # :attr:`rows` was reloaded
    row_changed = Signal(str)  # one entry's state, progress or error changed
    switched = Signal(str)  # search now uses this model: results should be recomputed
    notice = Signal(str)  # a passing event worth a few seconds in the status bar
    offer = Signal(object)  # ClipOffer: show the banner (recorded as shown already)
    improving = Signal(int, int)  # (done, total) photos with the new model's vectors, while switching
    failed = Signal(object)  # an error outside any row (loading the catalog)

    def __init__(self, services: Services, indexer: IndexController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.indexer = indexer
        self.rows: list[ModelRow] = []
        self.loaded = False
        self.active_name = ""  # the pack search uses now, as people read it
        self._cancel: threading.Event | None = None
        self._downloading: str | None = None
        self._target: str | None = None  # a switch this controller knows to be pending
        indexer.finished.connect(lambda _report: self.refresh() if self._target else None)
        indexer.progress.connect(lambda p: self.improving.emit(p.done, p.total) if p.switching else None)

    # state ----------------------------------------------------------------------------------------------------
    @property
    def downloading(self) -> str | None:
        """The entry being downloaded (one at a time), or None."""
        return self._downloading

    def row(self, entry_id: str) -> ModelRow | None:
        return next((r for r in self.rows if r.id == entry_id), None)

    def refresh(self) -> None:
        """Reload the catalog's states (no network: what is installed, kept or in use)."""
        lib = self.services.library
        self.services.bridge.submit(
            self.services.admin, lambda: _Snapshot(lib.installer.available(), lib.models(), lib.target_model()),
            self._loaded)

    def _loaded(self, snap: _Snapshot | None, error: BaseException | None) -> None:
        if error is not None or snap is None:
            self.failed.emit(error)
            return
        active_info = next((m for m in snap.infos if m.active), None)
        active = active_info.id if active_info else None
        if active_info is not None:
            self.active_name = active_info.name + (" (built in)" if active_info.builtin else "")
        old = {r.id: r for r in self.rows}
        rows = []
        for m in snap.available:
            prev = old.get(m.entry.id)
            if m.entry.id == self._downloading and prev is not None:
                rows.append(replace(prev, model=m))
                continue
            rows.append(ModelRow(m, _state(m, active, snap.target), error=prev.error if prev else None))
        self.rows = rows
        self.loaded = True
        done = self._target
        self._target = snap.target
        self.rows_changed.emit()
        if done and done != snap.target and done == active:
            self.switched.emit(done)
            self.notice.emit(f"Search now uses {self.active_name}")

    def _set(self, entry_id: str, **changes: object) -> None:
        self.rows = [replace(r, **changes) if r.id == entry_id else r for r in self.rows]
        self.row_changed.emit(entry_id)

    # downloads ------------------------------------------------------------------------------------------------
    def download(self, entry_id: str, *, quantize: bool = True) -> None:
        """Download (or resume), verify, convert to int8 and install ``entry_id``, then use it."""
        row = self.row(entry_id)
        if row is None or self._downloading is not None:
            return
        self._downloading = entry_id
        cancel = self._cancel = self.services.cancel_flag()
        total = row.model.entry.download_bytes
        self._set(entry_id, state=ModelState.DOWNLOADING, error=None,
                  progress=DownloadProgress(DownloadPhase.CONNECTING, row.model.partial_bytes, total))
        lib, bridge = self.services.library, self.services.bridge

        def on_progress(p: DownloadProgress) -> bool:  # the download thread
            bridge.post(lambda a, _b: self._progress(entry_id, a), p)
            return not cancel.is_set()

        def work() -> tuple[str, bool]:
            pack = lib.installer.get(entry_id, quantize=quantize, progress=on_progress, cancel=cancel)
            if cancel.is_set():  # installed, but the app is closing: switch on a later start (Use)
                raise Cancelled("stopped after installing")
            return pack.id, lib.use_model(pack.id)

        bridge.submit(self.services.downloads, work, lambda r, e: self._finished(entry_id, r, e))

    def cancel(self) -> None:
        """Stop the download within a chunk; its bytes are kept for a resume."""
        if self._cancel is not None:
            self._cancel.set()

    def discard(self, entry_id: str) -> None:
        """Delete the bytes kept from an unfinished download."""
        if entry_id == self._downloading:
            return
        lib = self.services.library
        self.services.bridge.submit(self.services.admin, lambda: lib.installer.discard_partial(entry_id),
                                    lambda _r, e: self._after_chore(entry_id, e))

    def use(self, entry_id: str) -> None:
        """Switch to an installed model (its vectors are computed first when photos lack them)."""
        lib = self.services.library
        self.services.bridge.submit(self.services.admin, lambda: (entry_id, lib.use_model(entry_id)),
                                    lambda r, e: self._finished(entry_id, r, e))

    def _progress(self, entry_id: str, p: DownloadProgress) -> None:
        if entry_id == self._downloading:
            self._set(entry_id, progress=p)

    def _finished(self, entry_id: str, result: tuple[str, bool] | None, error: BaseException | None) -> None:
        if entry_id == self._downloading:
            self._downloading = None
            self._cancel = None
        if error is not None or result is None:
            self._after_chore(entry_id, None if isinstance(error, Cancelled) else error)
            return
        pack_id, immediate = result
        self._target = pack_id  # the refresh below (immediate) or after the index run announces the switch
        if not immediate:
            self.indexer.start()  # computes its vectors; the status bar says "Improving search"
        self.refresh()

    def _after_chore(self, entry_id: str, error: BaseException | None) -> None:
        """Show the error (if any) on the row, then reload its state (kept bytes, installed). A pack outside the
        catalog (the built-in one, chosen in General) has no row: its error goes to :attr:`failed`."""
        if self.row(entry_id) is not None:
            self._set(entry_id, state=ModelState.AVAILABLE, progress=None, error=error)
        elif error is not None:
            self.failed.emit(error)
        self.refresh()

    # the CLIP offer -------------------------------------------------------------------------------------------
    def check_offer(self) -> None:
        """Emit :attr:`offer` once per library: the built-in pack is in use, photos are indexed with it, and no
        other model is installed, downloading or being switched to. Showing it is recorded, so it never comes back."""
        if self._downloading is not None:
            return
        lib = self.services.library

        def work() -> ClipOffer | None:
            if lib.settings.gui.get(BANNER_KEY) or lib.target_model():
                return None
            infos = lib.models()
            active = next((m for m in infos if m.active), None)
            if active is None or not active.builtin or not active.vectors or any(not m.builtin for m in infos):
                return None
            lib.update_settings(gui={BANNER_KEY: True})
            entry = lib.installer.catalog.default
            return ClipOffer(entry.id, entry.name, entry.download_bytes)

        self.services.bridge.submit(self.services.admin, work,
                                    lambda offer, e: self.offer.emit(offer) if offer is not None and e is None
                                    else None)


def _state(m: AvailableModel, active: str | None, target: str | None) -> ModelState:
    if m.installed:
        if m.entry.id == active:
            return ModelState.ACTIVE
        return ModelState.SWITCHING if m.entry.id == target else ModelState.INSTALLED
    return ModelState.PARTIAL if m.partial_bytes else ModelState.AVAILABLE
