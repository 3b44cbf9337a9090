"""Text cleaning done before a pack's tokenizer, to match how the model's own tokenizer cleans text.

open_clip's ``SimpleTokenizer`` (CLIP) runs ``ftfy.fix_text`` then ``html.unescape`` twice, collapses whitespace and
lower-cases before BPE; a ``tokenizer.json`` cannot express the ftfy/html part. ftfy is not a runtime dependency,
so :func:`clean_open_clip` re-implements the parts of ``ftfy.fix_text`` (6.x defaults) that matter for typed
queries: HTML entities, terminal escapes, C1 controls, Latin ligatures, full/half-width forms, curly quotes,
line breaks, surrogates, control characters and NFC, applied until nothing changes, like ftfy. Not reproduced:
ftfy's mojibake repair (``fix_encoding``: e.g. "cafÃ©" -> "café"); text that needs it tokenises differently.

The mode comes from the pack's ``textual/tokenizer_config.json``: ``"text_clean"`` = ``"open_clip"`` |
``"canonicalize"`` (SigLIP: also strips punctuation) | ``"none"``; without the key, ``tokenizer_class``
CLIPTokenizer(Fast) means ``open_clip`` and anything else ``none``.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from collections.abc import Callable
from typing import Any

# ftfy.chardata.LIGATURES (Latin ligatures and digraphs only)
_LIGATURES = {
    ord("Ĳ"): "IJ",
    ord("ĳ"): "ij",
    ord("ŉ"): "ʼn",
    ord("Ǳ"): "DZ",
    ord("ǲ"): "Dz",
    ord("ǳ"): "dz",
    ord("Ǆ"): "DŽ",
    ord("ǅ"): "Dž",
    ord("ǆ"): "dž",
    ord("Ǉ"): "LJ",
    ord("ǈ"): "Lj",
    ord("ǉ"): "lj",
    ord("Ǌ"): "NJ",
    ord("ǋ"): "Nj",
    ord("ǌ"): "nj",
    ord("ﬀ"): "ff",
    ord("ﬁ"): "fi",
    ord("ﬂ"): "fl",
    ord("ﬃ"): "ffi",
    ord("ﬄ"): "ffl",
    ord("ﬅ"): "ſt",
    ord("ﬆ"): "st",
}


def _width_map() -> dict[int, str]:  # ftfy.chardata._build_width_map
    m = {0x3000: " "}
    for i in range(0xFF01, 0xFFF0):
        alt = unicodedata.normalize("NFKC", chr(i))
        if alt != chr(i):
            m[i] = alt
    return m


def _control_chars() -> dict[int, None]:  # ftfy.chardata._build_control_char_mapping
    cps = [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F, *range(0x206A, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFD)]
    return dict.fromkeys(cps)


_WIDTH = _width_map()
_CONTROL = _control_chars()
_SINGLE_QUOTE_RE = re.compile("[\u02bc\u2018-\u201b]")
_DOUBLE_QUOTE_RE = re.compile("[\u201c-\u201f]")
_ANSI_RE = re.compile("\033\\[((?:\\d|;)*)([a-zA-Z])")
_C1_RE = re.compile(r"[\x80-\x9f]")
_ENTITY_RE = re.compile(r"&#?[0-9A-Za-z]{1,24};")
_SURROGATE_PAIR_RE = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_LINEBREAK_RE = re.compile("\r\n|\r|\u2028|\u2029|\u0085")


def _c1(m: re.Match[str]) -> str:
    # ftfy's "sloppy-windows-1252": cp1252, with its five undefined bytes mapped to themselves
    b = m.group(0).encode("latin-1")
    try:
        return b.decode("cp1252")
    except UnicodeDecodeError:
        return m.group(0)


def _entity(m: re.Match[str]) -> str:
    # ftfy.fixes.unescape_html decodes only semicolon-terminated entities; html.unescape is close enough here
    # (ftfy additionally decodes a few all-caps names such as &EACUTE;).
    return html.unescape(m.group(0))


def _surrogate_pair(m: re.Match[str]) -> str:
    hi, lo = (ord(c) for c in m.group(0))
    return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))


def ftfy_lite(text: str) -> str:
    """The parts of ``ftfy.fix_text`` listed in the module docstring, to a fixed point."""
    unescape = "<" not in text  # ftfy's unescape_html="auto"
    for _ in range(10):
        orig = text
        if unescape:
            text = _ENTITY_RE.sub(_entity, text)
        text = _C1_RE.sub(_c1, text)
        text = text.translate(_LIGATURES)
        text = text.translate(_WIDTH)
        text = _SINGLE_QUOTE_RE.sub("'", _DOUBLE_QUOTE_RE.sub('"', text))
        text = _LINEBREAK_RE.sub("\n", text)
        if _SURROGATE_RE.search(text):
            text = _SURROGATE_RE.sub("\ufffd", _SURROGATE_PAIR_RE.sub(_surrogate_pair, text))
        text = _ANSI_RE.sub("", text)
        text = text.translate(_CONTROL)
        text = unicodedata.normalize("NFC", text)
        if text == orig:
            break
    return text


def whitespace_clean(text: str) -> str:
    return " ".join(text.split())


def basic_clean(text: str) -> str:
    """open_clip.tokenizer.basic_clean with :func:`ftfy_lite` for ftfy."""
    text = ftfy_lite(text)
    text = html.unescape(html.unescape(text))
    return text.strip()


def clean_open_clip(text: str) -> str:
    """open_clip's default ('lower') cleaning: basic_clean, whitespace, lower case."""
    return whitespace_clean(basic_clean(text)).lower()


_PUNCT = str.maketrans("", "", string.punctuation)


def clean_canonicalize(text: str) -> str:
    """open_clip's 'canonicalize' cleaning (SigLIP): basic_clean, lower case, no ASCII punctuation, whitespace."""
    return whitespace_clean(basic_clean(text).replace("_", " ").translate(_PUNCT).lower())


_MODES: dict[str, Callable[[str], str]] = {
    "open_clip": clean_open_clip,
    "canonicalize": clean_canonicalize,
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
