"""`photoseek install-desktop` puts a valid menu entry, metainfo and icons in $XDG_DATA_HOME, and takes them out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from photoseek.core import desktop

EXE = shutil.which("photoseek", path=str(Path(sys.executable).parent)) or shutil.which("photoseek")
ENTRY = "applications/io.photoseek.PhotoSeek.desktop"
METAINFO = "metainfo/io.photoseek.PhotoSeek.metainfo.xml"
ICONS = [f"icons/hicolor/{s}/apps/io.photoseek.PhotoSeek.{ext}"
         for s, ext in (("48x48", "png"), ("128x128", "png"), ("256x256", "png"), ("scalable", "svg"))]


def run(data_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert EXE, "the photoseek console script is not installed (pip install -e .)"
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    return subprocess.run([EXE, "install-desktop", *args], capture_output=True, text=True, env=env, timeout=60)


def test_install_then_uninstall(tmp_path: Path) -> None:
    data = tmp_path / "share"
    p = run(data)
    assert p.returncode == 0, p.stderr
    assert "Added PhotoSeek to the application menu" in p.stdout
    for rel in [ENTRY, METAINFO, *ICONS]:
        assert (data / rel).is_file(), rel
    entry = (data / ENTRY).read_text()
    assert f"Exec={EXE} gui %F" in entry.splitlines()  # the command that installed it, by absolute path
    assert f"TryExec={EXE}" in entry.splitlines()
    assert "Icon=io.photoseek.PhotoSeek" in entry.splitlines()
    assert (data / ICONS[2]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    again = run(data)  # installing twice replaces, it does not fail
    assert again.returncode == 0

    (data / "applications" / "other-app.desktop").write_text("[Desktop Entry]\n")
    gone = run(data, "--uninstall")
    assert gone.returncode == 0 and "Removed PhotoSeek" in gone.stdout
    for rel in [ENTRY, METAINFO, *ICONS]:
        assert not (data / rel).exists(), rel
    assert (data / "applications" / "other-app.desktop").is_file()  # only our own files are removed
    assert "not installed" in run(data, "--uninstall").stdout


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed")
def test_installed_entry_is_valid(tmp_path: Path) -> None:
    data = tmp_path / "with space"  # Exec quoting is exercised by a path with a space
    desktop.install(data, [str(tmp_path / "my apps" / "photoseek"), "gui"])
    entry = (data / ENTRY).read_text()
    assert f'Exec="{tmp_path}/my apps/photoseek" gui %F' in entry.splitlines()
    p = subprocess.run(["desktop-file-validate", str(data / ENTRY)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and not p.stdout.strip(), p.stdout + p.stderr


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_installed_metainfo_is_valid(tmp_path: Path) -> None:
    desktop.install(tmp_path, ["/usr/bin/photoseek", "gui"])
    p = subprocess.run(["appstreamcli", "validate", "--no-net", "--explain", str(tmp_path / METAINFO)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Validation was successful" in p.stdout


def test_xdg_data_home_is_honoured_only_when_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert desktop.xdg_data_home() == tmp_path
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")  # the XDG spec says: ignore it
    assert desktop.xdg_data_home() == Path.home() / ".local" / "share"
