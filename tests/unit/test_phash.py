"""The perceptual hash on real photos: edits of one photo stay close, different photos of one subject do not."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from photoseek.core.imaging.phash import CROPS, distance, from_bytes, hamming, image_hash, perceptual_hash, to_bytes

PHOTOS = Path(__file__).resolve().parents[2] / "bench" / "photos"


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue()))


def test_edits_of_one_photo_keep_the_hash_close() -> None:
    cat = Image.open(PHOTOS / "cat.jpg").convert("RGB")
    w, h = cat.size
    h0 = perceptual_hash(cat)
    assert hamming(h0, perceptual_hash(cat.resize((w // 3, h // 3)))) <= 4
    assert hamming(h0, perceptual_hash(_jpeg(cat, 40))) <= 4
    assert hamming(h0, perceptual_hash(cat.crop((w // 40, h // 40, w - w // 40, h - h // 40)))) <= 12
    assert perceptual_hash(cat.convert("L")) == perceptual_hash(cat.convert("L").convert("RGB"))


def test_different_photos_of_one_subject_are_far_apart() -> None:
    flowers = [perceptual_hash(Image.open(PHOTOS / f"{n}.jpg")) for n in ("orange_flower", "yellow_flower",
                                                                          "red_marigold", "dahlia_flower")]
    assert min(hamming(a, b) for i, a in enumerate(flowers) for b in flowers[i + 1:]) > 20


def test_hash_is_64_bits_and_hamming_counts_them() -> None:
    h = perceptual_hash(Image.open(PHOTOS / "coins.jpg"))
    assert 0 <= h < 2**64
    assert hamming(h, h) == 0
    assert hamming(h, h ^ (2**64 - 1)) == 64


def test_crops_of_the_photo_meet_a_crop_of_the_original() -> None:
    """A 10 % crop is far from the whole photo's hash, but near the hash of the original cut about the same way."""
    pier = Image.open(PHOTOS / "foggy_pier.jpg").convert("RGB")
    w, h = pier.size
    copy = pier.crop((w // 50, h // 50, w - w * 8 // 100, h - h * 8 // 100)).resize((w * 4 // 5, h * 4 // 5))
    a, b = image_hash(pier), image_hash(_jpeg(copy, 80))
    assert len(a) == len(CROPS) and a[0] == perceptual_hash(pier)
    assert hamming(a[0], b[0]) > distance(a, b)
    assert distance(a, b) <= 12
    assert distance(a, b) == distance(b, a)
    lake = image_hash(Image.open(PHOTOS / "lake_pier.jpg"))
    assert distance(a, lake) > 20  # another pier, another photo
    assert from_bytes(to_bytes(a)) == a
