"""The background worker's results reach the GUI thread only while their window exists."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QApplication, QWidget

from thesis_desk.ui.tasks import TaskRunner


def test_a_result_still_queued_when_its_window_goes_is_dropped(qtbot):
    window = QWidget()
    runner = TaskRunner(window)
    got: list[object] = []
    runner.run(lambda progress, cancelled: 42, on_done=got.append, on_error=got.append)
    assert runner.wait()  # the job has finished; its result waits in the event queue
    shiboken6.delete(window)  # the window (and the runner with it) is gone first
    QApplication.processEvents()
    assert got == []


def test_a_result_reaches_its_callback(qtbot):
    window = QWidget()
    runner = TaskRunner(window)
    got: list[object] = []
    runner.run(lambda progress, cancelled: 42, on_done=got.append, on_error=got.append)
    qtbot.waitUntil(lambda: got == [42], timeout=5000)
    assert not runner._active
