"""Thumbnails on disk: small JPEGs keyed by rendering version, content hash and size, with a total-bytes LRU bound.

The key starts with :data:`RENDER_VERSION`: bump it whenever :meth:`ThumbnailCache.render` draws differently, and
every thumbnail made the old way is stale: it is never served again, the photo is re-rendered under the new key,
and the old files age out through the LRU bound.

Qt-free so that any front end (or a future web view) can share the cache. Files are written atomically (temp file
+ rename) so concurrent workers never see half a thumbnail; eviction uses file access/modification times, touched
on every hit, so the least recently used go first.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from photoseek.core.errors import DecodeError
from photoseek.core.imaging.decode import decode

_EXT = ".jpg"
# 1: EXIF-oriented, fits size x size, JPEG quality 85 (keys before it had no version)
# 2: decoded with the short side >= size, so a square or near-square photo fills the box (1 drafted to size / 2,
#    which left a 512 px square photo a 128 px thumbnail in a 256 px box)
RENDER_VERSION = 2


class ThumbnailCache:
    """A bounded folder of thumbnails.

    Args:
        root: cache folder (``Library.cache_dir / "thumbnails"``).
        max_bytes: total size kept; the least recently used files are deleted beyond it.
    """

    def __init__(self, root: str | os.PathLike[str], max_bytes: int = 512 * 1024 * 1024) -> None:
        self.root = Path(root)
        self.max_bytes = max(0, int(max_bytes))
        self._lock = threading.Lock()
        self._total: int | None = None  # lazily measured, then tracked

    @staticmethod
    def key(path: str, content_hash: str | None, size: int, render_version: int | None = None) -> str:
        """Cache key: rendering version (default: the current one), then the content hash when known (survives
        moves and renames), else the path, then the size."""
        base = content_hash or ("path:" + hashlib.sha1(os.fsencode(path)).hexdigest())
        version = RENDER_VERSION if render_version is None else render_version
        return f"r{int(version)}-{base}-{int(size)}"

    def file_for(self, key: str) -> Path:
        safe = key.replace("/", "_").replace(":", "_")
        return self.root / safe[:2] / (safe + _EXT)

    def get(self, path: str, content_hash: str | None, size: int) -> Path:
        """Path of a thumbnail whose longer side is at most ``size``, made on a miss.

        Raises:
            DecodeError: the photo cannot be decoded.
        """
        target = self.file_for(self.key(path, content_hash, size))
        try:
            os.utime(target)  # LRU: a hit becomes the newest
            return target
        except FileNotFoundError:
            pass
        except OSError:
            if target.is_file():
                return target
        data = self.render(path, size)
        self._store(target, data)
        return target

    @staticmethod
    def render(path: str, size: int) -> bytes:
        """JPEG bytes of a thumbnail of ``path`` (EXIF orientation applied) fitting in ``size`` x ``size``."""
        import io

        dec = decode(path, min_side=max(16, size))
        img = dec.image
        img.thumbnail((size, size))
        buf = io.BytesIO()
        try:
            img.save(buf, format="JPEG", quality=85, optimize=False)
        except OSError as e:  # pragma: no cover - Pillow encoder failure
            raise DecodeError(f"cannot encode thumbnail for {path}", reason="thumbnail failed") from e
        return buf.getvalue()

    def _store(self, target: Path, data: bytes) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError:
            return  # a read-only or full cache only costs speed
        with self._lock:
            if self._total is None:
                self._total = self._measure()
            else:
                self._total += len(data)
            over = self._total > self.max_bytes
        if over:
            self.evict()

    def _measure(self) -> int:
        total = 0
        if self.root.is_dir():
            for p in self.root.rglob("*" + _EXT):
                try:
                    total += p.stat().st_size
                except OSError:
                    pass
        return total

    def total_bytes(self) -> int:
        with self._lock:
            self._total = self._measure()
            return self._total

    def evict(self) -> int:
        """Delete least recently used thumbnails until the cache fits ``max_bytes`` (with 10% headroom).
        Returns the number of files deleted."""
        with self._lock:
            entries = []
            for p in self.root.rglob("*" + _EXT) if self.root.is_dir() else ():
                try:
                    st = p.stat()
                except OSError:
                    continue
                entries.append((max(st.st_mtime, st.st_atime), st.st_size, p))
            total = sum(e[1] for e in entries)
            goal = int(self.max_bytes * 0.9)
            removed = 0
            for _, size, p in sorted(entries):
                if total <= goal:
                    break
                try:
                    p.unlink()
                    total -= size
                    removed += 1
                except OSError:
                    pass
            self._total = total
            return removed

    def clear(self) -> None:
        with self._lock:
            for p in self.root.rglob("*" + _EXT) if self.root.is_dir() else ():
                try:
                    p.unlink()
                except OSError:
                    pass
            self._total = 0
