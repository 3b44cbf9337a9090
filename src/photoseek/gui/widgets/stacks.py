"""Near-duplicate stacks in the result grid: copies of one photo (resized, recompressed, lightly cropped) share one
tile with a small "×N" badge; a click on the badge lays the copies out right after it, another click folds them.

:class:`Stacks` decides which hits are visible (pure, no Qt widgets); :func:`paint_badge` and :func:`badge_rect`
draw the badge and tell the view where a click toggles it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter

from photoseek.core.domain import SearchHit


@dataclass(frozen=True)
class StackMark:
    """How a tile belongs to a stack: the ``top`` one stands for all ``size`` copies; the others show only while
    the stack is ``expanded``."""

    size: int
    top: bool
    expanded: bool

    @property
    def text(self) -> str:
        if not self.top:
            return "copy"
        return f"×{self.size} ▴" if self.expanded else f"×{self.size}"

    @property
    def tooltip(self) -> str:
        if self.top:
            action = "fold them" if self.expanded else "show them"
            return f"{self.size} copies of this photo (resized, recompressed or cropped): click the badge or press " \
                   f"Space to {action}"
        return "A copy of the photo before it: click the badge or press Space to fold the copies"


class Stacks:
    """Which photos of a result list are stacked, and which stacks are open.

    Args:
        stacks: photo ids per stack; the first of each (the best copy) stands for the stack.
    """

    def __init__(self, stacks: Sequence[Sequence[int]] = ()) -> None:
        self.members: dict[int, list[int]] = {s[0]: list(s) for s in stacks if len(s) > 1}
        self.top_of: dict[int, int] = {i: s[0] for s in self.members.values() for i in s}
        self.expanded: set[int] = set()

    def visible(self, hits: Sequence[SearchHit]) -> list[SearchHit]:
        """The hits the grid shows: a folded stack as its first photo (the best copy), where its best-ranked member
        comes; an open one with the other copies right after it."""
        by_id = {h.photo.id: h for h in hits}
        out: list[SearchHit] = []
        placed: set[int] = set()
        for h in hits:
            top = self.top_of.get(h.photo.id)
            if top is None:
                out.append(h)
            elif top not in placed:
                placed.add(top)
                shown = self.members[top] if top in self.expanded else self.members[top][:1]
                out.extend(by_id[i] for i in shown if i in by_id)
        return out

    def shown_score(self, hit: SearchHit, by_id: dict[int, SearchHit]) -> float:
        """The score a tile shows: a folded stack's is its best-ranked member's, the one that placed it, so the
        grid's scores read in order; an open stack's photos and every other hit show their own."""
        top = self.top_of.get(hit.photo.id)
        if top != hit.photo.id or top in self.expanded:
            return float(hit.score)
        return max(float(by_id[i].score) for i in self.members[top] if i in by_id)

    def mark(self, photo_id: int) -> StackMark | None:
        top = self.top_of.get(photo_id)
        if top is None:
            return None
        return StackMark(len(self.members[top]), top == photo_id, top in self.expanded)

    def toggle(self, photo_id: int) -> int | None:
        """Open or fold the stack ``photo_id`` belongs to; returns its top photo's id (None: not stacked)."""
        top = self.top_of.get(photo_id)
        if top is not None:
            self.expanded.symmetric_difference_update({top})
        return top

    def keep_open(self, other: Stacks) -> None:
        """After a re-run of the same query: stacks the user had opened stay open."""
        self.expanded = {top for top in other.expanded if top in self.members}


def _badge_font(font: QFont) -> QFont:
    f = QFont(font)
    f.setPointSizeF(max(7.0, f.pointSizeF() * 0.85))
    f.setBold(True)
    return f


def badge_rect(img_box: QRect, font: QFont, mark: StackMark) -> QRect:
    """Where the badge sits: the top right corner of the thumbnail box."""
    fm = QFontMetrics(_badge_font(font))
    w, h = fm.horizontalAdvance(mark.text) + 14, fm.height() + 6
    return QRect(img_box.right() - w - 6, img_box.top() + 6, w, h)


def paint_badge(painter: QPainter, img_box: QRect, font: QFont, mark: StackMark) -> None:
    rect = badge_rect(img_box, font, mark)
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    if mark.top:
        painter.setBrush(QColor(47, 106, 224, 230) if mark.expanded else QColor(30, 34, 42, 210))
    else:
        painter.setBrush(QColor(61, 126, 255, 150))
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setFont(_badge_font(font))
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), mark.text)
    painter.restore()
