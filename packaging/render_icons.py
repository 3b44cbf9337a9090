"""Render the PNG app icons that the desktop entry installs, from the drawing in photoseek.gui.icon.

Run after changing gui/icon.py (tests/gui/test_desktop_icons.py fails until you do):
    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from photoseek.core.desktop import APP_ID, SHARE
from photoseek.gui.icon import icon_pixmap

SIZES = (48, 128, 256)


def png_path(size: int) -> Path:
    return SHARE / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    for size in SIZES:
        path = png_path(size)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not icon_pixmap(size).save(str(path), "PNG"):
            print(f"could not write {path}", file=sys.stderr)
            return 1
        print(path)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
