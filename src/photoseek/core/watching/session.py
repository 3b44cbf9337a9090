"""A watch session (observers + change queue + worker) and the cross-process record of how folders are watched.

The session reports through callbacks and never reaches into the library: the library gets ``on_finished`` when
the worker has stopped. The record lives in the catalog's settings table so that another process (the CLI's
``status`` while the desktop app watches) can show each folder's watch mode; it carries a format number.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from photoseek.core.domain import WatchMode
from photoseek.core.errors import PhotoSeekError
from photoseek.core.storage.catalog import Catalog
from photoseek.core.watching.changes import ChangeQueue
from photoseek.core.watching.worker import ProgressCallback, QueueWorker, WatchTarget

log = logging.getLogger(__name__)

RECORD_KEY = "watch_modes"  # catalog setting: JSON {format, pid, modes, reasons} of the process watching
RECORD_FORMAT = 1  # 0 (no "format" key): the same fields, written before the record was versioned


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


class WatchRecord:
    """Which process watches the library's folders, and how (events or polling, and why)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def save(self, modes: dict[str, WatchMode], reasons: dict[str, str]) -> None:
        """Record this process's watch modes (an empty ``modes`` clears the record). Failure is only logged."""
        value = json.dumps({"format": RECORD_FORMAT, "pid": os.getpid(), "modes": modes, "reasons": reasons}
                           ) if modes else ""
        try:
            self.catalog.set_setting(RECORD_KEY, value)
        except PhotoSeekError:
            log.warning("could not record the watch modes", exc_info=True)

    def read(self) -> tuple[dict[str, WatchMode], dict[str, str]]:
        """``(modes, reasons)`` of the live process that wrote the record; empty when none, when the writer is gone,
        or when the record has a format this version does not know (a newer PhotoSeek wrote it)."""
        try:
            data = json.loads(self.catalog.get_setting(RECORD_KEY) or "{}")
        except ValueError:
            return {}, {}
        if not isinstance(data, dict):
            return {}, {}
        fmt = data.get("format", 0)
        if fmt not in (0, RECORD_FORMAT):
            log.warning("watch record format %r is unknown to this PhotoSeek (knows %d); ignoring it", fmt,
                        RECORD_FORMAT)
            return {}, {}
        pid = data.get("pid")
        if not isinstance(pid, int) or (pid != os.getpid() and not _pid_alive(pid)):
            return {}, {}  # whoever wrote it is gone
        modes_raw, reasons_raw = data.get("modes"), data.get("reasons")
        modes = {str(k): WatchMode(v) for k, v in modes_raw.items()
                 if v in WatchMode._value2member_map_} if isinstance(modes_raw, dict) else {}
        reasons = {str(k): str(v) for k, v in reasons_raw.items()} if isinstance(reasons_raw, dict) else {}
        return modes, reasons


@dataclass(frozen=True)
class WatchOptions:
    """How a session watches; see :meth:`photoseek.core.library.Library.watch` for each."""

    settle_s: float = 1.5
    catch_up: bool = True
    force_polling: bool = False
    poll_interval_s: float = 2.0
    check_interval_s: float = 2.0
    purge_after_s: float = 600.0
    purge_every_s: float = 60.0
    max_batch: int = 500
    skip_hidden: bool = True


class WatchSession:
    """A running :meth:`photoseek.core.library.Library.watch`. Stop it (or close the library) to end watching.

    Args:
        target: what applies the changes (the library's indexer).
        record: where the watch modes are recorded for other processes.
        folders: returns the library folders (read again at every folder check).
        options: settle time, polling, purging.
        on_progress: called from the worker thread with what happened.
        on_finished: called once with this session when its worker has stopped and been joined.
    """

    def __init__(self, target: WatchTarget, record: WatchRecord, folders: Callable[[], Sequence[str]],
                 options: WatchOptions, *, on_progress: ProgressCallback | None = None,
                 on_finished: Callable[[WatchSession], None] | None = None) -> None:
        o = options
        self.queue = ChangeQueue(o.settle_s, max_batch=o.max_batch, skip_hidden=o.skip_hidden)
        self.worker = QueueWorker(self.queue, target, on_progress=on_progress, catch_up=o.catch_up,
                                  purge_after_s=o.purge_after_s, purge_every_s=o.purge_every_s)
        self.record = record
        self._folders = folders
        self._on_finished = on_finished
        self._finished = False
        self._started_lock = threading.Lock()  # start() and stop() from different threads (Library.close)
        self._stopped = False
        # watchdog loads with a watch session, not with every `status` that reads the watch record
        from photoseek.core.watching.observers import LibraryWatcher

        self.watcher = LibraryWatcher(self.queue, self._roots, force_polling=o.force_polling,
                                      poll_interval_s=o.poll_interval_s, check_interval_s=o.check_interval_s,
                                      on_mode=self._mode_changed)

    def _roots(self) -> list[str]:
        roots = list(self._folders())
        self.queue.set_roots(roots)
        return roots

    def start(self) -> None:
        with self._started_lock:
            if self._stopped:  # stopped before it began (the library closed meanwhile): nothing to start
                return
            self.watcher.start()  # events from now on are queued while the catch-up scan runs
            self.worker.start()

    def _mode_changed(self, folder: str, mode: WatchMode | None, reason: str) -> None:
        modes, reasons = self.watcher.modes(), self.watcher.reasons()
        if mode:
            modes[folder], reasons[folder] = mode, reason
            self.worker.say(f"watching {folder} by {mode.value}" + (f" ({reason})" if reason else ""))
        else:
            modes.pop(folder, None)
            reasons.pop(folder, None)
        self.record.save(modes, reasons)

    def modes(self) -> dict[str, WatchMode]:
        """folder -> how it is watched, for each folder being watched now."""
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
        with self._started_lock:
            self._stopped = True
        self.watcher.stop()
        self.worker.stop()

    def join(self, timeout: float | None = None) -> None:
        self.watcher.join(timeout)
        self.worker.join(timeout)
        if not self.worker.is_alive() and not self._finished:
            self._finished = True
            if self._on_finished is not None:
                self._on_finished(self)

    def __enter__(self) -> WatchSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.join()


WatchHandle = WatchSession  # the name front ends have used
