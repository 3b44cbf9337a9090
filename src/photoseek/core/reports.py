"""What the library reports to the front ends: progress while an index run or the folder watcher works, what a run,
a text pass or a repair did (with the files it could not read), the library's status, the near-duplicate groups it
found, the installed model packs and the devices that can run them.

Plain data like :mod:`photoseek.core.domain`, kept apart from it because a search reports none of this: a cold
`photoseek search` does not build these dataclasses (about 1 ms each on a 2-core machine, Python 3.11).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from photoseek.core.domain import Device, Folder, IndexPhase, Photo, WatchPhase


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
    switching: bool = False  # computing vectors for the pack being switched to (search uses the old one meanwhile)


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


@dataclass
class TextPassReport:
    """What one run of the OCR pass (words in photos) did."""

    read: int = 0  # photos read (with or without words)
    with_text: int = 0  # of those, photos where words were found
    failed: int = 0
    cancelled: bool = False  # paused by the caller; run again to resume
    busy: bool = False  # another process is reading this library's text; nothing was done
    seconds: float = 0.0
    problems: list[FileProblem] = field(default_factory=list)


@dataclass(frozen=True)
class WatchProgress:
    """What the folder watcher is doing, for a status bar. ``message`` is a one-line event (or None)."""

    phase: WatchPhase
    done: int  # files handled in the current step
    total: int
    queued: int  # changes waiting (settling or not yet applied)
    message: str | None = None


@dataclass
class RepairReport:
    """What ``repair`` found, kept and redid."""

    healthy: bool = False  # the catalog passed its integrity check: nothing was changed
    damaged_copy: str = ""  # where the damaged catalog was kept
    kept: dict[str, int] = field(default_factory=dict)  # table -> rows salvaged into the new catalog
    damaged_stretches: int = 0  # places where rows could not be read and were skipped
    bad_rows: int = 0  # rows read but unusable (wrong types, vectors of the wrong size, orphans)
    lost_tables: list[str] = field(default_factory=list)  # tables that could not be read at all
    vectors: int = 0  # vectors in the rebuilt index of the active model
    index: IndexReport | None = None  # the index run that re-embedded what was lost

    def lines(self) -> list[str]:
        """What was done, in sentences for people (the CLI prints them, the GUI shows them)."""
        if self.healthy:
            return ["The catalog is sound (SQLite's integrity check passed). Nothing was changed."]
        nouns = {"folders": "folder(s)", "photos": "photo(s)", "embeddings": "vector(s)"}
        kept = ", ".join(f"{self.kept.get(t, 0)} {noun}" for t, noun in nouns.items())
        out = [f"Salvaged {kept} from the damaged catalog."]
        if self.damaged_stretches or self.bad_rows:
            out.append(f"Skipped {self.damaged_stretches} damaged stretch(es) and {self.bad_rows} unusable row(s).")
        if not self.kept.get("folders"):
            out.append("The list of folders was lost: add your photo folders again.")
        out.append(f"The damaged catalog is kept as {self.damaged_copy} (delete it once you are happy).")
        out.append(f"Rebuilt the vector index: {self.vectors} photos searchable.")
        if self.index is not None:
            i = self.index
            out.append(f"Re-indexed what was lost: {i.embedded} photo(s) embedded again"
                       + (f", {i.failed} could not be read" if i.failed else "") + f", {i.scanned} found on disk.")
            if i.cancelled:
                out.append("Stopped before the end: index again to finish.")
        return out


@dataclass(frozen=True)
class TextStatus:
    """Where the OCR pass (words in photos) stands."""

    enabled: bool  # the read_text setting
    engine: str  # OCR engine version the counts are for
    done: int  # photos read by this engine
    with_text: int  # of those, photos where words were found
    pending: int  # indexed photos still to read
    errors: int  # photos this engine could not read


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
    text: TextStatus | None = None
    device: str = "cpu"  # what runs the models, with a note when it is not the device asked for


@dataclass(frozen=True)
class DuplicateGroup:
    """Copies of one photo (resized, recompressed, lightly cropped or edited), the best copy first: the largest
    (pixels), then the oldest, then the heavier file. ``similarity``: the lowest vector similarity of a copy to the
    best one."""

    photos: tuple[Photo, ...]
    similarity: float

    @property
    def best(self) -> Photo:
        return self.photos[0]

    @property
    def extra_bytes(self) -> int:
        """What the copies other than the best one take on disk."""
        return sum(p.size for p in self.photos[1:])

    def to_json(self) -> dict[str, object]:
        return {
            "similarity": round(float(self.similarity), 6),
            "photos": [{**p.to_json(), "modified": datetime.fromtimestamp(p.mtime).isoformat(timespec="seconds")}
                       for p in self.photos],
        }


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
class DeviceOption:
    """A device as the installed onnxruntime offers it: usable here, or why not (what to install instead);
    ``resolves_to`` is what it runs on (``auto`` names the accelerator it would take, or the CPU)."""

    device: Device
    available: bool
    resolves_to: Device
    why_not: str | None = None
