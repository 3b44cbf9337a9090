"""Near-duplicate stacks in the result grid: one tile with an "×N" badge that opens on click, on real photos."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gui_helpers import bench_library
from PIL import Image

from photoseek.core.domain import Photo, PhotoState, SearchHit
from photoseek.core.library import Library
from photoseek.gui.widgets.results_model import ResultsModel, ScoreRole, StackRole
from photoseek.gui.widgets.stacks import Stacks


def _hits(n: int) -> list[SearchHit]:
    return [SearchHit(Photo(i, f"/p/{i}.jpg", 1, 100, 0.0, None, 10, 10, None, None, PhotoState.OK), 1 - i / 100)
            for i in range(n)]


def test_stacks_fold_copies_under_their_first_photo_and_open_in_place() -> None:
    hits = _hits(6)
    st = Stacks([[1, 3, 5]])
    assert [h.photo.id for h in st.visible(hits)] == [0, 1, 2, 4]
    # the best copy stands for the stack where its best-ranked member comes
    assert [h.photo.id for h in Stacks([[3, 1]]).visible(hits)] == [0, 3, 2, 4, 5]
    assert st.mark(1) is not None and st.mark(1).text == "×3" and st.mark(1).top
    assert st.mark(2) is None
    assert st.toggle(5) == 1  # any member opens its stack
    assert [h.photo.id for h in st.visible(hits)] == [0, 1, 3, 5, 2, 4]
    assert st.mark(3) is not None and not st.mark(3).top and st.mark(1).expanded
    again = Stacks([[1, 3, 5], [2, 4]])
    again.keep_open(st)
    assert again.expanded == {1}
    assert [h.photo.id for h in Stacks([[7, 8]]).visible(hits)] == [0, 1, 2, 3, 4, 5]  # ids not in the hits


def test_model_inserts_and_removes_the_copies(app, qtmodeltester) -> None:  # noqa: ANN001
    model = ResultsModel()
    model.set_hits(_hits(6), stacks=Stacks([[1, 3, 5]]))
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 4 and len(model.hits) == 6
    assert model.data(model.index(1, 0), StackRole).size == 3
    assert "3 copies" in model.data(model.index(1, 0), 3)  # ToolTipRole
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    assert model.toggle_stack(1) == 1
    assert inserted == [(2, 3)] and model.rowCount() == 6
    assert [model.hit(r).photo.id for r in range(6)] == [0, 1, 3, 5, 2, 4]
    assert model.row_of(5) == 3
    assert model.toggle_stack(3) == 1  # folding from a copy
    assert model.rowCount() == 4
    qtmodeltester.check(model, force_py=True)


def test_a_folded_stack_shows_the_score_that_placed_it(app) -> None:  # noqa: ANN001
    """The best copy (3, score 0.97) stands for its stack where its best-ranked member (1, 0.99) comes: the tile
    shows 0.99, so the grid's scores read in order; opened, each photo shows its own."""
    model = ResultsModel()
    model.set_hits(_hits(6), stacks=Stacks([[3, 1]]))
    rows = [model.hit(r).photo.id for r in range(model.rowCount())]
    scores = [model.data(model.index(r, 0), ScoreRole) for r in range(model.rowCount())]
    assert rows == [0, 3, 2, 4, 5] and scores == sorted(scores, reverse=True)
    assert scores[1] == pytest.approx(0.99)
    assert "score 0.990 (a copy in this stack; this photo 0.970)" in model.data(model.index(1, 0), 3)  # ToolTipRole
    model.toggle_stack(1)
    assert [model.data(model.index(r, 0), ScoreRole) for r in (1, 2)] == [pytest.approx(0.97), pytest.approx(0.99)]


def test_a_stack_with_a_matching_copy_is_a_match_and_opens_before_the_divider(app) -> None:  # noqa: ANN001
    from dataclasses import replace

    hits = [replace(h, match=h.photo.id < 2) for h in _hits(6)]  # 0 and 1 match; 2..5 are weaker
    model = ResultsModel()
    model.set_hits(hits, stacks=Stacks([[4, 1]]))  # the best copy (4) is a weaker hit, its copy 1 a match
    assert [h.photo.id for h in model.matches] == [0, 4] and [h.photo.id for h in model.weaker] == [2, 3, 5]
    assert len(model.match_hits) == 3 and len(model.weaker_hits) == 3 and model.divider_row == 2
    assert model.stacked_matches() == 1
    assert model.toggle_stack(1) == 1
    assert [model.hit(r).photo.id for r in range(3)] == [0, 4, 1] and model.divider_row == 3


@pytest.fixture
def cat_library(tmp_path: Path) -> Library:
    def copies(pics: Path) -> None:
        with Image.open(pics / "cat.jpg") as im:
            im.resize((im.width // 2, im.height // 2)).save(pics / "cat_small.jpg", quality=80)
            im.crop((im.width // 15, 0, im.width, im.height)).save(pics / "cat_cropped.jpg", quality=85)

    lib = bench_library(tmp_path, ["cat", "coffee_cup", "horse_silhouette", "ladybird"], copies)
    yield lib
    lib.close()


def test_search_shows_copies_as_one_tile_whose_badge_opens_them(app, qtbot, cat_library) -> None:  # noqa: ANN001
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from photoseek.gui.main_window import MainWindow

    win = MainWindow(cat_library)
    qtbot.addWidget(win)
    win.resize(1100, 700)
    win.show()
    win.search.setText("a cat")
    win.search_now()
    qtbot.waitUntil(lambda: win.model.rowCount() > 0, timeout=15000)
    assert len(win.model.hits) == win.model.rowCount() + 2
    assert win.header.text().endswith(" · 2 copies stacked")
    top = win.model.index(0, 0)
    mark = top.data(StackRole)
    assert mark is not None and mark.size == 3 and not mark.expanded
    names = {os.path.basename(h.photo.path) for h in win.model.hits[:3]}
    assert names == {"cat.jpg", "cat_small.jpg", "cat_cropped.jpg"}
    badge = win.delegate.stack_badge(win.view.visualRect(top), top, win.view.font())
    QTest.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton, pos=badge.center())
    qtbot.waitUntil(lambda: win.model.rowCount() == len(win.model.hits), timeout=3000)
    assert {os.path.basename(win.model.hit(r).photo.path) for r in range(3)} == names
    assert win.model.index(1, 0).data(StackRole).top is False
    # a click elsewhere on the tile selects it as before; a second click on the badge folds the copies
    top = win.model.index(0, 0)
    badge = win.delegate.stack_badge(win.view.visualRect(top), top, win.view.font())
    QTest.mouseClick(win.view.viewport(), Qt.MouseButton.LeftButton, pos=badge.center())
    qtbot.waitUntil(lambda: win.model.rowCount() == len(win.model.hits) - 2, timeout=3000)
    win.view.setFocus()
    win.select_row(0)
    QTest.keyClick(win.view, Qt.Key.Key_Space)  # the keyboard opens it too
    assert win.model.rowCount() == len(win.model.hits) and win.view.currentIndex().row() == 0
    win.close()
