"""Any-length copies of CLIP text models exported for a fixed number of tokens.

Immich's Hub packs (and any open_clip export without a dynamic sequence axis) take exactly ``context_length`` ids,
77 for CLIP: a query of 8 tokens pays for 77 positions (ViT-B-32 int8, warm: 15.8 ms instead of 5.3). A CLIP text tower
has a causal attention mask and pools at the end-of-text token, so positions after that token cannot change the
embedding; the graph only hard-codes the length in its constants. :func:`make_any_length` rewrites them to follow
the input's length:

- a float constant with an axis of that length (the positional embedding, the causal mask) is sliced to the ids
  given;
- an integer constant holding the length as a value (the target shapes of Reshape, Expand, Range's end) takes the
  input's length there instead.

That is a rule about constants, not a match on one exporter's node names, so it is checked, not trusted:
:func:`verify_any_length` runs both graphs on probe ids and the copy is used only when the cut ids give the fixed
graph's embedding (and the full-length ids give it exactly). The installer rewrites a downloaded model in full
precision, before int8 conversion; for packs installed otherwise the embedder keeps the verified copy's optimised
form in the session cache, so this happens once per pack and onnxruntime version.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.tokenizer import Tokenizer, load_tokenizer, pad_id
from photoseek.core.runtime.tokenizer_cache import TokenizerCache

log = logging.getLogger(__name__)

# texts of 3 to 77+ tokens whose embeddings an any-length copy of a text model must reproduce
PROBE_TEXTS = (
    "dog",
    "a photo of a dog",
    "sunset over the mountains with a lake in front",
    "two children in red coats playing with a brown dog in the snow next to an old wooden house, late afternoon",
    "Birthday party: 1 cake, 12 candles, grandma & grandpa, balloons (blue/white) - kitchen, 2019!",
    " ".join(["a long walk along the river past the old stone bridge and the market square"] * 6),
)
SEQ_DIM = "sequence"
# a full-length run of the copy must equal the fixed graph to float rounding; a cut run may differ by the rounding
# of shorter sums (fp32) or by dynamic int8 quantization taking its range from fewer activations (int8 graphs)
FULL_TOLERANCE = 1e-4
CUT_TOLERANCE_FP32 = 1e-4
CUT_MIN_COSINE_INT8 = 0.999


@dataclass(frozen=True)
class Verdict:
    """Whether an any-length copy gives the fixed graph's embeddings, and by how much it differs."""

    ok: bool
    full_error: float  # largest |difference| of unit embeddings, full-length ids
    cut_error: float  # same, cut ids
    cut_cosine: float  # smallest cosine between the two, cut ids
    reason: str = ""


def may_cut(config: dict[str, Any]) -> bool:
    """Whether a pack's open_clip config describes a text tower that positions after the end-of-text token cannot
    change: a causal mask and end-of-text pooling (open_clip's defaults). SigLIP's towers (``no_causal_mask``, last-
    token pooling) and Hugging Face text models (``hf_model_name``: XLM-R and others, bidirectional) are not."""
    text_cfg = config.get("text_cfg")
    if not isinstance(text_cfg, dict) or text_cfg.get("hf_model_name") or text_cfg.get("no_causal_mask"):
        return False
    return text_cfg.get("pool_type", "argmax") in ("argmax", "eos") and not text_cfg.get("embed_cls")


def pack_any_length(pack: ModelPack, folder: Path, tokenizer: Tokenizer | None = None) -> Path | None:
    """Write the verified any-length copy of ``pack``'s text model into ``folder`` (probes: :data:`PROBE_TEXTS`
    through the pack's ``tokenizer``, loaded when not given) and return its path; None when its config rules it
    out (:func:`may_cut`) or :func:`derive_any_length` gives none."""
    if not may_cut(pack.config):
        return None
    tok, clean = tokenizer or load_tokenizer(pack, TokenizerCache(None))
    probes = [np.asarray(e.ids, dtype=np.int64) for e in tok.encode_batch([clean(t) for t in PROBE_TEXTS])]
    return derive_any_length(pack.textual_path, folder, probes, pad_id(tok))


def install_any_length(root: Path, folder: Path) -> Path | None:
    """For installing the pack at ``root`` (before int8 conversion, where the check is exact): its verified
    any-length text model written into ``folder``, or None when there is none or making it failed (logged: the
    pack installs as it came, and the embedder tries again when it loads)."""
    try:
        return pack_any_length(ModelPack.load(root), folder)
    except Exception as e:  # onnx / onnxruntime / tokenizers raise their own types
        log.warning("%s: the text model keeps its fixed length: %s", root.name, e)
        return None


