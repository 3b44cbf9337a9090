"""The words in a library's photos: the OCR pass, its status, and search that combines words and meaning.

The library composes one :class:`PhotoText` (``Library.text``). The OCR engine is created on first use (the pass,
not start-up or search, loads its models); searching by words needs only SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from photoseek.core.config import Settings
from photoseek.core.domain import SearchHit, SearchRequest
from photoseek.core.errors import CatalogError, QueryError
from photoseek.core.imaging.siblings import with_raw_siblings
from photoseek.core.query_filters import read_query
from photoseek.core.search import Filters, Searcher, parse_query, sort_hits
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.text_index import TextIndex
from photoseek.core.text_query import MatchMode, TextQuery, split_text_query
from photoseek.core.text_search import TextSearcher

if TYPE_CHECKING:  # the OCR pass, its engine and reports load when text is read, not with a search (a cold CLI search)
    from photoseek.core.indexing.text_pass import ProgressFn
    from photoseek.core.reports import TextPassReport, TextStatus
    from photoseek.core.runtime.ocr import TextReader


class PhotoText:
    """Args:
        catalog: the library's catalog.
        lock_path: lock file so two processes never run the OCR pass on one library at once.
        settings: the library's settings (``read_text``, ``text_threads``).
        read_only: a library opened for searching only cannot run the pass.
    """

    def __init__(self, catalog: Catalog, lock_path: Path, settings: Callable[[], Settings], *,
                 read_only: bool = False, before_reading: Callable[[], None] | None = None) -> None:
        self.catalog = catalog
        self._before_reading = before_reading
        self.index = TextIndex(catalog)
        self._lock_path = lock_path
        self._settings = settings
        self._read_only = read_only
        self._reader: TextReader | None = None
        self._reader_lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """The ``read_text`` setting: whether the OCR pass runs."""
        return self._settings().read_text

    def reader(self) -> TextReader:
        from photoseek.core.runtime.ocr import TextReader, default_threads

        with self._reader_lock:
            if self._reader is None:
                self._reader = TextReader(threads=self._settings().text_threads or default_threads())
            return self._reader

    def read(self, progress: ProgressFn | None = None, *, limit: int | None = None) -> TextPassReport:
        """The second, lower-priority indexing pass: read the words in photos whose vectors are in. Run it after
        ``Library.index``; it never blocks indexing. ``progress`` may return False to pause; the next call resumes.
        Does nothing when the setting is off, or when another process is reading (``report.busy``).

        Raises:
            CatalogError: the library is open read-only.
        """
        if self._read_only:
            raise CatalogError("a read-only library cannot read text in photos")
        if not self.enabled:
            from photoseek.core.reports import TextPassReport

            return TextPassReport()
        from photoseek.core.indexing.text_pass import TextPass

        return TextPass(self.catalog, self.reader(), self._lock_path,
                        before_reading=self._before_reading).run(progress, limit=limit)

    def status(self) -> TextStatus:
        from photoseek.core.reports import TextStatus
        from photoseek.core.runtime.ocr import engine_version

        engine = self._reader.version if self._reader is not None else engine_version()
        c = self.index.counts(engine)
        return TextStatus(self.enabled, engine, c.done, c.with_text, c.pending, c.errors)

    def text_of(self, photo_id: int) -> str | None:
        """The words read in a photo, one line per line of text ("" when none; None when not read yet)."""
        return self.index.text_of(photo_id)

    # search -----------------------------------------------------------------------------------------------------
    def find(self, searcher: Searcher, r: SearchRequest) -> list[SearchHit]:
        """:meth:`Searcher.find` with the words in photos: ``text:"..."`` or a query that is one quoted phrase
        searches words only; any other text query is fused with the photos whose words match (those count as
        matches). The query's dates and camera filter word hits too. A RAW stacked under a hit is named in
        ``raw_sibling``.

        Raises:
            QueryError: the query is empty, only negative, or gives the model nothing while no words match.
        """
        if r.similar_to is not None or r.more or r.less:
            return with_raw_siblings(searcher.find(r))
        q = split_text_query(r.query)
        words = TextSearcher(searcher, self.index)
        if q.mode is MatchMode.WORDS:
            rest = read_query(q.meaning, locale=r.locale)  # "text:receipt 2019": the year filters the word hits
            filters = Filters.of(r.folder, r.after, r.before, r.camera).narrowed(rest)
            hits = words.words_only(replace(q, meaning=rest.text), limit=r.limit, filters=filters)
            if hits or q.explicit:
                return with_raw_siblings(sort_hits(hits, r.sort))
            return with_raw_siblings(searcher.find(r))  # a quoted phrase no photo shows: search it by meaning
        asked = read_query(r.query, locale=r.locale)  # dates and camera:NAME are filters, for words too
        filters = Filters.of(r.folder, r.after, r.before, r.camera).narrowed(asked)
        wanted = split_text_query(asked.text)
        try:
            hits = searcher.find(r)
        except QueryError:
            # the model sees nothing in these words ("moonlight42"), but they may be written in photos
            hits = words.words_only(TextQuery(MatchMode.WORDS, wanted.words, False, ""), limit=r.limit,
                                    filters=filters)
            if not hits:
                raise
            return with_raw_siblings(sort_hits(hits, r.sort))
        if wanted.words and asked.text.strip():
            hits = words.fuse(wanted, hits, lambda: searcher.query_vector(parse_query(asked.text)), limit=r.limit,
                              filters=filters)
            hits = sort_hits([h for h in hits if h.match] + [h for h in hits if not h.match], r.sort)
        return with_raw_siblings(hits)
