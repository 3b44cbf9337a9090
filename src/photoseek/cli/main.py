"""Command-line front end over :class:`photoseek.core.library.Library`.

Exit codes: 0 success, 1 a PhotoSeek error (message on stderr), 2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from photoseek import __version__
from photoseek.cli import desktop_cmd, duplicates_cmd, repair_cmd, search_cmd, text_cmd, watch_cmd
from photoseek.core.domain import Device, IndexPhase, Sort
from photoseek.core.errors import PhotoSeekError

if TYPE_CHECKING:  # the library (numpy, SQLite, USearch) loads in main(), after the arguments are known good
    from photoseek.core.library import Library
    from photoseek.core.reports import IndexProgress, IndexReport

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="photoseek",
        description="Find photos in your own folders by meaning. Offline. Run with no command for the desktop app.",
    )
    p.add_argument("--version", action="version", version=f"photoseek {__version__}")
    p.add_argument("--library", metavar="DIR", help="library folder (default: $PHOTOSEEK_HOME or the per-user data dir)")
    p.add_argument("--model", metavar="NAME", help="model pack to use for this command")
    p.add_argument("--device", choices=[d.value for d in Device],
                   help="where models run for this command (default: the `device` setting, cpu)")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    f = sub.add_parser("folders", help="list, add or remove photo folders")
    fsub = f.add_subparsers(dest="action", metavar="ACTION")
    fa = fsub.add_parser("add", help="remember folders (they are only read, never written)")
    fa.add_argument("paths", nargs="+", metavar="PATH")
    fr = fsub.add_parser("remove", help="forget folders (the photos on disk are not touched)")
    fr.add_argument("paths", nargs="+", metavar="PATH")
    fl = fsub.add_parser("list", help="list folders")
    fl.add_argument("--json", action="store_true")

    i = sub.add_parser("index", help="scan folders and embed new or changed photos")
    i.add_argument("--folder", action="append", metavar="PATH", help="only this library folder (repeatable)")
    i.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    i.add_argument("--no-text", action="store_true", help="skip reading the words in photos (OCR) this time")

    def search_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--limit", "-n", type=_positive, default=20, help="how many results (default 20)")
        sp.add_argument("--json", action="store_true", help="print a JSON array, best first")
        sp.add_argument("--in", dest="folder", metavar="FOLDER", help="only photos inside this folder")
        sp.add_argument("--after", type=_date, metavar="DATE", help="taken on or after (YYYY-MM-DD)")
        sp.add_argument("--before", type=_date, metavar="DATE", help="taken before (YYYY-MM-DD)")
        sp.add_argument("--sort", choices=[s.value for s in Sort], default=Sort.RELEVANCE.value,
                        help="relevance (default), date (newest first) or date-asc (oldest first)")
        sp.add_argument("--camera", metavar="NAME", help="only photos from a camera whose name contains NAME")
        sp.add_argument("--all", action="store_true",
                        help="also print the weaker results below the relevance cutoff (JSON: \"match\": false)")

    s = sub.add_parser("search", help="search by text; '+2:word' weighs, '-word' subtracts, an image path adds it; "
                                      "dates ('beach 2019', 'snow last winter') and 'camera:NAME' filter; "
                                      "text:\"word\" or one quoted phrase finds the words written in photos")
    s.add_argument("query", nargs="+")
    search_opts(s)
    sm = sub.add_parser("similar", help="photos that look like a photo (in the library or any image file)")
    sm.add_argument("image")
    search_opts(sm)

    st = sub.add_parser("status", help="photos, indexed, pending, errors with reasons, model, sizes")
    st.add_argument("--json", action="store_true")

    m = sub.add_parser("models", help="list, install, switch or verify model packs")
    msub = m.add_subparsers(dest="action", metavar="ACTION")
    ml = msub.add_parser("list", help="installed packs, the active one, sizes, vectors per pack")
    ml.add_argument("--json", action="store_true")
    mi = msub.add_parser("install", help="install a pack from a folder or zip (or a URL with --allow-download)")
    mi.add_argument("source", metavar="PATH|URL")
    mi.add_argument("--name", help="install under this id")
    mi.add_argument("--fp32", action="store_true", help="keep full precision (default: convert to int8, ~3x faster)")
    mi.add_argument("--quantize", action="store_true", help=argparse.SUPPRESS)  # the default now; kept for scripts
    mi.add_argument("--allow-download", action="store_true", help="allow fetching a URL (the only network use)")
    mu = msub.add_parser("use", help="switch packs; old vectors stay searchable until the new set is complete")
    mu.add_argument("name")
    msub.add_parser("verify", help="re-check every pack file against its manifest")
    from photoseek.cli import models_cmd  # issue 9: `models available`, `models get ID` (the catalog)

    models_cmd.add_arguments(msub)

    r = sub.add_parser("repair", help="salvage a damaged catalog, rebuild the index, re-embed only what was lost")
    repair_cmd.add_arguments(r)

    d = sub.add_parser("duplicates", help="list groups of near-duplicates (resized, recompressed, cropped copies)")
    duplicates_cmd.add_arguments(d)

    w = sub.add_parser("watch", help="watch the folders and index changes as they happen (Ctrl+C stops)")

    watch_cmd.add_arguments(w)
    desktop_cmd.add_parser(sub)  # `install-desktop` (cli/desktop_cmd.py), run in main() without a library
    return p


# output helpers -------------------------------------------------------------------------------------------------
_human_bytes = duplicates_cmd.human_bytes


class _Progress:
    """A tqdm bar fed by the core's progress callback; Ctrl+C asks the core to stop after the current batch."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet or not sys.stderr.isatty() and os.environ.get("PHOTOSEEK_PROGRESS") != "1"
        self.bar: Any = None
        self.stop = False
        self.phase: IndexPhase | None = None

    def __call__(self, p: IndexProgress) -> bool:
        if self.quiet:
            return not self.stop
        from tqdm import tqdm

        if p.phase != self.phase:
            if self.bar is not None:
                self.bar.close()
            self.phase = p.phase
            if p.phase == IndexPhase.SCANNING:
                self.bar = tqdm(desc="Scanning", unit=" files", file=sys.stderr, leave=False)
            elif p.phase == IndexPhase.EMBEDDING:
                self.bar = tqdm(desc="Indexing", total=p.total, unit=" photos", file=sys.stderr, smoothing=0.1)
            elif p.phase == IndexPhase.READING_TEXT:
                self.bar = tqdm(desc="Reading text in photos", total=p.total, unit=" photos", file=sys.stderr)
            else:
                self.bar = None
        if self.bar is not None:
            if p.total:
                self.bar.total = p.total
            self.bar.n = p.done
            self.bar.refresh()
        return not self.stop

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _report(r: IndexReport) -> None:
    parts = [f"{r.scanned} photos found", f"{r.embedded} indexed"]
    for n, label in ((r.moved, "moved/renamed (kept)"), (r.removed, "removed"), (r.changed, "changed"),
                     (r.unchanged, "unchanged")):
        if n:
            parts.append(f"{n} {label}")
    if r.failed:
        parts.append(f"{r.failed} could not be read")
    print(", ".join(parts) + f" in {r.seconds:.1f} s.")
    for prob in r.problems[:20]:
        print(f"  skipped {prob.path}: {prob.reason}", file=sys.stderr)
    if len(r.problems) > 20:
        print(f"  ... and {len(r.problems) - 20} more (see `photoseek status`)", file=sys.stderr)
    if r.cancelled:
        print("Stopped. What was finished is kept; run `photoseek index` again to continue.")


