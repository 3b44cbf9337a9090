"""Filters written in the query itself: dates ("beach 2019", see :mod:`.query_dates`) and ``camera:NAME``.

:func:`read_query` splits a query into tokens the way :func:`photoseek.core.search.parse_query` does (a quoted
phrase, a weighted part and an image path are one token each), reads the filters out of the plain words and returns
what is left for the model. Pure: no disk, no model, so front ends may call it anywhere.
"""

from __future__ import annotations

import re
from datetime import date

from photoseek.core.domain import FilterKind, QueryFilters
from photoseek.core.query_dates import read_dates

# a quoted phrase may carry a mark (-"foggy morning", +2:"red boat") or be a camera name (camera:"pixel 7");
# otherwise \S+ would split it at the space
TOKEN = re.compile(r'camera:"[^"]*"|[+-]?(?:\d+(?:\.\d+)?:)?"[^"]*"|\S+', re.I)
_CAMERA = re.compile(r'^camera:"?([^"]*)"?$', re.I)
# words that carry nothing for the model once the date is read: "photos from last week" is a date alone
FILLER = {"photos", "photo", "pictures", "picture", "pics", "pic", "images", "image", "shots", "taken", "from", "in",
          "of", "all", "my", "our", "show", "me", "the"}


def _plain(tok: str) -> bool:
    """A word the date reader may look at: not quoted, not weighted, not a path, not a key:value."""
    if tok[:1] in "\"'+-~/\\":
        return False
    return ":" not in tok and "/" not in tok and "\\" not in tok


def read_query(query: str, today: date | None = None, locale: str | None = None) -> QueryFilters:
    """The filters ``query`` asks for and the text left for the model (see :class:`QueryFilters`)."""
    tokens = tuple(TOKEN.findall(query))
    used: list[tuple[FilterKind, tuple[int, ...]]] = []
    camera = None
    for i, tok in enumerate(tokens):
        if (m := _CAMERA.match(tok)) and m[1].strip():
            camera = m[1].strip()
            used.append((FilterKind.CAMERA, (i,)))
    plain = [i for i, t in enumerate(tokens) if _plain(t)]
    dates, at = read_dates([tokens[i] for i in plain], today, locale)
    if dates is not None:
        used.append((FilterKind.DATE, tuple(plain[k] for k in at)))
    taken = {i for _, idx in used for i in idx}
    rest = [t for i, t in enumerate(tokens) if i not in taken]
    if used and all(t.lower().strip(",.") in FILLER for t in rest):
        rest = []
    return QueryFilters(" ".join(rest), dates, camera, tokens, tuple(used))
