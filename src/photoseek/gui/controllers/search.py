"""The query lifecycle: debounce typing, run the newest query off the GUI thread, drop stale results, re-run
(throttled) when new photos land; the chips of a search (a date or camera read from the query, photos marked More /
Less like this) and the cameras the library knows."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime

from PySide6.QtCore import QLocale, QObject, QTimer, Signal

from photoseek.core.domain import FilterKind, QueryFilters, SearchHit, SearchRequest, Sort
from photoseek.core.library import read_query
from photoseek.gui.services import Services


@dataclass(frozen=True)
class Filters:
    """What the search bar narrows every query to."""

    folder: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    sort: Sort = Sort.RELEVANCE
    camera: str | None = None


@dataclass(frozen=True)
class Chip:
    """Something besides the text that narrows or steers the search, shown removable beside the search box."""

    kind: FilterKind
    text: str
    photo_id: int | None = None  # for More / Less: the marked photo


@dataclass(frozen=True)
class Results:
    """One answer, delivered on the GUI thread. ``fresh``: a new query or new filters (scroll to the top);
    otherwise the same query re-run as the library changed (keep the place)."""

    hits: list[SearchHit]
    fresh: bool
    label: str  # “red car” or "photos like beach.jpg"
    sort: Sort
    limit: int
    query: QueryFilters | None = None  # how the query text was read (dates, camera); None for find-similar
    stacks: list[list[int]] = field(default_factory=list)  # near-duplicates among ``hits`` (ids, best copy first)


class SearchController(QObject):
    """Owns the current query. Only the newest query's answer is delivered; older ones are dropped."""

    results = Signal(object)  # Results
    failed = Signal(object)  # exception from the newest query
    cleared = Signal()  # no query any more
    by_example = Signal()  # a find-similar query started: the text box should empty itself
    chips = Signal(object)  # list[Chip]: what the current search shows beside the search box
    text_replaced = Signal(str)  # a chip was removed from the query text: the box should show this text
    cameras = Signal(object)  # list[(camera name, photo count)] in the library

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
        # (id, state, match) and stacks last delivered: a photo going offline or crossing the cutoff repaints too
        self._shown: tuple[list[tuple[int, str, bool]], list[list[int]]] = ([], [])
        self.marked: dict[int, tuple[FilterKind, str]] = {}  # photo id -> More or Less, and its name (in order)
        self.query: QueryFilters | None = None  # how the current text was read
        # month names in the query may be the user's language ("C": none set here, the environment decides)
        self.locale = QLocale.system().name() if QLocale.system().name() not in ("C", "POSIX") else None
        self._closed = False
        # reading a query loads the CLDR month names (Babel: ~40 ms of Python, the GIL held in slices), and the first
        # text query the tokenizer and text model (a CLIP tokenizer holds the GIL ~60 ms): do both on the query thread
        # now, while the window is built, not under the first query the user types
        services.bridge.submit(services.queries, self._warm_up)

    def _warm_up(self) -> None:
        """(query thread) A failure (no usable model pack) is left for the first query to report."""
        read_query("", locale=self.locale)
        self.services.library.embedder.load_text_quietly()

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
        self._start(SearchRequest(query=text, locale=self.locale), f"“{text}”")

    def find_similar(self, target: int | str, label: str) -> None:
        """Photos that look like a library photo (id) or any image file (path)."""
        self.debounce.stop()
        self.by_example.emit()
        self.marked.clear()
        self._start(SearchRequest(similar_to=target), f"photos like {label}")

    def mark(self, hit: SearchHit, kind: FilterKind) -> None:
        """More / Less like this: steer the current search towards or away from a photo, at once."""
        if self.request is None or kind not in (FilterKind.MORE, FilterKind.LESS):
            return
        self.marked[hit.photo.id] = (kind, os.path.basename(hit.photo.path))
        self._run(fresh=True)

    def remove_chip(self, chip: Chip) -> None:
        """Drop what a chip stands for: a mark, or the date / camera words from the query text."""
        if chip.photo_id is not None:
            if self.marked.pop(chip.photo_id, None) is not None and self.request is not None:
                self._run(fresh=True)
            return
        if self.query is None or self.request is None:
            return
        text = self.query.without(chip.kind)
        self.text_replaced.emit(text)
        self.search_text(text)

    def load_cameras(self) -> None:
        """Ask the library (off the GUI thread) which cameras its photos come from; answers with ``cameras``."""
        lib = self.services.library
        self.services.bridge.submit(self.services.admin, lib.cameras,
                                    lambda names, err: self.cameras.emit(names or []) if err is None else None)

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
        self.query = None
        self.marked.clear()
        self._shown = ([], [])
        self.chips.emit([])
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
        more = tuple(i for i, (k, _) in self.marked.items() if k is FilterKind.MORE)
        less = tuple(i for i, (k, _) in self.marked.items() if k is FilterKind.LESS)
        request = replace(self.request, folder=f.folder, after=f.after, before=f.before, sort=f.sort, limit=self.limit,
                          camera=f.camera, more=more, less=less)
        lib = self.services.library
        self.services.queries.clear()  # only the newest query matters; drop any still waiting
        started = time.monotonic()

        def work() -> tuple[QueryFilters | None, list[SearchHit], list[list[int]]]:
            read = read_query(request.query, locale=request.locale) if request.similar_to is None else None
            hits = lib.find(request)
            return read, hits, lib.duplicates.stacks(hits)  # copies of one photo share a tile

        self.services.bridge.submit(self.services.queries, work,
                                    lambda r, e: self._done(gen, fresh, started, request.sort, r, e))

    def _done(self, gen: int, fresh: bool, started: float, sort: Sort,
              answer: tuple[QueryFilters | None, list[SearchHit], list[list[int]]] | None,
              error: BaseException | None) -> None:
        if gen != self._gen or self.request is None:
            return  # a newer query is on its way; this answer is stale
        self.last_query_s = time.monotonic() - started
        if error is not None:
            self.failed.emit(error)
            return
        self.query, hits, stacks = answer if answer is not None else (None, [], [])
        self.chips.emit(self._chips())
        shown = [(h.photo.id, str(h.photo.state), h.match) for h in hits], stacks
        if shown == self._shown and not fresh:
            return  # nothing changed for the user
        self._shown = shown
        self.results.emit(Results(hits, fresh, self.label, sort, self.limit, self.query, stacks))

    def _chips(self) -> list[Chip]:
        q = self.query
        chips = []
        if q is not None and q.dates is not None:
            chips.append(Chip(FilterKind.DATE, q.dates.label))
        if q is not None and q.camera:
            chips.append(Chip(FilterKind.CAMERA, q.camera))
        chips += [Chip(kind, name, photo_id) for photo_id, (kind, name) in self.marked.items()]
        return chips
