"""The RAW + JPEG pairing rule (pure)."""

from __future__ import annotations

from photoseek.core.imaging.siblings import raw_siblings, stacked_raws


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


def test_companions_on_disk_are_found_once_per_folder(tmp_path):
    from photoseek.core.imaging.siblings import drop_stacked, raw_companions

    for name in ("IMG_1.CR2", "IMG_1.JPG", "IMG_2.JPG", "IMG_3.nef"):
        (tmp_path / name).write_bytes(b"x")
    jpg1, jpg2 = str(tmp_path / "IMG_1.JPG"), str(tmp_path / "IMG_2.JPG")
    assert raw_companions([jpg1, jpg2, "/nowhere/x.jpg"]) == {jpg1: str(tmp_path / "IMG_1.CR2")}
    keep, pairs = drop_stacked([str(p) for p in sorted(tmp_path.iterdir())])
    assert sorted(keep) == sorted(str(tmp_path / n) for n in ("IMG_1.JPG", "IMG_2.JPG", "IMG_3.nef"))
    assert pairs == {str(tmp_path / "IMG_1.CR2"): jpg1}


def test_companions_match_names_without_case_among_many_other_files(tmp_path):
    from photoseek.core.imaging.siblings import raw_companions

    for i in range(300):  # a big folder: only the names sharing a stem with a result are looked at
        (tmp_path / f"DSC_{i:04d}.JPG").write_bytes(b"x")
    for name in ("img_7.nef", "IMG_7.JPG", "IMG_7_edit.CR2", "IMG_8.jpeg", "img_8.JPG", "IMG_8.ARW", ".IMG_9.CR2",
                 "IMG_9.heic"):
        (tmp_path / name).write_bytes(b"x")
    wanted = ("IMG_7.JPG", "IMG_8.jpeg", "img_8.JPG", "IMG_9.heic", "DSC_0001.JPG")
    got = raw_companions([str(tmp_path / n) for n in wanted])
    assert got == {str(tmp_path / "IMG_7.JPG"): str(tmp_path / "img_7.nef"),  # IMG_7_edit.CR2 is another photo
                   str(tmp_path / "IMG_8.jpeg"): str(tmp_path / "IMG_8.ARW")}  # of two JPEGs, the first by name
def test_an_unchanged_folder_is_listed_once_and_a_new_raw_is_seen(tmp_path, monkeypatch):
    import os

    from photoseek.core.imaging import siblings

    for i in range(50):
        (tmp_path / f"IMG_{i}.JPG").write_bytes(b"x")
    (tmp_path / "IMG_7.CR2").write_bytes(b"x")
    os.utime(tmp_path, (1_600_000_000, 1_600_000_000))  # changed long ago: worth remembering
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(siblings.os, "listdir", lambda p: listed.append(p) or real_listdir(p))
    stacks = siblings.FolderStacks()
    hits = [str(tmp_path / "IMG_7.JPG"), str(tmp_path / "IMG_8.JPG")]
    for _ in range(3):  # three searches whose hits lie in this folder
        assert siblings.raw_companions(hits, stacks) == {hits[0]: str(tmp_path / "IMG_7.CR2")}
    assert listed == [str(tmp_path)]
    (tmp_path / "img_8.nef").write_bytes(b"x")  # the camera card is copied in: the folder changes
    assert siblings.raw_companions(hits, stacks) == {hits[0]: str(tmp_path / "IMG_7.CR2"),
                                                     hits[1]: str(tmp_path / "img_8.nef")}
    assert len(listed) == 2


def test_a_raw_is_found_wherever_its_name_sits_in_the_folder_and_only_a_raw_counts(tmp_path):
    from photoseek.core.imaging.siblings import FolderStacks, raw_companions

    names = ["a.dng.jpg", "b.cr2x", "b.jpg", "c.JPG", "C.Nef", "d.jpeg", "z.jpg"]  # c's RAW sits mid-list
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    hits = [str(tmp_path / n) for n in ("a.dng.jpg", "b.jpg", "c.JPG", "d.jpeg")]
    assert raw_companions(hits, FolderStacks()) == {str(tmp_path / "c.JPG"): str(tmp_path / "C.Nef")}
