"""The second, lower-priority indexing pass: read the words in photos whose vectors are in.

It runs after the main pass (never inside it), one photo at a time on a few threads, committing each photo's
words as soon as they are read. Like the main pass it reports progress through a callback that may return False
to pause; what is read stays, and the next run resumes with what is still pending (photos not read yet, changed
since, or read by an older OCR engine). A photo that cannot be decoded or read is recorded with its reason and
not retried until the engine changes; nothing here can fail the main index.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from photoseek.core.domain import IndexPhase, PhotoState
from photoseek.core.errors import CatalogError, DecodeError, ModelError
from photoseek.core.indexing.lock import WriterLock
from photoseek.core.reports import FileProblem, IndexProgress, TextPassReport
from photoseek.core.runtime.ocr import TextReader
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.text_index import TextIndex

log = logging.getLogger(__name__)

ProgressFn = Callable[[IndexProgress], bool]


class TextPass:
    """Reads the words of pending photos into the catalog's text index.

    Args:
        catalog: the library's catalog.
        reader: the OCR engine (its ``version`` decides what is pending).
        lock_path: a lock file so two processes never read the same library's text at once.
        before_reading: called once before the first photo is read, when there is any (the library lets the
            image model go then: the OCR models need about as much memory again).
    """

    def __init__(self, catalog: Catalog, reader: TextReader, lock_path: Path, *,
                 before_reading: Callable[[], None] | None = None) -> None:
        self.catalog = catalog
        self.reader = reader
        self.texts = TextIndex(catalog)
        self.lock_path = lock_path
        self.before_reading = before_reading

    def run(self, progress: ProgressFn | None = None, *, limit: int | None = None) -> TextPassReport:
        report = TextPassReport()
        started = time.monotonic()
        lock = WriterLock(self.lock_path)
        try:
            lock.acquire()
        except CatalogError:
            report.busy = True
            return report
        _lower_thread_priority()
        try:
            self._run(report, progress, limit, started)
        finally:
            lock.release()
            report.seconds = time.monotonic() - started
        return report

    def _run(self, report: TextPassReport, progress: ProgressFn | None, limit: int | None, started: float) -> None:
        version = self.reader.version
        todo = self.texts.pending(version, limit=limit)
        total = len(todo)
        if todo and self.before_reading is not None:
            self.before_reading()
        # decode so the short side reaches what the reader keeps of the long side (no detail thrown away twice)
        side = max(256, int(self.reader.max_side * 0.75))
        for done, (pid, path) in enumerate(todo):
            if progress is not None:
                elapsed = time.monotonic() - started
                rate = done / elapsed if elapsed > 0 and done else 0.0
                eta = (total - done) / rate if rate else None
                if not progress(IndexProgress(IndexPhase.READING_TEXT, done, total, rate, eta)):
                    report.cancelled = True
                    return
            photo = self.catalog.photo(pid)
            if photo is None or photo.state is not PhotoState.OK:
                continue  # deleted, gone missing or offline since the list was made
            try:
                from photoseek.core.imaging.decode import decode  # Pillow loads with the pass, not per search

                image = decode(path, min_side=side).image
                reading = self.reader.read(image)
            except DecodeError as e:
                self._failed(report, pid, photo.content_hash, version, path, e.reason)
                continue
            except ModelError as e:
                if not self.reader.loaded:  # the engine itself cannot start: stop, nothing is marked
                    report.problems.append(FileProblem(path, str(e)))
                    report.failed += 1
                    return
                self._failed(report, pid, photo.content_hash, version, path, f"text recognition failed ({e})")
                continue
            except Exception as e:  # an engine bug on one photo must not stop the pass
                log.exception("reading text in %s failed", path)
                self._failed(report, pid, photo.content_hash, version, path, f"text recognition failed ({e})")
                continue
            try:
                self.texts.store(pid, photo.content_hash, version, reading.text)
            except CatalogError as e:
                report.problems.append(FileProblem(path, str(e)))
                report.failed += 1
                return  # the catalog cannot be written (disk full): stop and try again next time
            report.read += 1
            report.with_text += bool(reading.lines)
        if progress is not None:
            progress(IndexProgress(IndexPhase.READING_TEXT, total, total))

    def _failed(self, report: TextPassReport, pid: int, content_hash: str | None, version: str, path: str,
                reason: str) -> None:
        report.failed += 1
        report.problems.append(FileProblem(path, reason))
        try:
            self.texts.store(pid, content_hash, version, "", error=reason)
        except CatalogError:
            log.warning("could not record the OCR failure of %s", path, exc_info=True)


def _lower_thread_priority(step: int = 10) -> None:
    """Make a background thread running the pass (and, with one intra-op thread, the OCR models) yield to the main
    pass and the user's work. Linux sets niceness per thread (it cannot be raised back without privileges, so a
    program's main thread, e.g. a CLI command the user is waiting on, is left alone); elsewhere this does nothing."""
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current < step:
            os.setpriority(os.PRIO_PROCESS, tid, step)
    except OSError:  # not permitted in some sandboxes: the pass still runs, at normal priority
        pass
