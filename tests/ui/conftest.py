from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from thesis_desk.ui.main import make_app
from thesis_desk.ui.main_window import MainWindow


@pytest.fixture(scope="session")
def qapp_cls():  # pytest-qt: build the application the way the program does
    return type(make_app())


@pytest.fixture
def window(qtbot, workspace) -> Iterator[MainWindow]:
    win = MainWindow(workspace.paths)
    qtbot.addWidget(win)
    win.set_workspace(workspace)
    win.show()
    qtbot.waitExposed(win)
    yield win


@pytest.fixture
def when_modal(qtbot) -> Callable[[Callable[[QWidget], None]], list[QWidget]]:
    """Run ``handler(dialog)`` as soon as the next modal dialog opens.

    The test then triggers whatever opens it; the dialog's real ``exec()`` runs.
    """
    seen: list[QWidget] = []

    def arm(handler: Callable[[QWidget], None]) -> list[QWidget]:
        def poll() -> None:
            w = QApplication.activeModalWidget()
            if w is None or w in seen:
                QTimer.singleShot(10, poll)
                return
            seen.append(w)
            handler(w)

        QTimer.singleShot(0, poll)
        return seen

    return arm
