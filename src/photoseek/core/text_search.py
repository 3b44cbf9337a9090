"""Search by the words written in photos, alone or fused with search by meaning.

A query (see :mod:`photoseek.core.text_query`) either looks for words only (``text:"..."`` or one quoted phrase),
ranked by bm25 or, when the query has other terms, by their meaning; or looks by meaning and by words at once, the
two rankings fused by reciprocal rank fusion (:mod:`photoseek.core.fusion`) with the meaning list first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from photoseek.core.domain import SearchHit
from photoseek.core.fusion import reciprocal_rank_fusion
from photoseek.core.search import Filters, Searcher, parse_query
from photoseek.core.storage.text_index import TextIndex, TextMatch
from photoseek.core.text_query import MatchMode, TextQuery

# When the words of a query are written in at most this many photos, the word list leads the fusion (wins ties),
# else the meaning list does: a rare word ("moonlight42", "invoice") is what the person is looking for, a common
# one ("the", "road") must not push the best meaning results down.
SPECIFIC_MATCHES = 3


class TextSearcher:
    """Finds photos by their words, and fuses word hits into meaning hits."""

    def __init__(self, searcher: Searcher, texts: TextIndex) -> None:
        self.searcher = searcher
        self.texts = texts

    def _matches(self, words: str, phrase: bool, filters: Filters, limit: int) -> list[TextMatch]:
        found = self.texts.search(words, phrase=phrase, limit=max(limit * 4, 200))
        if not found:
            return []
        keep = self.searcher.catalog.filter_ids([m.photo_id for m in found], folder=filters.folder,
                                                after=filters.after, before=filters.before, months=filters.months,
                                                camera=filters.camera)
        return [m for m in found if m.photo_id in keep]

    def _cosines(self, vec: np.ndarray | None, ids: list[int]) -> dict[int, float]:
        if vec is None or not ids:
            return {}
        got = self.searcher.vindex.get(ids) or {}
        missing = [i for i in ids if i not in got]
        if missing:
            got.update(self.searcher.catalog.vectors_for(self.searcher.embedder.model_id, missing))
        return {i: float(np.dot(np.asarray(v, dtype=np.float32), vec)) for i, v in got.items()}

    def words_only(self, q: TextQuery, *, limit: int, filters: Filters) -> list[SearchHit]:
        """Photos whose words match, best bm25 first, or by the meaning of the query's other terms."""
        matches = self._matches(q.words, q.phrase, filters, limit)
        if not matches:
            return []
        ids = [m.photo_id for m in matches]
        vec = self.searcher.query_vector(parse_query(q.meaning)) if q.meaning else None
        cos = self._cosines(vec, ids)
        if vec is not None:
            matches.sort(key=lambda m: -cos.get(m.photo_id, -2.0))
        matches = matches[:limit]
        photos = self.searcher.catalog.photos(m.photo_id for m in matches)
        return [SearchHit(photos[m.photo_id], cos.get(m.photo_id, 0.0), text_match=m.lines, text_spans=m.spans)
                for m in matches if m.photo_id in photos]

    def fuse(self, q: TextQuery, meaning: list[SearchHit], vector: Callable[[], np.ndarray], *, limit: int,
             filters: Filters) -> list[SearchHit]:
        """``meaning`` hits (best first) with the photos whose words match fused in; a photo found by its words is
        a match. ``vector()`` gives the query's meaning vector, asked for only to score photos found by words alone.
        """
        if q.mode is MatchMode.WORDS or not q.words:
            return meaning
        matches = self._matches(q.words, False, filters, limit)
        if not matches:
            return meaning
        by_id = {h.photo.id: h for h in meaning}
        match_of = {m.photo_id: m for m in matches}
        lists = [list(by_id), list(match_of)]
        if len(matches) <= SPECIFIC_MATCHES:
            lists.reverse()  # words that single out a few photos are precise evidence: they win ties
        fused = reciprocal_rank_fusion(lists)[:limit]
        extra = [i for i, _ in fused if i not in by_id]
        photos = self.searcher.catalog.photos(extra)
        cos = self._cosines(vector() if extra else None, extra)
        out = []
        for pid, _ in fused:
            m = match_of.get(pid)
            hit = by_id.get(pid) or (SearchHit(photos[pid], cos.get(pid, 0.0)) if pid in photos else None)
            if hit is None:
                continue
            out.append(replace(hit, match=True, text_match=m.lines, text_spans=m.spans) if m else hit)
        return out
