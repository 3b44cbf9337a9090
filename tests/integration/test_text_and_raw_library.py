"""Words in photos and RAW files through the library, on real files: OCR pass, search modes, status, stacks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from photoseek.core.library import Library
from raw_files import write_dng
from text_photos import make_text_photos

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"
COLORS = ["red", "green", "blue", "yellow"]


@pytest.fixture
def lib(home: Path):
    lib = Library()
    lib.update_settings(read_text=True)
    yield lib
    lib.close()


@pytest.fixture
def pics(tmp_path: Path, make_photo) -> Path:
    root = tmp_path / "Pictures"
    for i, c in enumerate(COLORS):
        make_photo(root / f"{c}.jpg", c, seed=i)
    make_text_photos(sorted(PHOTOS.glob("*.jpg")), root, 1)  # a sign reading "WIFI: MOONLIGHT42"
    return root


def test_words_in_photos_are_read_after_indexing_and_found(lib: Library, pics: Path) -> None:
    lib.add_folder(pics)
    lib.index()
    before = lib.status().text
    assert before is not None and before.pending == 5 and before.done == 0
    assert lib.search('text:"moonlight42"') == []  # not read yet: the main pass never waits for OCR
    assert len(lib.search('"red"')) == 5  # a quoted phrase no photo shows is searched by meaning
    seen = []
    r = lib.text.read(lambda p: seen.append(p) or True)
    assert (r.read, r.with_text, r.failed) == (5, 1, 0)
    assert seen[-1].done == seen[-1].total == 5
    after = lib.status().text
    assert after is not None and (after.done, after.with_text, after.pending, after.errors) == (5, 1, 0, 0)

    assert lib.search('text:"red"') == []  # text: is words only, always
    for q, word in (('text:"moonlight"', "moonlight"), ('"wifi moonlight42"', "wifi"), ("text:wifi", "wifi")):
        hits = lib.search(q)
        assert [Path(h.path).name for h in hits] == ["text_000_sign.jpg"], q
        m = hits[0].text_match
        assert m is not None and "MOONLIGHT42" in m
        assert any(word in m[s:e].lower() for s, e in hits[0].text_spans)  # what the GUI highlights
        assert hits[0].to_json()["text_match"] == hits[0].text_match
    # meaning and words fused: the colour still comes first, the sign is found by its word
    assert Path(lib.search("red")[0].path).name == "red.jpg"
    fused = lib.search("moonlight42", limit=3)
    assert "text_000_sign.jpg" in [Path(h.path).name for h in fused]
    assert lib.search("red", limit=1)[0].to_json()["text_match"] is None


def test_setting_off_reads_nothing(lib: Library, pics: Path) -> None:
    lib.add_folder(pics)
    lib.index()
    lib.update_settings(read_text=False)
    assert lib.text.read().read == 0
    s = lib.status().text
    assert s is not None and not s.enabled and s.pending == 5


def test_raw_files_are_indexed_and_raw_jpeg_pairs_show_once(lib: Library, tmp_path: Path, make_photo) -> None:
    root = tmp_path / "Camera"
    src = Image.open(PHOTOS / "chelsea.jpg")
    write_dng(root / "IMG_0001.DNG", src, orientation=6, taken="2020:01:02 03:04:05")  # a RAW alone
    write_dng(root / "IMG_0002.dng", Image.open(PHOTOS / "coffee.jpg"))
    shutil.copy(PHOTOS / "coffee.jpg", root / "IMG_0002.JPG")  # shot as RAW+JPEG
    make_photo(root / "red.jpg", "red")
    lib.add_folder(root)
    r = lib.index()
    assert (r.scanned, r.embedded, r.failed) == (3, 3, 0)  # the pair is one photo, embedded once
    names = {Path(h.path).name: h for h in lib.search("red", limit=10)}
    assert set(names) == {"IMG_0001.DNG", "IMG_0002.JPG", "red.jpg"}
    assert names["IMG_0002.JPG"].raw_sibling == str(root / "IMG_0002.dng")
    assert names["IMG_0002.JPG"].to_json()["raw"] == str(root / "IMG_0002.dng")
    lone = names["IMG_0001.DNG"].photo
    assert lone.taken_at is not None and lone.taken_at.year == 2020
    assert (lone.width, lone.height) == (480, 640) and lone.camera == "PhotoSeek TestCam 1"
    # the JPEG goes away: the RAW is now the photo, and gets embedded
    (root / "IMG_0002.JPG").unlink()
    r = lib.index()
    assert r.embedded == 1
    assert "IMG_0002.dng" in {Path(h.path).name for h in lib.search("red", limit=10)}


def test_photoseek_watch_reads_the_words_in_new_photos_when_quiet(home: Path, tmp_path: Path, make_photo) -> None:
    from watch_process import WatchProcess

    folder = tmp_path / "pics"
    make_photo(folder / "first.jpg", "red")
    with Library(home) as lib:
        lib.update_settings(read_text=True)
        lib.add_folder(folder)
    watch = WatchProcess(settle_s=0.5)
    try:
        watch.wait_for("read the words in 1 photo(s) (0 with text)")  # first.jpg, after the catch-up
        make_text_photos(sorted(PHOTOS.glob("*.jpg")), folder, 1)
        watch.wait_for("read the words in 1 photo(s) (1 with text)")
        assert watch.stop(20) == 0
    finally:
        watch.close()
    with Library(home, read_only=True) as lib:
        assert [Path(h.path).name for h in lib.search("text:moonlight42")] == ["text_000_sign.jpg"]
