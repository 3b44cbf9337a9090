"""``photoseek install-desktop [--uninstall]``: put PhotoSeek in the desktop's application menu (or take it out).

It needs no library, so :func:`photoseek.cli.main.main` runs it before opening one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from photoseek.core.errors import PhotoSeekError

COMMAND = "install-desktop"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(COMMAND, help="add PhotoSeek to the desktop's application menu (entry, icons, metainfo)",
                       description="Install the desktop entry, AppStream metainfo and icons into $XDG_DATA_HOME "
                                   "(~/.local/share), so PhotoSeek appears in the application menu with its icon.")
    p.add_argument("--uninstall", action="store_true", help="remove them again")
    p.add_argument("--data-dir", metavar="DIR", type=Path,
                   help="install under this folder instead of $XDG_DATA_HOME (e.g. a package's staging dir)")


def run(a: argparse.Namespace) -> int:
    from photoseek.core import desktop  # subprocess, file templates: not for the other commands

    try:
        if a.uninstall:
            report = desktop.uninstall(a.data_dir)
            if not report.files:
                print(f"PhotoSeek's desktop entry is not installed in {report.data_home}.")
                return 0
            print(f"Removed PhotoSeek from the application menu ({len(report.files)} files in {report.data_home}).")
        else:
            command = desktop.launch_command()
            report = desktop.install(a.data_dir, command)
            print(f"Added PhotoSeek to the application menu: {len(report.files)} files in {report.data_home}.")
            print(f"The entry starts: {' '.join(command)}")
            print("Remove it with `photoseek install-desktop --uninstall`.")
        for f in report.files:
            print(f"  {f}")
    except PhotoSeekError as e:
        print(f"photoseek: {e}", file=sys.stderr)
        if e.hint:
            print(f"  {e.hint}", file=sys.stderr)
        return 1
    return 0
