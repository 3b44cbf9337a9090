"""Plain data passed between the core and its front ends: what a search asks and finds, and the enums every part
shares. What the library reports about its jobs, status and models is in :mod:`photoseek.core.reports`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PhotoState(StrEnum):
    OK = "ok"
    PENDING = "pending"  # known to the catalog, no vector yet for the active model
    MISSING = "missing"  # file gone (deleted); kept briefly so a later "add" can match by hash
    OFFLINE = "offline"  # its folder is unreachable (unplugged drive); comes back untouched
    ERROR = "error"  # could not be decoded; ``error`` says why


class Sort(StrEnum):
    """Order of search results. Values are what the CLI's ``--sort`` takes."""

    RELEVANCE = "relevance"
    NEWEST = "date"
    OLDEST = "date-asc"


class IndexPhase(StrEnum):
    SCANNING = "scanning"
    EMBEDDING = "embedding"
    READING_TEXT = "reading_text"  # the second pass: words in photos (OCR)
    DONE = "done"


class WatchPhase(StrEnum):
    SCANNING = "scanning"
    INDEXING = "indexing"
    WATCHING = "watching"
    STOPPED = "stopped"


class Device(StrEnum):
    """Where models run. Values are what the ``device`` setting and the CLI's ``--device`` take."""

    CPU = "cpu"
    AUTO = "auto"  # the first accelerator this onnxruntime offers, else the CPU
    CUDA = "cuda"  # NVIDIA GPUs (onnxruntime-gpu)
    DIRECTML = "directml"  # any DirectX 12 GPU or NPU on Windows (onnxruntime-directml)
    COREML = "coreml"  # Apple GPU / Neural Engine (the macOS onnxruntime wheels)
    OPENVINO = "openvino"  # Intel CPUs, GPUs and NPUs (onnxruntime-openvino)


class WatchMode(StrEnum):
    """How a folder is watched: kernel file-system events, or polling (network shares, out of inotify watches)."""

    EVENTS = "events"
    POLLING = "polling"


@dataclass(frozen=True)
class Photo:
    id: int
    path: str
    folder_id: int
    size: int
    mtime: float
    content_hash: str | None
    width: int | None
    height: int | None
    taken_at: datetime | None
    camera: str | None
    state: PhotoState
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        """What a search's and a duplicates listing's JSON say about a photo."""
        return {
            "path": self.path,
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "camera": self.camera,
            "state": self.state.value,
        }


DUPLICATE_THRESHOLD = 0.90  # vector similarity a near-duplicate candidate needs (core.duplicates; measured there)


@dataclass(frozen=True)
class SearchHit:
    """A ranked photo. ``match``: above the query's adaptive relevance cutoff (see :mod:`photoseek.core.cutoff`);
    the others are weaker results, shown after the matches."""

    photo: Photo
    score: float  # cosine similarity to the query by meaning (0.0 when found by words alone without a meaning)
    match: bool = True
    text_match: str | None = None  # the lines of words in the photo that matched the query, " / " between lines
    text_spans: tuple[tuple[int, int], ...] = ()  # where the matched words sit in ``text_match``
    raw_sibling: str | None = None  # the RAW file stacked under this photo (IMG_0042.CR2 under IMG_0042.JPG)

    @property
    def path(self) -> str:
        return self.photo.path

    def to_json(self) -> dict[str, object]:
        fields = self.photo.to_json()
        return {"path": fields.pop("path"), "score": round(float(self.score), 6), **fields, "match": self.match,
                "text_match": self.text_match, "raw": self.raw_sibling}


class FilterKind(StrEnum):
    """What narrows or steers a search besides its text; each is a removable chip in the GUI."""

    DATE = "date"  # a date read from the query text
    CAMERA = "camera"  # camera:NAME in the query text
    MORE = "more"  # "More like this" on a photo
    LESS = "less"  # "Less like this" on a photo


@dataclass(frozen=True)
class DateRange:
    """When photos were taken: ``after`` (inclusive) to ``before`` (exclusive), and/or certain months of any year
    (``in december``). ``label`` says how the query was read, for people ("last summer 2026 (Jun–Aug)")."""

    after: datetime | None = None
    before: datetime | None = None
    months: frozenset[int] = frozenset()
    label: str = ""

    def narrowed(self, other: DateRange) -> DateRange:
        """Both ranges at once (the later start, the earlier end, the common months)."""
        after = max((d for d in (self.after, other.after) if d), default=None)
        before = min((d for d in (self.before, other.before) if d), default=None)
        months = (self.months & other.months if self.months and other.months else self.months or other.months)
        label = " and ".join(x for x in (self.label, other.label) if x)
        return DateRange(after, before, months, label)


@dataclass(frozen=True)
class QueryFilters:
    """What a query's own words ask to filter by, read before the model sees the text.

    ``text`` is what is left for the model ("" when the query was only a filter, e.g. "photos from last week").
    ``tokens`` are the query's tokens; ``used`` maps a filter to the tokens that said it, so a front end can drop
    one filter from the query (:meth:`without`)."""

    text: str
    dates: DateRange | None = None
    camera: str | None = None
    tokens: tuple[str, ...] = ()
    used: tuple[tuple[FilterKind, tuple[int, ...]], ...] = ()

    @property
    def active(self) -> bool:
        return self.dates is not None or self.camera is not None

    def without(self, kind: FilterKind) -> str:
        """The query as typed, minus the words of one filter."""
        drop = {i for k, idx in self.used if k is kind for i in idx}
        return " ".join(t for i, t in enumerate(self.tokens) if i not in drop)


@dataclass(frozen=True)
class SearchRequest:
    """One search, as a front end asks for it: by text (``query``) or by example (``similar_to``: a library photo
    id or any image path). Filters narrow it (dates and ``camera:NAME`` in the query text narrow it too);
    ``more``/``less`` steer it (Rocchio); ``sort`` orders what is found, matches first, then weaker results."""

    query: str = ""
    similar_to: str | int | None = None
    folder: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    sort: Sort = Sort.RELEVANCE
    limit: int = 50
    camera: str | None = None  # only photos whose camera name contains this (case-insensitive)
    more: tuple[int, ...] = ()  # photo ids marked "More like this": each added to the query with MORE_WEIGHT
    less: tuple[int, ...] = ()  # photo ids marked "Less like this": each subtracted with LESS_WEIGHT
    locale: str | None = None  # whose month names a date in the query may use (None: the environment's)


@dataclass(frozen=True)
class Folder:
    id: int
    path: str
    online: bool = True
    photo_count: int = 0
    error_count: int = 0
    watch_mode: WatchMode | None = None  # None when not watched
