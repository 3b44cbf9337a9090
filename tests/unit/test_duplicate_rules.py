"""The grouping rule of near-duplicates without I/O: best copy first, stars not chains, the second check."""

from __future__ import annotations

from datetime import datetime

from photoseek.core.domain import Photo, PhotoState
from photoseek.core.duplicates import MAX_DISTANCE, best_first, star_groups
from photoseek.core.reports import DuplicateGroup


def _photo(pid: int, w: int, h: int, size: int, taken: datetime | None = None, mtime: float = 1e9) -> Photo:
    return Photo(pid, f"/p/{pid}.jpg", 1, size, mtime, None, w, h, taken, None, PhotoState.OK)


def test_best_copy_is_the_largest_then_the_oldest() -> None:
    big_new = _photo(1, 4000, 3000, 3_000_000, datetime(2024, 1, 1))
    big_old = _photo(2, 4000, 3000, 3_000_000, datetime(2019, 1, 1))
    small = _photo(3, 1000, 750, 9_000_000, datetime(2010, 1, 1))
    heavier = _photo(4, 4000, 3000, 3_500_000, datetime(2024, 1, 1))
    assert [p.id for p in sorted([small, big_new, big_old, heavier], key=best_first)] == [2, 4, 1, 3]
    undated_old = _photo(5, 4000, 3000, 3_000_000, None, mtime=datetime(2015, 1, 1).timestamp())
    assert sorted([big_old, undated_old], key=best_first)[0] is undated_old


def test_groups_are_stars_around_the_best_copy_not_chains() -> None:
    # 1 ~ 2 and 2 ~ 3 by hash, but 3 is far from 1: 3 must not join 1's group through 2
    assert MAX_DISTANCE < 16
    hashes = {1: (0,), 2: (0b1111_1111,), 3: ((1 << 16) - 1,), 4: (2**64 - 1,)}
    near = {1: [(2, 0.95)], 2: [(1, 0.95), (3, 0.95)], 3: [(2, 0.95)], 4: [(1, 0.99)]}
    assert star_groups([1, 2, 3, 4], near, hashes) == [([1, 2], 0.95)]
    # a crop of the other photo may be the one that matches
    assert star_groups([1, 3], {1: [(3, 0.9)]}, {1: (0, 5), 3: ((1 << 16) - 1, 0)}) == [([1, 3], 0.9)]
    # without a hash a photo confirms nothing
    assert star_groups([1, 2], {1: [(2, 0.99)]}, {1: (0,)}) == []


def test_group_reports_the_bytes_its_copies_take() -> None:
    g = DuplicateGroup((_photo(1, 10, 10, 500), _photo(2, 5, 5, 120), _photo(3, 5, 5, 80)), 0.93)
    assert g.best.id == 1 and g.extra_bytes == 200
    js = g.to_json()
    assert [p["path"] for p in js["photos"]] == ["/p/1.jpg", "/p/2.jpg", "/p/3.jpg"]  # type: ignore[index]
    assert js["similarity"] == 0.93


def test_confirmed_pairs_agree_with_the_pairwise_distance_on_random_hashes():
    import random

    from photoseek.core.duplicates import confirmed_pairs
    from photoseek.core.imaging.phash import distance

    rng = random.Random(7)
    base = [rng.getrandbits(64) for _ in range(6)]

    def near_copy(h: int, flips: int) -> int:
        for _ in range(flips):
            h ^= 1 << rng.randrange(64)
        return h

    # 60 photos around 6 originals (0-20 bits away per entry), whole-photo hashes only for a few (version 1 rows)
    hashes = {i: tuple(near_copy(base[i % 6], rng.randrange(21)) for _ in range(1 if i % 13 == 0 else 7))
              for i in range(60)}
    near = {i: [(j, 0.9) for j in range(60) if j != i and rng.random() < 0.3] for i in range(60)}
    near[60] = [(1, 0.95)]  # no hash: confirms nothing
    want = {(a, b) for a, ns in near.items() for b, _ in ns
            if a in hashes and b in hashes and distance(hashes[a], hashes[b]) <= MAX_DISTANCE}
    got = confirmed_pairs(near, hashes)
    assert got == want and 0 < len(want) < sum(len(ns) for ns in near.values())
    assert confirmed_pairs({}, hashes) == set()
