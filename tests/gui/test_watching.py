"""Live folder watching in the app, with the real observer on real files: new photos appear in the current
results without any user action, deleted ones leave, pause stops watching, folders added later are watched,
a folder that vanishes shows its photos as offline, and closing leaves no watcher threads."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from gui_helpers import first_name, wait_indexed, watcher_threads

from photoseek.core.domain import PhotoState

pytestmark = pytest.mark.timeout(60)


def names(win) -> list[str]:  # noqa: ANN001
    return [Path(h.photo.path).name for h in win.model.hits]


def watching(qtbot, win, folders: int = 1) -> None:  # noqa: ANN001
    """Wait until the start-up index run is done and every folder is watched with nothing queued."""
    wait_indexed(qtbot, win)
    qtbot.waitUntil(lambda: win.watcher.handle is not None and len(win.watcher.modes()) == folders
                    and win.watcher.handle.idle, timeout=10000)
    qtbot.waitUntil(lambda: "Watching" in win.progress_label.text(), timeout=5000)


def search(qtbot, win, text: str) -> None:  # noqa: ANN001
    win.search.setText(text)
    win.search_now()
    qtbot.waitUntil(lambda: win.model.rowCount() > 0, timeout=5000)


@pytest.fixture
def folder(tmp_path: Path, make_photo, library) -> Path:  # noqa: ANN001
    f = tmp_path / "photos"
    for i, c in enumerate(["blue", "green", "yellow"]):
        make_photo(f / f"{c}.jpg", c, seed=i)
    library.add_folder(f)
    return f


def test_new_photo_appears_and_deleted_one_leaves(open_window, folder, qtbot, tmp_path, make_photo) -> None:
    win = open_window()
    watching(qtbot, win)
    assert win.pause_btn.isVisible() and win.pause_btn.text() == "Pause"
    search(qtbot, win, "red")
    assert "new_red.jpg" not in names(win)
    src = make_photo(tmp_path / "outside" / "new_red.jpg", "red", seed=7)
    shutil.copy(src, folder / "new_red.jpg")
    qtbot.waitUntil(lambda: first_name(win) == "new_red.jpg", timeout=10000)
    os.remove(folder / "new_red.jpg")
    qtbot.waitUntil(lambda: "new_red.jpg" not in names(win), timeout=10000)


def test_pause_stops_watching_until_resume(open_window, folder, library, qtbot, make_photo) -> None:
    win = open_window()
    watching(qtbot, win)
    search(qtbot, win, "red")
    win.pause_btn.click()
    assert win.pause_btn.text() == "Resume"
    qtbot.waitUntil(lambda: win.watcher.handle is None and not watcher_threads(), timeout=10000)
    make_photo(folder / "paused_red.jpg", "red", seed=8)
    qtbot.wait(2500)  # longer than the watcher's settle time: nothing may pick the photo up while paused
    assert library.catalog.photo_by_path(str(folder / "paused_red.jpg")) is None
    assert "paused_red.jpg" not in names(win)
    win.pause_btn.click()  # resume: an index run catches up, then watching starts again
    qtbot.waitUntil(lambda: first_name(win) == "paused_red.jpg", timeout=10000)
    watching(qtbot, win)
    assert win.pause_btn.text() == "Pause"


def test_folder_added_while_watching_is_watched(open_window, folder, qtbot, tmp_path, make_photo) -> None:
    win = open_window()
    watching(qtbot, win)
    dlg = win.open_folders()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1 and dlg.table.item(0, 4) is not None
                    and dlg.table.item(0, 4).text() == "live", timeout=5000)
    second = tmp_path / "second"
    make_photo(second / "green2.jpg", "green", seed=3)
    dlg.add_path(str(second))
    qtbot.waitUntil(lambda: len(win.watcher.modes()) == 2, timeout=10000)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 2
                    and [dlg.table.item(r, 4).text() for r in range(2)] == ["live", "live"], timeout=10000)
    search(qtbot, win, "red")
    make_photo(second / "late_red.jpg", "red", seed=9)
    qtbot.waitUntil(lambda: first_name(win) == "late_red.jpg", timeout=10000)
    dlg.close()


def test_vanished_folder_shows_offline_and_close_stops_watching(open_window, folder, library, qtbot) -> None:
    win = open_window()
    watching(qtbot, win)
    search(qtbot, win, "blue")
    dlg = win.open_folders()
    folder.rename(folder.with_name("unplugged"))
    qtbot.waitUntil(lambda: bool(win.model.hits) and win.model.hits[0].photo.state == PhotoState.OFFLINE,
                    timeout=10000)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1 and dlg.table.item(0, 4).text() == "offline", timeout=10000)
    assert "offline" in win.model.data(win.model.index(0, 0), 3)  # the tooltip says why it is grey
    if shot := os.environ.get("PHOTOSEEK_SCREENSHOT"):
        dlg.close()
        win.select_row(0)
        qtbot.wait(300)
        win.grab().save(shot)
    win.close()
    assert not watcher_threads()
    assert library._watch is None
