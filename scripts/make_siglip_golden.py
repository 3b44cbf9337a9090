#!/usr/bin/env python3
"""Tiny random-weight SigLIP2 pack + PyTorch goldens for tests/integration/test_siglip_parity.py (dev script).

    .venv-torch/bin/python scripts/make_siglip_golden.py

SigLIP2 (open_clip ``ViT-B-16-SigLIP2``) differs from CLIP in every part PhotoSeek runs: a timm ViT with a MAP
(attention-pool) head and no class token, "squash" resizing with mean/std 0.5, a bidirectional text transformer
that pools the *last* position (so every pad token changes the embedding), context 64, a Gemma SentencePiece-style
BPE tokenizer (``▁`` for spaces, byte fallback) behind open_clip's ``HFTokenizer`` with ``canonicalize`` cleaning.

1. registers a timm model with ``vit_base_patch16_siglip_224``'s layer types scaled down, and an open_clip config
   with ``ViT-B-16-SigLIP2``'s text settings scaled down;
2. trains a small tokenizer with the ``tokenizers`` library in the format of the Hub's Gemma ``tokenizer.json``
   (Replace " " -> "▁" normalizer, BPE with byte_fallback and <0xNN> byte tokens, <pad>=0 <eos>=1 <bos>=2
   <unk>=3, "$A <eos>" post-processor), because the real one (256k tokens) cannot be downloaded here. This proves
   the code path (our runtime gives the ids transformers + open_clip give for the same files), not the content
   of the Hub's files;
3. exports the pack with scripts/export_open_clip.py to tests/data/siglip2_tiny/ and computes references with
   open_clip's model and its HFTokenizer (transformers ``AutoTokenizer`` on the trained files) and the reference
   squash preprocessing (PIL bicubic, as torchvision's Resize((h, w)) on PIL images);
4. writes tests/data/siglip2_tiny_golden/{golden.npz,golden.json}.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "src"))

import export_open_clip as E  # noqa: E402
from make_parity_golden import TEXTS, TOKEN_STRINGS  # noqa: E402

ARCH = "PhotoSeek-Tiny-SigLIP2-arch"
TIMM_NAME = "photoseek_tiny_vit_siglip_224"
VOCAB = 1200
CFG = {
    "embed_dim": 64,
    "init_logit_bias": -10,
    "custom_text": True,
    "vision_cfg": {"image_size": 224, "timm_model_name": TIMM_NAME, "timm_model_pretrained": False,
                   "timm_pool": "map", "timm_proj": "none"},
    "text_cfg": {"context_length": 64, "vocab_size": VOCAB, "hf_tokenizer_name": "timm/ViT-B-16-SigLIP2",
                 "tokenizer_kwargs": {"clean": "canonicalize"}, "width": 64, "heads": 2, "layers": 2,
                 "no_causal_mask": True, "proj_bias": True, "pool_type": "last", "norm_kwargs": {"eps": 1e-6},
                 "act_kwargs": {"approximate": "tanh"}},
}
SEED = 0
PACK = REPO / "tests" / "data" / "siglip2_tiny"
GOLDEN = REPO / "tests" / "data" / "siglip2_tiny_golden"
PHOTOS = REPO / "tests" / "data" / "photos"
SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>"]
CORPUS = TEXTS + TOKEN_STRINGS + [
    "a photo of a dog running on the beach at sunset", "two cats sleeping on a red sofa",
    "mountains covered in snow under a blue sky", "a birthday cake with candles", "children playing football",
    "a busy street in the city at night with cars and lights", "flowers in a garden in spring",
    "an old wooden boat on a lake", "a plate of pasta with tomato sauce", "fireworks over the river",
]


def register_timm_model() -> None:
    from timm.models import register_model
    from timm.models.vision_transformer import vit_base_patch16_siglip_224

    def photoseek_tiny_vit_siglip_224(pretrained: bool = False, **kwargs: object) -> object:
        """vit_base_patch16_siglip_224's layer types (patch 16, no class token, MAP head), 64 wide, 2 deep."""
        return vit_base_patch16_siglip_224(pretrained=False, **{"embed_dim": 64, "depth": 2, "num_heads": 2, **kwargs})

    photoseek_tiny_vit_siglip_224.__module__ = "timm.models.vision_transformer"
    register_model(photoseek_tiny_vit_siglip_224)


