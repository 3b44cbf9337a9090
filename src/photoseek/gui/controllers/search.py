"""The query lifecycle: debounce typing, run the newest query off the GUI thread, drop stale results, re-run
(throttled) when new photos land."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from photoseek.core.domain import SearchHit, SearchRequest, Sort
from photoseek.gui.services import Services


@dataclass(frozen=True)
class Filters:
    """What the search bar narrows every query to."""

    folder: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    sort: Sort = Sort.RELEVANCE


@dataclass(frozen=True)
class Results:
    """One answer, delivered on the GUI thread. ``fresh``: a new query or new filters (scroll to the top);
    otherwise the same query re-run as the library changed (keep the place)."""

    hits: list[SearchHit]
    fresh: bool
    label: str  # “red car” or "photos like beach.jpg"
    sort: Sort
    limit: int


class SearchController(QObject):
    """Owns the current query. Only the newest query's answer is delivered; older ones are dropped."""

    results = Signal(object)  # Results
    failed = Signal(object)  # exception from the newest query
    cleared = Signal()  # no query any more
    by_example = Signal()  # a find-similar query started: the text box should empty itself

    DEBOUNCE_MS = 250
    REFRESH_MS = 1000

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(self.DEBOUNCE_MS)
        self.debounce.timeout.connect(lambda: self.search_text(self._typed))
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(self.REFRESH_MS)
        self.refresh_timer.timeout.connect(self.rerun)
        self.filters = Filters()
        self.limit = int(services.library.settings.gui.get("result_limit", 1000))
        self.request: SearchRequest | None = None  # the current query, without filters
        self.label = ""
        self.last_query_s = 0.0
        self._typed = ""
        self._gen = 0
        self._shown: list[tuple[int, str]] = []  # (id, state) last delivered: a photo going offline repaints too
        self._closed = False

    @property
    def active(self) -> bool:
        return self.request is not None

    def text_changed(self, text: str) -> None:
        """Typing: search once the user pauses; an empty box clears the results at once."""
        self._typed = text
        if text.strip():
            self.debounce.start()
        else:
            self.debounce.stop()
            self.clear()

    def search_text(self, text: str) -> None:
        self.debounce.stop()
        text = text.strip()
        if not text:
            self.clear()
            return
        self._start(SearchRequest(query=text), f"“{text}”")

    def find_similar(self, target: int | str, label: str) -> None:
        """Photos that look like a library photo (id) or any image file (path)."""
        self.debounce.stop()
        self.by_example.emit()
        self._start(SearchRequest(similar_to=target), f"photos like {label}")

    def set_filters(self, filters: Filters) -> None:
        self.filters = filters
        if self.request is not None:
            self._run(fresh=True)

    def rerun(self) -> None:
        """The library changed: run the same query again, keeping the user's place."""
        if self.request is not None:
            self._run(fresh=False)

    def schedule_refresh(self) -> None:
        """Re-run soon; at most once per REFRESH_MS while index batches land."""
        if self.request is not None and not self._closed and not self.refresh_timer.isActive():
            self.refresh_timer.start()

    def clear(self) -> None:
        self._gen += 1
        self.request = None
        self._shown = []
        self.cleared.emit()

    def shutdown(self) -> None:
        self._closed = True
        self.debounce.stop()
        self.refresh_timer.stop()

    def _start(self, request: SearchRequest, label: str) -> None:
        self.request, self.label = request, label
        self._run(fresh=True)

    def _run(self, fresh: bool) -> None:
        assert self.request is not None
        self._gen += 1
        gen = self._gen
        f = self.filters
        request = replace(self.request, folder=f.folder, after=f.after, before=f.before, sort=f.sort, limit=self.limit)
        lib = self.services.library
        self.services.queries.clear()  # only the newest query matters; drop any still waiting
        started = time.monotonic()
        self.services.bridge.submit(self.services.queries, lambda: lib.find(request),
                                    lambda r, e: self._done(gen, fresh, started, request.sort, r, e))

    def _done(self, gen: int, fresh: bool, started: float, sort: Sort, hits: list[SearchHit] | None,
              error: BaseException | None) -> None:
        if gen != self._gen or self.request is None:
            return  # a newer query is on its way; this answer is stale
        self.last_query_s = time.monotonic() - started
        if error is not None:
            self.failed.emit(error)
            return
        hits = hits or []
        shown = [(h.photo.id, str(h.photo.state)) for h in hits]
        if shown == self._shown and not fresh:
            return  # nothing changed for the user
        self._shown = shown
        self.results.emit(Results(hits, fresh, self.label, sort, self.limit))
