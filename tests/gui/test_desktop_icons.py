"""The icons the desktop entry installs look like the window's icon (drawn in photoseek.gui.icon)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from photoseek.core.desktop import APP_ID, SHARE
from photoseek.gui.icon import icon_pixmap


def _rgba(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return rows[:, :img.width()].copy()  # copy while ``img`` (which owns the bits) is alive


def _diff(a: QImage, b: QImage) -> float:
    return float(np.abs(_rgba(a).astype(np.int16) - _rgba(b).astype(np.int16)).mean())


def test_png_icons_match_the_drawing(app) -> None:  # noqa: ANN001
    for size in (48, 128, 256):
        png = QImage(str(SHARE / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
        assert (png.width(), png.height()) == (size, size)
        # re-render with packaging/render_icons.py when gui/icon.py changes
        assert _diff(png, icon_pixmap(size).toImage()) < 1.0, size


def test_svg_icon_matches_the_drawing(app) -> None:  # noqa: ANN001
    renderer = QSvgRenderer(str(SHARE / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"))
    assert renderer.isValid()
    img = QImage(256, 256, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    renderer.render(p)
    p.end()
    drawn = icon_pixmap(256).toImage()
    assert _diff(img, drawn) < 1.0  # two renderers: anti-aliasing may differ a little at edges, shapes do not
    blank = QImage(256, 256, QImage.Format.Format_ARGB32_Premultiplied)
    blank.fill(0)
    assert _diff(blank, drawn) > 40  # the comparison can fail
