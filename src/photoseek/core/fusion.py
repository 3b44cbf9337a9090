"""Rank fusion: one ranking from several (by meaning, by words found in the photo).

Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009): each list gives an item ``weight / (k + rank)``;
the sums decide. It needs no score calibration between a cosine similarity and a bm25 rank, and an item found by
both lists rises above items found by one. With equal weights, rank n of one list ties with rank n of the other
and the tie goes to the list given first, so results interleave (first list's 1, other's 1, first's 2, ...): a few
hits of the second list never push the best of the first off the first row, while an item in both comes first.
Search decides which list leads (see photoseek.core.text_search).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60.0


def reciprocal_rank_fusion(rankings: Sequence[Sequence[K]], weights: Sequence[float] | None = None,
                           k: float = RRF_K) -> list[tuple[K, float]]:
    """Fuse ranked lists (best first) into one, best first, with each item's fused score.

    Ties keep the order of first appearance (list by list), so fusing one list returns it unchanged.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    score: dict[K, float] = {}
    first: dict[K, int] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            score[item] = score.get(item, 0.0) + weight / (k + rank)
            first.setdefault(item, len(first))
    return sorted(score.items(), key=lambda kv: (-kv[1], first[kv[0]]))
