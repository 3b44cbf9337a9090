"""Checks that run before Qt loads a platform plugin, so a missing display or library gives a clear message.

Without them Qt aborts (SIGABRT, a core dump) with "could not load the Qt platform plugin" when there is no
display, when ``DISPLAY`` points nowhere, or when one of the X11 libraries its ``xcb`` plugin needs is not
installed (common on minimal installs and over ``ssh -X``). :func:`display_problem` predicts those cases without
importing Qt; :func:`install_fatal_handler` is the net for anything it did not predict: it turns Qt's fatal
message into the same kind of explanation and exit code 1.

This module imports no Qt at import time (the launcher calls it before any PySide6 import).
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from photoseek.gui.system_packages import install_commands

EXIT_NO_DISPLAY = 1
CLI_NOTE = ("The command line works without a display: `photoseek --help`, e.g. `photoseek index` or "
            "`photoseek search \"beach at sunset\"`.")
NO_CHECK_PLATFORMS = {"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay", "windows",
                      "cocoa"}
_MISSING_LIB = re.compile(r"(lib[\w.+-]+\.so(?:\.\d+)*)")


@dataclass(frozen=True)
class StartupProblem:
    """Why the window cannot open: a one-line summary and the lines that say what to do."""

    summary: str
    advice: tuple[str, ...] = ()

    def message(self) -> str:
        lines = [f"PhotoSeek cannot open its window: {self.summary}", *(f"  {a}" for a in self.advice),
                 f"  {CLI_NOTE}"]
        return "\n".join(lines)


def missing_libraries_problem(libs: list[str], what: str) -> StartupProblem:
    """``libs`` (sonames) are missing; name them and the commands that install them on the common distributions."""
    advice = ["Install them with:", *(f"  {c}" for c in install_commands(libs))]
    verb = "is" if len(libs) == 1 else "are"
    return StartupProblem(f"{what} needs {', '.join(libs)}, which {verb} not installed.", tuple(advice))


def requested_platforms(environ: dict[str, str] | os._Environ[str] | None = None) -> list[str]:
    """The Qt platform plugins Qt will try, in order (``QT_QPA_PLATFORM`` may list several, ``;``-separated)."""
    env = os.environ if environ is None else environ
    value = env.get("QT_QPA_PLATFORM", "")
    if value:
        return [p.split(":", 1)[0].strip() for p in value.split(";") if p.strip()]
    if env.get("XDG_SESSION_TYPE") == "wayland" or env.get("WAYLAND_DISPLAY"):
        return ["wayland", "xcb"]
    return ["xcb"]


def _wayland_socket(env: dict[str, str] | os._Environ[str]) -> Path | None:
    name = env.get("WAYLAND_DISPLAY") or ""
    if not name:
        return None
    path = Path(name) if os.path.isabs(name) else Path(env.get("XDG_RUNTIME_DIR", "/nonexistent")) / name
    return path if path.exists() else None


def qt_plugin(name: str) -> Path | None:
    """The file of Qt platform plugin ``name`` shipped with PySide6 (a wheel or a PyInstaller bundle)."""
    spec = importlib.util.find_spec("PySide6")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        cand = Path(loc) / "Qt" / "plugins" / "platforms" / f"libq{name}.so"
        if cand.is_file():
            return cand
    return None


def _dlopen_error(target: str) -> str | None:
    try:
        ctypes.CDLL(target, mode=getattr(os, "RTLD_LAZY", 1) | getattr(os, "RTLD_LOCAL", 0))
    except OSError as e:
        return str(e)
    return None


def xcb_library_problem(plugin: Path | None = None) -> StartupProblem | None:
    """Load Qt's xcb plugin the way Qt will; if that fails, find every library it lacks (not only the first)."""
    plugin = plugin or qt_plugin("xcb")
    if plugin is None:
        return None  # a Qt without the plugin (not a PySide6 wheel): Qt's own message is the best we have
    error = _dlopen_error(str(plugin))
    if error is None:
        return None
    from photoseek.gui.system_packages import XCB_LIBRARIES

    missing = [lib for lib in XCB_LIBRARIES if _dlopen_error(lib) is not None]
    # the loader names the first library it could not find (PyInstaller's ctypes hook rewords it to name the plugin)
    named = [lib for lib in _MISSING_LIB.findall(error) if lib != plugin.name]
    for lib in named[:1]:
        if lib not in missing and _dlopen_error(lib) is not None:
            missing.append(lib)
    if missing:
        return missing_libraries_problem(missing, "Qt's X11 (xcb) display plugin")
    return StartupProblem(f"Qt's X11 (xcb) display plugin could not be loaded: {error}")


