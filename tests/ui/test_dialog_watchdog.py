"""The suite's guard against an error box nobody answers: it must end the box, not hang."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import DialogWatchdog


def test_an_unanswered_message_box_is_closed_and_reported(qapp):
    dog = DialogWatchdog(0.3, poll_ms=50)
    try:
        box = QMessageBox(QMessageBox.Icon.Warning, "Export Memo", "database is locked")
        box.exec()  # without the watchdog this never returns
    finally:
        dog.stop()
    assert dog.stuck == ["QMessageBox 'Export Memo': database is locked"]
