#!/usr/bin/env python3
"""Export an open_clip architecture to a PhotoSeek / Immich-layout model pack (build-time dev script).

    python scripts/export_open_clip.py ViT-B-32 out/ViT-B-32__mine \\
        --pretrained-file ~/weights/vit_b_32.bin --license "MIT" --source "my fine-tune"

Without ``--pretrained-file`` the weights are random (seeded with ``--seed``), which is only useful for testing
the code path. Needs torch, open-clip-torch (+ timm, ftfy, regex, huggingface_hub, safetensors), onnx and
tokenizers. torchvision is NOT needed: open_clip imports it at module level for its training/eval transforms
(which we do not use; the reference preprocessing lives in photoseek.core.imaging.preprocess and in
make_parity_golden.py), so :func:`import_open_clip` inserts a minimal stub into ``sys.modules`` when the real
package is missing. The stub raises if any of its objects is actually called.

Pack layout (see docs/clip-packs.md)::

    config.json  visual/model.onnx  visual/preprocess_cfg.json
    textual/model.onnx  textual/tokenizer.json  textual/tokenizer_config.json  manifest.json

CLIP-style text towers get a ``tokenizer.json`` built here from the BPE merges that ship inside open_clip
(``bpe_simple_vocab_16e6.txt.gz``): it gives the same ids as open_clip's ``SimpleTokenizer`` once the text has
been cleaned like open_clip cleans it (ftfy + html unescape + whitespace), which PhotoSeek's runtime does when
``tokenizer_config.json`` says ``"text_clean": "open_clip"``.

SigLIP-style archs (HF / SentencePiece tokenizers) export too, but their tokenizer files cannot be built offline:
pass ``--tokenizer-dir`` with the ``tokenizer.json`` (+ ``tokenizer_config.json``) from the model's HF repo.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.machinery
import importlib.util
import json
import shutil
import sys
import types
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

SOT, EOT = "<start_of_text>", "<end_of_text>"
# open_clip's SimpleTokenizer pre-tokenisation regex (tokenizer.py), special tokens first.
CLIP_SPLIT = SOT + "|" + EOT + r"""|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""


# ---------------------------------------------------------------------------------------------------------------
# open_clip import without torchvision
# ---------------------------------------------------------------------------------------------------------------
class _Missing:
    """Placeholder for any torchvision object; using it (not importing it) is an error."""

    def __init__(self, *a: Any, **k: Any) -> None:
        raise RuntimeError("torchvision is not installed (stubbed by export_open_clip.py); this code path needs it")


class _MissingMeta(type):
    def __getattr__(cls, name: str) -> Any:  # InterpolationMode.BICUBIC etc. at import/default-arg time
        if name.startswith("__"):
            raise AttributeError(name)
        # a distinct, stable object per name: timm builds dicts keyed by InterpolationMode members
        sub = _MissingMeta(f"{cls.__name__}.{name}", (_Missing,), {})
        setattr(cls, name, sub)
        return sub


def _stub_module(name: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__path__ = []  # type: ignore[attr-defined]  # make it a package so submodules import
    # a spec, so importlib.util.find_spec() (used by transformers' availability checks) does not raise; there is no
    # distribution metadata, so those checks still report torchvision as unavailable.
    mod.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _MissingMeta(attr, (_Missing,), {})

    mod.__getattr__ = __getattr__  # type: ignore[method-assign]
    return mod


def import_open_clip() -> Any:
    if importlib.util.find_spec("torchvision") is None:
        for name in (
            "torchvision",
            "torchvision.transforms",
            "torchvision.transforms.functional",
            "torchvision.transforms.v2",
            "torchvision.ops",
            "torchvision.ops.misc",
            # timm (SigLIP vision towers) imports these at module level
            "torchvision.datasets",
            "torchvision.io",
            "torchvision.transforms.functional_tensor",
        ):
            sys.modules.setdefault(name, _stub_module(name))
    import open_clip

    return open_clip


# ---------------------------------------------------------------------------------------------------------------
# tokenizer.json equivalent to open_clip.tokenizer.SimpleTokenizer
# ---------------------------------------------------------------------------------------------------------------
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2 / CLIP byte -> printable unicode map (same order as open_clip)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs], strict=True))


