"""Errors and notices inside the window: a message, what to do about it, and a close button."""

from __future__ import annotations

import logging
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout

from photoseek.gui.text import describe_error

log = logging.getLogger(__name__)


class MessageKind(StrEnum):
    """The bar's ``kind`` property; style.qss colours the bar by it."""

    ERROR = "error"
    INFO = "info"


def dismiss_button(bar: QFrame) -> QToolButton:
    """The ✕ at the right of a bar above the results; it hides the bar."""
    close = QToolButton()
    close.setText("✕")
    close.setToolTip("Dismiss")
    close.setAutoRaise(True)
    close.clicked.connect(bar.hide)
    return close


class MessageBar(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("messageBar")
        self.text = QLabel()
        self.text.setObjectName("messageText")
        self.text.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("messageHint")
        self.hint.setWordWrap(True)
        close = dismiss_button(self)
        col = QVBoxLayout()
        col.setSpacing(2)
        col.addWidget(self.text)
        col.addWidget(self.hint)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.addLayout(col, 1)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind") or "")

    def show_message(self, text: str, hint: str | None = None, kind: MessageKind = MessageKind.ERROR) -> None:
        self.setProperty("kind", str(kind))
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(text)
        self.hint.setText(hint or "")
        self.hint.setVisible(bool(hint))
        self.show()

    def show_error(self, error: BaseException | None) -> None:
        """Show an error as people should read it; anything not raised by PhotoSeek itself is also logged."""
        if error is None:
            return
        if not isinstance(error, Exception) or type(error).__module__.split(".")[0] != "photoseek":
            log.error("unexpected error", exc_info=error)
        msg, hint = describe_error(error)
        self.show_message(msg, hint)

    def hide_error(self) -> None:
        if self.kind == MessageKind.ERROR:
            self.hide()
