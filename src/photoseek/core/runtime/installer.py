"""Getting a catalog model into the library: download (resumable, verified), int8 conversion, install.

:class:`ModelInstaller` is what front ends call (through ``Library``); every method but :meth:`ModelInstaller.get`
works offline. ``get`` blocks for minutes: call it from a worker thread, pass a progress callback (called on that
thread, at most every 0.1 s; return False to stop) and/or a :class:`threading.Event` to cancel. A stopped download
keeps its bytes; calling ``get`` again resumes it.
"""

from __future__ import annotations

import enum
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from photoseek.core.errors import Cancelled, DownloadError
from photoseek.core.runtime.catalog import Catalog, CatalogEntry, load_catalog
from photoseek.core.runtime.download import (
    DownloadPhase,
    DownloadProgress,
    DownloadProgressFn,
    HubDownloader,
    RemoteFile,
)
from photoseek.core.runtime.pack import ModelPack, write_manifest
from photoseek.core.runtime.quantize import quantize_model
from photoseek.core.runtime.registry import ModelRegistry
from photoseek.core.runtime.text_length import install_any_length

MANIFEST_FORMAT = 1
TEXT_MODEL = "textual/model.onnx"
DOWNLOADS = ".downloads"  # under the installed-models folder; dot-folders are not packs


class Precision(enum.StrEnum):
    INT8 = "int8"
    FP32 = "fp32"


@dataclass(frozen=True)
class AvailableModel:
    """A catalog entry and where the library stands with it."""

    entry: CatalogEntry
    installed: bool
    partial_bytes: int  # bytes kept from an unfinished download (0 if none)

    def to_json(self) -> dict[str, Any]:
        return {**self.entry.to_json(), "installed": self.installed, "partial_bytes": self.partial_bytes}


class ModelInstaller:
    """Catalog + downloader + registry.

    Args:
        registry: where packs are installed.
        endpoint: Hub URL (default ``$HF_ENDPOINT`` or huggingface.co).
        timeout: seconds to wait for the server to answer.
        catalog: the catalog (default: the one shipped with PhotoSeek).
    """

    def __init__(self, registry: ModelRegistry, *, endpoint: str | None = None, timeout: float = 15.0,
                 catalog: Catalog | None = None) -> None:
        self.registry = registry
        self.catalog = catalog or load_catalog()
        self.downloader = HubDownloader(registry.installed_dir / DOWNLOADS, endpoint=endpoint, timeout=timeout)

    def installed_pack(self, entry: CatalogEntry) -> ModelPack | None:
        for pack, _ in self.registry.packs():
            if pack.id == entry.id:
                return pack
        return None

    def available(self) -> list[AvailableModel]:
        """Every catalog entry, whether it is installed, and how much of it is already downloaded. No network."""
        installed = {p.id for p, _ in self.registry.packs()}
        return [AvailableModel(e, e.id in installed, self.downloader.partial_bytes(e)) for e in self.catalog.entries]

    def discard_partial(self, entry_id: str) -> None:
        self.downloader.discard(self.catalog.get(entry_id))

    def get(self, entry_id: str, *, quantize: bool = True, progress: DownloadProgressFn | None = None,
            cancel: threading.Event | None = None) -> ModelPack:
        """Download, verify, convert to int8 (unless ``quantize`` is False) and install a catalog model.

        Returns the installed pack (at once, without network, when it is installed already). It is installed under
        the catalog id; switching to it is the caller's decision (``Library.use_model``).

        Raises:
            Cancelled: stopped by ``progress`` or ``cancel`` (downloaded bytes are kept for a resume).
            NetworkError, DownloadError: see :meth:`HubDownloader.fetch`.
            ModelPackError: the downloaded pack does not load or run; nothing is installed.
        """
        entry = self.catalog.get(entry_id)
        have = self.installed_pack(entry)
        if have is not None:
            return have
        stage, remote = self.downloader.fetch(entry, progress=progress, cancel=cancel)
        total = sum(r.size for r in remote)

        def phase(p: DownloadPhase) -> None:
            keep = progress(DownloadProgress(p, total, total)) if progress is not None else True
            if keep is False or (cancel is not None and cancel.is_set()):
                raise Cancelled(f"{entry.id}: stopped before installing; the download is kept",
                                hint=f"Run `photoseek models get {entry.id}` again to finish.")

        build = self.registry.installed_dir / f".build-{entry.id}"
        shutil.rmtree(build, ignore_errors=True)
        try:
            phase(DownloadPhase.QUANTIZING if quantize else DownloadPhase.INSTALLING)
            self._build(entry, stage, remote, build, quantize)
            phase(DownloadPhase.INSTALLING)
            pack = self.registry.install(str(build), name=entry.id)
        except OSError as e:
            raise DownloadError(f"installing {entry.id} failed: {e.strerror or e}") from e
        finally:
            shutil.rmtree(build, ignore_errors=True)
        self.downloader.discard(entry)
        if progress is not None:
            progress(DownloadProgress(DownloadPhase.DONE, total, total))
        return pack

    def _build(self, entry: CatalogEntry, stage: Path, remote: list[RemoteFile], build: Path, quantize: bool) -> None:
        """The pack as it will be installed: the Hub's files (models int8 when asked; a text model exported for a
        fixed number of ids made to take any length, checked in full precision before it is quantized) and our
        manifest."""
        with tempfile.TemporaryDirectory(prefix=".text-", dir=build.parent) as work:
            cut = install_any_length(stage, Path(work))
            for r in remote:
                src, dst = stage / r.path, build / r.path
                if cut is not None and r.path == TEXT_MODEL:
                    src = cut
                dst.parent.mkdir(parents=True, exist_ok=True)
                if quantize and r.path.endswith("model.onnx"):
                    quantize_model(src, dst)
                else:
                    shutil.copy2(src, dst)
        precision = Precision.INT8 if quantize else Precision.FP32
        write_manifest(
            build, pack_id=entry.id, name=entry.name + (" int8" if quantize else ""), license=entry.license,
            source=f"{self.downloader.endpoint}/{entry.repo}", format=MANIFEST_FORMAT, repo=entry.repo,
            revision=entry.revision, commit=remote[0].commit if remote else entry.revision, family=entry.family,
            languages=list(entry.languages), precision=precision,
            hub_files={r.path: {"size": r.size, "etag": r.etag} for r in remote},
            **({"trim_padding": True} if cut is not None else {}),
        )

