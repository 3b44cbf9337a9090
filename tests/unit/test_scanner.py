"""Walking library folders: what counts as a photo, what is skipped, symlinks, and problems."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from photoseek.core.indexing.scanner import content_hash, walk


def _names(root: Path, **kw) -> set[str]:
    return {os.path.relpath(f.path, root) for f in walk(str(root), **kw).files}


def test_finds_photos_and_skips_hidden_system_and_other_files(tmp_path, make_photo):
    root = tmp_path / "lib"
    make_photo(root / "a.jpg", "red")
    make_photo(root / "sub" / "B.PNG", "red", fmt="PNG")
    make_photo(root / ".hidden.jpg", "red")
    make_photo(root / ".cache" / "c.jpg", "red")
    make_photo(root / "@eaDir" / "a.jpg" / "SYNOPHOTO_THUMB_M.jpg", "red")
    make_photo(root / "$RECYCLE.BIN" / "old.jpg", "red")
    (root / "notes.txt").write_text("hi")
    (root / "movie.mp4").write_bytes(b"\0" * 10)
    assert _names(root) == {"a.jpg", os.path.join("sub", "B.PNG")}


def test_hidden_files_included_when_asked(tmp_path, make_photo):
    root = tmp_path / "lib"
    make_photo(root / ".hidden.jpg", "red")
    assert _names(root, skip_hidden=False) == {".hidden.jpg"}


def test_reports_size_and_mtime(tmp_path, make_photo):
    p = make_photo(tmp_path / "lib" / "a.jpg", "red")
    os.utime(p, (1_600_000_000, 1_600_000_000))
    (f,) = walk(str(tmp_path / "lib")).files
    assert f.path == str(p) and f.size == p.stat().st_size and f.mtime == 1_600_000_000


def test_follows_symlinked_folder_once(tmp_path, make_photo):
    root = tmp_path / "lib"
    outside = tmp_path / "elsewhere"
    make_photo(outside / "x.jpg", "red")
    make_photo(root / "real" / "y.jpg", "red")
    root.joinpath("linked").symlink_to(outside, target_is_directory=True)
    root.joinpath("again").symlink_to(root / "real", target_is_directory=True)  # same folder a second way
    names = _names(root)
    assert os.path.join("linked", "x.jpg") in names
    assert len([n for n in names if n.endswith("y.jpg")]) == 1
    assert len(names) == 2


def test_symlinks_not_followed_when_disabled(tmp_path, make_photo):
    root = tmp_path / "lib"
    make_photo(tmp_path / "elsewhere" / "x.jpg", "red")
    root.mkdir()
    root.joinpath("linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert _names(root, follow_symlinks=False) == set()


def test_survives_symlink_loop(tmp_path, make_photo):
    root = tmp_path / "lib"
    make_photo(root / "sub" / "a.jpg", "red")
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)  # sub/up -> lib (its parent)
    (root / "sub" / "self").symlink_to(root / "sub", target_is_directory=True)
    res = walk(str(root))
    assert [os.path.relpath(f.path, root) for f in res.files] == [os.path.join("sub", "a.jpg")]


def test_dangling_symlink_is_ignored(tmp_path, make_photo):
    root = tmp_path / "lib"
    make_photo(root / "a.jpg", "red")
    (root / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    res = walk(str(root))
    assert _names(root) == {"a.jpg"} and res.problems == []


def test_missing_root_is_a_problem_not_an_exception(tmp_path):
    res = walk(str(tmp_path / "unplugged"))
    assert res.files == [] and len(res.problems) == 1 and "unreadable" in res.problems[0].reason


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can list any folder")
def test_unreadable_subfolder_is_a_problem(tmp_path, make_photo):
    root = tmp_path / "lib"
    make_photo(root / "ok.jpg", "red")
    locked = root / "locked"
    make_photo(locked / "secret.jpg", "red")
    locked.chmod(0)
    try:
        res = walk(str(root))
    finally:
        locked.chmod(0o755)
    assert [os.path.basename(f.path) for f in res.files] == ["ok.jpg"]
    assert [p.path for p in res.problems] == [str(locked)]


def test_keep_going_false_stops_the_walk(tmp_path):
    root = tmp_path / "lib"
    root.mkdir()
    for i in range(1005):
        (root / f"{i:04d}.jpg").write_bytes(b"x")
    assert len(walk(str(root), keep_going=lambda: False).files) == 1000
    assert len(walk(str(root), keep_going=lambda: True).files) == 1005


def test_content_hash_stable_and_sensitive(tmp_path, make_photo):
    p = make_photo(tmp_path / "a.jpg", "red")
    h = content_hash(p)
    assert h == content_hash(p) and len(h) == 32
    copy = tmp_path / "renamed.jpg"
    copy.write_bytes(p.read_bytes())
    assert content_hash(copy) == h  # identity survives a rename
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 1
    p.write_bytes(bytes(data))
    assert content_hash(p) != h
