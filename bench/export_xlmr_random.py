"""Random-weight xlm-roberta-base-ViT-B-32 pack of the real size, for bench/catalog_int8.py (torch venv).

    .venv-torch/bin/python bench/export_xlmr_random.py bench/out/xlm-roberta-base-ViT-B-32-random

scripts/export_open_clip.py cannot build this arch offline: open_clip's HF text tower reads its config from the Hub.
Here that config is xlm-roberta-base's (written locally) and the tokenizer is the small one from
scripts/make_mclip_golden.py (the benchmark only feeds ids below its vocabulary size).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import export_open_clip as E  # noqa: E402
from make_mclip_golden import train_tokenizer  # noqa: E402


def main() -> int:
    import torch
    from transformers import XLMRobertaConfig

    out = Path(sys.argv[1])
    open_clip = E.import_open_clip()
    with tempfile.TemporaryDirectory() as td:
        hf = Path(td) / "xlm-roberta-base"
        train_tokenizer(hf)
        XLMRobertaConfig(vocab_size=250002, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                         intermediate_size=3072, max_position_embeddings=514, pad_token_id=1, type_vocab_size=1,
                         layer_norm_eps=1e-5).save_pretrained(str(hf))
        cfg = json.loads((Path(open_clip.__file__).parent / "model_configs" / "xlm-roberta-base-ViT-B-32.json").read_text())
        cfg["text_cfg"].update(hf_model_name=str(hf), hf_tokenizer_name=str(hf))
        (Path(td) / "bench-xlmr.json").write_text(json.dumps(cfg), encoding="utf-8")
        open_clip.add_model_config(td)
        torch.manual_seed(0)
        model = open_clip.create_model("bench-xlmr", device="cpu", precision="fp32", pretrained_hf=False).eval()
        model.context_length = 77
        E.export_pack(open_clip, model, "bench-xlmr", out, pack_id=out.name, name="xlm-roberta-base-ViT-B-32 random",
                      license="MIT", source="bench/export_xlmr_random.py, random init", tokenizer_dir=hf)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
