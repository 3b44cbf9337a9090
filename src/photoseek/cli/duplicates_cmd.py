"""``photoseek duplicates``: groups of near-duplicates (the same photo resized, recompressed, lightly cropped or
edited), the best copy of each first (largest, then oldest). It only lists: nothing is moved or deleted."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from photoseek.core.domain import DUPLICATE_THRESHOLD, Photo, PhotoState

if TYPE_CHECKING:
    from photoseek.core.library import Library
    from photoseek.core.reports import DuplicateGroup


def _similarity(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError("must be above 0 and at most 1 (a cosine similarity)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON array of groups, best copy first in each")
    parser.add_argument("--threshold", type=_similarity, default=DUPLICATE_THRESHOLD, metavar="T",
                        help=f"how similar two photos' vectors must be before their pixels are compared, 0-1 "
                             f"(default {DUPLICATE_THRESHOLD}; lower finds more, e.g. heavier edits)")


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def _line(p: Photo, best: bool) -> str:
    when = (p.taken_at or datetime.fromtimestamp(p.mtime)).strftime("%Y-%m-%d")
    dims = f"{p.width}×{p.height}" if p.width and p.height else "?"
    flag = "  (offline)" if p.state == PhotoState.OFFLINE else ""
    return f"  {'best' if best else '    '}  {dims:>11}  {human_bytes(p.size):>9}  {when}  {p.path}{flag}"


class _HashBar:
    """A progress bar on a terminal while photos indexed before hashes existed are hashed from disk (once)."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> bool:
        if self.bar is None and total and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(desc="Comparing photos", total=total, unit=" photos", file=sys.stderr, leave=False)
        if self.bar is not None:
            self.bar.n = done
            self.bar.refresh()
        return True

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(lib: Library, a: argparse.Namespace) -> int:
    bar = _HashBar()
    try:
        groups = lib.duplicates.groups(a.threshold, progress=bar)
    finally:
        bar.close()
    if a.json:
        print(json.dumps([g.to_json() for g in groups], ensure_ascii=False))
        return 0
    if not groups:
        print("No near-duplicates found." if len(lib.vindex) else
              "No photos indexed yet. Add a folder and run `photoseek index`.", file=sys.stderr)
        return 0
    print_groups(groups)
    return 0


def print_groups(groups: list[DuplicateGroup]) -> None:
    copies = sum(len(g.photos) - 1 for g in groups)
    spare = sum(g.extra_bytes for g in groups)
    print(f"{len(groups)} group{'s' if len(groups) != 1 else ''} of near-duplicates: {copies} extra "
          f"cop{'ies' if copies != 1 else 'y'}, {human_bytes(spare)}. Nothing is deleted; the best copy is listed "
          f"first (largest, then oldest).")
    for n, g in enumerate(groups, 1):
        print(f"\n{n}. {os.path.basename(g.best.path)}: {len(g.photos)} copies")
        for i, p in enumerate(g.photos):
            print(_line(p, i == 0))
