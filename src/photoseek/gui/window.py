"""The main window: search box and filters, the result grid with a details pane, status bar with indexing."""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QDate, QModelIndex, QProcess, Qt, QThreadPool, QTimer, QUrl
from PySide6.QtGui import (
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from photoseek.core.domain import IndexProgress, IndexReport, SearchHit, WatchProgress
from photoseek.core.imaging.decode import is_photo_path
from photoseek.core.imaging.thumbnails import ThumbnailCache
from photoseek.core.library import Library
from photoseek.gui.bridge import Bridge
from photoseek.gui.dialogs import (
    FoldersDialog,
    ImageLabel,
    PreviewDialog,
    SettingsDialog,
    describe_error,
    photo_facts,
)
from photoseek.gui.icon import icon_pixmap
from photoseek.gui.indexer import IndexController
from photoseek.gui.results import ResultsModel, ResultsView, ThumbDelegate
from photoseek.gui.thumbs import ThumbnailLoader
from photoseek.gui.watching import WatchController

log = logging.getLogger(__name__)

PLACEHOLDER = "Search your photos — e.g. sunset over mountains"
NO_DATE = QDate(1900, 1, 1)


class SearchBox(QLineEdit):
    """Escape clears; Down moves into the results."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.win = window

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            return
        if event.key() == Qt.Key.Key_Down and self.win.model.rowCount():
            self.win.view.setFocus()
            if not self.win.view.currentIndex().isValid():
                self.win.select_row(0)
            return
        super().keyPressEvent(event)


class GridView(ResultsView):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.win = window

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.win.open_preview(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class MessageBar(QFrame):
    """Errors and notices inside the window: a message, what to do about it, and a close button."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("messageBar")
        self.text = QLabel()
        self.text.setObjectName("messageText")
        self.text.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("messageHint")
        self.hint.setWordWrap(True)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        col = QVBoxLayout()
        col.setSpacing(2)
        col.addWidget(self.text)
        col.addWidget(self.hint)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.addLayout(col, 1)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, hint: str | None = None, kind: str = "error") -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(text)
        self.hint.setText(hint or "")
        self.hint.setVisible(bool(hint))
        self.show()


class DetailsPane(QFrame):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.win = window
        self.setObjectName("details")
        self.image = ImageLabel()
        self.title = QLabel("No photo selected")
        self.title.setObjectName("detailsTitle")
        self.title.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setObjectName("muted")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 14, 14, 14)
        self.image.setMinimumWidth(160)
        self.image.setFixedHeight(220)
        # Ignored (the base policy) would let the layout hand out no height at all and stack text over the image
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        lay.addWidget(self.image)
        lay.addSpacing(6)
        lay.addWidget(self.title)
        lay.addWidget(self.facts)
        lay.addStretch(1)
        self.photo_id: int | None = None

    def show_hit(self, hit: SearchHit | None) -> None:
        if hit is None:
            self.photo_id = None
            self.image.set_pixmap(None)
            self.title.setText("No photo selected")
            self.facts.setText("Select a photo to see its details. Double-click or press Enter for a large preview.")
            return
        self.photo_id = hit.photo.id
        offline = " (offline: its folder cannot be reached)" if hit.photo.state == "offline" else ""
        self.title.setText(os.path.basename(hit.photo.path) + offline)
        self.facts.setText("".join(f"<p style='margin:0 0 6px 0'><b>{k}</b><br>{v}</p>" for k, v in photo_facts(hit)))
        self.image.set_pixmap(self.win.thumbs.pixmap(hit.photo, 256))

    def thumb_ready(self, photo_id: int) -> None:
        hit = self.win.current_hit()
        if hit is not None and photo_id == self.photo_id == hit.photo.id:
            self.image.set_pixmap(self.win.thumbs.pixmap(hit.photo, 256))


