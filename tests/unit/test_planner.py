"""The planner is pure: Changes + what a model already has in, work items for that model out."""

from __future__ import annotations

from photoseek.core.domain import Folder, PhotoState
from photoseek.core.indexing.planner import folder_for, plan
from photoseek.core.indexing.reconcile import Changes
from photoseek.core.indexing.scanner import DiskFile
from photoseek.core.storage.rows import CatalogRow

FOLDERS = [Folder(1, "/p"), Folder(2, "/p/trips"), Folder(3, "/q")]


def test_folder_for_is_the_innermost_library_folder() -> None:
    assert folder_for("/p/trips/a.jpg", FOLDERS).id == 2  # type: ignore[union-attr]
    assert folder_for("/p/a.jpg", FOLDERS).id == 1  # type: ignore[union-attr]
    assert folder_for("/pics/a.jpg", FOLDERS) is None


def test_new_and_changed_files_become_work_with_their_rows() -> None:
    missing_row = CatalogRow(5, 10, 1.0, "h5", PhotoState.MISSING)
    changed_row = CatalogRow(6, 10, 1.0, "h6", PhotoState.OK)
    c = Changes(new=[(DiskFile("/p/trips/n.jpg", 11, 2.0), None), (DiskFile("/p/back.jpg", 10, 1.0), missing_row),
                     (DiskFile("/elsewhere/x.jpg", 1, 1.0), None)],
                changed=[(DiskFile("/q/c.jpg", 12, 3.0), changed_row)])
    items = plan(c, folders=FOLDERS, present=[], known={}, have_vector={5}, without_vector=[])
    assert [(i.path, i.folder_id, i.photo_id, i.known_hash, i.has_vector) for i in items] == [
        ("/p/trips/n.jpg", 2, None, None, False),
        ("/p/back.jpg", 1, 5, "h5", True),  # its row still has a vector for this model: kept if bytes match
        ("/q/c.jpg", 3, 6, "h6", False),
    ]


def test_known_files_without_a_vector_for_this_model_are_added_once() -> None:
    d1, d2 = DiskFile("/p/a.jpg", 1, 1.0), DiskFile("/p/b.jpg", 2, 2.0)
    known = {"/p/a.jpg": CatalogRow(1, 1, 1.0, "ha", PhotoState.OK)}
    c = Changes(changed=[(d2, CatalogRow(2, 9, 9.0, "hb", PhotoState.OK))])
    items = plan(c, folders=FOLDERS, present=[d1, d2], known=known, have_vector=set(),
                 without_vector=[(1, "/p/a.jpg"), (2, "/p/b.jpg"), (3, "/p/not-on-disk.jpg")])
    assert [(i.path, i.photo_id, i.known_hash) for i in items] == [("/p/b.jpg", 2, "hb"), ("/p/a.jpg", 1, "ha")]


def test_nothing_to_do_plans_nothing() -> None:
    assert plan(Changes(unchanged=3), folders=FOLDERS, present=[], known={}, have_vector=set(),
                without_vector=[]) == []
