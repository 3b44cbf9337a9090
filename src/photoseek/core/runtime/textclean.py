"""Text cleaning done before a pack's tokenizer, to match how the model's own tokenizer cleans text.

open_clip's ``SimpleTokenizer`` (CLIP) runs ``ftfy.fix_text`` then ``html.unescape`` twice, collapses whitespace and
lower-cases before BPE; a ``tokenizer.json`` cannot express the ftfy/html part, so it happens here, with ftfy
itself (mojibake repair included), exactly as open_clip does it.

The mode comes from the pack's ``textual/tokenizer_config.json``: ``"text_clean"`` = ``"open_clip"`` |
``"canonicalize"`` (SigLIP: also strips punctuation) | ``"whitespace"`` (open_clip's HFTokenizer default: ftfy and
html like CLIP, no lower-casing) | ``"none"``; without the key, ``tokenizer_class`` CLIPTokenizer(Fast) means
``open_clip`` and anything else ``none``. (The embedder first looks at config.json the way open_clip does, see
``tokenizer.load_tokenizer``.)
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any


def whitespace_clean(text: str) -> str:
    return " ".join(text.split())


def basic_clean(text: str) -> str:
    """open_clip.tokenizer.basic_clean.

    Printable ASCII without ``&`` is left as it is by ftfy (every fix it makes needs a non-ASCII character, a
    control character or an HTML entity) and by ``html.unescape``, so a typical query skips importing ftfy
    (80 ms of a cold CLI search) and html with its table of entities (1-2 ms)."""
    if text.isascii() and text.isprintable() and "&" not in text:
        return text.strip()
    import html

    import ftfy

    text = ftfy.fix_text(text)
    text = html.unescape(html.unescape(text))
    return text.strip()


def clean_open_clip(text: str) -> str:
    """open_clip's default ('lower') cleaning: basic_clean, whitespace, lower case."""
    return whitespace_clean(basic_clean(text)).lower()


_PUNCT = str.maketrans("", "", string.punctuation)


def clean_canonicalize(text: str) -> str:
    """open_clip's 'canonicalize' cleaning (SigLIP): basic_clean, lower case, no ASCII punctuation, whitespace."""
    return whitespace_clean(basic_clean(text).replace("_", " ").translate(_PUNCT).lower())


def clean_whitespace(text: str) -> str:
    """open_clip's 'whitespace' cleaning (HFTokenizer's default, e.g. XLM-RoBERTa towers): basic_clean, whitespace."""
    return whitespace_clean(basic_clean(text))


_MODES: dict[str, Callable[[str], str]] = {
    "open_clip": clean_open_clip,
    "canonicalize": clean_canonicalize,
    "whitespace": clean_whitespace,
    "none": whitespace_clean,
}


def text_cleaner(tokenizer_config: dict[str, Any]) -> Callable[[str], str]:
    """The cleaning function a pack's ``tokenizer_config.json`` asks for (see module docstring).

    Every mode collapses runs of whitespace and strips the ends (open_clip does; harmless for other tokenizers).
    """
    mode = tokenizer_config.get("text_clean")
    if mode is None:
        cls = str(tokenizer_config.get("tokenizer_class") or "")
        mode = "open_clip" if cls in ("CLIPTokenizer", "CLIPTokenizerFast") else "none"
    try:
        return _MODES[str(mode)]
    except KeyError:
        raise ValueError(f"unknown text_clean {mode!r} (expected one of {', '.join(_MODES)})") from None
