#!/usr/bin/env python3
"""Export tests/data/clip_tiny's text tower the way Immich's exporter does, for tests/unit/test_text_length.py.

Immich's Hub packs were made by machine-learning/export (openclip.py + optimize.py): ``model.forward =
encode_text(normalize=True)``, ``torch.backends.mha.set_fastpath_enabled(False)``, ``torch.onnx.export`` with the
TorchScript exporter, ids int32 of shape [1, 77] with no dynamic axes, ``input_names=["text"]``,
``output_names=["embedding"]``, then onnxruntime's basic graph optimisation saved over the file. Such a graph has
the length 77 in dozens of constants (positional embedding, causal masks, Reshape targets), unlike the dynamo
exports of scripts/export_open_clip.py, so the any-length rewrite (core/runtime/text_length.py) is tested on both.

The model is clip_tiny's own: the same scaled-down config, seed and fp16 rounding as scripts/make_parity_golden.py,
checked against tests/data/clip_tiny_golden before export, so those goldens are this graph's references too. One
change from Immich's file, to keep the repository small: the token-embedding table (49408 x 64) is stored as
float16 behind a Cast (lossless: the weights are fp16-representable), as clip_tiny's pack does.

    /work/buildvenv/bin/python scripts/make_immich_textual.py      # torch, open-clip-torch, onnx, onnxruntime
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import export_open_clip as E  # noqa: E402
import make_parity_golden as G  # noqa: E402

OUT = REPO / "tests" / "data" / "immich_clip_tiny" / "textual_torchscript" / "model.onnx"
OPSET = 17


def main() -> int:
    import onnxruntime as ort
    import torch

    open_clip = E.import_open_clip()
    with tempfile.TemporaryDirectory() as td:
        (Path(td) / f"{G.ARCH}.json").write_text(json.dumps(G.TINY_CFG), encoding="utf-8")
        open_clip.add_model_config(td)
    model = E.create_model(open_clip, G.ARCH, None, G.SEED)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    golden = np.load(G.GOLDEN / "golden.npz")
    with torch.no_grad():
        ids = torch.from_numpy(golden["text_token_ids"].astype(np.int64))
        same = model.encode_text(ids, normalize=True).numpy()
    if not np.allclose(same, golden["text_embeddings"], atol=1e-5):
        raise SystemExit("this is not clip_tiny's model: its text embeddings differ from clip_tiny_golden")

    torch.backends.mha.set_fastpath_enabled(False)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)

    def encode_text(text: torch.Tensor) -> torch.Tensor:
        return model.encode_text(text, normalize=True)

    model.forward = encode_text
    OUT.parent.mkdir(parents=True, exist_ok=True)
    raw = OUT.with_suffix(".raw.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.ones(1, 77, dtype=torch.int32),), str(raw), input_names=["text"],
                          output_names=["embedding"], opset_version=OPSET, dynamo=False)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    opts.optimized_model_filepath = str(OUT)
    ort.InferenceSession(str(raw), sess_options=opts, providers=["CPUExecutionProvider"])
    raw.unlink()
    print("fp16 storage:", E.fp16_storage(OUT, 1 << 20))
    sess = ort.InferenceSession(str(OUT), providers=["CPUExecutionProvider"])
    got = np.concatenate([sess.run(None, {"text": row[None].astype(np.int32)})[0]
                          for row in golden["text_token_ids"]])
    err = float(np.abs(got - golden["text_embeddings"]).max())
    print(f"{OUT.relative_to(REPO)}: {OUT.stat().st_size} bytes, largest difference to the golden {err:.2g}")
    return 0 if err < 1e-5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
