"""Repairing a library whose catalog is damaged: salvage under the writer lock, then an index run that embeds only
the photos whose rows or vectors were lost. :meth:`photoseek.core.library.Library.repair` is the way in."""

from __future__ import annotations

from collections.abc import Callable, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from photoseek.core.indexing.lock import WriterLock
from photoseek.core.reports import IndexReport, RepairReport
from photoseek.core.storage.repair import salvage

if TYPE_CHECKING:  # the pipeline (Pillow, the decoders) loads only when something is indexed
    from photoseek.core.indexing.pipeline import ProgressFn


class Reindexable(Protocol):
    """What the repair needs of an open library (a :class:`~photoseek.core.library.Library`)."""

    def __enter__(self) -> Reindexable: ...
    def __exit__(self, *exc: object) -> None: ...
    def index(self, progress: ProgressFn | None = None) -> IndexReport: ...
    @property
    def vindex(self) -> Sized: ...


def repair_library(home: Path, open_library: Callable[[Path], Reindexable], progress: ProgressFn | None = None,
                   log: Callable[[str], None] | None = None) -> RepairReport:
    """Keep the damaged catalog beside it, salvage what can be read, drop the vector index files, then open the
    library and index: the index is rebuilt from the salvaged vectors and only what was lost is embedded again.
    A sound catalog is left alone.

    Raises:
        CatalogError: another process is indexing, the disk is full, or the rebuilt catalog failed its check.
    """
    with WriterLock(home / "writer.lock"):
        report = salvage(home / "catalog.sqlite", index_dir=home / "index", log=log)
    if not report.healthy:
        with open_library(home) as lib:
            report.index = lib.index(progress)
            report.vectors = len(lib.vindex)
    return report
