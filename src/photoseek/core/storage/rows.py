"""Typed rows the catalog hands out: :class:`CatalogRow` for diffing, :class:`PhotoUpdate` for writing, and the
conversion of a ``photos`` row into a :class:`~photoseek.core.domain.Photo`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from photoseek.core.domain import Photo, PhotoState

PHOTO_COLS = "id, path, folder_id, size, mtime, content_hash, width, height, taken_at, camera, state, error"
ROW_COLS = "path, id, size, mtime, content_hash, state"  # what :func:`catalog_row` reads


class CatalogRow(NamedTuple):
    """What the catalog knows about one file, enough to tell new, changed, moved and gone apart."""

    id: int
    size: int
    mtime: float
    content_hash: str | None
    state: PhotoState


def catalog_row(r: Sequence[object]) -> tuple[str, CatalogRow]:
    """``(path, row)`` from a ``SELECT {ROW_COLS}`` result."""
    return str(r[0]), CatalogRow(int(r[1]), int(r[2]), float(r[3]), r[4], PhotoState(str(r[5])))  # type: ignore[call-overload, arg-type]


def photo_from_row(row: Sequence[object]) -> Photo:
    taken = row[8]
    return Photo(
        id=int(row[0]),  # type: ignore[call-overload]
        path=str(row[1]),
        folder_id=int(row[2]),  # type: ignore[call-overload]
        size=int(row[3]),  # type: ignore[call-overload]
        mtime=float(row[4]),  # type: ignore[arg-type]
        content_hash=row[5],  # type: ignore[arg-type]
        width=row[6],  # type: ignore[arg-type]
        height=row[7],  # type: ignore[arg-type]
        taken_at=datetime.fromisoformat(taken) if isinstance(taken, str) else None,
        camera=row[9],  # type: ignore[arg-type]
        state=PhotoState(str(row[10])),
        error=row[11],  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class PhotoUpdate:
    """What an index run learned about one file."""

    path: str
    folder_id: int
    size: int
    mtime: float
    content_hash: str | None
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = None
    camera: str | None = None
    error: str | None = None


