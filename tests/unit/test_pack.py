"""Model packs: loading, verification and installation of a tiny real ONNX pack."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from photoseek.core.errors import ModelPackError
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import MANIFEST_FORMAT, ModelPack, write_manifest
from photoseek.core.runtime.registry import ModelRegistry
from tiny_pack import DIM, SIZE


@pytest.fixture
def pack_dir(tmp_path, tiny_models) -> Path:
    d = tmp_path / "src" / "tiny"
    shutil.copytree(tiny_models / "tiny", d)
    return d


def _rewrite_manifest(d: Path) -> None:
    write_manifest(d, pack_id="tiny", name="Tiny", license="MIT", source="test")


def test_load_reads_config_and_manifest(pack_dir):
    p = ModelPack.load(pack_dir)
    assert (p.id, p.embed_dim, p.context_length) == ("tiny", DIM, 16)
    assert p.preprocess.size == (SIZE, SIZE) and p.license == "MIT"
    assert p.verify() == []


def test_missing_file_is_named(pack_dir):
    (pack_dir / "textual" / "tokenizer.json").unlink()
    with pytest.raises(ModelPackError, match="textual/tokenizer.json") as ei:
        ModelPack.load(pack_dir)
    assert "incomplete" in str(ei.value) and ei.value.hint


def test_not_a_folder(tmp_path):
    with pytest.raises(ModelPackError, match="not found"):
        ModelPack.load(tmp_path / "nope")


def test_invalid_json_names_the_file(pack_dir):
    (pack_dir / "config.json").write_text("{embed_dim: 24")
    with pytest.raises(ModelPackError, match="config.json is not valid JSON"):
        ModelPack.load(pack_dir)


@pytest.mark.parametrize("cfg", [{"embed_dim": "wide"}, {"text_cfg": {}}, {"embed_dim": 0}, {"embed_dim": -3}])
def test_bad_embed_dim(pack_dir, cfg):
    (pack_dir / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelPackError, match="embed_dim"):
        ModelPack.load(pack_dir)


def test_bad_preprocess_config(pack_dir):
    (pack_dir / "visual" / "preprocess_cfg.json").write_text('{"resize_mode": "stretch"}')
    with pytest.raises(ModelPackError, match="preprocess_cfg.json is invalid"):
        ModelPack.load(pack_dir)


def test_verify_detects_changed_byte_and_extra_file(pack_dir):
    model = pack_dir / "visual" / "model.onnx"
    data = bytearray(model.read_bytes())
    data[-1] ^= 0xFF
    model.write_bytes(bytes(data))
    (pack_dir / "textual" / "stray.bin").write_bytes(b"x")
    problems = ModelPack.load(pack_dir).verify()
    assert "visual/model.onnx: checksum mismatch (file changed or corrupt)" in problems
    assert "textual/stray.bin: not listed in manifest" in problems
    assert len(problems) == 2


def test_verify_without_manifest_says_so(pack_dir):
    (pack_dir / "manifest.json").unlink()
    p = ModelPack.load(pack_dir)
    assert p.id == "tiny"  # folder name
    assert "no manifest" in p.verify()[0]


# --- registry / install ----------------------------------------------------------------------------------------

def test_install_from_folder(pack_dir, home):
    reg = ModelRegistry(home)
    pack = reg.install(str(pack_dir), name="mine")
    assert pack.id == "mine" and pack.root == home / "models" / "mine"
    assert pack.verify() == []
    assert reg.resolve("mine").id == "mine"
    assert {p.id for p, _ in reg.packs()} == {"tiny", "mine"}
    assert not [p for p in (home / "models").iterdir() if p.name.startswith(".install")]  # staging cleaned up
    with pytest.raises(ModelPackError, match="already installed"):
        reg.install(str(pack_dir), name="mine")


def test_install_from_zip(pack_dir, home, tmp_path):
    z = tmp_path / "tiny.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in pack_dir.rglob("*"):
            if f.is_file():
                zf.write(f, f"tiny/{f.relative_to(pack_dir).as_posix()}")
    pack = ModelRegistry(home).install(str(z), name="zipped")
    assert pack.verify() == [] and pack.embed_dim == DIM


def test_install_refuses_damaged_pack(pack_dir, home):
    (pack_dir / "textual" / "tokenizer_config.json").write_text('{"pad_token": "[UNK]"}')
    with pytest.raises(ModelPackError, match="failed its checksums"):
        ModelRegistry(home).install(str(pack_dir), name="x")
    assert not (home / "models" / "x").exists()


def test_install_refuses_embed_dim_that_does_not_match_model(pack_dir, home):
    (pack_dir / "config.json").write_text(json.dumps({"embed_dim": DIM + 8, "text_cfg": {"context_length": 16}}))
    _rewrite_manifest(pack_dir)
    with pytest.raises(ModelPackError, match=rf"returns shape \(1, {DIM}\), config.json says embed_dim={DIM + 8}"):
        ModelRegistry(home).install(str(pack_dir), name="bad")
    assert not (home / "models" / "bad").exists()


def test_install_from_url_needs_permission(home):
    with pytest.raises(ModelPackError, match="allow-download") as ei:
        ModelRegistry(home).install("https://example.com/pack.zip")
    assert "never goes online" in ei.value.hint


def test_install_refuses_zip_with_path_traversal(home, tmp_path, pack_dir):
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(pack_dir / "config.json", "tiny/config.json")
        zf.writestr("../../escaped.txt", "gotcha")
    with pytest.raises(ModelPackError, match="unsafe path"):
        ModelRegistry(home).install(str(z))
    assert not list(tmp_path.rglob("escaped.txt")) and not list(home.rglob("escaped.txt"))


def test_install_refuses_zip_escaping_to_a_sibling_with_the_same_prefix(home, tmp_path, pack_dir):
    z = tmp_path / "sly.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(pack_dir / "config.json", "tiny/config.json")
        zf.writestr("../unzipped-evil/x.txt", "gotcha")  # "<tmp>/unzipped-evil" starts with "<tmp>/unzipped"
    with pytest.raises(ModelPackError, match="unsafe path"):
        ModelRegistry(home).install(str(z))


def test_install_nonexistent_source(home, tmp_path):
    with pytest.raises(ModelPackError, match="no such file"):
        ModelRegistry(home).install(str(tmp_path / "missing"))


def test_resolve_unknown_lists_available(home):
    with pytest.raises(ModelPackError, match="available: tiny"):
        ModelRegistry(home).resolve("clip-huge")


def test_install_quantized_pack_still_agrees(pack_dir, home, make_photo, tmp_path):
    reg = ModelRegistry(home)
    q = reg.install(str(pack_dir), quantize=True)
    assert q.id == "tiny-int8" and q.verify() == []
    assert q.visual_path.read_bytes() != (pack_dir / "visual" / "model.onnx").read_bytes()
    ref, quant = Embedder(ModelPack.load(pack_dir), threads=1), Embedder(q, threads=1)
    rng = np.random.default_rng(0)
    pixels = rng.standard_normal((4, 3, SIZE, SIZE)).astype(np.float32)
    cos_img = np.sum(ref.embed_pixels(pixels) * quant.embed_pixels(pixels), axis=1)
    texts = ["red", "a photo of blue", "green yellow"]
    cos_txt = np.sum(ref.embed_texts(texts) * quant.embed_texts(texts), axis=1)
    assert cos_img.min() > 0.99, cos_img
    assert cos_txt.min() > 0.99, cos_txt


def test_manifest_carries_its_format_and_older_manifests_still_load(pack_dir):
    data = json.loads((pack_dir / "manifest.json").read_text())
    assert data["format"] == MANIFEST_FORMAT
    # a manifest written before the format number existed (format 0) has the same fields: read as is
    del data["format"]
    (pack_dir / "manifest.json").write_text(json.dumps(data))
    p = ModelPack.load(pack_dir)
    assert p.id == "tiny" and p.verify() == []


@pytest.mark.parametrize("fmt", [MANIFEST_FORMAT + 1, "2", -1])
def test_manifest_from_a_newer_photoseek_is_refused_with_a_hint(pack_dir, fmt):
    data = json.loads((pack_dir / "manifest.json").read_text())
    data["format"] = fmt
    (pack_dir / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(ModelPackError, match="format") as ei:
        ModelPack.load(pack_dir)
    assert "Update PhotoSeek" in (ei.value.hint or "")


def test_a_pack_without_a_manifest_is_named_after_its_folder_or_zip(home, tmp_path, pack_dir):
    """Immich's exports carry no manifest: the installed pack takes the folder's name (as a valid id), or the zip
    file's when the pack sits at the zip's top level."""
    foreign = tmp_path / "My CLIP (Immich)"
    shutil.copytree(pack_dir, foreign)
    (foreign / "manifest.json").unlink()
    reg = ModelRegistry(home)
    assert reg.install(str(foreign)).id == "My-CLIP-Immich"
    z = tmp_path / "holiday models.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in foreign.rglob("*"):
            zf.write(f, f.relative_to(foreign).as_posix())
    assert reg.install(str(z)).id == "holiday-models"
    assert sorted(p.id for p, builtin in reg.packs() if not builtin) == ["My-CLIP-Immich", "holiday-models"]
