"""Model packs: a folder with a visual and a textual ONNX model plus their preprocessing and tokenizer files.

Layout (the one Immich publishes for its OpenCLIP / SigLIP exports, plus our ``manifest.json``)::

    config.json                     embed_dim, text_cfg.context_length, ...
    visual/model.onnx               pixels float32 [N,3,H,W] -> embeddings [N,D]
    visual/preprocess_cfg.json      size, mean, std, interpolation, resize_mode
    textual/model.onnx              token ids [N,L] -> embeddings [N,D]
    textual/tokenizer.json          Hugging Face ``tokenizers`` file
    textual/tokenizer_config.json
    manifest.json                   id, name, license, source, sha256 of every file (optional for foreign packs)
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photoseek.core.errors import ModelPackError
from photoseek.core.imaging.preprocess import PreprocessConfig

REQUIRED_FILES = (
    "config.json",
    "visual/model.onnx",
    "visual/preprocess_cfg.json",
    "textual/model.onnx",
    "textual/tokenizer.json",
)
OPTIONAL_FILES = ("textual/tokenizer_config.json",)
MANIFEST = "manifest.json"
# manifest.json format: 1 adds "format" itself; 0 (no "format" key) has the same fields and is read as is.
MANIFEST_FORMAT = 1
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def pack_files(root: Path) -> list[str]:
    """Relative paths (posix) of every regular file in a pack except the manifest, sorted."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != MANIFEST and not p.name.startswith("."):
            out.append(p.relative_to(root).as_posix())
    return out


def write_manifest(root: Path, *, pack_id: str, name: str, license: str, source: str, **extra: Any) -> dict[str, Any]:
    """Write ``manifest.json`` with the sha256 of every file; used by build scripts and ``models install``."""
    extra.pop("format", None)
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "id": pack_id,
        "name": name,
        "license": license,
        "source": source,
        **extra,
        "files": {rel: sha256_file(root / rel) for rel in pack_files(root)},
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return manifest


@dataclass(frozen=True)
class ModelPack:
    """A validated pack on disk. Loading checks layout and config; :meth:`verify` checks checksums."""

    root: Path
    id: str
    name: str
    embed_dim: int
    context_length: int
    preprocess: PreprocessConfig
    license: str = "unknown"
    source: str = "unknown"
    manifest: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    config: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def trims_padding(self) -> bool:
        """The text model gives the same embedding for ids cut after the longest text, and takes any length up to
        ``context_length`` (``text_cfg.trim_padding``: scripts/export_open_clip.py writes it for CLIP towers with a
        causal mask and end-of-text pooling; ``trim_padding`` in the manifest: a catalog download whose fixed-length
        text model was made to take any length at install). A query then costs its own length, not the context's."""
        text_cfg = self.config.get("text_cfg")
        return self.manifest.get("trim_padding") is True or (isinstance(text_cfg, dict)
                                                              and text_cfg.get("trim_padding") is True)

    @property
    def visual_path(self) -> Path:
        return self.root / "visual" / "model.onnx"

    @property
    def textual_path(self) -> Path:
        return self.root / "textual" / "model.onnx"

    @property
    def tokenizer_path(self) -> Path:
        return self.root / "textual" / "tokenizer.json"

    @property
    def tokenizer_config(self) -> dict[str, Any]:
        p = self.root / "textual" / "tokenizer_config.json"
        if not p.is_file():
            return {}
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelPackError(f"model pack {self.id}: textual/tokenizer_config.json is not valid JSON ({e})") from e
        return data if isinstance(data, dict) else {}

    def checksum(self, path: Path) -> str | None:
        """The manifest's sha256 of one of the pack's files (None for a foreign pack or an unlisted file)."""
        files = self.manifest.get("files")
        digest = files.get(path.relative_to(self.root).as_posix()) if isinstance(files, dict) else None
        return digest if isinstance(digest, str) else None

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

    @classmethod
    def load(cls, root: str | Path) -> ModelPack:
        """Open the pack at ``root``.

        Raises:
            ModelPackError: a file is missing, a JSON file is invalid, or the config is inconsistent. The message
                names the file and what to do.
        """
        root = Path(root).expanduser()
        if not root.is_dir():
            raise ModelPackError(f"model pack not found: {root}", hint="Give the folder that holds config.json.")
        missing = [rel for rel in REQUIRED_FILES if not (root / rel).is_file()]
        if missing:
            raise ModelPackError(
                f"model pack {root.name} is incomplete: missing {', '.join(missing)}",
                hint="Copy the whole pack folder again (visual/, textual/, config.json).",
            )
        config = _read_json(root, "config.json")
        manifest = _read_json(root, MANIFEST) if (root / MANIFEST).is_file() else {}
        fmt = manifest.get("format", 0)
        if not isinstance(fmt, int) or not 0 <= fmt <= MANIFEST_FORMAT:
            raise ModelPackError(
                f"model pack {root.name}: manifest.json has format {fmt!r}; this PhotoSeek reads up to {MANIFEST_FORMAT}",
                hint="Update PhotoSeek to use this pack.",
            )
        try:
            embed_dim = int(config["embed_dim"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelPackError(f"model pack {root.name}: config.json has no valid embed_dim") from e
        text_cfg = config.get("text_cfg") or {}
        context_length = int(text_cfg.get("context_length", 77))
        if embed_dim <= 0 or context_length <= 0:
            raise ModelPackError(f"model pack {root.name}: embed_dim and context_length must be positive")
        try:
            pre = PreprocessConfig.from_dict(_read_json(root, "visual/preprocess_cfg.json"))
        except ValueError as e:
            raise ModelPackError(f"model pack {root.name}: visual/preprocess_cfg.json is invalid: {e}") from e
        pack_id = str(manifest.get("id") or root.name)
        if not _ID_RE.match(pack_id):
            raise ModelPackError(f"model pack {root.name}: id {pack_id!r} is not a valid name (letters, digits, ._+-)")
        return cls(
            root=root,
            id=pack_id,
            name=str(manifest.get("name") or pack_id),
            embed_dim=embed_dim,
            context_length=context_length,
            preprocess=pre,
            license=str(manifest.get("license", "unknown")),
            source=str(manifest.get("source", "unknown")),
            manifest=manifest,
            config=config,
        )

    def verify(self) -> list[str]:
        """Check every file against the manifest. Returns problems (empty when all is well)."""
        files = self.manifest.get("files")
        if not isinstance(files, dict) or not files:
            return ["no manifest with checksums (foreign pack): install it with `photoseek models install` to add one"]
        problems = []
        for rel, digest in sorted(files.items()):
            p = self.root / rel
            if not p.is_file():
                problems.append(f"{rel}: missing")
            elif sha256_file(p) != digest:
                problems.append(f"{rel}: checksum mismatch (file changed or corrupt)")
        extra = set(pack_files(self.root)) - set(files)
        problems.extend(f"{rel}: not listed in manifest" for rel in sorted(extra))
        return problems


def _read_json(root: Path, rel: str) -> dict[str, Any]:
    try:
        data = json.loads((root / rel).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelPackError(f"model pack {root.name}: {rel} is not valid JSON ({e})") from e
    if not isinstance(data, dict):
        raise ModelPackError(f"model pack {root.name}: {rel} must hold a JSON object")
    return data
