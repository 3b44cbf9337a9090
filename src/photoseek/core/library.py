"""The composition root: one object a front end holds to add folders, index, search and manage models.

Thread safety: every public method may be called from any thread. Index runs are serialised (one at a time per
library, across processes too); searches run concurrently with them on what is already committed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from photoseek.core.config import Settings, SettingsStore
from photoseek.core.domain import (
    FileProblem,
    Folder,
    IndexPhase,
    IndexProgress,
    IndexReport,
    LibraryStatus,
    ModelInfo,
    Photo,
    SearchHit,
    SearchRequest,
    WatchMode,
)
from photoseek.core.errors import CatalogError, FolderError, ModelPackError, PhotoSeekError, QueryError
from photoseek.core.imaging.decode import is_photo_path
from photoseek.core.imaging.siblings import raw_companions
from photoseek.core.indexing.lock import WriterLock
from photoseek.core.indexing.pipeline import Pipeline, WorkItem
from photoseek.core.indexing.queue import ChangeQueue, ProgressCallback, QueueWorker
from photoseek.core.indexing.scanner import (
    DiskFile,
    content_hash,
    exists_dir,
    is_stacked_raw,
    normalize_folder,
    under,
    walk,
)
from photoseek.core.indexing.text_pass import TextPassReport
from photoseek.core.paths import cache_home, library_home
from photoseek.core.photo_text import PhotoText
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.registry import ModelRegistry
from photoseek.core.search import Filters, Searcher, parse_query
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.vector_index import VectorIndex
from photoseek.core.watcher import LibraryWatcher

log = logging.getLogger(__name__)

ProgressFn = Callable[[IndexProgress], bool]
Row = tuple[int, int, float, str | None, str]  # id, size, mtime, content_hash, state

_TARGET_MODEL = "target_model"  # catalog setting: the pack being switched to (vectors still being computed)
_WATCH_MODES = "watch_modes"  # catalog setting: JSON {pid, modes, reasons} of the process watching the folders


class Library:
    """A photo library: folders, catalog, vector indexes and the active model.

    Args:
        home: library folder (default: ``PHOTOSEEK_HOME`` or the per-user data dir).
        model: model pack id or path to use instead of the one in the settings.
        threads: ONNX Runtime threads (default: settings, then all cores but one).
        read_only: open for searching only (the CLI's search/similar/status while another process indexes).
    """

    def __init__(self, home: str | os.PathLike[str] | None = None, *, model: str | None = None,
                 threads: int | None = None, read_only: bool = False) -> None:
        self.home = library_home(home)
        self.read_only = read_only
        self.home.mkdir(parents=True, exist_ok=True)
        self.settings_path = self.home / "config.toml"
        self.settings_store = SettingsStore(self.settings_path)
        self.catalog = Catalog(self.home / "catalog.sqlite")
        self.registry = ModelRegistry(self.home)
        self.index_dir = self.home / "index"
        self.cache_dir = cache_home(self.home)
        self._model_override = model
        self._threads = threads
        self._lock = threading.RLock()
        self._index_lock = threading.Lock()
        self._embedders: dict[str, Embedder] = {}
        self._vindexes: dict[str, VectorIndex] = {}
        self.text = PhotoText(self.catalog, self.home / "text.lock", lambda: self.settings)  # words in photos (OCR)
        self._listeners: list[Callable[[list[int]], None]] = []
        self._watch: WatchHandle | None = None
        self._closed = False

    # lifecycle ------------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Save what is in memory and release files. Safe to call twice."""
        if self._watch is not None:
            self._watch.stop()
            self._watch.join(30)
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for vi in self._vindexes.values():
                if vi.writable:
                    vi.save()
            self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def settings(self) -> Settings:
        """The current settings (a frozen snapshot). Change them with :meth:`update_settings`."""
        return self.settings_store.get()

    def update_settings(self, **changes: object) -> Settings:
        """Change and save settings (thread-safe). Raises ConfigError for unknown fields or a failed save."""
        return self.settings_store.update(**changes)

    def add_listener(self, fn: Callable[[list[int]], None]) -> None:
        """``fn(photo_ids)`` is called (from the indexing thread) after each batch becomes searchable."""
        self._listeners.append(fn)

    def _notify(self, ids: list[int]) -> None:
        for fn in list(self._listeners):
            try:
                fn(ids)
            except Exception:  # a front end's bug must not stop indexing
                log.exception("index listener failed")

    # models ---------------------------------------------------------------------------------------------------
    @property
    def model_id(self) -> str:
        return self.pack.id

    @property
    def pack(self) -> ModelPack:
        return self._embedder_for(self._active_name()).pack

    def _active_name(self) -> str:
        return self._model_override or self.settings.model

    def _embedder_for(self, name: str) -> Embedder:
        with self._lock:
            emb = self._embedders.get(name)
            if emb is None:
                pack = self.registry.resolve(name)
                threads = self.settings.index_threads or self._threads or None
                emb = Embedder(pack, threads=threads)
                self._embedders[name] = emb
                self._embedders[pack.id] = emb
            return emb

    @property
    def embedder(self) -> Embedder:
        return self._embedder_for(self._active_name())

    def _vindex_for(self, emb: Embedder) -> VectorIndex:
        with self._lock:
            vi = self._vindexes.get(emb.model_id)
            if vi is None:
                vi = VectorIndex(self.index_dir, emb.model_id, emb.dim, self.catalog, writable=not self.read_only)
                self._vindexes[emb.model_id] = vi
            elif self.read_only:
                vi.refresh()
            return vi

    @property
    def vindex(self) -> VectorIndex:
        return self._vindex_for(self.embedder)

    def models(self) -> list[ModelInfo]:
        counts = self.catalog.vector_counts()
        active = self._active_name()
        out = []
        for pack, builtin in self.registry.packs():
            out.append(ModelInfo(id=pack.id, name=pack.name, path=str(pack.root), embed_dim=pack.embed_dim,
                                 size_bytes=pack.size_bytes(), builtin=builtin,
                                 active=active in (pack.id, pack.root.name), vectors=counts.get(pack.id, 0)))
        return out

    def target_model(self) -> str | None:
        """The pack being switched to, while its vectors are still being computed."""
        return self.catalog.get_setting(_TARGET_MODEL) or None

    def use_model(self, name: str) -> bool:
        """Switch to another pack. Returns True when the switch is immediate (all photos already have its vectors);
        otherwise the current pack stays in use until the next index run has computed the new vectors."""
        pack = self.registry.resolve(name)
        if pack.id == self.model_id:
            self.catalog.set_setting(_TARGET_MODEL, "")
            return True
        if not self.catalog.ids_without_vector(pack.id, limit=1):
            self._switch_to(pack.id)
            return True
        self.catalog.set_setting(_TARGET_MODEL, pack.id)
        return False

    def _switch_to(self, pack_id: str) -> None:
        self.update_settings(model=pack_id)
        self._model_override = None
        self.catalog.set_setting(_TARGET_MODEL, "")

    def install_model(self, source: str, *, name: str | None = None, quantize: bool = False,
                      allow_download: bool = False) -> ModelPack:
        return self.registry.install(source, name=name, quantize=quantize, allow_download=allow_download)

    def verify_models(self) -> dict[str, list[str]]:
        return {pack.id: pack.verify() for pack, _ in self.registry.packs()}

    # folders --------------------------------------------------------------------------------------------------
    def folders(self) -> list[Folder]:
        modes = self.watch_modes()
        return [replace(f, watch_mode=WatchMode(m) if (m := modes.get(f.path)) else None) for f in self.catalog.folders()]

    def set_folder_online(self, path: str, online: bool) -> bool:
        """Mark a library folder's photos offline (unreachable, kept) or back. Returns True when it changed."""
        f = self.catalog.folder_by_path(normalize_folder(path))
        return f is not None and self.catalog.set_folder_online(f.id, online)

    def add_folder(self, path: str | os.PathLike[str]) -> Folder:
        """Remember a folder of photos. It is read, never written.

        Raises:
            FolderError: it does not exist, is not a readable folder, or overlaps a library folder.
        """
        p = normalize_folder(path)
        if not os.path.isdir(p):
            raise FolderError(f"not a folder: {p}")
        if not exists_dir(p):
            raise FolderError(f"cannot read folder: {p}", hint="Check its permissions.")
        real = os.path.realpath(p)
        for f in self.catalog.folders():
            if f.path == p:
                return f
            if under(real, os.path.realpath(f.path)):
                raise FolderError(f"{p} is already part of the library (inside {f.path})")
            if under(os.path.realpath(f.path), real):
                raise FolderError(f"{p} contains the library folder {f.path}",
                                  hint=f"Remove {f.path} first, then add {p}.")
        return self.catalog.add_folder(p)

    def remove_folder(self, path: str | os.PathLike[str]) -> None:
        """Forget a folder and its photos (the files themselves are not touched)."""
        p = normalize_folder(path)
        f = self.catalog.folder_by_path(p)
        if f is None:
            raise FolderError(f"{p} is not a library folder")
        ids = self.catalog.remove_folder(f.id)
        self._drop_from_indexes(ids)

    def _drop_from_indexes(self, ids: list[int]) -> None:
        if not ids:
            return
        for model_id, vi in list(self._vindexes.items()):
            if vi.writable:
                vi.remove(ids, self.catalog.model_version(model_id))

    def _folder_for(self, path: str, folders: Sequence[Folder]) -> Folder | None:
        best = None
        for f in folders:
            if under(path, f.path) and (best is None or len(f.path) > len(best.path)):
                best = f
        return best

    # indexing -------------------------------------------------------------------------------------------------
    def index(self, progress: ProgressFn | None = None, *, folders: Sequence[str] | None = None) -> IndexReport:
        """Scan the folders and bring the catalog and indexes up to date with the disk.

        Finds new, changed, moved and deleted photos; moved files keep their rows and vectors. Embeds everything
        that lacks a vector, committing batch by batch. ``progress`` may return False to stop; what is committed
        stays.

        Raises:
            CatalogError: another process is indexing this library, or the catalog cannot be written.
        """
        started = time.monotonic()
        with self._index_lock, WriterLock(self.home / "writer.lock"):
            report = IndexReport()
            all_folders = self.catalog.folders()
            chosen = [f for f in all_folders if folders is None or f.path in {normalize_folder(x) for x in folders}]
            present: list[DiskFile] = []
            known: dict[str, Row] = {}
            cancelled = False

            def keep_going() -> bool:
                nonlocal cancelled
                if progress is not None and not progress(IndexProgress(IndexPhase.SCANNING, len(present), 0)):
                    cancelled = True
                return not cancelled

            for f in chosen:
                if not exists_dir(f.path):
                    if self.catalog.set_folder_online(f.id, False):
                        log.info("folder offline: %s", f.path)
                    report.problems.append(FileProblem(f.path, "folder is offline or missing; its photos are kept"))
                    continue
                res = walk(f.path, skip_hidden=self.settings.skip_hidden, follow_symlinks=self.settings.follow_symlinks,
                           keep_going=keep_going)
                rows = self.catalog.photos_in_folder(f.id)
                if not res.files and not cancelled and any(r[4] != "missing" for r in rows.values()):
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
            on_disk = {d.path for d in present}
            gone = {p: r for p, r in known.items() if p not in on_disk and r[4] != "missing"}
            report.scanned = len(present)
            self._reconcile(present, known, gone, report, progress, delete_gone=True, folders=all_folders)
            report.seconds = time.monotonic() - started
            return report

    def sync_paths(self, paths: Sequence[str], progress: ProgressFn | None = None) -> IndexReport:
        """Bring specific paths up to date (what a watcher saw change). A path that no longer exists is marked
        missing (kept, so that a move reported as delete + create keeps its vector); a folder path covers every
        photo inside it."""
        started = time.monotonic()
        with self._index_lock, WriterLock(self.home / "writer.lock"):
            report = IndexReport()
            all_folders = self.catalog.folders()
            present: list[DiskFile] = []
            known: dict[str, Row] = {}
            gone: dict[str, Row] = {}
            for raw in dict.fromkeys(os.path.abspath(p) for p in paths):
                if self._folder_for(raw, all_folders) is None:
                    continue
                try:
                    if os.path.isdir(raw):
                        res = walk(raw, skip_hidden=self.settings.skip_hidden,
                                   follow_symlinks=self.settings.follow_symlinks)
                        present.extend(res.files)
                        report.problems.extend(res.problems)
                        known.update(self.catalog.rows_under(raw))
                        continue
                    st = os.stat(raw)
                    if is_photo_path(raw) and not is_stacked_raw(raw):
                        present.append(DiskFile(raw, st.st_size, st.st_mtime))
                        known.update(self.catalog.rows_for_paths([raw]))
                except FileNotFoundError:
                    rows = self.catalog.rows_for_paths([raw]) or self.catalog.rows_under(raw)
                    gone.update({p: r for p, r in rows.items() if r[4] != "missing"})
                except OSError as e:
                    report.problems.append(FileProblem(raw, f"unreadable ({e.strerror})"))
            on_disk = {d.path for d in present}
            gone.update({p: r for p, r in known.items() if p not in on_disk and r[4] != "missing"})
            report.scanned = len(present)
            self._reconcile(present, known, gone, report, progress, delete_gone=False, folders=all_folders)
            report.seconds = time.monotonic() - started
            return report

    def move_path(self, src: str, dst: str) -> int:
        """A file or folder moved (as a watcher reports it): re-point the rows, keep vectors. Returns rows moved.
        Destinations outside the library are treated as deletions by the caller's next sync."""
        src, dst = os.path.abspath(src), os.path.abspath(dst)
        with self._index_lock, WriterLock(self.home / "writer.lock"):
            folders = self.catalog.folders()
            rows = self.catalog.rows_for_paths([src]) or self.catalog.rows_under(src)
            moved = 0
            with self.catalog.write() as w:
                for old, r in rows.items():
                    new = dst + old[len(src):]
                    f = self._folder_for(new, folders)
                    if f is None or not is_photo_path(new):
                        continue
                    try:
                        st = os.stat(new)
                    except OSError:
                        continue
                    self.catalog.move_photo(w, r[0], new, f.id, st.st_size, st.st_mtime)
                    moved += 1
            return moved

    def purge_missing(self, older_than_s: float = 0.0) -> int:
        """Drop photos that have been missing for a while (deleted for good)."""
        ids = self.catalog.missing_older_than(older_than_s)
        if ids:
            with self.catalog.write() as w:
                self.catalog.delete_photos(w, ids)
            self._drop_from_indexes(ids)
        return len(ids)

    def _reconcile(self, present: list[DiskFile], known: dict[str, Row], gone: dict[str, Row], report: IndexReport,
                   progress: ProgressFn | None, *, delete_gone: bool, folders: Sequence[Folder]) -> None:
        missing = self.catalog.missing_rows()
        new: list[DiskFile] = []
        changed: list[tuple[DiskFile, Row]] = []
        for d in present:
            r = known.get(d.path)
            if r is None or r[4] == "missing":
                new.append(d)
            elif r[4] == "offline" or r[1] != d.size or abs(r[2] - d.mtime) > 1e-6:
                changed.append((d, r))
            else:
                report.unchanged += 1
        # moves: a new path whose bytes equal a photo that vanished (now or earlier) is that photo, moved
        by_size: dict[int, list[Row]] = {}
        for r in list(gone.values()) + list(missing.values()):
            if r[3]:
                by_size.setdefault(r[1], []).append(r)
        moves: list[tuple[int, DiskFile]] = []
        still_new: list[DiskFile] = []
        matched: set[int] = set()
        for d in new:
            cands = [r for r in by_size.get(d.size, ()) if r[0] not in matched]
            h = None
            if cands:
                try:
                    h = content_hash(d.path)
                except OSError:
                    continue
            hit = next((r for r in cands if r[3] == h), None)
            if hit is not None:
                matched.add(hit[0])
                moves.append((hit[0], d))
            else:
                still_new.append(d)
        leftover_gone = [r[0] for r in gone.values() if r[0] not in matched]
        stale_missing = [r[0] for r in missing.values() if r[0] not in matched] if delete_gone else []
        with self.catalog.write() as w:
            for pid, d in moves:
                f = self._folder_for(d.path, folders)
                assert f is not None
                self.catalog.move_photo(w, pid, d.path, f.id, d.size, d.mtime)
            if delete_gone:
                self.catalog.delete_photos(w, leftover_gone + stale_missing)
            else:
                self.catalog.mark_missing(w, leftover_gone)
        if delete_gone:
            self._drop_from_indexes(leftover_gone + stale_missing)
        report.moved += len(moves)
        report.removed += len(leftover_gone) if delete_gone else 0
        report.added += len(still_new)
        report.changed += len(changed)

        # embed, first for the active model, then for the model being switched to
        models = [self._active_name()]
        target = self.target_model()
        if target and target != self.model_id:
            models.append(target)
        disk_by_path = {d.path: d for d in present}
        for name in models:
            try:
                emb = self._embedder_for(name)
            except ModelPackError:
                if name == target:
                    log.warning("model pack %s being switched to is gone; staying on %s", target, self.model_id)
                    self.catalog.set_setting(_TARGET_MODEL, "")
                    continue
                raise
            have = self.catalog.ids_with_vector(emb.model_id)
            items: list[WorkItem] = []
            queued: set[str] = set()
            for d in still_new:
                f = self._folder_for(d.path, folders)
                r = missing.get(d.path) or known.get(d.path)
                if f is None:
                    continue
                items.append(WorkItem(d.path, f.id, d.size, d.mtime, r[0] if r else None, r[3] if r else None,
                                      bool(r and r[0] in have)))
                queued.add(d.path)
            for d, r in changed:
                f = self._folder_for(d.path, folders)
                if f is None:
                    continue
                items.append(WorkItem(d.path, f.id, d.size, d.mtime, r[0], r[3], r[0] in have))
                queued.add(d.path)
            # photos known and unchanged (or just moved) that have no vector yet for this model
            for pid, path in self.catalog.ids_without_vector(emb.model_id):
                known_file = disk_by_path.get(path)
                if path in queued or known_file is None:
                    continue
                d = known_file
                f = self._folder_for(path, folders)
                if f is None:
                    continue
                r = known.get(path)
                items.append(WorkItem(path, f.id, d.size, d.mtime, pid, r[3] if r else None, False))
            vi = self._vindex_for(emb)
            pipe = Pipeline(self.catalog, emb, vi, decode_workers=self.settings.decode_workers,
                            batch_size=self.settings.batch_size,
                            on_commit=self._notify if emb.model_id == self.model_id else None)
            res = pipe.run(items, progress)
            report.embedded += res.embedded
            report.failed += res.failed
            report.problems.extend(res.problems or [])
            if res.cancelled:
                report.cancelled = True
                return
            if name == target and not self.catalog.ids_without_vector(emb.model_id, limit=1):
                self._switch_to(emb.model_id)
        if progress is not None:
            progress(IndexProgress(IndexPhase.DONE, report.embedded + report.failed, report.embedded + report.failed))

    # search ---------------------------------------------------------------------------------------------------
    def _searcher(self) -> Searcher:
        return Searcher(self.catalog, self.vindex, self.embedder)

    def search(self, query: str, *, limit: int = 50, folder: str | None = None, after: datetime | None = None,
               before: datetime | None = None, sort: str = "relevance") -> list[SearchHit]:
        """Photos best matching a query (text, image paths, weights: see :func:`photoseek.core.search.parse_query`).

        Raises:
            QueryError: the query is empty or only negative.
        """
        s = self._searcher()
        filters = self._filters(folder, after, before)
        if self.text.words_only(query):  # text:"..." or one quoted phrase: the words written in photos
            return self._finish(self.text.search_words(s, query, limit=limit, filters=filters), sort)
        parts = parse_query(query)
        if len(s.vindex) == 0:
            return []  # nothing indexed yet: no need to load the text model
        try:
            vec = s.query_vector(parts)
        except QueryError:
            words = self.text.search_words(s, query, limit=limit, filters=filters)
            if words:  # the model sees nothing in these words, but they are written in photos
                return self._finish(words, sort)
            raise
        hits = s.search_vector(vec, limit=limit, filters=filters)
        return self._finish(self.text.fuse(s, query, hits, vec, limit=limit, filters=filters), sort)

    def find(self, request: SearchRequest) -> list[SearchHit]:
        """Run a :class:`SearchRequest`: by example when ``similar_to`` is set, else by text."""
        r = request
        if r.similar_to is not None:
            return self.similar(r.similar_to, limit=r.limit, folder=r.folder, after=r.after, before=r.before,
                                sort=r.sort)
        return self.search(r.query, limit=r.limit, folder=r.folder, after=r.after, before=r.before, sort=r.sort)

    def similar(self, target: str | int, *, limit: int = 50, folder: str | None = None,
                after: datetime | None = None, before: datetime | None = None, sort: str = "relevance") -> list[SearchHit]:
        """Photos that look like a library photo (by id or path) or any image file. A library photo is not
        returned as its own match.

        Raises:
            DecodeError: an outside file is not a readable image.
        """
        s = self._searcher()
        exclude: set[int] = set()
        if isinstance(target, int):
            photo = self.catalog.photo(target)
            if photo is None:
                raise FolderError(f"no photo with id {target}")
            path = photo.path
        else:
            path = os.path.abspath(os.path.expanduser(target))
        photo = self.catalog.photo_by_path(path)
        if photo is not None:
            exclude.add(photo.id)
        vec = s.image_vector(path)
        hits = s.search_vector(vec, limit=limit, filters=self._filters(folder, after, before), exclude=exclude)
        return self._finish(hits, sort)

    @staticmethod
    def _filters(folder: str | None, after: datetime | None, before: datetime | None) -> Filters:
        return Filters(normalize_folder(folder) if folder else None, after, before)

    @staticmethod
    def _finish(hits: list[SearchHit], sort: str) -> list[SearchHit]:
        stacks = raw_companions(h.photo.path for h in hits)  # RAW+JPEG pairs: the JPEG stands for both
        if stacks:
            hits = [replace(h, raw_sibling=stacks[h.photo.path]) if h.photo.path in stacks else h for h in hits]
        if sort == "date":
            return sorted(hits, key=lambda h: (h.photo.taken_at or datetime.fromtimestamp(h.photo.mtime)), reverse=True)
        if sort == "date-asc":
            return sorted(hits, key=lambda h: (h.photo.taken_at or datetime.fromtimestamp(h.photo.mtime)))
        return hits

    def photo(self, photo_id: int) -> Photo | None:
        return self.catalog.photo(photo_id)

    # words in photos ------------------------------------------------------------------------------------------
    def read_text(self, progress: ProgressFn | None = None, *, limit: int | None = None) -> TextPassReport:
        """The second, lower-priority pass: read the words in indexed photos (OCR). Run it after :meth:`index`;
        it never blocks indexing. ``progress`` may return False to pause; the next call resumes. Does nothing
        when the ``read_text`` setting is off or another process is reading (``report.busy``)."""
        if self.read_only:
            raise CatalogError("a read-only library cannot read text in photos")
        return self.text.read(progress, limit=limit)

    def photo_text(self, photo_id: int) -> str | None:
        """The words read in a photo, one line per line of text ("" when none; None when not read yet)."""
        return self.text.text_of(photo_id)

    # status ---------------------------------------------------------------------------------------------------
    def status(self) -> LibraryStatus:
        """Counts, folders and every file that could not be indexed with its reason."""
        name = self._active_name()
        try:
            model_id = self.registry.resolve(name).id
        except ModelPackError:
            model_id = name
        c = self.catalog.counts(model_id)
        idx_bytes = sum(p.stat().st_size for p in self.index_dir.glob("*.usearch")) if self.index_dir.is_dir() else 0
        thumbs = self.cache_dir / "thumbnails"
        th_bytes = sum(p.stat().st_size for p in thumbs.rglob("*") if p.is_file()) if thumbs.is_dir() else 0
        return LibraryStatus(
            home=str(self.home), model_id=model_id, photos=c["photos"], indexed=c["indexed"], pending=c["pending"],
            errors=c["errors"], offline=c["offline"], folders=self.folders(), problems=self.catalog.problems(),
            catalog_bytes=self.catalog.file_bytes(), index_bytes=idx_bytes, thumbnails_bytes=th_bytes,
            text=self.text.status(),
        )


    # watching -------------------------------------------------------------------------------------------------
    def watch(self, on_progress: ProgressCallback | None = None, *, settle_s: float = 1.5, catch_up: bool = True,
              force_polling: bool = False, poll_interval_s: float = 2.0, check_interval_s: float = 2.0,
              purge_after_s: float = 600.0, purge_every_s: float = 60.0, max_batch: int = 500) -> WatchHandle:
        """Watch every library folder and keep the library up to date until :meth:`WatchHandle.stop`.

        Runs a catch-up scan first (what changed while nothing watched), then applies changes as they settle:
        new and modified photos are indexed once they stop changing for ``settle_s`` seconds, moves and renames
        keep their vectors, deleted photos leave results (purged after ``purge_after_s``), and a folder that
        vanishes has its photos marked offline until it returns. ``on_progress`` is called from the worker thread.

        Raises:
            CatalogError: the library is open read-only.
        """
        if self.read_only:
            raise CatalogError("a read-only library cannot be watched")
        if self._watch is not None and self._watch.is_alive():
            return self._watch
        queue = ChangeQueue(settle_s, max_batch=max_batch, skip_hidden=self.settings.skip_hidden)

        def roots() -> list[str]:
            paths = [f.path for f in self.catalog.folders()]
            queue.set_roots(paths)
            return paths

        worker = QueueWorker(queue, self, on_progress=on_progress, catch_up=catch_up, purge_after_s=purge_after_s,
                             purge_every_s=purge_every_s, vanished_like=self._vanished_like)
        handle = WatchHandle(self, queue, worker)
        watcher = LibraryWatcher(queue, roots, force_polling=force_polling, poll_interval_s=poll_interval_s,
                                 check_interval_s=check_interval_s, on_mode=handle._mode_changed)
        handle.watcher = watcher
        self._watch = handle
        watcher.start()  # events from now on are queued while the catch-up scan runs
        worker.start()
        return handle

    def _vanished_like(self, paths: Sequence[str]) -> list[str]:
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

    def watch_modes(self) -> dict[str, str]:
        """folder -> "events" | "polling" while this or another process watches the library ({} otherwise)."""
        if self._watch is not None and self._watch.is_alive():
            return self._watch.modes()
        return self._watch_record("modes")

    def watch_reasons(self) -> dict[str, str]:
        """folder -> why it is polled rather than event-watched ("" when it gets events), like :meth:`watch_modes`."""
        if self._watch is not None and self._watch.is_alive():
            return self._watch.reasons()
        return self._watch_record("reasons")

    def _watch_record(self, key: str) -> dict[str, str]:
        try:
            data = json.loads(self.catalog.get_setting(_WATCH_MODES) or "{}")
        except ValueError:
            return {}
        pid = data.get("pid")
        if not isinstance(pid, int) or (pid != os.getpid() and not _pid_alive(pid)):
            return {}  # whoever wrote it is gone
        value = data.get(key)
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    def _save_watch_modes(self, modes: dict[str, str], reasons: dict[str, str]) -> None:
        value = json.dumps({"pid": os.getpid(), "modes": modes, "reasons": reasons}) if modes else ""
        try:
            self.catalog.set_setting(_WATCH_MODES, value)
        except PhotoSeekError:
            log.warning("could not record the watch modes", exc_info=True)


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - no cheap liveness check without extra deps; trust the record
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class WatchHandle:
    """A running :meth:`Library.watch`. Stop it (or close the library) to end watching."""

    watcher: LibraryWatcher

    def __init__(self, lib: Library, queue: ChangeQueue, worker: QueueWorker) -> None:
        self._lib = lib
        self.queue = queue
        self.worker = worker

    def _mode_changed(self, folder: str, mode: str, reason: str) -> None:
        modes, reasons = self.watcher.modes(), self.watcher.reasons()
        if mode:
            modes[folder], reasons[folder] = mode, reason
            self.worker._say(f"watching {folder} by {mode}" + (f" ({reason})" if reason else ""))
        else:
            modes.pop(folder, None)
            reasons.pop(folder, None)
        self._lib._save_watch_modes(modes, reasons)

    def modes(self) -> dict[str, str]:
        """folder -> "events" | "polling" for each folder being watched now."""
        return self.watcher.modes()

    def reasons(self) -> dict[str, str]:
        """folder -> why it is polled ("" when it gets events)."""
        return self.watcher.reasons()

    @property
    def idle(self) -> bool:
        """Nothing queued or being applied (the catch-up scan is over)."""
        return self.worker.idle

    def is_alive(self) -> bool:
        return self.worker.is_alive()

    def stop(self) -> None:
        """Stop observing and finish the batch in hand (an embedding run stops at its next batch)."""
        self.watcher.stop()
        self.worker.stop()

    def join(self, timeout: float | None = None) -> None:
        self.watcher.join(timeout)
        self.worker.join(timeout)
        if not self.worker.is_alive() and self._lib._watch is self:
            self._lib._watch = None
            if not self._lib._closed:
                self._lib._save_watch_modes({}, {})

    def __enter__(self) -> WatchHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.join()
