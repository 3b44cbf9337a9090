"""RAW + JPEG pairs: a camera set to RAW+JPEG writes IMG_0042.CR2 and IMG_0042.JPG side by side.

The pair is one photo to the person who took it: it is embedded once (from the JPEG, which the camera already
developed and which decodes fastest) and shown once, as a stack of the two. The rule is a pure function of paths.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace

from photoseek.core.domain import SearchHit
from photoseek.core.fs import RAW_EXTENSIONS, is_raw_path

# What a camera (or phone) writes next to a RAW file: JPEG, or HEIF on newer bodies and phones.
_DEVELOPED = (".jpg", ".jpeg", ".jpe", ".heic", ".heif", ".hif")


def _key(path: str) -> tuple[str, str]:
    folder, name = os.path.split(path)
    return folder, os.path.splitext(name)[0].casefold()


def raw_siblings(paths: Iterable[str]) -> dict[str, str]:
    """RAW path -> the developed sibling it is stacked under, for every RAW in ``paths`` that has one.

    Siblings live in the same folder and share the file name up to the extension, compared without case
    (IMG_0042.CR2 + IMG_0042.JPG; img_0042.nef + IMG_0042.jpeg). An edited export (IMG_0042_edit.jpg) is not a
    sibling. When a RAW has several candidates, JPEG wins over HEIF and then the first by name, so the choice is
    stable between scans.
    """
    raws: dict[tuple[str, str], list[str]] = {}
    developed: dict[tuple[str, str], list[str]] = {}
    for p in paths:
        ext = os.path.splitext(p)[1].lower()
        if is_raw_path(p):
            raws.setdefault(_key(p), []).append(p)
        elif ext in _DEVELOPED:
            developed.setdefault(_key(p), []).append(p)
    out: dict[str, str] = {}
    for key, raw_paths in raws.items():
        cands = developed.get(key)
        if not cands:
            continue
        best = min(cands, key=lambda c: (_DEVELOPED.index(os.path.splitext(c)[1].lower()) > 2, c))
        for r in raw_paths:
            out[r] = best
    return out


def stacked_raws(paths: Iterable[str]) -> set[str]:
    """The RAW files of ``paths`` that are shown and embedded through their developed sibling."""
    return set(raw_siblings(paths))


def drop_stacked(paths: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """Split ``paths`` into what to catalog (everything but stacked RAWs) and the RAW -> sibling map."""
    paths = list(paths)
    pairs = raw_siblings(paths)
    return [p for p in paths if p not in pairs], pairs


class FolderStacks:
    """Which developed photos of a folder have a RAW stacked under them, per folder, remembered while the folder is
    unchanged (its modification time, which moves whenever an entry is added, removed or renamed).

    A page of search hits spans dozens of folders of thousands of photos each: looking at every name of every one
    of them again on each query cost 0.35 s at 100k photos. Now a query pays one ``stat`` per folder; a folder is
    listed again only after it changed, and then only its RAW names (and the names sharing their stem) are paired.
    """

    MAX_FOLDERS = 4096
    SETTLE_NS = 2_000_000_000  # a folder changed this recently is not remembered (coarse mtimes on FAT/exFAT)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: OrderedDict[str, tuple[int, dict[str, str]]] = OrderedDict()

    def of(self, folder: str) -> dict[str, str]:
        """Developed path -> stacked RAW path in ``folder`` ({} when it cannot be read)."""
        try:
            mtime = os.stat(folder).st_mtime_ns
        except OSError:
            return {}
        with self._lock:
            known = self._known.get(folder)
            if known is not None and known[0] == mtime:
                self._known.move_to_end(folder)
                return known[1]
        try:
            names = os.listdir(folder)
        except OSError:
            return {}
        pairs: dict[str, str] = {}
        raw_keys = {n[: n.rfind(".")].casefold() for n in names if n[n.rfind(".") :].lower() in RAW_EXTENSIONS}
        if raw_keys:
            near = [os.path.join(folder, n) for n in names if n[: n.rfind(".")].casefold() in raw_keys]
            pairs = {developed: raw for raw, developed in raw_siblings(near).items()}
        if time.time_ns() - mtime >= self.SETTLE_NS:
            with self._lock:
                self._known[folder] = (mtime, pairs)
                self._known.move_to_end(folder)
                while len(self._known) > self.MAX_FOLDERS:
                    self._known.popitem(last=False)
        return pairs


_STACKS = FolderStacks()


def raw_companions(paths: Iterable[str], stacks: FolderStacks | None = None) -> dict[str, str]:
    """Developed photo -> the RAW file stacked under it, for those of ``paths`` that have one on disk now.

    Each folder is looked at once, and listed only when it changed since ``stacks`` last listed it.
    """
    stacks = stacks or _STACKS
    by_folder: dict[str, list[str]] = {}
    for p in paths:
        by_folder.setdefault(os.path.dirname(p), []).append(p)
    out: dict[str, str] = {}
    for folder, wanted in by_folder.items():
        pairs = stacks.of(folder)
        if pairs:
            out.update((p, pairs[p]) for p in wanted if p in pairs)
    return out


def with_raw_siblings(hits: list[SearchHit]) -> list[SearchHit]:
    """Search hits with the RAW file stacked under each developed photo filled in (see :func:`raw_companions`)."""
    stacks = raw_companions(h.photo.path for h in hits)
    return [replace(h, raw_sibling=stacks[h.photo.path]) if h.photo.path in stacks else h for h in hits]
