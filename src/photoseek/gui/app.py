"""Entry point of the desktop app: `photoseek` with no subcommand (via :mod:`photoseek.launcher`) calls :func:`main`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from photoseek.gui.icon import app_icon

STYLE = Path(__file__).with_name("style.qss")


def apply_style(app: QApplication) -> None:
    try:
        app.setStyleSheet(STYLE.read_text(encoding="utf-8").replace("@HERE@", STYLE.parent.as_posix()))
    except OSError:  # an unstyled window is still a working window
        logging.getLogger(__name__).warning("style sheet not found: %s", STYLE)


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("PhotoSeek")
    app.setApplicationDisplayName("PhotoSeek")
    app.setOrganizationName("PhotoSeek")
    app.setDesktopFileName("photoseek")
    app.setWindowIcon(app_icon())
    apply_style(app)
    return app


def main(argv: list[str] | None = None) -> int:
    """Open the library (PHOTOSEEK_HOME or the per-user folder) and run the window until it closes."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = make_app(argv)
    from photoseek.core.errors import PhotoSeekError
    from photoseek.core.library import Library
    from photoseek.gui.main_window import MainWindow

    try:
        # Opening is quick (settings + SQLite); models load lazily on the first search or index run, off-thread.
        library = Library()
    except PhotoSeekError as e:
        QMessageBox.critical(None, "PhotoSeek", f"{e}\n\n{e.hint or ''}".strip())
        return 1
    except OSError as e:
        QMessageBox.critical(None, "PhotoSeek", f"Cannot open the photo library: {e}")
        return 1
    try:
        win = MainWindow(library)
        win.show()
        return int(app.exec())
    finally:
        if "win" in locals():
            win.shutdown()
        library.close()


if __name__ == "__main__":
    sys.exit(main())
