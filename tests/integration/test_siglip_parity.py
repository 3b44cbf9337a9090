"""Parity of PhotoSeek's SigLIP2 path with open_clip/PyTorch, on a tiny random-weight model with the layer types of
ViT-B-16-SigLIP2 (MAP-pooled timm ViT, bidirectional text tower pooled at the last position, context 64) and a
tokenizer trained offline in the Hub's Gemma tokenizer.json format (scripts/make_siglip_golden.py).

Because the text tower pools the last position without an attention mask, every pad token reaches the embedding:
the token ids must match exactly, padding included.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from golden import assert_same_ids, cos_rows, load_golden
from photoseek.core.imaging.preprocess import to_model_input
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack

DATA = Path(__file__).resolve().parents[1] / "data"
PACK = DATA / "siglip2_tiny"
GOLDEN = DATA / "siglip2_tiny_golden"


@pytest.fixture(scope="module")
def golden() -> tuple[dict, dict[str, np.ndarray]]:
    return load_golden(GOLDEN)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(ModelPack.load(PACK), threads=2)


def _photos(meta: dict) -> list[Image.Image]:
    out = []
    for name in meta["photos"]:
        with Image.open(DATA / "photos" / name) as im:
            out.append(ImageOps.exif_transpose(im).convert("RGB"))
    return out


def test_pack_matches_the_goldens(embedder: Embedder, golden: tuple) -> None:
    meta, _ = golden
    assert embedder.pack.verify() == [] and embedder.pack.manifest["files"] == meta["pack_manifest_files"]
    assert embedder.pack.context_length == 64 and embedder.pack.preprocess.resize_mode == "squash"


def test_token_ids_identical_to_open_clip_hf_tokenizer(embedder: Embedder, golden: tuple) -> None:
    meta, g = golden
    ours = embedder.tokenize(meta["token_strings"])
    assert ours.shape == (50, 64)
    assert_same_ids(ours, g["token_ids"].astype(np.int64), meta["token_strings"])


def test_immich_layout_cleans_from_config_json(tmp_path: Path, golden: tuple) -> None:
    """The Hub's tokenizer_config.json has no text_clean: canonicalize comes from config.json, as Immich reads it."""
    meta, g = golden
    root = tmp_path / "ViT-B-16-SigLIP2__webli"
    shutil.copytree(PACK, root)
    (root / "manifest.json").unlink()
    cfg_path = root / "textual" / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    del cfg["text_clean"]
    cfg_path.write_text(json.dumps(cfg), encoding="utf-8")
    ours = Embedder(ModelPack.load(root)).tokenize(meta["token_strings"])
    np.testing.assert_array_equal(ours, g["token_ids"].astype(np.int64))


def test_text_embeddings_match_pytorch(embedder: Embedder, golden: tuple) -> None:
    meta, g = golden
    np.testing.assert_array_equal(embedder.tokenize(meta["texts"]), g["text_token_ids"].astype(np.int64))
    cos = cos_rows(embedder.embed_texts(meta["texts"]), g["text_embeddings"])
    assert cos.min() >= 0.999, dict(zip(meta["texts"], cos.round(5).tolist(), strict=True))


def test_squash_preprocessing_and_image_embeddings_match(embedder: Embedder, golden: tuple) -> None:
    meta, g = golden
    images = _photos(meta)
    ref = g["reference_pixels"].astype(np.float32)
    for i, im in enumerate(images):
        err = float(np.abs(to_model_input(im, embedder.pack.preprocess) - ref[i]).max())
        assert err <= 2e-3, f"{meta['photos'][i]}: pixels differ from open_clip's by up to {err:.4f}"
    cos = cos_rows(embedder.embed_images(images), g["image_embeddings"])
    assert cos.min() >= 0.999, dict(zip(meta["photos"], cos.round(5).tolist(), strict=True))