class MainWindow(QMainWindow):
    MIN_CELL = 96
    MAX_CELL = 320
    DEBOUNCE_MS = 250
    REFRESH_MS = 1000

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self.setWindowTitle("PhotoSeek")
        self.setAcceptDrops(True)
        self.setMinimumSize(720, 480)
        self.bridge = Bridge(self)
        self.query_pool = QThreadPool(self)
        self.query_pool.setMaxThreadCount(1)
        self.misc_pool = QThreadPool(self)
        self.misc_pool.setMaxThreadCount(1)
        self.preview_pool = QThreadPool(self)
        self.preview_pool.setMaxThreadCount(1)
        s = library.settings
        cache = ThumbnailCache(library.cache_dir / "thumbnails", s.thumbnail_cache_mb * 1024 * 1024)
        # leave cores for indexing and the GUI: thumbnails are small and cached on disk after the first load
        self.thumbs = ThumbnailLoader(cache, self.bridge, threads=max(1, min(2, (os.cpu_count() or 2) - 1)), parent=self)
        self.indexer = IndexController(library, self.bridge, self)
        self.watcher = WatchController(library, self.bridge, self)
        self.paused = False  # the user paused indexing and watching (status bar button)
        self._gen = 0
        self._query: tuple[str, Any, str] | None = None  # ("text", query, label) or ("similar", target, label)
        self._shown_ids: list[tuple[int, str]] = []  # (id, state): a photo going offline repaints too
        self._folders: list[str] | None = None
        self._offline: set[str] = set()
        self._watch_done = 0  # changes the watcher has applied, as last reported
        self._closed = False
        self.last_query_s = 0.0
        self.result_limit = int(s.gui.get("result_limit", 1000))

        self._build()
        self._restore_state()
        self._load_folders(first=True)

    # construction -------------------------------------------------------------------------------------------
    def _build(self) -> None:
        s = self.library.settings
        self.search = SearchBox(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText(PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._text_changed)
        self.search.returnPressed.connect(self.search_now)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(self.DEBOUNCE_MS)
        self.debounce.timeout.connect(self.search_now)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(self.REFRESH_MS)
        self.refresh_timer.timeout.connect(self._refresh_results)

        self.folder_combo = QComboBox()
        self.folder_combo.setMinimumWidth(150)
        self.folder_combo.setToolTip("Search in one folder only")
        self.folder_combo.addItem("All folders", None)
        self.folder_combo.currentIndexChanged.connect(self._filters_changed)
        self.date_from = self._date_edit("From: any", "Only photos taken on or after this day")
        self.date_to = self._date_edit("To: any", "Only photos taken on or before this day")
        self.sort_combo = QComboBox()
        self.sort_combo.addItem("Best match", "relevance")
        self.sort_combo.addItem("Newest first", "date")
        self.sort_combo.addItem("Oldest first", "date-asc")
        self.sort_combo.setToolTip("Sort results")
        self.sort_combo.currentIndexChanged.connect(self._filters_changed)
        folders_btn = QPushButton("Folders…")
        folders_btn.clicked.connect(self.open_folders)
        settings_btn = QPushButton("Settings…")
        settings_btn.clicked.connect(self.open_settings)

        bar = QWidget()
        bar.setObjectName("toolbar")
        top = QHBoxLayout(bar)
        top.setContentsMargins(12, 10, 12, 10)
        top.setSpacing(8)
        top.addWidget(self.search, 1)
        top.addWidget(self.folder_combo)
        top.addWidget(self.date_from)
        top.addWidget(self.date_to)
        top.addWidget(self.sort_combo)
        top.addSpacing(6)
        top.addWidget(folders_btn)
        top.addWidget(settings_btn)

        self.message = MessageBar()
        self.header = QLabel()
        self.header.setObjectName("header")

        self.model = ResultsModel(self.thumbs, self)
        self.delegate = ThumbDelegate(self)
        self.view = GridView(self)
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(self.model)
        self.view.doubleClicked.connect(lambda idx: self.open_preview(idx.row()))
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.zoom_requested = lambda steps: self.set_cell_size(self.delegate.cell + int(steps * 16))
        self.details = DetailsPane(self)
        self.details.show_hit(None)
        self.thumbs.ready.connect(self.details.thumb_ready)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setCollapsible(0, False)
        self.splitter.setSizes([900, 280])

        self.hint_page = QLabel()
        self.hint_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_page.setObjectName("emptyText")
        self.hint_page.setWordWrap(True)
        self.empty_page = self._build_empty_page()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_page)
        self.stack.addWidget(self.hint_page)
        self.stack.addWidget(self.splitter)
        self.stack.setCurrentWidget(self.hint_page)

        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(bar)
        inner = QVBoxLayout()
        inner.setContentsMargins(12, 8, 12, 0)
        inner.setSpacing(6)
        inner.addWidget(self.message)
        inner.addWidget(self.header)
        col.addLayout(inner)
        col.addWidget(self.stack, 1)
        self.setCentralWidget(body)

        # status bar: indexing progress, pause/resume, zoom
        sb = self.statusBar()
        sb.setSizeGripEnabled(False)
        self.progress_label = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(160)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.pause_btn = QToolButton()
        self.pause_btn.setText("Pause")
        self.pause_btn.hide()
        self.pause_btn.clicked.connect(self._toggle_pause)
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setRange(self.MIN_CELL, self.MAX_CELL)
        self.zoom.setFixedWidth(120)
        self.zoom.setToolTip("Thumbnail size (Ctrl + mouse wheel)")
        self.zoom.valueChanged.connect(self.set_cell_size)
        sb.addWidget(self.progress_label, 1)
        sb.addPermanentWidget(self.progress_bar)
        sb.addPermanentWidget(self.pause_btn)
        zoom_label = QLabel("Size")
        zoom_label.setObjectName("muted")
        sb.addPermanentWidget(zoom_label)
        sb.addPermanentWidget(self.zoom)
        # hidden on the first-run page, where there is nothing to filter or zoom yet
        self._library_controls = [self.folder_combo, self.date_from, self.date_to, self.sort_combo, zoom_label,
                                  self.zoom]
        self.set_cell_size(s.thumbnail_size)

        self.indexer.progress.connect(self._index_progress)
        self.indexer.finished.connect(self._index_finished)
        self.indexer.failed.connect(self._index_failed)
        self.indexer.batch_indexed.connect(self._batch_indexed)
        self.indexer.running_changed.connect(self._index_running)
        self.watcher.progress.connect(self._watch_progress)
        self.watcher.active_changed.connect(self._watch_active)

        QShortcut(QKeySequence.StandardKey.Find, self, activated=self._focus_search)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self._focus_search)
        QShortcut(QKeySequence.StandardKey.Paste, self, activated=self.paste)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, activated=lambda: self.set_cell_size(self.delegate.cell + 16))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, activated=lambda: self.set_cell_size(self.delegate.cell - 16))

    def _date_edit(self, special: str, tip: str) -> QDateEdit:
        d = QDateEdit()
        d.setCalendarPopup(True)
        d.setDisplayFormat("d MMM yyyy")
        d.setMinimumDate(NO_DATE)
        d.setSpecialValueText(special)  # shown while the date is the minimum: no bound
        d.setDate(NO_DATE)
        d.setToolTip(tip + " (set it back to the first date to clear)")
        d.setMinimumWidth(120)
        d.dateChanged.connect(self._filters_changed)
        return d

    def _build_empty_page(self) -> QWidget:
        page = QWidget()
        icon = QLabel()
        icon.setPixmap(icon_pixmap(112))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Welcome to PhotoSeek")
        title.setObjectName("emptyTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel("Find any photo by describing it — “dog on the beach”, “red car”, “birthday cake”.\n"
                      "Everything stays on this computer. Start by telling PhotoSeek where your photos are.")
        text.setObjectName("emptyText")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        pictures = Path.home() / "Pictures"
        self.pictures_dir = str(pictures) if pictures.is_dir() else None
        self.add_pictures_btn = QPushButton(f"Add {self._pretty(self.pictures_dir)}" if self.pictures_dir else "")
        self.add_pictures_btn.setObjectName("primary")
        self.add_pictures_btn.setVisible(bool(self.pictures_dir))
        self.add_pictures_btn.clicked.connect(lambda: self.add_folder(self.pictures_dir or ""))
        choose = QPushButton("Choose a folder…")
        if not self.pictures_dir:
            choose.setObjectName("primary")
        choose.clicked.connect(self._choose_folder)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_pictures_btn)
        buttons.addWidget(choose)
        buttons.addStretch(1)
        col = QVBoxLayout(page)
        col.addStretch(2)
        col.addWidget(icon)
        col.addSpacing(8)
        col.addWidget(title)
        col.addWidget(text)
        col.addSpacing(14)
        col.addLayout(buttons)
        col.addStretch(3)
        return page

    @staticmethod
    def _pretty(path: str | None) -> str:
        if not path:
            return ""
        home = str(Path.home())
        return "~" + path[len(home):] if path.startswith(home) else path

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
            sort = g.get("sort")
            i = self.sort_combo.findData(sort) if sort else -1
            if i >= 0:
                self.sort_combo.setCurrentIndex(i)
        except Exception:  # a stale or hand-edited value must not stop the app from starting
            log.warning("could not restore window state", exc_info=True)

    def save_state(self) -> None:
        self.library.update_settings(
            gui={"geometry": bytes(self.saveGeometry().toBase64().data()).decode(),
                 "splitter": bytes(self.splitter.saveState().toBase64().data()).decode(),
                 "sort": self.sort_combo.currentData()},
            thumbnail_size=self.delegate.cell)

    # folders ------------------------------------------------------------------------------------------------
    def _load_folders(self, first: bool = False) -> None:
        lib = self.library
        self.bridge.submit(self.misc_pool, lib.folders, lambda r, e: self._folders_loaded(r, e, first))

    def folders_changed(self) -> None:
        self._load_folders()

    def _folders_loaded(self, folders: Any, error: BaseException | None, first: bool) -> None:
        if error is not None:
            self.show_error(error)
            return
        self._folders = [f.path for f in folders]
        current = self.folder_combo.currentData()
        self.folder_combo.blockSignals(True)
        self.folder_combo.clear()
        self.folder_combo.addItem("All folders", None)
        for f in folders:
            self.folder_combo.addItem(os.path.basename(f.path.rstrip("/\\")) or f.path, f.path)
            self.folder_combo.setItemData(self.folder_combo.count() - 1, f.path, Qt.ItemDataRole.ToolTipRole)
        i = self.folder_combo.findData(current)
        self.folder_combo.setCurrentIndex(max(0, i))
        self.folder_combo.blockSignals(False)
        offline = [f.path for f in folders if not f.online]
        changed, self._offline = set(offline) != self._offline, set(offline)
        if offline and changed:
            self.message.show_message(f"Folder not found: {offline[0]}" + (f" (+{len(offline) - 1} more)"
                                      if len(offline) > 1 else ""),
                                      "Its photos are kept; reconnect the drive or remove the folder in Folders…",
                                      kind="info")
        self._update_page()
        if first and folders:
            self.indexer.start()  # catch up with changes made while the app was closed

    def add_folder(self, path: str) -> None:
        if not path:
            return
        lib = self.library

        def done(_f: Any, error: BaseException | None) -> None:
            if error is not None:
                self.show_error(error)
                return
            self.folders_changed()
            self.indexer.start()

        self.bridge.submit(self.misc_pool, lambda: lib.add_folder(path), done)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a folder of photos", os.path.expanduser("~"))
        if path:
            self.add_folder(path)

    def open_folders(self) -> FoldersDialog:
        dlg = FoldersDialog(self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def open_settings(self) -> SettingsDialog:
        dlg = SettingsDialog(self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.apply_settings(dlg.chosen_model(), dlg.threads.value(), dlg.thumb.value()))
        dlg.show()
        return dlg

    def apply_settings(self, model: str | None, threads: int, thumb: int) -> None:
        self.set_cell_size(thumb)
        lib = self.library

        def work() -> bool | None:
            lib.update_settings(index_threads=threads, thumbnail_size=thumb)
            return lib.use_model(model) if model else None

        def done(immediate: bool | None, error: BaseException | None) -> None:
            if error is not None:
                self.show_error(error)
                return
            if immediate is False:
                self.message.show_message("Switching model pack", "Computing its vectors now; searches use the "
                                          "current pack until that finishes.", kind="info")
                self.indexer.start()
            elif immediate:
                self.rerun_query()

        self.bridge.submit(self.misc_pool, work, done)

    # pages ----------------------------------------------------------------------------------------------------
    def _update_page(self) -> None:
        empty = self._folders is not None and not self._folders
        for w in self._library_controls:
            w.setVisible(not empty)
        if empty:
            self.stack.setCurrentWidget(self.empty_page)
            self.header.setText("")
            return
        if self._query is None:
            self.stack.setCurrentWidget(self.hint_page)
            self.hint_page.setText("Type what you remember about a photo above — or drop an image here to find "
                                   "photos that look like it.")
            self.header.setText("")
        elif self.model.rowCount() == 0:
            self.stack.setCurrentWidget(self.hint_page)
            self.hint_page.setText("No photos match yet." + (" More appear as indexing goes on."
                                                              if self.indexer.running else ""))
        else:
            self.stack.setCurrentWidget(self.splitter)

    # searching ------------------------------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _text_changed(self, text: str) -> None:
        if text.strip():
            self.debounce.start()
        else:
            self.debounce.stop()
            self.clear_results()

    def clear_results(self) -> None:
        self._gen += 1
        self._query = None
        self._shown_ids = []
        self.thumbs.cancel_pending()
        self.model.set_hits([])
        self.details.show_hit(None)
        self._update_page()

    def search_now(self) -> None:
        self.debounce.stop()
        text = self.search.text().strip()
        if not text:
            self.clear_results()
            return
        self._query = ("text", text, f"“{text}”")
        self._run_query(fresh=True)

    def find_similar(self, target: int | str, label: str) -> None:
        """Photos that look like a library photo (id) or any image file (path)."""
        self._query = ("similar", target, f"photos like {label}")
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.debounce.stop()
        self._run_query(fresh=True)

    def rerun_query(self) -> None:
        if self._query is not None:
            self._run_query(fresh=False)

    def _filters_changed(self) -> None:
        self.rerun_query_fresh()

    def rerun_query_fresh(self) -> None:
        if self._query is not None:
            self._run_query(fresh=True)

    def _filter_kwargs(self) -> dict[str, Any]:
        after = before = None
        if self.date_from.date() != NO_DATE:
            after = datetime(self.date_from.date().year(), self.date_from.date().month(), self.date_from.date().day())
        if self.date_to.date() != NO_DATE:
            d = self.date_to.date()
            before = datetime(d.year(), d.month(), d.day()) + timedelta(days=1)
        return {"folder": self.folder_combo.currentData(), "after": after, "before": before,
                "sort": self.sort_combo.currentData() or "relevance", "limit": self.result_limit}

    def _run_query(self, fresh: bool) -> None:
        assert self._query is not None
        self._gen += 1
        gen = self._gen
        kind, target, _label = self._query
        kw = self._filter_kwargs()
        lib = self.library
        fn = (lambda: lib.search(target, **kw)) if kind == "text" else (lambda: lib.similar(target, **kw))
        self.query_pool.clear()  # only the newest query matters; drop any still waiting
        started = time.monotonic()

        def timed() -> list[SearchHit]:
            return fn()

        self.bridge.submit(self.query_pool, timed,
                           lambda r, e: self._query_done(gen, fresh, started, r, e))

    def _query_done(self, gen: int, fresh: bool, started: float, hits: list[SearchHit] | None,
                    error: BaseException | None) -> None:
        if gen != self._gen or self._query is None:
            return  # a newer query is on its way; this result is stale
        self.last_query_s = time.monotonic() - started
        if error is not None:
            self.show_error(error)
            return
        hits = hits or []
        ids = [(h.photo.id, str(h.photo.state)) for h in hits]
        if ids == self._shown_ids and not fresh:
            return
        if fresh:
            self.message.hide() if self.message.property("kind") == "error" else None
        keep_id = None if fresh else (self.current_hit().photo.id if self.current_hit() else None)
        scroll = self.view.verticalScrollBar().value()
        self.thumbs.cancel_pending()
        self.model.set_hits(hits)
        self._shown_ids = ids
        if fresh:
            self.view.scrollToTop()
        else:
            self.view.verticalScrollBar().setValue(scroll)
            if keep_id is not None:
                row = self.model.row_of(keep_id)
                if row is not None:
                    self.view.setCurrentIndex(self.model.index(row, 0))
        if self.view.currentIndex().isValid() is False:
            self.details.show_hit(None)
        label = self._query[2]
        order = {"relevance": "best match first", "date": "newest first", "date-asc": "oldest first"}
        n = len(hits)
        more = " (limit reached)" if n >= self.result_limit else ""
        self.header.setText(f"{n:,} photo{'s' if n != 1 else ''} for {label} · "
                            f"{order.get(self.sort_combo.currentData(), '')}{more}")
        self._update_page()

    def _refresh_results(self) -> None:
        self.rerun_query()

    # results ----------------------------------------------------------------------------------------------------
    def current_hit(self) -> SearchHit | None:
        idx = self.view.currentIndex()
        return self.model.hit(idx.row()) if idx.isValid() else None

    def select_row(self, row: int) -> None:
        idx = self.model.index(row, 0)
        if idx.isValid():
            self.view.setCurrentIndex(idx)
            self.view.scrollTo(idx)

    def _current_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        self.details.show_hit(self.model.hit(current.row()) if current.isValid() else None)

    def set_cell_size(self, size: int) -> None:
        size = max(self.MIN_CELL, min(self.MAX_CELL, int(size)))
        if self.zoom.value() != size:
            self.zoom.blockSignals(True)
            self.zoom.setValue(size)
            self.zoom.blockSignals(False)
        if size == self.delegate.cell and self.thumbs.size == size:
            return
        self.delegate.cell = size
        self.thumbs.set_size(size)
        self.model.layoutChanged.emit()  # new item size; the view re-lays out in batches
        self.view.doItemsLayout()

    def open_preview(self, row: int) -> PreviewDialog | None:
        if self.model.hit(row) is None:
            return None
        dlg = PreviewDialog(self, row)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def build_context_menu(self, row: int) -> QMenu | None:
        hit = self.model.hit(row)
        if hit is None:
            return None
        path = hit.photo.path
        name = os.path.basename(path)
        menu = QMenu(self)
        a = menu.addAction("Find similar", lambda: self.find_similar(hit.photo.id, name))
        a.setObjectName("find_similar")
        menu.addSeparator()
        menu.addAction("Open", lambda: self.open_file(path)).setObjectName("open")
        menu.addAction("Show in folder", lambda: self.show_in_folder(path)).setObjectName("show_in_folder")
        menu.addAction("Preview", lambda: self.open_preview(row)).setObjectName("preview")
        menu.addSeparator()
        menu.addAction("Copy path", lambda: QGuiApplication.clipboard().setText(path)).setObjectName("copy_path")
        menu.addAction("Copy image", lambda: self.copy_image(path)).setObjectName("copy_image")
        return menu

    def _context_menu(self, pos: Any) -> None:
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return
        if not self.view.selectionModel().isSelected(idx):
            self.view.setCurrentIndex(idx)
        menu = self.build_context_menu(idx.row())
        if menu is not None:
            menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            menu.popup(self.view.viewport().mapToGlobal(pos))

    def open_file(self, path: str) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            self.message.show_message(f"Could not open {os.path.basename(path)}",
                                      "No application is set up to open this kind of file.")

    def show_in_folder(self, path: str) -> None:
        if sys.platform == "darwin":
            ok = QProcess.startDetached("open", ["-R", path])
        elif sys.platform == "win32":
            ok = QProcess.startDetached("explorer", ["/select,", os.path.normpath(path)])
        else:
            ok = QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))
        if not ok:
            self.message.show_message(f"Could not show {os.path.dirname(path)}", "Is a file manager installed?")

    def copy_image(self, path: str) -> None:
        from photoseek.gui.dialogs import load_preview

        def done(img: QImage | None, error: BaseException | None) -> None:
            if error is not None or img is None:
                self.show_error(error or OSError("cannot read image"))
                return
            QGuiApplication.clipboard().setImage(img)
            self.statusBar().showMessage(f"Copied {os.path.basename(path)}", 3000)

        self.bridge.submit(self.preview_pool, lambda: load_preview(path, 4096), done)

    # drag and drop, paste ------------------------------------------------------------------------------------
    @staticmethod
    def _image_paths(md: Any) -> list[str]:
        paths = [u.toLocalFile() for u in md.urls() if u.isLocalFile()] if md.hasUrls() else []
        if not paths and md.hasText():
            paths = [line.strip().strip('"') for line in md.text().splitlines() if line.strip()]
            paths = [p[7:] if p.startswith("file://") else p for p in paths]
        return [p for p in paths if is_photo_path(p)]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.source() is self.view:  # our own results dragged over ourselves: nothing to do
            event.ignore()
            return
        md = event.mimeData()
        if self._image_paths(md) or md.hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.accept_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def paste(self) -> None:
        md = QGuiApplication.clipboard().mimeData()
        if md is None or not self.accept_mime(md):
            self.statusBar().showMessage("Paste an image or the path of an image to find similar photos", 4000)

    def accept_mime(self, md: Any) -> bool:
        """An image file (URL or path) or raw image data: find photos similar to it."""
        paths = self._image_paths(md)
        if paths:
            self.find_similar(paths[0], os.path.basename(paths[0]))
            return True
        if md.hasImage():
            img = QImage(md.imageData())
            if img.isNull():
                return False
            target = str(self.library.cache_dir / "pasted-image.png")

            def save() -> str:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if not img.save(target, "PNG"):
                    raise OSError(f"cannot save the pasted image to {target}")
                return target

            self.bridge.submit(self.misc_pool, save, lambda p, e: self.show_error(e) if e else
                               self.find_similar(p, "the pasted image"))
            return True
        return False

    # indexing -------------------------------------------------------------------------------------------------
    def _index_running(self, running: bool) -> None:
        if running:
            self.paused = False
        self._update_pause_btn()
        self.progress_bar.setVisible(running)
        if running:
            self.progress_label.setText("Looking for new photos…")
            self.progress_bar.setRange(0, 0)

    def _update_pause_btn(self) -> None:
        self.pause_btn.setVisible(self.paused or self.indexer.running or self.watcher.active)
        self.pause_btn.setText("Resume" if self.paused else "Pause")
        self.pause_btn.setToolTip("Index new photos again" if self.paused else
                                  "Stop indexing and watching folders until you resume")

    def _toggle_pause(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    def pause(self) -> None:
        """Pause the index run and stop watching; what is done is kept."""
        self.paused = True
        self.watcher.stop()
        if self.indexer.running:
            self.indexer.pause()
            self.progress_label.setText("Pausing after the current batch…")
        else:
            self.progress_label.setText("Paused — new photos are indexed when you resume.")
            self.progress_bar.hide()
        self._update_pause_btn()

    def resume(self) -> None:
        """An index run catches up with what changed while paused; watching restarts when it finishes."""
        self.paused = False
        self.indexer.resume()
        self._update_pause_btn()

    def _index_progress(self, p: IndexProgress) -> None:
        if not self.indexer.running:
            return
        if p.phase == "scanning":
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText(f"Looking for photos… {p.done:,} found")
        elif p.phase == "embedding" and p.total:
            self.progress_bar.setRange(0, p.total)
            self.progress_bar.setValue(p.done)
            eta = ""
            if p.eta_s is not None and p.done < p.total:
                eta = f" · about {_duration(p.eta_s)} left"
            rate = f" · {p.rate:.0f} photos/s" if p.rate >= 1 else (f" · {p.rate:.1f} photos/s" if p.rate else "")
            self.progress_label.setText(f"Indexing {p.done:,} of {p.total:,}{rate}{eta}")

    def _index_finished(self, report: IndexReport) -> None:
        if report.cancelled:
            self.progress_label.setText("Indexing paused — what is done is saved. Resume any time.")
        else:
            new = f", {report.embedded:,} newly indexed" if report.embedded else ""
            failed = f", {report.failed:,} could not be read (see Folders…)" if report.failed else ""
            self.progress_label.setText(f"Up to date · {report.scanned:,} photo{'s' if report.scanned != 1 else ''}"
                                        f"{new}{failed}")
            if not self.paused and not self._closed:
                # from now on watchdog tells us what changes; its own catch-up scan (stat only, cheap after the run
                # that just ended) covers anything changed between that run's scan and the observers starting
                self.watcher.start(catch_up=True)
        self._update_pause_btn()
        self.folders_changed()
        self.rerun_query()
        self._update_page()

    def _index_failed(self, error: BaseException) -> None:
        self.progress_label.setText("Indexing stopped")
        self.paused = True
        self.watcher.stop()
        self._update_pause_btn()
        self.show_error(error)

    # watching -------------------------------------------------------------------------------------------------
    def _watch_active(self, _active: bool) -> None:
        self._update_pause_btn()

    def watching_text(self) -> str:
        n = len(self.watcher.modes()) or len(self._folders or [])
        return f"Up to date · Watching {n:,} folder{'s' if n != 1 else ''}"

    def _watch_progress(self, p: WatchProgress) -> None:
        if p.message and p.message != "stopped":
            self.statusBar().showMessage(p.message[:1].upper() + p.message[1:], 4000)
            self.folders_changed()  # watch modes, offline folders, counts
        if p.message or (p.phase == "watching" and p.done != self._watch_done):
            self._schedule_refresh()  # a batch was applied: deletions and moves send no batch_indexed
        if p.phase == "watching":
            self._watch_done = p.done
        if self.indexer.running or not self.watcher.active:
            return  # the index run owns the status bar; a stopped watcher's last words are the message above
        if p.phase in ("indexing", "scanning") and p.total and p.done < p.total:
            self.progress_bar.setRange(0, p.total)
            self.progress_bar.setValue(p.done)
            self.progress_bar.show()
            self.progress_label.setText(f"Indexing new photos: {p.done:,}/{p.total:,}")
        elif p.phase == "watching" or (p.total and p.done >= p.total):
            self.progress_bar.hide()
            self.progress_label.setText(self.watching_text())

    def _batch_indexed(self, _ids: list[int]) -> None:
        self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        if self._query is not None and not self._closed and not self.refresh_timer.isActive():
            self.refresh_timer.start()  # throttled: at most one re-run per REFRESH_MS while batches land

    # errors ---------------------------------------------------------------------------------------------------
    def show_error(self, error: BaseException | None) -> None:
        if error is None:
            return
        if not isinstance(error, Exception) or type(error).__module__.split(".")[0] != "photoseek":
            log.error("unexpected error", exc_info=error)
        msg, hint = describe_error(error)
        self.message.show_message(msg, hint)

    # lifecycle ------------------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop timers and workers and wait for them. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for t in (self.debounce, self.refresh_timer):
            t.stop()
        try:
            self.save_state()
        except Exception as e:  # closing must not fail because the settings file cannot be written
            log.warning("could not save window state: %s", e)
        self.indexer.shutdown()
        self.watcher.shutdown()
        for pool in (self.query_pool, self.misc_pool, self.preview_pool):
            pool.clear()
        self.thumbs.shutdown()
        for pool in (self.query_pool, self.misc_pool, self.preview_pool):
            pool.waitForDone()
        self.bridge.closed = True

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _duration(seconds: float) -> str:
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60} min"
