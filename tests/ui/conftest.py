from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from thesis_desk.ui.main import make_app
from thesis_desk.ui.main_window import MainWindow


@pytest.fixture(scope="session")
def qapp_cls():  # pytest-qt: build the application the way the program does
    return type(make_app())


class DialogWatchdog:
    """Closes a modal dialog nobody answers and remembers what it said.

    Such a dialog (an error box after a failure no test expected) would hold the suite,
    and CI, for ever: its nested event loop never returns to Python, so even the timeout
    cannot fire. Progress dialogs are left alone: they end with their job."""

    def __init__(self, limit_s: float, poll_ms: int = 200):
        self.limit_s = limit_s
        self.stuck: list[str] = []
        self._current: QWidget | None = None
        self._since = 0.0
        self.timer = QTimer()
        self.timer.timeout.connect(self.check)
        self.timer.start(poll_ms)

    def check(self) -> None:
        w = QApplication.activeModalWidget()
        if w is None or isinstance(w, QProgressDialog):
            self._current = None
        elif self._current is not w:
            self._current, self._since = w, time.monotonic()
        elif time.monotonic() - self._since > self.limit_s:
            text = w.text() if hasattr(w, "text") else ""
            self.stuck.append(f"{type(w).__name__} {w.windowTitle()!r}: {text}")
            self._current = None
            w.reject() if hasattr(w, "reject") else w.close()

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture(autouse=True)
def no_unanswered_dialogs(qapp) -> Iterator[DialogWatchdog]:
    """Every UI test fails, instead of hanging, when a modal dialog waits a minute for it
    (tests answer theirs in milliseconds; a minute leaves room for a slow machine)."""
    dog = DialogWatchdog(60.0)
    yield dog
    dog.stop()
    if dog.stuck:
        pytest.fail("a modal dialog waited for an answer nobody gave: " + "; ".join(dog.stuck))


@pytest.fixture
def window(qtbot, workspace) -> Iterator[MainWindow]:
    win = MainWindow(workspace.paths)
    qtbot.addWidget(win)
    win.set_workspace(workspace)
    win.show()
    qtbot.waitExposed(win)
    yield win
    # Closed as a person closes it (its jobs waited for, the backup on close taken)
    # while its workspace is still open: the workspace fixture closes that next.
    win.close()


@pytest.fixture
def when_modal(qtbot) -> Iterator[Callable[[Callable[[QWidget], None]], list[QWidget]]]:
    """Run ``handler(dialog)`` as soon as the next modal dialog opens.

    The test then triggers whatever opens it; the dialog's real ``exec()`` runs. Progress
    dialogs are not what a test answers; a handler still waiting when its test ends
    stops polling then (else it would answer a later test's dialogs) and fails the test.
    """
    seen: list[QWidget] = []
    waiting: list[Callable] = []
    failures: list[str] = []

    def arm(handler: Callable[[QWidget], None]) -> list[QWidget]:
        def poll() -> None:
            if handler not in waiting:  # the test has ended
                return
            w = QApplication.activeModalWidget()
            if w is None or w in seen or isinstance(w, QProgressDialog):
                QTimer.singleShot(10, poll)
                return
            seen.append(w)
            waiting.remove(handler)
            try:
                handler(w)
            except BaseException:  # noqa: BLE001 - shown at the test's end, not lost in Qt
                import traceback

                failures.append(traceback.format_exc())
                if w.isVisible() and hasattr(w, "reject"):
                    w.reject()  # a failed handler must not leave its dialog for the watchdog

        waiting.append(handler)
        QTimer.singleShot(0, poll)
        return seen

    yield arm
    left = [getattr(h, "__name__", repr(h)) for h in waiting]
    waiting.clear()
    if failures:
        pytest.fail("a dialog's handler failed:\n" + "\n".join(failures))
    if left:
        pytest.fail(f"no modal dialog came for {', '.join(left)}")