def derive_any_length(model: Path, folder: Path, probes: Sequence[np.ndarray], pad_id: int) -> Path | None:
    """Write the verified any-length copy of the text model ``model`` into ``folder`` and return its path, or None
    when the model has no fixed length, cannot be rewritten, or the copy's embeddings differ (logged)."""
    import onnx

    graph = onnx.load(os.fspath(model))
    if not make_any_length(graph):
        return None
    copy = folder / "model.onnx"
    big = graph.ByteSize() > 1_800_000_000  # a protobuf file holds at most 2 GB: the weights go beside it
    onnx.save(graph, os.fspath(copy), save_as_external_data=big, location="model.onnx.data")
    quantized = is_quantized(graph)
    del graph
    verdict = verify_any_length(model, copy, probes, pad_id, quantized=quantized)
    if not verdict.ok:
        log.info("%s: the text model keeps its fixed length: its any-length form %s", model, verdict.reason)
        return None
    log.info("%s: any-length text model verified (largest difference %.2g, cosine %.6f)", model, verdict.cut_error,
             verdict.cut_cosine)
    return copy


def fixed_length(model: Any) -> int | None:
    """The sequence length a text model's first input is fixed at, or None when it takes any length."""
    dims = model.graph.input[0].type.tensor_type.shape.dim
    if len(dims) != 2 or not dims[1].HasField("dim_value"):
        return None
    return int(dims[1].dim_value)


def make_any_length(model: Any) -> bool:
    """Rewrite the ONNX text model ``model`` (in place) so that its input takes any length up to the fixed one.
    Returns False, changing nothing, when it has no fixed length, does not take integer ids, or no constant depends
    on the length. Unverified: see :func:`verify_any_length`."""
    from onnx import TensorProto, numpy_helper

    n = fixed_length(model)
    g = model.graph
    if (n is None or n < 4 or len(g.input) != 1  # an attention-mask input: a Hugging Face tower, not open_clip's
            or g.input[0].type.tensor_type.elem_type not in (TensorProto.INT32, TensorProto.INT64)):
        return False
    consts = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for node in g.node:
        if node.op_type == "Constant" and len(node.output) == 1 and node.attribute and node.attribute[0].name == "value":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    used = {x for node in g.node for x in node.input}
    targets = {name: a for name, a in consts.items() if name in used and _depends_on_length(a, n)}
    if not targets:
        return False
    b = _Rewrite(g.input[0].name)
    replaced = {name: b.follow_length(name, a, n) for name, a in targets.items()}
    # the input's length first (it reads only the input); each sliced or patched constant right before its first
    # user, so that one made by a Constant node comes after that node (ONNX wants the nodes in dependency order)
    made = {node.output[0]: node for node in b.nodes}
    nodes = [node for node in b.nodes if node.output[0] not in replaced.values()]
    for node in g.node:
        for x in node.input:
            if x in replaced and replaced[x] in made:
                nodes.append(made.pop(replaced[x]))
        node.input[:] = [replaced.get(x, x) for x in node.input]
        nodes.append(node)
    del g.node[:]
    g.node.extend(nodes)
    g.initializer.extend(b.inits)
    del g.value_info[:]  # stored intermediate shapes name the old length
    dim = g.input[0].type.tensor_type.shape.dim[1]
    dim.ClearField("dim_value")
    dim.dim_param = SEQ_DIM
    return True


