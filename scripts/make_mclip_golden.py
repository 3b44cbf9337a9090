#!/usr/bin/env python3
"""Tiny random-weight M-CLIP (XLM-RoBERTa) text model + PyTorch goldens for tests/integration/test_mclip_parity.py.

    .venv-torch/bin/python scripts/make_mclip_golden.py

Immich's multilingual packs ``XLM-Roberta-Large-Vit-B-32`` / ``-B-16Plus`` pair an OpenAI/OpenCLIP image tower
(proven by the CLIP parity tests) with M-CLIP's text tower: an XLM-RoBERTa encoder, the mean of its last hidden
states over the attention mask, a linear map to the image space. Immich exports it (machine-learning/export,
mclip.py) with inputs ``input_ids`` and ``attention_mask`` (int32, fixed shape [1, 77]), output ``embedding``, and
saves the XLM-R tokenizer files next to it (pad token ``<pad>`` = 1, ``<s> ... </s>``).

This script builds that text tower with M-CLIP's forward (``multilingual_clip`` is not installable here; its
forward is six lines, reproduced in :class:`MClipText`) on a scaled-down random ``XLMRobertaModel``, exports it the
way Immich does, and trains a small Unigram tokenizer with ``tokenizers`` in the format of the Hub's XLM-R
``tokenizer.json`` (Metaspace ``▁`` with a prepended space, ``<s>``=0 ``<pad>``=1 ``</s>``=2 ``<unk>``=3 ... ``<mask>``
last, ``<s> $A </s>``). One difference: the Hub's normalizer is SentencePiece's precompiled charsmap, which cannot
be trained here; NFKC stands in for it. The goldens are transformers' ids for those files (``PreTrainedTokenizerFast`` on the
tokenizer.json as is, see main()) and the PyTorch embeddings; the test checks that PhotoSeek's runtime gives the
same.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "src"))

from make_parity_golden import TEXTS, TOKEN_STRINGS  # noqa: E402

OUT = REPO / "tests" / "data" / "mclip_tiny_textual"
GOLDEN = REPO / "tests" / "data" / "mclip_tiny_golden"
CONTEXT = 77
EMBED_DIM = 64  # = tests/data/clip_tiny's image embedding size, so the two towers make one pack
VOCAB = 1000
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
CORPUS = TEXTS + TOKEN_STRINGS + [
    "ein Hund läuft am Strand", "un chat dort sur le canapé", "una montaña con nieve", "il tramonto sul mare",
    "een fiets in de stad", "犬が公園で走っている", "一只猫在沙发上睡觉", "собака бежит по пляжу",
    "a photo of a dog running on the beach at sunset", "fireworks over the river at night",
]


def train_tokenizer(out: Path) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=VOCAB, special_tokens=SPECIALS, unk_token="<unk>",
                                      show_progress=False)
    tok.train_from_iterator(CORPUS * 3, trainer)
    tok.add_special_tokens(["<mask>"])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    cfg = {"bos_token": "<s>", "clean_up_tokenization_spaces": True, "cls_token": "<s>", "eos_token": "</s>",
           "mask_token": "<mask>", "model_max_length": 512, "pad_token": "<pad>", "sep_token": "</s>",
           "tokenizer_class": "XLMRobertaTokenizer", "unk_token": "<unk>"}
    (out / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    (out / "special_tokens_map.json").write_text(json.dumps(
        {k: cfg[k] for k in ("bos_token", "cls_token", "eos_token", "mask_token", "pad_token", "sep_token",
                             "unk_token")}, indent=2) + "\n", encoding="utf-8")


def name_output_embedding(path: Path) -> None:
    """Immich's output name. The dynamo exporter names an internal value (the word-embedding Gather) "embedding"
    too, which would make two definitions: rename that one first."""
    import onnx

    m = onnx.load(str(path))
    ren = {"embedding": "word_embedding", "text_embedding": "embedding"}
    for node in m.graph.node:
        node.input[:] = [ren.get(x, x) for x in node.input]
        node.output[:] = [ren.get(x, x) for x in node.output]
    for out in m.graph.output:
        out.name = ren.get(out.name, out.name)
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, str(path))


def main() -> int:
    import torch
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig, XLMRobertaModel

    class MClipText(torch.nn.Module):
        """M-CLIP's MultilingualCLIP forward, as Immich exports it (masked mean, linear, L2 normalise)."""

        def __init__(self, vocab: int) -> None:
            super().__init__()
            cfg = XLMRobertaConfig(vocab_size=vocab, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                                   intermediate_size=128, max_position_embeddings=CONTEXT + 2, pad_token_id=1,
                                   type_vocab_size=1)
            self.transformer = XLMRobertaModel(cfg, add_pooling_layer=False)
            self.LinearTransformation = torch.nn.Linear(64, EMBED_DIM)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            embs = self.transformer(input_ids=input_ids, attention_mask=attention_mask)[0]
            embs = (embs * attention_mask.unsqueeze(2)).sum(dim=1) / attention_mask.sum(dim=1)[:, None]
            return torch.nn.functional.normalize(self.LinearTransformation(embs), dim=-1)

    train_tokenizer(OUT)
    # tokenizer.json as is, as transformers 4's XLMRobertaTokenizerFast (what M-CLIP was trained with), Immich and
    # PhotoSeek use it. transformers 5's XLMRobertaTokenizer class rebuilds the pipeline instead (no normalizer,
    # WhitespaceSplit + Metaspace): NFKC-sensitive strings ("ﬁ", fullwidth, halfwidth kana) would differ.
    tok = PreTrainedTokenizerFast(tokenizer_file=str(OUT / "tokenizer.json"), bos_token="<s>", eos_token="</s>",
                                  sep_token="</s>", cls_token="<s>", unk_token="<unk>", pad_token="<pad>",
                                  mask_token="<mask>", model_max_length=512)
    torch.manual_seed(0)
    model = MClipText(len(tok)).eval()

    def ids_of(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        # Immich's clean_text (no canonicalize) collapses whitespace before its tokenizer; so does PhotoSeek
        texts = [" ".join(t.split()) for t in texts]
        enc = tok(texts, padding="max_length", max_length=CONTEXT, truncation=True, return_tensors="pt")
        return enc["input_ids"], enc["attention_mask"]

    example = tuple(t.to(torch.int32) for t in ids_of(["a photo"]))
    with torch.no_grad():
        torch.onnx.export(model, example, str(OUT / "model.onnx"), input_names=["input_ids", "attention_mask"],
                          output_names=["text_embedding"], opset_version=18, dynamo=True, external_data=False)
        name_output_embedding(OUT / "model.onnx")
        ids, mask = ids_of(TEXTS)
        txt_emb = model(ids, mask).numpy()
    token_ids, token_mask = ids_of(TOKEN_STRINGS)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(GOLDEN / "golden.npz", text_embeddings=txt_emb.astype(np.float32),
                        text_token_ids=ids.numpy().astype(np.int32), token_ids=token_ids.numpy().astype(np.int32),
                        token_mask=token_mask.numpy().astype(np.int32))
    meta = {"generator": "scripts/make_mclip_golden.py", "torch_version": torch.__version__, "texts": TEXTS,
            "token_strings": TOKEN_STRINGS, "tokenizer_class": type(tok).__name__}
    (GOLDEN / "golden.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    print(type(tok).__name__, token_ids[0][:10].tolist())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
