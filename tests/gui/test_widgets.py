"""The window's parts on their own: search bar filters, status and message bars, the results pane keeping the
user's place on a quiet re-run, the first-run page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMainWindow

from photoseek.core.domain import Folder, Photo, PhotoState, SearchHit, Sort
from photoseek.core.errors import FolderError
from photoseek.gui.widgets.empty_page import EmptyPage, HintPage
from photoseek.gui.widgets.message_bar import MessageBar, MessageKind
from photoseek.gui.widgets.search_bar import SearchBar
from photoseek.gui.widgets.status_bar import StatusBar


def hits(n: int, start: int = 0) -> list[SearchHit]:
    return [SearchHit(Photo(i, f"/p/img_{i:04}.jpg", 1, 1000, 0.0, None, 64, 48, None, None, PhotoState.OK), 0.5)
            for i in range(start, start + n)]


def test_search_bar_turns_its_controls_into_filters(app, qtbot) -> None:  # noqa: ANN001
    holder = QMainWindow()  # inside a window, as in the app: the toolbar paints its own white band from style.qss
    bar = SearchBar()
    holder.setCentralWidget(bar)
    qtbot.addWidget(holder)
    bar.resize(900, 56)
    holder.show()
    assert holder.grab().toImage().pixelColor(4, 3).name() == "#ffffff"
    assert bar.filters().sort == Sort.RELEVANCE and bar.filters().after is None
    with qtbot.waitSignal(bar.filters_changed) as sig:
        bar.date_to.setDate(QDate(2022, 3, 4))
    assert sig.args[0].before == datetime(2022, 3, 5)  # the whole day counts
    bar.date_from.setDate(QDate(2021, 1, 2))
    bar.set_sort("date-asc")
    f = bar.filters()
    assert f.after == datetime(2021, 1, 2) and f.sort is Sort.OLDEST
    bar.set_folders([Folder(1, "/a/Trips", True), Folder(2, "/b/Cats", True)])
    bar.folder_combo.setCurrentIndex(2)
    bar.set_folders([Folder(2, "/b/Cats", True)])  # refilled: the chosen folder stays chosen
    assert bar.filters().folder == "/b/Cats" and bar.folder_combo.currentText() == "Cats"
    bar.set_folders([])
    assert bar.filters().folder is None
    bar.search.setText("red")
    bar.search.clear_quietly()
    assert bar.search.text() == ""
    with qtbot.waitSignal(bar.search.down_pressed):
        qtbot.keyClick(bar.search, Qt.Key.Key_Down)


def test_status_and_message_bars(app, qtbot) -> None:  # noqa: ANN001
    sb = StatusBar()
    qtbot.addWidget(sb)
    sb.show()
    sb.set_bar((3, 10))
    assert sb.progress_bar.isVisible() and sb.progress_bar.maximum() == 10 and sb.progress_bar.value() == 3
    sb.set_bar((0, 0))
    assert sb.progress_bar.maximum() == 0  # busy
    sb.set_bar(None)
    assert not sb.progress_bar.isVisible()
    sb.set_pause(True, True)
    assert sb.pause_btn.isVisible() and sb.pause_btn.text() == "Resume"
    zoomed: list[int] = []
    sb.zoom_changed.connect(zoomed.append)
    sb.set_zoom(200)
    assert sb.zoom.value() == 200 and zoomed == []  # programmatic: not echoed back
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_error(FolderError("not a folder: /x", hint="Choose another"))
    assert bar.isVisibleTo(bar.parentWidget() or bar) and bar.kind == MessageKind.ERROR
    assert bar.text.text() == "not a folder: /x" and bar.hint.text() == "Choose another"
    bar.hide_error()
    assert bar.isHidden()
    bar.show_message("Folder not found", kind=MessageKind.INFO)
    bar.hide_error()  # a notice is not an error: it stays
    assert not bar.isHidden() and not bar.hint.isVisibleTo(bar)


def test_results_pane_keeps_place_and_selection_on_a_quiet_rerun(app, qtbot, library) -> None:  # noqa: ANN001
    from photoseek.gui.services import Services
    from photoseek.gui.widgets.results_pane import ResultsPane

    services = Services(library)
    pane = ResultsPane(services.thumbs)
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show()
    pane.show_hits(hits(300), fresh=True)
    pane.view.select_row(120)
    assert pane.details.title.text() == "img_0120.jpg"
    scroll = pane.view.verticalScrollBar().value()
    assert scroll > 0
    pane.show_hits(hits(1) + hits(299, start=1), fresh=False)  # the same list re-arrives as photos land
    assert pane.view.current_hit().photo.id == 120 and pane.view.verticalScrollBar().value() == scroll
    pane.show_hits(hits(5, start=500), fresh=True)
    assert pane.view.verticalScrollBar().value() == 0 and pane.details.title.text() == "No photo selected"
    pane.clear()
    assert pane.model.rowCount() == 0
    services.shutdown()


def test_first_run_page_offers_pictures_and_hint_page_texts(app, qtbot, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Pictures").mkdir()
    page = EmptyPage()
    qtbot.addWidget(page)
    assert page.add_pictures_btn.text() == "Add ~/Pictures"
    with qtbot.waitSignal(page.add_requested) as sig:
        page.add_pictures_btn.click()
    assert Path(sig.args[0]) == tmp_path / "Pictures"
    hint = HintPage()
    hint.show_no_match(indexing=True)
    assert hint.text() == "No photos match yet. More appear as indexing goes on."
