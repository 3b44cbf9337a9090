"""A damaged catalog at start-up: the window offers a repair, runs it off the GUI thread and says what it did."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from photoseek.core.errors import CatalogDamagedError
from photoseek.core.library import Library
from photoseek.gui.controllers.repair import RepairController
from photoseek.gui.dialogs.repair import RepairDialog


@pytest.fixture
def damaged(home: Path, tmp_path: Path, make_photo) -> str:
    pics = tmp_path / "Pictures"
    for i in range(60):
        make_photo(pics / f"IMG_{i:04d}.jpg", ["red", "green", "blue", "yellow"][i % 4], size=(48, 32), seed=i)
    with Library() as lib:
        lib.add_folder(pics)
        lib.index()
    catalog = home / "catalog.sqlite"
    con = sqlite3.connect(catalog)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    with open(catalog, "r+b") as f:
        f.truncate(catalog.stat().st_size // 2 // 4096 * 4096)
    with pytest.raises(CatalogDamagedError) as ei:
        with Library() as lib:
            lib.status()
    return str(ei.value)


def test_repair_offered_run_and_reported(app, qtbot, home: Path, damaged: str, tmp_path: Path) -> None:
    controller = RepairController()
    dialog = RepairDialog(controller, damaged)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "damaged" in dialog.message.text() and dialog.repair_button.isVisible()
    assert not dialog.open_button.isVisible()
    with qtbot.waitSignal(controller.finished, timeout=120_000):
        qtbot.mouseClick(dialog.repair_button, qtbot_button())
        assert not dialog.quit_button.isEnabled()  # no walking away from a half-done salvage
    text = dialog.log.toPlainText()
    assert "Salvaged" in text and "kept as" in text and "60 photos searchable" in text
    assert dialog.open_button.isVisible() and not dialog.repair_button.isVisible()
    dialog.grab().save(str(tmp_path / "repair-dialog.png"))
    qtbot.mouseClick(dialog.open_button, qtbot_button())
    assert dialog.result() == RepairDialog.DialogCode.Accepted
    controller.shutdown()
    assert controller.pool.activeThreadCount() == 0
    with Library() as lib:  # the library opens again, whole
        assert lib.status().indexed == 60


def qtbot_button():  # noqa: ANN201
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_start_up_offer_repairs_then_the_library_opens(app, qtbot, home: Path, damaged: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from photoseek.gui.app import offer_repair

    def drive() -> None:  # what a user does in the modal dialog: Repair, wait, Open library
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, RepairDialog):
            QTimer.singleShot(20, drive)
            return
        if dialog.repair_button.isVisible() and dialog.repair_button.isEnabled():
            dialog.repair_button.click()
        if dialog.open_button.isVisible():
            dialog.open_button.click()
            return
        QTimer.singleShot(50, drive)

    QTimer.singleShot(0, drive)
    assert offer_repair(damaged) is True
    with Library() as lib:
        assert lib.status().indexed == 60


def test_quitting_the_offer_changes_nothing(app, qtbot, home: Path, damaged: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from photoseek.gui.app import offer_repair

    before = (home / "catalog.sqlite").read_bytes()

    def quit_() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, RepairDialog):
            dialog.quit_button.click()
        else:
            QTimer.singleShot(20, quit_)

    QTimer.singleShot(0, quit_)
    assert offer_repair(damaged) is False
    assert (home / "catalog.sqlite").read_bytes() == before and not list(home.glob("catalog.damaged-*"))
