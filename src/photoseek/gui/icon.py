"""The app icon, drawn in code so there is no binary asset to keep in sync: a photo card with a magnifier."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QLinearGradient, QPainter, QPainterPath, QPen, QPixmap


def icon_pixmap(size: int = 256) -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    s = size / 256.0
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(s, s)
    # card
    card = QRectF(20, 36, 200, 164)
    bg = QLinearGradient(card.topLeft(), card.bottomLeft())
    bg.setColorAt(0.0, QColor("#5aa9ff"))
    bg.setColorAt(0.55, QColor("#ffb86b"))
    bg.setColorAt(1.0, QColor("#ff7a59"))
    p.setPen(QPen(QColor("#ffffff"), 10))
    p.setBrush(QBrush(bg))
    p.drawRoundedRect(card, 22, 22)
    # sun and mountains
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#fff3c4"))
    p.drawEllipse(QPointF(160, 86), 20, 20)
    hills = QPainterPath()
    hills.moveTo(25, 190)
    hills.lineTo(85, 112)
    hills.lineTo(125, 160)
    hills.lineTo(150, 134)
    hills.lineTo(215, 190)
    hills.closeSubpath()
    p.setBrush(QColor("#2f3d66"))
    p.drawPath(hills)
    # magnifier
    p.setPen(QPen(QColor("#1f2a44"), 20, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(200, 200), QPointF(236, 236))
    p.setPen(QPen(QColor("#1f2a44"), 12))
    p.setBrush(QColor(255, 255, 255, 170))
    p.drawEllipse(QPointF(176, 176), 38, 38)
    p.end()
    return pm


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        icon.addPixmap(icon_pixmap(size))
    return icon
