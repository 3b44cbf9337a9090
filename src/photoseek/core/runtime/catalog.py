"""The model catalog: which packs PhotoSeek can download, where from, and what the user gets.

The catalog is data (``catalog.json`` next to this module, shipped in the wheel) with a format number; this module
only reads and validates it. Reading it never touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from photoseek.core.errors import ModelPackError

CATALOG_FORMAT = 1


@dataclass(frozen=True)
class CatalogFile:
    """One file of a pack in its Hub repo. ``size`` is the catalog's estimate; the Hub's own size is verified."""

    path: str
    size: int


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    repo: str  # Hugging Face repo, e.g. immich-app/ViT-B-32__openai
    revision: str  # branch, tag or commit on the Hub; the commit actually fetched is recorded in the manifest
    family: str  # architecture family; every family has a parity test
    license: str
    languages: tuple[str, ...]
    embed_dim: int
    image_size: int
    quality: str  # one line for the user
    files: tuple[CatalogFile, ...]
    default: bool = False

    @property
    def download_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "repo": self.repo, "revision": self.revision, "family": self.family,
            "license": self.license, "languages": list(self.languages), "embed_dim": self.embed_dim,
            "image_size": self.image_size, "quality": self.quality, "default": self.default,
            "size": self.download_bytes, "files": [{"path": f.path, "size": f.size} for f in self.files],
        }


@dataclass(frozen=True)
class Catalog:
    format: int
    families: dict[str, dict[str, Any]]
    entries: tuple[CatalogEntry, ...]

    def get(self, entry_id: str) -> CatalogEntry:
        """The entry with this id (or Hub repo name).

        Raises:
            ModelPackError: no such entry; the message lists the ids there are.
        """
        for e in self.entries:
            if entry_id in (e.id, e.repo, e.repo.split("/")[-1]):
                return e
        known = ", ".join(e.id for e in self.entries)
        raise ModelPackError(f"no model {entry_id!r} in the catalog (available: {known})",
                             hint="See `photoseek models available`.")

    @property
    def default(self) -> CatalogEntry:
        return next((e for e in self.entries if e.default), self.entries[0])


def _entry(d: dict[str, Any], families: dict[str, Any]) -> CatalogEntry:
    files = tuple(CatalogFile(str(f["path"]), int(f["size"])) for f in d["files"])
    entry = CatalogEntry(
        id=str(d["id"]), name=str(d["name"]), repo=str(d["repo"]), revision=str(d.get("revision") or "main"),
        family=str(d["family"]), license=str(d["license"]), languages=tuple(str(x) for x in d["languages"]),
        embed_dim=int(d["embed_dim"]), image_size=int(d["image_size"]), quality=str(d["quality"]), files=files,
        default=bool(d.get("default", False)),
    )
    if entry.family not in families:
        raise ValueError(f"{entry.id}: unknown family {entry.family!r}")
    if entry.repo.count("/") != 1:
        raise ValueError(f"{entry.id}: repo must be owner/name, not {entry.repo!r}")
    for f in files:
        if f.path.startswith("/") or ".." in f.path.split("/"):
            raise ValueError(f"{entry.id}: unsafe file path {f.path!r}")
    return entry


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read the catalog shipped with PhotoSeek (or the file at ``path``).

    Raises:
        ModelPackError: the file is missing, not JSON, has another format number, or an entry is invalid.
    """
    try:
        if path is None:
            text = resources.files("photoseek.core.runtime").joinpath("catalog.json").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError) as e:
        raise ModelPackError(f"the model catalog cannot be read: {e}") from e
    fmt = data.get("format") if isinstance(data, dict) else None
    if fmt != CATALOG_FORMAT:
        raise ModelPackError(f"the model catalog has format {fmt!r}; this PhotoSeek reads format {CATALOG_FORMAT}",
                             hint="Update PhotoSeek.")
    families = data.get("families") or {}
    try:
        entries = tuple(_entry(d, families) for d in data["models"])
    except (KeyError, TypeError, ValueError) as e:
        raise ModelPackError(f"the model catalog has an invalid entry: {e}") from e
    if not entries or len({e.id for e in entries}) != len(entries):
        raise ModelPackError("the model catalog is empty or has duplicate ids")
    return Catalog(format=fmt, families=dict(families), entries=entries)