def _x_display_problem(display: str) -> StartupProblem | None:
    """Connect to the X server the way Qt will (libxcb) and report when nobody answers."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None  # reported by xcb_library_problem
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    screen = ctypes.c_int(0)
    conn = xcb.xcb_connect(display.encode(), ctypes.byref(screen))
    try:
        failed = bool(xcb.xcb_connection_has_error(conn))
    finally:
        xcb.xcb_disconnect(conn)
    if not failed:
        return None
    return StartupProblem(
        f"the X display {display!r} (DISPLAY) does not answer.",
        ("Check that the desktop session is running, or reconnect with `ssh -X` for a forwarded display.",))


def display_problem(environ: dict[str, str] | os._Environ[str] | None = None) -> StartupProblem | None:
    """None when Qt can open a window as far as we can tell; otherwise what stops it and what to do."""
    if not sys.platform.startswith("linux"):
        return None
    env = os.environ if environ is None else environ
    platforms = requested_platforms(env)
    if any(p in NO_CHECK_PLATFORMS for p in platforms):
        return None  # the user chose a platform on purpose; Qt's own messages apply
    if "wayland" in platforms and _wayland_socket(env) is not None:
        return None
    if "xcb" not in platforms:
        if "wayland" in platforms:
            return StartupProblem("no Wayland display was found (WAYLAND_DISPLAY is not set or its socket is gone).",
                                  ("Start PhotoSeek from a desktop session.",))
        return None  # some other plugin: let Qt speak
    libs = xcb_library_problem()
    display = env.get("DISPLAY", "")
    if not display:
        advice = ["Start it from a desktop session, or over ssh with `ssh -X` (X11 forwarding)."]
        if libs is not None:  # say it now, or the next attempt (with a display) fails again
            advice += [f"Also, {libs.summary}", *libs.advice]
        return StartupProblem("no display was found (neither DISPLAY nor WAYLAND_DISPLAY is set).", tuple(advice))
    if libs is not None:
        return libs
    return _x_display_problem(display)


def library_import_problem(error: ImportError) -> StartupProblem:
    """PySide6 itself failed to load (``libEGL.so.1: cannot open shared object file``): name what to install."""
    libs = _MISSING_LIB.findall(str(error))[:1]
    if libs:
        return missing_libraries_problem(libs, "the Qt toolkit")
    return StartupProblem(f"the Qt toolkit (PySide6) could not be loaded: {error}",
                          ("Reinstall PhotoSeek (e.g. `pipx reinstall photoseek`).",))


def install_fatal_handler() -> Callable[[], None]:
    """Turn a fatal Qt start-up message into our explanation and exit 1 (instead of abort() and a core dump).

    Qt's own warnings before the fatal one (``qt.qpa.plugin: ...``) are kept and shown, since they name the cause.
    Returns the function that puts Qt's previous handler back (call it once the window is up).
    """
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    seen: list[str] = []
    previous = None

    def handler(kind: QtMsgType, context: object, text: str) -> None:
        if kind == QtMsgType.QtFatalMsg:
            lines = [s for s in seen if "qpa" in s or "plugin" in s.lower()][-4:]
            problem = StartupProblem("Qt could not start its display plugin.",
                                     ("Qt said:", *(f"  {s}" for s in [*lines, text.splitlines()[0]])))
            sys.stderr.write(problem.message() + "\n")
            sys.stderr.flush()
            os._exit(EXIT_NO_DISPLAY)
        if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtInfoMsg):
            seen.append(text)
            del seen[:-20]
            if "platform plugin" in text:  # said once, in the explanation, if it turns fatal
                return
        if previous is not None:
            previous(kind, context, text)
        else:
            sys.stderr.write(text + "\n")

    previous = qInstallMessageHandler(handler)

    def restore() -> None:
        qInstallMessageHandler(previous)

    return restore
