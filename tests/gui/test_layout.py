"""The GUI's own dependency rules where import-linter cannot reach, and the Qt bug we pin around."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QObject, Signal


def test_controllers_services_and_text_load_without_qtwidgets() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "import photoseek.gui.controllers as c\n"
        "for m in pkgutil.iter_modules(c.__path__): importlib.import_module(c.__name__ + '.' + m.name)\n"
        "import photoseek.gui.services, photoseek.gui.text\n"
        "print('PySide6.QtWidgets' in sys.modules)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "False"


class _Emitter(QObject):
    ping = Signal(object)


def test_emitting_signals_keeps_python_objects_alive(app) -> None:  # noqa: ANN001
    """PySide6 6.12.0 drops a reference to ``True`` on every Python-side ``emit()``: a long session then aborts
    with "bool_dealloc". pyproject excludes that release; this fails if such a build comes back."""
    e = _Emitter()
    e.ping.connect(lambda _x: None)
    before = sys.getrefcount(True)
    for _ in range(200):
        e.ping.emit(None)
    assert sys.getrefcount(True) >= before - 5
