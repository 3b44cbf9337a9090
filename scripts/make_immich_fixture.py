#!/usr/bin/env python3
"""Build the Hugging Face tokenizer files of an Immich CLIP pack for tests/data/immich_clip_tiny (dev script).

Immich's exporter saves ``AutoTokenizer.from_pretrained("openai/clip-vit-base-patch32").save_pretrained(textual/)``
next to its ONNX models. That repo cannot be reached here, but its vocab.json / merges.txt are the BPE table that
ships inside open_clip (``bpe_simple_vocab_16e6.txt.gz``) with the special tokens spelled ``<|startoftext|>`` /
``<|endoftext|>``; transformers' own slow->fast converter then writes the same tokenizer.json, tokenizer_config.json
(``pad_token: <|endoftext|>``, id 49407, not open_clip's 0) and special_tokens_map.json the Hub holds.

    .venv-torch/bin/python scripts/make_immich_fixture.py tests/data/immich_clip_tiny

Needs transformers + open_clip_torch (the torch venv). The test helper tests/immich_pack.py assembles the whole pack
(ONNX models with Immich's input names, static batch 1, int32 ids) from tests/data/clip_tiny at test time.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_open_clip import clip_bpe_vocab, import_open_clip  # noqa: E402

HF_SOT, HF_EOT = "<|startoftext|>", "<|endoftext|>"


def main() -> int:
    out = Path(sys.argv[1])
    textual = out / "textual"
    textual.mkdir(parents=True, exist_ok=True)
    open_clip = import_open_clip()
    vocab, merges = clip_bpe_vocab(Path(open_clip.__file__).parent / "bpe_simple_vocab_16e6.txt.gz")
    vocab = {({"<start_of_text>": HF_SOT, "<end_of_text>": HF_EOT}.get(t, t)): i for t, i in vocab.items()}
    from transformers import CLIPTokenizer, CLIPTokenizerFast

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        (Path(tmp) / "merges.txt").write_text(
            "#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n", encoding="utf-8")
        slow = CLIPTokenizer(str(Path(tmp) / "vocab.json"), str(Path(tmp) / "merges.txt"), pad_token=HF_EOT)
        slow.model_max_length = 77
        slow.save_pretrained(tmp)
        fast = CLIPTokenizerFast.from_pretrained(tmp, from_slow=True)
        fast.save_pretrained(str(textual))
    for extra in ("vocab.json", "merges.txt"):  # the catalog downloads tokenizer.json + tokenizer_config.json only
        (textual / extra).unlink(missing_ok=True)
    ids = fast("a photo of a dog", padding="max_length", max_length=77)["input_ids"]
    print("tokenizer_config:", json.loads((textual / "tokenizer_config.json").read_text())["pad_token"], ids[:8])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
