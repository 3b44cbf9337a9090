"""``photoseek repair``: salvage a damaged catalog, rebuild the vector index, re-embed only what was lost.

Runs before any library is opened (a damaged catalog may not open at all). Says what it kept, where the damaged
file was put, and what the index run that follows redid. Errors are left to the CLI's common handler.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI's parser imports this module; a search builds none of the reports
    from photoseek.core.reports import IndexProgress, RepairReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print what was done as JSON")


def run(a: argparse.Namespace, progress: Callable[[IndexProgress], bool] | None = None) -> int:
    say = None if a.json else (lambda msg: print(f"  {msg}", file=sys.stderr))
    if not a.json:
        print("Checking the catalog...", file=sys.stderr)
    from photoseek.core.library import Library

    report = Library.repair(a.library, progress, log=say)
    if a.json:
        print(json.dumps(_as_json(report)))
    else:
        _print(report)
    return 0


def _as_json(r: RepairReport) -> dict[str, object]:
    out: dict[str, object] = {
        "healthy": r.healthy, "damaged_copy": r.damaged_copy or None, "kept": r.kept,
        "damaged_stretches": r.damaged_stretches, "bad_rows": r.bad_rows, "lost_tables": r.lost_tables,
        "vectors": r.vectors,
    }
    if r.index is not None:
        out["reindexed"] = {"found": r.index.scanned, "embedded": r.index.embedded, "failed": r.index.failed}
    return out


def _print(r: RepairReport) -> None:
    for line in r.lines():
        print(line)
