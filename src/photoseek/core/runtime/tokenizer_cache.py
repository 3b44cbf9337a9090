"""A pack's BPE tokenizer, loaded in half the time from a copy split into its vocabulary, merges and the rest.

``Tokenizer.from_file`` parses the whole tokenizer.json (CLIP's: 3.6 MB, 49,408 tokens and 48,894 merges) and
holds the GIL while it does: some 90 ms of a cold ``photoseek search``, during which the text model cannot load
either. tokenizers' own ``BPE.from_file`` reads the same vocabulary and merges from the ``vocab.json`` and
``merges.txt`` that ``BPE.save`` writes in about half of that, and the rest of the tokenizer (normalizer,
pre-tokenizer, special tokens, post-processor) is a few kilobytes. So the first load writes that split copy, once
per tokenizer, beside the optimised models; later loads put the tokenizer together from it.

The copy is used only if the tokenizer it makes encodes a set of probe texts exactly as tokenizer.json does
(checked when it is written, and against the ids kept with it each time it loads, so a damaged copy is noticed
and written again); any other model type (SentencePiece unigram, WordPiece), a failed check or an
unwritable cache folder loads tokenizer.json as before. Like the optimised models, the copy's folder name carries
:data:`CACHE_FORMAT`, the tokenizers version and the source file's identity, and a copy that fails to load is
deleted and written again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from photoseek.core.runtime.session_cache import derived_key

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when the files of a copy, or how it is keyed, change
REST = "rest.json"  # tokenizer.json with the model's vocabulary cut to the special tokens and no merges
EXPECTED = "probes.json"  # the ids the original tokenizer gives the probe texts: a copy must give the same
NO_COPY = "no-copy.txt"  # alone in a copy's folder: this tokenizer cannot be split (why, inside); do not try again
VOCAB, MERGES = "vocab.json", "merges.txt"  # what BPE.save writes
# texts whose ids the split copy must reproduce: cases, punctuation, contractions, digits, accents, other scripts,
# emoji, runs of spaces, the special tokens typed as text, and one longer than any context (truncation)
PROBES = (
    "a dog on the beach", "Sunset over MOUNTAINS!!", "it's they're we'll I'd", "IMG_2019-07-04 at 12:30",
    "naïve café crème brûlée", "東京 夜景 2019", "Привет, мир", "🐶🌅 party", "  lots   of\tspace\n",
    "<start_of_text>hi<end_of_text>", "<|startoftext|>x<|endoftext|>", "<s>a</s> <pad> <unk>", "",
    " ".join(f"word{i}" for i in range(120)),
)


class TokenizerCache:
    """Split copies of every pack's tokenizer under one folder (``<library cache>/tokenizers``).

    Args:
        folder: where the copies live; created on first write. None disables the cache.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def path_for(self, source: Path, label: str, digest: str | None) -> Path | None:
        if self.folder is None:
            return None
        import tokenizers

        key = derived_key(source, digest, str(CACHE_FORMAT), tokenizers.__version__)
        return self.folder / f"{label}.f{CACHE_FORMAT}.{key}"

    def load(self, source: Path, label: str, digest: str | None) -> Any:
        """The tokenizer of ``source`` (a tokenizer.json): from its split copy when there is one, else from the file
        itself, writing the copy for next time. Raises what ``Tokenizer.from_file`` raises for a bad file."""
        from tokenizers import Tokenizer

        cached = self.path_for(source, label, digest)
        if cached is None or (cached / NO_COPY).is_file():
            return Tokenizer.from_file(os.fspath(source))
        if cached.exists():
            try:
                return assemble(cached)
            except Exception as e:  # tokenizers raises its own exception types; a damaged copy goes
                log.warning("tokenizer copy %s does not load (%s); writing it again", cached.name, e)
                _remove(cached)
        tok = Tokenizer.from_file(os.fspath(source))
        self._write(tok, cached, label)
        return tok

    def _write(self, tok: Any, cached: Path, label: str) -> None:
        """Write and check the split copy of ``tok`` and publish it with one rename. A tokenizer that cannot be
        split gets a folder saying so, so that later loads do not try again; a failure to write (full disk) leaves
        nothing and the next load tries again."""
        from tokenizers import models

        if not isinstance(tok.model, models.BPE):
            return
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{cached.name}.", suffix=".tmp", dir=cached.parent))
        except OSError as e:
            log.info("cannot write a tokenizer copy to %s: %s", cached.parent, e)
            return
        try:
            try:
                _split(tok, tmp)
                assemble(tmp)  # raises when the copy does not encode the probes as the original does
            except OSError:
                raise
            except Exception as e:  # tokenizers refusing the split files (merges holding spaces), other ids
                log.info("tokenizer %s cannot be split (tokenizer.json loads each time): %s", label, e)
                for f in tmp.iterdir():
                    f.unlink()
                (tmp / NO_COPY).write_text(f"{e}\n", encoding="utf-8")
            os.rename(tmp, cached)
        except OSError as e:  # a full disk; a copy another process published first
            log.info("cannot keep a tokenizer copy %s: %s", cached.name, e)
            _remove(tmp)
            return
        for old in cached.parent.glob(f"{label}.f*"):
            if old != cached:
                _remove(old)


def _split(tok: Any, folder: Path) -> None:
    """Write ``tok`` as its BPE vocabulary and merges (tokenizers' own files), the rest, and the probes' ids."""
    tok.model.save(os.fspath(folder))
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    spec["model"]["vocab"] = {t["content"]: t["id"] for t in spec.get("added_tokens") or []
                              if vocab.get(t["content"]) == t["id"]}
    spec["model"]["merges"] = []
    (folder / REST).write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    expected = {"format": CACHE_FORMAT, "probes": probe_ids(tok)}
    (folder / EXPECTED).write_text(json.dumps(expected), encoding="utf-8")


def assemble(folder: Path) -> Any:
    """A tokenizer from a split copy: the small rest, then its BPE model read by tokenizers from the vocabulary
    and merges files, with the options the rest carries. Raises ValueError when it does not give the probe texts
    the ids the original gave them (a damaged or foreign copy)."""
    from tokenizers import Tokenizer, models

    tok = Tokenizer.from_file(os.fspath(folder / REST))
    stub = tok.model
    if not isinstance(stub, models.BPE):
        raise ValueError("the copy's model is not BPE")
    tok.model = models.BPE.from_file(
        os.fspath(folder / VOCAB), os.fspath(folder / MERGES), dropout=stub.dropout, unk_token=stub.unk_token,
        continuing_subword_prefix=stub.continuing_subword_prefix, end_of_word_suffix=stub.end_of_word_suffix,
        fuse_unk=stub.fuse_unk, byte_fallback=stub.byte_fallback, ignore_merges=stub.ignore_merges)
    expected = json.loads((folder / EXPECTED).read_text(encoding="utf-8"))
    if expected.get("format") != CACHE_FORMAT or expected.get("probes") != probe_ids(tok):
        raise ValueError("the copy encodes the probe texts differently from the original")
    return tok


def probe_ids(tok: Any) -> list[Any]:
    """What ``tok`` makes of every probe text (ids, tokens, special-token mask), and its vocabulary size."""
    out: list[Any] = [tok.get_vocab_size()]
    for enc in tok.encode_batch(list(PROBES)):
        out.append([enc.ids, enc.tokens, enc.special_tokens_mask])
    return out


def _remove(p: Path) -> None:
    shutil.rmtree(p, ignore_errors=True)
