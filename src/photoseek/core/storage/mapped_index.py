"""A saved USearch index opened for searching: memory-mapped, and without USearch's key table until it is needed.

Viewing an index, USearch walks every node and builds a table from each key to its slot. At a million photos the
table is most of the open (~130 ms of 180-220 ms on a 2-core machine, holding the GIL all along, plus ~30 MB), yet
a search never reads it: the graph's nodes carry their keys. Nor does the relevance cutoff, which reads the sample
saved beside the index (the vector index's ``<model_id>.sample``). So a large index is viewed without the table,
and the first call that asks by key (a folder's photos scored exactly, the cosine of a word match, "find similar"
of a library photo, duplicates) views the same mapping a second time with it.

Both views read one ``mmap`` of the file, taken when it was opened: on POSIX systems they show the same version
even when a writer has replaced the file since (on Windows a mapped file cannot be replaced: the writer's save
fails and the index is rebuilt from the catalog at the next open, as with USearch's own mapping). Once the keyed
view exists it answers searches too, and the first view is let go.
"""

from __future__ import annotations

import ctypes
import mmap
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np


def _load_shared_cpp_runtime() -> None:
    """usearch's extension links its own copy of the C++ runtime. When it is the first C++ code in the process,
    importing onnxruntime afterwards crashes (SIGSEGV in std::codecvt during module init; usearch 2.26 with
    onnxruntime 1.31 on Linux). It went unnoticed while Pillow's HEIF plugin happened to load first; a search that
    no longer loads Pillow met it. Loading the shared runtime globally before usearch keeps the two apart."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libstdc++.so.6", mode=ctypes.RTLD_GLOBAL)
        except OSError:  # no shared C++ runtime installed: nothing can clash with usearch's copy
            pass


def usearch_index() -> Any:
    """USearch's ``Index`` class, imported on first use: a small library's cold search reads the flat copy of its
    vectors instead (:mod:`.flat_vectors`) and never pays for the import."""
    _load_shared_cpp_runtime()
    from usearch.index import Index

    return Index


class MappedIndex:
    """The part of USearch's ``Index`` API the vector index uses, over a file viewed read-only."""

    def __init__(self, buffer: mmap.mmap, meta: dict[str, Any], view: Any, *, keyed: bool,
                 expansion_search: int) -> None:
        self._buffer = buffer  # to view it again, with the key table
        self._meta = meta
        self._view = view
        self._keyed: Any = view if keyed else None
        self._expansion_search = expansion_search
        self._lock = threading.Lock()
        self.ndim: int = view.ndim

    @classmethod
    def open(cls, path: Path, *, key_table: bool, expansion_search: int) -> MappedIndex | None:
        """View the index at ``path``; ``key_table`` False leaves USearch's key table for the first call by key.
        None when the file holds no index; raises what USearch or the OS raise for an unreadable file."""
        with open(path, "rb") as f:
            buffer = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)  # ValueError for an empty file
        meta = usearch_index().metadata(memoryview(buffer))
        if not meta:
            buffer.close()
            return None
        view = cls._view_of(buffer, meta, key_table, expansion_search)
        return cls(buffer, meta, view, keyed=key_table, expansion_search=expansion_search)

    @staticmethod
    def _view_of(buffer: mmap.mmap, meta: dict[str, Any], key_table: bool, expansion_search: int) -> Any:
        view = usearch_index()(ndim=meta["dimensions"], dtype=meta["kind_scalar"], metric=meta["kind_metric"],
                               enable_key_lookups=key_table)
        view.view(memoryview(buffer))
        view.expansion_search = expansion_search
        view.photoseek_buffer = buffer  # the mapping lives as long as the view that points into it
        return view

    @property
    def has_key_table(self) -> bool:
        return self._keyed is not None

    def _by_key(self) -> Any:
        with self._lock:
            if self._keyed is None:
                keyed = self._view_of(self._buffer, self._meta, True, self._expansion_search)
                if len(keyed) != len(self._view):  # the same bytes: cannot differ unless USearch changed its mind
                    raise RuntimeError("the index's key table disagrees with its graph")
                self._keyed = self._view = keyed  # the same graph: one view is enough from now on
            return self._keyed

    def __len__(self) -> int:
        return len(self._view)

    def search(self, vectors: Any, count: int, **kwargs: Any) -> Any:
        return self._view.search(vectors, count, **kwargs)

    @property
    def keys(self) -> np.ndarray:
        return np.asarray(self._by_key().keys, dtype=np.uint64)  # a copy: USearch's key list reads the mapping

    def get(self, keys: Any) -> Any:
        return self._by_key().get(keys)

    def contains(self, key: int) -> bool:
        return bool(self._by_key().contains(key))
