"""The words-in-photos parts of the CLI: the OCR pass after ``photoseek index`` and its lines in ``status``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module for every command; a search builds none of the reports
    from photoseek.core.library import Library
    from photoseek.core.reports import IndexProgress, TextPassReport, TextStatus


def read_text(lib: Library, progress: Callable[[IndexProgress], bool]) -> TextPassReport | None:
    """Run the OCR pass after indexing and print what it did; None when the setting turns it off."""
    if not lib.text.enabled:
        return None
    r = lib.text.read(progress)
    if r.busy:
        print("Another PhotoSeek process is reading text in these photos; skipped.")
        return r
    if r.read or r.failed:
        line = f"Read text in {r.read:,} photos ({r.with_text:,} with words)"
        if r.failed:
            line += f", {r.failed:,} could not be read"
        print(line + f" in {r.seconds:.1f} s.")
    if r.cancelled:
        print("Paused reading text; run `photoseek index` again to resume.")
    return r


def status_line(t: TextStatus | None) -> str | None:
    """``Text      read 120 of 4,000 photos (35 with words), 3,880 pending, 2 errors`` for ``photoseek status``."""
    if t is None:
        return None
    total = t.done + t.pending + t.errors
    line = f"Text      read {t.done:,} of {total:,} photos ({t.with_text:,} with words), {t.pending:,} pending"
    if t.errors:
        line += f", {t.errors:,} errors"
    if not t.enabled:
        line += "  [off: read_text = false in config.toml]"
    elif t.pending:
        line += "  (run `photoseek index` to read them)"
    return line


def status_json(t: TextStatus | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"enabled": t.enabled, "engine": t.engine, "done": t.done, "with_text": t.with_text,
            "pending": t.pending, "errors": t.errors}