# commands -------------------------------------------------------------------------------------------------------
def cmd_folders(lib: Library, a: argparse.Namespace) -> int:
    if a.action == "add":
        for path in a.paths:
            f = lib.add_folder(path)
            print(f"Added {f.path}")
        print("Run `photoseek index` to index it.")
    elif a.action == "remove":
        for path in a.paths:
            lib.remove_folder(path)
            print(f"Removed {os.path.abspath(os.path.expanduser(path))} (files on disk untouched)")
    else:
        folders = lib.folders()
        if getattr(a, "json", False):
            print(json.dumps([{"path": f.path, "online": f.online, "photos": f.photo_count, "errors": f.error_count}
                              for f in folders]))
        elif not folders:
            print("No folders yet. Add one with `photoseek folders add ~/Pictures`.")
        for f in folders if not getattr(a, "json", False) else []:
            state = "" if f.online else "  [offline]"
            print(f"{f.path}  {f.photo_count} photos, {f.error_count} errors{state}")
    return EXIT_OK


def cmd_index(lib: Library, a: argparse.Namespace) -> int:
    if not lib.folders():
        print("No folders to index. Add one first: photoseek folders add ~/Pictures", file=sys.stderr)
        return EXIT_ERROR
    prog = _Progress(a.quiet)

    def on_sigint(signum: int, frame: object) -> None:
        if prog.stop:  # second Ctrl+C: leave now; committed batches are safe in the catalog
            raise KeyboardInterrupt
        prog.stop = True
        print("\nStopping after the current batch (Ctrl+C again to quit now)...", file=sys.stderr)

    old = signal.signal(signal.SIGINT, on_sigint)
    text = None
    try:
        report = lib.index(prog, folders=a.folder)
        prog.close()
        _report(report)
        # the second pass: words in photos, after the vectors are in (`models get` calls this without --no-text)
        if not report.cancelled and not getattr(a, "no_text", False):
            text = text_cmd.read_text(lib, prog)
    finally:
        signal.signal(signal.SIGINT, old)
        prog.close()
    return EXIT_INTERRUPTED if report.cancelled or (text is not None and text.cancelled) else EXIT_OK


