"""Parity of PhotoSeek's CLIP path (Pillow/numpy preprocessing, tokenizers, onnxruntime) with open_clip/PyTorch.

tests/data/clip_tiny/ is an open_clip model with ViT-B-32's layer types, scaled down and randomly initialised,
exported by scripts/export_open_clip.py; tests/data/clip_tiny_golden/ holds what open_clip's own PyTorch model and
tokenizer produce, with CLIP's reference preprocessing. Both come from scripts/make_parity_golden.py (see
docs/clip-packs.md). Runtime dependencies only: no torch here.

A random model is not very sensitive to small preprocessing errors (a 1-pixel crop shift still gives cosine
~0.9996), so the preprocessed pixels are compared with the reference pixels too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")

from PIL import Image, ImageOps  # noqa: E402

from photoseek.core.imaging.decode import decode  # noqa: E402
from photoseek.core.imaging.preprocess import to_model_input  # noqa: E402
from photoseek.core.runtime.embedder import Embedder  # noqa: E402
from photoseek.core.runtime.pack import ModelPack  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
PACK = DATA / "clip_tiny"
GOLDEN = DATA / "clip_tiny_golden"
PHOTOS = DATA / "photos"

COS_EXACT = 0.999  # full decode vs PyTorch reference, and texts
COS_FAST = 0.995  # JPEG draft decode vs PyTorch reference (full decode)
PIXEL_ATOL = 2e-3  # reference pixels are stored as float16 (|x| < 3 -> rounding error <= 1e-3)


@pytest.fixture(scope="module")
def golden() -> tuple[dict, dict[str, np.ndarray]]:
    meta = json.loads((GOLDEN / "golden.json").read_text(encoding="utf-8"))
    with np.load(GOLDEN / "golden.npz") as z:
        arrays = {k: z[k] for k in z.files}
    return meta, arrays


@pytest.fixture(scope="module")
def pack() -> ModelPack:
    return ModelPack.load(PACK)


@pytest.fixture(scope="module")
def embedder(pack: ModelPack) -> Embedder:
    return Embedder(pack, threads=2)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def _full_decode(path: Path) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        return ImageOps.exif_transpose(im).convert("RGB")


def test_pack_is_intact_and_matches_golden(pack: ModelPack, golden: tuple[dict, dict]) -> None:
    meta, _ = golden
    assert pack.verify() == []
    # the goldens were computed for exactly these pack files
    assert pack.manifest["files"] == meta["pack_manifest_files"]
    assert pack.context_length == 77 and pack.embed_dim == meta["arch_config"]["embed_dim"]


def test_token_ids_identical_to_open_clip(embedder: Embedder, golden: tuple[dict, dict]) -> None:
    meta, g = golden
    strings = meta["token_strings"]
    assert len(strings) == 50
    ours = embedder.tokenize(strings)
    ref = g["token_ids"].astype(np.int64)
    assert ours.shape == ref.shape == (50, 77)
    bad = [(s, ours[i].tolist(), ref[i].tolist()) for i, s in enumerate(strings) if not np.array_equal(ours[i], ref[i])]
    assert not bad, f"{len(bad)} of 50 strings tokenise differently, first: {bad[0]!r}"


def test_text_embeddings_match_pytorch(embedder: Embedder, golden: tuple[dict, dict]) -> None:
    meta, g = golden
    texts = meta["texts"]
    np.testing.assert_array_equal(embedder.tokenize(texts), g["text_token_ids"].astype(np.int64))
    cos = _cos(embedder.embed_texts(texts), g["text_embeddings"])
    assert cos.min() >= COS_EXACT, dict(zip(texts, cos.round(5).tolist(), strict=True))


def test_preprocessed_pixels_match_reference(pack: ModelPack, golden: tuple[dict, dict]) -> None:
    meta, g = golden
    ref = g["reference_pixels"].astype(np.float32)
    for i, name in enumerate(meta["photos"]):
        ours = to_model_input(_full_decode(PHOTOS / name), pack.preprocess)
        assert ours.shape == ref[i].shape and ours.dtype == np.float32
        err = float(np.abs(ours - ref[i]).max())
        assert err <= PIXEL_ATOL, f"{name}: preprocessed pixels differ from CLIP's reference by up to {err:.4f}"


def test_image_embeddings_match_pytorch(pack: ModelPack, embedder: Embedder, golden: tuple[dict, dict]) -> None:
    meta, g = golden
    images = [_full_decode(PHOTOS / n) for n in meta["photos"]]
    cos = _cos(embedder.embed_images(images), g["image_embeddings"])
    assert cos.min() >= COS_EXACT, dict(zip(meta["photos"], cos.round(5).tolist(), strict=True))


def test_fast_decode_path_stays_close(pack: ModelPack, embedder: Embedder, golden: tuple[dict, dict]) -> None:
    meta, g = golden
    reduced = 0
    images = []
    for name in meta["photos"]:
        d = decode(PHOTOS / name, min_side=pack.preprocess.min_side)
        assert min(d.image.size) >= min(pack.preprocess.size[0], min(d.meta.width, d.meta.height))
        reduced += d.image.size != (d.meta.width, d.meta.height)
        images.append(d.image)
    assert reduced >= 2, "JPEG draft mode reduced fewer than 2 of the photos: the fast path is not being tested"
    cos = _cos(embedder.embed_pixels(np.stack([to_model_input(im, pack.preprocess) for im in images])), g["image_embeddings"])
    assert cos.min() >= COS_FAST, dict(zip(meta["photos"], cos.round(5).tolist(), strict=True))


def test_wordpiece_pack_still_tokenizes_with_its_pad_token(tmp_path: Path) -> None:
    """Same runtime, a BERT-style WordPiece tokenizer.json with pad_token [PAD]: no CLIP cleaning, [PAD] padding."""
    import shutil

    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    root = tmp_path / "wp"
    shutil.copytree(PACK, root)
    (root / "manifest.json").unlink()
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "tom", "&", "amp", ";", "jerry"])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tok.save(str(root / "textual" / "tokenizer.json"))
    (root / "textual" / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "BertTokenizer", "pad_token": "[PAD]"}), encoding="utf-8"
    )
    ids = Embedder(ModelPack.load(root)).tokenize(["Tom  &amp; Jerry"])
    assert ids.shape == (1, 77)
    assert ids[0, :7].tolist() == [2, 4, 5, 6, 7, 8, 3]  # entity NOT unescaped: CLIP cleaning is off
    assert (ids[0, 7:] == 0).all()