def clip_bpe_vocab(bpe_path: Path) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Vocab and merges exactly as SimpleTokenizer builds them (49408 entries incl. the two special tokens)."""
    merges_txt = gzip.open(bpe_path).read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in merges_txt[1 : 49152 - 256 - 2 + 1]]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m) for m in merges]
    vocab += [SOT, EOT]
    return {t: i for i, t in enumerate(vocab)}, merges  # type: ignore[return-value]


def build_clip_tokenizer(bpe_path: Path) -> Any:
    """A HF ``tokenizers.Tokenizer`` giving open_clip SimpleTokenizer ids (on cleaned text), no padding set."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab, merges = clip_bpe_vocab(bpe_path)
    tok = Tokenizer(
        models.BPE(
            vocab=vocab,
            merges=merges,
            unk_token=None,
            continuing_subword_prefix="",
            end_of_word_suffix="</w>",
            fuse_unk=False,
        )
    )
    # SimpleTokenizer: whitespace_clean(basic_clean(text)).lower(); basic_clean (ftfy + html.unescape) cannot be
    # expressed here and is done by the runtime (text_clean: open_clip). No NFC here: ftfy's NFC runs *before*
    # html.unescape in open_clip, the runtime reproduces that order.
    tok.normalizer = normalizers.Sequence(
        [normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip(), normalizers.Lowercase()]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(CLIP_SPLIT), behavior="removed", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False, trim_offsets=True),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    # open_clip matches the special-token strings inside (cleaned, lower-cased) text too.
    tok.add_special_tokens([AddedToken(SOT, normalized=True), AddedToken(EOT, normalized=True)])
    sot, eot = vocab[SOT], vocab[EOT]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{SOT} $A {EOT}", pair=f"{SOT} $A {EOT} $B {EOT}", special_tokens=[(SOT, sot), (EOT, eot)]
    )
    return tok


