"""The indexer: full scans, path syncs and moves, one at a time under the writer lock.

Every run follows the same steps: find files (:mod:`.scanner`), diff them against the catalog (:mod:`.reconcile`),
write moves and deletions in one transaction, plan the work per model (:mod:`.planner`) and embed it
(:mod:`.pipeline`), first for the active model, then for the one being switched to. Runs are serialised inside the
process (a lock) and across processes (:class:`~photoseek.core.indexing.lock.WriterLock`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from photoseek.core.config import Settings
from photoseek.core.domain import Folder, IndexPhase, PhotoState
from photoseek.core.fs import is_photo_path, normalize_folder, readable_dir
from photoseek.core.indexing.lock import WriterLock
from photoseek.core.indexing.planner import folder_for, plan
from photoseek.core.indexing.reconcile import Changes, gone_rows, reconcile
from photoseek.core.indexing.scanner import DiskFile, content_hash, is_stacked_raw, walk
from photoseek.core.models import ModelSet
from photoseek.core.reports import FileProblem, IndexProgress, IndexReport
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.rows import CatalogRow

if TYPE_CHECKING:  # the pipeline (decoders, Pillow plugins) loads with the first run, not with every search
    from photoseek.core.indexing.pipeline import ProgressFn

log = logging.getLogger(__name__)


class Indexer:
    """Brings the catalog and the vector indexes up to date with the disk.

    Args:
        catalog: the library's catalog.
        models: the active model and the switch target.
        settings: the current settings (scan and pipeline options are read at each run).
        lock_path: the cross-process writer lock file.
        on_commit: called with the photo ids of each batch that became searchable with the active model.
    """

    def __init__(self, catalog: Catalog, models: ModelSet, settings: Callable[[], Settings], lock_path: Path, *,
                 on_commit: Callable[[list[int]], None] | None = None) -> None:
        self.catalog = catalog
        self.models = models
        self._settings = settings
        self._lock_path = lock_path
        self._on_commit = on_commit
        self._run_lock = threading.Lock()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Both locks of an index run: this process's, then the cross-process one."""
        with self._run_lock, WriterLock(self._lock_path):
            yield

    # runs -----------------------------------------------------------------------------------------------------
    def index(self, progress: ProgressFn | None = None, *, folders: Sequence[str] | None = None) -> IndexReport:
        """Scan the (chosen) library folders; see :meth:`photoseek.core.library.Library.index`."""
        started = time.monotonic()
        with self._writing():
            report = IndexReport()
            all_folders = self.catalog.folders()
            wanted = None if folders is None else {normalize_folder(x) for x in folders}
            present: list[DiskFile] = []
            known: dict[str, CatalogRow] = {}
            cancelled = False
            s = self._settings()

            def keep_going() -> bool:
                nonlocal cancelled
                if progress is not None and not progress(IndexProgress(IndexPhase.SCANNING, len(present), 0)):
                    cancelled = True
                return not cancelled

            for f in (f for f in all_folders if wanted is None or f.path in wanted):
                if not readable_dir(f.path):
                    if self.catalog.set_folder_online(f.id, False):
                        log.info("folder offline: %s", f.path)
                    report.problems.append(FileProblem(f.path, "folder is offline or missing; its photos are kept"))
                    continue
                res = walk(f.path, skip_hidden=s.skip_hidden, follow_symlinks=s.follow_symlinks, keep_going=keep_going)
                rows = self.catalog.photos_in_folder(f.id)
                if not res.files and not cancelled and any(r.state != PhotoState.MISSING for r in rows.values()):
                    # A folder that held photos and is now empty is far more often an unmounted share (its mount
                    # point left behind) than a deliberate wipe: keep its photos as offline instead of deleting them.
                    self.catalog.set_folder_online(f.id, False)
                    report.problems.append(FileProblem(f.path, "folder is empty now; its photos are kept as offline "
                                                               "(remove the folder from the library to forget them)"))
                    continue
                self.catalog.set_folder_online(f.id, True)
                present.extend(res.files)
                report.problems.extend(res.problems)
                known.update(rows)
                if cancelled:
                    report.cancelled = True
                    report.seconds = time.monotonic() - started
                    return report
            gone = gone_rows(known, (d.path for d in present))
            self._run(present, known, gone, report, progress, delete_gone=True, folders=all_folders)
            report.seconds = time.monotonic() - started
            return report

    def sync_paths(self, paths: Sequence[str], progress: ProgressFn | None = None) -> IndexReport:
        """Bring specific paths up to date; see :meth:`photoseek.core.library.Library.sync_paths`."""
        started = time.monotonic()
        with self._writing():
            report = IndexReport()
            all_folders = self.catalog.folders()
            s = self._settings()
            present: list[DiskFile] = []
            known: dict[str, CatalogRow] = {}
            gone: dict[str, CatalogRow] = {}
            for raw in dict.fromkeys(os.path.abspath(p) for p in paths):
                if folder_for(raw, all_folders) is None:
                    continue
                try:
                    if os.path.isdir(raw):
                        res = walk(raw, skip_hidden=s.skip_hidden, follow_symlinks=s.follow_symlinks)
                        present.extend(res.files)
                        report.problems.extend(res.problems)
                        known.update(self.catalog.rows_under(raw))
                        continue
                    st = os.stat(raw)
                    if is_photo_path(raw) and not is_stacked_raw(raw):  # a RAW+JPEG pair is catalogued once
                        present.append(DiskFile(raw, st.st_size, st.st_mtime))
                        known.update(self.catalog.rows_for_paths([raw]))
                except FileNotFoundError:
                    rows = self.catalog.rows_for_paths([raw]) or self.catalog.rows_under(raw)
                    gone.update(gone_rows(rows, ()))
                except OSError as e:
                    report.problems.append(FileProblem(raw, f"unreadable ({e.strerror})"))
            gone.update(gone_rows(known, (d.path for d in present)))
            self._run(present, known, gone, report, progress, delete_gone=False, folders=all_folders)
            report.seconds = time.monotonic() - started
            return report

    def move_path(self, src: str, dst: str) -> int:
        """A file or folder moved (as a watcher reports it): re-point the rows, keep vectors. Returns rows moved."""
        src, dst = os.path.abspath(src), os.path.abspath(dst)
        with self._writing():
            folders = self.catalog.folders()
            rows = self.catalog.rows_for_paths([src]) or self.catalog.rows_under(src)
            moved = 0
            with self.catalog.write() as w:
                for old, r in rows.items():
                    new = dst + old[len(src):]
                    f = folder_for(new, folders)
                    if f is None or not is_photo_path(new):
                        continue
                    try:
                        st = os.stat(new)
                    except OSError:
                        continue
                    self.catalog.move_photo(w, r.id, new, f.id, st.st_size, st.st_mtime)
                    moved += 1
            return moved

    def purge_missing(self, older_than_s: float = 0.0) -> int:
        """Drop photos that have been missing for a while (deleted for good)."""
        ids = self.catalog.missing_older_than(older_than_s)
        if ids:
            with self.catalog.write() as w:
                self.catalog.delete_photos(w, ids)
            self.models.drop(ids)
        return len(ids)

    def set_folder_online(self, path: str, online: bool) -> bool:
        """Mark a library folder's photos offline (unreachable, kept) or back. Returns True when it changed."""
        f = self.catalog.folder_by_path(normalize_folder(path))
        return f is not None and self.catalog.set_folder_online(f.id, online)

    def vanished_like(self, paths: Sequence[str]) -> list[str]:
        """Catalogued photos no longer on disk with the size of one of the (not yet catalogued) ``paths``."""
        known = self.catalog.rows_for_paths(list(paths))
        sizes = []
        for p in paths:
            if p not in known:
                try:
                    sizes.append(os.stat(p).st_size)
                except OSError:
                    pass
        if not sizes:
            return []
        return [p for p in self.catalog.paths_with_sizes(sizes) if not os.path.lexists(p)]

    # the common part of a run -----------------------------------------------------------------------------------
    def _run(self, present: list[DiskFile], known: dict[str, CatalogRow], gone: dict[str, CatalogRow],
             report: IndexReport, progress: ProgressFn | None, *, delete_gone: bool, folders: Sequence[Folder]) -> None:
        report.scanned = len(present)
        changes = reconcile(present, known, gone, self.catalog.missing_rows(), content_hash)
        self._write(changes, delete_gone, folders)
        report.moved += len(changes.moved)
        report.removed += len(changes.gone) if delete_gone else 0
        report.added += len(changes.new)
        report.changed += len(changes.changed)
        report.unchanged += changes.unchanged
        if self._embed(changes, present, known, folders, report, progress) and progress is not None:
            n = report.embedded + report.failed
            progress(IndexProgress(IndexPhase.DONE, n, n))

    def _write(self, changes: Changes, delete_gone: bool, folders: Sequence[Folder]) -> None:
        """Moves, and deletions (a full scan) or missing marks (a sync: the other half of a move may come later)."""
        dropped = changes.gone + changes.stale_missing if delete_gone else []
        with self.catalog.write() as w:
            for pid, d in changes.moved:
                f = folder_for(d.path, folders)
                assert f is not None
                self.catalog.move_photo(w, pid, d.path, f.id, d.size, d.mtime)
            if delete_gone:
                self.catalog.delete_photos(w, dropped)
            else:
                self.catalog.mark_missing(w, changes.gone)
        self.models.drop(dropped)

    def _embed(self, changes: Changes, present: list[DiskFile], known: dict[str, CatalogRow],
               folders: Sequence[Folder], report: IndexReport, progress: ProgressFn | None) -> bool:
        """Embed what each model lacks. Returns False when stopped."""
        from photoseek.core.indexing.pipeline import Pipeline

        s = self._settings()
        active_id = self.models.embedder.model_id
        for name, is_target in self.models.to_index():
            emb = self.models.embedder_or_drop_target(name, is_target)
            if emb is None:
                continue
            items = plan(changes, folders=folders, present=present, known=known,
                         have_vector=self.catalog.ids_with_vector(emb.model_id),
                         without_vector=self.catalog.ids_without_vector(emb.model_id))
            if items:  # else no need to open (at a million photos: load) the vector index
                pipe = Pipeline(self.catalog, emb, self.models.vindex_for(emb),
                                decode_workers=s.decode_workers or self.models.cores(), batch_size=s.batch_size,
                                on_commit=self._on_commit if emb.model_id == active_id else None,
                                headless=self.models.headless)
                res = pipe.run(items, _switching(progress) if is_target else progress)
                report.embedded += res.embedded
                report.failed += res.failed
                report.problems.extend(res.problems or [])
                if res.cancelled:
                    report.cancelled = True
                    return False
            if is_target and not self.catalog.ids_without_vector(emb.model_id, limit=1):
                self.models.complete_switch(emb.model_id)
        return True


def _switching(progress: ProgressFn | None) -> ProgressFn | None:
    """``progress`` with every report marked as part of a model switch (front ends word it as improving search)."""
    if progress is None:
        return None
    return lambda p: progress(replace(p, switching=True))
