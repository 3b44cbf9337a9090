"""`photoseek search` and `photoseek similar`: matches (the adaptive cutoff) and, with --all, weaker results; the
filters read from the query on stderr; why nothing was found, in words that say what to change.

A search first asks the PhotoSeek process that holds the library, if any (the desktop app, `photoseek watch`:
:mod:`photoseek.core.search_endpoint`), which has the models loaded and answers in milliseconds; when nobody
answers it runs the same :func:`photoseek.core.search_answer.answer` in this process. Both give the same answer,
printed by the same code here. Until then only the standard library is imported.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from photoseek.core.library import Library

EXIT_OK = 0
SEARCH_COMMANDS = ("search", "similar")
_WEIGHT = re.compile(r"^[+-](\d+(?:\.\d+)?)?:?")


def request(a: argparse.Namespace) -> dict[str, Any]:
    """The search the arguments ask for, as data (paths absolute: a holder has its own working folder)."""
    from photoseek.core.search_endpoint import environment_locale

    similar = a.command == "similar"
    return {
        "command": a.command,
        "query": None if similar else " ".join(a.query),
        "image": os.path.abspath(os.path.expanduser(a.image)) if similar else None,
        "limit": a.limit,
        "folder": os.path.abspath(os.path.expanduser(a.folder)) if a.folder else None,
        "after": a.after.isoformat() if a.after else None,
        "before": a.before.isoformat() if a.before else None,
        "sort": a.sort,
        "camera": a.camera,
        "locale": environment_locale(),
    }


def names_relative_path(query: str) -> bool:
    """Whether a word of the query could be an image path relative to this folder (``ref.jpg`` is a word;
    ``pics/ref.jpg`` is a path): only this process can resolve those."""
    for word in query.split():
        word = _WEIGHT.sub("", word).strip('"')
        if ("/" in word or os.sep in word) and not os.path.isabs(os.path.expanduser(word)):
            return True
    return False


def ask_holder(a: argparse.Namespace) -> int | None:
    """Run the search in the process that holds the library; None when nobody answers (search in process then).
    Not with ``--model``/``--device``: the holder searches with its own model, on its own device."""
    if a.model or a.device or (a.command == "search" and names_relative_path(" ".join(a.query))):
        return None
    from photoseek.core.paths import library_home
    from photoseek.core.search_endpoint import ask

    got = ask(library_home(a.library), request(a))
    if got is None:
        return None
    if isinstance(err := got.get("error"), dict):
        from photoseek.core.errors import PhotoSeekError

        raise PhotoSeekError(str(err.get("message")), hint=err.get("hint") or None)
    return show(a, got)


def cmd_search(lib: Library, a: argparse.Namespace) -> int:
    """Search in this process (``search`` and ``similar``)."""
    from photoseek.core.search_answer import answer

    return show(a, answer(lib, request(a)))


def show(a: argparse.Namespace, got: dict[str, Any]) -> int:
    """Print an answer: the model note and the filters read from the query on stderr, then the hits."""
    if got.get("note"):
        print(f"photoseek: {got['note']}", file=sys.stderr)
    filters = got.get("filters")
    if filters:
        print_filters(filters)
    print_hits(a, got["hits"], filters, got.get("indexed"))
    return EXIT_OK


def no_hits(a: argparse.Namespace, q: dict[str, Any] | None, indexed: int | None) -> str:
    """Why a search found nothing, in the words that tell the user what to change."""
    q = q or {}
    filters = [f"inside {a.folder}" if a.folder else "",
               f"taken on or after {a.after:%Y-%m-%d}" if a.after else "",
               f"taken before {a.before:%Y-%m-%d}" if a.before else "",
               f"taken {q['dates']}" if q.get("dates") is not None else "",
               f"camera contains {c!r}" if (c := a.camera or q.get("camera")) else ""]
    if any(filters):
        return f"No photo matches the filters ({', '.join(f for f in filters if f)}). Widen them or leave them out."
    if indexed == 0:
        return "No photos indexed yet. Add a folder and run `photoseek index`."
    return "No other photos to compare with." if a.command == "similar" else "No matching photos."


def print_hits(a: argparse.Namespace, hits: list[dict[str, Any]], q: dict[str, Any] | None = None,
               indexed: int | None = None) -> None:
    """Matches (all hits with ``--all``); a note on stderr says how many weaker results were left out."""
    shown = hits if a.all else [h for h in hits if h["match"]]
    if a.json:
        print(json.dumps(shown, ensure_ascii=False))
        return
    if not hits:
        print(no_hits(a, q, indexed), file=sys.stderr)
        return
    hidden = len(hits) - len(shown)
    if hidden:
        lead = "No close matches; " if not shown else ""
        print(f"{lead}{hidden} weaker result{'s' if hidden != 1 else ''} not shown (--all shows them)", file=sys.stderr)
    for h in shown:
        when = h["taken_at"][:10] if h["taken_at"] else "          "
        flag = "  (offline)" if h["state"] == "offline" else ""
        weak = "  (weaker)" if not h["match"] else ""
        flag += f"  [+RAW {os.path.basename(h['raw'])}]" if h["raw"] else ""
        weak += f'  words: "{h["text_match"]}"' if h["text_match"] else ""
        print(f"{h['score']:6.3f}  {when}  {h['path']}{flag}{weak}")


def print_filters(q: dict[str, Any]) -> None:
    """What the query's own words were read as, on stderr (stdout stays the results)."""
    if not q.get("active"):
        return
    parts = []
    if q.get("dates") is not None:
        parts.append(f"taken {q['dates']}")
    if q.get("camera"):
        parts.append(f"camera contains {q['camera']!r}")
    text = f"searching for {q['text']!r}" if q.get("text") else "no text: every photo that passes, newest first"
    print(f"Filter: {', '.join(parts)}; {text}", file=sys.stderr)
