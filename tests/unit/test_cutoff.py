"""The adaptive relevance cutoff: matches are what stands out of this query's scores over the library."""

from __future__ import annotations

import numpy as np

from photoseek.core.cutoff import MIN_LIBRARY, Cutoff, match_count


def _library(n: int = 200, seed: int = 0, centre: float = 0.2, spread: float = 0.05) -> np.ndarray:
    """Scores of photos that have nothing to do with the query: bounded noise (nothing stands out by 2 sigma)."""
    return np.random.default_rng(seed).uniform(centre - spread, centre + spread, n)


def test_clear_outliers_are_matches_and_the_rest_weaker():
    lib = _library()
    ranked = sorted([*lib, 0.45, 0.43, 0.41], reverse=True)  # three photos far above the crowd
    assert match_count(ranked, ranked) == 3


def test_noise_alone_has_no_match():
    for seed in range(20):
        lib = _library(200, seed)
        assert match_count(np.sort(lib)[::-1], lib) == 0


def test_gaussian_noise_lets_through_only_its_far_tail():
    # a random-weight model's scores are noise; about 2 % of a normal sample lies 2 sigma above the median
    counts = []
    for seed in range(50):
        lib = np.random.default_rng(seed).normal(0.2, 0.03, 35)
        counts.append(match_count(np.sort(lib)[::-1], lib))
    assert np.median(counts) <= 1 and np.mean(counts) < 1.5


def test_rule_is_scale_free_across_models():
    # the same ranking on another model's scale (shifted and squeezed) gives the same split
    lib = _library(300, 3)
    ranked = np.sort(np.concatenate([lib, [0.5, 0.48]]))[::-1]
    n = match_count(ranked, ranked)
    assert n == match_count(ranked * 0.1 + 0.7, ranked * 0.1 + 0.7) == 2


def test_matches_are_a_prefix_of_the_ranking():
    lib = _library(100, 1)
    assert match_count([0.9, 0.1, 0.95], lib) == 1  # the third is high but comes after a weak one


def test_tiny_library_counts_everything_as_a_match():
    ranked = [0.3, 0.2, 0.1][: MIN_LIBRARY - 1]
    assert match_count(ranked, ranked) == len(ranked)


def test_flat_scores_have_no_match():
    flat = [0.25] * 50
    assert match_count(flat, flat) == 0


def test_empty_ranking():
    assert match_count([], _library()) == 0


def test_span_keeps_matches_near_the_best():
    lib = _library(200, 2)
    ranked = sorted([*lib, 0.9, 0.45], reverse=True)
    assert Cutoff(min_z=2.0, span=1.0).count(ranked, ranked) == 2
    assert Cutoff(min_z=2.0, span=0.3).count(ranked, ranked) == 1  # 0.45 is far below the best


def test_threshold_uses_the_best_shown_hit():
    lib = _library(200, 4)
    rule = Cutoff(min_z=2.0, span=0.5)
    assert rule.threshold(lib, best=0.3) < rule.threshold(lib, best=0.6)
