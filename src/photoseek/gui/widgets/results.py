"""The result grid: a flat list model of search hits, a delegate that paints thumbnail + elided caption, and the
view that shows a new answer while keeping the user's place."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from photoseek.core.domain import PhotoState, SearchHit
from photoseek.gui.thumbnails import ThumbnailLoader, loading_tile

HitRole = Qt.ItemDataRole.UserRole + 1
ScoreRole = Qt.ItemDataRole.UserRole + 2
PathRole = Qt.ItemDataRole.UserRole + 3
MIN_CELL = 96  # grid cell sizes the zoom slider and the settings allow
MAX_CELL = 320

Index = QModelIndex | QPersistentModelIndex


class ResultsModel(QAbstractListModel):
    """Search hits, best first. Thumbnails are asked for only when the view paints a row (DecorationRole)."""

    def __init__(self, thumbs: ThumbnailLoader | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.hits: list[SearchHit] = []
        self.thumbs = thumbs
        self._rows: dict[int, int] | None = None
        self._loading_tile: QPixmap | None = None
        self._broken: QPixmap | None = None
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)

    # model --------------------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.hits) or index.column() != 0:
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(hit.photo.path)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(hit)
        if role == Qt.ItemDataRole.ToolTipRole:
            off = "\noffline: its folder cannot be reached" if hit.photo.state == PhotoState.OFFLINE else ""
            off += f"\n+ RAW {os.path.basename(hit.raw_sibling)}" if hit.raw_sibling else ""
            off += f"\nwords: {hit.text_match}" if hit.text_match else ""
            return f"{hit.photo.path}\nscore {hit.score:.3f}{off}"
        if role == HitRole:
            return hit
        if role == ScoreRole:  # a hit on words alone has no meaning score to show
            return None if hit.text_match and not hit.score else float(hit.score)
        if role == PathRole:
            return hit.photo.path
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", "text/plain"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        """Dragging results out gives other apps the files themselves (file URLs), plus their paths as text."""
        paths = [self.hits[i.row()].photo.path for i in indexes if i.isValid() and i.row() < len(self.hits)]
        md = QMimeData()
        md.setUrls([QUrl.fromLocalFile(p) for p in paths])
        md.setText("\n".join(paths))
        return md

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    # content ------------------------------------------------------------------------------------------------
    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self._rows = None
        self.endResetModel()

    def hit(self, row: int) -> SearchHit | None:
        return self.hits[row] if 0 <= row < len(self.hits) else None

    def row_of(self, photo_id: int) -> int | None:
        if self._rows is None:
            self._rows = {h.photo.id: i for i, h in enumerate(self.hits)}
        return self._rows.get(photo_id)

    def _decoration(self, hit: SearchHit) -> QPixmap:
        if self.thumbs is None:
            return self._tile(False)
        pm = self.thumbs.pixmap(hit.photo)
        if pm is not None:
            return pm
        # an offline photo's file cannot be read now: a plain tile, not the broken-file cross
        return self._tile(self.thumbs.failed(hit.photo.id) and hit.photo.state != PhotoState.OFFLINE)

    def _tile(self, broken: bool) -> QPixmap:
        size = self.thumbs.size if self.thumbs is not None else 128
        attr = "_broken" if broken else "_loading_tile"
        pm = getattr(self, attr)
        if pm is None or pm.width() != size:
            pm = loading_tile(size, broken)
            setattr(self, attr, pm)
        return pm

    def _thumb_ready(self, photo_id: int) -> None:
        row = self.row_of(photo_id)
        if row is not None:
            idx = self.index(row, 0)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


CAPTION_GAP = 6


class ThumbDelegate(QStyledItemDelegate):
    """A square thumbnail with the file name (elided) and the score under it; a soft highlight when selected."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.cell = 192
        self.show_scores = True

    def caption_height(self, option_font: QFont) -> int:
        return QFontMetrics(option_font).height() + CAPTION_GAP + 4

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(self.cell + 12, self.cell + 12 + self.caption_height(option.font))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r: QRect = option.rect.adjusted(3, 3, -3, -3)
        pal = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected:
            hl = QColor(pal.color(QPalette.ColorRole.Highlight))
            fill = QColor(hl)
            fill.setAlpha(60)
            painter.setPen(hl)
            painter.setBrush(fill)
            painter.drawRoundedRect(r, 8, 8)
        elif hover:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(127, 127, 127, 30))
            painter.drawRoundedRect(r, 8, 8)
        img_box = QRect(r.left() + 3, r.top() + 3, r.width() - 6, self.cell)
        pm = index.data(Qt.ItemDataRole.DecorationRole)
        hit = index.data(HitRole)
        offline = isinstance(hit, SearchHit) and hit.photo.state == PhotoState.OFFLINE
        if isinstance(pm, QPixmap) and not pm.isNull():
            dpr = pm.devicePixelRatio() or 1.0
            w, h = pm.width() / dpr, pm.height() / dpr
            if w > img_box.width() or h > img_box.height():
                scale = min(img_box.width() / w, img_box.height() / h)
                w, h = w * scale, h * scale
            x = img_box.left() + (img_box.width() - w) / 2
            y = img_box.top() + (img_box.height() - h) / 2
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            if offline:
                painter.setOpacity(0.35)  # greyed: the file is on a drive or share that is not there now
            painter.drawPixmap(QRect(int(x), int(y), int(w), int(h)), pm)
            painter.setOpacity(1.0)
        if isinstance(hit, SearchHit):  # what a tile stands for beyond its picture
            marks = [t for t, on in (("offline", offline), ("RAW+JPEG", hit.raw_sibling), ("words", hit.text_match)) if on]
            if marks:
                self._badge(painter, img_box, option.font, " · ".join(marks))
        fm = QFontMetrics(option.font)
        text_rect = QRect(r.left() + 6, img_box.bottom() + CAPTION_GAP, r.width() - 12, fm.height())
        score = index.data(ScoreRole)
        score_text = f"{score:.2f}" if (self.show_scores and score is not None) else ""
        score_w = fm.horizontalAdvance(score_text) + 8 if score_text else 0
        name = fm.elidedText(str(index.data(Qt.ItemDataRole.DisplayRole) or ""), Qt.TextElideMode.ElideMiddle,
                             text_rect.width() - score_w)
        text_color = pal.color(QPalette.ColorRole.Text)
        painter.setPen(text_color)
        painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        if score_text:
            muted = QColor(text_color)
            muted.setAlpha(140)
            painter.setPen(muted)
            painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), score_text)
        painter.restore()

    @staticmethod
    def _badge(painter: QPainter, box: QRect, font: QFont, text: str) -> None:
        f = QFont(font)
        f.setPointSizeF(max(7.0, f.pointSizeF() * 0.85))
        f.setBold(True)
        fm = QFontMetrics(f)
        w, h = fm.horizontalAdvance(text) + 12, fm.height() + 4
        rect = QRect(box.left() + 6, box.bottom() - h - 6, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(40, 40, 40, 200))
        painter.drawRoundedRect(rect, h / 2, h / 2)
        painter.setFont(f)
        painter.setPen(QColor(240, 240, 240))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.setFont(font)


