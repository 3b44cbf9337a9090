"""`photoseek models available` and `photoseek models get ID`: the model catalog from the command line.

``get`` is the only command that goes online. It shows a byte progress bar (rate, ETA), stops cleanly on Ctrl+C
(the download is kept; the same command resumes it), verifies every file, converts to int8 unless ``--fp32``,
installs, switches to the new model and then, in the foreground, computes its vectors for the library with the
usual indexing progress bar. Searches keep using the previous model until every photo has a vector from the new
one; a Ctrl+C during that step keeps what is done and ``photoseek index`` finishes it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from photoseek.core.errors import Cancelled

if TYPE_CHECKING:  # the library loads when a command runs, not to build the parser (a search must not pay)
    from photoseek.core.library import DownloadPhase, DownloadProgress, Library

EXIT_OK, EXIT_INTERRUPTED = 0, 130
IndexCommand = Callable[["Library", argparse.Namespace], int]

_PHASE_TEXT = {  # by DownloadPhase value
    "verifying": "Verified every file against the checksums the server declares.",
    "quantizing": "Converting to int8 (faster search and indexing; --fp32 keeps full precision)...",
    "installing": "Installing...",
}


def add_arguments(msub: Any) -> None:
    ma = msub.add_parser("available", help="models you can download: size, languages, quality, installed?")
    ma.add_argument("--json", action="store_true", help="print a JSON array")
    mg = msub.add_parser("get", help="download, verify, install and switch to a catalog model (the only network use)")
    mg.add_argument("id", metavar="ID", help="catalog id, e.g. clip-vit-b32 (see `photoseek models available`)")
    mg.add_argument("--fp32", action="store_true", help="keep full precision instead of converting to int8")
    mg.add_argument("--no-index", action="store_true", help="do not compute the new vectors now")
    mg.add_argument("--quiet", "-q", action="store_true", help="no progress bars")


def _mb(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def cmd_available(lib: Library, a: argparse.Namespace) -> int:
    models = lib.installer.available()
    if a.json:
        print(json.dumps([m.to_json() for m in models], ensure_ascii=False))
        return EXIT_OK
    active = lib.settings.model
    for m in models:
        e = m.entry
        if m.installed:
            state = "in use" if active == e.id else "installed"
        elif m.partial_bytes:
            state = f"{_mb(m.partial_bytes)} downloaded"
        else:
            state = ""
        mark = "*" if e.default else " "
        langs = "many" if "mul" in e.languages else ",".join(e.languages)
        print(f"{mark} {e.id:<26} {_mb(e.download_bytes):>8}  {langs:<5} {e.embed_dim:>4}-d  {state:<16} {e.name}")
        print(f"    {e.quality}")
    print("\n* recommended. Get one with `photoseek models get ID` (downloads from the Hugging Face Hub, or the "
          "mirror in HF_ENDPOINT; nothing else in PhotoSeek uses the network).")
    return EXIT_OK


class _Bar:
    """tqdm bar for the download; phases after the transfer print one line each."""

    def __init__(self, quiet: bool, cancel: threading.Event) -> None:
        self.quiet = quiet or not sys.stderr.isatty() and os.environ.get("PHOTOSEEK_PROGRESS") != "1"
        self.cancel = cancel
        self.bar: Any = None
        self.phase: DownloadPhase | None = None

    def __call__(self, p: DownloadProgress) -> bool:
        if p.phase != self.phase:
            self.phase = p.phase
            self.close()
            if p.phase == "downloading" and not self.quiet:
                from tqdm import tqdm

                self.bar = tqdm(desc="Downloading", total=p.total, initial=p.done, unit="B", unit_scale=True,
                                unit_divisor=1024, file=sys.stderr, smoothing=0.1)
            elif p.phase in _PHASE_TEXT:
                print(_PHASE_TEXT[p.phase], file=sys.stderr)
        if self.bar is not None:
            self.bar.update(p.done - self.bar.n)
        return not self.cancel.is_set()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def cmd_get(lib: Library, a: argparse.Namespace, reindex: IndexCommand) -> int:
    inst = lib.installer
    entry = inst.catalog.get(a.id)
    before = lib.model_id
    if inst.installed_pack(entry) is None:
        kept = inst.downloader.partial_bytes(entry)
        print(f"Downloading {entry.name} ({_mb(entry.download_bytes)}, {entry.license}) from "
              f"{inst.downloader.endpoint}/{entry.repo}" + (f"; resuming, {_mb(kept)} already here" if kept else ""))
        cancel = threading.Event()
        bar = _Bar(a.quiet, cancel)

        def on_sigint(signum: int, frame: object) -> None:
            if cancel.is_set():
                raise KeyboardInterrupt
            cancel.set()

        old = signal.signal(signal.SIGINT, on_sigint)
        try:
            pack = inst.get(entry.id, quantize=not a.fp32, progress=bar, cancel=cancel)
        except Cancelled as e:
            bar.close()
            print(f"\nStopped: {e}. Run `photoseek models get {entry.id}` again to resume.", file=sys.stderr)
            return EXIT_INTERRUPTED
        finally:
            signal.signal(signal.SIGINT, old)
            bar.close()
        print(f"Installed {pack.id} ({pack.name}, {_mb(pack.size_bytes())}).")
    else:
        pack = inst.installed_pack(entry)
        assert pack is not None
        print(f"{pack.id} is already installed.")
    if lib.use_model(pack.id):
        print(f"Search now uses {pack.id}.")
        return EXIT_OK
    todo = lib.status()
    if a.no_index:
        print(f"Searches keep using {before} until `photoseek index` has computed {pack.id}'s vectors "
              f"({todo.photos} photos).")
        return EXIT_OK
    print(f"Computing {pack.id}'s vectors for {todo.photos} photos. Searches use {before} until they are all done; "
          "Ctrl+C stops, `photoseek index` continues later.")
    code = reindex(lib, argparse.Namespace(folder=None, quiet=a.quiet))
    if lib.model_id == pack.id:
        print(f"Search now uses {pack.id}.")
    else:
        print(f"Searches still use {lib.model_id}; run `photoseek index` to finish switching to {pack.id}.")
    return code


def run(lib: Library, a: argparse.Namespace, reindex: IndexCommand) -> int:
    """``reindex`` is the CLI's `index` command (progress bar, Ctrl+C, report), run after a switch."""
    return cmd_available(lib, a) if a.action == "available" else cmd_get(lib, a, reindex)
