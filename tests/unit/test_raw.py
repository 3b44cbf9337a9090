"""Camera RAW files: preview when it is big enough, half-size develop otherwise, EXIF and orientation from the RAW.

The files are real DNGs written by tests/raw_files.py from real photos (see there why we write them)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoseek.core.errors import DecodeError
from photoseek.core.imaging.decode import decode, is_photo_path
from photoseek.core.imaging.raw import RawSource, decode_raw
from photoseek.core.imaging.thumbnails import ThumbnailCache
from raw_files import write_dng

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"


def _mean(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"), dtype=np.float32).reshape(-1, 3).mean(axis=0)


def _similar(a: Image.Image, b: Image.Image) -> float:
    """Correlation of two images' 16x16 grey thumbnails (1.0: the same picture)."""
    x = np.asarray(a.convert("L").resize((16, 16)), dtype=np.float32).ravel()
    y = np.asarray(b.convert("L").resize((16, 16)), dtype=np.float32).ravel()
    return float(np.corrcoef(x, y)[0, 1])


@pytest.fixture
def source() -> Image.Image:
    return Image.open(PHOTOS / "chelsea.jpg").convert("RGB")


def test_raw_extensions_count_as_photos():
    for name in ("IMG_0042.CR2", "a.cr3", "b.NEF", "c.arw", "d.dng", "e.RAF", "f.orf", "g.rw2"):
        assert is_photo_path(name), name
    assert not is_photo_path("IMG_0042.xmp")


def test_big_enough_preview_is_used_and_turned_upright(tmp_path, source):
    p = write_dng(tmp_path / "IMG_0001.dng", source, size=(640, 480), preview=(320, 240), orientation=6)
    r = decode_raw(p, 224, max_pixels=10**9)
    assert r.source is RawSource.PREVIEW
    assert r.image.size == (240, 320)  # preview, rotated 90 degrees as the camera was held
    assert (r.width, r.height) == (480, 640)  # the developed image's size, upright
    assert _similar(r.image, source.transpose(Image.Transpose.ROTATE_270)) > 0.9


def test_small_preview_falls_back_to_a_develop_of_the_sensor_data(tmp_path, source):
    p = write_dng(tmp_path / "IMG_0002.dng", source, size=(640, 480), preview=(80, 60), preview_jpeg=False)
    r = decode_raw(p, 224, max_pixels=10**9)
    assert r.source is RawSource.DEMOSAIC
    assert r.image.size == (320, 240)  # half size is enough for a 224 model
    assert _similar(r.image, source) > 0.9
    # colours survive LibRaw's pipeline (the mosaic was made from the photo through sRGB primaries)
    assert np.all(np.abs(_mean(r.image) - _mean(source)) < 60)


def test_develop_is_full_size_when_half_would_be_too_small(tmp_path, source):
    p = write_dng(tmp_path / "IMG_0003.dng", source, size=(640, 480), preview=(320, 240))
    r = decode_raw(p, 300, max_pixels=10**9)
    assert r.source is RawSource.DEMOSAIC
    assert min(r.image.size) >= 300


def test_date_camera_and_orientation_come_from_the_raw(tmp_path, source):
    p = write_dng(tmp_path / "IMG_0004.dng", source, orientation=6, make="Canon", model="Canon EOS R5",
                  taken="2019:05:06 07:08:09")
    d = decode(p, min_side=32)
    assert d.meta.taken_at == datetime(2019, 5, 6, 7, 8, 9)
    assert d.meta.camera == "Canon EOS R5"
    assert (d.meta.width, d.meta.height) == (480, 640)
    assert d.image.width < d.image.height


def test_thumbnail_of_a_raw_comes_from_its_preview(tmp_path, source):
    p = write_dng(tmp_path / "IMG_0005.dng", source, preview=(320, 240))
    cache = ThumbnailCache(tmp_path / "thumbs")
    thumb = Image.open(cache.get(str(p), None, 128))
    assert max(thumb.size) == 128
    assert _similar(thumb, source) > 0.9


def test_broken_raw_files_give_a_clear_reason(tmp_path, source):
    good = write_dng(tmp_path / "good.dng", source).read_bytes()
    cut = tmp_path / "cut.dng"
    cut.write_bytes(good[: len(good) // 3])
    junk = tmp_path / "junk.cr2"
    junk.write_bytes(b"not a raw file at all" * 100)
    empty = tmp_path / "empty.nef"
    empty.write_bytes(b"")
    with pytest.raises(DecodeError) as e:
        decode(junk)
    assert "RAW" in e.value.reason
    with pytest.raises(DecodeError) as e:
        decode(empty)
    assert "empty" in e.value.reason
    assert decode(cut, min_side=200).image.size == (320, 240)  # the preview at the front survived the cut
    with pytest.raises(DecodeError):
        decode(cut, min_side=300)  # the sensor data is cut off: LibRaw cannot develop what is asked for


def test_sensor_too_large_is_refused(tmp_path, source):
    p = write_dng(tmp_path / "big.dng", source, size=(640, 480))
    with pytest.raises(DecodeError) as e:
        decode_raw(p, 224, max_pixels=640 * 480 - 1)
    assert "too many pixels" in e.value.reason
