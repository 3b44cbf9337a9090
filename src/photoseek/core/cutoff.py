"""The adaptive relevance cutoff: where a ranking stops being matches and becomes weaker results.

A fixed score threshold does not work: scores differ by query and by model (a random-weight model and a trained one
give the same range). So each query is judged against its own scores over the whole library (a sample of it): a
photo is a match when its score stands out of that distribution, in robust units,

    z = (score - median) / (1.4826 * MAD)   >=   min_z

and, optionally, it is not far below the best hit (``span``). The median and the MAD are barely moved by the few
real matches in the tail, so the rule needs no per-model constant. ``bench/eval_cutoff.py`` measures it (and
alternatives) on the built-in pack and on a random-weight CLIP pack, with half of the queries held out of tuning.

Pure functions on arrays of scores: no I/O, tested without a library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its standard deviation
MIN_LIBRARY = 8  # fewer photos than this: no distribution to judge by, every hit counts as a match


@dataclass(frozen=True)
class Cutoff:
    """The rule's two knobs. ``min_z``: how far above the library's median (in robust standard deviations) a match
    must score; tuned on the tune half of bench/eval_cutoff.py. ``span``: a match also scores at least
    ``best - span * (best - median)``; 1.0 switches that clause off (it did not help on the bench queries)."""

    min_z: float = 2.0
    span: float = 1.0

    def threshold(self, library: Sequence[float] | np.ndarray, best: float | None = None) -> float:
        """The lowest score that still counts as a match, given this query's scores over the library.

        ``best`` is the best hit actually shown (after filters); without it the library's best is used.
        Returns ``-inf`` (everything matches) for a library too small to judge.
        """
        s = np.asarray(library, dtype=np.float64).reshape(-1)
        s = s[np.isfinite(s)]
        if s.size < MIN_LIBRARY:
            return float("-inf")
        med = _median(s)
        spread = MAD_TO_SIGMA * _median(np.abs(s - med))
        if spread <= 1e-9:  # (nearly) every photo scores the same: nothing stands out
            spread = float(s.std()) or 1e-9
        top = float(s.max()) if best is None else float(best)
        floor = med + self.min_z * spread
        near_best = top - self.span * (top - med)
        return max(floor, near_best)

    def count(self, ranked: Sequence[float] | np.ndarray, library: Sequence[float] | np.ndarray) -> int:
        """How many of the ``ranked`` scores (best first) are matches: they form a prefix of the ranking."""
        scores = [float(x) for x in ranked]
        if not scores:
            return 0
        limit = self.threshold(library, best=scores[0])
        n = 0
        while n < len(scores) and scores[n] >= limit:
            n += 1
        return n


def _median(s: np.ndarray) -> float:
    """``np.median`` of finite values, without its NaN check, which imports numpy.ma (tens of milliseconds of a
    cold search): the mean of the two middle values, as numpy computes it."""
    n = s.size
    part = np.partition(s, [(n - 1) // 2, n // 2])
    return float((part[(n - 1) // 2] + part[n // 2]) / 2)


DEFAULT = Cutoff()


def match_count(ranked: Sequence[float] | np.ndarray, library: Sequence[float] | np.ndarray,
                rule: Cutoff = DEFAULT) -> int:
    """How many leading ``ranked`` scores are matches under ``rule`` (see :class:`Cutoff`)."""
    return rule.count(ranked, library)
