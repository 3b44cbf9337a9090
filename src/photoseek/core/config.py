"""User settings: a dataclass stored as TOML in the library folder, with a schema version and migrations."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photoseek.core.errors import ConfigError

CONFIG_VERSION = 2


@dataclass(frozen=True)
class Settings:
    schema_version: int = CONFIG_VERSION
    model: str = "basic"  # id of the active model pack
    index_threads: int = 0  # ONNX Runtime threads; 0: as many as index_cores
    decode_workers: int = 0  # 0: as many as index_cores
    index_cores: int = 0  # cores indexing may use; 0: all but one in the app, all in `photoseek index`
    device: str = "cpu"  # where models run: cpu, auto, cuda, directml, coreml, openvino (see domain.Device)
    batch_size: int = 8  # images per model call and transaction (16 holds ~50 MB more activations with ViT-B-32)
    thumbnail_size: int = 192  # grid cell size in the GUI, pixels
    thumbnail_cache_mb: int = 512
    follow_symlinks: bool = True
    skip_hidden: bool = True
    read_text: bool = True  # the OCR pass: find the words in photos after their vectors are in
    text_threads: int = 0  # 0: half the cores
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
    """Write settings atomically: a unique temp file in the same folder, flushed, then renamed over the old one,
    so two writers (threads or processes) never share a temp file and a reader never sees half a file."""
    import tomli_w  # the TOML writer loads with the first change of settings, not with every read-only command

    path.parent.mkdir(parents=True, exist_ok=True)
    data = tomli_w.dumps(dataclasses.asdict(settings)).encode("utf-8")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise ConfigError(f"cannot save settings {path}: {e.strerror}") from e
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


class SettingsStore:
    """The one place settings change. ``Settings`` is frozen: callers read a snapshot with :meth:`get` and change
    fields with :meth:`update`, which applies and saves under one lock so concurrent updates never lose each other.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._settings = load_settings(path)

    def get(self) -> Settings:
        return self._settings

    def update(self, **changes: Any) -> Settings:
        """Apply ``changes`` (field=value) and save. ``gui={...}`` is merged into the front-end state, not replaced.

        Raises:
            ConfigError: an unknown field, or the file cannot be written (the change is then not applied).
        """
        names = {f.name for f in dataclasses.fields(Settings)} - {"schema_version"}
        unknown = set(changes) - names
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        with self._lock:
            if "gui" in changes:
                changes["gui"] = {**self._settings.gui, **changes["gui"]}
            new = dataclasses.replace(self._settings, **changes)
            save_settings(self.path, new)
            self._settings = new
            return new
