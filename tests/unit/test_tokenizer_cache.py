"""A BPE tokenizer loads by parts from its index (what a query's words can use) and encodes exactly as before."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.query_tokenizer import QueryTokenizer, write_index
from photoseek.core.runtime.session_cache import SessionCache
from photoseek.core.runtime.tokenizer_cache import EXPECTED, INDEX, NO_COPY, TokenizerCache

DATA = Path(__file__).resolve().parents[1] / "data"
TEXTS = [
    "a dog on the beach", "Sunset over the MOUNTAINS, 2019!", "l'été à Paris", "Schnee im Dezember", "猫と犬",
    "a photo of a 🐈 on a sofa", "don't   stop\nbelieving", "x" * 300, "<|endoftext|> inside text", "",
    "receipt total $12.99 #42", "IMG_0042.JPG", "crème brûlée", "Ünïcödé ß ø æ", "一二三 四五六 七八九",
]


def _ids(tok: Tokenizer) -> list[list[int]]:
    return [e.ids for e in tok.encode_batch(TEXTS)]


@pytest.mark.parametrize("name", ["clip_tiny", "immich_clip_tiny"])
def test_a_bpe_tokenizer_loads_from_its_index_and_encodes_as_the_original(tmp_path, name):
    source = DATA / name / "textual" / "tokenizer.json"
    cache = TokenizerCache(tmp_path / "tokenizers")
    first = cache.load(source, f"{name}-tokenizer", None)  # reads tokenizer.json, writes the index
    copies = list((tmp_path / "tokenizers").iterdir())
    assert len(copies) == 1 and sorted(os.listdir(copies[0])) == sorted([INDEX, EXPECTED])
    second = cache.load(source, f"{name}-tokenizer", None)
    assert isinstance(second, QueryTokenizer)
    original = Tokenizer.from_file(os.fspath(source))
    for tok in (first, second, original):
        tok.enable_truncation(max_length=77)
        tok.enable_padding(length=77, pad_id=0, pad_token="!")
    assert _ids(first) == _ids(second) == _ids(original)
    assert second.get_vocab_size() == original.get_vocab_size()
    assert second.token_to_id("dog</w>") == original.token_to_id("dog</w>") and second.id_to_token(1929) == "dog</w>"
    assert len(second._shards) < len(second._head["shards"]) / 4  # it read a small part of the vocabulary
    assert [t for t in os.listdir(tmp_path / "tokenizers") if t.startswith(".")] == []  # no temporary folder left


def test_many_texts_encode_as_with_the_whole_tokenizer(tmp_path):
    source = DATA / "clip_tiny" / "textual" / "tokenizer.json"
    cache = TokenizerCache(tmp_path / "tokenizers")
    cache.load(source, "clip-tokenizer", None)
    ours, whole = cache.load(source, "clip-tokenizer", None), Tokenizer.from_file(os.fspath(source))
    vocab = sorted(whole.get_vocab())
    rng = random.Random(3)
    texts = [" ".join(rng.choice(vocab).replace("</w>", "") for _ in range(rng.randint(1, 9))) for _ in range(300)]
    texts += [t.upper() for t in texts[:50]] + ["".join(texts[:40]).replace(" ", "")]  # one very long word
    assert [e.ids for e in ours.encode_batch(texts)] == [e.ids for e in whole.encode_batch(texts)]


# SentencePiece unigram (XLM-R); Gemma's BPE (SigLIP 2), with byte fallback
@pytest.mark.parametrize("name", ["xlmr_tiny", "siglip2_tiny"])
def test_a_tokenizer_the_index_cannot_hold_loads_as_before_and_writes_no_index(tmp_path, name):
    source = DATA / name / "textual" / "tokenizer.json"
    cache = TokenizerCache(tmp_path / "tokenizers")
    for _ in range(2):
        tok = cache.load(source, f"{name}-tokenizer", None)
        assert _ids(tok) == _ids(Tokenizer.from_file(os.fspath(source)))
    folders = list((tmp_path / "tokenizers").iterdir()) if (tmp_path / "tokenizers").exists() else []
    assert all(os.listdir(f) == [NO_COPY] for f in folders)  # at most a note that it cannot be indexed: no retry


@pytest.mark.parametrize("damage", ["another index", "truncated", "one byte"])
def test_a_damaged_index_is_noticed_and_written_again(tmp_path, damage):
    source = DATA / "clip_tiny" / "textual" / "tokenizer.json"
    cache = TokenizerCache(tmp_path / "tokenizers")
    cache.load(source, "clip-tokenizer", None)
    (copy,) = (tmp_path / "tokenizers").iterdir()
    data = (copy / INDEX).read_bytes()
    if damage == "another index":  # loads, encodes wrong
        spec = json.loads(source.read_text(encoding="utf-8"))
        spec["model"]["merges"] = spec["model"]["merges"][: len(spec["model"]["merges"]) // 2]
        write_index(spec, copy / INDEX, {})
    else:
        at = len(data) * 3 // 4
        (copy / INDEX).write_bytes(data[:at] if damage == "truncated" else data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
    tok = cache.load(source, "clip-tokenizer", None)
    assert _ids(tok) == _ids(Tokenizer.from_file(os.fspath(source)))
    assert (copy / INDEX).read_bytes() == data  # written again
    assert isinstance(cache.load(source, "clip-tokenizer", None), QueryTokenizer)


@pytest.mark.parametrize("lost", [EXPECTED, INDEX])
def test_an_index_missing_a_file_is_written_again(tmp_path, lost):
    source = DATA / "clip_tiny" / "textual" / "tokenizer.json"
    cache = TokenizerCache(tmp_path / "tokenizers")
    cache.load(source, "clip-tokenizer", None)
    (copy,) = (tmp_path / "tokenizers").iterdir()
    (copy / lost).unlink()
    assert _ids(cache.load(source, "clip-tokenizer", None)) == _ids(Tokenizer.from_file(os.fspath(source)))
    assert (copy / lost).is_file()  # written again, so the next load is the fast one


def test_a_changed_tokenizer_gets_a_new_copy(tmp_path):
    pack = tmp_path / "pack.json"
    shutil.copy(DATA / "clip_tiny" / "textual" / "tokenizer.json", pack)
    cache = TokenizerCache(tmp_path / "tokenizers")
    cache.load(pack, "p-tokenizer", "digest-one")
    cache.load(pack, "p-tokenizer", "digest-two")  # a new version of the pack: the old copy goes
    assert len(list((tmp_path / "tokenizers").iterdir())) == 1


def test_an_unwritable_cache_still_gives_the_tokenizer(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    source = DATA / "clip_tiny" / "textual" / "tokenizer.json"
    tok = TokenizerCache(blocker / "tokenizers").load(source, "clip-tokenizer", None)
    assert _ids(tok) == _ids(Tokenizer.from_file(os.fspath(source)))


def test_the_embedder_keeps_its_copies_beside_the_optimised_models(tmp_path):
    from photoseek.core.runtime.embedder import Embedder

    pack = ModelPack.load(DATA / "clip_tiny")
    first = Embedder(pack, threads=1, cache=SessionCache(tmp_path / "cache" / "ort")).tokenize(["a red photo"])
    assert len(list((tmp_path / "cache" / "tokenizers").iterdir())) == 1
    again = Embedder(pack, threads=1, cache=SessionCache(tmp_path / "cache" / "ort")).tokenize(["a red photo"])
    assert first.tolist() == again.tolist() == Embedder(pack, threads=1).tokenize(["a red photo"]).tolist()
