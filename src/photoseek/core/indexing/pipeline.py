"""Bounded decode -> embed -> write pipeline.

A small thread pool hashes, decodes and preprocesses files ahead of the model (ONNX Runtime and Pillow both release
the GIL, so the two overlap). In a headless run each batch goes to the model in one slice per core, called at once
(see :attr:`Embedder.image_callers`), and the model works on the next batch while the last one is committed. Each batch
is committed to the catalog in one transaction as soon as it is embedded, so an interrupted run keeps everything it
finished and resumes from there.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from photoseek.core.domain import IndexPhase
from photoseek.core.errors import DecodeError
from photoseek.core.imaging.decode import PhotoMeta, decode
from photoseek.core.imaging.phash import HASH_VERSION, ImageHash, image_hash
from photoseek.core.indexing.planner import WorkItem
from photoseek.core.indexing.scanner import content_hash
from photoseek.core.reports import FileProblem, IndexProgress
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.priority import (
    background_process,
    pin_current_thread,
    pin_headless_decoder,
    pin_headless_model_thread,
)
from photoseek.core.storage.catalog import Catalog, PhotoUpdate
from photoseek.core.storage.vector_index import VectorIndex

log = logging.getLogger(__name__)

ProgressFn = Callable[[IndexProgress], bool]


@dataclass
class _Prepared:
    item: WorkItem
    hash: str | None = None
    meta: PhotoMeta | None = None
    pixels: np.ndarray | None = None
    phash: ImageHash | None = None  # perceptual hash (near-duplicates), from the image decoded for the model anyway
    error: str | None = None
    vanished: bool = False
    unchanged: bool = False


@dataclass
class _Embedding:
    """A batch handed to the model, and the files without pixels that are written with it."""
    batch: list[_Prepared]
    side: list[_Prepared]
    parts: list[Future[np.ndarray]]  # the model's calls on its slices, in order (none: nothing to embed)

    def vectors(self) -> np.ndarray | None:
        return np.concatenate([f.result() for f in self.parts]) if self.parts else None


@dataclass
class PipelineResult:
    embedded: int = 0
    failed: int = 0
    unchanged: int = 0
    vanished: int = 0
    cancelled: bool = False
    problems: list[FileProblem] | None = None


def default_decode_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2)))


class Pipeline:
    """Runs work items through hash -> decode -> preprocess -> embed -> commit.

    Args:
        catalog: where rows and vectors are committed.
        embedder: the active model.
        vindex: the active model's vector index, updated after each commit.
        decode_workers: threads that hash and decode ahead of the model.
        batch_size: images per model call and per transaction.
        on_commit: called after each committed batch with the photo ids that became searchable.
        headless: no window shares the process (`photoseek index`): the decoders run below the model's threads,
            which is faster (see :func:`~photoseek.core.runtime.priority.pin_headless_decoder`).
    """

    def __init__(self, catalog: Catalog, embedder: Embedder, vindex: VectorIndex, *, decode_workers: int = 0,
                 batch_size: int = 16, on_commit: Callable[[list[int]], None] | None = None,
                 headless: bool = False) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.vindex = vindex
        self.decode_workers = decode_workers or default_decode_workers()
        self.batch_size = max(1, batch_size)
        self.on_commit = on_commit
        self.headless = headless
        self.min_side = embedder.pack.preprocess.min_side
        self.save_every_s = 30.0

    def _prepare(self, item: WorkItem) -> _Prepared:
        res = _Prepared(item)
        try:
            res.hash = content_hash(item.path)
        except FileNotFoundError:
            res.vanished = True
            return res
        except OSError as e:
            res.error = f"unreadable ({e.strerror or e})"
            return res
        if item.has_vector and item.known_hash == res.hash:
            res.unchanged = True  # touched (mtime changed) but same bytes: keep the vector
            return res
        try:
            dec = decode(item.path, min_side=self.min_side)
            res.meta = dec.meta
            res.pixels = self.embedder.preprocess(dec.image)
            res.phash = image_hash(dec.image)
        except DecodeError as e:
            if e.reason == "file not found":
                res.vanished = True
            else:
                res.error = e.reason
        except Exception as e:  # a decoder bug must cost one file, not the run
            log.exception("unexpected error decoding %s", item.path)
            res.error = f"could not decode ({e.__class__.__name__}: {e})"
        return res

    def run(self, items: Sequence[WorkItem], progress: ProgressFn | None = None, *, done_before: int = 0,
            total: int | None = None) -> PipelineResult:
        result = PipelineResult(problems=[])
        total = len(items) + done_before if total is None else total
        done = done_before
        start = time.monotonic()
        if not items:
            return result
        inflight_cap = max(2 * self.batch_size, 4 * self.decode_workers)
        queue: deque[Future[_Prepared]] = deque()
        it = iter(items)
        batch: list[_Prepared] = []
        side: list[_Prepared] = []  # errors, unchanged and vanished files, written with the next batch
        # batches handed to the model and not yet committed, oldest first
        embedding: deque[_Embedding] = deque()
        callers = self.embedder.image_callers
        # with several model threads, the next batch goes to the model before the last is committed, so none of
        # them waits for the commit; with one (the app), a stop or a closing window waits for one batch, not two
        ahead = 1 if callers > 1 else 0

        def fill(pool: ThreadPoolExecutor) -> None:
            while len(queue) < inflight_cap:
                nxt = next(it, None)
                if nxt is None:
                    return
                queue.append(pool.submit(self._prepare, nxt))

        def report() -> bool:
            if progress is None:
                return True
            el = time.monotonic() - start
            rate = (done - done_before) / el if el > 0 else 0.0
            eta = (total - done) / rate if rate > 0 else None
            return bool(progress(IndexProgress(IndexPhase.EMBEDDING, done, total, rate, eta)))

        def commit_oldest() -> int:
            job = embedding.popleft()
            return self._commit(job.batch, job.side, job.vectors(), result)

        # decoders and the model callers stay on the embedder's cores; the model's own workers run below normal
        # priority (the embedder creates them so), which leaves the desktop responsive; headless, the model callers
        # join them and the decoders go lower still
        cpus = (self.embedder.cpus,)
        pin_model = pin_headless_model_thread if self.headless else pin_current_thread
        pin_decoder = pin_headless_decoder if self.headless else pin_current_thread
        with (background_process(),
              ThreadPoolExecutor(callers, "photoseek-model", initializer=pin_model, initargs=cpus) as model,
              ThreadPoolExecutor(self.decode_workers, "photoseek-decode", initializer=pin_decoder,
                                 initargs=cpus) as pool):
            # the model's session loads (a third of a second for ViT-B-32) while the first batch decodes; the
            # first model call waits for it on the session's lock, and a load that fails is raised there
            model.submit(self.embedder.load_images_quietly)
            fill(pool)
            try:
                while queue:
                    res = queue.popleft().result()
                    fill(pool)
                    if res.pixels is not None:
                        batch.append(res)
                    else:
                        side.append(res)
                    if len(batch) >= self.batch_size or not queue or len(side) >= 4 * self.batch_size:
                        embedding.append(self._submit(model, batch, side, callers))
                        batch, side = [], []
                        while len(embedding) > (ahead if queue else 0) and not result.cancelled:
                            done += commit_oldest()
                            self.vindex.save(min_interval_s=self.save_every_s)
                            result.cancelled = not report()
                        if result.cancelled:
                            break
            except BaseException:
                for job in embedding:  # what has not started is not run; the error goes up as it is
                    for part in job.parts:
                        part.cancel()
                raise
            finally:
                for f in queue:
                    f.cancel()
            # stopped by the user: the batches the model has (at most ``ahead``) are finished and written
            while embedding:
                done += commit_oldest()
        # at most one write per save_every_s (a watcher sends many small runs); Library.close() writes the rest
        self.vindex.save(min_interval_s=self.save_every_s)
        return result

    def _submit(self, model: ThreadPoolExecutor, batch: list[_Prepared], side: list[_Prepared],
                callers: int) -> _Embedding:
        """Hand ``batch`` to the model threads, in one slice per thread that calls the model at once (so the
        activations held at any time are one batch's, whatever the number of threads); ``side`` goes with it to
        the catalog."""
        if not batch:
            return _Embedding(batch, side, [])
        pixels = np.stack([r.pixels for r in batch if r.pixels is not None])
        step = -(-len(pixels) // callers)
        return _Embedding(batch, side, [model.submit(self.embedder.embed_pixels, pixels[i:i + step])
                                        for i in range(0, len(pixels), step)])

    def _commit(self, batch: list[_Prepared], side: list[_Prepared], vectors: np.ndarray | None,
                result: PipelineResult) -> int:
        model_id = self.embedder.model_id
        ids: list[int] = []
        dropped: list[int] = []
        with self.catalog.write() as w:
            for r in side:
                it = r.item
                if r.vanished:
                    result.vanished += 1
                elif r.unchanged:
                    assert it.photo_id is not None
                    self.catalog.touch_photo(w, it.photo_id, it.size, it.mtime)
                    result.unchanged += 1
                else:
                    upd = PhotoUpdate(it.path, it.folder_id, it.size, it.mtime, r.hash, error=r.error)
                    pid = self.catalog.upsert_photo(w, upd, keep_vectors=False)
                    if it.photo_id is not None:
                        dropped.append(pid)
                    result.failed += 1
                    assert result.problems is not None
                    result.problems.append(FileProblem(it.path, r.error or "unknown error"))
            for r in batch:
                it, m = r.item, r.meta
                assert m is not None
                upd = PhotoUpdate(it.path, it.folder_id, it.size, it.mtime, r.hash, m.width, m.height, m.taken_at,
                                  m.camera)
                # same bytes as before (a photo only new to this model): other models' vectors stay valid
                same = it.known_hash is not None and it.known_hash == r.hash
                ids.append(self.catalog.upsert_photo(w, upd, keep_vectors=same))
            if batch:
                assert vectors is not None
                self.catalog.store_vectors(w, model_id, ids, vectors)
                self.catalog.mark_ok(w, ids)
                self.catalog.store_image_hashes(
                    w, [(pid, r.hash, r.phash) for pid, r in zip(ids, batch, strict=True) if r.phash is not None],
                    HASH_VERSION)
        version = self.catalog.model_version(model_id)
        if dropped:
            self.vindex.remove(dropped, version)
        if batch:
            assert vectors is not None
            self.vindex.add(ids, vectors, version)
            result.embedded += len(batch)
            if self.on_commit is not None:
                self.on_commit(ids)
        return len(batch) + len(side)
