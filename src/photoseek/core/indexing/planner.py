"""Planner: turn :class:`~photoseek.core.indexing.reconcile.Changes` into the work items one model must embed.

Pure: it reads nothing. For each model the caller passes which photos already have a vector for it and which
catalogued photos still lack one; new and changed files come first, then known files that this model has not seen
(after a model switch, or a run that was stopped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from photoseek.core.domain import Folder
from photoseek.core.fs import deepest_root
from photoseek.core.indexing.reconcile import Changes
from photoseek.core.indexing.scanner import DiskFile
from photoseek.core.storage.rows import CatalogRow


@dataclass(frozen=True)
class WorkItem:
    path: str
    folder_id: int
    size: int
    mtime: float
    photo_id: int | None = None  # the catalog row, when there is one
    known_hash: str | None = None  # the hash stored for that row
    has_vector: bool = False  # the row already has a vector for this model


def folder_for(path: str, folders: Sequence[Folder]) -> Folder | None:
    """The innermost library folder holding ``path``."""
    root = deepest_root(path, [f.path for f in folders])
    return next((f for f in folders if f.path == root), None) if root is not None else None


def plan(changes: Changes, *, folders: Sequence[Folder], present: Sequence[DiskFile],
         known: Mapping[str, CatalogRow], have_vector: set[int], without_vector: Sequence[tuple[int, str]]
         ) -> list[WorkItem]:
    """Work items for one model.

    Args:
        changes: the diff of this run.
        folders: the library folders (a file outside all of them is skipped).
        present: every file found in this run.
        known: catalog rows of the paths looked at.
        have_vector: ids that already have a vector for this model (a new path with such a row keeps it).
        without_vector: ``(id, path)`` of catalogued photos lacking a vector for this model.
    """
    items: list[WorkItem] = []
    queued: set[str] = set()
    for d, r in changes.new:
        f = folder_for(d.path, folders)
        if f is None:
            continue
        items.append(WorkItem(d.path, f.id, d.size, d.mtime, r.id if r else None, r.content_hash if r else None,
                              bool(r and r.id in have_vector)))
        queued.add(d.path)
    for d, r in changes.changed:
        f = folder_for(d.path, folders)
        if f is None:
            continue
        items.append(WorkItem(d.path, f.id, d.size, d.mtime, r.id, r.content_hash, r.id in have_vector))
        queued.add(d.path)
    # photos known and unchanged (or just moved) that have no vector yet for this model
    disk_by_path = {d.path: d for d in present}
    for pid, path in without_vector:
        on_disk = disk_by_path.get(path)
        f = folder_for(path, folders)
        if path in queued or on_disk is None or f is None:
            continue
        r = known.get(path)
        items.append(WorkItem(path, f.id, on_disk.size, on_disk.mtime, pid, r.content_hash if r else None, False))
    return items
