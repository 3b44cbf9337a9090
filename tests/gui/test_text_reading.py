"""Words in photos in the GUI: the OCR pass after an index run (status line, pause), matched words highlighted in
the details pane, RAW+JPEG shown as one tile. Real library, real OCR, real threads."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from PIL import Image

from photoseek.core.domain import SearchHit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_controllers import Parts  # noqa: E402

from photoseek.gui.text import highlighted, photo_facts  # noqa: E402
from text_photos import make_text_photos  # noqa: E402

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"


def test_reading_text_follows_the_index_run_and_shows_in_the_status_line(app, library, qtbot, tmp_path,
                                                                          make_photo) -> None:
    library.update_settings(read_text=True)
    folder = tmp_path / "photos"
    make_text_photos(sorted(PHOTOS.glob("*.jpg")), folder, 1)
    for i, c in enumerate(["red", "green", "blue"]):
        make_photo(folder / f"{c}.jpg", c, seed=i)
    library.add_folder(folder)
    parts = Parts(library)
    try:
        texts: list[str] = []
        notices: list[str] = []
        parts.activity.text.connect(texts.append)
        parts.activity.notice.connect(notices.append)
        parts.indexer.start()
        qtbot.waitUntil(lambda: any(n.startswith("Read the words in 4 photos (1 with text)") for n in notices),
                        timeout=60000)
        assert any(t == "Reading text in photos: 0 of 4" for t in texts)
        hits = library.search('text:"moonlight"')
        assert [Path(h.path).name for h in hits] == ["text_000_sign.jpg"]
        assert library.status().text.pending == 0
        # a new index run pauses reading first; nothing to read afterwards means no second pass's work
        parts.indexer.start()
        assert not parts.activity.reader.running or not parts.activity.reader._keep_going
        qtbot.waitUntil(lambda: not parts.indexer.running and not parts.activity.reader.running, timeout=30000)
    finally:
        parts.shutdown()
    assert parts.activity.reader.pool.activeThreadCount() == 0


def test_matched_words_are_highlighted_and_raw_pairs_named(tmp_path) -> None:
    assert highlighted("WIFI: <moon>light42", ((0, 4), (6, 12))) == (
        "<span style='background-color:#ffd54f; color:#1a1a1a'>WIFI</span>: "
        "<span style='background-color:#ffd54f; color:#1a1a1a'>&lt;moon&gt;</span>light42")
    from photoseek.core.domain import Photo, PhotoState

    p = Photo(1, "/p/IMG_0042.JPG", 1, 10, 1.0, None, 4, 3, None, None, PhotoState.OK)
    facts = dict(photo_facts(SearchHit(p, 0.2, text_match="CAFÉ & BAR", text_spans=((0, 4),),
                                       raw_sibling="/p/IMG_0042.CR2")))
    assert facts["Words in photo"].endswith("CAFÉ</span> &amp; BAR")
    assert facts["RAW + JPEG"] == "IMG_0042.JPG + IMG_0042.CR2"
    assert "Words in photo" not in dict(photo_facts(replace(SearchHit(p, 0.2), text_match=None)))


def test_details_pane_and_tile_show_words_and_stack(open_window, library, qtbot, tmp_path, make_photo) -> None:
    library.update_settings(read_text=True)
    folder = tmp_path / "photos"
    make_text_photos(sorted(PHOTOS.glob("*.jpg")), folder, 1)
    # the same sign on another photo (a copy of the first would be stacked as a near-duplicate), shot RAW+JPEG
    other = make_text_photos(sorted(PHOTOS.glob("*.jpg"))[::-1], tmp_path / "other", 1)[0]
    Image.open(other.path).save(folder / "IMG_0042.JPG")
    from raw_files import write_dng

    write_dng(folder / "IMG_0042.dng", Image.open(other.path))
    library.add_folder(folder)
    library.index()
    library.text.read()
    win = open_window()
    qtbot.waitUntil(lambda: not win.indexer.running, timeout=30000)
    win.search.setText('text:"moonlight42"')
    qtbot.waitUntil(lambda: win.model.rowCount() == 2, timeout=10000)
    hits = [win.model.hit(r) for r in range(2)]
    assert sorted(Path(h.path).name for h in hits) == ["IMG_0042.JPG", "text_000_sign.jpg"]  # the pair: one tile
    row = next(r for r, h in enumerate(hits) if h.raw_sibling)
    win.view.setCurrentIndex(win.model.index(row, 0))
    qtbot.waitUntil(lambda: win.details.hit is not None, timeout=5000)
    html = win.details.facts.text()
    assert "Words in photo" in html and "background-color:#ffd54f" in html and "MOONLIGHT42" in html
    assert "IMG_0042.JPG + IMG_0042.dng" in html
    assert "found by its words" in html  # no meaning score to show
    assert win.model.index(row, 0).data(0x0100 + 2) is None  # ScoreRole: the tile shows no 0.00


def test_turning_reading_on_in_settings_reads_what_is_indexed(app, library, qtbot, tmp_path, make_photo) -> None:
    folder = tmp_path / "photos"
    make_text_photos(sorted(PHOTOS.glob("*.jpg")), folder, 1)
    library.add_folder(folder)
    library.index()
    assert not library.settings.read_text  # the tests' default; the app's default is on
    parts = Parts(library)
    try:
        notices: list[str] = []
        parts.activity.notice.connect(notices.append)
        parts.settings.apply(None, 128, read_text=True)
        qtbot.waitUntil(lambda: any(n.startswith("Read the words in 1 photo") for n in notices), timeout=60000)
        assert library.settings.read_text
        assert [Path(h.path).name for h in library.search("text:wifi")] == ["text_000_sign.jpg"]
        parts.settings.apply(None, 128, read_text=False)
        qtbot.waitUntil(lambda: not library.settings.read_text, timeout=5000)
        assert not parts.activity.reader.enabled
    finally:
        parts.shutdown()
