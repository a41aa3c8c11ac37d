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


def test_progress_then_the_error_arrive_in_order_on_the_gui_thread(qtbot):
    import threading

    window = QWidget()
    runner = TaskRunner(window)
    seen: list[object] = []
    gui = threading.get_ident()

    def job(progress, cancelled):
        for n in range(3):
            progress(n, 3, f"step {n}")
        raise ValueError("disk full")

    def on_error(exc: Exception) -> None:
        seen.append((str(exc), threading.get_ident() == gui))

    runner.run(job, on_done=seen.append, on_error=on_error, title="Job", parent=window)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [("disk full", True)] and not runner._active


def test_results_keep_arriving_while_a_callback_holds_a_dialog_open(qtbot):
    """A result's callback may open a dialog (an error box, the import dialog); while it
    is open, the next job's result still arrives, as it did with the signals before."""
    from PySide6.QtCore import QEventLoop, QTimer

    window = QWidget()
    runner = TaskRunner(window)
    got: list[object] = []

    def first_done(value: object) -> None:  # a dialog's exec(), in miniature
        got.append(value)
        loop = QEventLoop()
        runner.run(lambda p, c: "second", on_done=lambda v: (got.append(v), loop.quit()),
                   on_error=got.append)
        QTimer.singleShot(5000, loop.quit)  # without delivery in here: a 5 s wait, then fail
        loop.exec()
        got.append("closed")

    runner.run(lambda p, c: "first", on_done=first_done, on_error=got.append)
    qtbot.waitUntil(lambda: "closed" in got, timeout=10_000)
    assert got == ["first", "second", "closed"]


def test_garbage_made_on_a_worker_thread_is_collected_on_the_gui_thread(qtbot, qapp):
    """Cycles (which may hold Qt objects) are freed on the GUI thread, never on a job's."""
    import threading
    import weakref

    gui = threading.get_ident()
    freed_on: list[int] = []
    kept: list[list] = []

    class Node:
        pass

    def make_garbage() -> None:
        for _ in range(5):  # cycles only the collector frees, made on this thread
            a, b = Node(), Node()
            a.other, b.other = b, a
            weakref.finalize(a, lambda: freed_on.append(threading.get_ident()))
        # enough new live objects that a collection is due (an automatic one would run
        # right here, on this thread, part way through)
        kept.extend([] for _ in range(5_000))

    worker = threading.Thread(target=make_garbage)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(freed_on) == 5, timeout=10_000)
    assert set(freed_on) == {gui}
