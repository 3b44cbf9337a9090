"""Path helpers (core.fs): the one copy of each that scanner, indexer and watcher share."""

from __future__ import annotations

import os

import pytest

from photoseek.core.fs import deepest_root, is_photo_path, normalize_folder, readable_dir, under


def test_under_respects_path_boundaries():
    assert under("/photos/2020/a.jpg", "/photos")
    assert under("/photos", "/photos/")
    assert not under("/photos-old/a.jpg", "/photos")


def test_is_photo_path_by_extension_any_case():
    assert is_photo_path("/a/b/IMG_1.JPG") and is_photo_path("x.heic") and is_photo_path("x.avif")
    assert not is_photo_path("/a/notes.txt") and not is_photo_path("/a/jpg")


def test_normalize_folder_expands_home_and_makes_absolute(monkeypatch):
    monkeypatch.setenv("HOME", "/home/someone")
    assert normalize_folder("~/Pictures") == "/home/someone/Pictures"
    assert normalize_folder("/x/y/") == "/x/y"
    assert os.path.isabs(normalize_folder("rel"))


def test_readable_dir_is_false_for_files_missing_and_locked(tmp_path):
    (tmp_path / "f.jpg").write_bytes(b"x")
    locked = tmp_path / "locked"
    locked.mkdir()
    assert readable_dir(str(tmp_path))
    assert not readable_dir(str(tmp_path / "f.jpg"))
    assert not readable_dir(str(tmp_path / "nope"))
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        assert not readable_dir(str(locked))
    finally:
        locked.chmod(0o755)


def test_deepest_root_picks_the_innermost_folder():
    roots = ["/p", "/p/trips", "/q"]
    assert deepest_root("/p/trips/a.jpg", roots) == "/p/trips"
    assert deepest_root("/p/a.jpg", roots) == "/p"
    assert deepest_root("/elsewhere/a.jpg", roots) is None
