"""The ``photoseek`` command: the desktop app when given no subcommand, the CLI otherwise.

It lives outside both front ends so that neither imports the other.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args in (["--gui"], ["gui"]):
        from photoseek.gui.app import main as gui_main

        return int(gui_main() or 0)
    from photoseek.cli.main import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
