"""A BPE tokenizer loads from its split copy (half the time of tokenizer.json) and encodes exactly as before."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.session_cache import SessionCache
from photoseek.core.runtime.tokenizer_cache import EXPECTED, MERGES, NO_COPY, REST, TokenizerCache

DATA = Path(__file__).resolve().parents[1] / "data"
TEXTS = [
    "a dog on the beach", "Sunset over the MOUNTAINS, 2019!", "l'été à Paris", "Schnee im Dezember", "猫と犬",
    "a photo of a 🐈 on a sofa", "don't   stop\nbelieving", "x" * 300, "<|endoftext|> inside text", "",
    "receipt total $12.99 #42", "IMG_0042.JPG", "crème brûlée", "Ünïcödé ß ø æ", "一二三 四五六 七八九",
]


def _ids(tok: Tokenizer) -> list[list[int]]:
    return [e.ids for e in tok.encode_batch(TEXTS)]


@pytest.mark.parametrize("name", ["clip_tiny", "immich_clip_tiny"])
def test_a_bpe_tokenizer_loads_from_its_copy_and_encodes_as_the_original(tmp_path, name):
    source = DATA / name / "textual" / "tokenizer.json"
    cache = TokenizerCache(tmp_path / "tokenizers")
    first = cache.load(source, f"{name}-tokenizer", None)  # reads tokenizer.json, writes the copy
    copies = list((tmp_path / "tokenizers").iterdir())
    assert len(copies) == 1 and (copies[0] / MERGES).is_file()
    assert (copies[0] / REST).stat().st_size < 64_000  # the rest is small: the vocabulary and merges are apart
    second = cache.load(source, f"{name}-tokenizer", None)
    original = Tokenizer.from_file(os.fspath(source))
    assert _ids(first) == _ids(second) == _ids(original)
    assert second.get_vocab_size() == original.get_vocab_size()
    assert [t for t in os.listdir(tmp_path / "tokenizers") if t.startswith(".")] == []  # no temporary folder left


# SentencePiece unigram (XLM-R); Gemma's BPE (SigLIP 2), whose merges hold spaces that merges.txt cannot
@pytest.mark.parametrize("name", ["xlmr_tiny", "siglip2_tiny"])
def test_a_tokenizer_the_copy_cannot_hold_loads_as_before_and_writes_no_copy(tmp_path, name):
    source = DATA / name / "textual" / "tokenizer.json"
    cache = TokenizerCache(tmp_path / "tokenizers")
    for _ in range(2):
        tok = cache.load(source, f"{name}-tokenizer", None)
        assert _ids(tok) == _ids(Tokenizer.from_file(os.fspath(source)))
    folders = list((tmp_path / "tokenizers").iterdir()) if (tmp_path / "tokenizers").exists() else []
    assert all(os.listdir(f) == [NO_COPY] for f in folders)  # at most a note that it cannot be split: no retry


def test_a_damaged_copy_is_noticed_and_written_again(tmp_path):
    source = DATA / "clip_tiny" / "textual" / "tokenizer.json"
    cache = TokenizerCache(tmp_path / "tokenizers")
    cache.load(source, "clip-tokenizer", None)
    (copy,) = (tmp_path / "tokenizers").iterdir()
    merges = (copy / MERGES).read_text(encoding="utf-8").splitlines()
    (copy / MERGES).write_text("\n".join(merges[: len(merges) // 2]) + "\n", encoding="utf-8")  # loads, encodes wrong
    tok = cache.load(source, "clip-tokenizer", None)
    assert _ids(tok) == _ids(Tokenizer.from_file(os.fspath(source)))
    assert len((copy / MERGES).read_text(encoding="utf-8").splitlines()) == len(merges)  # the copy was rewritten


@pytest.mark.parametrize("lost", [EXPECTED, MERGES, REST])
def test_a_copy_missing_a_file_is_written_again(tmp_path, lost):
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
