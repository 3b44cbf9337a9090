"""A BPE tokenizer that loads only the part of its vocabulary a query can use.

tokenizers builds a BPE model's whole vocabulary and merge table when it loads (CLIP: 49,408 tokens, 48,894 merges;
~55 ms holding the GIL, the largest piece of a cold ``photoseek search`` after Python's own imports). A query needs
a few dozen of them. BPE only ever merges two neighbouring symbols of one pre-tokenized word, so every symbol it
forms, and every merge it can apply, spells a substring of that word (the last symbol carries the end-of-word
suffix). A tokenizer whose vocabulary and merges are those substrings' entries, the merges in their original
order, therefore encodes the word exactly as the whole one does.

:func:`write_index` stores a tokenizer's vocabulary and merges by the first two characters of what they spell, in
shards of one file; :class:`QueryTokenizer` parses its header (the tokenizer without its vocabulary: normalizer,
pre-tokenizer, special tokens, post-processor) and, for each batch of texts, the shards their words need, then
has tokenizers build and run the small tokenizer. Tokenizing is still tokenizers' work; only choosing what it
loads is ours. :func:`index_supported` says which BPE models this holds for (no dropout, no byte fallback, no
continuing-subword prefix); the cache that writes the index checks it against the whole tokenizer on probe texts.
"""

from __future__ import annotations

import json
import marshal
import os
import struct
import zlib
from pathlib import Path
from typing import Any

FORMAT = 1
_HEAD = struct.Struct("<Q")  # the header's length, then the header (marshal), then the shards (marshal each)


def index_supported(spec: dict[str, Any]) -> str | None:
    """Why the tokenizer of ``spec`` (tokenizer.json, parsed) cannot be loaded by parts, or None when it can."""
    model = spec.get("model") or {}
    if model.get("type") != "BPE":
        return f"its model is {model.get('type')}, not BPE"
    if model.get("dropout") or model.get("byte_fallback") or model.get("continuing_subword_prefix"):
        return "its BPE uses dropout, byte fallback or a continuing-subword prefix"
    if not spec.get("pre_tokenizer"):
        return "it has no pre-tokenizer (words could span the whole text)"
    return None


