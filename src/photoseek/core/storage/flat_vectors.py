"""A plain copy of a small library's vectors beside its USearch index, and the exact search over it.

Up to :data:`FLAT_MAX` photos, scoring every vector costs a few milliseconds and is never approximate, so the
vector index answers such libraries by :func:`exact_top_k` whichever process asks: the desktop app over its
in-memory index, a cold `photoseek search` over this file, memory-mapped, without importing USearch at all
(its import, with the HTTP and progress-bar modules it pulls in, costs a cold search more than the scoring).
Both compute the same scores from the same values (the index's float16 vectors, widened to float32) in the same
order, so their results are identical.

File ``<model_id>.flat``, written next to the index whenever it is saved at or under :data:`FLAT_MAX` vectors:
a 32-byte header (magic ``PSVECTOR``, format :data:`FLAT_FORMAT`, dim, count, catalog version as little-endian
u32, u32, u64, u64), the keys (u64) in the index's own order, then the vectors as float32, row by row: twice
the bytes of float16, but a cold search scores the mapped file as it is instead of converting every vector first.
A reader uses it only when its header matches the sidecar's count and version; otherwise it opens the index.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

FLAT_FORMAT = 1
FLAT_MAX = 16_384  # vectors scored exactly (512-d: 32 MB on disk at most, mapped, not copied, by a cold search)
_MAGIC = b"PSVECTOR"
_HEADER = struct.Struct("<8sIIQQ")
_CHUNK = 1024  # query rows scored at once by a batch search (1024 x 16k float32 = 64 MB)


class Matches(NamedTuple):
    """What USearch's ``Index.search`` returns, as far as the vector index reads it."""

    keys: np.ndarray
    distances: np.ndarray


def exact_top_k(keys: np.ndarray, vectors: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` (keys, inner products) of ``query`` against every row of ``vectors`` (float32), best first."""
    return top_scored(keys, vectors @ np.asarray(query, dtype=np.float32).reshape(-1), k)


def top_scored(keys: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best (keys, scores), best first; equal scores in key order, so the result does not depend on how
    the rows are stored."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.float32)
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    order = np.lexsort((keys[top], -scores[top]))
    return keys[top][order].astype(np.uint64), scores[top][order].astype(np.float32)


def write_flat(path: Path, keys: np.ndarray, rows: Callable[[np.ndarray], np.ndarray], version: int,
               chunk: int = 4096) -> None:
    """Write the copy atomically (temp file, fsync, rename); the caller writes the sidecar afterwards.
    ``rows(keys)`` gives the vectors of some keys: they are fetched and written a chunk at a time, so saving
    does not hold a second copy of every vector in memory."""
    keys = np.ascontiguousarray(keys, dtype="<u8")
    tmp = path.with_name(path.name + ".tmp")
    dim = 0
    with open(tmp, "wb") as f:
        f.write(b"\0" * _HEADER.size)  # the header, once the dimension is known
        f.write(keys.tobytes())
        for i in range(0, len(keys), chunk):
            vecs = np.ascontiguousarray(rows(keys[i : i + chunk]), dtype="<f4")
            dim = vecs.shape[1]
            f.write(vecs.tobytes())
        f.seek(0)
        f.write(_HEADER.pack(_MAGIC, FLAT_FORMAT, dim, len(keys), version))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class FlatVectors:
    """The file, memory-mapped and read-only, with the part of USearch's ``Index`` API the vector index uses."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray, keep: Any) -> None:
        self._keys = keys
        self._vectors = vectors  # float32, memory-mapped
        self._keep = keep  # the mmap the arrays view
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self.ndim = vectors.shape[1]

    @classmethod
    def open(cls, path: Path, dim: int, count: int, version: int) -> FlatVectors | None:
        """The copy at ``path`` if it holds ``count`` vectors of ``dim`` at catalog ``version``, else None."""
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size < _HEADER.size:
                    return None
                magic, fmt, d, n, v = _HEADER.unpack(f.read(_HEADER.size))
                if (magic, fmt, d, n, v) != (_MAGIC, FLAT_FORMAT, dim, count, version):
                    return None
                if size != _HEADER.size + n * 8 + n * d * 4 or n == 0:
                    return None
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError, struct.error):
            return None
        keys = np.frombuffer(mm, dtype="<u8", count=n, offset=_HEADER.size)
        vecs = np.frombuffer(mm, dtype="<f4", count=n * d, offset=_HEADER.size + n * 8).reshape(n, d)
        return cls(keys, vecs, mm)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> np.ndarray:
        return self._keys

    def vectors(self) -> np.ndarray:
        """Every vector ([n, dim] float32, read-only), in the file's order."""
        return self._vectors

    def _rows(self, keys: np.ndarray) -> np.ndarray:
        """Row of each key, -1 where the key is not stored."""
        if self._sorted is None:
            order = np.argsort(self._keys, kind="stable")
            self._sorted = (self._keys[order], order)
        skeys, order = self._sorted
        pos = np.minimum(np.searchsorted(skeys, keys), len(skeys) - 1)
        return np.where(skeys[pos] == keys, order[pos], -1)

    def contains(self, key: int) -> bool:
        return bool(self._rows(np.asarray([key], dtype=np.uint64))[0] >= 0)

    def get(self, keys: Any) -> Any:
        """Like USearch: one key -> its vector or None; an array -> [n, dim], or a list with None for absent keys."""
        if isinstance(keys, (int, np.integer)):
            row = int(self._rows(np.asarray([keys], dtype=np.uint64))[0])
            return None if row < 0 else self._vectors[row].copy()
        rows = self._rows(np.asarray(keys, dtype=np.uint64))
        if (rows >= 0).all():
            return self._vectors[rows]
        return [None if r < 0 else self._vectors[r].copy() for r in rows]

    def search(self, queries: np.ndarray, k: int, exact: bool = True) -> Matches:
        """Exact top ``k`` for one query ([k] keys/distances) or a batch ([n, k]); distance = 1 - inner product."""
        q = np.asarray(queries, dtype=np.float32)
        vecs = self.vectors()
        if q.ndim == 1:
            keys, scores = exact_top_k(self._keys, vecs, q, k)
            return Matches(keys, (1.0 - scores).astype(np.float32))
        n = len(vecs)
        k = min(k, n)
        out_keys = np.zeros((len(q), k), dtype=np.uint64)
        out_dist = np.zeros((len(q), k), dtype=np.float32)
        for i in range(0, len(q), _CHUNK):
            s = q[i : i + _CHUNK] @ vecs.T
            top = np.argpartition(-s, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (len(s), 1))
            top_s, top_k = np.take_along_axis(s, top, 1), self._keys[top]
            order = np.lexsort((top_k, -top_s))
            out_keys[i : i + len(s)] = np.take_along_axis(top_k, order, 1)
            out_dist[i : i + len(s)] = 1.0 - np.take_along_axis(top_s, order, 1)
        return Matches(out_keys, out_dist)
