"""The results model and grid: Qt's model checks, and very long result lists without lag."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from photoseek.core.domain import Photo, PhotoState, SearchHit
from photoseek.gui.widgets.results import ResultsView, ThumbDelegate
from photoseek.gui.widgets.results_model import DividerRole, HitRole, ResultsModel, ScoreRole, divider_text


def fake_hits(n: int, matches: int | None = None) -> list[SearchHit]:
    return [SearchHit(Photo(i, f"/photos/img_{i:06}.jpg", 1, 1000, 0.0, None, 640, 480, None, None, PhotoState.OK),
                      1.0 - i / (n + 1), match=matches is None or i < matches) for i in range(n)]


def test_divider_after_the_matches_expands_and_collapses(app, qtmodeltester) -> None:  # noqa: ANN001
    model = ResultsModel()
    model.set_hits(fake_hits(61, matches=3))
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 4 and model.divider_row == 3  # 3 matches + the divider; weaker hidden
    assert model.data(model.index(3, 0)) == "58 weaker results ▸"
    assert model.data(model.index(3, 0), DividerRole) == (58, False, 3)
    assert model.hit(3) is None and not model.flags(model.index(3, 0)) & Qt.ItemFlag.ItemIsSelectable
    seen = []
    model.weaker_toggled.connect(seen.append)
    model.toggle_weaker()  # the tester, still connected, checks the inserted rows and the divider's change
    assert model.rowCount() == 62 and model.hit(4).photo.id == 3 and model.row_of(60) == 61
    assert model.data(model.index(3, 0)) == "58 weaker results ▾"
    assert model.photo_row(2, +1) == 4 and model.photo_row(4, -1) == 2  # previews step over the divider
    model.toggle_weaker()
    assert model.rowCount() == 4 and model.row_of(60) is None and seen == [True, False]


def test_no_match_shows_the_weaker_results_at_once(app) -> None:  # noqa: ANN001
    model = ResultsModel()
    model.set_hits(fake_hits(5, matches=0))
    assert model.divider_row == 0 and model.rowCount() == 6 and model.expanded
    assert divider_text(5, True, 0) == "No close matches · 5 weaker results ▾"


def test_a_rerun_keeps_the_weaker_results_open(app) -> None:  # noqa: ANN001
    model = ResultsModel()
    model.set_hits(fake_hits(10, matches=2))
    model.toggle_weaker()
    model.set_hits(fake_hits(11, matches=2), keep_expanded=True)
    assert model.expanded and model.rowCount() == 12
    model.set_hits(fake_hits(11, matches=2))  # a new query starts collapsed
    assert not model.expanded and model.rowCount() == 3


def test_clicking_the_divider_in_the_grid_shows_the_weaker_results(app, qtbot) -> None:  # noqa: ANN001
    from PySide6.QtCore import Qt as _Qt

    model = ResultsModel()
    view = ResultsView()
    delegate = ThumbDelegate(view)
    view.setItemDelegate(delegate)
    view.setModel(model)
    view.resize(900, 700)
    view.show()
    qtbot.addWidget(view)
    view.show_hits(fake_hits(20, matches=2), fresh=True)
    app.processEvents()
    rect = view.visualRect(model.index(2, 0))
    assert rect.width() > 3 * (delegate.cell + 12)  # the divider spans the grid, not one tile
    assert rect.top() > view.visualRect(model.index(0, 0)).bottom()  # on its own line below the matches
    qtbot.mouseClick(view.viewport(), _Qt.MouseButton.LeftButton, pos=rect.center())
    assert model.expanded and model.rowCount() == 21
    view.close()


def test_qtmodeltester_on_results_model(app, qtmodeltester) -> None:  # noqa: ANN001
    model = ResultsModel()
    model.set_hits(fake_hits(25))
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 0)) == "img_000000.jpg"
    assert model.data(model.index(3, 0), HitRole).photo.id == 3
    assert 0 < model.data(model.index(3, 0), ScoreRole) < 1
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    assert model.row_of(7) == 7
    model.set_hits([])
    qtmodeltester.check(model, force_py=True)


def test_hundred_thousand_results_without_lag(app, qtbot) -> None:  # noqa: ANN001
    model = ResultsModel()
    view = ResultsView()
    view.setItemDelegate(ThumbDelegate(view))
    view.setModel(model)
    view.resize(1000, 700)
    view.show()
    qtbot.addWidget(view)
    hits = fake_hits(100_000)
    t0 = time.perf_counter()
    model.set_hits(hits)
    app.processEvents()
    reset_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    view.scrollToBottom()
    view.viewport().repaint()
    app.processEvents()
    scroll_s = time.perf_counter() - t0
    print(f"\n100k results: reset+first layout step {reset_s * 1000:.0f} ms, scroll to end + paint {scroll_s * 1000:.0f} ms")
    assert reset_s < 1.0 and scroll_s < 2.0
    view.close()
