"""Folder rules (core.folders): a folder joins the library only if it is readable and not nested in or around one."""

from __future__ import annotations

import pytest

from photoseek.core.domain import Folder
from photoseek.core.errors import FolderError
from photoseek.core.folders import check_new_folder


def test_a_new_folder_is_normalized_and_an_existing_one_returned(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "pics").mkdir()
    assert check_new_folder(str(tmp_path / "pics") + "/", []) == (str(tmp_path / "pics"), None)
    known = Folder(4, str(tmp_path / "pics"))
    assert check_new_folder(tmp_path / "pics", [known]) == (str(tmp_path / "pics"), known)


def test_missing_file_nested_and_enclosing_folders_are_refused(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "pics" / "2020").mkdir(parents=True)
    (tmp_path / "f.jpg").write_bytes(b"x")
    lib = [Folder(1, str(tmp_path / "pics"))]
    with pytest.raises(FolderError, match="not a folder"):
        check_new_folder(tmp_path / "nope", lib)
    with pytest.raises(FolderError, match="not a folder"):
        check_new_folder(tmp_path / "f.jpg", lib)
    with pytest.raises(FolderError, match="already part of the library"):
        check_new_folder(tmp_path / "pics" / "2020", lib)
    with pytest.raises(FolderError, match="contains the library folder") as ei:
        check_new_folder(tmp_path, lib)
    assert "Remove" in (ei.value.hint or "")


def test_a_symlink_into_a_library_folder_is_nested_too(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "pics" / "2020").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "pics" / "2020")
    with pytest.raises(FolderError, match="already part of the library"):
        check_new_folder(tmp_path / "link", [Folder(1, str(tmp_path / "pics"))])
