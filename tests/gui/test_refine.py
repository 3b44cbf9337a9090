"""Refining a search in the window: the date chip read from the query, the camera filter, More / Less like this,
and the divider between matches and weaker results (tiny colour pack, real photos with EXIF, real threads)."""

from __future__ import annotations

from pathlib import Path

from gui_helpers import photo_rows, wait_indexed
from PySide6.QtCore import Qt

from photoseek.core.domain import FilterKind

COLOURS = ["red", "green", "blue", "yellow", "white", "black", "orange", "purple"]


def dated_folder(root: Path, make_photo) -> Path:  # noqa: ANN001
    """16 photos: two per colour, one taken in 2019 with a Pixel, the other in 2021 with a Canon."""
    for c in COLOURS:
        make_photo(root / f"{c}_2019.jpg", c, seed=hash(c) % 1000, exif_date="2019:05:01 10:00:00",
                   camera=("Google", "Pixel 7"))
        make_photo(root / f"{c}_2021.jpg", c, seed=hash(c) % 1000 + 1, exif_date="2021:08:01 10:00:00",
                   camera=("Canon", "Canon EOS 80D"))
    return root


def _window(open_window, library, qtbot, tmp_path, make_photo):  # noqa: ANN001
    library.add_folder(dated_folder(tmp_path / "photos", make_photo))
    win = open_window()
    wait_indexed(qtbot, win)
    return win


def _names(win) -> list[str]:  # noqa: ANN001
    return [Path(h.path).name for h in win.model.hits]


def _search(win, qtbot, text: str) -> None:  # noqa: ANN001
    win.search.setText(text)
    win.search_now()
    qtbot.waitUntil(lambda: f"“{text}”" in win.header.text(), timeout=10000)


def test_a_date_in_the_query_becomes_a_removable_chip(open_window, library, qtbot, tmp_path, make_photo) -> None:
    win = _window(open_window, library, qtbot, tmp_path, make_photo)
    _search(win, qtbot, "red 2019")
    chips = win.search_bar.chips
    qtbot.waitUntil(lambda: [c.kind for c in chips.chips] == [FilterKind.DATE], timeout=5000)
    assert chips.isVisible() and chips.views[0].label.text() == "Taken 2019"
    assert _names(win)[0] == "red_2019.jpg" and all(n.endswith("_2019.jpg") for n in _names(win))
    qtbot.mouseClick(chips.views[0].button, Qt.MouseButton.LeftButton)  # × drops the date, keeps the words
    qtbot.waitUntil(lambda: "“red”" in win.header.text(), timeout=10000)
    assert win.search.text() == "red" and not chips.isVisible() and len(win.model.hits) == 16
    _search(win, qtbot, '"red 2019"')  # quoted: text, no chip
    assert chips.chips == [] and len(win.model.hits) == 16


def test_the_camera_filter_offers_the_librarys_cameras(open_window, library, qtbot, tmp_path, make_photo) -> None:
    win = _window(open_window, library, qtbot, tmp_path, make_photo)
    combo = win.search_bar.camera_combo
    qtbot.waitUntil(lambda: combo.count() == 3, timeout=5000)
    assert [combo.itemText(i) for i in range(3)] == ["All cameras", "Canon EOS 80D", "Google Pixel 7"]
    assert combo.isVisible()
    _search(win, qtbot, "blue")
    combo.setCurrentIndex(2)
    qtbot.waitUntil(lambda: len(win.model.hits) == 8, timeout=10000)
    assert all(h.photo.camera == "Google Pixel 7" for h in win.model.hits)
    _search(win, qtbot, "blue camera:canon")  # typed in the query: a chip, and it wins over the combo
    qtbot.waitUntil(lambda: [c.kind for c in win.search_bar.chips.chips] == [FilterKind.CAMERA], timeout=5000)
    assert all(h.photo.camera == "Canon EOS 80D" for h in win.model.hits)


def test_more_and_less_like_this_rerank_and_show_chips(open_window, library, qtbot, tmp_path, make_photo) -> None:
    win = _window(open_window, library, qtbot, tmp_path, make_photo)
    _search(win, qtbot, "red")
    before = _names(win)
    row = next(r for r in photo_rows(win) if Path(win.model.hit(r).path).name == "purple_2019.jpg")
    menu = win.build_context_menu(row)
    more = next(a for a in menu.actions() if a.objectName() == "more_like_this")
    assert any(a.objectName() == "less_like_this" for a in menu.actions())
    more.trigger()
    chips = win.search_bar.chips
    qtbot.waitUntil(lambda: [c.kind for c in chips.chips] == [FilterKind.MORE], timeout=10000)
    qtbot.waitUntil(lambda: _names(win) != before, timeout=10000)
    assert _names(win).index("purple_2019.jpg") < before.index("purple_2019.jpg")
    assert win.search.text() == "red" and chips.views[0].label.text() == "More like purple_2019.jpg"
    # Less like this on the best red photo pushes it down
    top = next(r for r in photo_rows(win) if Path(win.model.hit(r).path).name == _names(win)[0])
    name = _names(win)[0]
    less = next(a for a in win.build_context_menu(top).actions() if a.objectName() == "less_like_this")
    less.trigger()
    qtbot.waitUntil(lambda: len(chips.chips) == 2 and _names(win)[0] != name, timeout=10000)
    # removing the chips gives the plain query back
    for left in (1, 0):
        qtbot.mouseClick(chips.views[-1].button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda left=left: len(chips.chips) == left, timeout=10000)
    qtbot.waitUntil(lambda: chips.chips == [] and _names(win) == before, timeout=10000)
    assert win.search.text() == "red"


def test_no_steering_offered_without_a_search(open_window, library, qtbot, tmp_path, make_photo) -> None:
    win = _window(open_window, library, qtbot, tmp_path, make_photo)
    _search(win, qtbot, "red")
    win.searcher.clear()
    assert win.search_bar.chips.chips == []
