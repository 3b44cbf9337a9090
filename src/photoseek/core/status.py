"""What ``photoseek status`` and the GUI's status bar show: counts, folders, problems and bytes on disk."""

from __future__ import annotations

from pathlib import Path

from photoseek.core.domain import Folder
from photoseek.core.reports import LibraryStatus, TextStatus
from photoseek.core.storage.catalog import Catalog


def _bytes_in(folder: Path, pattern: str) -> int:
    """Total size of the files matching ``pattern`` anywhere under ``folder`` (0 when it does not exist)."""
    if not folder.is_dir():
        return 0
    total = 0
    for p in folder.rglob(pattern):
        try:
            if p.is_file():
                total += p.stat().st_size
        except OSError:  # removed while we looked (thumbnail eviction)
            pass
    return total


def library_status(home: Path, catalog: Catalog, model_id: str, folders: list[Folder], *, index_dir: Path,
                   thumbnails_dir: Path, text: TextStatus | None = None, device: str = "cpu") -> LibraryStatus:
    """Counts for ``model_id``, the folders as given (with their watch modes), every file that could not be
    indexed with its reason, and the bytes used by the catalog, the vector indexes and the thumbnail cache."""
    c = catalog.counts(model_id)
    return LibraryStatus(
        home=str(home), model_id=model_id, photos=c["photos"], indexed=c["indexed"], pending=c["pending"],
        errors=c["errors"], offline=c["offline"], folders=folders, problems=catalog.problems(),
        catalog_bytes=catalog.file_bytes(), index_bytes=_bytes_in(index_dir, "*.usearch"),
        thumbnails_bytes=_bytes_in(thumbnails_dir, "*"), text=text, device=device,
    )
