"""Walk library folders: every photo file with its size and mtime (reading only), and its content hash."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from photoseek.core.fs import SYSTEM_DIRS, is_photo_path, is_raw_path
from photoseek.core.imaging.siblings import raw_siblings, stacked_raws
from photoseek.core.reports import FileProblem


@dataclass(frozen=True)
class DiskFile:
    path: str
    size: int
    mtime: float


@dataclass
class WalkResult:
    files: list[DiskFile] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


def content_hash(path: str | os.PathLike[str]) -> str:
    """BLAKE2b-128 of the whole file: identifies a photo across moves and renames."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def walk(root: str, *, skip_hidden: bool = True, follow_symlinks: bool = True,
         keep_going: Callable[[], bool] | None = None) -> WalkResult:
    """Every photo file under ``root`` with its size and mtime.

    Hidden and system folders are skipped; symlinked folders are followed once (a loop is cut where it closes);
    unreadable folders and files become problems, never exceptions.
    """
    out = WalkResult()
    seen: set[tuple[int, int]] = set()
    try:
        st = os.stat(root)
        seen.add((st.st_dev, st.st_ino))
    except OSError as e:
        out.problems.append(FileProblem(root, f"folder unreadable ({e.strerror})"))
        return out
    for entry in _walk(root, seen, out, skip_hidden, follow_symlinks, keep_going):
        out.files.append(entry)
    return out


def _walk(folder: str, seen: set[tuple[int, int]], out: WalkResult, skip_hidden: bool, follow: bool,
          keep_going: Callable[[], bool] | None) -> Iterator[DiskFile]:
    stack = [folder]
    n = 0
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            out.problems.append(FileProblem(current, f"folder unreadable ({e.strerror or e})"))
            continue
        subdirs = []
        # a RAW with a JPEG sibling (camera RAW+JPEG) is one photo: it is catalogued through the JPEG alone
        stacked = stacked_raws(e.name for e in entries) if any(is_photo_path(e.name) for e in entries) else set()
        for entry in entries:
            name = entry.name
            if skip_hidden and name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=follow):
                    if name in SYSTEM_DIRS:
                        continue
                    st = entry.stat(follow_symlinks=True)
                    key = (st.st_dev, st.st_ino)
                    if key in seen:  # symlink loop or the same folder reached twice
                        continue
                    seen.add(key)
                    subdirs.append(entry.path)
                elif is_photo_path(name) and name not in stacked and entry.is_file(follow_symlinks=follow):
                    st = entry.stat(follow_symlinks=True)
                    yield DiskFile(os.path.abspath(entry.path), st.st_size, st.st_mtime)
                    n += 1
                    if keep_going is not None and n % 1000 == 0 and not keep_going():
                        return
            except FileNotFoundError:
                continue  # vanished while we looked, or a dangling symlink
            except OSError as err:
                out.problems.append(FileProblem(entry.path, f"unreadable ({err.strerror or err})"))
        stack.extend(reversed(subdirs))


def is_stacked_raw(path: str) -> bool:
    """Whether ``path`` is a RAW file shown and embedded through a developed sibling next to it (see walk)."""
    if not is_raw_path(path):
        return False  # the common case costs no disk access
    folder = os.path.dirname(path)
    try:
        names = [os.path.join(folder, n) for n in os.listdir(folder)]
    except OSError:
        return False
    return path in raw_siblings(names)