def write_clip_tokenizer_files(textual_dir: Path, bpe_path: Path, context_length: int) -> None:
    tok = build_clip_tokenizer(bpe_path)
    tok.save(str(textual_dir / "tokenizer.json"))
    # open_clip pads with id 0, which is the token "!" -- not a real pad token. pad_id is what our runtime uses
    # when pad_token is not in the vocab; both say 0 here.
    cfg = {
        "tokenizer_class": "CLIPTokenizer",
        "text_clean": "open_clip",
        "bos_token": SOT,
        "eos_token": EOT,
        "unk_token": EOT,
        "pad_token": "!",
        "pad_id": 0,
        "model_max_length": context_length,
        "do_lower_case": True,
    }
    (textual_dir / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# ONNX export
# ---------------------------------------------------------------------------------------------------------------
def _wrappers() -> tuple[Any, Any]:
    """nn.Module wrappers, built lazily so importing this module does not import torch."""
    import torch

    class Visual(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixels: Any) -> Any:
            return self.model.encode_image(pixels, normalize=False)

    class Textual(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: Any) -> Any:
            return self.model.encode_text(ids, normalize=False)

    return Visual, Textual


def takes_any_length(model: Any) -> bool:
    """Whether ``model``'s text tower gives the same embedding for ids cut after the end-of-text token: open_clip's
    CLIP with a causal attention mask (no position sees a later one) pooled at the end-of-text token. SigLIP-style
    towers (no causal mask, last-token pooling) and HF text towers are not."""
    return (all(hasattr(model, a) for a in ("token_embedding", "positional_embedding", "transformer", "ln_final"))
            and getattr(model, "attn_mask", None) is not None and getattr(model, "cls_emb", None) is None
            and getattr(model, "text_pool_type", None) in ("argmax", "eos"))


def _prefix_textual() -> Any:
    import torch
    from open_clip.transformer import text_global_pool

    class PrefixTextual(torch.nn.Module):
        """open_clip's ``CLIP.encode_text`` for ids of any length up to the context (positions and the causal mask
        cut to the ids given), so a runtime may drop the padding after the longest text: ``a dog`` then costs
        5 positions instead of 77. Identical to ``encode_text`` on padded ids (checked before export)."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: Any) -> Any:
            m = self.model
            n = ids.shape[1]
            cast = m.transformer.get_cast_dtype()
            x = m.token_embedding(ids).to(cast) + m.positional_embedding[:n].to(cast)
            x = m.transformer(x, attn_mask=m.attn_mask[:n, :n])
            x = text_global_pool(m.ln_final(x), ids, m.text_pool_type, eos_token_id=getattr(m, "text_eos_id", None))
            proj = m.text_projection
            if proj is None:
                return x
            return proj(x) if isinstance(proj, torch.nn.Linear) else x @ proj

    return PrefixTextual


def export_onnx(module: Any, example: Any, path: Path, in_name: str, out_name: str, opset: int,
                any_length: bool = False) -> None:
    """Export with a dynamic batch axis (and, with ``any_length``, a dynamic sequence axis up to the example's);
    always a single self-contained .onnx file."""
    import onnx
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.onnx")
    # The dynamo exporter (torch >= 2.5): the legacy TorchScript one cannot export nn.MultiheadAttention's fused
    # inference path (aten::_native_multi_head_attention) that open_clip hits in eval mode.
    batch = torch.export.Dim("batch", min=1, max=1024)
    axes = {0: batch, 1: torch.export.Dim("seq", min=2, max=int(example.shape[1]))} if any_length else {0: batch}
    with torch.no_grad():
        torch.onnx.export(
            module,
            (example,),
            str(tmp),
            input_names=[in_name],
            output_names=[out_name],
            dynamic_shapes=(axes,),
            opset_version=max(opset, 18),
            dynamo=True,
            external_data=False,
            verbose=False,
        )
    model = onnx.load(str(tmp), load_external_data=True)
    # (the dynamo exporter names intermediate values after fx nodes: an output called "embedding" collided with
    # the token-embedding Gather; the checker catches such a graph)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    for p in tmp.parent.glob(tmp.name + "*"):
        p.unlink()


def fp16_storage(path: Path, min_elements: int = 1 << 20) -> list[str]:
    """Store big float32 initializers as float16 with a Cast back to float32 in front (compute stays fp32).

    Lossless only if the weights are already fp16-representable (make_parity_golden.py rounds them first).
    Returns the converted initializer names.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    g = model.graph
    converted = []
    for init in list(g.initializer):
        if init.data_type != TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elements:
            continue
        name = init.name
        half = numpy_helper.from_array(arr.astype(np.float16), name + "__fp16")
        g.initializer.remove(init)
        g.initializer.append(half)
        g.node.insert(0, helper.make_node("Cast", [name + "__fp16"], [name], to=TensorProto.FLOAT, name=name + "__cast"))
        converted.append(name)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return converted


def preprocess_cfg_of(open_clip: Any, model: Any) -> dict[str, Any]:
    cfg = dict(open_clip.get_model_preprocess_cfg(model))
    size = cfg.get("size", 224)
    size = [int(size), int(size)] if isinstance(size, int | float) else [int(s) for s in size]
    return {
        "size": size,
        "mode": cfg.get("mode", "RGB"),
        "mean": [float(x) for x in cfg.get("mean", (0.48145466, 0.4578275, 0.40821073))],
        "std": [float(x) for x in cfg.get("std", (0.26862954, 0.26130258, 0.27577711))],
        "interpolation": str(cfg.get("interpolation", "bicubic")),
        "resize_mode": str(cfg.get("resize_mode", "shortest")),
        "fill_color": int(cfg.get("fill_color", 0)),
    }


def create_model(open_clip: Any, arch: str, pretrained_file: str | None, seed: int) -> Any:
    import torch

    torch.manual_seed(seed)
    kwargs: dict[str, Any] = {}
    if pretrained_file:
        kwargs["pretrained"] = str(Path(pretrained_file).expanduser())
    model = open_clip.create_model(arch, device="cpu", precision="fp32", **kwargs)
    model.eval()
    return model


def export_pack(
    open_clip: Any,
    model: Any,
    arch: str,
    out: Path,
    *,
    pack_id: str,
    name: str,
    license: str,
    source: str,
    opset: int = 18,
    tokenizer_dir: Path | None = None,
    fp16_min_elements: int | None = None,
    extra_manifest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the whole pack for an already created (eval-mode) open_clip model. Returns the manifest."""
    import torch

    from photoseek.core.runtime.pack import write_manifest

    model_cfg = open_clip.get_model_config(arch) or {}
    text_cfg = dict(model_cfg.get("text_cfg") or {})
    context_length = int(getattr(model, "context_length", text_cfg.get("context_length", 77)))
    embed_dim = int(model_cfg.get("embed_dim") or model.text_projection.shape[-1])
    pre = preprocess_cfg_of(open_clip, model)
    hf_tok = text_cfg.get("hf_tokenizer_name")

    if out.exists():
        shutil.rmtree(out)
    (out / "visual").mkdir(parents=True)
    (out / "textual").mkdir(parents=True)

    any_length = takes_any_length(model)
    config = dict(model_cfg)
    config["embed_dim"] = embed_dim
    # trim_padding: the runtime may feed the ids cut after the longest text (core/runtime/embedder.py)
    config["text_cfg"] = {**text_cfg, "context_length": context_length, **({"trim_padding": True} if any_length else {})}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (out / "visual" / "preprocess_cfg.json").write_text(json.dumps(pre, indent=2) + "\n", encoding="utf-8")

    if tokenizer_dir is not None:
        shutil.copy2(tokenizer_dir / "tokenizer.json", out / "textual" / "tokenizer.json")
        tc = tokenizer_dir / "tokenizer_config.json"
        tcfg = json.loads(tc.read_text(encoding="utf-8")) if tc.is_file() else {}
        clean = (text_cfg.get("tokenizer_kwargs") or {}).get("clean")
        if clean == "canonicalize":
            tcfg.setdefault("text_clean", "canonicalize")
        (out / "textual" / "tokenizer_config.json").write_text(json.dumps(tcfg, indent=2) + "\n", encoding="utf-8")
    elif hf_tok:
        raise SystemExit(
            f"{arch} uses the Hugging Face tokenizer {hf_tok!r}, which cannot be built offline: pass --tokenizer-dir "
            "with its tokenizer.json and tokenizer_config.json"
        )
    else:
        bpe = Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz"
        write_clip_tokenizer_files(out / "textual", bpe, context_length)

    Visual, Textual = _wrappers()
    h, w = pre["size"]
    export_onnx(Visual(model).eval(), torch.randn(2, 3, h, w), out / "visual" / "model.onnx", "image", "image_embedding", opset)
    ids = torch.zeros(2, context_length, dtype=torch.long)
    ids[:, 0], ids[:, 1], ids[:, 2] = 49406 if not hf_tok else 1, 320, 49407 if not hf_tok else 1
    if any_length:
        textual = _prefix_textual()(model).eval()
        with torch.no_grad():  # the cut graph must be the model: same embedding as encode_text, padded or cut
            want = model.encode_text(ids, normalize=False)
            if not (torch.allclose(textual(ids), want, atol=1e-5) and torch.allclose(textual(ids[:, :4]), want, atol=1e-5)):
                raise SystemExit(f"{arch}: the any-length text graph differs from encode_text; not exporting it")
    else:
        textual = Textual(model).eval()
    export_onnx(textual, ids, out / "textual" / "model.onnx", "text", "text_embedding", opset, any_length=any_length)
    if fp16_min_elements:
        for sub in ("visual", "textual"):
            conv = fp16_storage(out / sub / "model.onnx", fp16_min_elements)
            if conv:
                print(f"  {sub}: fp16 storage for {', '.join(conv)}")

    return write_manifest(
        out,
        pack_id=pack_id,
        name=name,
        license=license,
        source=source,
        arch=arch,
        embed_dim=embed_dim,
        **(extra_manifest or {}),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("arch", help="open_clip model name, e.g. ViT-B-32 (see open_clip.list_models())")
    ap.add_argument("out", type=Path, help="pack folder to (re)create")
    ap.add_argument("--pretrained-file", help="local checkpoint (.bin/.pt/.safetensors) for this arch")
    ap.add_argument("--seed", type=int, default=0, help="seed for random init (default 0)")
    ap.add_argument("--id", dest="pack_id", help="pack id (default: folder name)")
    ap.add_argument("--name", help="display name")
    ap.add_argument("--license", default="unknown", help="licence of the weights")
    ap.add_argument("--source", default=None, help="where the weights come from")
    ap.add_argument("--opset", type=int, default=18)
    ap.add_argument("--tokenizer-dir", type=Path, help="folder with tokenizer.json(+_config) for HF-tokenizer archs")
    ap.add_argument(
        "--fp16-storage",
        action="store_true",
        help="store initializers with >= 1M elements as fp16 (halves size; NOT lossless for real weights)",
    )
    args = ap.parse_args(argv)

    open_clip = import_open_clip()
    model = create_model(open_clip, args.arch, args.pretrained_file, args.seed)
    source = args.source or (
        f"open_clip {args.arch} from {args.pretrained_file}" if args.pretrained_file else f"random init, seed {args.seed}"
    )
    manifest = export_pack(
        open_clip,
        model,
        args.arch,
        args.out,
        pack_id=args.pack_id or args.out.name,
        name=args.name or args.arch,
        license=args.license,
        source=source,
        opset=args.opset,
        tokenizer_dir=args.tokenizer_dir,
        fp16_min_elements=(1 << 20) if args.fp16_storage else None,
        extra_manifest={"open_clip_version": getattr(open_clip, "__version__", "?")},
    )
    print(json.dumps({k: v for k, v in manifest.items() if k != "files"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
