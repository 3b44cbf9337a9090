"""Which part of a query looks for words written in photos (pure).

- ``text:"moonlight 42"`` or ``text:moonlight`` anywhere in a query: words only (the rest of the query, if any,
  orders the word hits by meaning).
- A query that is one quoted phrase and nothing else (``"open 7am"``): words only, as a phrase, when some photo
  shows them; otherwise the phrase is searched by meaning, kept whole (its dates stay words, not filters).
- Anything else: by meaning and by words at once; the word part is the query's positive text, every word required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_TEXT_PREFIX = re.compile(r'(?<!\S)text:(?:"([^"]*)"?|(\S+))', re.IGNORECASE)
_ONLY_QUOTED = re.compile(r'^\s*"([^"]+)"\s*$')
_NEGATIVE = re.compile(r'(?<!\S)-(?:\d+(?:\.\d+)?:)?(?:"[^"]*"|\S+)')
_WEIGHT = re.compile(r'(?<!\S)\+(?:\d+(?:\.\d+)?:)?')


class MatchMode(StrEnum):
    BOTH = "both"  # meaning and words, fused
    WORDS = "words"  # words written in the photo only


@dataclass(frozen=True)
class TextQuery:
    mode: MatchMode
    words: str  # what to look for among the words in photos ("" when nothing)
    phrase: bool  # the words must appear in this order, side by side
    meaning: str  # what is left for the meaning search ("" in words-only mode without extra terms)
    explicit: bool = False  # text:"..." (words only, always); else a quoted query may fall back to meaning


def split_text_query(query: str) -> TextQuery:
    m = _ONLY_QUOTED.match(query)
    if m:
        return TextQuery(MatchMode.WORDS, m.group(1).strip(), True, "")
    found = list(_TEXT_PREFIX.finditer(query))
    if found:
        parts = [(f.group(1) if f.group(1) is not None else f.group(2) or "").strip() for f in found]
        rest = _TEXT_PREFIX.sub(" ", query)
        quoted = any(f.group(1) is not None for f in found)
        return TextQuery(MatchMode.WORDS, " ".join(p for p in parts if p), quoted, " ".join(rest.split()), True)
    positive = _WEIGHT.sub(" ", _NEGATIVE.sub(" ", query))
    words = " ".join(w.strip('"') for w in positive.split() if not _looks_like_path(w))
    return TextQuery(MatchMode.BOTH, " ".join(words.split()), False, query.strip())


def _looks_like_path(token: str) -> bool:
    t = token.strip('"')
    return "/" in t or "\\" in t or t.startswith("~")
