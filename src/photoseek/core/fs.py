"""Path helpers shared by the scanner, the indexer and the watcher (one copy of each).

Pure functions over path strings plus two cheap ``stat`` checks; nothing here writes anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

# Camera RAW formats LibRaw reads (core/imaging/raw.py): the ones people meet, and a few older ones that cost nothing.
RAW_EXTENSIONS = frozenset(
    {
        ".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf", ".rw2", ".rwl",
        ".pef", ".srw", ".x3f", ".3fr", ".iiq", ".erf", ".mef", ".mos", ".mrw", ".kdc", ".dcr",
    }
)

PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".avif"}
) | RAW_EXTENSIONS

# Folders that hold thumbnails, trash or OS metadata rather than photos.
SYSTEM_DIRS = frozenset(
    {
        "@eaDir",  # Synology thumbnails
        "#recycle",
        "$RECYCLE.BIN",
        "System Volume Information",
        "lost+found",
        "__MACOSX",
        "node_modules",
        "Thumbs",
    }
)


def is_photo_path(path: str | os.PathLike[str]) -> bool:
    """True when the file name has an image extension PhotoSeek decodes."""
    return os.path.splitext(os.fspath(path))[1].lower() in PHOTO_EXTENSIONS


def under(path: str, folder: str) -> bool:
    """``path`` is ``folder`` itself or lies inside it (string test; no disk access)."""
    folder = folder.rstrip(os.sep)
    return path == folder or path.startswith(folder + os.sep)


def normalize_folder(path: str | os.PathLike[str]) -> str:
    """Absolute form of a folder as the catalog stores it (``~`` expanded, no trailing separator)."""
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


def readable_dir(path: str) -> bool:
    """``path`` is a folder we can list and enter (False for a vanished drive or a folder without permission)."""
    try:
        return os.path.isdir(path) and os.access(path, os.R_OK | os.X_OK)
    except OSError:
        return False


def deepest_root(path: str, roots: Sequence[str]) -> str | None:
    """The innermost of ``roots`` that holds ``path`` (None when none does)."""
    best = None
    for r in roots:
        if under(path, r) and (best is None or len(r) > len(best)):
            best = r
    return best


def is_raw_path(path: str | os.PathLike[str]) -> bool:
    """A camera RAW file by its extension (pure: no decoder is loaded)."""
    return os.path.splitext(os.fspath(path))[1].lower() in RAW_EXTENSIONS
