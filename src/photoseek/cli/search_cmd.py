"""`photoseek search` and `photoseek similar`: matches (the adaptive cutoff) and, with --all, weaker results; the
filters read from the query on stderr; why nothing was found, in words that say what to change."""

from __future__ import annotations

import argparse
import json
import os
import sys

from photoseek.core.domain import PhotoState, QueryFilters, SearchHit, SearchRequest, Sort
from photoseek.core.library import Library, read_query

EXIT_OK = 0


def cmd_search(lib: Library, a: argparse.Namespace) -> int:
    query = " ".join(a.query)
    q = read_query(query)
    print_filters(q)
    hits = lib.find(SearchRequest(query=query, limit=a.limit, folder=a.folder, after=a.after, before=a.before,
                                  sort=Sort(a.sort), camera=a.camera))
    print_hits(lib, a, hits, q)
    return EXIT_OK


def cmd_similar(lib: Library, a: argparse.Namespace) -> int:
    hits = lib.find(SearchRequest(similar_to=a.image, limit=a.limit, folder=a.folder, after=a.after, before=a.before,
                                  sort=Sort(a.sort), camera=a.camera))
    print_hits(lib, a, hits)
    return EXIT_OK



def no_hits(lib: Library, a: argparse.Namespace, q: QueryFilters | None = None) -> str:
    """Why a search found nothing, in the words that tell the user what to change."""
    filters = [f"inside {a.folder}" if a.folder else "",
               f"taken on or after {a.after:%Y-%m-%d}" if a.after else "",
               f"taken before {a.before:%Y-%m-%d}" if a.before else "",
               f"taken {q.dates.label}" if q is not None and q.dates is not None else "",
               f"camera contains {c!r}" if (c := a.camera or (q.camera if q is not None else None)) else ""]
    if any(filters):
        return f"No photo matches the filters ({', '.join(f for f in filters if f)}). Widen them or leave them out."
    if lib.status().indexed == 0:
        return "No photos indexed yet. Add a folder and run `photoseek index`."
    return "No other photos to compare with." if a.command == "similar" else "No matching photos."


def print_hits(lib: Library, a: argparse.Namespace, hits: list[SearchHit], q: QueryFilters | None = None) -> None:
    """Matches (all hits with ``--all``); a note on stderr says how many weaker results were left out."""
    shown = hits if a.all else [h for h in hits if h.match]
    if a.json:
        print(json.dumps([h.to_json() for h in shown], ensure_ascii=False))
        return
    if not hits:
        print(no_hits(lib, a, q), file=sys.stderr)
        return
    hidden = len(hits) - len(shown)
    if hidden:
        lead = "No close matches; " if not shown else ""
        print(f"{lead}{hidden} weaker result{'s' if hidden != 1 else ''} not shown (--all shows them)", file=sys.stderr)
    for h in shown:
        when = h.photo.taken_at.strftime("%Y-%m-%d") if h.photo.taken_at else "          "
        flag = "  (offline)" if h.photo.state == PhotoState.OFFLINE else ""
        weak = "  (weaker)" if not h.match else ""
        flag += f"  [+RAW {os.path.basename(h.raw_sibling)}]" if h.raw_sibling else ""
        weak += f'  words: "{h.text_match}"' if h.text_match else ""
        print(f"{h.score:6.3f}  {when}  {h.photo.path}{flag}{weak}")


def print_filters(q: QueryFilters) -> None:
    """What the query's own words were read as, on stderr (stdout stays the results)."""
    if not q.active:
        return
    parts = []
    if q.dates is not None:
        parts.append(f"taken {q.dates.label}")
    if q.camera:
        parts.append(f"camera contains {q.camera!r}")
    text = f"searching for {q.text!r}" if q.text else "no text: every photo that passes, newest first"
    print(f"Filter: {', '.join(parts)}; {text}", file=sys.stderr)
