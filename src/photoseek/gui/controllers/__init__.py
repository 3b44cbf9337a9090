"""GUI policy without widgets: what to search, when to index, watch, pause, and which folders exist.

Controllers are QObjects that talk to :class:`photoseek.gui.services.Services` and say what happened through
signals; they import no ``PySide6.QtWidgets``, so their tests run without a window.
"""
