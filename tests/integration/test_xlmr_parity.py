"""Parity of PhotoSeek's text path with open_clip's multilingual XLM-RoBERTa CLIP (Immich's
XLM-Roberta-Base-ViT-B-32): HF text tower that builds its attention mask from the pad id inside the graph (ids are
the only input), XLM-R tokenizer files (pad <pad> = 1), open_clip's default 'whitespace' cleaning (ftfy + html
unescape, no lower-casing) read from config.json's hf_tokenizer_name as Immich's pack has it. Tiny random model and
goldens from scripts/make_xlmr_golden.py; the image tower is a CLIP ViT (tests/integration/test_clip_parity.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from golden import assert_same_ids, cos_rows, load_golden
from photoseek.core.runtime.embedder import Embedder
from photoseek.core.runtime.pack import ModelPack

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def golden() -> tuple[dict, dict[str, np.ndarray]]:
    return load_golden(DATA / "xlmr_tiny_golden")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(ModelPack.load(DATA / "xlmr_tiny"), threads=2)


def test_pack_matches_the_goldens(embedder: Embedder, golden: tuple) -> None:
    meta, _ = golden
    assert embedder.pack.verify() == [] and embedder.pack.manifest["files"] == meta["pack_manifest_files"]
    assert "text_clean" not in embedder.pack.tokenizer_config  # cleaning comes from config.json, as in Immich's


def test_token_ids_identical_to_open_clip(embedder: Embedder, golden: tuple) -> None:
    meta, g = golden
    ours = embedder.tokenize(meta["token_strings"])
    assert ours.shape == (50, 77)
    assert_same_ids(ours, g["token_ids"].astype(np.int64), meta["token_strings"])


def test_text_embeddings_match_pytorch(embedder: Embedder, golden: tuple) -> None:
    meta, g = golden
    np.testing.assert_array_equal(embedder.tokenize(meta["texts"]), g["text_token_ids"].astype(np.int64))
    cos = cos_rows(embedder.embed_texts(meta["texts"]), g["text_embeddings"])
    assert cos.min() >= 0.999, dict(zip(meta["texts"], cos.round(5).tolist(), strict=True))
