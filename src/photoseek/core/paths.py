"""Per-user locations. Every path the core writes to comes from here, so tests can point them at tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

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
    import platformdirs  # only here: a search with --library or PHOTOSEEK_HOME asks a holder with the stdlib alone

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_home(home: Path) -> Path:
    """Thumbnail cache. Under a PHOTOSEEK_HOME library it lives beside it; otherwise in the user cache dir."""
    env = os.environ.get("PHOTOSEEK_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    default_home = Path(platformdirs.user_data_dir(APP, appauthor=False))
    if home != default_home:
        return home / "cache"
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def installed_models_dir(home: Path) -> Path:
    return home / "models"


def builtin_models_dir() -> Path | None:
    """The folder of packs that ship with PhotoSeek: the one lookup for every way it runs.

    Order: ``PHOTOSEEK_BUILTIN_MODELS``; the package's own ``photoseek/models/`` (a wheel install, where setup.py maps
    ``models/basic`` in as package data, and the PyInstaller bundle, which keeps that layout); then ``models/`` at
    the top of a source checkout (``make run``, an editable install).
    """
    env = os.environ.get("PHOTOSEEK_BUILTIN_MODELS")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]
    checkout = package.parents[1]
    for cand in (package / "models", checkout / "models"):
        if cand.is_dir() and (cand is not checkout / "models" or (checkout / "pyproject.toml").is_file()):
            return cand
    return None
