from __future__ import annotations

import os
import time

import pytest
from PIL import Image

from photoseek.core.errors import DecodeError
from photoseek.core.imaging.thumbnails import ThumbnailCache


def test_thumbnail_is_made_once_and_fits(tmp_path, make_photo) -> None:  # noqa: ANN001
    src = make_photo(tmp_path / "a.jpg", "red", size=(1200, 800))
    cache = ThumbnailCache(tmp_path / "thumbs", 10 * 1024 * 1024)
    f = cache.get(str(src), "hash-a", 256)
    with Image.open(f) as im:
        assert max(im.size) == 256 and im.size == (256, 171)
    mtime = f.stat().st_mtime_ns
    assert cache.get(str(src), "hash-a", 256) == f  # a hit: same file, not re-rendered
    assert f.stat().st_size > 0 and f.stat().st_mtime_ns >= mtime
    # keyed by content hash: a moved file with the same hash shares the thumbnail
    moved = tmp_path / "b.jpg"
    os.rename(src, moved)
    assert cache.get(str(moved), "hash-a", 256) == f


def test_exif_orientation_is_applied(tmp_path, make_photo) -> None:  # noqa: ANN001
    src = make_photo(tmp_path / "rot.jpg", "blue", size=(400, 200), orientation=6)
    f = ThumbnailCache(tmp_path / "t").get(str(src), None, 128)
    with Image.open(f) as im:
        assert im.size == (64, 128)  # rotated to portrait


def test_lru_eviction_keeps_the_cache_bounded(tmp_path, make_photo) -> None:  # noqa: ANN001
    cache = ThumbnailCache(tmp_path / "thumbs", max_bytes=40_000)
    files = []
    for i in range(12):
        src = make_photo(tmp_path / f"p{i}.jpg", "green", size=(600, 400), seed=i)
        files.append(cache.get(str(src), f"h{i}", 256))
        time.sleep(0.01)
    assert cache.total_bytes() <= 40_000
    assert files[-1].exists() and not files[0].exists()  # newest kept, oldest gone


def test_unreadable_file_raises_decode_error(tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(DecodeError):
        ThumbnailCache(tmp_path / "t").get(str(bad), None, 128)


def test_key_carries_the_rendering_version(tmp_path) -> None:  # noqa: ANN001
    from photoseek.core.imaging.thumbnails import RENDER_VERSION

    k = ThumbnailCache.key("/p/a.jpg", "hash-a", 256)
    assert k.startswith(f"r{RENDER_VERSION}-") and "hash-a" in k
    assert ThumbnailCache.key("/p/a.jpg", "hash-a", 256, RENDER_VERSION + 1) != k


def test_stale_thumbnail_from_an_older_rendering_is_re_rendered(tmp_path, make_photo, monkeypatch) -> None:  # noqa: ANN001
    from photoseek.core.imaging import thumbnails as thumbs_mod

    src = make_photo(tmp_path / "a.jpg", "red", size=(600, 400))
    cache = ThumbnailCache(tmp_path / "thumbs")
    old = cache.get(str(src), "hash-a", 128)
    # a thumbnail drawn by an older rendering (same hash and size) sits in the cache with the old key
    old.write_bytes(b"stale bytes from an old renderer")
    monkeypatch.setattr(thumbs_mod, "RENDER_VERSION", thumbs_mod.RENDER_VERSION + 1)
    new = cache.get(str(src), "hash-a", 128)
    assert new != old
    with Image.open(new) as im:  # a real, freshly rendered thumbnail, not the stale file
        assert max(im.size) == 128
    # and a key without any version (written before keys had one) is never looked up
    unversioned = cache.file_for("hash-a-128")
    assert unversioned not in (old, new)


def test_square_photo_fills_the_thumbnail_box(tmp_path) -> None:
    """A 512 px square JPEG gets a 256 px thumbnail, not the 128 px one a too-eager draft decode gave."""
    import io

    from PIL import Image

    from photoseek.core.imaging.thumbnails import ThumbnailCache

    src = tmp_path / "square.jpg"
    Image.new("RGB", (512, 512), (200, 120, 40)).save(src, quality=90)
    with Image.open(io.BytesIO(ThumbnailCache.render(str(src), 256))) as thumb:
        assert thumb.size == (256, 256)
