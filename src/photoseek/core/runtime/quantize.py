"""int8 conversion of a pack's ONNX models (dynamic quantization: int8 weights, activations quantized per batch).

The MatMul/Gemm weights are converted per output channel (nearly all of a ViT's or a text transformer's
parameters; they run fastest as int8 on CPUs), and the token-embedding table (Gather) is stored as int8 and
dequantized row by row (it is most of a text model's size: 25 M of CLIP's 63 M text parameters, 197 M of SigLIP2's
282 M). Conv stays float: a quantized Conv (ConvInteger) is often slower than fp32 in ONNX Runtime. bench/quantize_speed.py measures cosine to fp32 and the speed-up per catalog family.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from photoseek.core.errors import ModelPackError

QUANTIZED_OPS = ("MatMul", "Gemm", "Gather")


def quantize_model(src: Path, dst: Path) -> None:
    """Write an int8 copy of the ONNX model ``src`` to ``dst``.

    Raises:
        ModelPackError: the model cannot be quantized (message names the file).
    """
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as e:  # onnx is a runtime dependency; this guards a broken install
        raise ModelPackError(f"int8 quantization is not available: {e}",
                             hint="Reinstall PhotoSeek (it needs the onnx package), or use --fp32.") from e
    tmp = dst.with_suffix(".fp32.onnx")
    advice = _NoPreprocessingAdvice()
    logging.getLogger().addFilter(advice)
    try:
        if _prepare(src, tmp):
            src = tmp
        quantize_dynamic(os.fspath(src), os.fspath(dst), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=list(QUANTIZED_OPS))
    except Exception as e:  # onnx / onnxruntime raise their own types
        raise ModelPackError(f"quantizing {src.parent.name}/{src.name} failed: {e}",
                             hint="Install it in full precision (--fp32).") from e
    finally:
        logging.getLogger().removeFilter(advice)
        tmp.unlink(missing_ok=True)


class _NoPreprocessingAdvice(logging.Filter):
    """onnxruntime's quantizer logs "Please consider to run pre-processing before quantization" (its symbolic
    shape inference) on the root logger for every model; `photoseek models install` printed it twice as a
    WARNING. What this conversion needs from pre-processing, :func:`_prepare` does; the accuracy it reaches is
    what tests/unit/test_pack.py and tests/integration/test_immich_pack.py check."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Please consider to run pre-processing before quantization")


def _prepare(src: Path, dst: Path) -> bool:
    """Write a copy of the model the quantizer can handle; returns False (nothing written) when none is needed.

    - Packs that store weights as float16 behind a ``Cast`` to float32 (ours, to halve the download) hide them from
      the quantizer, which only converts initializers: those become float32 initializers.
    - Intermediate shape annotations (``value_info``) are dropped: the quantizer re-infers shapes and refuses a
      model whose stored annotations disagree, which torch's dynamo exporter can write (seen on open_clip's XLM-R
      text tower: 768 vs 640 in its MLP projection). They are optional; the graph itself is unchanged.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, numpy_helper

    model = onnx.load(os.fspath(src))
    graph = model.graph
    fp16 = {i.name: i for i in graph.initializer if i.data_type == TensorProto.FLOAT16}
    casts = [n for n in graph.node if n.op_type == "Cast" and n.input and n.input[0] in fp16
             and any(a.name == "to" and a.i == TensorProto.FLOAT for a in n.attribute)]
    if not casts and not len(graph.value_info):
        return False
    del graph.value_info[:]
    for node in casts:
        arr = numpy_helper.to_array(fp16[node.input[0]]).astype(np.float32)
        graph.initializer.append(numpy_helper.from_array(arr, node.output[0]))
        graph.node.remove(node)
    used = {x for n in graph.node for x in n.input} | {o.name for o in graph.output}
    for name, init in fp16.items():
        if name not in used:
            graph.initializer.remove(init)
    onnx.save(model, os.fspath(dst))
    return True


def quantize_pack(root: Path) -> None:
    """Replace ``visual/model.onnx`` and ``textual/model.onnx`` under ``root`` with int8 versions, in place.

    Each model is written next to the original and renamed over it, so a failure leaves the fp32 file intact.
    """
    for model in (root / "visual" / "model.onnx", root / "textual" / "model.onnx"):
        out = model.with_suffix(".int8.onnx")
        try:
            quantize_model(model, out)
            os.replace(out, model)
        finally:
            out.unlink(missing_ok=True)
        for extra in model.parent.glob("*.data"):  # external weights of the fp32 model, now inlined
            extra.unlink()
