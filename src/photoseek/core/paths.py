"""Per-user locations. Every path the core writes to comes from here, so tests can point them at tmp_path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP = "photoseek"


def library_home(override: str | os.PathLike[str] | None = None) -> Path:
    """Folder that holds the catalog, indexes, settings, installed packs and caches.

    Order: explicit ``override`` (``--library``), then ``PHOTOSEEK_HOME``, then the per-user data dir.
    """
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get("PHOTOSEEK_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_home(home: Path) -> Path:
    """Thumbnail cache. Under a PHOTOSEEK_HOME library it lives beside it; otherwise in the user cache dir."""
    env = os.environ.get("PHOTOSEEK_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    default_home = Path(platformdirs.user_data_dir(APP, appauthor=False))
    if home != default_home:
        return home / "cache"
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def installed_models_dir(home: Path) -> Path:
    return home / "models"


def builtin_models_dir() -> Path | None:
    """The packs that ship with PhotoSeek (``models/`` at the top of the source tree or beside the package)."""
    env = os.environ.get("PHOTOSEEK_BUILTIN_MODELS")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    frozen = getattr(sys, "_MEIPASS", None)  # a PyInstaller build unpacks data beside the code
    cands = [Path(frozen) / "models"] if frozen else []
    for cand in (*cands, here.parents[3] / "models", here.parents[1] / "models"):
        if cand.is_dir():
            return cand
    return None
