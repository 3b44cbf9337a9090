#!/usr/bin/env python3
"""Tiny random-weight open_clip XLM-RoBERTa CLIP pack + goldens for tests/integration/test_xlmr_parity.py.

    .venv-torch/bin/python scripts/make_xlmr_golden.py

open_clip's multilingual ``xlm-roberta-base-ViT-B-32`` (Immich: ``XLM-Roberta-Base-ViT-B-32__laion5b_s13b_b90k``)
pairs a CLIP ViT with open_clip's ``HFTextEncoder``: an XLM-RoBERTa encoder whose attention mask is computed *inside*
the model from the pad id (so the ONNX text model takes token ids only), mean pooling, an MLP projection; text is
tokenized by open_clip's ``HFTokenizer`` with its default ``whitespace`` cleaning (ftfy + html unescape + whitespace,
no lower-casing).

Here the same config is scaled down (ViT 128 wide / 3 layers like tests/data/clip_tiny; XLM-R 64 wide / 2 layers)
and created with random weights, with ``hf_model_name``/``hf_tokenizer_name`` pointing at a local folder that holds
an ``XLMRobertaConfig`` and the small XLM-R-format tokenizer trained by scripts/make_mclip_golden.py (NFKC standing
in for SentencePiece's precompiled charsmap). Exported with scripts/export_open_clip.py to tests/data/xlmr_tiny/;
goldens from open_clip's own tokenizer and model in tests/data/xlmr_tiny_golden/.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "src"))

import export_open_clip as E  # noqa: E402
from make_mclip_golden import train_tokenizer  # noqa: E402
from make_parity_golden import TEXTS, TOKEN_STRINGS  # noqa: E402

ARCH = "PhotoSeek-Tiny-XLMR-ViT-B-32-arch"
PACK = REPO / "tests" / "data" / "xlmr_tiny"
GOLDEN = REPO / "tests" / "data" / "xlmr_tiny_golden"
SEED = 0


def main() -> int:
    import torch
    from transformers import XLMRobertaConfig

    open_clip = E.import_open_clip()
    from open_clip.tokenizer import HFTokenizer

    with tempfile.TemporaryDirectory() as td:
        hf_dir = Path(td) / "xlm-roberta-tiny"
        train_tokenizer(hf_dir)
        vocab = len(json.loads((hf_dir / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]) + 1
        XLMRobertaConfig(vocab_size=vocab, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=128, max_position_embeddings=79, pad_token_id=1,
                         type_vocab_size=1).save_pretrained(str(hf_dir))
        cfg = {"embed_dim": 64,
               "vision_cfg": {"image_size": 224, "layers": 3, "width": 128, "patch_size": 32},
               "text_cfg": {"hf_model_name": str(hf_dir), "hf_tokenizer_name": str(hf_dir),
                            "hf_pooler_type": "mean_pooler", "hf_model_pretrained": False}}
        (Path(td) / f"{ARCH}.json").write_text(json.dumps(cfg), encoding="utf-8")
        open_clip.add_model_config(td)
        torch.manual_seed(SEED)
        # pretrained_hf=False: random XLM-R weights from the config (the default would load them from the folder)
        model = open_clip.create_model(ARCH, device="cpu", precision="fp32", pretrained_hf=False).eval()
        model.context_length = 77  # open_clip's default, what Immich exports (sequence_length) and tokenizes to
        E.export_pack(open_clip, model, ARCH, PACK, pack_id="xlmr-tiny-random",
                      name="Tiny random-weight open_clip XLM-R CLIP for parity tests", license="MIT",
                      source=f"scripts/make_xlmr_golden.py: open_clip {open_clip.__version__}, seed {SEED}",
                      tokenizer_dir=hf_dir)
        # what Immich's config.json says: the Hub names, not our temporary folder
        config = json.loads((PACK / "config.json").read_text(encoding="utf-8"))
        config["text_cfg"].update(hf_model_name="xlm-roberta-base", hf_tokenizer_name="xlm-roberta-base")
        del config["text_cfg"]["context_length"]  # not in open_clip's xlm-roberta configs: 77 is implied
        (PACK / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        tok = HFTokenizer(str(hf_dir), context_length=77)  # open_clip's default clean: 'whitespace'
        with torch.no_grad():
            txt_ids = tok(TEXTS)
            txt_emb = model.encode_text(txt_ids, normalize=True).numpy()
        token_ids = tok(TOKEN_STRINGS).numpy()
    from photoseek.core.runtime.pack import pack_files, write_manifest

    manifest = json.loads((PACK / "manifest.json").read_text(encoding="utf-8"))
    extra = {k: v for k, v in manifest.items() if k not in ("id", "name", "license", "source", "files")}
    manifest = write_manifest(PACK, pack_id=manifest["id"], name=manifest["name"], license=manifest["license"],
                              source=manifest["source"], **extra)
    assert set(manifest["files"]) == set(pack_files(PACK))
    GOLDEN.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(GOLDEN / "golden.npz", text_embeddings=txt_emb.astype(np.float32),
                        text_token_ids=txt_ids.numpy().astype(np.int32), token_ids=token_ids.astype(np.int32))
    meta = {"generator": "scripts/make_xlmr_golden.py", "arch": ARCH, "open_clip_version": open_clip.__version__,
            "torch_version": torch.__version__, "pack_manifest_files": manifest["files"], "texts": TEXTS,
            "token_strings": TOKEN_STRINGS}
    (GOLDEN / "golden.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    print(token_ids[0][:12].tolist())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
