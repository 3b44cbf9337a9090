"""The Duplicates view on real photos: groups side by side, best copy first, Show in folder, nothing deleted, and
the GUI thread never waits for the search."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gui_helpers import bench_library
from PIL import Image

from photoseek.core.library import Library


@pytest.fixture
def dup_library(tmp_path: Path) -> Library:
    def copies(pics: Path) -> None:
        for name in ("cat", "coffee_cup"):
            with Image.open(pics / f"{name}.jpg") as im:
                im.resize((im.width * 2 // 3, im.height * 2 // 3)).save(pics / f"{name} (small).jpg", quality=75)

    lib = bench_library(tmp_path, ["cat", "coffee_cup", "orange_flower", "yellow_flower"], copies, old=True)
    yield lib
    lib.close()


def test_duplicates_view_shows_groups_best_first_and_reveals_without_deleting(app, qtbot, dup_library,
                                                                               monkeypatch) -> None:
    from PySide6.QtWidgets import QPushButton

    from photoseek.gui.actions import PhotoActions
    from photoseek.gui.dialogs.duplicates import GroupRow
    from photoseek.gui.main_window import MainWindow

    revealed: list[str] = []
    monkeypatch.setattr(PhotoActions, "show_in_folder", lambda self, path: revealed.append(path) or True)
    win = MainWindow(dup_library)
    qtbot.addWidget(win)
    win.show()
    before = sorted(p.name for p in Path(dup_library.folders()[0].path).iterdir())
    dlg = win.open_duplicates()
    assert win.duplicates.running  # asked on a worker: the window does not wait
    qtbot.waitUntil(lambda: not win.duplicates.running and len(dlg.cards) == 4, timeout=20000)
    assert dlg.header.text().startswith("2 groups of near-duplicates · 2 extra copies")
    rows = [[os.path.basename(c.photo.path) for c in r.cards] for r in dlg.body.findChildren(GroupRow)]
    assert sorted(rows) == [["cat.jpg", "cat (small).jpg"], ["coffee_cup.jpg", "coffee_cup (small).jpg"]]
    best = next(c for c in dlg.cards.values() if c.photo.path.endswith("cat.jpg"))
    assert best.badge.text() == "Best copy" and best.objectName() == "bestCard"
    qtbot.waitUntil(lambda: all(c.image.pixmap().width() > 40 for c in dlg.cards.values()), timeout=10000)
    best.findChild(QPushButton, "show_in_folder").click()
    assert revealed == [best.photo.path]
    dlg.again.click()  # look again: the same answer, nothing touched on disk
    qtbot.waitUntil(lambda: not win.duplicates.running, timeout=20000)
    assert len(dlg.cards) == 4
    assert sorted(p.name for p in Path(dup_library.folders()[0].path).iterdir()) == before
    dlg.close()
    win.close()
    assert win.duplicates.pool.activeThreadCount() == 0


def test_duplicates_header_texts() -> None:
    from photoseek.gui.text import duplicates_header, stacked_note

    assert duplicates_header([]).startswith("No near-duplicates found")
    assert stacked_note(0) == "" and stacked_note(1) == " · 1 copy stacked" and stacked_note(3) == " · 3 copies stacked"
