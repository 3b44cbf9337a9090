"""The results model: search hits as rows, the matches first, then a divider row "N weaker results", then (once the
divider is clicked) the weaker hits. Near-duplicates share one row (:mod:`.stacks`) until their stack is opened."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QPixmap

from photoseek.core.domain import PhotoState, SearchHit
from photoseek.gui.thumbnails import ThumbnailLoader, loading_tile
from photoseek.gui.widgets.stacks import Stacks

HitRole = Qt.ItemDataRole.UserRole + 1
ScoreRole = Qt.ItemDataRole.UserRole + 2
PathRole = Qt.ItemDataRole.UserRole + 3
DividerRole = Qt.ItemDataRole.UserRole + 4  # on the divider row: (weaker count, expanded, match count)
StackRole = Qt.ItemDataRole.UserRole + 5  # StackMark of a stacked photo, else None
DIVIDER_HEIGHT = 40

Index = QModelIndex | QPersistentModelIndex


def divider_text(weaker: int, expanded: bool, matches: int) -> str:
    """``58 weaker results ▸`` under the matches; when nothing matched it says so first."""
    what = f"{weaker:,} weaker result{'s' if weaker != 1 else ''}"
    lead = "" if matches else "No close matches · "
    return f"{lead}{what} {'▾' if expanded else '▸'}"


class ResultsModel(QAbstractListModel):
    """Search hits: the matches, best first, then one divider row "N weaker results"; a click on the divider
    (:meth:`toggle_weaker`) shows or hides the weaker hits after it. Copies of one photo share a row, the best
    copy's, in the section of their best-ranked copy; :meth:`toggle_stack` lays them out after it or folds them.
    Thumbnails are asked for only when the view paints a row (DecorationRole)."""

    weaker_toggled = Signal(bool)  # the weaker results were shown (True) or hidden

    def __init__(self, thumbs: ThumbnailLoader | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.hits: list[SearchHit] = []  # every hit, matches first
        self._by_id: dict[int, SearchHit] = {}
        self.match_hits: list[SearchHit] = []  # every hit of the matches section (copies in folded stacks too)
        self.weaker_hits: list[SearchHit] = []
        self.matches: list[SearchHit] = []  # the rows shown of each section
        self.weaker: list[SearchHit] = []
        self.stacks = Stacks()
        self.expanded = False
        self._divider_open = False  # what the divider says: it changes after the rows moved, as its own change
        self.thumbs = thumbs
        self._rows: dict[int, int] | None = None
        self._loading_tile: QPixmap | None = None
        self._broken: QPixmap | None = None
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)

    # model --------------------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        if parent.isValid():
            return 0
        return len(self.matches) + (1 + len(self.weaker) * self.expanded if self.weaker else 0)

    @property
    def divider_row(self) -> int | None:
        """The row of the "N weaker results" divider (None when every hit is a match)."""
        return len(self.matches) if self.weaker else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() != 0:
            return None
        if index.row() == self.divider_row:
            if role == DividerRole:
                return len(self.weaker_hits), self._divider_open, len(self.match_hits)
            if role == Qt.ItemDataRole.DisplayRole:
                return divider_text(len(self.weaker_hits), self._divider_open, len(self.match_hits))
            if role == Qt.ItemDataRole.ToolTipRole:
                return ("Hide the weaker results" if self._divider_open else
                        "Show the photos that scored below this search's relevance cutoff")
            return None
        hit = self.hit(index.row())
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return os.path.basename(hit.photo.path)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(hit)
        if role == Qt.ItemDataRole.ToolTipRole:
            off = "\noffline: its folder cannot be reached" if hit.photo.state == PhotoState.OFFLINE else ""
            off += f"\n+ RAW {os.path.basename(hit.raw_sibling)}" if hit.raw_sibling else ""
            off += f"\nwords: {hit.text_match}" if hit.text_match else ""
            weak = "" if hit.match else " (weaker result)"
            mark = self.stacks.mark(hit.photo.id)
            shown = self.stacks.shown_score(hit, self._by_id)
            score = f"score {shown:.3f}" + (f" (a copy in this stack; this photo {hit.score:.3f})" if shown != hit.score else "")
            return f"{hit.photo.path}\n{score}{weak}{off}" + (f"\n{mark.tooltip}" if mark else "")
        if role == StackRole:
            return self.stacks.mark(hit.photo.id)
        if role == HitRole:
            return hit
        if role == ScoreRole:  # a hit on words alone has no meaning score to show
            return None if hit.text_match and not hit.score else self.stacks.shown_score(hit, self._by_id)
        if role == PathRole:
            return hit.photo.path
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.row() == self.divider_row:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", "text/plain"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        """Dragging results out gives other apps the files themselves (file URLs), plus their paths as text."""
        paths = [h.photo.path for h in (self.hit(i.row()) for i in indexes if i.isValid()) if h is not None]
        md = QMimeData()
        md.setUrls([QUrl.fromLocalFile(p) for p in paths])
        md.setText("\n".join(paths))
        return md

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    # content ------------------------------------------------------------------------------------------------
    def set_hits(self, hits: list[SearchHit], keep_expanded: bool = False, stacks: Stacks | None = None) -> None:
        """A new answer, and its near-duplicate ``stacks``. The weaker results start hidden unless ``keep_expanded``
        (the same query re-run: opened stacks stay open too) or there is no match at all (then the weaker ones are
        all there is to see). A stack with a matching copy is a match."""
        stacks = stacks or Stacks()
        if keep_expanded:
            stacks.keep_open(self.stacks)
        self.beginResetModel()
        self.hits = list(hits)
        self._by_id = {h.photo.id: h for h in self.hits}
        self.stacks = stacks
        matching = {stacks.top_of.get(h.photo.id, h.photo.id) for h in self.hits if h.match}
        self.match_hits = [h for h in self.hits if stacks.top_of.get(h.photo.id, h.photo.id) in matching]
        self.weaker_hits = [h for h in self.hits if stacks.top_of.get(h.photo.id, h.photo.id) not in matching]
        self.matches, self.weaker = stacks.visible(self.match_hits), stacks.visible(self.weaker_hits)
        if not keep_expanded:
            self.expanded = not self.matches
        self._divider_open = self.expanded
        self._rows = None
        self.endResetModel()

    def toggle_weaker(self) -> None:
        """Show the weaker results after the divider, or hide them again."""
        row = self.divider_row
        if row is None:
            return
        if self.expanded:
            self.beginRemoveRows(QModelIndex(), row + 1, row + len(self.weaker))
            self.expanded = False
            self._rows = None
            self.endRemoveRows()
        else:
            self.beginInsertRows(QModelIndex(), row + 1, row + len(self.weaker))
            self.expanded = True
            self._rows = None
            self.endInsertRows()
        self._divider_open = self.expanded  # both ways: after the rows moved
        idx = self.index(row, 0)
        self.dataChanged.emit(idx, idx)
        self.weaker_toggled.emit(self.expanded)

    def stacked_matches(self) -> int:
        """How many copies among the matches are folded under another photo's tile (open stacks included)."""
        tops = {h.photo.id for h in self.match_hits} & set(self.stacks.members)
        return sum(len(self.stacks.members[t]) - 1 for t in tops)

    def toggle_stack(self, row: int) -> int | None:
        """Open or fold the stack of the photo on ``row``: its copies come right after its first photo. Returns the
        row of that first photo (None: not stacked)."""
        hit = self.hit(row)
        top = self.stacks.toggle(hit.photo.id) if hit is not None else None
        top_row = self.row_of(top) if top is not None else None
        if top is None or top_row is None:
            return None
        matches, weaker = self.stacks.visible(self.match_hits), self.stacks.visible(self.weaker_hits)
        n = len(matches) + len(weaker) - len(self.matches) - len(self.weaker)
        if n > 0:
            self.beginInsertRows(QModelIndex(), top_row + 1, top_row + n)
            self.matches, self.weaker, self._rows = matches, weaker, None
            self.endInsertRows()
        elif n < 0:
            self.beginRemoveRows(QModelIndex(), top_row + 1, top_row - n)
            self.matches, self.weaker, self._rows = matches, weaker, None
            self.endRemoveRows()
        idx = self.index(top_row, 0)
        self.dataChanged.emit(idx, idx, [StackRole, ScoreRole, Qt.ItemDataRole.ToolTipRole])
        return top_row

    def hit(self, row: int) -> SearchHit | None:
        """The hit on ``row``; None for the divider or a row out of range."""
        if 0 <= row < len(self.matches):
            return self.matches[row]
        k = row - len(self.matches) - 1
        return self.weaker[k] if self.weaker and self.expanded and 0 <= k < len(self.weaker) else None

    def photo_row(self, row: int, step: int) -> int | None:
        """The nearest row from ``row`` in direction ``step`` (+1/-1) that holds a photo (skips the divider)."""
        r = row + step
        while 0 <= r < self.rowCount():
            if self.hit(r) is not None:
                return r
            r += step
        return None

    def row_of(self, photo_id: int) -> int | None:
        if self._rows is None:
            self._rows = {h.photo.id: i for i, h in enumerate(self.matches)}
            if self.expanded:
                base = len(self.matches) + 1
                self._rows.update({h.photo.id: base + i for i, h in enumerate(self.weaker)})
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