def write_index(spec: dict[str, Any], path: Path, added: dict[str, int]) -> int:
    """Write the index of the tokenizer ``spec`` (tokenizer.json, parsed) to ``path``; returns its CRC-32.
    ``added``: the ids the whole tokenizer gives its added (special) tokens, which every small one keeps."""
    model = spec["model"]
    entries: dict[str, list[Any]] = {s: [i] for s, i in model["vocab"].items()}
    for rank, merge in enumerate(model["merges"]):
        a, b = merge.split(" ", 1) if isinstance(merge, str) else merge
        entries.setdefault(a + b, [-1]).extend((rank, a, b))
    shards: dict[str, dict[str, tuple[Any, ...]]] = {}
    for s, e in entries.items():
        shards.setdefault(s[:2], {})[s] = tuple(e)
    skeleton = {**spec, "model": {**model, "vocab": {}, "merges": []}}
    blobs, table, offset = [], {}, 0
    for key, shard in shards.items():
        blob = marshal.dumps(shard)
        table[key] = (offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    header = marshal.dumps({
        "format": FORMAT, "skeleton": json.dumps(skeleton, ensure_ascii=False), "shards": table,
        "vocab_size": len(model["vocab"]), "longest": max(map(len, entries)),
        "suffix": model.get("end_of_word_suffix") or "",
        "specials": sorted((t["content"] for t in spec.get("added_tokens") or []), key=len, reverse=True),
        "added": added,
    })
    data = b"".join([_HEAD.pack(len(header)), header, *blobs])
    path.write_bytes(data)
    return zlib.crc32(data)


class QueryTokenizer:
    """The part of :class:`tokenizers.Tokenizer` the embedder uses, building for each batch of texts a tokenizer
    of what they need.

    Args:
        path: the index file, read whole (1.8 MB for CLIP: 0.3 ms; parsing all of it would take ~25 ms).
        crc: its CRC-32 when it was written and checked.

    Raises ValueError when the file is damaged (another CRC) or not an index of this format.
    """

    def __init__(self, path: Path, crc: int) -> None:
        from tokenizers import Tokenizer

        with open(path, "rb") as f:
            data = f.read()
        if zlib.crc32(data) != crc:
            raise ValueError(f"{path.name} is damaged (its checksum changed)")
        (n,) = _HEAD.unpack_from(data)
        head = marshal.loads(data[_HEAD.size:_HEAD.size + n])
        if not isinstance(head, dict) or head.get("format") != FORMAT:
            raise ValueError(f"{path.name} is not a tokenizer index of format {FORMAT}")
        self._data = memoryview(data)[_HEAD.size + n:]
        self._head = head
        self._skeleton = json.loads(head["skeleton"])
        self._words = Tokenizer.from_str(head["skeleton"])  # normalizer and pre-tokenizer, no vocabulary
        self._shards: dict[str, dict[str, tuple[Any, ...]]] = {}
        self._truncation: dict[str, Any] | None = None
        self._padding: dict[str, Any] | None = None

    # what the embedder asks of a tokenizer -------------------------------------------------------------------
    def enable_truncation(self, max_length: int) -> None:
        self._truncation = {"max_length": max_length}

    def enable_padding(self, **kwargs: Any) -> None:
        self._padding = kwargs

    @property
    def padding(self) -> dict[str, Any] | None:
        return {"pad_id": self._padding.get("pad_id", 0), **self._padding} if self._padding is not None else None

    def get_vocab_size(self) -> int:
        return int(self._head["vocab_size"])

    def token_to_id(self, token: str) -> int | None:
        entry = self._entries({token}).get(token)
        if entry is not None and entry[0] >= 0:
            return int(entry[0])
        return self._words.token_to_id(token)  # a special token

    def id_to_token(self, token_id: int) -> str | None:
        special = self._words.id_to_token(token_id)
        if special is not None:
            return str(special)
        for offset, length in self._head["shards"].values():  # rare (a pad token named by id only): every shard
            for s, e in marshal.loads(self._data[offset:offset + length]).items():
                if e[0] == token_id:
                    return str(s)
        return None

    def encode_batch(self, texts: list[str]) -> list[Any]:
        return self._for(texts).encode_batch(texts)

    def _configured(self, tok: Any) -> Any:
        if self._truncation is not None:
            tok.enable_truncation(**self._truncation)
        if self._padding is not None:
            tok.enable_padding(**self._padding)
        return tok

    # the small tokenizer -------------------------------------------------------------------------------------
    def _for(self, texts: list[str]) -> Any:
        """A tokenizers.Tokenizer holding every token and merge the words of ``texts`` can use."""
        from tokenizers import Tokenizer

        vocab: dict[str, int] = dict(self._head["added"])  # else tokenizers numbers them after the small vocabulary
        merges: list[tuple[int, str, str]] = []
        for s, e in self._entries(self._substrings(texts)).items():
            if e[0] >= 0:
                vocab[s] = e[0]
            merges.extend((e[k], e[k + 1], e[k + 2]) for k in range(1, len(e), 3))
        merges.sort()
        model = {**self._skeleton["model"], "vocab": vocab, "merges": [[a, b] for _, a, b in merges]}
        return self._configured(Tokenizer.from_str(json.dumps({**self._skeleton, "model": model}, ensure_ascii=False)))

    def _substrings(self, texts: list[str]) -> set[str]:
        """Every substring of every word the pre-tokenizer makes of ``texts`` (of the whole text and of each piece
        between special tokens, as tokenizers splits them off first), the word's ends with the end-of-word
        suffix, up to the longest entry's length."""
        suffix, longest = self._head["suffix"], int(self._head["longest"])
        norm, pre = self._words.normalizer, self._words.pre_tokenizer
        out: set[str] = set()
        for text in texts:
            pieces = [text]
            for special in self._head["specials"]:
                pieces = [p for piece in pieces for p in piece.split(special)]
            for piece in {text, *pieces}:
                for word, _ in pre.pre_tokenize_str(norm.normalize_str(piece) if norm is not None else piece):
                    n = len(word)
                    for i in range(n):
                        out.update(word[i:j] for j in range(i + 1, min(n, i + longest) + 1))
                        out.add(word[i:] + suffix)
        return out

    def _entries(self, strings: set[str]) -> dict[str, tuple[Any, ...]]:
        """The index entries (vocabulary id or -1, then rank, left, right of each merge spelling it) of
        ``strings`` that have one, parsing the shards not parsed yet."""
        table = self._head["shards"]
        for key in {s[:2] for s in strings} - self._shards.keys():
            if key in table:
                offset, length = table[key]
                self._shards[key] = marshal.loads(self._data[offset:offset + length])
        found = {}
        for s in strings:
            e = self._shards.get(s[:2], {}).get(s)
            if e is not None:
                found[s] = e
        return found


def read_spec(path: Path) -> dict[str, Any]:
    with open(os.fspath(path), encoding="utf-8") as f:
        spec = json.load(f)
    if not isinstance(spec, dict):
        raise ValueError(f"{path.name} does not hold a JSON object")
    return spec
