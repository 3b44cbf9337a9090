"""Folders, settings and preview dialogs. Every library call runs on a worker through the bridge."""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photoseek.core.domain import Folder, LibraryStatus, ModelInfo, SearchHit, WatchProgress
from photoseek.core.errors import PhotoSeekError

if TYPE_CHECKING:
    from photoseek.gui.window import MainWindow


def describe_error(error: BaseException) -> tuple[str, str | None]:
    """A message and a hint for people, never a traceback."""
    if isinstance(error, PhotoSeekError):
        return str(error), error.hint
    if isinstance(error, OSError):
        return f"{error.strerror or error}" + (f": {error.filename}" if error.filename else ""), None
    return f"Something went wrong ({type(error).__name__}: {error})", "Details are in the log."


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def photo_facts(hit: SearchHit) -> list[tuple[str, str]]:
    p = hit.photo
    taken = p.taken_at or (datetime.fromtimestamp(p.mtime) if p.mtime else None)
    return [
        ("Folder", os.path.dirname(p.path)),
        ("Size", human_size(p.size)),
        ("Dimensions", f"{p.width} × {p.height}" if p.width and p.height else "unknown"),
        ("Taken", (taken.strftime("%d %b %Y, %H:%M") + ("" if p.taken_at else " (file date)")) if taken else "unknown"),
        ("Camera", p.camera or "unknown"),
        ("Score", f"{hit.score:.3f}"),
    ]


def watch_item(folder: Folder, reason: str) -> QTableWidgetItem:
    """The Watching cell: "live" (file system events), "polling" (why, as the tooltip), "offline" or "—"."""
    if not folder.online:
        item = QTableWidgetItem("offline")
        item.setToolTip("The folder cannot be reached; its photos are kept and it is watched again when it returns.")
    elif folder.watch_mode == "events":
        item = QTableWidgetItem("live")
        item.setToolTip("New and changed photos are indexed as soon as they appear.")
    elif folder.watch_mode == "polling":
        item = QTableWidgetItem("polling")
        item.setToolTip(f"Checked every few seconds: {reason}" if reason else "Checked every few seconds.")
    else:
        item = QTableWidgetItem("—")
        item.setToolTip("Not watched now (paused, or the app is still catching up).")
    return item


class FoldersDialog(QDialog):
    """Library folders with photo and error counts, and every file that could not be indexed with its reason."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.win = window
        self.setWindowTitle("Folders")
        self.resize(760, 520)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Folder", "Photos", "Errors", "State", "Watching"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3, 4):
            self.table.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems = QListWidget()
        self.problems.setAlternatingRowColors(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("muted")
        add = QPushButton("Add folder…")
        add.setObjectName("primary")
        add.clicked.connect(self._choose)
        self.remove_btn = QPushButton("Remove")
        self.remove_btn.clicked.connect(self._remove_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove_btn)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("PhotoSeek reads these folders and never changes anything in them."))
        lay.addWidget(self.table, 3)
        self.problems_label = QLabel("Files that could not be indexed")
        lay.addWidget(self.problems_label)
        lay.addWidget(self.problems, 2)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        self.status: LibraryStatus | None = None
        window.indexer.finished.connect(self._index_done)  # counts change as photos are indexed
        window.watcher.active_changed.connect(self._index_done)  # watch modes come and go
        window.watcher.progress.connect(self._watch_progress)
        self.refresh()

    def _index_done(self, _report: object) -> None:
        self.refresh()

    def _watch_progress(self, p: WatchProgress) -> None:
        if p.message:  # a folder went offline or came back, a batch landed, a folder switched to polling
            self.refresh()

    def refresh(self) -> None:
        lib = self.win.library
        self.win.bridge.submit(self.win.misc_pool, lambda: (lib.status(), lib.watch_reasons()), self._fill)

    def _fill(self, result: tuple[LibraryStatus, dict[str, str]] | None, error: BaseException | None) -> None:
        if error is not None or result is None:
            self._say_error(error or RuntimeError("no status"))
            return
        status, reasons = result
        self.status = status
        self.table.setRowCount(len(status.folders))
        for row, f in enumerate(status.folders):
            item = QTableWidgetItem(f.path)
            item.setData(Qt.ItemDataRole.UserRole, f.path)
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem(f"{f.photo_count:,}"))
            self.table.setItem(row, 2, QTableWidgetItem(f"{f.error_count:,}"))
            self.table.setItem(row, 3, QTableWidgetItem("online" if f.online else "offline or missing"))
            self.table.setItem(row, 4, watch_item(f, reasons.get(f.path, "")))
        self.problems.clear()
        for prob in status.problems[:2000]:
            self.problems.addItem(f"{os.path.basename(prob.path) or prob.path} — {prob.reason}    ({prob.path})")
        self.problems_label.setText(f"Files that could not be indexed ({len(status.problems):,})")

    def _choose(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder of photos", os.path.expanduser("~"))
        if path:
            self.add_path(path)

    def add_path(self, path: str) -> None:
        """Add a folder (on a worker), then refresh and start indexing."""
        self.message.setText(f"Adding {path}…")
        lib = self.win.library
        self.win.bridge.submit(self.win.misc_pool, lambda: lib.add_folder(path), self._added)

    def _added(self, folder: Any, error: BaseException | None) -> None:
        if error is not None:
            self._say_error(error)
            return
        self.message.setText(f"Added {folder.path}. Indexing has started; you can search while it runs.")
        self.win.folders_changed()
        self.win.indexer.start()
        self.refresh()

    def _remove_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        paths = [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in sorted(rows)]
        for p in paths:
            self.remove_path(p)

    def remove_path(self, path: str) -> None:
        lib = self.win.library
        self.message.setText(f"Removing {path}… (your files are not touched)")
        self.win.bridge.submit(self.win.misc_pool, lambda: lib.remove_folder(path), self._removed)

    def _removed(self, _r: Any, error: BaseException | None) -> None:
        if error is not None:
            self._say_error(error)
            return
        self.message.setText("Folder removed from the library. The photos themselves were not touched.")
        self.win.folders_changed()
        self.win.rerun_query()
        self.refresh()

    def _say_error(self, error: BaseException) -> None:
        msg, hint = describe_error(error)
        self.message.setText(f"<b>{msg}</b>" + (f"<br>{hint}" if hint else ""))


class SettingsDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.win = window
        self.setWindowTitle("Settings")
        s = window.library.settings
        self.model = QComboBox()
        self.model.setEnabled(False)
        self.model.addItem("Loading…")
        self.threads = QSpinBox()
        self.threads.setRange(0, max(1, os.cpu_count() or 1))
        self.threads.setSpecialValueText("Automatic (all cores but one)")
        self.threads.setValue(s.index_threads)
        self.thumb = QSlider(Qt.Orientation.Horizontal)
        self.thumb.setRange(window.MIN_CELL, window.MAX_CELL)
        self.thumb.setValue(s.thumbnail_size)
        self.thumb_label = QLabel(f"{s.thumbnail_size} px")
        self.thumb.valueChanged.connect(lambda v: self.thumb_label.setText(f"{v} px"))
        thumb_row = QHBoxLayout()
        thumb_row.addWidget(self.thumb, 1)
        thumb_row.addWidget(self.thumb_label)
        form = QFormLayout()
        form.addRow("Model pack", self.model)
        form.addRow("Indexing threads", self.threads)
        form.addRow("Thumbnail size", thumb_row)
        note = QLabel("A new model pack is used once its vectors are computed (indexing runs in the background). "
                      "A new thread count applies the next time PhotoSeek starts.")
        note.setWordWrap(True)
        note.setObjectName("muted")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(box)
        self.resize(460, 220)
        self._models: list[ModelInfo] = []
        window.bridge.submit(window.misc_pool, window.library.models, self._fill_models)

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
        if not self._models:
            return None
        mid = self.model.currentData()
        active = next((m.id for m in self._models if m.active), None)
        return mid if mid and mid != active else None


class ImageLabel(QLabel):
    """Shows a pixmap scaled to fit, keeping its aspect ratio as the dialog resizes."""

    def __init__(self) -> None:
        super().__init__()
        self._pm: QPixmap | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(200, 150)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def set_pixmap(self, pm: QPixmap | None) -> None:
        self._pm = pm
        self._rescale()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._pm is None or self._pm.isNull():
            self.clear()
            return
        self.setPixmap(self._pm.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation))


def load_preview(path: str, box: int = 1600) -> QImage:
    """Decode for the preview on a worker: EXIF orientation applied, reduced to fit ``box``."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > box:
        reader.setScaledSize(size.scaled(QSize(box, box), Qt.AspectRatioMode.KeepAspectRatio))
    img = reader.read()
    if img.isNull():
        raise OSError(f"cannot open image: {reader.errorString()}")
    return img


