"""Settings -> Models and the CLIP offer, on a real library against the loopback Hub server (tests/hub_server.py)
serving a random-weight CLIP pack in Immich's layout under the catalog's first entry: download from the GUI with a
progress bar reaching 100%, cancel and resume (also after the window is closed), a network error shown on the card,
re-embedding in the background with the status bar saying so, search switching when it completes, and the banner
that offers CLIP once per library."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_helpers import wait_indexed
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub_server import HubRepo, HubServer, repo_from_folder  # noqa: E402
from immich_pack import PACK_FILES, build_immich_pack  # noqa: E402
from photoseek.core.library import Library  # noqa: E402
from photoseek.gui.controllers.models import BANNER_KEY, ModelState  # noqa: E402
from photoseek.gui.dialogs.models_page import BAR_STEPS  # noqa: E402
from photoseek.gui.dialogs.settings import SettingsDialog, SettingsTab  # noqa: E402

CLIP = "clip-vit-b32"
REPO = "immich-app/ViT-B-32__openai"
COLOURS = ["red", "green", "blue", "yellow"]


@pytest.fixture(scope="module")
def hub_repo(tmp_path_factory: pytest.TempPathFactory) -> HubRepo:
    return repo_from_folder(build_immich_pack(tmp_path_factory.mktemp("hub") / "ViT-B-32__openai"))


@pytest.fixture
def hub(hub_repo: HubRepo) -> Iterator[HubServer]:
    with HubServer({REPO: hub_repo}) as server:
        yield server


@pytest.fixture
def library(home: Path, hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    """The real library, downloading from the loopback Hub (HF_ENDPOINT, as a user's mirror would be set)."""
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    lib = Library()
    lib.installer.downloader.chunk_bytes = 1 << 16  # the test pack is small: report (and cancel) in small steps
    yield lib
    lib.close()


def photos(root: Path, make_photo) -> Path:  # noqa: ANN001
    for i, c in enumerate(COLOURS):
        make_photo(root / f"{c}.jpg", c, seed=i)
    return root


def models_page(win, qtbot):  # noqa: ANN001
    dlg = win.open_settings(SettingsTab.MODELS)
    assert dlg.tabs.currentWidget() is dlg.models_page
    qtbot.waitUntil(lambda: CLIP in dlg.models_page.cards and dlg.models_page.card(CLIP).isVisible(), timeout=5000)
    return dlg, dlg.models_page.card(CLIP)


def state(win) -> ModelState:  # noqa: ANN001
    row = win.models_controller.row(CLIP)
    assert row is not None
    return row.state


def test_download_cancel_resume_then_search_switches_to_clip(open_window, library, qtbot, tmp_path, make_photo,
                                                             hub, hub_repo) -> None:
    library.add_folder(photos(tmp_path / "photos", make_photo))
    win = open_window()
    wait_indexed(qtbot, win)

    dlg, card = models_page(win, qtbot)
    assert card.action.text() == "Download" and card.action.isVisible()
    assert dlg.models_page.in_use.text() == "Search uses: <b>Tiny test pack (built in)</b>"
    assert "MB download" in card.facts.text() and "English" in card.facts.text()
    assert card.note.text().startswith("English. Good everyday search")
    hub.faults.chunk_delay = 0.02  # a slow line, so Cancel lands mid-file
    qtbot.mouseClick(card.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.bar.isVisible() and card.bar.value() > 0, timeout=10000)
    assert card.cancel.isVisible() and " of " in card.progress.text()
    qtbot.mouseClick(card.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(win) == ModelState.PARTIAL, timeout=10000)
    kept = win.models_controller.row(CLIP).model.partial_bytes
    assert kept > 0 and card.action.text() == "Resume" and not card.bar.isVisible() and not card.error.isVisible()
    assert "downloaded — Resume continues" in card.progress.text()
    assert [a.entry.id for a in library.installer.available() if a.installed] == []  # no half pack installed

    # the app is closed and opened again: the card still offers to resume what was kept
    dlg.close()
    win.close()
    win = open_window()
    wait_indexed(qtbot, win)
    win.search.setText("red")
    win.search_now()
    qtbot.waitUntil(lambda: win.model.rowCount() == len(COLOURS), timeout=10000)
    before = [(h.photo.path, round(h.score, 4)) for h in win.model.hits]
    dlg, card = models_page(win, qtbot)
    qtbot.waitUntil(lambda: card.action.text() == "Resume", timeout=5000)
    values: list[int] = []
    card.bar.valueChanged.connect(values.append)
    status: list[str] = []
    win.activity.text.connect(status.append)
    switched: list[str] = []
    win.models_controller.switched.connect(switched.append)
    notices: list[str] = []
    win.models_controller.notice.connect(notices.append)
    hub.faults.chunk_delay = 0.0
    sent_before = sum(hub.bytes_sent.values())  # includes what was in flight when Cancel landed, never written
    qtbot.mouseClick(card.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(switched), timeout=60000)

    assert values and values[-1] == BAR_STEPS == card.bar.maximum()  # the bar reached 100%
    total = sum(len(hub_repo.files[f]) for f in PACK_FILES)
    assert sum(hub.bytes_sent.values()) - sent_before < total - kept // 2  # what was kept was not downloaded again
    assert any(r for f in PACK_FILES for r in hub.gets(f))  # one file continued with a Range request
    assert switched == [CLIP] and library.model_id == CLIP and library.target_model() is None
    assert notices == ["Search now uses CLIP ViT-B/32 (OpenAI) int8"]
    assert any(t.startswith("Improving search: ") and f"of {len(COLOURS)} photos" in t for t in status)
    assert state(win) == ModelState.ACTIVE and card.state.text() == "✓ In use" and not card.action.isVisible()
    qtbot.waitUntil(lambda: "CLIP ViT-B/32 (OpenAI) int8" in dlg.models_page.in_use.text(), timeout=5000)
    # the grid re-ran the query with the new model
    want = [(h.photo.path, round(h.score, 4)) for h in library.search("red")]
    qtbot.waitUntil(lambda: [(h.photo.path, round(h.score, 4)) for h in win.model.hits] == want, timeout=10000)
    assert want != before
    dlg.close()


def test_a_network_error_is_shown_on_the_card_and_download_works_again(open_window, library, qtbot) -> None:
    good = library.installer.downloader.endpoint
    library.installer.downloader.endpoint = "http://127.0.0.1:9"  # nothing listens there: connection refused
    win = open_window()
    dlg, card = models_page(win, qtbot)
    qtbot.mouseClick(card.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.error.isVisible(), timeout=15000)
    assert card.error.text().startswith("cannot reach the model server: 127.0.0.1:9")
    assert "keeps working with the models you have" in card.error.text()
    assert card.action.text() == "Download" and card.action.isEnabled() and not card.bar.isVisible()
    assert not win.message.isVisible()  # in place, not in the window's message bar

    library.installer.downloader.endpoint = good
    switched: list[str] = []
    win.models_controller.switched.connect(switched.append)
    qtbot.mouseClick(card.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(win) == ModelState.ACTIVE, timeout=60000)  # no photos: used at once
    assert switched == [CLIP]
    assert not card.error.isVisible() and library.model_id == CLIP
    dlg.close()


def test_closing_the_window_stops_a_download_and_keeps_its_bytes(open_window, library, qtbot, hub) -> None:
    hub.faults.chunk_delay = 0.05
    win = open_window()
    dlg, card = models_page(win, qtbot)
    qtbot.mouseClick(card.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.bar.value() > 0, timeout=10000)
    dlg.close()
    win.close()  # the fixture's teardown checks no worker is left running
    assert win.services.downloads.activeThreadCount() == 0
    assert [(a.installed, a.partial_bytes > 0) for a in library.installer.available() if a.entry.id == CLIP] \
        == [(False, True)]


def test_the_clip_offer_is_shown_once_per_library(open_window, library, qtbot, tmp_path, make_photo) -> None:
    empty = open_window()
    qtbot.waitUntil(lambda: empty.stack.currentWidget() is empty.empty_page, timeout=5000)
    empty.models_controller.check_offer()
    qtbot.waitUntil(lambda: empty.services.admin.activeThreadCount() == 0, timeout=5000)
    assert not empty.banner.isVisible() and not library.settings.gui.get(BANNER_KEY)  # nothing indexed yet
    empty.close()

    library.add_folder(photos(tmp_path / "photos", make_photo))
    win = open_window()
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=20000)
    text = win.banner.text.text()
    assert "basic built-in model" in text and "download CLIP (" in text and "MB)" in text
    assert library.settings.gui.get(BANNER_KEY) is True
    qtbot.mouseClick(win.banner.button, Qt.MouseButton.LeftButton)  # opens Settings -> Models
    assert not win.banner.isVisible()
    dlg = next(w for w in win.findChildren(SettingsDialog) if w.isVisible())
    assert dlg.tabs.currentWidget() is dlg.models_page
    dlg.close()

    # after a restart (and another index run) it stays away
    win.close()
    again = open_window()
    wait_indexed(qtbot, again)
    qtbot.waitUntil(lambda: again.services.admin.activeThreadCount() == 0, timeout=5000)
    qtbot.wait(100)
    assert not again.banner.isVisible()


