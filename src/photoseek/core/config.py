"""User settings: a dataclass stored as TOML in the library folder, with a schema version and migrations."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from photoseek.core.errors import ConfigError

CONFIG_VERSION = 2


@dataclass
class Settings:
    schema_version: int = CONFIG_VERSION
    model: str = "basic"  # id of the active model pack
    index_threads: int = 0  # 0: all cores but one
    decode_workers: int = 0  # 0: chosen from the core count
    batch_size: int = 16
    thumbnail_size: int = 192  # grid cell size in the GUI, pixels
    thumbnail_cache_mb: int = 512
    follow_symlinks: bool = True
    skip_hidden: bool = True
    gui: dict[str, Any] = field(default_factory=dict)  # front-end state (window geometry, sort, ...)


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = int(data.get("schema_version", 1))
    if version < 2:  # v1 called the active pack "model_id"
        if "model_id" in data:
            data["model"] = data.pop("model_id")
        version = 2
    data["schema_version"] = version
    return data


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults. Unknown keys are ignored so older apps can read newer files."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as e:
        raise ConfigError(f"cannot read settings {path}: {e.strerror}") from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"settings file {path} is not valid TOML: {e}",
                          hint="Fix or delete the file; defaults will be used.") from e
    data = _migrate(data)
    names = {f.name: f for f in dataclasses.fields(Settings)}
    kwargs: dict[str, Any] = {}
    for k, v in data.items():
        f = names.get(k)
        if f is None:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = None
        # bool is an int subclass: "batch_size = true" must not pass as 1
        wrong_bool = isinstance(v, bool) and not isinstance(default, bool)
        if default is not None and (wrong_bool or not isinstance(v, type(default))):
            raise ConfigError(f"settings file {path}: {k} should be {type(default).__name__}, not {v!r}")
        kwargs[k] = v
    return Settings(**kwargs)


def save_settings(path: Path, settings: Settings) -> None:
    """Write settings atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    data = dataclasses.asdict(settings)
    try:
        tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        raise ConfigError(f"cannot save settings {path}: {e.strerror}") from e
