"""The results model and grid: Qt's model checks, and very long result lists without lag."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from photoseek.core.domain import Photo, PhotoState, SearchHit
from photoseek.gui.widgets.results import HitRole, ResultsModel, ResultsView, ScoreRole, ThumbDelegate


def fake_hits(n: int) -> list[SearchHit]:
    return [SearchHit(Photo(i, f"/photos/img_{i:06}.jpg", 1, 1000, 0.0, None, 640, 480, None, None, PhotoState.OK),
                      1.0 - i / (n + 1)) for i in range(n)]


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
