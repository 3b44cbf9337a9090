"""The desktop integration: menu entry, AppStream metainfo and icons in the user's XDG data dir (freedesktop).

The files ship inside the package under ``photoseek/share/`` laid out as they are installed (``applications/``,
``metainfo/``, ``icons/hicolor/...``). Installing copies them into ``$XDG_DATA_HOME`` (``~/.local/share``), with
the entry's ``Exec``/``TryExec`` pointing at the command that is running now (a pipx or venv script, or the
PyInstaller binary), so the menu entry works even when that folder is not on the desktop session's PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from photoseek.core.errors import PhotoSeekError

APP_ID = "io.photoseek.PhotoSeek"
SHARE = Path(__file__).resolve().parents[1] / "share"


class DesktopError(PhotoSeekError):
    """The desktop entry could not be installed or removed."""


@dataclass
class DesktopReport:
    """What :func:`install` or :func:`uninstall` did, for the front end to print."""

    data_home: Path
    files: list[Path] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)  # caches updated (update-desktop-database, ...)


def xdg_data_home() -> Path:
    """``$XDG_DATA_HOME`` when it is an absolute path (the spec ignores relative ones), else ``~/.local/share``."""
    env = os.environ.get("XDG_DATA_HOME", "")
    if env and os.path.isabs(env):
        return Path(env)
    return Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command line that starts this installation of PhotoSeek's desktop app."""
    if getattr(sys, "frozen", False):  # PyInstaller: the bundle's own binary
        return [str(Path(sys.executable).absolute()), "gui"]
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "photoseek" and script.is_file():
        return [str(script.absolute()), "gui"]  # not resolved: a pipx symlink keeps working after upgrades
    found = shutil.which("photoseek", path=str(Path(sys.executable).parent)) or shutil.which("photoseek")
    if found:
        return [str(Path(found).absolute()), "gui"]
    return [str(Path(sys.executable).absolute()), "-m", "photoseek", "gui"]


def _exec_arg(arg: str) -> str:
    """Quote one argument for a desktop entry's Exec key (Desktop Entry Specification, 'The Exec key')."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'


def desktop_entry(command: list[str]) -> str:
    """The shipped entry with Exec/TryExec pointing at ``command``. ``%`` in paths is doubled as the spec asks."""
    text = (SHARE / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    exec_line = " ".join(_exec_arg(a).replace("%", "%%") for a in command)
    out = []
    for line in text.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line} %F"
        elif line.startswith("TryExec="):
            line = f"TryExec={command[0]}"
        out.append(line)
    return "\n".join(out) + "\n"


def shipped_files() -> list[Path]:
    """Every file under ``share/``, relative to it (the entry, the metainfo, the icons)."""
    if not SHARE.is_dir():
        raise DesktopError("the desktop files are missing from this installation", hint=f"expected them in {SHARE}")
    return sorted(p.relative_to(SHARE) for p in SHARE.rglob("*") if p.is_file())


def _refresh_caches(data_home: Path) -> list[str]:
    """Tell the desktop about the change; best effort (the tools are optional and menus also rescan on their own)."""
    done = []
    # No gtk-update-icon-cache: a cache in the user's hicolor folder goes stale when other apps add icons.
    for cmd in (["update-desktop-database", "-q", str(data_home / "applications")],):
        if shutil.which(cmd[0]) is None:
            continue
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=30)
            done.append(cmd[0])
        except (OSError, subprocess.SubprocessError):
            pass
    return done


def install(data_home: Path | None = None, command: list[str] | None = None) -> DesktopReport:
    """Copy the entry, metainfo and icons into ``data_home``; an existing installation is replaced."""
    home = data_home or xdg_data_home()
    report = DesktopReport(home)
    entry = desktop_entry(command or launch_command())
    try:
        for rel in shipped_files():
            dest = home / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".{dest.name}.tmp")
            if rel.suffix == ".desktop":
                tmp.write_text(entry, encoding="utf-8")
            else:
                shutil.copyfile(SHARE / rel, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
            report.files.append(dest)
    except OSError as e:
        raise DesktopError(f"could not install the desktop entry: {e}", hint=f"check that {home} is writable") from e
    report.refreshed = _refresh_caches(home)
    return report


def uninstall(data_home: Path | None = None) -> DesktopReport:
    """Remove what :func:`install` put there: only our own files, never the shared folders that held them."""
    home = data_home or xdg_data_home()
    report = DesktopReport(home)
    try:
        for rel in shipped_files():
            dest = home / rel
            if dest.is_file() or dest.is_symlink():
                dest.unlink()
                report.files.append(dest)
    except OSError as e:
        raise DesktopError(f"could not remove the desktop entry: {e}") from e
    report.refreshed = _refresh_caches(home) if report.files else []
    return report
