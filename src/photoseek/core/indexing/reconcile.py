"""Reconcile: the pure diff between what is on disk and what the catalog knows.

Given the files found (:class:`~photoseek.core.indexing.scanner.DiskFile`) and the catalog's rows
(:class:`~photoseek.core.storage.rows.CatalogRow`), :func:`reconcile` says which files are new, which changed, which
are catalogued photos that moved (a new path whose bytes equal a photo that vanished, now or earlier), and which
catalogued photos are gone. It reads and writes nothing itself: the content hash comes from the ``hash_of`` function
the caller passes, so the logic is tested without touching a disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from photoseek.core.domain import PhotoState
from photoseek.core.indexing.scanner import DiskFile
from photoseek.core.storage.rows import CatalogRow

HashFn = Callable[[str], str]  # content hash of a path; may raise OSError (the file vanished or is unreadable)


@dataclass
class Changes:
    """What an index run has to do.

    Attributes:
        new: files to add, each with the (missing) row that had its path before, if any.
        changed: catalogued files whose size or mtime differ, or whose folder was offline.
        moved: ``(photo id, file)``: a catalogued photo found at a new path (keeps its row and vectors).
        gone: ids of photos that vanished in this run and matched no new file.
        stale_missing: ids of photos missing since an earlier run that matched no new file either.
        unchanged: how many files are as catalogued.
    """

    new: list[tuple[DiskFile, CatalogRow | None]] = field(default_factory=list)
    changed: list[tuple[DiskFile, CatalogRow]] = field(default_factory=list)
    moved: list[tuple[int, DiskFile]] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)
    stale_missing: list[int] = field(default_factory=list)
    unchanged: int = 0


def gone_rows(known: Mapping[str, CatalogRow], on_disk: Iterable[str]) -> dict[str, CatalogRow]:
    """Catalogued (not already missing) rows whose path is not among ``on_disk``."""
    present = set(on_disk)
    return {p: r for p, r in known.items() if p not in present and r.state != PhotoState.MISSING}


def reconcile(present: Iterable[DiskFile], known: Mapping[str, CatalogRow], gone: Mapping[str, CatalogRow],
              missing: Mapping[str, CatalogRow], hash_of: HashFn) -> Changes:
    """Diff the files found against the catalog.

    Args:
        present: files found on disk.
        known: catalog rows for the paths looked at (path -> row), missing ones included.
        gone: rows that vanished in this run (path -> row).
        missing: rows already missing from earlier runs (path -> row), candidates for a late-seen move.
        hash_of: content hash of a new file, asked only when a vanished photo has the same size. A file that
            cannot be hashed (it vanished meanwhile) is left out of the result.
    """
    out = Changes()
    new: list[DiskFile] = []
    for d in present:
        r = known.get(d.path)
        if r is None or r.state == PhotoState.MISSING:
            new.append(d)
        elif r.state == PhotoState.OFFLINE or r.size != d.size or abs(r.mtime - d.mtime) > 1e-6:
            out.changed.append((d, r))
        else:
            out.unchanged += 1
    by_size: dict[int, list[CatalogRow]] = {}
    for r in list(gone.values()) + list(missing.values()):
        if r.content_hash:
            by_size.setdefault(r.size, []).append(r)
    matched: set[int] = set()
    for d in new:
        candidates = [r for r in by_size.get(d.size, ()) if r.id not in matched]
        h = None
        if candidates:
            try:
                h = hash_of(d.path)
            except OSError:
                continue
        hit = next((r for r in candidates if r.content_hash == h), None)
        if hit is not None:
            matched.add(hit.id)
            out.moved.append((hit.id, d))
        else:
            out.new.append((d, missing.get(d.path) or known.get(d.path)))
    out.gone = [r.id for r in gone.values() if r.id not in matched]
    out.stale_missing = [r.id for r in missing.values() if r.id not in matched]
    return out
