"""Near-duplicates: the same photo resized, recompressed, lightly cropped or edited.

Two checks, cheapest first. The vectors already stored give candidates (a photo's nearest neighbours scoring at
least ``threshold``); a perceptual hash (:mod:`photoseek.core.imaging.phash`) then confirms them, so that two
different photos of the same subject (two shots of one cat), which the model rightly finds similar, stay apart.
Hashes are computed while indexing, from the image already decoded for the model; photos indexed before that
(or whose cached hash is stale) are hashed here on demand, only when they are candidates, and cached.

Grouping is a star around the best copy, never a chain: photos are taken best first (largest, then oldest), and
each one not yet grouped gathers its confirmed neighbours that are not grouped either. So a group never drifts from
one photo to a different one through a run of intermediate edits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from photoseek.core.domain import DUPLICATE_THRESHOLD, Photo, PhotoState, SearchHit
from photoseek.core.errors import CatalogError, DecodeError
from photoseek.core.reports import DuplicateGroup
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.vector_index import VectorIndex

if TYPE_CHECKING:
    from photoseek.core.imaging.phash import ImageHash

log = logging.getLogger(__name__)

# Chosen on the tune half of bench/eval_duplicates.py (its report half is held out). A candidate needs a vector
# similarity (cosine) of DEFAULT_THRESHOLD; its hashes (whole photo and crops) may then be at most MAX_DISTANCE of
# 64 bits apart. Measured there: copies of a photo 0-12 bits from the original (a 10 % crop of a brick texture 18),
# different photos of one subject 24 bits or more even at 0.9+ similarity, unrelated photos 16 or more.
DEFAULT_THRESHOLD = DUPLICATE_THRESHOLD
MAX_DISTANCE = 12
NEIGHBOURS = 16  # candidates looked at per photo
HASH_DECODE_SIDE = 256  # decode size when a hash is computed on demand (JPEG draft mode makes this cheap)
STACK_HASH_BUDGET = 16  # photos a search may hash from disk (a library indexed before hashes existed fills slowly)

HashProgress = Callable[[int, int], bool]  # (hashed, to hash) -> keep going


def best_first(p: Photo) -> tuple[int, datetime, int, str]:
    """Sort key: the largest copy first (pixels), then the oldest (date taken, else file time: an edit or a
    recompressed copy is newer than its original), then the heavier file."""
    return (-(p.width or 0) * (p.height or 0), p.taken_at or datetime.fromtimestamp(p.mtime), -p.size, p.path)


def star_groups(order: Sequence[int], near: dict[int, list[tuple[int, float]]], hashes: dict[int, ImageHash]
                ) -> list[tuple[list[int], float]]:
    """Group ids (pure): each id of ``order`` not yet taken gathers its untaken candidates (``near``: id ->
    ``(id, similarity)``) whose hashes are at most :data:`MAX_DISTANCE` bits apart. Returns ``(ids, lowest similarity)`` per group of two
    or more, members in ``order``. An id without a hash confirms nothing."""
    rank = {pid: i for i, pid in enumerate(order)}
    close = confirmed_pairs(near, hashes)
    taken: set[int] = set()
    out: list[tuple[list[int], float]] = []
    for pid in order:
        if pid in taken or pid not in hashes:
            continue
        members = [(j, s) for j, s in near.get(pid, ()) if j in rank and j not in taken and (pid, j) in close]
        if members:
            taken.add(pid)
            taken.update(j for j, _ in members)
            ids = [pid] + sorted((j for j, _ in members), key=rank.__getitem__)
            out.append((ids, min(s for _, s in members)))
    return out


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
_NO_HASH = 65  # the "distance" of a pair where one photo has no hash: more than any two 64-bit hashes differ


def hash_distances(a_ids: Sequence[int], b_ids: Sequence[int], hashes: dict[int, ImageHash]) -> np.ndarray:
    """Bits apart of each pair ``(a_ids[k], b_ids[k])``, as :func:`~photoseek.core.imaging.phash.distance`
    measures them, in one NumPy pass (:data:`_NO_HASH` where a photo has none). Comparing pairs one by one in
    Python held the GIL long enough to stall the window while a search stacked a burst of similar shots."""
    ids = [i for i in dict.fromkeys([*a_ids, *b_ids]) if i in hashes]
    if not ids or not len(a_ids):
        return np.full(len(a_ids), _NO_HASH, dtype=np.int32)
    row = {pid: n for n, pid in enumerate(ids, start=1)}  # row 0: no hash
    width = max(len(hashes[i]) for i in ids)
    # a hash padded with its whole-photo entry measures the same: distance() takes minima over the entries
    table = np.zeros((len(ids) + 1, width), dtype=np.uint64)
    table[1:] = [[*hashes[i], *[hashes[i][0]] * (width - len(hashes[i]))] for i in ids]
    ra = np.array([row.get(x, 0) for x in a_ids], dtype=np.intp)
    rb = np.array([row.get(y, 0) for y in b_ids], dtype=np.intp)
    a, b = table[ra], table[rb]

    def bits(x: np.ndarray) -> np.ndarray:  # set bits per uint64 (np.bitwise_count needs NumPy 2)
        return _POPCOUNT[x.view(np.uint8)].reshape(*x.shape, 8).sum(axis=-1, dtype=np.int32)

    dist = np.minimum(bits(a[:, :1] ^ b).min(axis=1), bits(a ^ b[:, :1]).min(axis=1))
    return np.where((ra > 0) & (rb > 0), dist, _NO_HASH)


def confirmed_pairs(near: dict[int, list[tuple[int, float]]], hashes: dict[int, ImageHash]) -> set[tuple[int, int]]:
    """The candidate pairs ``(a, b)`` of ``near`` whose hashes are at most :data:`MAX_DISTANCE` apart."""
    pairs = [(a, b) for a, ns in near.items() for b, _ in ns]
    dist = hash_distances([a for a, _ in pairs], [b for _, b in pairs], hashes)
    return {pair for pair, d in zip(pairs, dist.tolist(), strict=True) if d <= MAX_DISTANCE}


class Duplicates:
    """Finds near-duplicates in a library and among search results.

    Args:
        catalog: photos, and the perceptual-hash cache.
        vindex: the active model's vector index (asked for at each call: the model may change).
    """

    def __init__(self, catalog: Catalog, vindex: Callable[[], VectorIndex]) -> None:
        self.catalog = catalog
        self._vindex = vindex

    def groups(self, threshold: float = DEFAULT_THRESHOLD, progress: HashProgress | None = None
               ) -> list[DuplicateGroup]:
        """Every group of near-duplicates in the library, groups with the most bytes to spare first. ``threshold``:
        the vector similarity (cosine, 0..1) a candidate needs before its perceptual hash is compared.

        ``progress(hashed, to_hash)`` is called while candidates without a cached hash are hashed; returning False
        stops early (hashes computed so far are kept; the answer then covers only what was checked)."""
        near = self._vindex().neighbours(NEIGHBOURS, threshold)
        for pid, ns in list(near.items()):  # both ways: the best copy may be one of many in a copy's neighbourhood
            for j, s in ns:
                back = near.setdefault(j, [])
                if all(k != pid for k, _ in back):
                    back.append((pid, s))
        photos = self._usable(self.catalog.photos(set(near) | {j for ns in near.values() for j, _ in ns}))
        hashes = self.hashes(list(photos.values()), progress)
        order = sorted(photos, key=lambda i: best_first(photos[i]))
        found = [DuplicateGroup(tuple(photos[i] for i in ids), sim)
                 for ids, sim in star_groups(order, near, hashes)]
        return sorted(found, key=lambda g: (-g.extra_bytes, g.best.path))

    def stacks(self, hits: Sequence[SearchHit], threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
        """Near-duplicates among search results: photo ids per stack of two or more, the best copy first (largest,
        then oldest: the one a stacked tile shows), stacks in the order their best-ranked member comes in ``hits``.
        Uses stored vectors and hashes; at most :data:`STACK_HASH_BUDGET` missing hashes are computed (best-ranked
        first), so a search stays quick on a library indexed before hashes existed; later searches stack more."""
        ids = [h.photo.id for h in hits]
        vecs = self._vindex().get(ids)
        ids = [i for i in ids if i in vecs]
        if len(ids) < 2:
            return []
        m = np.stack([vecs[i] for i in ids])
        sims = m @ m.T
        rows, cols = np.nonzero(np.triu(sims >= threshold, 1))
        if not len(rows):
            return []
        # hashes confirm the candidate pairs in NumPy before any Python loop sees them: a burst of similar shots
        # among the hits gives thousands of candidate pairs and only a few copies
        arr = np.asarray(ids)
        candidates = set(arr[np.union1d(rows, cols)].tolist())
        photos = self._usable({h.photo.id: h.photo for h in hits if h.photo.id in candidates})
        hashes = self.hashes(photos.values(), limit=STACK_HASH_BUDGET)
        close = hash_distances(arr[rows].tolist(), arr[cols].tolist(), hashes) <= MAX_DISTANCE
        rows, cols = rows[close], cols[close]
        near: dict[int, list[tuple[int, float]]] = {}
        for a, b, s in zip(arr[rows].tolist(), arr[cols].tolist(), sims[rows, cols].tolist(), strict=True):
            near.setdefault(a, []).append((b, s))
            near.setdefault(b, []).append((a, s))
        found = [g for g, _ in star_groups(sorted(photos, key=lambda i: best_first(photos[i])), near, hashes)]
        rank = {pid: i for i, pid in enumerate(ids)}
        return sorted(found, key=lambda g: min(rank[i] for i in g))

    def hashes(self, photos: Iterable[Photo], progress: HashProgress | None = None, *, limit: int | None = None
               ) -> dict[int, ImageHash]:
        """photo id -> perceptual hash: from the cache, else computed from the file (the first ``limit`` missing
        ones, in the given order) and cached. Files that cannot be read now get none (they confirm no group)."""
        from photoseek.core.imaging.decode import decode  # Pillow and its plugins load only here, not per search
        from photoseek.core.imaging.phash import HASH_VERSION, image_hash

        photos = list(photos)
        out = self.catalog.image_hashes([p.id for p in photos], HASH_VERSION)
        todo = [p for p in photos if p.id not in out and p.state == PhotoState.OK][:limit]
        fresh: list[tuple[int, str | None, ImageHash]] = []
        for n, p in enumerate(todo):
            if progress is not None and not progress(n, len(todo)):
                break
            try:
                h = image_hash(decode(p.path, min_side=HASH_DECODE_SIDE).image)
            except DecodeError as e:
                log.info("no perceptual hash for %s: %s", p.path, e.reason)
                continue
            out[p.id] = h
            fresh.append((p.id, p.content_hash, h))
            if len(fresh) >= 200:
                self._save(fresh)
                fresh = []
        self._save(fresh)
        if progress is not None and todo:
            progress(len(todo), len(todo))
        return out

    def _save(self, rows: list[tuple[int, str | None, ImageHash]]) -> None:
        from photoseek.core.imaging.phash import HASH_VERSION

        try:
            self.catalog.save_image_hashes(rows, HASH_VERSION)
        except CatalogError as e:  # a busy or read-only catalog: the hashes are only a cache
            log.info("perceptual hashes not cached: %s", e)

    @staticmethod
    def _usable(photos: dict[int, Photo]) -> dict[int, Photo]:
        """Photos that exist now (not missing, not unreadable); offline ones stay when their hash is cached."""
        return {i: p for i, p in photos.items() if p.state in (PhotoState.OK, PhotoState.OFFLINE)}
