"""The active model(s) of a library: one embedder and one vector index per model id, and switching between packs.

A switch to a pack that lacks vectors is not immediate: the pack becomes the *target* (recorded in the catalog, so
every process sees it), index runs compute its vectors after the active model's, and the switch happens when the
last photo has one. Searches keep using the active model meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from photoseek.core.config import Settings
from photoseek.core.domain import Device
from photoseek.core.errors import ConfigError, ModelPackError
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.priority import core_budget, cpu_set, usable_cores
from photoseek.core.runtime.providers import (
    ProviderChoice,
    available_providers,
    choose,
    choose_installed,
    device_options,
    parse_device,
)
from photoseek.core.runtime.registry import ModelRegistry
from photoseek.core.runtime.session_cache import SessionCache
from photoseek.core.storage.catalog import Catalog
from photoseek.core.storage.vector_index import VectorIndex

if TYPE_CHECKING:  # listings for the settings and `models list`; a search builds neither
    from photoseek.core.reports import DeviceOption, ModelInfo

log = logging.getLogger(__name__)

TARGET_MODEL = "target_model"  # catalog setting: the pack being switched to (vectors still being computed)


class ModelSet:
    """Embedders and vector indexes by model id, created on first use and kept for the library's life.

    Args:
        registry: where packs are found by id or path.
        catalog: holds the vectors and the switch target.
        index_dir: folder of the vector index files.
        settings: the current settings (``model``, ``index_threads``).
        switch_to: makes a pack the active one in the settings (called when a switch completes).
        override: a pack id or path used instead of the settings' (the CLI's ``--model``).
        threads: cores indexing may use when the settings do not say (a headless run passes all of them).
        read_only: open indexes memory-mapped and refresh them before each use.
        device: where models run instead of the settings' (the CLI's ``--device``).
        cache: where optimised copies of the models are kept.
    """

    def __init__(self, registry: ModelRegistry, catalog: Catalog, index_dir: Path, *,
                 settings: Callable[[], Settings], switch_to: Callable[[str], object], override: str | None = None,
                 threads: int | None = None, read_only: bool = False, device: str | None = None,
                 cache: SessionCache | None = None) -> None:
        self.registry = registry
        self.catalog = catalog
        self.index_dir = index_dir
        self._settings = settings
        self._save_active = switch_to
        self._override = override
        self._threads = threads
        # indexing's decoders run below the model (faster) in a run nobody waits on but for its indexing: a front
        # end without a window (it passes the cores); one that answers searches meanwhile turns it off
        self.headless = bool(threads)
        self._read_only = read_only
        self._device = device
        self.cache = cache
        self._lock = threading.RLock()
        self._embedders: dict[str, Embedder] = {}
        self._vindexes: dict[str, VectorIndex] = {}

    # the active model -----------------------------------------------------------------------------------------
    def active_name(self) -> str:
        """The pack name or path in use (the override, else the settings')."""
        return self._override or self._settings().model

    def active_id(self) -> str:
        """The active pack's id without loading it (its name when the pack cannot be found)."""
        try:
            return self.registry.resolve(self.active_name()).id
        except ModelPackError:
            return self.active_name()

    def embedder_for(self, name: str) -> Embedder:
        """The embedder of a pack, created on first use. Its core budget and device follow the settings: a change
        made since the last call is applied here (new sessions on next use), so it needs no restart."""
        cores = self.cores()
        threads, cpus, device = self._settings().index_threads or cores, cpu_set(cores), self.device()
        with self._lock:
            emb = self._embedders.get(name)
            if emb is None:
                pack = self.registry.resolve(name)
                emb = Embedder(pack, threads=threads, device=device, cache=self.cache, cpus=cpus,
                               split_images=self.headless)
                self._embedders[name] = emb
                self._embedders[pack.id] = emb
        if emb.reconfigure(threads=threads, cpus=cpus, device=device, split_images=self.headless):
            log.info("model %s now runs on %s with %d threads", emb.model_id, device.value, threads)
        return emb

    def vindex_for(self, emb: Embedder) -> VectorIndex:
        with self._lock:
            vi = self._vindexes.get(emb.model_id)
            if vi is None:
                vi = VectorIndex(self.index_dir, emb.model_id, emb.dim, self.catalog, writable=not self._read_only)
                self._vindexes[emb.model_id] = vi
            elif self._read_only:
                vi.refresh()
            return vi

    @property
    def embedder(self) -> Embedder:
        return self.embedder_for(self.active_name())

    def cores(self) -> int:
        """How many cores indexing may use (the ``index_cores`` setting, else what the front end asked for)."""
        s = self._settings().index_cores
        return core_budget(s, interactive=False) if s > 0 else core_budget(self._threads or 0,
                                                                         interactive=not self._threads)

    def release_images(self) -> None:
        """Let every image model's session go (the next image embedding loads it again), e.g. before the OCR pass
        loads its own models."""
        with self._lock:
            embedders = set(self._embedders.values())
        for emb in embedders:
            emb.release_images()

    def core_limits(self) -> tuple[int, int]:
        """(the cores indexing takes when ``index_cores`` is 0, the cores this process may use)."""
        return core_budget(self._threads or 0, interactive=not self._threads), usable_cores()

    def device(self) -> Device:
        """The device asked for (``--device``, else the ``device`` setting)."""
        value = self._device or self._settings().device
        try:
            return parse_device(value)
        except ValueError as e:
            raise ConfigError(str(e), hint="Fix `device` in config.toml or the --device flag.") from None

    @staticmethod
    def device_options() -> list[DeviceOption]:
        """Every device and whether the installed onnxruntime can run it (imports onnxruntime: not for a GUI
        thread)."""
        return device_options(available_providers())

    def provider(self) -> ProviderChoice:
        """What runs the models, without loading any: from the active embedder when it exists, else from what the
        installed onnxruntime offers."""
        with self._lock:
            emb = self._embedders.get(self.active_name())
        if emb is not None:
            return self.embedder_for(self.active_name()).provider  # with a device changed since, applied
        device = self.device()
        return choose(device, []) if device is Device.CPU else choose_installed(device)

    @property
    def vindex(self) -> VectorIndex:
        return self.vindex_for(self.embedder)

    # switching ------------------------------------------------------------------------------------------------
    def target(self) -> str | None:
        """The pack being switched to, while its vectors are still being computed."""
        return self.catalog.get_setting(TARGET_MODEL) or None

    def use(self, name: str) -> bool:
        """Switch to another pack: True when immediate (every photo has its vectors), else it becomes the target."""
        pack = self.registry.resolve(name)
        if pack.id == self.embedder.model_id:
            self.catalog.set_setting(TARGET_MODEL, "")
            return True
        if not self.catalog.ids_without_vector(pack.id, limit=1):
            self.complete_switch(pack.id)
            return True
        self.catalog.set_setting(TARGET_MODEL, pack.id)
        return False

    def complete_switch(self, pack_id: str) -> None:
        self._save_active(pack_id)
        self._override = None
        self.catalog.set_setting(TARGET_MODEL, "")

    def to_index(self) -> list[tuple[str, bool]]:
        """``(name, is_target)`` of the models an index run embeds for: the active one, then the target."""
        out = [(self.active_name(), False)]
        target = self.target()
        if target and target != self.embedder.model_id:
            out.append((target, True))
        return out

    def embedder_or_drop_target(self, name: str, is_target: bool) -> Embedder | None:
        """The embedder for ``name``; None (and the switch abandoned) when a target pack has been removed."""
        try:
            return self.embedder_for(name)
        except ModelPackError:
            if not is_target:
                raise
            log.warning("model pack %s being switched to is gone; staying on %s", name, self.embedder.model_id)
            self.catalog.set_setting(TARGET_MODEL, "")
            return None

    # the catalog side -----------------------------------------------------------------------------------------
    def drop(self, ids: list[int]) -> None:
        """Remove photos from every open (writable) vector index."""
        if not ids:
            return
        with self._lock:
            indexes = list(self._vindexes.items())
        for model_id, vi in indexes:
            if vi.writable:
                vi.remove(ids, self.catalog.model_version(model_id))

    def save(self) -> None:
        with self._lock:
            for vi in self._vindexes.values():
                if vi.writable:
                    vi.save()

    def infos(self) -> list[ModelInfo]:
        """Every installed pack, which one is active and how many vectors each has."""
        from photoseek.core.reports import ModelInfo

        counts = self.catalog.vector_counts()
        active = self.active_name()
        return [ModelInfo(id=pack.id, name=pack.name, path=str(pack.root), embed_dim=pack.embed_dim,
                          size_bytes=pack.size_bytes(), builtin=builtin, active=active in (pack.id, pack.root.name),
                          vectors=counts.get(pack.id, 0))
                for pack, builtin in self.registry.packs()]

    def install(self, source: str, *, name: str | None = None, quantize: bool = False,
                allow_download: bool = False) -> ModelPack:
        """Install a pack, then optimise its models once, so its first search starts fast."""
        pack = self.registry.install(source, name=name, quantize=quantize, allow_download=allow_download)
        if self.cache is not None:
            Embedder(pack, threads=1, device=self.device(), cache=self.cache).prepare()
        return pack

    def verify(self) -> dict[str, list[str]]:
        return {pack.id: pack.verify() for pack, _ in self.registry.packs()}
