"""A pack's tokenizer as its text model expects the ids: truncated and padded to the context, text cleaned first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from photoseek.core.errors import ModelPackError
from photoseek.core.runtime.pack import ModelPack
from photoseek.core.runtime.textclean import text_cleaner
from photoseek.core.runtime.tokenizer_cache import TokenizerCache

Tokenizer = tuple[Any, Callable[[str], str]]  # a tokenizers.Tokenizer and the cleaning it expects


def load_tokenizer(pack: ModelPack, cache: TokenizerCache) -> Tokenizer:
    """The pack's tokenizer with truncation/padding to context_length, and the text cleaning it expects.

    open_clip truncates to context_length keeping the end-of-text token last and pads with id 0; a tokenizer.json
    with a sot/eot post-processor does the same when truncation and padding are enabled here.
    """
    try:
        tok = cache.load(pack.tokenizer_path, f"{pack.id}-tokenizer", pack.checksum(pack.tokenizer_path))
    except Exception as e:
        raise ModelPackError(f"model pack {pack.id}: textual/tokenizer.json cannot be read: {e}") from e
    cfg = pack.tokenizer_config
    # Immich packs carry open_clip's model config as config.json, and open_clip cleans text for a Hugging Face
    # tokenizer (text_cfg.hf_tokenizer_name) with text_cfg.tokenizer_kwargs.clean, default "whitespace" (SigLIP:
    # "canonicalize"); a text_clean in tokenizer_config.json (ours) wins.
    text_cfg = pack.config.get("text_cfg") or {}
    clean_kw = (text_cfg.get("tokenizer_kwargs") or {}).get("clean")
    if clean_kw is None and text_cfg.get("hf_tokenizer_name"):
        clean_kw = "whitespace"
    if "text_clean" not in cfg and clean_kw is not None:
        cfg = {**cfg, "text_clean": {"lower": "open_clip"}.get(clean_kw, clean_kw)}
    try:
        clean = text_cleaner(cfg)
    except ValueError as e:
        raise ModelPackError(f"model pack {pack.id}: textual/tokenizer_config.json: {e}") from e
    pad_token = cfg.get("pad_token")
    if isinstance(pad_token, dict):
        pad_token = pad_token.get("content")
    pad_id = None
    if isinstance(pad_token, str):
        pad_id = tok.token_to_id(pad_token)
    if pad_id is None:
        pad_id = int(cfg.get("pad_id", 0))
        pad_token = tok.id_to_token(pad_id) or "<pad>"
    n = pack.context_length
    tok.enable_truncation(max_length=n)
    tok.enable_padding(length=n, pad_id=pad_id, pad_token=str(pad_token))
    return tok, clean


def pad_id(tok: Any) -> int:
    """The id a tokenizer from :func:`load_tokenizer` pads with."""
    pad = tok.padding
    return int(pad["pad_id"]) if pad else 0
