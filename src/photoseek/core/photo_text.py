"""The words in a library's photos: the OCR pass, its status, and search by words. Composed by the library.

The OCR engine is created on first use (the pass, not start-up or search, loads its models); searching by words
needs only SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from photoseek.core.config import Settings
from photoseek.core.domain import SearchHit, TextStatus
from photoseek.core.indexing.text_pass import ProgressFn, TextPass, TextPassReport
from photoseek.core.runtime.ocr import TextReader, default_threads, engine_version
from photoseek.core.search import Filters, Searcher
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.text_index import TextIndex
from photoseek.core.text_query import MatchMode, TextQuery, split_text_query
from photoseek.core.text_search import TextSearcher


class PhotoText:
    def __init__(self, catalog: Catalog, lock_path: Path, settings: Callable[[], Settings]) -> None:
        self.catalog = catalog
        self.index = TextIndex(catalog)
        self._lock_path = lock_path
        self._settings = settings
        self._reader: TextReader | None = None
        self._reader_lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._settings().read_text

    def reader(self) -> TextReader:
        with self._reader_lock:
            if self._reader is None:
                self._reader = TextReader(threads=self._settings().text_threads or default_threads())
            return self._reader

    def read(self, progress: ProgressFn | None = None, *, limit: int | None = None) -> TextPassReport:
        """Run the OCR pass over what is pending (nothing when the setting is off). ``progress`` may return False
        to pause; the next call resumes."""
        if not self.enabled:
            return TextPassReport()
        return TextPass(self.catalog, self.reader(), self._lock_path).run(progress, limit=limit)

    def status(self) -> TextStatus:
        engine = self._reader.version if self._reader is not None else engine_version()
        c = self.index.counts(engine)
        return TextStatus(self.enabled, engine, c.done, c.with_text, c.pending, c.errors)

    def text_of(self, photo_id: int) -> str | None:
        return self.index.text_of(photo_id)

    # search -----------------------------------------------------------------------------------------------------
    def words_only(self, query: str) -> bool:
        """Whether ``query`` asks for words in photos only (``text:"..."`` or one quoted phrase)."""
        return split_text_query(query).mode is MatchMode.WORDS

    def search_words(self, searcher: Searcher, query: str, *, limit: int, filters: Filters) -> list[SearchHit]:
        """Photos whose words match: for a words-only query, or for any query when meaning has nothing to offer
        (the model knows none of its words, e.g. "moonlight42"); then all its positive words must appear."""
        q = split_text_query(query)
        if q.mode is not MatchMode.WORDS:
            q = TextQuery(MatchMode.WORDS, q.words, False, "")
        return TextSearcher(searcher, self.index).words_only(q, limit=limit, filters=filters)

    def fuse(self, searcher: Searcher, query: str, meaning: list[SearchHit], vec: np.ndarray, *, limit: int,
             filters: Filters) -> list[SearchHit]:
        return TextSearcher(searcher, self.index).fuse(split_text_query(query), meaning, vec, limit=limit,
                                                       filters=filters)
