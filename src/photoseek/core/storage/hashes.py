"""The catalog's perceptual-hash cache: a few 64-bit hashes per photo (see :mod:`photoseek.core.imaging.phash`),
valid while the photo's content hash and the hash algorithm's version are the ones they were computed for."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from photoseek.core.imaging.phash import ImageHash, from_bytes, to_bytes
from photoseek.core.storage.database import Database

HashRow = tuple[int, str | None, ImageHash]  # (photo id, content hash the perceptual hash was computed for, hash)


class ImageHashTables(Database):
    """Perceptual hash reads and writes on a :class:`Database` (the catalog is one)."""

    def image_hashes(self, ids: Sequence[int], version: int) -> dict[int, ImageHash]:
        """photo id -> cached hash, for those of ``ids`` whose hash is still valid (same bytes, same algorithm)."""
        out: dict[int, ImageHash] = {}
        con = self._reader()
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = ("SELECT h.photo_id, h.phash FROM image_hashes h JOIN photos p ON p.id=h.photo_id "
                 f"WHERE h.version=? AND h.content_hash IS p.content_hash AND h.photo_id IN ({','.join('?' * len(chunk))})")
            for pid, blob in con.execute(q, (version, *chunk)):
                out[int(pid)] = from_bytes(blob)
        return out

    def store_image_hashes(self, w: sqlite3.Connection, rows: Iterable[HashRow], version: int) -> None:
        """Write hashes inside a write transaction (the index run's own, so they land with the photo's row)."""
        with self._uncounted(w):
            w.executemany(
                "INSERT OR REPLACE INTO image_hashes(photo_id, content_hash, version, phash) VALUES(?, ?, ?, ?)",
                [(int(pid), chash, version, to_bytes(h)) for pid, chash, h in rows],
            )

    def save_image_hashes(self, rows: Sequence[HashRow], version: int) -> None:
        """Write hashes in a transaction of their own (hashes computed on demand)."""
        if rows:
            with self.write(counted=False) as w:  # hashes: no photo or vector count changes
                self.store_image_hashes(w, rows, version)
