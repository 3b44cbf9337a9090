"""RAW + JPEG pairs: a camera set to RAW+JPEG writes IMG_0042.CR2 and IMG_0042.JPG side by side.

The pair is one photo to the person who took it: it is embedded once (from the JPEG, which the camera already
developed and which decodes fastest) and shown once, as a stack of the two. The rule is a pure function of paths.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace

from photoseek.core.domain import SearchHit
from photoseek.core.fs import is_raw_path

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


def raw_companions(paths: Iterable[str]) -> dict[str, str]:
    """Developed photo -> the RAW file stacked under it, for those of ``paths`` that have one on disk now.

    Each folder is listed once, and only the names that share a stem with a wanted photo are looked at, so this
    is cheap for a page of search results even in folders of thousands of photos.
    """
    by_folder: dict[str, set[str]] = {}
    for p in paths:
        by_folder.setdefault(os.path.dirname(p), set()).add(p)
    out: dict[str, str] = {}
    for folder, wanted in by_folder.items():
        stems = {_key(p)[1] for p in wanted}
        try:
            with os.scandir(folder) as it:  # a sibling's stem is the name up to its last dot
                names = [os.path.join(folder, e.name) for e in it if e.name.rpartition(".")[0].casefold() in stems]
        except OSError:
            continue
        for raw, developed in raw_siblings(names).items():
            if developed in wanted:
                out[developed] = raw
    return out


def with_raw_siblings(hits: list[SearchHit]) -> list[SearchHit]:
    """Search hits with the RAW file stacked under each developed photo filled in (see :func:`raw_companions`)."""
    stacks = raw_companions(h.photo.path for h in hits)
    return [replace(h, raw_sibling=stacks[h.photo.path]) if h.photo.path in stacks else h for h in hits]
