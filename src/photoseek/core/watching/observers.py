"""Watch library folders for changes (the only module that imports watchdog).

Handlers only hand paths to a sink (:class:`photoseek.core.watching.changes.ChangeQueue`); the indexing worker does
the work. Each folder gets its own observer so that one folder can fall back to polling while the others use
kernel events:

- events (inotify, FSEvents, ReadDirectoryChangesW) where the OS delivers them;
- polling where it does not (network and FUSE file systems, found in ``/proc/mounts``), where the OS refuses more
  watches (``ENOSPC``/``EMFILE``: the inotify limits), or when asked to (``force_polling`` or
  ``PHOTOSEEK_WATCH_POLLING=1``).

A folder that disappears (unplugged drive, unmounted share, renamed away) is noticed by its observer's root-deleted
event or by a periodic existence check; it is reported gone (its photos go offline, not away) and re-armed when it
comes back.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from watchdog.events import (
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from photoseek.core.domain import WatchMode
from photoseek.core.fs import readable_dir

log = logging.getLogger(__name__)

# File systems whose changes made elsewhere (another client, the server) never reach local inotify.
NETWORK_FS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs", "lustre",
    "davfs", "sshfs", "fuse", "fuse.sshfs", "fuse.rclone", "fuse.gvfsd-fuse", "fuse.s3fs", "fuse.davfs",
})
_WATCH_LIMIT_ERRNOS = frozenset({errno.ENOSPC, errno.EMFILE, errno.ENFILE})
_EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileAttribEvent, FileDeletedEvent, FileMovedEvent,
    DirDeletedEvent, DirMovedEvent,
]


class EventSink(Protocol):
    def changed(self, path: str) -> None: ...

    def deleted(self, path: str, is_dir: bool = False) -> None: ...

    def moved(self, src: str, dst: str, is_dir: bool = False) -> None: ...

    def folder_gone(self, root: str) -> None: ...

    def folder_back(self, root: str) -> None: ...


ModeCallback = Callable[[str, WatchMode | None, str], None]  # (folder, mode or None when it stops, reason)


def _unescape_mount(field: str) -> str:
    # /proc/mounts escapes space, tab, newline and backslash as octal
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def fs_type(path: str, mounts_file: str = "/proc/mounts") -> str | None:
    """The file system type of the mount holding ``path`` (Linux; None where unknown)."""
    try:
        with open(mounts_file, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError:
        return None
    real = os.path.realpath(path)
    best: tuple[int, str] | None = None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mnt = _unescape_mount(parts[1])
        if real == mnt or real.startswith(mnt.rstrip("/") + "/") or mnt == "/":
            if best is None or len(mnt) > best[0]:
                best = (len(mnt), parts[2])
    return best[1] if best else None


def needs_polling(path: str) -> str | None:
    """Why ``path`` must be polled (a network or FUSE file system), or None."""
    fs = fs_type(path)
    if fs and (fs in NETWORK_FS or (fs.startswith("fuse.") and fs != "fuse.portal")):
        return f"{fs} file system does not report changes"
    return None


def _polling_forced() -> bool:
    return os.environ.get("PHOTOSEEK_WATCH_POLLING", "").strip().lower() in {"1", "true", "yes", "on"}


class _Handler(FileSystemEventHandler):
    def __init__(self, root: str, sink: EventSink, on_root_gone: Callable[[], None]) -> None:
        self.root = root
        self.sink = sink
        self.on_root_gone = on_root_gone

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            src = os.fsdecode(event.src_path)
            kind = event.event_type
            if kind == "moved":
                self.sink.moved(src, os.fsdecode(event.dest_path), event.is_directory)
            elif kind == "deleted":
                if src.rstrip(os.sep) == self.root:
                    self.on_root_gone()
                else:
                    self.sink.deleted(src, event.is_directory)
            elif not event.is_directory and kind in ("created", "modified", "closed", "attrib"):
                self.sink.changed(src)
        except Exception:  # never let one bad event kill the observer thread
            log.exception("watch event %r not handled", event)


@dataclass
class _Watch:
    observer: BaseObserver
    mode: WatchMode
    reason: str


class LibraryWatcher:
    """Observes every library folder and feeds a sink.

    Args:
        sink: where changed paths go (only cheap, non-blocking calls are made on it).
        folders: returns the library folders; read again at every check, so folders added or removed while
            watching are picked up.
        force_polling: poll every folder instead of using kernel events (also ``PHOTOSEEK_WATCH_POLLING=1``).
        poll_interval_s: how often a polled folder is rescanned.
        check_interval_s: how often folders are checked for vanishing and coming back.
        on_mode: called with ``(folder, mode, reason)`` when a folder starts being watched, and with mode None
            when it stops being watched because it vanished.
    """

    def __init__(self, sink: EventSink, folders: Callable[[], Sequence[str]], *, force_polling: bool = False,
                 poll_interval_s: float = 2.0, check_interval_s: float = 2.0,
                 on_mode: ModeCallback | None = None) -> None:
        self.sink = sink
        self._folders = folders
        self.force_polling = force_polling or _polling_forced()
        self.poll_interval_s = poll_interval_s
        self.check_interval_s = check_interval_s
        self.on_mode = on_mode
        self._watches: dict[str, _Watch] = {}
        self._gone: set[str] = set()
        self._known: set[str] | None = None  # folders seen so far (None before the first check)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._poke = threading.Event()
        self._thread = threading.Thread(target=self._check_loop, name="photoseek-watch-check", daemon=True)

    # lifecycle ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.refresh()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._poke.set()
        with self._lock:
            watches = list(self._watches.values())
            self._watches.clear()
        for w in watches:
            w.observer.stop()
        for w in watches:
            w.observer.join(5)

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def modes(self) -> dict[str, WatchMode]:
        """folder -> how it is watched, for every folder being watched now."""
        with self._lock:
            return {root: w.mode for root, w in self._watches.items()}

    def reasons(self) -> dict[str, str]:
        """folder -> why it is polled (empty string for event-watched folders)."""
        with self._lock:
            return {root: w.reason for root, w in self._watches.items()}

    # folder checks --------------------------------------------------------------------------------------------
    def _check_loop(self) -> None:
        while not self._stop.is_set():
            self._poke.wait(self.check_interval_s)
            self._poke.clear()
            if self._stop.is_set():
                return
            try:
                self.refresh()
            except Exception:
                log.exception("folder check failed")

    def refresh(self) -> None:
        """Arm observers for folders that are present, report folders that vanished or came back."""
        roots = [r.rstrip(os.sep) or os.sep for r in self._folders()]
        with self._lock:
            if self._stop.is_set():
                return
            for root in [r for r in self._watches if r not in roots]:
                self._unwatch(root)
            self._gone &= set(roots)
            if self._known is not None:
                # a folder added while watching: index what it holds now, as for a folder coming back
                self._gone |= {r for r in roots if r not in self._known}
            self._known = set(roots)
            for root in roots:
                present = readable_dir(root)
                w = self._watches.get(root)
                if w is not None and present and not (w.observer.is_alive()
                                                      and all(e.is_alive() for e in w.observer.emitters)):
                    self._unwatch(root)  # its emitter stopped (root deleted and re-created in between): re-arm
                    w = None
                if w is not None and not present:
                    self._unwatch(root)
                    self._gone.add(root)
                    log.info("folder gone: %s", root)
                    self.sink.folder_gone(root)
                    self._mode(root, None, "folder is gone")
                elif w is None and present:
                    self._watch(root)
                    if root in self._gone:
                        self._gone.discard(root)
                        log.info("folder back: %s", root)
                        self.sink.folder_back(root)
                elif w is None and not present and root not in self._gone:
                    self._gone.add(root)
                    self.sink.folder_gone(root)

    def _root_gone(self) -> None:
        self._poke.set()  # let the check thread look now rather than at its next tick

    def _unwatch(self, root: str) -> None:
        w = self._watches.pop(root, None)
        if w is not None:
            w.observer.stop()
            if threading.current_thread() is not w.observer:
                w.observer.join(5)

    def _watch(self, root: str) -> None:
        handler = _Handler(root, self.sink, self._root_gone)
        reason = "forced" if self.force_polling else (needs_polling(root) or "")
        if not reason:
            obs: BaseObserver = Observer()
            try:
                # started first, so that scheduling creates the kernel watches here and raises here
                obs.start()
                obs.schedule(handler, root, recursive=True, event_filter=_EVENT_TYPES)
                self._watches[root] = _Watch(obs, WatchMode.EVENTS, "")
                self._mode(root, WatchMode.EVENTS, "")
                return
            except OSError as e:
                obs.stop()
                obs.join(5)
                if e.errno in _WATCH_LIMIT_ERRNOS:
                    reason = f"the OS refused more watches ({os.strerror(e.errno or 0)}); raise fs.inotify.max_user_watches"
                else:
                    reason = f"events unavailable ({e})"
        obs = PollingObserver(timeout=self.poll_interval_s)
        obs.schedule(handler, root, recursive=True, event_filter=_EVENT_TYPES)
        obs.start()
        self._watches[root] = _Watch(obs, WatchMode.POLLING, reason)
        self._mode(root, WatchMode.POLLING, reason)

    def _mode(self, root: str, mode: WatchMode | None, reason: str) -> None:
        if mode:
            log.info("watching %s by %s%s", root, mode.value, f" ({reason})" if reason else "")
        if self.on_mode is not None:
            try:
                self.on_mode(root, mode, reason)
            except Exception:
                log.exception("watch mode callback failed")
