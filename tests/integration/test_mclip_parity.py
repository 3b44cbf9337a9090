"""Parity of PhotoSeek's text path with M-CLIP (XLM-RoBERTa) as Immich exports it: inputs input_ids +
attention_mask (int32, fixed [1, 77]), masked-mean pooling, XLM-R tokenizer files (pad <pad> = 1). Goldens from
scripts/make_mclip_golden.py (transformers' tokenizer and the PyTorch module on a tiny random XLM-R).

The image tower of Immich's M-CLIP packs is OpenAI's ViT (tests/integration/test_clip_parity.py): here the pack
reuses tests/data/clip_tiny's, so it is a complete pack that installs and converts to int8.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from golden import assert_same_ids, cos_rows, load_golden
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.registry import ModelRegistry

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = DATA / "mclip_tiny_golden"


@pytest.fixture(scope="module")
def golden() -> tuple[dict, dict[str, np.ndarray]]:
    return load_golden(GOLDEN)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> ModelPack:
    root = tmp_path_factory.mktemp("mclip") / "XLM-Roberta-Large-Vit-B-32"
    (root / "textual").mkdir(parents=True)
    shutil.copy2(DATA / "clip_tiny" / "config.json", root / "config.json")
    shutil.copytree(DATA / "clip_tiny" / "visual", root / "visual")
    for name in ("model.onnx", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy2(DATA / "mclip_tiny_textual" / name, root / "textual" / name)
    return ModelPack.load(root)


def test_token_ids_identical_to_transformers(pack: ModelPack, golden: tuple) -> None:
    meta, g = golden
    emb = Embedder(pack)
    ours = emb.tokenize(meta["token_strings"])
    assert ours.shape == (50, 77)
    assert_same_ids(ours, g["token_ids"].astype(np.int64), meta["token_strings"])
    assert emb._pad_id() == 1 and np.array_equal(ours != 1, g["token_mask"].astype(bool))  # the attention mask


def test_text_embeddings_match_pytorch(pack: ModelPack, golden: tuple) -> None:
    meta, g = golden
    emb = Embedder(pack, threads=2)
    np.testing.assert_array_equal(emb.tokenize(meta["texts"]), g["text_token_ids"].astype(np.int64))
    cos = cos_rows(emb.embed_texts(meta["texts"]), g["text_embeddings"])
    assert cos.min() >= 0.999, dict(zip(meta["texts"], cos.round(5).tolist(), strict=True))


def test_installs_as_int8(tmp_path: Path, pack: ModelPack, golden: tuple) -> None:
    meta, g = golden
    installed = ModelRegistry(tmp_path / "lib").install(str(pack.root), name="mclip", quantize=True)
    assert installed.verify() == []
    cos = cos_rows(Embedder(installed).embed_texts(meta["texts"]), g["text_embeddings"])
    assert cos.min() >= 0.99, cos