def test_dismissing_the_offer_hides_it_for_good(open_window, library, qtbot, tmp_path, make_photo) -> None:
    library.add_folder(photos(tmp_path / "photos", make_photo))
    win = open_window()
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=20000)
    qtbot.mouseClick(win.banner.close_button, Qt.MouseButton.LeftButton)
    assert not win.banner.isVisible()
    win.indexer.start()  # another index run ends: the offer is not made again
    qtbot.waitUntil(lambda: win.indexer.completed > 1 and not win.indexer.running, timeout=20000)
    qtbot.waitUntil(lambda: win.services.admin.activeThreadCount() == 0, timeout=5000)
    assert not win.banner.isVisible()
    with Library() as reopened:  # persisted in the library's settings, read by a new process too
        assert reopened.settings.gui.get(BANNER_KEY) is True


def test_choosing_another_pack_in_general_improves_search_in_the_background(open_window, library, qtbot, tmp_path,
                                                                            make_photo, home) -> None:
    from tiny_pack import build_tiny_pack

    build_tiny_pack(home / "models" / "tiny2", pack_id="tiny2")  # installed, no vectors yet
    library.add_folder(photos(tmp_path / "photos", make_photo))
    win = open_window()
    wait_indexed(qtbot, win)
    status: list[str] = []
    win.activity.text.connect(status.append)
    notices: list[str] = []
    win.models_controller.notice.connect(notices.append)
    dlg = win.open_settings()
    qtbot.waitUntil(lambda: dlg.model.isEnabled(), timeout=5000)
    dlg.model.setCurrentIndex(dlg.model.findData("tiny2"))
    dlg.accept()
    qtbot.waitUntil(lambda: bool(notices), timeout=20000)
    assert library.model_id == "tiny2" and notices == ["Search now uses Tiny test pack"]
    assert any(t.startswith("Improving search: ") for t in status)
