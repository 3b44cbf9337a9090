"""The OCR engine on real photos with rendered text (tests/text_photos.py) and on photos without text."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from photoseek.core.runtime.ocr import TextReader, engine_version
from text_photos import make_text_photos

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader(threads=1)


def test_photo_without_text_runs_the_detector_only(reader):
    fresh = TextReader(threads=1)
    got = fresh.read(Image.open(PHOTOS / "chelsea.jpg"))
    assert got.lines == ()
    assert not fresh.recogniser_loaded  # nothing found, so the recogniser was never even created


def test_words_on_a_tilted_sign_and_a_receipt_are_read(tmp_path, reader):
    sign, receipt = make_text_photos(sorted(PHOTOS.glob("*.jpg")), tmp_path, 2, angles=(-8.0, 0.0))
    text = reader.read(Image.open(sign.path)).text.lower()
    assert "wifi: moonlight42" in text
    words = set(reader.read(Image.open(receipt.path)).text.lower().split())
    assert len(words & {w.lower() for w in receipt.words}) >= len(receipt.words) // 2, words
    assert reader.recogniser_loaded


def test_version_names_models_and_postprocessing():
    v = engine_version()
    assert v.startswith("rapidocr-") and "det" in v and "rec" in v and v.endswith(":p1")
    assert TextReader().version == v
