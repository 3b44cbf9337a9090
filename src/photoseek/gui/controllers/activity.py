"""Background activity as the user sees it: pause/resume of indexing and watching, and the status line.

The policy: opening the app catches up with an index run; when a run finishes (and the user has not paused),
folder watching takes over and the OCR pass reads the words in new photos (never while an index run works, and
again whenever the watcher brings photos in); Pause stops all three and keeps what is done; Resume runs an index
pass that catches up, then watching and reading start again. An index run that fails pauses everything and reports
the error; an OCR pass that fails only says so (searching by meaning is unaffected).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from photoseek.core.domain import IndexPhase, WatchPhase
from photoseek.core.reports import IndexProgress, IndexReport, TextPassReport, WatchProgress
from photoseek.gui.controllers.folders import FoldersController
from photoseek.gui.controllers.indexing import IndexController
from photoseek.gui.controllers.text_reading import TextReadingController
from photoseek.gui.controllers.watching import WatchController
from photoseek.gui.text import duration, plural

Bar = tuple[int, int] | None  # (done, total) with total 0 for "busy"; None hides the progress bar


class ActivityController(QObject):
    """Turns index and watch events into status text, a progress bar and a pause button state."""

    text = Signal(str)  # the status line
    bar = Signal(object)  # Bar
    pause_state = Signal(bool, bool)  # (button visible, paused)
    notice = Signal(str)  # a passing event worth a few seconds in the status bar
    library_changed = Signal()  # an index run ended: results and pages may be out of date
    results_stale = Signal()  # photos were added, moved or removed: re-run the query soon
    failed = Signal(object)

    def __init__(self, indexer: IndexController, watcher: WatchController, folders: FoldersController,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.indexer = indexer
        self.watcher = watcher
        self.folders = folders
        self.paused = False  # the user paused indexing and watching
        self._watch_done = 0  # changes the watcher has applied, as last reported
        self._closed = False
        indexer.running_changed.connect(self._index_running)
        indexer.progress.connect(self._index_progress)
        indexer.finished.connect(self._index_finished)
        indexer.failed.connect(self._index_failed)
        indexer.batch_indexed.connect(lambda _ids: self.results_stale.emit())
        watcher.progress.connect(self._watch_progress)
        watcher.active_changed.connect(lambda _active: self._update_pause())
        self.reader = TextReadingController(indexer.library, indexer.bridge, self)  # words in photos (OCR)
        self.reader.progress.connect(self._text_progress)
        self.reader.finished.connect(self._text_finished)
        self.reader.failed.connect(self._text_failed)
        self.reader.running_changed.connect(lambda _running: self._update_pause())

    def toggle_pause(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    def pause(self) -> None:
        """Pause the index run and stop watching; what is done is kept."""
        self.paused = True
        self.watcher.stop()
        self.reader.pause()
        if self.indexer.running:
            self.indexer.pause()
            self.text.emit("Pausing after the current batch…")
        else:
            self.text.emit("Paused — new photos are indexed when you resume.")
            self.bar.emit(None)
        self._update_pause()

    def resume(self) -> None:
        """An index run catches up with what changed while paused; watching restarts when it finishes."""
        self.paused = False
        self.indexer.resume()
        self._update_pause()

    def watching_text(self) -> str:
        n = len(self.watcher.modes()) or len(self.folders.paths or [])
        return f"Up to date · Watching {plural(n, 'folder')}"

    def shutdown(self) -> None:
        self._closed = True
        self.reader.shutdown()

    def _update_pause(self) -> None:
        busy = self.indexer.running or self.watcher.active or self.reader.running
        self.pause_state.emit(self.paused or busy, self.paused)

    def _index_running(self, running: bool) -> None:
        if running:
            self.paused = False
            self.reader.pause()  # the main pass never waits for (or competes with) the OCR pass
        self._update_pause()
        if running:
            self.text.emit("Looking for new photos…")
            self.bar.emit((0, 0))
        else:
            self.bar.emit(None)

    def _index_progress(self, p: IndexProgress) -> None:
        if not self.indexer.running:
            return
        if p.phase == IndexPhase.SCANNING:
            self.bar.emit((0, 0))
            self.text.emit(f"Looking for photos… {p.done:,} found")
        elif p.phase == IndexPhase.EMBEDDING and p.total:
            self.bar.emit((p.done, p.total))
            eta = f" · about {duration(p.eta_s)} left" if (p.eta_s or 0) >= 1 and p.done < p.total else ""  # not "0 s"
            rate = f" · {p.rate:.0f} photos/s" if p.rate >= 1 else (f" · {p.rate:.1f} photos/s" if p.rate else "")
            if p.switching:  # a new model's vectors: search switches to it when they are complete
                self.text.emit(f"Improving search: {p.done:,} of {p.total:,} photos{rate}{eta}")
            else:
                self.text.emit(f"Indexing {p.done:,} of {p.total:,}{rate}{eta}")

    def _index_finished(self, report: IndexReport) -> None:
        if report.cancelled:
            self.text.emit("Indexing paused — what is done is saved. Resume any time.")
        else:
            new = f", {report.embedded:,} newly indexed" if report.embedded else ""
            failed = f", {report.failed:,} could not be read (see Folders…)" if report.failed else ""
            self.text.emit(f"Up to date · {plural(report.scanned, 'photo')}{new}{failed}")
            if not self.paused and not self._closed:
                # from now on watchdog tells us what changes; its own catch-up scan (stat only, cheap after the run
                # that just ended) covers anything changed between that run's scan and the observers starting
                self.watcher.start(catch_up=True)
                self.reader.start()
        self._update_pause()
        self.folders.refresh()
        self.library_changed.emit()

    def _index_failed(self, error: BaseException) -> None:
        self.text.emit("Indexing stopped")
        self.paused = True
        self.watcher.stop()
        self._update_pause()
        self.failed.emit(error)

    def _watch_progress(self, p: WatchProgress) -> None:
        if p.message and p.message != "stopped":
            self.notice.emit(p.message[:1].upper() + p.message[1:])
            self.folders.refresh()  # watch modes, offline folders, counts
        if p.message or (p.phase == WatchPhase.WATCHING and p.done != self._watch_done):
            self.results_stale.emit()  # a batch was applied: deletions and moves send no batch_indexed
        if p.phase in (WatchPhase.INDEXING, WatchPhase.SCANNING) and p.total:
            self.reader.pause()  # the watcher is indexing: reading words waits (it resumes when the batch is in)
        if p.phase == WatchPhase.WATCHING:
            if p.done != self._watch_done and not self.paused and not self._closed:
                self.reader.start()  # the watcher brought photos in: read their words too
            self._watch_done = p.done
        if self.indexer.running or not self.watcher.active:
            return  # the index run owns the status bar; a stopped watcher's last words are the notice above
        if p.phase in (WatchPhase.INDEXING, WatchPhase.SCANNING) and p.total and p.done < p.total:
            self.bar.emit((p.done, p.total))
            self.text.emit(f"Indexing new photos: {p.done:,}/{p.total:,}")
        elif p.phase == WatchPhase.WATCHING or (p.total and p.done >= p.total):
            self.bar.emit(None)
            self.text.emit(self.watching_text())

    def _text_progress(self, p: IndexProgress) -> None:
        if self.indexer.running or not self.reader.running or not p.total or p.done >= p.total:
            return
        self.bar.emit((p.done, p.total))
        self.text.emit(f"Reading text in photos: {p.done:,} of {p.total:,}")

    def _text_finished(self, report: TextPassReport) -> None:
        if self.indexer.running or self._closed:
            return
        self.bar.emit(None)
        if report.cancelled:
            self.text.emit("Reading text paused — what is read is saved.")
        else:
            if report.read:
                self.notice.emit(f"Read the words in {plural(report.read, 'photo')} "
                                 f"({report.with_text:,} with text)")
            self.text.emit(self.watching_text() if self.watcher.active else "Up to date")

    def _text_failed(self, error: BaseException) -> None:
        self.bar.emit(None)
        self.notice.emit(f"Could not read text in photos: {error}")
