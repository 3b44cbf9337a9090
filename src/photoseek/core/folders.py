"""Folder rules: which folders may join a library (read, never written; never nested in or around another)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from photoseek.core.domain import Folder
from photoseek.core.errors import FolderError
from photoseek.core.fs import normalize_folder, readable_dir, under


def check_new_folder(path: str | os.PathLike[str], folders: Sequence[Folder]) -> tuple[str, Folder | None]:
    """``(normalized path, the library folder it already is or None)`` for a folder about to be added.

    Raises:
        FolderError: it does not exist, is not a readable folder, or lies inside or around a library folder.
    """
    p = normalize_folder(path)
    if not os.path.isdir(p):
        raise FolderError(f"not a folder: {p}")
    if not readable_dir(p):
        raise FolderError(f"cannot read folder: {p}", hint="Check its permissions.")
    real = os.path.realpath(p)
    for f in folders:
        if f.path == p:
            return p, f
        if under(real, os.path.realpath(f.path)):
            raise FolderError(f"{p} is already part of the library (inside {f.path})")
        if under(os.path.realpath(f.path), real):
            raise FolderError(f"{p} contains the library folder {f.path}", hint=f"Remove {f.path} first, then add {p}.")
    return p, None
