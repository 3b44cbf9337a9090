"""The Qt desktop front end: a thin adapter over :class:`photoseek.core.library.Library`.

This is the only package that imports PySide6. The GUI thread never waits on disk, the database or a model: that
work runs on the pools of :class:`photoseek.gui.services.Services` and comes back through
:class:`photoseek.gui.bridge.Bridge` as queued calls.

Where things live: ``controllers/`` decide (search, indexing, watching, activity, folders, settings; no widgets),
``widgets/`` draw, ``dialogs/`` are the folders, settings and preview windows, ``actions.py`` does things to photos,
``text.py`` words them, and ``main_window.py`` only lays the parts out and wires their signals. No part takes the
main window; import-linter contracts in pyproject.toml keep it so.
"""