def cmd_status(lib: Library, a: argparse.Namespace) -> int:
    s = lib.status()
    target = lib.target_model()
    if a.json:
        print(json.dumps({
            "library": s.home, "model": s.model_id, "switching_to": target, "photos": s.photos, "indexed": s.indexed,
            "pending": s.pending, "errors": s.errors, "offline": s.offline,
            "folders": [{"path": f.path, "online": f.online, "photos": f.photo_count, "errors": f.error_count,
                         "watch": f.watch_mode} for f in s.folders],
            "problems": [{"path": p.path, "reason": p.reason} for p in s.problems],
            "bytes": {"catalog": s.catalog_bytes, "index": s.index_bytes, "thumbnails": s.thumbnails_bytes},
            "text": text_cmd.status_json(s.text),
            "device": s.device,
        }, ensure_ascii=False))
        return EXIT_OK
    print(f"Library   {s.home}")
    print(f"Model     {s.model_id}" + (f"  (switching to {target}: run `photoseek index`)" if target else ""))
    print(f"Device    {s.device}")
    print(f"Photos    {s.photos}   indexed {s.indexed}   pending {s.pending}   errors {s.errors}"
          + (f"   offline {s.offline}" if s.offline else ""))
    if (line := text_cmd.status_line(s.text)) is not None:
        print(line)
    print(f"Sizes     catalog {_human_bytes(s.catalog_bytes)}, index {_human_bytes(s.index_bytes)}, "
          f"thumbnails {_human_bytes(s.thumbnails_bytes)}")
    print("Folders" if s.folders else "Folders   none (add one with `photoseek folders add PATH`)")
    for f in s.folders:
        extra = "" if f.online else "  [offline: photos kept]"
        if f.watch_mode:
            extra += f"  [watch: {f.watch_mode}]"
        print(f"  {f.path}  {f.photo_count} photos{extra}")
    if s.problems:
        print(f"Could not index ({len(s.problems)}):")
        for p in s.problems:
            print(f"  {p.path}: {p.reason}")
    return EXIT_OK


