"""Which model packs exist (built in, or installed into the library) and how to install one."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from photoseek.core.errors import ModelPackError
from photoseek.core.paths import builtin_models_dir, installed_models_dir
from photoseek.core.runtime.pack import ModelPack, write_manifest
from photoseek.core.runtime.text_length import install_any_length

log = logging.getLogger(__name__)


class ModelRegistry:
    """Packs shipped with PhotoSeek plus packs the user installed into ``<home>/models``."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.installed_dir = installed_models_dir(home)
        self.builtin_dir = builtin_models_dir()

    def _candidates(self) -> list[tuple[Path, bool]]:
        out: list[tuple[Path, bool]] = []
        for root, builtin in ((self.builtin_dir, True), (self.installed_dir, False)):
            if root is None or not root.is_dir():
                continue
            for d in sorted(root.iterdir()):
                if (d / "config.json").is_file() and not d.name.startswith("."):
                    out.append((d, builtin))
        return out

    def packs(self) -> list[tuple[ModelPack, bool]]:
        """Every loadable pack with whether it is built in. Broken packs are logged and left out."""
        out = []
        seen: set[str] = set()
        for d, builtin in self._candidates():
            try:
                pack = ModelPack.load(d)
            except ModelPackError as e:
                log.warning("skipping model pack %s: %s", d, e)
                continue
            if pack.id in seen:
                continue
            seen.add(pack.id)
            out.append((pack, builtin))
        return out

    def resolve(self, name: str) -> ModelPack:
        """A pack by id or folder name, or a path to a pack folder."""
        p = Path(name).expanduser()
        if (os.sep in name or "/" in name) and p.is_dir():
            return ModelPack.load(p)
        for d, _ in self._candidates():
            if d.name == name:
                return ModelPack.load(d)
        for pack, _ in self.packs():
            if pack.id == name:
                return pack
        known = ", ".join(sorted(p.id for p, _ in self.packs())) or "none"
        raise ModelPackError(
            f"model pack {name!r} is not installed (available: {known})",
            hint="Install one with `photoseek models install PATH`, or pick one from `photoseek models list`.",
        )

    def install(self, source: str, *, name: str | None = None, quantize: bool = False,
                allow_download: bool = False) -> ModelPack:
        """Copy a pack (folder, .zip, or URL when ``allow_download``) into the library and check it.

        A pack with a manifest must match its checksums; one without (e.g. an Immich export) gets a manifest
        written at install. ``quantize`` converts both models to int8 with dynamic quantization (skipped for a pack
        that is int8 already and for the built-in pack).
        """
        self.installed_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.installed_dir, prefix=".install-") as tmp:
            unzipped = Path(tmp) / "unzipped"
            src = _unzipped(self._fetch(source, Path(tmp), allow_download), unzipped)
            if not src.is_dir():
                raise ModelPackError(f"{source} is neither a pack folder nor a zip file")
            src = _pack_root(src)
            # a pack without a manifest (an Immich export) is named after its folder, or its zip file's name
            staging = Path(tmp) / "staging" / _as_id(Path(source.rstrip("/")).stem if src == unzipped else src.name)
            shutil.copytree(src, staging)
            pack = ModelPack.load(staging)
            problems = pack.verify() if pack.manifest.get("files") else []
            if problems:
                raise ModelPackError(
                    f"model pack {pack.id} failed its checksums: " + "; ".join(problems[:5]),
                    hint="The download or copy is damaged; fetch the pack again.",
                )
            _check_runs(pack)
            pack_id = name or pack.id
            # already int8 (ours or a re-install), or our built-in pack (its fp16 classifier loses 5 points top-1
            # as int8): nothing to convert
            quantize = quantize and pack.manifest.get("precision") != "int8" and not pack.id.endswith("-int8") \
                and pack.id != "basic"
            extra = {k: v for k, v in pack.manifest.items() if k not in ("id", "name", "license", "source", "files")}
            if quantize:
                # a text model fixed at 77 ids takes any length from now on, checked in full precision first
                cut = install_any_length(staging, Path(tmp))
                if cut is not None:
                    os.replace(cut, pack.textual_path)
                    extra["trim_padding"] = True
                _quantize(pack)
                pack_id = pack_id if pack_id.endswith("-int8") else f"{pack_id}-int8"
            write_manifest(
                staging, pack_id=pack_id, name=pack.name if not quantize else f"{pack.name} (int8)",
                license=pack.license, source=pack.source if pack.source != "unknown" else str(source), **extra,
            )
            dest = self.installed_dir / pack_id
            if dest.exists():
                raise ModelPackError(f"a model pack named {pack_id!r} is already installed",
                                     hint="Remove it from the models folder first, or install under another name.")
            os.replace(staging, dest)
        return ModelPack.load(dest)

    def _fetch(self, source: str, tmp: Path, allow_download: bool) -> Path:
        if source.startswith(("http://", "https://")):
            if not allow_download:
                raise ModelPackError("installing from a URL needs an explicit --allow-download",
                                     hint="PhotoSeek never goes online unless you ask it to.")
            import urllib.request

            dest = tmp / "download.zip"
            try:
                with urllib.request.urlopen(source, timeout=60) as r, dest.open("wb") as f:  # noqa: S310
                    shutil.copyfileobj(r, f)
            except OSError as e:
                raise ModelPackError(f"download failed: {e}") from e
            return dest
        p = Path(source).expanduser()
        if not p.exists():
            raise ModelPackError(f"no such file or folder: {source}")
        return p


def _unzipped(src: Path, dest: Path) -> Path:
    """A zip file's contents, extracted into ``dest``; ``src`` itself when it is not a zip file. (zipfile loads
    here: a search opens the registry but installs nothing.)"""
    import zipfile

    if not (src.is_file() and zipfile.is_zipfile(src)):
        return src
    with zipfile.ZipFile(src) as z:
        root = dest.resolve()
        for info in z.infolist():
            target = (dest / info.filename).resolve()
            if not target.is_relative_to(root):  # a string prefix test would let "../dest-evil/..." through
                raise ModelPackError(f"{src.name} contains an unsafe path: {info.filename}")
        z.extractall(dest)
    return dest


def _as_id(name: str) -> str:
    """``name`` as a pack id (letters, digits and ``._+-``), e.g. a folder called "My CLIP" -> "My-CLIP"."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", name).strip("-._+")[:100] or "pack"


def _pack_root(folder: Path) -> Path:
    if (folder / "config.json").is_file():
        return folder
    subs = [d for d in folder.iterdir() if d.is_dir() and (d / "config.json").is_file()]
    if len(subs) == 1:
        return subs[0]
    raise ModelPackError(f"{folder.name}: no config.json found (is this a model pack?)")


def _check_runs(pack: ModelPack) -> None:
    """Load both models and embed one image and one text, so a mismatched pack is refused at install."""
    import numpy as np

    from photoseek.core.runtime.embedder import Embedder

    emb = Embedder(pack, threads=1)
    h, w = pack.preprocess.size
    img = emb.embed_pixels(np.zeros((1, 3, h, w), dtype=np.float32))
    txt = emb.embed_texts(["a photo"])
    if img.shape != (1, pack.embed_dim) or txt.shape != (1, pack.embed_dim):
        raise ModelPackError(f"model pack {pack.id}: embedding sizes do not match config.json")


def _quantize(pack: ModelPack) -> None:
    # --- issue 9 (catalog): int8 conversion lives in runtime/quantize.py (onnx is now a runtime dependency) ---
    from photoseek.core.runtime.quantize import quantize_pack

    quantize_pack(pack.root)
