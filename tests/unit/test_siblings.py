"""The RAW + JPEG pairing rule (pure)."""

from __future__ import annotations

from photoseek.core.indexing.siblings import raw_siblings, stacked_raws


def test_raw_and_jpeg_of_the_same_name_in_the_same_folder_pair_up():
    paths = ["/a/IMG_0042.CR2", "/a/IMG_0042.JPG", "/a/IMG_0043.CR2", "/a/IMG_0044.jpg",
             "/b/IMG_0043.JPG", "/a/img_0045.nef", "/a/IMG_0045.jpeg", "/a/IMG_0046.dng", "/a/IMG_0046_edit.jpg"]
    assert raw_siblings(paths) == {"/a/IMG_0042.CR2": "/a/IMG_0042.JPG", "/a/img_0045.nef": "/a/IMG_0045.jpeg"}
    assert stacked_raws(paths) == {"/a/IMG_0042.CR2", "/a/img_0045.nef"}


def test_jpeg_wins_over_heif_and_the_choice_is_stable():
    paths = ["/a/P1.HEIC", "/a/P1.ARW", "/a/P1.jpg", "/a/P1.JPG"]
    assert raw_siblings(paths) == {"/a/P1.ARW": "/a/P1.JPG"}
    assert raw_siblings(list(reversed(paths))) == {"/a/P1.ARW": "/a/P1.JPG"}
    assert raw_siblings(["/a/P2.HEIC", "/a/P2.DNG"]) == {"/a/P2.DNG": "/a/P2.HEIC"}


def test_a_lone_raw_or_jpeg_is_not_stacked():
    assert raw_siblings(["/a/x.cr3", "/a/y.jpg", "/a/x.png", "/a/x.xmp"]) == {}
