"""The desktop app started where it cannot open a window explains why and exits 1 (no Qt abort, no core dump)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from photoseek.gui import preflight
from photoseek.gui.system_packages import LIBRARIES, install_commands

EXE = shutil.which("photoseek", path=str(Path(sys.executable).parent)) or shutil.which("photoseek")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland start-up checks")


def missing_xcb_libraries() -> list[str]:
    """What the dynamic loader says the Qt xcb plugin lacks here (ldd: an oracle independent of preflight)."""
    plugin = preflight.qt_plugin("xcb")
    if plugin is None or shutil.which("ldd") is None:
        return []
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=60).stdout
    return sorted({line.split()[0] for line in out.splitlines() if "not found" in line})


def start_gui(home: Path, **env_changes: str | None) -> subprocess.CompletedProcess[str]:
    assert EXE, "the photoseek console script is not installed (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    for k, v in env_changes.items():
        if v is not None:
            env[k] = v
    return subprocess.run([EXE], capture_output=True, text=True, env=env, timeout=120)


def assert_explained(p: subprocess.CompletedProcess[str], xcb: bool = True) -> None:
    assert p.returncode == 1, (p.returncode, p.stderr)  # not -6 (SIGABRT) or 134 (abort + core)
    assert p.stderr.startswith("PhotoSeek cannot open its window: "), p.stderr
    assert "command line works without a display" in p.stderr
    assert "could not load the Qt platform plugin" not in p.stderr.lower()
    assert "Aborted" not in p.stderr and "core dumped" not in p.stderr
    for lib in missing_xcb_libraries() if xcb else []:
        assert lib in p.stderr
        provider = LIBRARIES[lib]
        assert f"sudo apt install {provider.debian}" in p.stderr or provider.debian in p.stderr
        assert "sudo dnf install" in p.stderr and "sudo pacman -S" in p.stderr


def test_no_display_at_all(home: Path) -> None:
    p = start_gui(home)
    assert_explained(p)
    assert "no display was found" in p.stderr
    assert "ssh -X" in p.stderr


def test_xcb_forced_without_display(home: Path) -> None:
    p = start_gui(home, QT_QPA_PLATFORM="xcb")
    assert_explained(p)
    assert "no display was found" in p.stderr


def test_xcb_forced_with_display_pointing_nowhere(home: Path) -> None:
    p = start_gui(home, QT_QPA_PLATFORM="xcb", DISPLAY=":97")
    assert_explained(p)
    if missing_xcb_libraries():
        assert "which are not installed" in p.stderr or "which is not installed" in p.stderr
    else:
        assert "the X display ':97' (DISPLAY) does not answer" in p.stderr


def test_wayland_forced_without_compositor(home: Path, tmp_path: Path) -> None:
    p = start_gui(home, QT_QPA_PLATFORM="wayland", XDG_RUNTIME_DIR=str(tmp_path), WAYLAND_DISPLAY="wayland-9")
    assert_explained(p, xcb=False)
    assert "no Wayland display was found" in p.stderr


def test_cli_still_works_without_display(home: Path) -> None:
    p = start_gui(home)  # sanity: the same environment ...
    assert p.returncode == 1
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    st = subprocess.run([EXE, "status"], capture_output=True, text=True, env=env, timeout=120)
    assert st.returncode == 0 and "Photos    0" in st.stdout  # ... runs the command line fine


def test_unreachable_x_server_is_detected_without_qt() -> None:
    problem = preflight._x_display_problem(":97")
    if problem is None:
        pytest.skip("something answers on :97 here")
    assert "does not answer" in problem.summary


def test_platform_choice_follows_qt() -> None:
    assert preflight.requested_platforms({"QT_QPA_PLATFORM": "wayland;xcb"}) == ["wayland", "xcb"]
    assert preflight.requested_platforms({"QT_QPA_PLATFORM": "xcb:nograb"}) == ["xcb"]
    assert preflight.requested_platforms({"WAYLAND_DISPLAY": "wayland-0"}) == ["wayland", "xcb"]
    assert preflight.requested_platforms({}) == ["xcb"]
    assert preflight.display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_install_commands_cover_three_distribution_families() -> None:
    cmds = install_commands(["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-randr.so.0"])
    assert cmds == [
        "Debian/Ubuntu: sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-randr0",
        "Fedora:        sudo dnf install xcb-util-cursor xcb-util-wm libxcb",
        "Arch:          sudo pacman -S xcb-util-cursor xcb-util-wm libxcb",
    ]


def test_missing_qt_library_on_import_is_explained() -> None:
    err = ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    msg = preflight.library_import_problem(err).message()
    assert "libEGL.so.1" in msg and "sudo apt install libegl1" in msg and "sudo dnf install libglvnd-egl" in msg


def test_a_qt_failure_the_checks_did_not_predict_still_ends_in_a_message(home: Path) -> None:
    p = start_gui(home, QT_QPA_PLATFORM="no-such-platform")
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert p.stderr.startswith("PhotoSeek cannot open its window: Qt could not start its display plugin."), p.stderr
    assert 'Could not find the Qt platform plugin "no-such-platform"' in p.stderr
    assert p.stderr.count("no-such-platform") == 1  # said once, inside the explanation
    assert "command line works without a display" in p.stderr
