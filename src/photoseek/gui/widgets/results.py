"""The result grid: a delegate that paints thumbnail + elided caption (or the "N weaker results" divider across the
grid), and the view that shows a new answer while keeping the user's place. The rows: :mod:`.results_model`; the
"×N" badge of near-duplicate stacks: :mod:`.stacks`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from photoseek.core.domain import PhotoState, SearchHit
from photoseek.gui.widgets.results_model import (
    DIVIDER_HEIGHT,
    DividerRole,
    HitRole,
    Index,
    ResultsModel,
    ScoreRole,
    StackRole,
)
from photoseek.gui.widgets.stacks import Stacks, badge_rect, paint_badge

MIN_CELL = 96  # grid cell sizes the zoom slider and the settings allow
MAX_CELL = 320
CAPTION_GAP = 6


class ThumbDelegate(QStyledItemDelegate):
    """A square thumbnail with the file name (elided) and the score under it; a soft highlight when selected."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.cell = 192
        self.show_scores = True
        self.row_width = 600  # the divider spans the grid: the view sets this to its viewport's width
        self._caption: tuple[QFont, int] | None = None

    def caption_height(self, option_font: QFont) -> int:
        if self._caption is None or self._caption[0] != option_font:  # sizeHint runs per row: measure once
            self._caption = (QFont(option_font), QFontMetrics(option_font).height() + CAPTION_GAP + 4)
        return self._caption[1]

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        if index.data(DividerRole) is not None:
            return QSize(max(self.cell + 12, self.row_width), DIVIDER_HEIGHT)
        return QSize(self.cell + 12, self.cell + 12 + self.caption_height(option.font))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if index.data(DividerRole) is not None:
            self._divider(painter, option, str(index.data(Qt.ItemDataRole.DisplayRole)))
            return
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
        img_box = self.image_box(option.rect)
        pm = index.data(Qt.ItemDataRole.DecorationRole)
        hit = index.data(HitRole)
        offline = isinstance(hit, SearchHit) and hit.photo.state == PhotoState.OFFLINE
        picture = self.picture_rect(img_box, pm)
        if isinstance(pm, QPixmap) and not pm.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            if offline:
                painter.setOpacity(0.35)  # greyed: the file is on a drive or share that is not there now
            painter.drawPixmap(picture, pm)
            painter.setOpacity(1.0)
        if isinstance(hit, SearchHit):  # what a tile stands for beyond its picture
            marks = [t for t, on in (("offline", offline), ("RAW+JPEG", hit.raw_sibling), ("words", hit.text_match)) if on]
            if marks:
                self._badge(painter, img_box, option.font, " · ".join(marks))
        if (mark := index.data(StackRole)) is not None:
            paint_badge(painter, picture, option.font, mark)
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

    def image_box(self, rect: QRect) -> QRect:
        """Where the thumbnail of a tile painted in ``rect`` goes."""
        r = rect.adjusted(3, 3, -3, -3)
        return QRect(r.left() + 3, r.top() + 3, r.width() - 6, self.cell)

    @staticmethod
    def picture_rect(img_box: QRect, pm: object) -> QRect:
        """The thumbnail itself inside ``img_box``: scaled down to fit, centred (the whole box while loading)."""
        if not isinstance(pm, QPixmap) or pm.isNull():
            return img_box
        dpr = pm.devicePixelRatio() or 1.0
        w, h = pm.width() / dpr, pm.height() / dpr
        if w > img_box.width() or h > img_box.height():
            scale = min(img_box.width() / w, img_box.height() / h)
            w, h = w * scale, h * scale
        x = img_box.left() + (img_box.width() - w) / 2
        y = img_box.top() + (img_box.height() - h) / 2
        return QRect(int(x), int(y), int(w), int(h))

    def stack_badge(self, rect: QRect, index: Index, font: QFont) -> QRect | None:
        """Where the stack badge of the tile painted in ``rect`` is (None: the photo is not stacked)."""
        mark = index.data(StackRole)
        if mark is None:
            return None
        box = self.image_box(rect)
        return badge_rect(self.picture_rect(box, index.data(Qt.ItemDataRole.DecorationRole)), font, mark)

    @staticmethod
    def _divider(painter: QPainter, option: QStyleOptionViewItem, text: str) -> None:
        """A thin rule across the grid with the text in a pill in its middle; a soft fill on hover."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r: QRect = option.rect.adjusted(6, 4, -6, -4)
        pal = option.palette
        text_color = QColor(pal.color(QPalette.ColorRole.Text))
        muted = QColor(text_color)
        muted.setAlpha(70)
        f = QFont(option.font)
        f.setBold(True)
        fm = QFontMetrics(f)
        pill_w, pill_h = fm.horizontalAdvance(text) + 28, fm.height() + 10
        pill = QRect(r.center().x() - pill_w // 2, r.center().y() - pill_h // 2, pill_w, pill_h)
        painter.setPen(muted)
        y = r.center().y()
        painter.drawLine(r.left(), y, pill.left() - 8, y)
        painter.drawLine(pill.right() + 8, y, r.right(), y)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.setBrush(QColor(127, 127, 127, 45 if hover else 22))
        painter.drawRoundedRect(pill, pill_h / 2, pill_h / 2)
        painter.setFont(f)
        text_color.setAlpha(200)
        painter.setPen(text_color)
        painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), text)
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
    stack_toggled = Signal(int)  # row of the first photo of a stack just opened or folded

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(False)  # the divider row is as wide as the grid; the delegate caches tile sizes
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
        # the first viewport() call builds PySide6's Python side of a plain QWidget (63 enum types, ~10 ms of the
        # GUI thread): pay it while the window is built, not in _fit_divider when the first results arrive
        self.viewport()
        self.doubleClicked.connect(self._activated)
        self.clicked.connect(self._clicked)

    def _clicked(self, idx: QModelIndex) -> None:
        if idx.isValid() and idx.row() == self.results().divider_row:
            self.results().toggle_weaker()

    def _activated(self, idx: QModelIndex) -> None:
        if idx.isValid() and self.results().hit(idx.row()) is not None:
            self.open_requested.emit(idx.row())

    def _fit_divider(self) -> None:
        delegate = self.itemDelegate()
        if isinstance(delegate, ThumbDelegate):
            delegate.row_width = self.viewport().width() - 2 * self.spacing() - 4

    def resizeEvent(self, event: Any) -> None:
        self._fit_divider()
        super().resizeEvent(event)

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

    def show_hits(self, hits: list[SearchHit], fresh: bool, stacks: Stacks | None = None) -> None:
        """A new answer: from the top when ``fresh``, else keeping the scroll position, the selected photo and the
        stacks and weaker results the user opened."""
        model = self.results()
        keep = None if fresh else self.current_hit()
        scroll = self.verticalScrollBar().value()
        if model.thumbs is not None:
            model.thumbs.cancel_pending()
        self._fit_divider()
        model.set_hits(hits, keep_expanded=not fresh, stacks=stacks)
        if fresh:
            self.scrollToTop()
            return
        self.verticalScrollBar().setValue(scroll)
        row = model.row_of(keep.photo.id) if keep is not None else None
        if row is not None:
            self.setCurrentIndex(model.index(row, 0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click on a stack's badge opens or folds the stack (and selects nothing)."""
        idx = self.indexAt(event.position().toPoint())
        delegate = self.itemDelegate()
        if idx.isValid() and event.button() == Qt.MouseButton.LeftButton and isinstance(delegate, ThumbDelegate):
            badge = delegate.stack_badge(self.visualRect(idx), idx, self.font())
            if badge is not None and badge.adjusted(-4, -4, 4, 4).contains(event.position().toPoint()):
                row = self.results().toggle_stack(idx.row())
                if row is not None:
                    self.stack_toggled.emit(row)
                event.accept()
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.currentIndex().isValid():
            row = self.currentIndex().row()
            if row == self.results().divider_row:
                self.results().toggle_weaker()
            elif event.key() != Qt.Key.Key_Space:
                self.open_requested.emit(row)
            elif self.currentIndex().data(StackRole) is not None:  # Space opens or folds a stack, like its badge
                if (top := self.results().toggle_stack(row)) is not None:
                    self.stack_toggled.emit(top)
            else:
                super().keyPressEvent(event)
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
