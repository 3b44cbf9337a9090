"""ONNX Runtime's optimised copy of each model, written once and loaded without optimising again.

Graph optimisation (fusing attention, layer norms, GELU, constant folding) costs a text query most of its session
start-up. ORT can save the optimised graph; loading that file with optimisation off is the fast path. The weights go
to a file of their own beside the graph, which onnxruntime memory-maps instead of copying: the text session of
ViT-B-32 then starts in 0.03 s instead of 0.15 s (int8) or 0.75 s (fp32), with 40 / 180 MB less private memory, and
processes using the same model share its pages. Each copy is a folder (graph + weights) published by one rename.

The copy is a cache: its name carries :data:`CACHE_FORMAT`, the onnxruntime version, the machine type and the
source file's identity (its manifest checksum, else size and mtime), so a new onnxruntime, another machine or a
changed pack never loads a stale graph; a copy that fails to load is deleted and rebuilt. Only CPU sessions are
cached: what other execution providers fuse is theirs to decide at load time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_FORMAT = 2  # bump when what is saved, or how it is keyed, changes; 2: a folder with the weights apart
GRAPH = "model.onnx"
WEIGHTS = "weights.data"  # every initializer of at least WEIGHTS_MIN_BYTES, memory-mapped when loaded
WEIGHTS_MIN_BYTES = 1024
NONE = ".none"  # beside where a derived model's copy would be: the model has no such form


def derived_key(source: Path, digest: str | None, *versions: str) -> str:
    """A short name for a file derived from ``source``: the formats and library versions that made it, and the
    source's identity (its manifest checksum, else its path, size and modification time)."""
    if digest is None:
        st = source.stat()
        digest = f"{st.st_size}-{st.st_mtime_ns}"
    raw = "|".join([*versions, str(source.resolve()), digest])
    return hashlib.blake2b(raw.encode("utf-8"), digest_size=10).hexdigest()


def cache_key(model: Path, *, digest: str | None, ort_version: str) -> str:
    """The identity of one optimised model: format, onnxruntime, machine and the source file."""
    return derived_key(model, digest, str(CACHE_FORMAT), ort_version, platform.machine())


class SessionCache:
    """Optimised models of every pack under one folder (``<library cache>/ort``).

    Args:
        folder: where the optimised copies live; created on first write. None disables the cache.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def path_for(self, model: Path, label: str, digest: str | None) -> Path | None:
        """The folder of the optimised copy of ``model`` (``label`` names it for people: pack id and side)."""
        if self.folder is None:
            return None
        import onnxruntime as ort

        return self.folder / f"{label}.f{CACHE_FORMAT}.{cache_key(model, digest=digest, ort_version=ort.__version__)}"

    def open(self, model: Path, label: str, digest: str | None, opts: Any, providers: list[str], *,
             create: Callable[..., Any] | None = None) -> Any:
        """An InferenceSession for ``model``: from its optimised copy when there is one, else optimising it now and
        saving the result for next time. ``opts`` are the caller's session options (threads, logging); ``create``
        makes the session (default ``onnxruntime.InferenceSession``; the embedder's runs it below normal priority)."""
        cached = self.path_for(model, label, digest)
        session = self._load(cached, opts, providers, create)
        return session if session is not None else self._optimise(model, cached, label, opts, providers, create)

    def open_derived(self, model: Path, label: str, digest: str | None, opts: Any, providers: list[str], *,
                     derive: Callable[[Path], Path | None], create: Callable[..., Any] | None = None) -> Any | None:
        """An InferenceSession for a model derived from ``model`` (``label`` names the derived one), or None when
        there is none. ``derive(folder)`` writes the derived model into ``folder`` and returns its path, or None
        when ``model`` has no such form; it runs only when neither the derived model's optimised copy nor a note
        that there is none is kept (so once per source file and onnxruntime). The derived model itself is not
        kept: its optimised copy is what loads. Without a cache folder there is no derived model."""
        cached = self.path_for(model, label, digest)
        if cached is None or cached.with_name(cached.name + NONE).is_file():
            return None
        session = self._load(cached, opts, providers, create)
        if session is not None:
            return session
        work = self._temp_for(cached)
        if work is None:
            return None
        try:
            source = derive(work)
            if source is None:
                for old in cached.parent.glob(f"{label}.f*{NONE}"):  # notes for an older onnxruntime or source
                    _remove(old)
                cached.with_name(cached.name + NONE).touch()
                return None
            return self._optimise(source, cached, label, opts, providers, create)
        finally:
            _remove(work)

    @staticmethod
    def _load(cached: Path | None, opts: Any, providers: list[str], create: Callable[..., Any] | None) -> Any | None:
        """The session of a kept optimised copy, or None when there is none (a damaged one is deleted)."""
        if cached is None or not (cached / GRAPH).is_file():
            return None
        import onnxruntime as ort

        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return (create or ort.InferenceSession)(os.fspath(cached / GRAPH), sess_options=opts, providers=providers)
        except Exception as e:  # a damaged or foreign copy: drop it and optimise again
            log.warning("optimised model %s does not load (%s); rebuilding it", cached.name, e)
            _remove(cached)
            return None

    def _optimise(self, model: Path, cached: Path | None, label: str, opts: Any, providers: list[str],
                  create: Callable[..., Any] | None) -> Any:
        """A session for ``model`` optimised now, its optimised graph kept as ``cached`` when that can be written."""
        import onnxruntime as ort

        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        tmp = self._temp_for(cached) if cached is not None else None
        if tmp is not None:
            opts.optimized_model_filepath = os.fspath(tmp / GRAPH)
            opts.add_session_config_entry("session.optimized_model_external_initializers_file_name", WEIGHTS)
            opts.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes",
                                          str(WEIGHTS_MIN_BYTES))
        try:
            session = (create or ort.InferenceSession)(os.fspath(model), sess_options=opts, providers=providers)
        except Exception:
            if tmp is not None:
                _remove(tmp)
            raise
        if tmp is not None and cached is not None:
            self._keep(tmp, cached, label)
        return session

    def _temp_for(self, cached: Path) -> Path | None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=f".{cached.name}.", suffix=".tmp", dir=cached.parent))
        except OSError as e:  # read-only or full cache folder: run unoptimised-on-disk, optimised in memory
            log.info("cannot write optimised models to %s: %s", cached.parent, e)
            return None

    def _keep(self, tmp: Path, cached: Path, label: str) -> None:
        """Publish a freshly written copy atomically (one rename of its folder) and drop older copies of the same
        model. When another process published the same copy first, the rename fails and ours goes."""
        try:
            if not (tmp / GRAPH).is_file() or (tmp / GRAPH).stat().st_size == 0:  # onnxruntime could not save it
                _remove(tmp)
                return
            os.rename(tmp, cached)
        except OSError as e:
            log.info("cannot keep optimised model %s: %s", cached.name, e)
            _remove(tmp)
            return
        for old in cached.parent.glob(f"{label}.f*"):  # format 1 copies were single files
            if old != cached:
                _remove(old)


def _remove(p: Path) -> None:
    """Delete a copy (a folder, or a file of an older format); what is in use elsewhere (Windows) stays."""
    if p.is_dir():
        shutil.rmtree(p, ignore_errors=True)
        return
    try:
        p.unlink()
    except OSError:
        pass
