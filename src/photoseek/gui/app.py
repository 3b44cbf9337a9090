"""Entry point: ``photoseek`` with no subcommand, or ``photoseek gui [IMAGE...]``, calls :func:`main`.

The launcher has already checked that a window can open (:mod:`photoseek.gui.preflight`). Here: one window per
library (:mod:`photoseek.gui.single_instance`), Ctrl+C / SIGTERM close the window cleanly, images given on the
command line (a file manager's "Open with PhotoSeek") are searched by example.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSocketNotifier, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from photoseek.gui.icon import app_icon

STYLE = Path(__file__).with_name("style.qss")
DESKTOP_ID = "io.photoseek.PhotoSeek"  # the desktop entry's name: Wayland compositors match the window to it
log = logging.getLogger(__name__)


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
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(app_icon())
    apply_style(app)
    return app


def offer_repair(problem: str) -> bool:
    """Ask to repair a damaged catalog and run the repair. True when the library can now be opened."""
    from photoseek.gui.controllers.repair import RepairController
    from photoseek.gui.dialogs.repair import RepairDialog

    controller = RepairController()
    try:
        return RepairDialog(controller, problem).exec() == RepairDialog.DialogCode.Accepted
    finally:
        controller.shutdown()


def quit_on_signals(app: QApplication) -> Callable[[], None]:
    """Ctrl+C in the terminal, or SIGTERM from a session manager, closes the window as the close button would.

    Python runs signal handlers only between bytecodes, which never happen while Qt waits for events; the
    handler's wake-up byte on a socket pair lets Qt's loop notice.
    """
    rsock, wsock = socket.socketpair()
    for s in (rsock, wsock):
        s.setblocking(False)
    signal.set_wakeup_fd(wsock.fileno())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)  # the wake-up fd does the work
    notifier = QSocketNotifier(rsock.fileno(), QSocketNotifier.Type.Read, app)

    def woke() -> None:
        try:
            rsock.recv(64)
        except OSError:
            pass
        log.info("closing on a signal")
        app.closeAllWindows()
        app.quit()

    notifier.activated.connect(woke)

    def restore() -> None:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        rsock.close()
        wsock.close()

    return restore


def main(argv: list[str] | None = None, images: list[str] | None = None) -> int:
    """Open the library (PHOTOSEEK_HOME or the per-user folder) and run the window until it closes."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from photoseek.gui import preflight

    # anything the launcher's checks missed still ends in a message, not a core dump (until the window is up)
    restore_qt_messages = preflight.install_fatal_handler()
    app = make_app(argv)
    from photoseek.core.errors import CatalogDamagedError, PhotoSeekError
    from photoseek.core.library import Library, library_home
    from photoseek.gui.main_window import MainWindow
    from photoseek.gui.single_instance import SingleInstance

    images = [str(Path(p).expanduser().absolute()) for p in images or []]
    instance = SingleInstance(library_home())
    if not instance.claim(images):
        print("PhotoSeek is already open for this library; brought its window to the front.", file=sys.stderr)
        return 0
    try:
        # Opening is quick (settings + SQLite); models load lazily on the first search or index run, off-thread.
        try:
            library = Library()
        except CatalogDamagedError as e:
            if not offer_repair(str(e)):
                return 1
            library = Library()
    except PhotoSeekError as e:
        instance.close()
        QMessageBox.critical(None, "PhotoSeek", f"{e}\n\n{e.hint or ''}".strip())
        return 1
    except OSError as e:
        instance.close()
        QMessageBox.critical(None, "PhotoSeek", f"Cannot open the photo library: {e}")
        return 1
    restore_signals = quit_on_signals(app)
    from photoseek.core.search_server import SearchServer

    server = SearchServer(library)  # `photoseek search` in a terminal asks this window (its own thread)
    server.start()
    try:
        win = MainWindow(library)

        def activate(paths: list[str]) -> None:
            win.setWindowState(win.windowState() & ~Qt.WindowState.WindowMinimized)
            win.show()
            win.raise_()
            win.activateWindow()
            log.info("window raised for another start")
            if paths:
                win.searcher.find_similar(paths[0], Path(paths[0]).name)

        instance.activated.connect(activate)
        win.show()
        restore_qt_messages()
        log.info("window shown")
        if images:
            win.searcher.find_similar(images[0], Path(images[0]).name)
        return int(app.exec())
    finally:
        restore_signals()
        instance.close()
        server.stop()
        if "win" in locals():
            win.shutdown()
        library.close()


if __name__ == "__main__":
    sys.exit(main())