def cmd_models(lib: Library, a: argparse.Namespace) -> int:
    if a.action in ("available", "get"):  # issue 9: the catalog commands live in models_cmd
        from photoseek.cli import models_cmd

        return models_cmd.run(lib, a, reindex=cmd_index)
    if a.action == "install":
        pack = lib.install_model(a.source, name=a.name, quantize=not a.fp32, allow_download=a.allow_download)
        print(f"Installed {pack.id} ({pack.name}, {pack.embed_dim}-d, {_human_bytes(pack.size_bytes())}).")
        print(f"Switch to it with `photoseek models use {pack.id}`.")
    elif a.action == "use":
        if lib.use_model(a.name):
            print(f"Now using {a.name}.")
        else:
            print(f"Switching to {a.name}: run `photoseek index` to compute its vectors. "
                  f"Searches use {lib.model_id} until they are complete.")
    elif a.action == "verify":
        bad = 0
        for pack_id, problems in lib.verify_models().items():
            if problems:
                bad += 1
                print(f"{pack_id}: {len(problems)} problem(s)")
                for p in problems:
                    print(f"  {p}")
            else:
                print(f"{pack_id}: ok")
        return EXIT_ERROR if bad else EXIT_OK
    else:
        models = lib.models()
        if getattr(a, "json", False):
            print(json.dumps([m.__dict__ for m in models]))
            return EXIT_OK
        if not models:
            print("No model packs found.", file=sys.stderr)
            return EXIT_ERROR
        for m in models:
            mark = "*" if m.active else " "
            kind = "built-in" if m.builtin else "installed"
            print(f"{mark} {m.id:<24} {m.embed_dim:>5}-d  {_human_bytes(m.size_bytes):>9}  {m.vectors:>7} vectors  "
                  f"{kind}  {m.name}")
    return EXIT_OK


COMMANDS = {
    "folders": cmd_folders,
    "index": cmd_index,
    "search": search_cmd.cmd_search,
    "similar": search_cmd.cmd_search,
    "status": cmd_status,
    "models": cmd_models,
    "watch": watch_cmd.run,
    "duplicates": duplicates_cmd.run,
}
READ_ONLY = {"search", "similar", "status", "duplicates"}


def leave(rc: int) -> NoReturn:
    """End this process now, skipping the interpreter's teardown, after a command that wrote nothing but its
    output: freeing the loaded model (some 100 MB of arenas and mappings, one by one) and every module costs a
    search ~50 ms after its results are printed. Only for the command-line process itself, never for a caller
    of :func:`main`."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # `photoseek search ... | head`: the reader has gone
            pass
    os._exit(rc)


def main(argv: Sequence[str] | None = None, *, leave_when_done: bool = False) -> int:
    """Run one command; returns the exit code. ``leave_when_done``: the process is the ``photoseek`` command
    itself, so after a read-only command (with the library closed) it ends at once (:func:`leave`)."""
    parser = build_parser()
    a = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if a.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if a.command is None:
        parser.print_help()
        return EXIT_USAGE
    if a.command == desktop_cmd.COMMAND:  # issue 10: needs no library
        return desktop_cmd.run(a)
    if a.command in ("folders", "models") and a.action is None:
        a.action = "list"
    rc = _run(a)
    if leave_when_done and a.command in READ_ONLY:
        leave(rc)
    return rc


def _run(a: argparse.Namespace) -> int:
    """A command that needs the library (or asks the process holding it), with PhotoSeek's errors as exit codes."""
    lib = None
    try:
        if a.command in search_cmd.SEARCH_COMMANDS and (rc := search_cmd.ask_holder(a)) is not None:
            return rc  # answered by the desktop app or `photoseek watch`, which hold the library and its models
        if a.command == "repair":  # before opening the library: a damaged catalog may not open at all
            return repair_cmd.run(a, _Progress(False))
        # a terminal index run may use every core; the desktop app leaves one free for the window
        threads = (os.cpu_count() or 1) if a.command in ("index", "watch") else None
        from photoseek.core.library import Library

        lib = Library(a.library, model=a.model, read_only=a.command in READ_ONLY, threads=threads, device=a.device)
        if a.command in ("index", "watch") and (note := lib.model_set.provider().note):  # a search prints its own
            print(f"photoseek: {note}", file=sys.stderr)
        return COMMANDS[a.command](lib, a)
    except PhotoSeekError as e:
        print(f"photoseek: {e}", file=sys.stderr)
        if e.hint:
            print(f"  {e.hint}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\nInterrupted. Finished batches are kept.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `photoseek search ... | head`
        return EXIT_OK
    finally:
        if lib is not None:
            lib.close()
