"""The ``photoseek`` command: the desktop app when given no subcommand (or ``gui [IMAGE...]``), the CLI otherwise.

It lives outside both front ends so that neither imports the other. Before anything loads Qt it checks that a
window can open at all (:mod:`photoseek.gui.preflight`), so a missing display or X11 library is explained and
exits 1 instead of Qt's abort and core dump.
"""

from __future__ import annotations

import sys


def _gui_args(args: list[str]) -> list[str] | None:
    """The images to open when ``args`` asks for the desktop app, else None (a CLI command)."""
    if not args:
        return []
    if args[0] in ("gui", "--gui"):
        return args[1:]
    return None


GUI_USAGE = """usage: photoseek [gui [IMAGE ...]]

Opens the PhotoSeek desktop app (or brings its window to the front). With IMAGE, searches for photos like it.
Commands (index, search, ...) run without a window: photoseek --help"""


def run_gui(images: list[str]) -> int:
    if any(a in ("-h", "--help") for a in images):
        print(GUI_USAGE)
        return 0
    from photoseek.gui import preflight

    problem = preflight.display_problem()
    if problem is not None:
        print(problem.message(), file=sys.stderr)
        return preflight.EXIT_NO_DISPLAY
    try:
        from photoseek.gui.app import main as gui_main
    except ImportError as e:  # PySide6 present but a system library it links against is not
        print(preflight.library_import_problem(e).message(), file=sys.stderr)
        return preflight.EXIT_NO_DISPLAY
    return int(gui_main(images=images) or 0)


def main(argv: list[str] | None = None) -> int:
    """``argv`` None: this is the ``photoseek`` process itself (its arguments are sys.argv), which a read-only
    command may end without the interpreter's teardown."""
    args = sys.argv[1:] if argv is None else argv
    images = _gui_args(args)
    if images is not None:
        return run_gui(images)
    from photoseek.cli.main import main as cli_main

    return cli_main(args, leave_when_done=argv is None)


if __name__ == "__main__":
    sys.exit(main())
