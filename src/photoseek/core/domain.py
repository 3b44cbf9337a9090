"""Plain data passed between the core and its front ends."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class SearchHit:
    photo: Photo
    score: float

    @property
    def path(self) -> str:
        return self.photo.path

    def to_json(self) -> dict[str, object]:
        p = self.photo
        return {
            "path": p.path,
            "score": round(float(self.score), 6),
            "taken_at": p.taken_at.isoformat() if p.taken_at else None,
            "size": p.size,
            "width": p.width,
            "height": p.height,
            "camera": p.camera,
            "state": p.state.value,
        }


@dataclass(frozen=True)
class SearchRequest:
    """One search, as a front end asks for it: by text (``query``) or by example (``similar_to``: a library photo
    id or any image path). Filters narrow it; ``sort`` orders what is found."""

    query: str = ""
    similar_to: str | int | None = None
    folder: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    sort: Sort = Sort.RELEVANCE
    limit: int = 50


@dataclass(frozen=True)
class Folder:
    id: int
    path: str
    online: bool = True
    photo_count: int = 0
    error_count: int = 0
    watch_mode: WatchMode | None = None  # None when not watched


@dataclass(frozen=True)
class FileProblem:
    path: str
    reason: str


@dataclass(frozen=True)
class IndexProgress:
    """Where an index run stands. ``done`` counts files handled (embedded, skipped or failed)."""

    phase: IndexPhase
    done: int
    total: int
    rate: float = 0.0  # files per second over the run so far
    eta_s: float | None = None


@dataclass(frozen=True)
class WatchProgress:
    """What the folder watcher is doing, for a status bar. ``message`` is a one-line event (or None)."""

    phase: WatchPhase
    done: int  # files handled in the current step
    total: int
    queued: int  # changes waiting (settling or not yet applied)
    message: str | None = None


@dataclass
class IndexReport:
    scanned: int = 0
    added: int = 0
    changed: int = 0
    moved: int = 0
    removed: int = 0
    embedded: int = 0
    failed: int = 0
    unchanged: int = 0
    cancelled: bool = False
    seconds: float = 0.0
    problems: list[FileProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ModelInfo:
    id: str
    name: str
    path: str
    embed_dim: int
    size_bytes: int
    builtin: bool
    active: bool = False
    vectors: int = 0


@dataclass(frozen=True)
class LibraryStatus:
    home: str
    model_id: str
    photos: int
    indexed: int
    pending: int
    errors: int
    offline: int
    folders: list[Folder]
    problems: list[FileProblem]
    catalog_bytes: int
    index_bytes: int
    thumbnails_bytes: int
    device: str = "cpu"  # what runs the models, with a note when it is not the device asked for
