"""A write made from the window runs on the edits worker while the window goes on
painting: the thesis form's Save, with the service made slow, as a person uses it."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox

from thesis_desk.core.theses import ThesisService
from thesis_desk.ui.forms import ThesisDialog
from thesis_desk.ui.ops import wait_idle


def test_saving_a_thesis_runs_off_the_gui_thread_while_the_window_paints(
        qtbot, window, when_modal, monkeypatch):
    real = ThesisService.create
    seen: dict = {}

    def slow_create(self, data, **kw):  # noqa: ANN001, ANN003, ANN202
        seen["thread"] = threading.current_thread()
        time.sleep(0.4)  # a slow disk, a database across the network
        return real(self, data, **kw)

    monkeypatch.setattr(ThesisService, "create", slow_create)
    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    heartbeat.start(10)

    def fill(dlg: ThesisDialog) -> None:
        qtbot.keyClicks(dlg.title, "Tencent cloud margins turn")
        save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
        seen["started"] = time.perf_counter()
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        seen["ended"] = time.perf_counter()

    when_modal(fill)
    window.new_action.trigger()
    wait_idle()
    heartbeat.stop()
    assert seen["thread"] is not threading.main_thread()
    during = [b for b in beats if seen["started"] < b < seen["ended"]]
    assert seen["ended"] - seen["started"] >= 0.4
    assert len(during) >= 15  # the GUI thread's timers ran all along (every 10 ms)
    gaps = [b - a for a, b in zip(during, during[1:], strict=False)]
    assert max(gaps) < 0.1
    [t] = window.workspace.theses.list()
    assert t.title == "Tencent cloud margins turn"
    assert window.theses_view.detail.title.text() == t.title


def test_a_slow_write_shows_the_busy_pointer_and_restores_it(qtbot, window):
    from PySide6.QtGui import QGuiApplication

    from thesis_desk.ui.ops import write

    seen: list = []
    probe = QTimer()
    probe.timeout.connect(lambda: seen.append(QGuiApplication.overrideCursor() is not None))
    probe.start(20)
    write(lambda: time.sleep(0.5))
    probe.stop()
    assert any(seen)  # busy while it ran
    assert QGuiApplication.overrideCursor() is None  # and not after
    seen.clear()
    probe.start(20)
    write(lambda: time.sleep(0.1))  # quick: no busy pointer flashing
    probe.stop()
    assert not any(seen)