def train_tokenizer(out: Path) -> None:
    """A Gemma-format tokenizer.json (see module docstring) + the HF config files next to it."""
    from tokenizers import Tokenizer, decoders, models, normalizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Replace(" ", "▁")
    trainer = trainers.BpeTrainer(vocab_size=VOCAB - 256, special_tokens=SPECIALS, show_progress=False)
    tok.train_from_iterator([t.lower() for t in CORPUS] * 3, trainer)
    data = json.loads(tok.to_str())
    learned = sorted(((i, t) for t, i in data["model"]["vocab"].items() if t not in SPECIALS))
    vocab = {t: i for i, t in enumerate(SPECIALS)}
    for b in range(256):  # Gemma's byte-fallback tokens follow the specials
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for _, t in learned:
        vocab.setdefault(t, len(vocab))
    vocab = {t: i for t, i in vocab.items() if i < VOCAB}
    data["model"]["vocab"] = vocab
    data["model"]["merges"] = [m for m in data["model"]["merges"]
                               if "".join(m if isinstance(m, list) else m.split(" ")) in vocab]
    data["added_tokens"] = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                             "normalized": False, "special": True} for i, t in enumerate(SPECIALS)]
    tok = Tokenizer.from_str(json.dumps(data))
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    tok.post_processor = processors.TemplateProcessing(single="$A <eos>", pair="$A <eos> $B <eos>",
                                                       special_tokens=[("<eos>", 1)])
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    cfg = {"add_bos_token": False, "add_eos_token": True, "bos_token": "<bos>", "eos_token": "<eos>",
           "pad_token": "<pad>", "unk_token": "<unk>", "clean_up_tokenization_spaces": False,
           "model_max_length": 64, "padding_side": "right", "tokenizer_class": "GemmaTokenizer"}
    (out / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    (out / "special_tokens_map.json").write_text(json.dumps(
        {k: cfg[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token")}, indent=2) + "\n", encoding="utf-8")


def reference_pixels(path: Path, pre: dict) -> np.ndarray:
    """open_clip's eval transform with resize_mode 'squash' on a fully decoded image."""
    assert pre["resize_mode"] == "squash" and pre["interpolation"] == "bicubic"
    th, tw = pre["size"]
    with Image.open(path) as im:
        im.load()
        img = ImageOps.exif_transpose(im).convert("RGB")
    img = img.resize((tw, th), Image.Resampling.BICUBIC)
    x = np.asarray(img, dtype=np.float32) / 255.0
    x = (x - np.asarray(pre["mean"], np.float32)) / np.asarray(pre["std"], np.float32)
    return x.transpose(2, 0, 1).copy()


def main() -> int:
    import torch

    open_clip = E.import_open_clip()
    from open_clip.tokenizer import HFTokenizer

    register_timm_model()
    with tempfile.TemporaryDirectory() as td:
        (Path(td) / f"{ARCH}.json").write_text(json.dumps(CFG), encoding="utf-8")
        open_clip.add_model_config(td)
        tok_dir = Path(td) / "tokenizer"
        train_tokenizer(tok_dir)
        model = E.create_model(open_clip, ARCH, None, SEED)
        # what open_clip sets from the `webli` pretrained tag (_slpcfg), and Immich's preprocess_cfg.json holds
        model.visual.preprocess_cfg = {"size": (224, 224), "mode": "RGB", "mean": (0.5, 0.5, 0.5),
                                       "std": (0.5, 0.5, 0.5), "interpolation": "bicubic", "resize_mode": "squash",
                                       "fill_color": 0}
        manifest = E.export_pack(
            open_clip, model, ARCH, PACK, pack_id="siglip2-tiny-random",
            name="Tiny random-weight SigLIP2 (ViT-B-16-SigLIP2 layer types) for parity tests", license="MIT",
            source=f"scripts/make_siglip_golden.py: open_clip {open_clip.__version__} {ARCH}, random init seed {SEED}",
            tokenizer_dir=tok_dir, extra_manifest={"open_clip_version": open_clip.__version__},
        )
        for extra in ("special_tokens_map.json",):
            (PACK / "textual" / extra).write_bytes((tok_dir / extra).read_bytes())
        tok = HFTokenizer(str(tok_dir), context_length=64, clean="canonicalize")
        photos = sorted(PHOTOS.glob("*.jpg"))
        pre = json.loads((PACK / "visual" / "preprocess_cfg.json").read_text())
        pixels = np.stack([reference_pixels(p, pre) for p in photos])
        with torch.no_grad():
            img_emb = model.encode_image(torch.from_numpy(pixels), normalize=True).numpy()
            txt_ids = tok(TEXTS)
            txt_emb = model.encode_text(txt_ids, normalize=True).numpy()
        token_ids = tok(TOKEN_STRINGS).numpy()
    # again, so the manifest lists special_tokens_map.json too
    from photoseek.core.runtime.pack import write_manifest

    extra = {k: v for k, v in manifest.items() if k not in ("id", "name", "license", "source", "files")}
    manifest = write_manifest(PACK, pack_id=manifest["id"], name=manifest["name"], license=manifest["license"],
                              source=manifest["source"], **extra)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(GOLDEN / "golden.npz", image_embeddings=img_emb.astype(np.float32),
                        text_embeddings=txt_emb.astype(np.float32), text_token_ids=txt_ids.numpy().astype(np.int32),
                        token_ids=token_ids.astype(np.int32), reference_pixels=pixels.astype(np.float16))
    meta = {"generator": "scripts/make_siglip_golden.py", "arch": ARCH, "arch_config": CFG, "seed": SEED,
            "open_clip_version": open_clip.__version__, "torch_version": torch.__version__,
            "pack_manifest_files": manifest["files"], "photos": [p.name for p in photos], "texts": TEXTS,
            "token_strings": TOKEN_STRINGS}
    (GOLDEN / "golden.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    print("pad/eos in first ids:", token_ids[0][:12].tolist())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
