"""The Qt desktop front end: a thin adapter over :class:`photoseek.core.library.Library`.

This is the only package that imports PySide6. The GUI thread never waits on disk, the database or a model: that
work runs on thread pools and comes back through :class:`photoseek.gui.bridge.Bridge` as queued calls.
"""