class ResultsView(QListView):
    """Icon-mode grid tuned for very long result lists (uniform sizes, batched layout).

    Enter asks for a preview of the current photo; Ctrl + wheel asks for a zoom step.
    """

    open_requested = Signal(int)  # row
    zoom_requested = Signal(float)  # wheel steps, positive zooms in

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setSpacing(4)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setAcceptDrops(False)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setObjectName("results")
        self.doubleClicked.connect(lambda idx: self.open_requested.emit(idx.row()))

    def results(self) -> ResultsModel:
        model = self.model()
        assert isinstance(model, ResultsModel)
        return model

    def current_hit(self) -> SearchHit | None:
        idx = self.currentIndex()
        return self.results().hit(idx.row()) if idx.isValid() else None

    def select_row(self, row: int) -> None:
        idx = self.results().index(row, 0)
        if idx.isValid():
            self.setCurrentIndex(idx)
            self.scrollTo(idx)

    def show_hits(self, hits: list[SearchHit], fresh: bool) -> None:
        """A new answer: from the top when ``fresh``, else keeping the scroll position and the selected photo."""
        model = self.results()
        keep = None if fresh else self.current_hit()
        scroll = self.verticalScrollBar().value()
        if model.thumbs is not None:
            model.thumbs.cancel_pending()
        model.set_hits(hits)
        if fresh:
            self.scrollToTop()
            return
        self.verticalScrollBar().setValue(scroll)
        row = model.row_of(keep.photo.id) if keep is not None else None
        if row is not None:
            self.setCurrentIndex(model.index(row, 0))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: Any) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_requested.emit(steps)
            event.accept()
            return
        super().wheelEvent(event)
