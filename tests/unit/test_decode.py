"""Decoding real files in every supported format, EXIF handling, draft mode and every failure reason."""

from __future__ import annotations

import os
import struct
import zlib
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoseek.core.errors import DecodeError
from photoseek.core.imaging import decode as decode_mod
from photoseek.core.imaging.decode import decode, is_photo_path


def _mean_rgb(img: Image.Image) -> np.ndarray:
    return np.asarray(img, dtype=np.float32).reshape(-1, 3).mean(axis=0)


def _close(img: Image.Image, rgb: tuple[int, int, int], tol: float = 25) -> bool:
    return bool(np.all(np.abs(_mean_rgb(img) - np.asarray(rgb, np.float32)) < tol))


@pytest.mark.parametrize("name,fmt", [
    ("a.jpg", "JPEG"), ("a.png", "PNG"), ("a.webp", "WEBP"), ("a.tif", "TIFF"), ("a.bmp", "BMP"), ("a.gif", "GIF"),
])
def test_common_formats_decode_to_rgb_with_size_and_colour(tmp_path, make_photo, name, fmt):
    p = make_photo(tmp_path / name, "blue", (320, 240), fmt=fmt)
    d = decode(p)
    assert d.image.mode == "RGB"
    assert d.image.size == (320, 240)
    assert (d.meta.width, d.meta.height) == (320, 240)
    assert _close(d.image, (30, 60, 220))


def test_rgba_png_is_flattened_onto_white(tmp_path):
    arr = np.zeros((40, 60, 4), dtype=np.uint8)
    arr[:, :30] = (255, 0, 0, 255)  # opaque red left half
    arr[:, 30:] = (0, 0, 255, 0)  # fully transparent right half
    p = tmp_path / "alpha.png"
    Image.fromarray(arr, "RGBA").save(p)
    img = decode(p).image
    assert img.mode == "RGB"
    assert img.getpixel((5, 5)) == (255, 0, 0)
    assert img.getpixel((50, 5)) == (255, 255, 255)  # not black: transparency shows as a viewer shows it


