"""The relevance cutoff's sample of a library's vectors: a fixed random choice of them, the same in every process.

A query's scores against the sample estimate how it scores against the whole library (:mod:`photoseek.core.cutoff`).
The choice depends only on the index's keys. The vector index saves the
sample of a large library beside it (``<model_id>.sample``, in the format of :mod:`.flat_vectors`, stamped with the
catalog version) whenever it saves the index, so a process that views the file reads 2048 rows instead of building
USearch's key table to pick them (see :mod:`.mapped_index`).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from photoseek.core.storage.flat_vectors import FlatVectors, write_flat

SAMPLE_SIZE = 2048  # vectors a query's score distribution is estimated from (exact below this many photos)


def sample_keys(keys: np.ndarray, size: int) -> np.ndarray:
    """The keys of the sample: ``size`` of ``keys`` chosen by a generator seeded with their count, in key order
    (an index lists its keys in an order that changes with its history: after removals, a loaded index and a view
    of its saved file list them differently)."""
    keys = np.sort(keys)
    n = len(keys)
    if n <= size:
        return keys
    # the standard library's generator: numpy.random costs a cold search tens of milliseconds
    return keys[np.sort(np.fromiter(random.Random(n).sample(range(n), size), np.int64, size))]


def pick_sample(index: Any, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(keys, float32 vectors) of the sample of ``index`` (anything with USearch's ``keys`` and ``get``)."""
    keys = sample_keys(np.asarray(index.keys, dtype=np.uint64), size)
    return keys, np.asarray(index.get(keys), dtype=np.float32).reshape(len(keys), -1)


def write_sample(path: Path, keys: np.ndarray, vectors: np.ndarray, version: int) -> None:
    """Save a sample (its keys and float32 vectors) atomically, stamped with catalog ``version``."""
    write_flat(path, keys, lambda _: vectors, version, chunk=max(1, len(keys)))


def read_sample(path: Path, dim: int, count: int, version: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The saved sample's (keys, vectors [count, dim] float32) when the file holds that many at ``version``."""
    flat = FlatVectors.open(path, dim, count, version)
    return None if flat is None else (np.array(flat.keys), np.array(flat.vectors()))
