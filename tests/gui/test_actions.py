"""gui/actions.py: what a drop or paste means, saving pasted pixels to the cache (never a photo folder),
and copying a photo's pixels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage

from photoseek.gui.actions import PASTED_IMAGE, PhotoActions, accepts, image_paths
from photoseek.gui.services import Services


@pytest.fixture
def acts(app, library) -> Iterator[PhotoActions]:  # noqa: ANN001
    services = Services(library)
    yield PhotoActions(services)
    services.shutdown()


def test_image_paths_from_urls_and_text() -> None:
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile("/p/a.JPG"), QUrl.fromLocalFile("/p/notes.txt"), QUrl("https://x/b.jpg")])
    assert image_paths(md) == ["/p/a.JPG"]
    text = QMimeData()
    text.setText('"/p/b.png"\nfile:///p/c.heic\n\nhello')
    assert image_paths(text) == ["/p/b.png", "/p/c.heic"]
    assert accepts(text) and not accepts(QMimeData())


def test_dropped_file_and_pasted_pixels_ask_for_similar_photos(acts, library, qtbot, tmp_path) -> None:
    asked: list[tuple[object, str]] = []
    acts.similar_requested.connect(lambda target, label: asked.append((target, label)))
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(tmp_path / "q.jpg"))])
    assert acts.use_mime(md) and asked == [(str(tmp_path / "q.jpg"), "q.jpg")]
    img = QImage(40, 30, QImage.Format.Format_RGB32)
    img.fill(QColor("orange"))
    pixels = QMimeData()
    pixels.setImageData(img)
    assert acts.use_mime(pixels)
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=5000)
    saved = Path(str(asked[1][0]))
    assert asked[1][1] == "the pasted image" and saved == library.cache_dir / PASTED_IMAGE
    assert QImage(str(saved)).size() == img.size()
    nothing = QMimeData()
    nothing.setText("just words")
    assert not acts.use_mime(nothing)


def test_copy_image_puts_pixels_on_the_clipboard_or_reports_why_not(acts, qtbot, tmp_path, make_photo) -> None:
    photo = make_photo(tmp_path / "a.jpg", "blue", size=(64, 48))
    with qtbot.waitSignal(acts.notice, timeout=5000) as sig:
        acts.copy_image(str(photo))
    assert sig.args == ["Copied a.jpg", 3000]
    assert QGuiApplication.clipboard().image().size().width() == 64
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    with qtbot.waitSignal(acts.failed, timeout=5000) as sig:
        acts.copy_image(str(broken))
    assert "cannot open image" in str(sig.args[0])


def test_context_menu_lists_the_actions(acts, app, make_photo, tmp_path) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QWidget

    from photoseek.core.domain import Photo, PhotoState, SearchHit

    hit = SearchHit(Photo(7, str(tmp_path / "x.jpg"), 1, 1, 0.0, None, 1, 1, None, None, PhotoState.OK), 0.9)
    parent = QWidget()
    asked: list = []
    acts.similar_requested.connect(lambda t, label: asked.append((t, label)))
    menu = acts.menu(hit, lambda: None, parent)
    names = [a.objectName() for a in menu.actions() if a.text()]
    assert names == ["find_similar", "open", "show_in_folder", "preview", "copy_path", "copy_image"]
    menu.actions()[0].trigger()
    assert asked == [(7, "x.jpg")]
    next(a for a in menu.actions() if a.objectName() == "copy_path").trigger()
    assert QGuiApplication.clipboard().text() == str(tmp_path / "x.jpg")
    parent.deleteLater()
