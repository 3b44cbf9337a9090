"""Offered when the catalog is damaged: explains what a repair does, runs it with progress, shows what it did.

Accepted means the repaired library can be opened; rejected means the user chose to quit (nothing was changed
unless a repair ran, and a repair keeps the damaged file).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photoseek.core.domain import IndexPhase
from photoseek.core.reports import IndexProgress, RepairReport
from photoseek.gui.controllers.repair import RepairController
from photoseek.gui.text import describe_error

INTRO = ("The catalog of your photos is damaged, so PhotoSeek cannot open it.\n\n"
         "Repair keeps the damaged file beside the catalog, salvages everything that can still be read, rebuilds "
         "the search index and re-indexes only the photos whose entries were lost. Your photos themselves are "
         "never touched.\n\nDetails: {problem}")


class RepairDialog(QDialog):
    def __init__(self, controller: RepairController, problem: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Repair the photo library")
        self.setMinimumWidth(520)
        self.message = QLabel(INTRO.format(problem=problem))
        self.message.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.repair_button = QPushButton("Repair")
        self.repair_button.setDefault(True)
        self.quit_button = QPushButton("Quit")
        self.open_button = QPushButton("Open library")
        self.buttons.addButton(self.repair_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.open_button.setVisible(False)  # after addButton, which shows it
        self.repair_button.clicked.connect(self._repair)
        self.open_button.clicked.connect(self.accept)
        self.quit_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.log, 1)
        layout.addWidget(self.buttons)
        controller.step.connect(self.log.appendPlainText)
        controller.progress.connect(self._on_progress)
        controller.finished.connect(self._on_finished)
        controller.failed.connect(self._on_failed)

    def _repair(self) -> None:
        self.repair_button.setEnabled(False)
        self.quit_button.setEnabled(False)  # the salvage must not be abandoned half-way by closing the window
        self.bar.setRange(0, 0)
        self.bar.setVisible(True)
        self.log.setVisible(True)
        self.message.setText("Repairing… The damaged catalog is kept; nothing is deleted.")
        self.controller.start()

    def _on_progress(self, p: IndexProgress) -> None:
        if p.phase == IndexPhase.EMBEDDING and p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
            self.bar.setFormat(f"Re-indexing what was lost: {p.done} of {p.total}")

    def _on_finished(self, report: RepairReport) -> None:
        self.bar.setVisible(False)
        self.message.setText("The library is repaired. This is what was done:")
        self.log.setPlainText("\n".join(report.lines()))
        self.repair_button.setVisible(False)
        self.quit_button.setEnabled(True)
        self.open_button.setVisible(True)
        self.open_button.setDefault(True)

    def _on_failed(self, error: BaseException) -> None:
        self.bar.setVisible(False)
        message, hint = describe_error(error)
        self.message.setText(f"The repair did not finish: {message}" + (f"\n\n{hint}" if hint else ""))
        self.repair_button.setEnabled(True)
        self.quit_button.setEnabled(True)

    def reject(self) -> None:
        if self.controller.running:
            return  # Escape while repairing: wait for the end
        super().reject()
