"""Text cleaning before tokenisation (photoseek.core.runtime.textclean) and its selection per pack."""

from __future__ import annotations

import pytest

from photoseek.core.runtime.textclean import clean_canonicalize, clean_open_clip, text_cleaner


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Tom &amp; Jerry", "tom & jerry"),
        ("fish &amp;amp; chips", "fish & chips"),
        ("Don’t “stop”", "don't \"stop\""),
        ("ﬁnal ＦＵＬＬ　width", "final full width"),
        ("  tabs\tand\nlines  ", "tabs and lines"),
        ("e\u0301", "é"),
        ("zero\ufeffbom", "zerobom"),
    ],
)
def test_open_clip_cleaning(raw: str, clean: str) -> None:
    assert clean_open_clip(raw) == clean


def test_mojibake_is_repaired_like_open_clip_does() -> None:
    assert clean_open_clip("cafÃ© au lait") == "café au lait"
    assert clean_open_clip("naïve café 東京 😀") == "naïve café 東京 😀"


def test_canonicalize_strips_punctuation() -> None:
    assert clean_canonicalize("A dog, playing_fetch!") == "a dog playing fetch"


def test_cleaner_selection() -> None:
    assert text_cleaner({"text_clean": "open_clip"}) is clean_open_clip
    assert text_cleaner({"tokenizer_class": "CLIPTokenizer"}) is clean_open_clip
    wordpiece = text_cleaner({"tokenizer_class": "BertTokenizer", "pad_token": "[PAD]"})
    assert wordpiece("Tom  &amp; Jerry ") == "Tom &amp; Jerry"  # whitespace only, case and entities kept
    with pytest.raises(ValueError):
        text_cleaner({"text_clean": "bogus"})


def test_plain_ascii_skips_ftfy_and_cleans_the_same() -> None:
    import subprocess
    import sys

    import ftfy

    from photoseek.core.runtime.textclean import basic_clean

    for text in ["a dog on the beach", "  Sunset, over: mountains!  ", "x" * 300, "r&b concert", "tab\there",
                 "line\r\nbreak", "caf\u00c3\u00a9", "\x1b[31mred"]:
        want = html_unescape_twice(ftfy.fix_text(text)).strip()
        assert basic_clean(text) == want, text
    code = ("import sys\nfrom photoseek.core.runtime.textclean import clean_open_clip\n"
            "assert clean_open_clip('A Dog  on the beach') == 'a dog on the beach'\nprint('ftfy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def html_unescape_twice(text: str) -> str:
    import html

    return html.unescape(html.unescape(text))
