"""The main window: lays out the search bar, result grid, details pane, banner, message and status bars, and wires
the controllers' signals to them. Policy: :mod:`.controllers`; drawing: :mod:`.widgets`; photo chores: :mod:`.actions`;
pools and the bridge: :mod:`.services`. Nothing here touches the disk, the database or a model."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QPoint, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QStackedWidget, QVBoxLayout, QWidget

from photoseek.core.domain import Folder
from photoseek.core.library import Library
from photoseek.gui import actions
from photoseek.gui.actions import PhotoActions
from photoseek.gui.controllers.activity import ActivityController
from photoseek.gui.controllers.duplicates import DuplicatesController
from photoseek.gui.controllers.folders import FoldersController
from photoseek.gui.controllers.indexing import IndexController
from photoseek.gui.controllers.models import ModelsController
from photoseek.gui.controllers.search import Results, SearchController
from photoseek.gui.controllers.settings import SettingsController
from photoseek.gui.controllers.watching import WatchController
from photoseek.gui.dialogs import shown
from photoseek.gui.dialogs.duplicates import DuplicatesDialog
from photoseek.gui.dialogs.folders import FoldersDialog
from photoseek.gui.dialogs.preview import PreviewDialog
from photoseek.gui.dialogs.settings import SettingsDialog, SettingsTab
from photoseek.gui.services import Services
from photoseek.gui.text import offline_message, results_header, stacked_note
from photoseek.gui.widgets.clip_banner import ClipBanner
from photoseek.gui.widgets.empty_page import EmptyPage, HintPage
from photoseek.gui.widgets.message_bar import MessageBar, MessageKind
from photoseek.gui.widgets.results import MAX_CELL, MIN_CELL
from photoseek.gui.widgets.results_pane import ResultsPane
from photoseek.gui.widgets.search_bar import SearchBar
from photoseek.gui.widgets.status_bar import StatusBar

log = logging.getLogger(__name__)
ZOOM_STEP = 16


class MainWindow(QMainWindow):
    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self.setWindowTitle("PhotoSeek")
        self.setAcceptDrops(True)
        self.setMinimumSize(720, 480)
        self.services = Services(library, self)
        self.thumbs = self.services.thumbs
        self.indexer = IndexController(self.services, self)
        self.watcher = WatchController(self.services, self)
        self.folders = FoldersController(self.services, self.indexer, self)
        self.activity = ActivityController(self.indexer, self.watcher, self.folders, self)
        self.searcher = SearchController(self.services, self)
        self.models_controller = ModelsController(self.services, self.indexer, self)
        self.settings_controller = SettingsController(self.services, self.models_controller, self)
        self.photo_actions = PhotoActions(self.services, self)
        self.duplicates = DuplicatesController(self.services, self)
        self._closed = False
        self._build()
        self._wire()
        self._restore_state()
        self.folders.refresh(first=True)

    # construction -------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.search_bar = bar = SearchBar()
        self.search, self.folder_combo, self.sort_combo = bar.search, bar.folder_combo, bar.sort_combo
        self.date_from, self.date_to = bar.date_from, bar.date_to
        self.message, self.banner = MessageBar(), ClipBanner()
        self.header = QLabel()
        self.header.setObjectName("header")
        self.splitter = ResultsPane(self.thumbs)
        self.model, self.delegate = self.splitter.model, self.splitter.delegate
        self.view, self.details = self.splitter.view, self.splitter.details
        self.hint_page, self.empty_page = HintPage(), EmptyPage()
        self.stack = QStackedWidget()
        for page in (self.empty_page, self.hint_page, self.splitter):
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(self.hint_page)
        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(bar)
        inner = QVBoxLayout()
        inner.setContentsMargins(12, 8, 12, 0)
        inner.setSpacing(6)
        inner.addWidget(self.banner)
        inner.addWidget(self.message)
        inner.addWidget(self.header)
        col.addLayout(inner)
        col.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.progress_label, self.progress_bar = self.status.progress_label, self.status.progress_bar
        self.pause_btn, self.zoom = self.status.pause_btn, self.status.zoom
        self.set_cell_size(self.library.settings.thumbnail_size)

    def _wire(self) -> None:
        bar, s, st, v = self.search_bar, self.searcher, self.status, self.view
        bar.follow(s)  # typing, filters and chips go to the search controller; its text and chips come back
        bar.search.returnPressed.connect(self.search_now)
        bar.search.down_pressed.connect(self._into_results)
        bar.folders_requested.connect(self.open_folders)
        bar.settings_requested.connect(self.open_settings)
        bar.duplicates_requested.connect(self.open_duplicates)
        s.results.connect(self._show_results)
        s.cleared.connect(self._cleared)
        s.failed.connect(self.message.show_error)
        v.open_requested.connect(self.open_preview)
        v.customContextMenuRequested.connect(self._context_menu)
        v.zoom_requested.connect(lambda steps: self.set_cell_size(self.delegate.cell + int(steps * ZOOM_STEP)))
        self.empty_page.add_requested.connect(self.add_folder)
        self.folders.loaded.connect(self._folders_loaded)
        self.folders.offline.connect(lambda p: self.message.show_message(*offline_message(p), kind=MessageKind.INFO))
        self.folders.removed.connect(lambda _path: s.rerun())
        a = self.activity
        a.text.connect(st.set_text)
        a.bar.connect(st.set_bar)
        a.pause_state.connect(st.set_pause)
        a.notice.connect(lambda text: st.showMessage(text, 4000))
        for slot in (s.rerun, self._update_page, s.load_cameras):  # an index run ended: fresh results, the page,
            a.library_changed.connect(slot)  # and the cameras new photos may name
        a.results_stale.connect(s.schedule_refresh)
        st.pause_clicked.connect(a.toggle_pause)
        st.zoom_changed.connect(self.set_cell_size)
        c, m = self.settings_controller, self.models_controller
        c.thumbnail_size.connect(self.set_cell_size)
        m.switched.connect(lambda _id: s.rerun())  # the new model's vectors are complete: fresh results with it
        m.notice.connect(lambda text: st.showMessage(text, 6000))
        m.offer.connect(self.banner.show_offer)
        a.library_changed.connect(m.check_offer)  # indexed with the built-in pack: offer CLIP once
        self.banner.open_requested.connect(lambda: self.open_settings(SettingsTab.MODELS))
        self.photo_actions.similar_requested.connect(s.find_similar)
        self.photo_actions.steer_requested.connect(s.mark)
        self.photo_actions.notice.connect(st.showMessage)
        for source in (self.folders, a, c, m, self.photo_actions):
            source.failed.connect(self.message.show_error)
        for key, slot in ((QKeySequence.StandardKey.Find, bar.focus_search), ("Ctrl+L", bar.focus_search),
                          (QKeySequence.StandardKey.Paste, self.paste),
                          (QKeySequence.StandardKey.ZoomIn, lambda: self.set_cell_size(self.delegate.cell + ZOOM_STEP)),
                          (QKeySequence.StandardKey.ZoomOut, lambda: self.set_cell_size(self.delegate.cell - ZOOM_STEP))):
            QShortcut(QKeySequence(key), self, activated=slot)

    # state ----------------------------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        g = self.library.settings.gui
        try:
            if g.get("geometry"):
                self.restoreGeometry(QByteArray.fromBase64(str(g["geometry"]).encode()))
            else:
                self.resize(1200, 780)
            if g.get("splitter"):
                self.splitter.restoreState(QByteArray.fromBase64(str(g["splitter"]).encode()))
            if g.get("sort"):
                self.search_bar.set_sort(str(g["sort"]))
        except Exception:  # a stale or hand-edited value must not stop the app from starting
            log.warning("could not restore window state", exc_info=True)

    def save_state(self) -> None:
        self.library.update_settings(
            gui={"geometry": bytes(self.saveGeometry().toBase64().data()).decode(),
                 "splitter": bytes(self.splitter.saveState().toBase64().data()).decode(),
                 "sort": str(self.search_bar.sort)},
            thumbnail_size=self.delegate.cell)

    # pages and results ----------------------------------------------------------------------------------------
    def _update_page(self) -> None:
        empty = self.folders.paths is not None and not self.folders.paths
        for w in self.search_bar.library_controls + self.status.library_controls:
            w.setVisible(not empty)
        if empty:
            self.stack.setCurrentWidget(self.empty_page)
            self.header.setText("")
        elif not self.searcher.active:
            self.stack.setCurrentWidget(self.hint_page)
            self.hint_page.show_start()
            self.header.setText("")
        elif self.model.rowCount() == 0:
            self.stack.setCurrentWidget(self.hint_page)
            self.hint_page.show_no_match(indexing=self.indexer.running)
        else:
            self.stack.setCurrentWidget(self.splitter)

    def _show_results(self, r: Results) -> None:
        if r.fresh:
            self.message.hide_error()
        self.splitter.show_hits(r.hits, r.fresh, r.stacks)
        m = self.model
        header = results_header(len(m.match_hits), len(m.weaker_hits), r.label, r.sort, r.limit)
        self.header.setText(header + stacked_note(m.stacked_matches()))
        self._update_page()

    def _cleared(self) -> None:
        self.splitter.clear()
        self._update_page()

    def _folders_loaded(self, folders: list[Folder]) -> None:
        self.search_bar.set_folders(folders)
        self.searcher.load_cameras()
        self.searcher.filters = self.search_bar.filters()  # a removed folder falls back to "All folders"
        self._update_page()

    def _into_results(self) -> None:
        if self.model.rowCount():
            self.view.setFocus()
            if not self.view.currentIndex().isValid():
                self.select_row(0)

    # what the user asks for -----------------------------------------------------------------------------------
    def search_now(self) -> None:
        self.searcher.search_text(self.search.text())

    def add_folder(self, path: str) -> None:
        self.folders.add(path)

    def select_row(self, row: int) -> None:
        self.view.select_row(row)

    def set_cell_size(self, size: int) -> None:
        size = max(MIN_CELL, min(MAX_CELL, int(size)))
        self.status.set_zoom(size)
        self.splitter.set_cell_size(size)

    def open_preview(self, row: int) -> PreviewDialog | None:
        if self.model.hit(row) is None:
            return None
        dlg = PreviewDialog(self.services, self.model, self)
        dlg.row_shown.connect(self.select_row)
        dlg.show_row(row)
        return shown(dlg)

    def build_context_menu(self, row: int) -> QMenu | None:
        hit = self.model.hit(row)
        return None if hit is None else self.photo_actions.menu(hit, lambda: self.open_preview(row), self,
                                                                steer=self.searcher.active)

    def _context_menu(self, pos: QPoint) -> None:
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return
        if not self.view.selectionModel().isSelected(idx):
            self.view.setCurrentIndex(idx)
        menu = self.build_context_menu(idx.row())
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def open_folders(self) -> FoldersDialog:
        return shown(FoldersDialog(self.services, self.folders, self.indexer, self.watcher, self))

    def open_settings(self, tab: SettingsTab = SettingsTab.GENERAL) -> SettingsDialog:
        return shown(SettingsDialog(self.services, self.settings_controller, self.models_controller, self, tab))

    def open_duplicates(self) -> DuplicatesDialog:
        return shown(DuplicatesDialog(self.services, self.duplicates, self.photo_actions, self))

    def paste(self) -> None:
        self.photo_actions.paste()

    # drag and drop: an image file or image data dropped anywhere finds similar photos ---------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.source() is not self.view and actions.accepts(event.mimeData()):  # not our own results
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.photo_actions.use_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    # lifecycle ------------------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop timers and workers and wait for them. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.searcher.shutdown()
        self.activity.shutdown()
        try:
            self.save_state()
        except Exception as e:  # closing must not fail because the settings file cannot be written
            log.warning("could not save window state: %s", e)
        for part in (self.indexer, self.watcher, self.duplicates, self.services):  # workers first, pools last
            part.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
