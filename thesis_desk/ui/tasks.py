"""Work off the GUI thread: one background worker, results and errors back on the GUI thread.

Long jobs (importing many documents, later CSV imports and PDF export) run here with
a progress dialog that can cancel between steps. The job gets ``progress(done, total,
label)`` and ``cancelled()`` callables; its return value or its exception is delivered
to the callbacks on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

Job = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class _Receiver(QObject):
    """The GUI-thread end of one job, a child of its TaskRunner: when the window (and
    with it the runner) is gone, Qt drops results still queued for it instead of calling
    into deleted widgets (a test closing its window right after a job crashed the next)."""

    def __init__(self, parent: QObject, progress: Callable[[int, int, str], None],
                 finished: Callable[[Any], None], failed: Callable[[Any], None]):
        super().__init__(parent)
        self._progress, self._finished, self._failed = progress, finished, failed

    @Slot(int, int, str)
    def progress(self, done: int, total: int, label: str) -> None:
        self._progress(done, total, label)

    @Slot(object)
    def finished(self, value: object) -> None:
        self._finished(value)

    @Slot(object)
    def failed(self, exc: object) -> None:
        self._failed(exc)


class _Runnable(QRunnable):
    def __init__(self, job: Job, signals: _Signals, cancel: threading.Event):
        super().__init__()
        self.job, self.signals, self.cancel = job, signals, cancel

    def run(self) -> None:
        try:
            try:
                result = self.job(lambda d, t, label: self.signals.progress.emit(d, t, label),
                                  self.cancel.is_set)
            except Exception as exc:  # delivered to the GUI thread, logged there
                self.signals.failed.emit(exc)
            else:
                self.signals.finished.emit(result)
        except RuntimeError:  # the window that asked is gone: nobody to tell
            log.info("background task ended after its window closed")


class TaskRunner(QObject):
    """Runs one job at a time on a private thread pool (one database writer)."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._active: list[_Signals] = []

    def run(self, job: Job, *, on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None], title: str = "",
            parent: QWidget | None = None, show_progress: bool = True) -> threading.Event:
        cancel = threading.Event()
        # A child of the runner, made and deleted on the GUI thread. Without a parent the
        # worker could drop the last reference when its job ended after the result had
        # been handled, destroying a GUI-thread object on the worker (a crash under load).
        signals = _Signals(self)
        self._active.append(signals)
        dialog = None
        ended: list[bool] = []

        def on_progress(done: int, total: int, label: str) -> None:
            if dialog is None or ended:  # queued behind the result: the dialog is gone
                return
            if label:
                dialog.setLabelText(f"{title}\n{label}")
            dialog.setMaximum(total)
            # Last: a modal progress dialog processes events inside setValue, where
            # the job's result may arrive and end the dialog; nothing touches it after.
            dialog.setValue(done)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            ended.append(True)
            if dialog is not None:
                dialog.reset()
                dialog.deleteLater()
            self._active.remove(signals)
            signals.deleteLater()  # the job has sent its last signal
            receiver.deleteLater()
            self.busy_changed.emit(bool(self._active))
            callback(value)

        def failed(exc: Any) -> None:
            log.error("background task failed: %r", exc)
            finish(on_error, exc)

        receiver = _Receiver(self, on_progress, lambda r: finish(on_done, r), failed)
        if show_progress and parent is not None:
            dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
            dialog.setWindowTitle(title)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.canceled.connect(cancel.set)
        signals.progress.connect(receiver.progress)
        signals.finished.connect(receiver.finished)
        signals.failed.connect(receiver.failed)
        self.busy_changed.emit(True)
        self.pool.start(_Runnable(job, signals, cancel))
        return cancel

    def wait(self, msecs: int = 30_000) -> bool:
        return self.pool.waitForDone(msecs)
