"""``photoseek watch``: keep the library up to date in the foreground until Ctrl+C.

While nothing changes it reads the words in new photos (the OCR pass), pausing as soon as changes come.
Prints one line per event (catch-up result, photos indexed / moved / removed, folders going offline or coming
back, how each folder is watched) and, at most every couple of seconds, a progress line while a batch is indexed.
SIGINT and SIGTERM stop it cleanly (exit status 0). Errors from the library (:class:`PhotoSeekError`) are left to
the CLI's common handler.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from photoseek.core.domain import WatchPhase
from photoseek.core.errors import PhotoSeekError

if TYPE_CHECKING:
    from photoseek.core.library import Library
    from photoseek.core.reports import WatchProgress

PROGRESS_EVERY_S = 2.0
TEXT_EVERY_S = 5.0  # how often a quiet watcher looks for photos whose words are not read yet


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--settle", type=float, default=1.5, metavar="SECONDS",
                        help="wait until a file has not changed for this long before indexing it (default 1.5)")
    parser.add_argument("--polling", action="store_true",
                        help="poll every folder instead of using file system events (also PHOTOSEEK_WATCH_POLLING=1)")
    parser.add_argument("--poll-interval", type=float, default=2.0, metavar="SECONDS",
                        help="how often polled folders are rescanned (default 2)")
    parser.add_argument("--no-catch-up", action="store_true",
                        help="skip the scan for changes made while nothing was watching")
    parser.add_argument("--purge-after", type=float, default=600.0, metavar="SECONDS",
                        help="forget deleted photos after this long (a late-seen move keeps its vector until then)")


class _Printer:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.last_progress = 0.0
        self.lock = threading.Lock()

    def __call__(self, p: WatchProgress) -> None:
        now = time.monotonic()
        if p.message:
            self.say(p.message)
        elif p.phase in (WatchPhase.INDEXING, WatchPhase.SCANNING) and p.total and now - self.last_progress >= PROGRESS_EVERY_S:
            self.say(f"{p.phase.value} {p.done}/{p.total}" + (f" ({p.queued} more queued)" if p.queued else ""))
            self.last_progress = now

    def say(self, line: str) -> None:
        """One timestamped line: the watcher's events and this command's own."""
        with self.lock:
            print(f"{time.strftime('%H:%M:%S')} {line}", file=self.out, flush=True)


def _read_text(lib: Library, printer: _Printer, keep_going: Callable[[], bool]) -> None:
    """The OCR pass on what the watcher brought in, paused (for the next quiet moment) as soon as changes come."""
    if not lib.text.enabled:
        return
    try:
        r = lib.text.read(lambda p: keep_going())
    except PhotoSeekError as e:  # reading words must never stop the watching
        printer.say(f"could not read text in photos: {e}")
        return
    if r.read or r.failed:
        failed = f", {r.failed} could not be read" if r.failed else ""
        printer.say(f"read the words in {r.read} photo(s) ({r.with_text} with text){failed}")


def run(lib: Library, args: argparse.Namespace, *, out: TextIO | None = None, serve: bool = True) -> int:
    """Watch until SIGINT/SIGTERM. Returns the exit status (0 on a clean stop, 1 if the watcher failed).
    ``serve``: answer other processes' searches meanwhile (:class:`SearchServer`)."""
    out = out or sys.stdout
    stop = threading.Event()
    previous: dict[int, object] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    printer = _Printer(out)
    # while it watches, it answers `photoseek search` from other terminals with its loaded models
    from photoseek.core.search_server import SearchServer  # not imported to build the CLI's parser

    server = SearchServer(lib) if serve else None
    if server is not None:
        # a search it answers must not wait for a decoder at the lowest priority that holds the GIL while a busy
        # machine keeps it off the CPU: indexing here keeps its Python threads at normal priority, as in the app
        lib.model_set.headless = False
    # the searches it answers read their results' rows from anywhere in the catalog: have the OS cache them
    warm = threading.Thread(target=lib.warm_up, args=(stop,), name="photoseek-warm-up", daemon=True)
    try:
        if server is not None:
            server.start()
            warm.start()
        handle = lib.watch(printer, settle_s=args.settle, catch_up=not args.no_catch_up,
                           force_polling=args.polling, poll_interval_s=args.poll_interval,
                           purge_after_s=args.purge_after)
        try:
            folders = len(lib.folders())
            printer.say(f"watching {folders} folder(s) in {lib.home}; press Ctrl+C to stop")
            next_text = 0.0
            while not stop.wait(0.5):
                if not handle.is_alive():
                    break
                if handle.idle and time.monotonic() >= next_text:  # quiet: read the words in new photos
                    _read_text(lib, printer, lambda: not stop.is_set() and handle.idle)
                    next_text = time.monotonic() + TEXT_EVERY_S
        finally:
            handle.stop()
            handle.join(30)
        err = handle.worker.error
        if err is not None:
            print(f"error: the watcher stopped: {err}", file=sys.stderr)
            return 1
        return 0
    finally:
        stop.set()  # the warm-up too, when the watcher ended on its own
        if warm.is_alive():
            warm.join()
        if server is not None:
            server.stop()
        for signum, h in previous.items():
            signal.signal(signum, h)  # type: ignore[arg-type]
