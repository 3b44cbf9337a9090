"""What a command-line search gets back: :func:`answer` turns a request (the CLI's arguments as data) into the answer
the CLI prints. The CLI runs it in its own process when nobody holds the library, and a holder
(:class:`~photoseek.core.search_server.SearchServer`) runs it for the CLI otherwise, so a search prints the same
either way: same hits in the same order, the same filters line, the same "nothing found" reason.

Request (JSON): ``{"format": 1, "command": "search" | "similar", "query": str | None, "image": str | None,
"limit": int, "folder", "after", "before" (ISO dates), "sort", "camera": str | None, "locale": str | None}``;
paths are absolute (the asker's working folder is not the holder's).
Answer: ``{"format": 1, "hits": [SearchHit.to_json(), ...], "filters": {...} | None, "indexed": int | None,
"note": str | None}``.

Apart from the server (sockets, authentication, threads) so that a search in process imports none of that.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from photoseek.core.domain import SearchRequest, Sort
from photoseek.core.errors import QueryError
from photoseek.core.query_filters import read_query
from photoseek.core.search_endpoint import PROTOCOL

if TYPE_CHECKING:
    from photoseek.core.library import Library


def _date(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def to_search_request(req: dict[str, Any]) -> SearchRequest:
    """The :class:`SearchRequest` a CLI request stands for (QueryError when it is malformed)."""
    try:
        limit = int(req.get("limit", 20))
        common: dict[str, Any] = {"limit": limit, "folder": _text(req.get("folder")), "after": _date(req.get("after")),
                                  "before": _date(req.get("before")), "sort": Sort(req.get("sort", Sort.RELEVANCE)),
                                  "camera": _text(req.get("camera")), "locale": _text(req.get("locale"))}
    except (TypeError, ValueError) as e:
        raise QueryError(f"malformed search request: {e}") from None
    if req.get("command") == "similar":
        image = _text(req.get("image"))
        if image is None:
            raise QueryError("malformed search request: no image")
        return SearchRequest(similar_to=image, **common)
    return SearchRequest(query=str(req.get("query") or ""), **common)


def answer(lib: Library, req: dict[str, Any]) -> dict[str, Any]:
    """Run a CLI search request on ``lib``: the hits (matches and weaker ones) and what the CLI prints around them.
    Raises what :meth:`Library.find` raises."""
    r = to_search_request(req)
    filters = None
    if r.similar_to is None:
        q = read_query(r.query, locale=r.locale)
        filters = {"active": q.active, "text": q.text, "camera": q.camera,
                   "dates": q.dates.label if q.dates is not None else None}
    note = lib.model_set.provider().note or None
    hits = lib.find(r)
    # why nothing was found: "nothing indexed yet" needs only whether there are vectors (not status(): it counts)
    indexed = len(lib.vindex) if not hits else None
    return {"format": PROTOCOL, "hits": [h.to_json() for h in hits], "filters": filters, "indexed": indexed,
            "note": note}
