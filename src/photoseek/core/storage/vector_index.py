"""USearch vector index per model: a rebuildable cache of the vectors in the catalog, keyed by photo id.

The catalog keeps a version counter per model that moves on every change to that model's vectors. The index file
is saved atomically (temp file + rename) with a small sidecar that records the version it reflects; on open, a
missing, unreadable or stale index is rebuilt from SQLite. So a killed process never leaves search wrong. The
sidecar carries a format number (:data:`SIDECAR_FORMAT`); a sidecar of any other format is treated as stale, and the
index is rebuilt (it is only a cache).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.disk import check_written, write_synced
from photoseek.core.storage.flat_vectors import FLAT_MAX, FlatVectors, exact_top_k, top_scored, write_flat
from photoseek.core.storage.mapped_index import MappedIndex, usearch_index
from photoseek.core.storage.vector_sample import SAMPLE_SIZE, pick_sample, read_sample, write_sample

log = logging.getLogger(__name__)

AMONG_CACHE_BYTES = 64 << 20  # the vectors of the last filtered set of photos kept for the next query (32k at 512-d)

# <model_id>.usearch.json: {format, model_id, dim, count, version, flat}; none before 1; 2: the index holds f16
# vectors. ``flat`` (true when <model_id>.flat was written with it) needs no new format: a reader that ignores it
# opens the index, and a writer that does not know it leaves it out, so the flat copy is not trusted.
SIDECAR_FORMAT = 2
# HNSW graph: links per node and candidate-list sizes while building and searching. f16 halves memory and builds
# several times faster than f32 in usearch 2.26 (exact search over f16 copies keeps recall@10 0.995 of f32's).
# bench/scale.py measures recall@10 against exact search on clustered 512-d vectors: connectivity 16 /
# expansion_add 64 gave 0.99 at 100k but only 0.69 (expansion_search 128) to 0.94 (2048) at 1M, a graph limit;
# 32 / 128 reached 1.000 at 100k on the same data.
DTYPE = "f16"
CONNECTIVITY = 32
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256


class VectorIndex:
    """Nearest-neighbour search over one model's vectors.

    Args:
        folder: where ``<model_id>.usearch`` and its sidecar live.
        model_id: the model whose vectors this holds.
        dim: vector size.
        catalog: the source of truth used to check and rebuild the index.
        writable: False opens the saved file memory-mapped (read-only searches from the CLI).
    """

    def __init__(self, folder: Path, model_id: str, dim: int, catalog: Catalog, *, writable: bool = True) -> None:
        self.folder = folder
        self.model_id = model_id
        self.dim = dim
        self.catalog = catalog
        self.writable = writable
        self.path = folder / f"{model_id}.usearch"
        self.meta_path = folder / f"{model_id}.usearch.json"
        self.flat_path = folder / f"{model_id}.flat"
        self.sample_path = folder / f"{model_id}.sample"  # the cutoff's sample of a large index, in the flat format
        self._lock = threading.RLock()
        # a USearch Index, the saved file viewed (MappedIndex), or the FlatVectors of a small read-only library
        self._index: Any = None
        self._viewing = False  # the saved file memory-mapped (read-only) rather than loaded
        self._sample_checked = False  # a writer has made sure the viewed file's sample is saved beside it
        self._version = -1
        self._dirty = False
        self._last_save = 0.0
        self.rebuilt = False
        self._sample: tuple[tuple[int, int, int], np.ndarray, np.ndarray] | None = None  # (key, keys, vecs)
        self._every: tuple[tuple[int, int, int], np.ndarray, np.ndarray] | None = None
        self._among: tuple[tuple[int, int, int, int], np.ndarray, np.ndarray] | None = None
        self.open()

    def _new(self) -> Any:
        return usearch_index()(ndim=self.dim, metric="ip", dtype=DTYPE, connectivity=CONNECTIVITY,
                          expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)

    def __len__(self) -> int:
        with self._lock:
            return len(self._index)

    # open / rebuild / save ------------------------------------------------------------------------------------
    def open(self) -> None:
        """Load the saved index if it matches the catalog; otherwise rebuild it from SQLite."""
        want = self.catalog.model_version(self.model_id)
        with self._lock:
            if self._try_load(want):
                return
            self.rebuild()

    def _try_load(self, want: int) -> bool:
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not isinstance(meta, dict) or meta.get("format") != SIDECAR_FORMAT:
            log.info("vector index %s has sidecar format %r (want %d); rebuilding", self.path,
                     meta.get("format") if isinstance(meta, dict) else None, SIDECAR_FORMAT)
            return False
        if meta.get("version") != want or meta.get("dim") != self.dim or not self.path.is_file():
            return False
        if not self.writable and meta.get("flat"):
            flat = FlatVectors.open(self.flat_path, self.dim, int(meta.get("count", -1)), want)
            if flat is not None:
                self._index, self._viewing, self._version, self._dirty = flat, True, want, False
                return True
        count = int(meta.get("count", -1))
        try:
            # memory-mapped even when writable: opening a million vectors is then a page-table update, not a 1 GB
            # read; a writable index loads the file in full before its first change (_ensure_writable). Above
            # FLAT_MAX the key table waits for a call by key (mapped_index): a search does not need it.
            idx = MappedIndex.open(self.path, key_table=count <= FLAT_MAX, expansion_search=EXPANSION_SEARCH)
        except Exception as e:  # usearch raises RuntimeError/ValueError on damaged files, mmap ValueError on empty
            log.warning("vector index %s unreadable (%s); rebuilding", self.path, e)
            return False
        if idx is None or idx.ndim != self.dim or len(idx) != count:
            return False
        self._index = idx
        self._viewing = True
        self._sample_checked = False
        self._version = want
        self._dirty = False
        return True

    def rebuild(self) -> None:
        """Recreate the index from the catalog's vectors (and save it when writable)."""
        with self._lock:
            version = self.catalog.model_version(self.model_id)
            idx = self._new()
            for ids, vecs in self.catalog.iter_vectors(self.model_id, self.dim):
                idx.add(ids, vecs)
            self._index = idx
            self._viewing = False
            self._version = version
            self._dirty = True
            self.rebuilt = True
            if self.writable:
                self.save()

    def save(self, min_interval_s: float = 0.0) -> None:
        """Write the index atomically, then the sidecar that says which catalog version it reflects.

        ``min_interval_s`` skips the write when the last one was more recent: a watcher's trickle of small batches
        must not rewrite a large index each time. Skipping is safe: a stale file is rebuilt from the catalog.
        """
        with self._lock:
            self._add_sample()
            if not self._dirty or time.monotonic() - self._last_save < min_interval_s:
                return
            tmp = self.path.with_suffix(".usearch.tmp")
            tmp_meta = self.meta_path.with_suffix(".json.tmp")
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                # The sidecar goes first: should anything below fail, no sidecar means "rebuild", never a
                # sidecar vouching for a file that is half written.
                self.meta_path.unlink(missing_ok=True)
                self._index.save(os.fspath(tmp))
                check_written(tmp, self._index.serialized_length)
                os.replace(tmp, self.path)
                meta = {"format": SIDECAR_FORMAT, "model_id": self.model_id, "dim": self.dim, "count": len(self._index),
                        "version": self._version, "flat": self._save_flat()}
                self._save_sample()
                write_synced(tmp_meta, json.dumps(meta).encode())
                os.replace(tmp_meta, self.meta_path)
                self._dirty = False
                self._last_save = time.monotonic()
            except (OSError, RuntimeError) as e:
                # usearch reports a failed write (a full disk) as RuntimeError. Nothing is lost: the catalog has
                # every vector and the index is rebuilt from it on the next open.
                log.warning("could not save vector index %s: %s", self.path, e)
                for p in (tmp, tmp_meta, self.meta_path, self.flat_path, self.sample_path):
                    try:
                        p.unlink(missing_ok=True)
                    except OSError:
                        pass

    def _save_flat(self) -> bool:
        """Write the flat copy a cold search reads (small libraries only); whether it was written."""
        if not 0 < len(self._index) <= FLAT_MAX:
            self.flat_path.unlink(missing_ok=True)
            return False
        keys = np.asarray(self._index.keys, dtype=np.uint64)
        write_flat(self.flat_path, keys, lambda some: np.asarray(self._index.get(some), dtype=np.float32),
                   self._version)
        return True

    def _save_sample(self) -> None:
        """Write the relevance cutoff's sample of a large index beside it: a process that views the file reads it
        instead of building the key table to pick it (mapped_index). The file carries the catalog version it was
        picked at: a reader checks it, so it needs no word in the sidecar."""
        if len(self._index) <= FLAT_MAX:
            self.sample_path.unlink(missing_ok=True)
            return
        write_sample(self.sample_path, *self._picked(SAMPLE_SIZE), self._version)

    def _add_sample(self) -> None:
        """A large file viewed as a version before samples saved it: save its sample now (once per open), or every
        reader would build the key table to pick it again."""
        if (self._dirty or not self.writable or self._sample_checked or not isinstance(self._index, MappedIndex)
                or len(self._index) <= FLAT_MAX):
            return
        self._sample_checked = True
        if read_sample(self.sample_path, self.dim, SAMPLE_SIZE, self._version) is None:
            try:
                self._save_sample()
            except OSError as e:  # nothing lost: readers pick the sample themselves
                log.warning("could not save the sample of vector index %s: %s", self.path, e)

    def _everything(self) -> tuple[np.ndarray, np.ndarray]:
        """Every key and vector (float32), cached until the index changes: a small library is searched exactly."""
        key = (id(self._index), self._version, len(self._index))
        if self._every is None or self._every[0] != key:
            if isinstance(self._index, FlatVectors):
                keys, vecs = self._index.keys, self._index.vectors()
            else:
                keys = np.asarray(self._index.keys, dtype=np.uint64)
                vecs = np.asarray(self._index.get(keys), dtype=np.float32).reshape(len(keys), self.dim)
            self._every = (key, keys, vecs)
        return self._every[1], self._every[2]

    def refresh(self) -> None:
        """Pick up vectors another process committed (read-only searches while an index run goes on)."""
        want = self.catalog.model_version(self.model_id)
        if want != self._version:
            with self._lock:
                if not self._try_load(want):
                    self.rebuild()

    # changes --------------------------------------------------------------------------------------------------
    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray, version: int) -> None:
        keys = np.asarray(ids, dtype=np.uint64)
        with self._lock:
            self._ensure_writable()
            present = [k for k in keys if self._index.contains(int(k))]
            if present:
                self._index.remove(np.asarray(present, dtype=np.uint64))
            self._index.add(keys, np.ascontiguousarray(vectors, dtype=np.float32))
            self._version = version
            self._dirty = True

    def remove(self, ids: list[int], version: int) -> None:
        with self._lock:
            self._ensure_writable()
            present = [k for k in ids if self._index.contains(int(k))]
            if present:
                self._index.remove(np.asarray(present, dtype=np.uint64))
            self._version = version
            self._dirty = True

    def _ensure_writable(self) -> None:
        """Called under the lock before every change: loads the memory-mapped file in full (the same file and
        version the view shows; if it was replaced since, the index is rebuilt from the catalog instead)."""
        if not self.writable:
            raise RuntimeError("vector index opened read-only")
        if not self._viewing:
            return
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            same = meta.get("format") == SIDECAR_FORMAT and meta.get("version") == self._version
            idx = usearch_index().restore(os.fspath(self.path), view=False) if same else None
        except Exception as e:  # unreadable now: the catalog has every vector
            log.warning("vector index %s cannot be loaded for writing (%s); rebuilding", self.path, e)
            idx = None
        if idx is None or len(idx) != len(self._index):
            self.rebuild()  # at the catalog's version, which may already include the change being applied
            return
        idx.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]
        self._index = idx
        self._viewing = False

    # queries --------------------------------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (ids, scores) for one query vector; scores are inner products (cosine on unit vectors)."""
        with self._lock:
            n = len(self._index)
            if n == 0 or k <= 0:
                return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.float32)
            k = min(k, n)
            if n <= FLAT_MAX:  # exact: a few milliseconds, never approximate, the same in every process
                return exact_top_k(*self._everything(), query, k)
            m = self._index.search(np.asarray(query, dtype=np.float32), k)
            keys = np.asarray(m.keys, dtype=np.uint64)
            dist = np.asarray(m.distances, dtype=np.float32)
        ok = keys != np.uint64(2**64 - 1)
        return keys[ok], (1.0 - dist[ok]).astype(np.float32)

    def neighbours(self, k: int, min_score: float) -> dict[int, list[tuple[int, float]]]:
        """For every photo, its up to ``k`` nearest others scoring at least ``min_score``, best first
        (photos with none are left out). Exact below a few thousand vectors, like :meth:`search`."""
        with self._lock:
            n = len(self._index)
            if n < 2 or k <= 0:
                return {}
            keys = np.asarray(self._index.keys, dtype=np.uint64)
            vecs = np.asarray(self._index.get(keys), dtype=np.float32).reshape(n, self.dim)
            m = self._index.search(vecs, min(k + 1, n), exact=n <= 4096)
            found = np.asarray(m.keys, dtype=np.uint64).reshape(n, -1)
            scores = 1.0 - np.asarray(m.distances, dtype=np.float32).reshape(n, -1)
        none = np.uint64(2**64 - 1)
        out: dict[int, list[tuple[int, float]]] = {}
        for row, key in enumerate(keys):
            near = [(int(j), float(s)) for j, s in zip(found[row], scores[row], strict=True)
                    if j != key and j != none and s >= min_score]
            if near:
                out[int(key)] = near[:k]
        return out

    def sample(self, size: int | None = None) -> np.ndarray:
        """Up to ``size`` (default :data:`SAMPLE_SIZE`) of the stored vectors, a fixed random choice ([n, dim]); the
        relevance cutoff judges a query against them. Cached until the index changes."""
        return self._picked(SAMPLE_SIZE if size is None else size)[1]

    def _picked(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(keys, vectors) of the sample: as saved beside a viewed large file, else chosen now; cached."""
        with self._lock:
            n = len(self._index)
            key = (self._version, n, size)
            if self._sample is not None and self._sample[0] == key:
                return self._sample[1], self._sample[2]
            got = None
            if size == SAMPLE_SIZE and n > FLAT_MAX and isinstance(self._index, MappedIndex):
                got = read_sample(self.sample_path, self.dim, size, self._version)  # n > FLAT_MAX > size
            if got is None:
                got = pick_sample(self._index, size) if n else (np.zeros(0, np.uint64), np.zeros((0, self.dim), np.float32))
            self._sample = (key, *got)
            return got

    def search_among(self, query: np.ndarray, ids: list[int], k: int, chunk: int = 8192
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Exact top ``k`` (ids, scores) among ``ids`` only: a narrow filter (one folder of a large library) scores
        its photos directly instead of walking the graph for ever more neighbours that the filter rejects.

        Their vectors (up to :data:`AMONG_CACHE_BYTES`) stay in memory until the index or ``ids`` change: the next
        query in the same folder scores them in a millisecond instead of fetching 10,000 of them again (50-100 ms
        at a million photos)."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        keys_all = np.asarray(ids, dtype=np.uint64)
        with self._lock:
            key = (self._version, len(self._index), len(keys_all), hash(keys_all.tobytes()))
            cached = self._among[1:] if self._among is not None and self._among[0] == key else None
        if cached is None and len(keys_all) * self.dim * 4 > AMONG_CACHE_BYTES:
            return self._stream_among(q, keys_all, k, chunk)
        if cached is None:
            parts = [self._vectors_of(keys_all[i : i + chunk]) for i in range(0, len(keys_all), chunk)]
            keys = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.uint64)
            vecs = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, self.dim), np.float32)
            with self._lock:
                self._among = (key, keys, vecs)
        else:
            keys, vecs = cached
        return top_scored(keys, vecs @ q, k)

    def _stream_among(self, q: np.ndarray, keys_all: np.ndarray, k: int, chunk: int
                      ) -> tuple[np.ndarray, np.ndarray]:
        best_ids = np.zeros(0, dtype=np.uint64)
        best = np.zeros(0, dtype=np.float32)
        for i in range(0, len(keys_all), chunk):
            keys, vecs = self._vectors_of(keys_all[i : i + chunk])
            best_ids, best = top_scored(np.concatenate([best_ids, keys]), np.concatenate([best, vecs @ q]), k)
        return best_ids, best

    def _vectors_of(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the keys that have a vector, their vectors as float32 rows)."""
        with self._lock:
            got: Any = self._index.get(keys)
        if isinstance(got, np.ndarray) and got.ndim == 2:
            return keys, got.astype(np.float32)
        rows = [row for row in got if row is not None]  # one row per key; None for keys without a vector
        if len(rows) < len(keys):
            keys = keys[[j for j, row in enumerate(got) if row is not None]]
        if not rows:
            return keys, np.zeros((0, self.dim), np.float32)
        # f16 rows: converted once here, since numpy's f16 matmul is slow
        return keys, np.concatenate(rows).reshape(len(rows), -1).astype(np.float32)

    def get(self, ids: list[int]) -> dict[int, np.ndarray]:
        with self._lock:
            out = {}
            for i in ids:
                if self._index.contains(int(i)):
                    v = self._index.get(int(i))
                    if v is not None:
                        out[int(i)] = np.asarray(v, dtype=np.float32).reshape(-1)
            return out

