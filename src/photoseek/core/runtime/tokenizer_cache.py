"""A pack's BPE tokenizer, loaded by parts: only what a query's words can use (:mod:`.query_tokenizer`).

``Tokenizer.from_file`` parses the whole tokenizer.json (CLIP's: 3.6 MB, 49,408 tokens and 48,894 merges) and
holds the GIL while it does: some 90 ms of a cold ``photoseek search``, during which the text model cannot load
either (tokenizers' own split vocab.json/merges.txt files, used before, still took ~55 ms). So the first load
writes an index of the vocabulary and merges, once per tokenizer, beside the optimised models; later loads read
its header (a few kilobytes) and, per query, the few shards its words need.

The index is used only if it encodes a set of probe texts exactly as tokenizer.json does (checked when it is
written) and is still the file that was checked (its CRC-32, kept with the probes' ids, is checked at each load, so
a damaged index is noticed and written again);
any other model type (SentencePiece unigram, WordPiece, BPE with byte fallback like Gemma's), a failed check or an
unwritable cache folder loads tokenizer.json as before. Like the optimised models, the index's folder name carries
:data:`CACHE_FORMAT`, the tokenizers and Python versions and the source file's identity, and one that fails to load is
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

CACHE_FORMAT = 2  # bump when the files of a copy, or how it is keyed, change; 2: an index instead of BPE.save files
INDEX = "index.bin"  # the vocabulary and merges by what they spell (query_tokenizer.write_index)
EXPECTED = "probes.json"  # the ids the original tokenizer gives the probe texts: the index must give the same
NO_COPY = "no-copy.txt"  # alone in a copy's folder: this tokenizer cannot be loaded by parts (why, inside)
# texts whose ids the index must reproduce: cases, punctuation, contractions, digits, accents, other scripts,
# emoji, runs of spaces, the special tokens typed as text, and one longer than any context (truncation)
PROBES = (
    "a dog on the beach", "Sunset over MOUNTAINS!!", "it's they're we'll I'd", "IMG_2019-07-04 at 12:30",
    "naïve café crème brûlée", "東京 夜景 2019", "Привет, мир", "🐶🌅 party", "  lots   of\tspace\n",
    "<start_of_text>hi<end_of_text>", "<|startoftext|>x<|endoftext|>", "<s>a</s> <pad> <unk>", "",
    "supercalifragilisticexpialidocious, antidisestablishmentarianism", "Don’t forget the “red” umbrella",
    " ".join(f"word{i}" for i in range(120)),
)


class TokenizerCache:
    """Indexes of every pack's tokenizer under one folder (``<library cache>/tokenizers``).

    Args:
        folder: where the indexes live; created on first write. None disables the cache.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def path_for(self, source: Path, label: str, digest: str | None) -> Path | None:
        if self.folder is None:
            return None
        import marshal
        import sys

        import tokenizers

        # the index is marshal data, whose format belongs to the Python version
        python = f"py{sys.version_info[0]}.{sys.version_info[1]}-marshal{marshal.version}"
        key = derived_key(source, digest, str(CACHE_FORMAT), tokenizers.__version__, python)
        return self.folder / f"{label}.f{CACHE_FORMAT}.{key}"

    def load(self, source: Path, label: str, digest: str | None) -> Any:
        """The tokenizer of ``source`` (a tokenizer.json): from its index when there is one (a
        :class:`~.query_tokenizer.QueryTokenizer`), else from the file itself, writing the index for next time.
        Raises what ``Tokenizer.from_file`` raises for a bad file."""
        from tokenizers import Tokenizer

        cached = self.path_for(source, label, digest)
        if cached is None or (cached / NO_COPY).is_file():
            return Tokenizer.from_file(os.fspath(source))
        if cached.exists():
            try:
                return open_index(cached)
            except Exception as e:  # marshal / tokenizers raise their own types; a damaged index goes
                log.warning("tokenizer index %s does not load (%s); writing it again", cached.name, e)
                _remove(cached)
        tok = Tokenizer.from_file(os.fspath(source))
        self._write(source, tok, cached, label)
        return tok

    def _write(self, source: Path, tok: Any, cached: Path, label: str) -> None:
        """Write and check the index of ``tok`` and publish it with one rename. A tokenizer that cannot be loaded
        by parts gets a folder saying so, so that later loads do not try again; a failure to write (full disk)
        leaves nothing and the next load tries again."""
        from photoseek.core.runtime.query_tokenizer import index_supported, read_spec, write_index

        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{cached.name}.", suffix=".tmp", dir=cached.parent))
        except OSError as e:
            log.info("cannot write a tokenizer index to %s: %s", cached.parent, e)
            return
        try:
            try:
                spec = read_spec(source)
                why = index_supported(spec)
                if why is not None:
                    raise ValueError(why)
                added = {t["content"]: tok.token_to_id(t["content"]) for t in spec.get("added_tokens") or []}
                crc = write_index(spec, tmp / INDEX, added)
                expected = {"format": CACHE_FORMAT, "crc32": crc, "probes": probe_ids(tok)}
                (tmp / EXPECTED).write_text(json.dumps(expected), encoding="utf-8")
                if probe_ids(open_index(tmp)) != expected["probes"]:
                    raise ValueError("the index encodes the probe texts differently from the original")
            except OSError:
                raise
            except Exception as e:  # not BPE, tokenizers refusing the small tokenizer, other ids
                log.info("tokenizer %s cannot be loaded by parts (tokenizer.json loads each time): %s", label, e)
                for f in tmp.iterdir():
                    f.unlink()
                (tmp / NO_COPY).write_text(f"{e}\n", encoding="utf-8")
            os.rename(tmp, cached)
        except OSError as e:  # a full disk; an index another process published first
            log.info("cannot keep a tokenizer index %s: %s", cached.name, e)
            _remove(tmp)
            return
        for old in cached.parent.glob(f"{label}.f*"):
            if old != cached:
                _remove(old)


def open_index(folder: Path) -> Any:
    """The tokenizer of an index folder. Raises ValueError when the index is not the file that was checked."""
    from photoseek.core.runtime.query_tokenizer import QueryTokenizer

    expected = json.loads((folder / EXPECTED).read_text(encoding="utf-8"))
    if expected.get("format") != CACHE_FORMAT or not isinstance(expected.get("crc32"), int):
        raise ValueError(f"{EXPECTED} is not of format {CACHE_FORMAT}")
    return QueryTokenizer(folder / INDEX, expected["crc32"])


def probe_ids(tok: Any) -> list[Any]:
    """What ``tok`` makes of every probe text (ids, tokens, special-token mask), after its vocabulary size."""
    out: list[Any] = [tok.get_vocab_size()]
    for enc in tok.encode_batch(list(PROBES)):
        out.append([enc.ids, enc.tokens, enc.special_tokens_mask])
    return out


def _remove(p: Path) -> None:
    shutil.rmtree(p, ignore_errors=True)
