"""A pack exactly as Immich publishes it (no manifest, HF tokenizer files, pad token <|endoftext|>, input names
image/text, int32 ids, batch fixed at 1) gives open_clip's embeddings, installs, and converts to int8."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageOps  # noqa: E402

from golden import cos_rows, load_golden  # noqa: E402
from immich_pack import build_immich_pack, int8_matmuls  # noqa: E402
from photoseek.core.runtime.embedder import Embedder  # noqa: E402
from photoseek.core.runtime.pack import ModelPack  # noqa: E402
from photoseek.core.runtime.registry import ModelRegistry  # noqa: E402
from photoseek.core.runtime.text_length import fixed_length  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = DATA / "clip_tiny_golden"
EOT = 49407


@pytest.fixture(scope="module")
def golden() -> tuple[dict, dict[str, np.ndarray]]:
    return load_golden(GOLDEN)


@pytest.fixture(scope="module")
def immich(tmp_path_factory: pytest.TempPathFactory) -> ModelPack:
    return ModelPack.load(build_immich_pack(tmp_path_factory.mktemp("immich") / "ViT-B-32__openai"))


def test_token_ids_are_open_clips_padded_with_the_hub_pad_token(immich: ModelPack, golden: tuple) -> None:
    meta, g = golden
    assert immich.manifest == {} and immich.tokenizer_config["pad_token"] == "<|endoftext|>"
    ours = Embedder(immich).tokenize(meta["token_strings"])
    ref = g["token_ids"].astype(np.int64)
    checked = 0
    for i, s in enumerate(meta["token_strings"]):
        if "<start_of_text>" in s or "<end_of_text>" in s:
            continue  # open_clip's own special-token spelling; the HF vocab spells them <|startoftext|>
        checked += 1
        n = int(np.argmax(ref[i] == EOT)) + 1  # open_clip pads with 0 after <end_of_text>; Immich with 49407
        assert ours[i, :n].tolist() == ref[i, :n].tolist(), s
        assert (ours[i, n:] == EOT).all(), s
    assert checked >= 48


def test_embeddings_match_pytorch_through_batch_one_models(immich: ModelPack, golden: tuple) -> None:
    meta, g = golden
    emb = Embedder(immich, threads=2)
    cos = cos_rows(emb.embed_texts(meta["texts"]), g["text_embeddings"])
    assert cos.min() >= 0.999, cos
    images = []
    for name in meta["photos"]:
        with Image.open(DATA / "photos" / name) as im:
            images.append(ImageOps.exif_transpose(im).convert("RGB"))
    assert len(images) > 1  # the visual model takes one image at a time: the batch is sliced
    cos = cos_rows(emb.embed_images(images), g["image_embeddings"])
    assert cos.min() >= 0.999, cos


def test_installs_with_a_manifest_and_quantizes_on_a_plain_install(tmp_path: Path, immich: ModelPack,
                                                                    golden: tuple, caplog) -> None:
    meta, g = golden
    reg = ModelRegistry(tmp_path / "lib")
    pack = reg.install(str(immich.root), name="vit-b32", quantize=True)
    assert pack.id == "vit-b32-int8" and pack.verify() == []
    assert "pre-processing" not in caplog.text  # onnxruntime's advice to its own users is not shown to ours
    assert int8_matmuls(pack.visual_path) >= 6 and int8_matmuls(pack.textual_path) >= 6
    # the text model, fixed at 77 ids, takes any length now (made so in fp32, then quantized)
    assert pack.manifest["trim_padding"] is True and fixed_length(onnx.load(str(pack.textual_path))) is None
    cos = cos_rows(Embedder(pack).embed_texts(meta["texts"]), g["text_embeddings"])
    assert cos.min() >= 0.98, cos
    assert [p.id for p, _ in reg.packs() if not _] == ["vit-b32-int8"]


def test_without_a_name_an_immich_pack_is_named_after_its_folder(tmp_path: Path, immich: ModelPack) -> None:
    assert ModelRegistry(tmp_path / "lib").install(str(immich.root)).id == "ViT-B-32__openai"  # not "pack"


def test_canonicalize_flag_in_immich_config_cleans_text_like_open_clip(tmp_path: Path) -> None:
    """Immich marks SigLIP packs with config.json text_cfg.tokenizer_kwargs.clean = canonicalize (its textual.py
    reads that key): lower case, no punctuation, before the tokenizer."""
    root = build_immich_pack(tmp_path / "siglip-like")
    cfg = json.loads((root / "config.json").read_text(encoding="utf-8"))
    plain = Embedder(ModelPack.load(root)).tokenize(["A Dog, running!"])
    cfg["text_cfg"]["tokenizer_kwargs"] = {"clean": "canonicalize"}
    (root / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    emb = Embedder(ModelPack.load(root))
    assert emb.tokenize(["A Dog, running!"]).tolist() == emb.tokenize(["a dog running"]).tolist()
    assert plain.tolist() != emb.tokenize(["a dog running"]).tolist()  # without the flag the comma stays a token