class _Rewrite:
    """The nodes and constants that make a graph's constants follow its input's length (named ``photoseek_len*``)."""

    def __init__(self, ids: str) -> None:
        from onnx import helper

        self.helper = helper
        self.nodes: list[Any] = [helper.make_node("Shape", [ids], ["photoseek_len_shape"])]
        self.inits: list[Any] = []
        self.names: set[str] = set()
        self.count = 0
        one = self._const("photoseek_len_one", np.array([1], dtype=np.int64))
        self._node("Gather", ["photoseek_len_shape", one], "photoseek_len", axis=0)  # [L], int64

    def follow_length(self, name: str, a: np.ndarray, n: int) -> str:
        """The name of a value equal to constant ``name`` (value ``a``) with the fixed length ``n`` replaced by the
        input's: float tensors are sliced along every axis of size ``n``, integer ones take the length where they
        hold ``n``."""
        self.count += 1
        out = f"photoseek_len_{self.count}"
        if a.dtype.kind == "f":
            axes = [i for i, d in enumerate(a.shape) if d == n]
            k = len(axes)
            ends = self._node("Concat", ["photoseek_len"] * k, f"photoseek_len_x{k}", axis=0)
            starts = self._const(f"photoseek_len_zeros{k}", np.zeros(k, dtype=np.int64))
            axes_name = self._const(f"{out}_axes", np.array(axes, dtype=np.int64))
            return self._node("Slice", [name, starts, ends, axes_name], out)
        length = "photoseek_len"
        if a.ndim == 0:  # a scalar (Range's end)
            zero = self._const("photoseek_len_zero", np.zeros(1, dtype=np.int64))
            length = self._node("Squeeze", [length, zero], "photoseek_len_scalar")
        if a.dtype != np.int64:
            to = self.helper.np_dtype_to_tensor_dtype(a.dtype)
            length = self._node("Cast", [length], f"{length}_{a.dtype.name}", to=to)
        where = self._const(f"{out}_where", a == n)
        return self._node("Where", [where, length, name], out)

    def _const(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        if name not in self.names:
            self.inits.append(numpy_helper.from_array(value, name))
            self.names.add(name)
        return name

    def _node(self, op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        if out not in self.names:
            self.nodes.append(self.helper.make_node(op, inputs, [out], **attrs))
            self.names.add(out)
        return out


def _depends_on_length(a: np.ndarray, n: int) -> bool:
    if a.dtype.kind == "f":
        return n in a.shape
    if a.dtype.kind in "iu" and a.size <= 8:  # shapes, Range bounds, Slice ends: a few values
        return bool((a == n).any())
    return False


def verify_any_length(fixed: Path, copy: Path, probes: Sequence[np.ndarray], pad_id: int, *,
                      quantized: bool) -> Verdict:
    """Run the fixed model on the ``probes`` (ids padded to its length) and the any-length ``copy`` on the same
    ids, full length and cut after the end-of-text token (:func:`cut_width`; ``pad_id`` pads the probes), and
    compare the unit embeddings (``quantized``: by the int8 rule, see :func:`is_quantized`)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 4  # a copy that fails to run is an answer here, not an error to print
    opts.intra_op_num_threads = 1
    try:
        a = ort.InferenceSession(os.fspath(fixed), sess_options=opts, providers=["CPUExecutionProvider"])
        b = ort.InferenceSession(os.fspath(copy), sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises its own types: a copy that does not load is not used
        return Verdict(False, np.inf, np.inf, 0.0, f"does not load: {e}")
    full_err = cut_err = 0.0
    cos = 1.0
    for row in probes:
        ids = row[None, :]
        try:
            want = _unit(_run1(a, ids))
            full = _unit(_run1(b, ids))
            cut = _unit(_run1(b, ids[:, :cut_width(ids, pad_id)]))
        except Exception as e:  # a shape the rewrite missed fails here
            return Verdict(False, np.inf, np.inf, 0.0, f"does not run: {e}")
        full_err = max(full_err, float(np.abs(full - want).max()))
        cut_err = max(cut_err, float(np.abs(cut - want).max()))
        cos = min(cos, float((cut * want).sum()))
    ok = full_err <= FULL_TOLERANCE and (cos >= CUT_MIN_COSINE_INT8 if quantized else cut_err <= CUT_TOLERANCE_FP32)
    reason = "" if ok else f"embeddings differ (full {full_err:.2g}, cut {cut_err:.2g}, cosine {cos:.5f})"
    return Verdict(ok, full_err, cut_err, cos, reason)


def cut_width(ids: np.ndarray, pad_id: int) -> int:
    """How many leading columns of the padded ``ids`` [N, L] a model that pools at the end-of-text token needs:
    through the last id that is not padding and through each row's largest id (CLIP's end-of-text token is the
    largest id, and Immich's tokenizer pads with that same token), at least 2."""
    used = ids != pad_id
    last = int((used.shape[1] - np.argmax(used[:, ::-1], axis=1)).max()) if used.any() else 0
    eot = int(np.argmax(ids, axis=1).max()) + 1
    return min(ids.shape[1], max(2, last, eot))


def _run1(sess: Any, ids: np.ndarray) -> np.ndarray:
    inp = sess.get_inputs()[0]
    dtype = np.int32 if "int32" in inp.type else np.int64
    return np.asarray(sess.run(None, {inp.name: ids.astype(dtype)})[0], dtype=np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def is_quantized(model: Any) -> bool:
    """Whether the ONNX ``model`` runs in int8: its activations are quantized per batch, so a cut run and a padded
    one differ by more than rounding."""
    return any(node.op_type in ("DynamicQuantizeLinear", "MatMulInteger", "QLinearMatMul") for node in model.graph.node)
