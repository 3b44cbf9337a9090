"""The composition root: one object a front end holds to add folders, index, search, watch and manage models.

It builds the parts and keeps a thin API over them; the work lives in :mod:`.models`, :mod:`.indexing.indexer`,
:mod:`.search`, :mod:`.photo_text` (words in photos), :mod:`.watching.session`, :mod:`.folders`, :mod:`.status` and :mod:`.config`.

Thread safety: every public method may be called from any thread. Index runs are serialised (one at a time per
library, across processes too); searches run concurrently with them on what is already committed.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from photoseek.core.config import Settings, SettingsStore
from photoseek.core.domain import Folder, SearchHit, SearchRequest, Sort, WatchMode
from photoseek.core.errors import CatalogError, FolderError
from photoseek.core.folders import check_new_folder
from photoseek.core.fs import is_photo_path, normalize_folder
from photoseek.core.listeners import Listeners
from photoseek.core.models import ModelSet
from photoseek.core.paths import cache_home, library_home
from photoseek.core.photo_text import PhotoText
from photoseek.core.query_filters import read_query
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.registry import ModelRegistry
from photoseek.core.runtime.session_cache import SessionCache
from photoseek.core.search import Searcher
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.vector_index import VectorIndex

if TYPE_CHECKING:
    from photoseek.core.duplicates import Duplicates
    from photoseek.core.imaging.thumbnails import ThumbnailCache
    from photoseek.core.indexing.indexer import Indexer
    from photoseek.core.indexing.pipeline import ProgressFn
    from photoseek.core.reports import IndexReport, LibraryStatus, ModelInfo, RepairReport
    from photoseek.core.runtime.download import DownloadPhase, DownloadProgress, DownloadProgressFn
    from photoseek.core.runtime.installer import AvailableModel, ModelInstaller
    from photoseek.core.watching.session import WatchHandle, WatchRecord, WatchSession
    from photoseek.core.watching.worker import ProgressCallback

log = logging.getLogger(__name__)

# what front ends may use besides Library (they import nothing else from core but domain, reports, errors and config)
__all__ = ["Library", "WatchHandle", "WatchSession", "ThumbnailCache", "is_photo_path", "library_home", "read_query",
           "AvailableModel", "DownloadPhase", "DownloadProgress", "DownloadProgressFn", "load_model_runtime"]


# imported when a front end asks for them, so that a search never pays for Pillow and its plugins (thumbnails),
# the watcher, or the downloader's HTTP stack
_ON_DEMAND = {"ThumbnailCache": "photoseek.core.imaging.thumbnails", "WatchHandle": "photoseek.core.watching.session",
              "WatchSession": "photoseek.core.watching.session", "AvailableModel": "photoseek.core.runtime.installer",
              "DownloadPhase": "photoseek.core.runtime.download", "DownloadProgress": "photoseek.core.runtime.download",
              "DownloadProgressFn": "photoseek.core.runtime.download"}


def __getattr__(name: str) -> Any:
    if (module := _ON_DEMAND.get(name)) is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def load_model_runtime() -> None:
    """Load ONNX Runtime now, on the calling thread. Loading its extension module holds the GIL for ~30 ms: a desktop
    front end calls this while it builds its window, so that the first indexing or search thread, which would load
    it otherwise, does not freeze a window the user is already using. A search from the terminal never calls it."""
    from photoseek.core.runtime.providers import available_providers

    available_providers()


# The parts a search does not need are built on first use (Library's cached properties), their modules imported then.
def _indexer(lib: Library) -> Indexer:
    from photoseek.core.indexing.indexer import Indexer

    return Indexer(lib.catalog, lib.model_set, lib.settings_store.get, lib.home / "writer.lock",
                   on_commit=lib._listeners)


def _watch_record(lib: Library) -> WatchRecord:
    from photoseek.core.watching.session import WatchRecord

    return WatchRecord(lib.catalog)


def _installer(lib: Library) -> ModelInstaller:
    """Catalog + downloads: available() is offline; get() is the only network use and blocks (call it off the UI)."""
    from photoseek.core.runtime.installer import ModelInstaller

    return ModelInstaller(lib.registry)


def _duplicates(lib: Library) -> Duplicates:
    """Near-duplicate groups and result stacks."""
    from photoseek.core.duplicates import Duplicates

    return Duplicates(lib.catalog, lambda: lib.vindex)


class Library:
    """A photo library: folders, catalog, vector indexes and the active model.

    Args:
        home: library folder (default: ``PHOTOSEEK_HOME`` or the per-user data dir).
        model: model pack id or path to use instead of the one in the settings.
        threads: cores indexing may use (default: the ``index_cores`` setting, then all cores but one).
        read_only: open for searching only (the CLI's search/similar/status while another process indexes).
        device: where models run instead of the ``device`` setting (``cpu``, ``auto``, ``cuda``, ...).
    """

    indexer = cached_property(_indexer)  # full scans, syncs, moves, the writer lock
    watch_record = cached_property(_watch_record)
    installer = cached_property(_installer)
    duplicates = cached_property(_duplicates)

    def __init__(self, home: str | os.PathLike[str] | None = None, *, model: str | None = None,
                 threads: int | None = None, read_only: bool = False, device: str | None = None) -> None:
        self.home = library_home(home)
        self.read_only = read_only
        self.home.mkdir(parents=True, exist_ok=True)
        self.settings_path = self.home / "config.toml"
        self.settings_store = SettingsStore(self.settings_path)
        self.catalog = Catalog(self.home / "catalog.sqlite")
        self.registry = ModelRegistry(self.home)
        self.index_dir = self.home / "index"
        self.cache_dir = cache_home(self.home)
        self.model_set = ModelSet(self.registry, self.catalog, self.index_dir, settings=self.settings_store.get,
                                  switch_to=lambda pack_id: self.update_settings(model=pack_id), override=model,
                                  threads=threads, read_only=read_only, device=device,
                                  cache=SessionCache(self.cache_dir / "ort"))
        self._listeners: Listeners[list[int]] = Listeners()
        # the image model's session goes before the OCR models load (peak RSS: max of the two passes, not the sum)
        self.text = PhotoText(self.catalog, self.home / "text.lock", self.settings_store.get, read_only=read_only,
                              before_reading=self.model_set.release_images)
        self._lock = threading.RLock()
        self._watch: WatchSession | None = None
        self._closed = False

    # lifecycle ------------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Save what is in memory and release files. Safe to call twice."""
        with self._lock:  # a session is assigned and started under this lock: never join one that has not started
            watch = self._watch
        if watch is not None:
            watch.stop()
            watch.join(30)
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.model_set.save()  # a failed save is logged, never raised: the catalog has every vector
        self.catalog.close()

    @classmethod
    def repair(cls, home: str | os.PathLike[str] | None = None, progress: ProgressFn | None = None,
               log: Callable[[str], None] | None = None) -> RepairReport:
        """Salvage a damaged catalog, rebuild the index, embed only what was lost: see :mod:`.recovery`."""
        from photoseek.core.recovery import repair_library

        return repair_library(library_home(home), cls, progress, log)

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
        self._listeners.add(fn)

    def remove_listener(self, fn: Callable[[list[int]], None]) -> None:
        """Stop calling ``fn`` (no error when it was not added)."""
        self._listeners.remove(fn)

    # models ---------------------------------------------------------------------------------------------------
    @property
    def model_id(self) -> str:
        return self.model_set.embedder.model_id

    @property
    def embedder(self) -> Embedder:
        return self.model_set.embedder

    @property
    def vindex(self) -> VectorIndex:
        return self.model_set.vindex

    def models(self) -> list[ModelInfo]:
        return self.model_set.infos()

    def target_model(self) -> str | None:
        """The pack being switched to, while its vectors are still being computed."""
        return self.model_set.target()

    def use_model(self, name: str) -> bool:
        """Switch to another pack. Returns True when the switch is immediate (all photos already have its vectors);
        otherwise the current pack stays in use until the next index run has computed the new vectors."""
        return self.model_set.use(name)

    def install_model(self, source: str, *, name: str | None = None, quantize: bool = False,
                      allow_download: bool = False) -> ModelPack:
        return self.model_set.install(source, name=name, quantize=quantize, allow_download=allow_download)

    def verify_models(self) -> dict[str, list[str]]:
        return self.model_set.verify()

    # folders --------------------------------------------------------------------------------------------------
    def folders(self) -> list[Folder]:
        modes = self.watch_modes()
        return [replace(f, watch_mode=modes.get(f.path)) for f in self.catalog.folders()]

    def add_folder(self, path: str | os.PathLike[str]) -> Folder:
        """Remember a folder of photos. It is read, never written.

        Raises:
            FolderError: it does not exist, is not a readable folder, or overlaps a library folder.
        """
        p, existing = check_new_folder(path, self.catalog.folders())
        return existing or self.catalog.add_folder(p)

    def remove_folder(self, path: str | os.PathLike[str]) -> None:
        """Forget a folder and its photos (the files themselves are not touched)."""
        if (f := self.catalog.folder_by_path(p := normalize_folder(path))) is None:
            raise FolderError(f"{p} is not a library folder")
        self.model_set.drop(self.catalog.remove_folder(f.id))

    # indexing -------------------------------------------------------------------------------------------------
    def index(self, progress: ProgressFn | None = None, *, folders: Sequence[str] | None = None) -> IndexReport:
        """Scan the folders and bring the catalog and indexes up to date with the disk.

        Finds new, changed, moved and deleted photos (moves keep rows and vectors), embeds what lacks a vector batch
        by batch; ``progress`` may return False to stop (what is committed stays). Paths and moves: :attr:`indexer`.
        Raises CatalogError when another process is indexing this library or the catalog cannot be written.
        """
        return self.indexer.index(progress, folders=folders)

    # search ---------------------------------------------------------------------------------------------------
    def find(self, request: SearchRequest) -> list[SearchHit]:
        """Run a :class:`SearchRequest`: by example when ``similar_to`` is set, else by text (its dates and
        ``camera:NAME`` are filters: :func:`read_query` shows how it is read) and by the words read in photos
        (``text:"..."`` or a quoted query: words only). Every hit says whether it is a match (``SearchHit.match``,
        the adaptive cutoff); matches come first. Raises QueryError (empty or only negative query), DecodeError
        (unreadable example file) or FolderError (unknown example photo id)."""
        return self.text.find(Searcher(self.catalog, self.vindex, self.embedder), request)  # meaning + words

    def search(self, query: str, *, limit: int = 50, folder: str | None = None, after: datetime | None = None,
               before: datetime | None = None, sort: Sort | str = Sort.RELEVANCE) -> list[SearchHit]:
        """Photos best matching a query (text, image paths, weights: see :func:`photoseek.core.search.parse_query`)."""
        return self.find(SearchRequest(query=query, limit=limit, folder=folder, after=after, before=before,
                                       sort=Sort(sort)))

    def similar(self, target: str | int, *, limit: int = 50, folder: str | None = None, after: datetime | None = None,
                before: datetime | None = None, sort: Sort | str = Sort.RELEVANCE) -> list[SearchHit]:
        """Photos that look like a library photo (by id or path) or any image file; not the photo itself."""
        return self.find(SearchRequest(similar_to=target, limit=limit, folder=folder, after=after, before=before,
                                       sort=Sort(sort)))

    def cameras(self) -> list[tuple[str, int]]:
        """Camera names in the library with their photo counts, most photos first (for a camera filter)."""
        return self.catalog.cameras()

    def warm_up(self, stop: threading.Event | None = None) -> int:
        """Have the OS cache the catalog rows a search reads (see :meth:`Catalog.warm_photo_rows`); returns the rows
        read. For a process that lives on and answers searches (the app, ``photoseek watch``), on a thread of its
        own; ``stop`` ends it early. A catalog that cannot be read now is left for the searches to report."""
        try:
            return self.catalog.warm_photo_rows(stop)
        except CatalogError as e:
            log.info("catalog warm-up stopped: %s", e)
            return 0

    def status(self) -> LibraryStatus:
        """Counts, folders and every file that could not be indexed with its reason."""
        from photoseek.core.status import library_status  # with the reports it builds: a search needs neither

        return library_status(self.home, self.catalog, self.model_set.active_id(), self.folders(),
                              index_dir=self.index_dir, thumbnails_dir=self.cache_dir / "thumbnails",
                              text=self.text.status(), device=self.model_set.provider().describe())

    # watching -------------------------------------------------------------------------------------------------
    def watch(self, on_progress: ProgressCallback | None = None, *, settle_s: float = 1.5, catch_up: bool = True,
              force_polling: bool = False, poll_interval_s: float = 2.0, check_interval_s: float = 2.0,
              purge_after_s: float = 600.0, purge_every_s: float = 60.0, max_batch: int = 500) -> WatchSession:
        """Watch every library folder and keep the library up to date until :meth:`WatchSession.stop`.

        A catch-up scan first (what changed while nothing watched), then changes as they settle: new and modified
        photos once quiet for ``settle_s`` seconds, moves keep their vectors, deleted photos leave results (purged
        after ``purge_after_s``), a vanished folder goes offline until it returns. ``on_progress`` is called from
        the worker thread. Raises CatalogError on a read-only library.
        """
        if self.read_only:
            raise CatalogError("a read-only library cannot be watched")
        from photoseek.core.watching.session import WatchOptions, WatchSession

        options = WatchOptions(settle_s, catch_up, force_polling, poll_interval_s, check_interval_s, purge_after_s,
                               purge_every_s, max_batch, skip_hidden=self.settings.skip_hidden)
        with self._lock:
            if self._watch is not None and self._watch.is_alive():
                return self._watch

            def finished(session: WatchSession) -> None:
                with self._lock:
                    if self._watch is session:
                        self._watch = None
                        if not self._closed:
                            session.record.save({}, {})

            session = WatchSession(self.indexer, self.watch_record, lambda: [f.path for f in self.catalog.folders()],
                                   options, on_progress=on_progress, on_finished=finished)
            self._watch = session
            try:
                session.start()
            except BaseException:
                self._watch = None
                session.stop()
                raise
        return session

    def watch_modes(self) -> dict[str, WatchMode]:
        """folder -> how it is watched while this or another process watches the library ({} otherwise)."""
        return w.modes() if (w := self._watch) is not None and w.is_alive() else self.watch_record.read()[0]

    def watch_reasons(self) -> dict[str, str]:
        """folder -> why it is polled rather than event-watched ("" when it gets events), like :meth:`watch_modes`."""
        return w.reasons() if (w := self._watch) is not None and w.is_alive() else self.watch_record.read()[1]