class PreviewDialog(QDialog):
    """A large view of one result; Left/Right move through the results, Esc closes."""

    def __init__(self, window: MainWindow, row: int) -> None:
        super().__init__(window)
        self.win = window
        self.setObjectName("preview")
        self.setWindowTitle("Preview")
        self.resize(1000, 720)
        self.image = ImageLabel()
        self.title = QLabel()
        self.title.setObjectName("detailsTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel()
        self.facts.setObjectName("muted")
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setWordWrap(True)
        hint = QLabel("← → previous / next    Esc close")
        hint.setObjectName("muted")
        info = QVBoxLayout()
        info.addWidget(self.title)
        info.addWidget(self.facts)
        info.addStretch(1)
        info.addWidget(hint)
        side = QWidget()
        side.setLayout(info)
        side.setFixedWidth(280)
        lay = QHBoxLayout(self)
        lay.addWidget(self.image, 1)
        lay.addWidget(side)
        self.row = -1
        self._want: str | None = None
        self.show_row(row)

    def show_row(self, row: int) -> None:
        hit = self.win.model.hit(row)
        if hit is None:
            return
        self.row = row
        self.win.select_row(row)
        p = hit.photo
        self.title.setText(os.path.basename(p.path))
        self.facts.setText("".join(f"<p><b>{k}</b><br>{v}</p>" for k, v in photo_facts(hit)))
        thumb = self.win.thumbs.pixmap(p)
        self.image.set_pixmap(thumb)  # the grid thumbnail at once, the full image when it is decoded
        self._want = p.path
        path = p.path
        self.win.bridge.submit(self.win.preview_pool, lambda: load_preview(path),
                               lambda img, err: self._loaded(path, img, err))

    def _loaded(self, path: str, img: QImage | None, error: BaseException | None) -> None:
        if path != self._want:
            return
        if error is not None or img is None:
            msg, _ = describe_error(error) if error else ("cannot open image", None)
            self.image.set_pixmap(None)
            self.image.setText(msg)
            return
        self.image.set_pixmap(QPixmap.fromImage(img))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Space):
            self.show_row(min(self.row + 1, self.win.model.rowCount() - 1))
        elif event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Backspace):
            self.show_row(max(self.row - 1, 0))
        else:
            super().keyPressEvent(event)
