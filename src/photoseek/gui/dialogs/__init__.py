"""The window's dialogs: folders, settings, preview, duplicates. Each takes the services and controllers it needs
(and a Qt parent), never the main window; library calls run on workers through the bridge."""

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

D = TypeVar("D", bound=QDialog)


def shown(dlg: D) -> D:
    """A modeless dialog, shown, deleted when closed."""
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.show()
    return dlg
