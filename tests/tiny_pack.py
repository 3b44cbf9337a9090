"""A tiny but real model pack for tests: ONNX graphs built with onnx.helper, a real tokenizers file.

The image model averages 4x4 blocks of the normalised pixels and projects them; the text model sums word vectors.
Colour words are given the vector a uniform image of that colour gets, so "red" finds red photos: enough meaning
to assert on ranking while going through exactly the code path a real CLIP pack takes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZE = 32
DIM = 24
MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)
COLORS = {
    "red": (220, 30, 30),
    "green": (30, 180, 40),
    "blue": (30, 60, 220),
    "yellow": (235, 220, 40),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
    "orange": (245, 140, 20),
    "purple": (130, 40, 170),
}


def _projection() -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.standard_normal((3 * 16, DIM)).astype(np.float32)


def _color_feature(rgb: tuple[int, int, int], w: np.ndarray) -> np.ndarray:
    px = (np.asarray(rgb, dtype=np.float32) / 255.0 - np.asarray(MEAN, np.float32)) / np.asarray(STD, np.float32)
    feat = np.repeat(px, 16)  # channel-major, like Flatten of [3,4,4]
    v = feat @ w
    return v / np.linalg.norm(v)


def build_tiny_pack(root: Path, pack_id: str = "tiny") -> Path:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    from photoseek.core.runtime.pack import write_manifest

    root = Path(root)
    (root / "visual").mkdir(parents=True, exist_ok=True)
    (root / "textual").mkdir(parents=True, exist_ok=True)
    w = _projection()

    # visual: [N,3,32,32] -> AveragePool 8x8 -> [N,3,4,4] -> Flatten -> MatMul -> [N,DIM]
    g = helper.make_graph(
        [
            helper.make_node("AveragePool", ["pixels"], ["pooled"], kernel_shape=[8, 8], strides=[8, 8]),
            helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "W"], ["embeddings"]),
        ],
        "tiny_visual",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["N", DIM])],
        [numpy_helper.from_array(w, "W")],
    )
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=9), root / "visual" / "model.onnx")

    words = ["[PAD]", "[UNK]", *COLORS, "photo", "of", "a"]
    vocab = {t: i for i, t in enumerate(words)}
    table = np.zeros((len(words), DIM), dtype=np.float32)
    for name, rgb in COLORS.items():
        table[vocab[name]] = _color_feature(rgb, w)
    rng = np.random.default_rng(3)
    for filler in ("photo", "of", "a"):
        table[vocab[filler]] = rng.standard_normal(DIM).astype(np.float32) * 0.05
    g = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["vecs"], axis=0),
            helper.make_node("ReduceSum", ["vecs", "axes"], ["embeddings"], keepdims=0),
        ],
        "tiny_textual",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["N", "L"])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["N", DIM])],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")],
    )
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=9), root / "textual" / "model.onnx")

    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(root / "textual" / "tokenizer.json"))
    (root / "textual" / "tokenizer_config.json").write_text(json.dumps({"pad_token": "[PAD]"}))
    (root / "config.json").write_text(json.dumps({"embed_dim": DIM, "text_cfg": {"context_length": 16}}))
    (root / "visual" / "preprocess_cfg.json").write_text(
        json.dumps({"size": [SIZE, SIZE], "mean": MEAN, "std": STD, "interpolation": "bicubic", "resize_mode": "shortest"})
    )
    write_manifest(root, pack_id=pack_id, name="Tiny test pack", license="MIT", source="tests/tiny_pack.py")
    return root
