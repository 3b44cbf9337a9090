"""The GUI's policy without any widget: search (debounce, newest wins, quiet re-runs), folders (the one add-folder
flow), activity (pause/resume and the status line) and settings, on a real library with real threads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from photoseek.core.domain import Sort
from photoseek.gui.controllers.activity import ActivityController
from photoseek.gui.controllers.folders import FoldersController
from photoseek.gui.controllers.indexing import IndexController
from photoseek.gui.controllers.models import ModelsController
from photoseek.gui.controllers.search import Filters, Results, SearchController
from photoseek.gui.controllers.settings import SettingsController
from photoseek.gui.controllers.watching import WatchController
from photoseek.gui.services import Services

COLOURS = ["red", "green", "blue", "yellow"]


class Parts:
    def __init__(self, library) -> None:  # noqa: ANN001
        self.services = Services(library)
        self.indexer = IndexController(self.services)
        self.watcher = WatchController(self.services)
        self.folders = FoldersController(self.services, self.indexer)
        self.activity = ActivityController(self.indexer, self.watcher, self.folders)
        self.search = SearchController(self.services)
        self.models = ModelsController(self.services, self.indexer)
        self.settings = SettingsController(self.services, self.models)

    def shutdown(self) -> None:
        self.search.shutdown()
        self.activity.shutdown()
        self.indexer.shutdown()
        self.watcher.shutdown()
        self.services.shutdown()


@pytest.fixture
def parts(app, library) -> Iterator[Parts]:  # noqa: ANN001
    p = Parts(library)
    yield p
    p.shutdown()
    assert all(pool.activeThreadCount() == 0 for pool in p.services.pools)


def indexed(library, tmp_path: Path, make_photo, per_colour: int = 1) -> Path:  # noqa: ANN001
    folder = tmp_path / "photos"
    for c in COLOURS:
        for i in range(per_colour):
            make_photo(folder / f"{c}_{i}.jpg", c, seed=i)
    library.add_folder(folder)
    library.index()
    return folder


def test_typing_is_debounced_and_only_the_newest_query_answers(parts, library, qtbot, tmp_path, make_photo) -> None:
    indexed(library, tmp_path, make_photo)
    got: list[Results] = []
    parts.search.results.connect(got.append)
    for text in ("r", "re", "red"):
        parts.search.text_changed(text)
    assert parts.search.debounce.isActive() and not got
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    qtbot.wait(parts.search.DEBOUNCE_MS + 100)
    assert len(got) == 1 and got[0].label == "“red”" and got[0].fresh
    assert Path(got[0].hits[0].photo.path).name.startswith("red_")
    # two queries in a row: the first answer is stale and never delivered
    got.clear()
    parts.search.search_text("green")
    parts.search.search_text("blue")
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    qtbot.wait(200)
    assert [r.label for r in got] == ["“blue”"]
    # the same query re-run over an unchanged library says nothing (no repaint, no lost scroll position)
    parts.search.rerun()
    qtbot.wait(300)
    assert len(got) == 1
    # clearing the box clears at once, without waiting for the debounce
    with qtbot.waitSignal(parts.search.cleared, timeout=1000):
        parts.search.text_changed("  ")
    assert not parts.search.active


def test_filters_rerun_the_query_and_find_similar_empties_the_box(parts, library, qtbot, tmp_path,
                                                                    make_photo) -> None:
    folder = indexed(library, tmp_path, make_photo)
    got: list[Results] = []
    parts.search.results.connect(got.append)
    parts.search.set_filters(Filters(sort=Sort.NEWEST))  # no query yet: remembered, nothing runs
    qtbot.wait(100)
    assert not got
    with qtbot.waitSignal(parts.search.by_example, timeout=1000):
        parts.search.find_similar(str(folder / "red_0.jpg"), "red_0.jpg")
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got[-1].label == "photos like red_0.jpg" and got[-1].sort == Sort.NEWEST
    assert all(Path(h.photo.path).name != "red_0.jpg" for h in got[-1].hits)  # never its own match
    parts.search.set_filters(Filters(folder=str(tmp_path / "elsewhere")))
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    assert got[-1].hits == [] and got[-1].fresh


def test_a_failing_query_reports_its_error(parts, library, qtbot) -> None:
    library.update_settings(model="no-such-pack")
    with qtbot.waitSignal(parts.search.failed, timeout=5000) as sig:
        parts.search.search_text("red")
    assert "no-such-pack" in str(sig.args[0])


def test_adding_a_folder_indexes_it_and_errors_go_to_the_caller(parts, qtbot, tmp_path, make_photo) -> None:
    folder = tmp_path / "new"
    for c in COLOURS:
        make_photo(folder / f"{c}.jpg", c)
    loaded: list[list] = []
    parts.folders.loaded.connect(loaded.append)
    with qtbot.waitSignal(parts.folders.added, timeout=5000):
        parts.folders.add(str(folder))
    qtbot.waitUntil(lambda: parts.indexer.completed == 1 and not parts.indexer.running, timeout=20000)
    assert parts.folders.paths == [str(folder)] and [f.path for f in loaded[-1]] == [str(folder)]
    assert parts.services.library.status().indexed == 4
    # without a reply the error is a signal (the window's message bar) ...
    with qtbot.waitSignal(parts.folders.failed, timeout=5000) as sig:
        parts.folders.add(str(tmp_path / "gone"))
    assert "not a folder" in str(sig.args[0])
    # ... with one (a dialog showing the outcome in place) it goes to the caller only
    replies: list = []
    failures: list = []
    parts.folders.failed.connect(failures.append)
    parts.folders.add(str(tmp_path / "gone"), reply=lambda r, e: replies.append(e))
    qtbot.waitUntil(lambda: bool(replies), timeout=5000)
    assert replies[0] is not None and not failures
    with qtbot.waitSignal(parts.folders.removed, timeout=5000):
        parts.folders.remove(str(folder))
    qtbot.waitUntil(lambda: parts.folders.paths == [], timeout=5000)


def test_first_load_catches_up_and_offline_folders_are_announced(parts, library, qtbot, tmp_path,
                                                                 make_photo) -> None:
    folder = tmp_path / "photos"
    make_photo(folder / "red.jpg", "red")
    library.add_folder(folder)
    with qtbot.waitSignal(parts.indexer.running_changed, timeout=5000):
        parts.folders.refresh(first=True)
    qtbot.waitUntil(lambda: not parts.indexer.running, timeout=20000)
    folder.rename(tmp_path / "unplugged")
    library.indexer.set_folder_online(str(folder), False)
    with qtbot.waitSignal(parts.folders.offline, timeout=5000) as sig:
        parts.folders.refresh()
    assert sig.args[0] == [str(folder)]
    offline: list = []
    parts.folders.offline.connect(offline.append)
    parts.folders.refresh()  # the same set again: said once, not on every refresh
    qtbot.waitUntil(lambda: parts.folders.paths is not None, timeout=5000)
    qtbot.wait(200)
    assert offline == []


def test_pause_and_resume_drive_indexing_watching_and_the_status_line(parts, library, qtbot, tmp_path,
                                                                      make_photo) -> None:
    folder = tmp_path / "many"
    for i in range(40):
        make_photo(folder / f"p{i:03}.jpg", COLOURS[i % 4], seed=i)
    library.add_folder(folder)
    texts: list[str] = []
    states: list[tuple[bool, bool]] = []
    parts.activity.text.connect(texts.append)
    parts.activity.pause_state.connect(lambda visible, paused: states.append((visible, paused)))
    parts.indexer.start()
    assert texts[-1] == "Looking for new photos…" and states[-1] == (True, False)
    parts.activity.toggle_pause()
    assert parts.activity.paused and states[-1] == (True, True)
    qtbot.waitUntil(lambda: not parts.indexer.running, timeout=20000)
    assert "paused" in texts[-1].lower()
    assert library.status().indexed < 40
    parts.activity.toggle_pause()  # resume: a run catches up, then folders are watched
    qtbot.waitUntil(lambda: any(t.startswith("Up to date · 40 photos") for t in texts), timeout=20000)
    assert library.status().indexed == 40
    qtbot.waitUntil(lambda: parts.watcher.active and parts.watcher.handle is not None, timeout=10000)
    assert parts.activity.watching_text() == "Up to date · Watching 1 folder"
    parts.activity.pause()
    assert not parts.watcher.active and states[-1] == (True, True)
    assert texts[-1] == "Paused — new photos are indexed when you resume."


def test_settings_apply_thumbnail_size_at_once_and_save_the_rest(parts, library, qtbot) -> None:
    sizes: list[int] = []
    parts.settings.thumbnail_size.connect(sizes.append)
    parts.settings.apply(None, 128, cores=1, device="auto")
    assert sizes == [128]
    qtbot.waitUntil(lambda: library.settings.index_cores == 1 and library.settings.thumbnail_size == 128
                    and library.settings.device == "auto", timeout=5000)
    replies: list = []
    parts.settings.list_models(lambda r, e: replies.append((r, e)))
    qtbot.waitUntil(lambda: bool(replies), timeout=5000)
    models, error = replies[0]
    assert error is None and any(m.id == "tiny" and m.active for m in models)
    assert parts.settings.changed_model(models, "tiny") is None  # the active pack: nothing to switch
    assert parts.settings.changed_model(models, "other") == "other"
    assert parts.settings.changed_model([], "other") is None  # the list never loaded
