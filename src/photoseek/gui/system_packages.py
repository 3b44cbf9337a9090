"""Which distribution package provides each system library Qt needs on Linux, for install instructions.

Names checked against the Debian/Ubuntu, Fedora and Arch package databases (Qt's own list for the xcb plugin:
https://doc.qt.io/qt-6/linux-requirements.html). On Fedora and Arch most ``libxcb-*`` extensions come with the
base ``libxcb`` package, while the xcb-util family is split out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    debian: str
    fedora: str
    arch: str


# soname -> packages. The xcb plugin's own dependencies first (the order of the checks in preflight).
LIBRARIES: dict[str, Provider] = {
    "libxcb.so.1": Provider("libxcb1", "libxcb", "libxcb"),
    "libX11.so.6": Provider("libx11-6", "libX11", "libx11"),
    "libX11-xcb.so.1": Provider("libx11-xcb1", "libX11-xcb", "libx11"),
    "libxcb-cursor.so.0": Provider("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": Provider("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-image.so.0": Provider("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-keysyms.so.1": Provider("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": Provider("libxcb-render-util0", "xcb-util-renderutil", "xcb-util-renderutil"),
    "libxcb-util.so.1": Provider("libxcb-util1", "xcb-util", "xcb-util"),
    "libxcb-randr.so.0": Provider("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-render.so.0": Provider("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-shape.so.0": Provider("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-shm.so.0": Provider("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": Provider("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": Provider("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-xkb.so.1": Provider("libxcb-xkb1", "libxcb", "libxcb"),
    "libxkbcommon.so.0": Provider("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxkbcommon-x11.so.0": Provider("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    # QtGui itself (an ImportError of PySide6 names one of these)
    "libEGL.so.1": Provider("libegl1", "libglvnd-egl", "libglvnd"),
    "libGL.so.1": Provider("libgl1", "libglvnd-glx", "libglvnd"),
    "libOpenGL.so.0": Provider("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libfontconfig.so.1": Provider("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": Provider("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": Provider("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0.so.0": Provider("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": Provider("libglib2.0-0", "glib2", "glib2"),
}
XCB_LIBRARIES = [name for name in LIBRARIES if "xcb" in name.lower() or "xkb" in name or "X11" in name]


def install_commands(sonames: list[str]) -> list[str]:
    """One command per distribution family that installs the packages providing ``sonames``."""
    known = [LIBRARIES[s] for s in sonames if s in LIBRARIES]
    if not known:
        return [f"your distribution's package that provides {', '.join(sonames)}"]

    def pkgs(attr: str) -> str:
        return " ".join(dict.fromkeys(getattr(p, attr) for p in known))

    return [
        f"Debian/Ubuntu: sudo apt install {pkgs('debian')}",
        f"Fedora:        sudo dnf install {pkgs('fedora')}",
        f"Arch:          sudo pacman -S {pkgs('arch')}",
    ]
