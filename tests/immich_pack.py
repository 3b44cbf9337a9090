"""An Immich-layout CLIP pack built from tests/data/clip_tiny, as Immich's exporter would have written it.

Immich (machine-learning/export, openclip.py) exports ``model.encode_image`` / ``model.encode_text`` with
``input_names=["image"]`` / ``["text"]`` (text ids int32), ``output_names=["embedding"]`` and no dynamic axes, so
the batch size is fixed at 1; next to the models it saves open_clip's model config as config.json, open_clip's
preprocess cfg, and the Hugging Face tokenizer files of ``openai/clip-vit-base-patch32`` (pad token
``<|endoftext|>``); there is no manifest.json. The tokenizer and JSON files live in tests/data/immich_clip_tiny
(scripts/make_immich_fixture.py); the ONNX graphs are clip_tiny's with Immich's names, dtypes and static batch.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "clip_tiny"
IMMICH = DATA / "immich_clip_tiny"
PACK_FILES = (
    "config.json", "visual/model.onnx", "visual/preprocess_cfg.json", "textual/model.onnx",
    "textual/tokenizer.json", "textual/tokenizer_config.json",
)


def _immich_graph(src: Path, dst: Path, in_name: str, int32: bool) -> None:
    import onnx
    from onnx import TensorProto, helper

    m = onnx.load(str(src))
    g = m.graph
    old_in, old_out = g.input[0], g.output[0]
    inner = old_in.name + "_inner"  # the exported graph's own input becomes an internal value
    ren = {old_in.name: inner, "embedding": "embedding_inner"}  # Immich's output name may be taken inside
    for node in g.node:
        node.input[:] = [ren.get(x, x) for x in node.input]
        node.output[:] = [ren.get(x, x) if x == "embedding" else x for x in node.output]
    if old_out.name == "embedding":
        old_out.name = "embedding_inner"
    dims = [d.dim_value or d.dim_param for d in old_in.type.tensor_type.shape.dim]
    dims[0] = 1
    elem = TensorProto.INT32 if int32 else old_in.type.tensor_type.elem_type
    new_in = helper.make_tensor_value_info(in_name, elem, dims)
    nodes = [helper.make_node("Cast", [in_name], [inner], to=old_in.type.tensor_type.elem_type)
             if int32 else helper.make_node("Identity", [in_name], [inner])]
    out_dims = [d.dim_value or d.dim_param for d in old_out.type.tensor_type.shape.dim]
    out_dims[0] = 1
    new_out = helper.make_tensor_value_info("embedding", old_out.type.tensor_type.elem_type, out_dims)
    tail = helper.make_node("Identity", [old_out.name], ["embedding"])
    all_nodes = nodes + list(g.node) + [tail]
    del g.node[:]
    g.node.extend(all_nodes)
    del g.input[:]
    g.input.extend([new_in])
    del g.output[:]
    g.output.extend([new_out])
    onnx.checker.check_model(m)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(m, str(dst))


def build_immich_pack(dest: Path) -> Path:
    """Write the pack to ``dest`` (a new folder) and return it."""
    for rel in ("config.json", "visual/preprocess_cfg.json", "textual/tokenizer.json",
                "textual/tokenizer_config.json", "textual/special_tokens_map.json"):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(IMMICH / rel, dest / rel)
    _immich_graph(TINY / "visual" / "model.onnx", dest / "visual" / "model.onnx", "image", int32=False)
    _immich_graph(TINY / "textual" / "model.onnx", dest / "textual" / "model.onnx", "text", int32=True)
    return dest


def int8_matmuls(path: Path) -> int:
    """How many MatMuls of an ONNX model run in int8 (after dynamic quantization)."""
    import onnx

    return sum(n.op_type == "MatMulInteger" for n in onnx.load(str(path)).graph.node)