def test_animated_gif_gives_first_frame(tmp_path):
    frames = [Image.new("RGB", (48, 32), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    p = tmp_path / "anim.gif"
    frames[0].save(p, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(p).n_frames == 3
    img = decode(p).image
    assert img.size == (48, 32)
    assert _close(img, (255, 0, 0), tol=10)


def test_heic_decodes(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    p = tmp_path / "a.heic"
    img = Image.new("RGB", (128, 96), (30, 180, 40))
    try:
        pillow_heif.from_pillow(img).save(p, quality=90)
    except Exception as e:  # pragma: no cover - depends on the libheif build
        pytest.skip(f"no HEIC encoder in this pillow_heif build: {e}")
    d = decode(p)
    assert d.image.size == (128, 96)
    assert _close(d.image, (30, 180, 40))


def test_avif_decodes(tmp_path):
    p = tmp_path / "a.avif"
    img = Image.new("RGB", (128, 96), (245, 140, 20))
    try:
        img.save(p, format="AVIF", quality=90)
    except (KeyError, OSError, ValueError) as e:  # pragma: no cover - Pillow built without an AVIF encoder
        pytest.skip(f"no AVIF encoder available to write the test file: {e}")
    d = decode(p)
    assert d.image.size == (128, 96)
    assert _close(d.image, (245, 140, 20))


def test_16bit_png_is_scaled_not_clipped(tmp_path):
    arr = np.full((20, 30), 32768, dtype=np.uint16)  # mid-grey in 16 bits
    p = tmp_path / "deep.png"
    Image.fromarray(arr).save(p)
    img = decode(p).image
    assert img.mode == "RGB"
    r, g, b = img.getpixel((3, 3))
    assert 120 <= r <= 135 and r == g == b  # ~128, not 255 (clipped) and not 0


def _corner_photo(path: Path, orientation: int) -> Path:
    """200x100 grey image with a red top-left corner block, stored with an EXIF orientation."""
    img = Image.new("RGB", (200, 100), (128, 128, 128))
    img.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    img.save(path, "PNG", exif=exif.tobytes())
    return path


@pytest.mark.parametrize("orientation,corner", [(6, "top-right"), (8, "bottom-left")])
def test_exif_orientation_rotates_pixels_and_swaps_size(tmp_path, orientation, corner):
    d = decode(_corner_photo(tmp_path / f"o{orientation}.png", orientation))
    assert d.image.size == (100, 200)
    assert (d.meta.width, d.meta.height) == (100, 200)
    xy = {"top-right": (95, 5), "bottom-left": (5, 195)}[corner]
    assert d.image.getpixel(xy) == (255, 0, 0)
    assert d.image.getpixel((5, 5)) == (128, 128, 128)


def test_orientation_1_leaves_pixels_alone(tmp_path):
    d = decode(_corner_photo(tmp_path / "o1.png", 1))
    assert d.image.size == (200, 100)
    assert d.image.getpixel((5, 5)) == (255, 0, 0)


def test_exif_date_and_camera_are_read(tmp_path, make_photo):
    p = make_photo(tmp_path / "c.jpg", "red", exif_date="2019:07:14 18:30:05", camera=("Canon", "Canon EOS 5D"))
    meta = decode(p).meta
    assert meta.taken_at == datetime(2019, 7, 14, 18, 30, 5)
    assert meta.camera == "Canon EOS 5D"


def test_camera_make_not_in_model_is_joined(tmp_path, make_photo):
    p = make_photo(tmp_path / "c.jpg", "red", camera=("FUJIFILM", "X-T3"))
    assert decode(p).meta.camera == "FUJIFILM X-T3"


def test_photo_without_exif_has_no_date_or_camera(tmp_path, make_photo):
    meta = decode(make_photo(tmp_path / "plain.jpg", "red")).meta
    assert meta.taken_at is None and meta.camera is None


def test_nonsense_exif_date_is_ignored(tmp_path, make_photo):
    p = make_photo(tmp_path / "c.jpg", "red", exif_date="0000:00:00 00:00:00")
    assert decode(p).meta.taken_at is None


def test_jpeg_draft_mode_decodes_small_but_reports_full_size(tmp_path, make_photo):
    p = make_photo(tmp_path / "big.jpg", "green", (4000, 3000))
    d = decode(p, min_side=224)
    w, h = d.image.size
    assert min(w, h) >= 224
    assert w * h <= (4000 * 3000) // 16  # at least 4x smaller on each side
    assert (d.meta.width, d.meta.height) == (4000, 3000)
    assert _close(d.image, (30, 180, 40))


def test_without_min_side_jpeg_decodes_at_full_size(tmp_path, make_photo):
    p = make_photo(tmp_path / "mid.jpg", "green", (800, 600))
    assert decode(p).image.size == (800, 600)


# --- failures --------------------------------------------------------------------------------------------------

def _reason(path: Path) -> str:
    with pytest.raises(DecodeError) as ei:
        decode(path)
    assert str(path.name) in str(ei.value)
    return ei.value.reason


def test_zero_byte_file(tmp_path):
    p = tmp_path / "empty.jpg"
    p.write_bytes(b"")
    assert "empty" in _reason(p)


def test_text_file_named_jpg(tmp_path):
    p = tmp_path / "notes.jpg"
    p.write_text("shopping list: milk, eggs\n" * 20)
    assert "not an image" in _reason(p)


def test_random_bytes(tmp_path):
    p = tmp_path / "noise.png"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    assert "not an image" in _reason(p)


def test_truncated_jpeg(tmp_path, make_photo):
    p = make_photo(tmp_path / "cut.jpg", "red", (640, 480), seed=3)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    reason = _reason(p)
    assert "truncated" in reason or "corrupt" in reason


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def test_png_header_claiming_huge_size_is_a_bomb(tmp_path):
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 100))
            + _png_chunk(b"IEND", b""))
    p = tmp_path / "bomb.png"
    p.write_bytes(data)
    assert "decompression bomb" in _reason(p)


def test_real_image_over_max_pixels_is_refused(tmp_path, make_photo, monkeypatch):
    p = make_photo(tmp_path / "big.png", "red", (400, 300))
    monkeypatch.setattr(decode_mod, "MAX_PIXELS", 100_000)
    assert "decompression bomb" in _reason(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50_000)  # Pillow's own warning path (2x less than this)
    assert "decompression bomb" in _reason(p)


def test_vanished_file(tmp_path):
    assert "not found" in _reason(tmp_path / "gone.jpg")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path, make_photo):
    p = make_photo(tmp_path / "locked.jpg", "red")
    p.chmod(0)
    try:
        assert "permission denied" in _reason(p)
    finally:
        p.chmod(0o644)


def test_is_photo_path_is_case_insensitive_and_rejects_others():
    assert is_photo_path("/x/IMG_0001.JPG") and is_photo_path("a.heic") and is_photo_path("b.Avif")
    assert not is_photo_path("notes.txt") and not is_photo_path("movie.mp4") and not is_photo_path("jpg")


def test_decode_accepts_a_file_like_path_string(tmp_path, make_photo):
    p = make_photo(tmp_path / "s.jpg", "red")
    assert decode(str(p)).image.size == (320, 240)
