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

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

Job = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, job: Job, signals: _Signals, cancel: threading.Event):
        super().__init__()
        self.job, self.signals, self.cancel = job, signals, cancel

    def run(self) -> None:
        try:
            result = self.job(lambda d, t, label: self.signals.progress.emit(d, t, label),
                              self.cancel.is_set)
        except Exception as exc:  # delivered to the GUI thread, logged there
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


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
        signals = _Signals()
        self._active.append(signals)
        dialog = None
        if show_progress and parent is not None:
            dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
            dialog.setWindowTitle(title)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.canceled.connect(cancel.set)

            def on_progress(done: int, total: int, label: str) -> None:
                if ended:  # a progress signal queued behind the result: the dialog is gone
                    return
                if label:
                    dialog.setLabelText(f"{title}\n{label}")
                dialog.setMaximum(total)
                # Last: a modal progress dialog processes events inside setValue, where
                # the job's result may arrive and end the dialog; nothing touches it after.
                dialog.setValue(done)

            signals.progress.connect(on_progress)

        ended: list[bool] = []

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            ended.append(True)
            if dialog is not None:
                dialog.reset()
                dialog.deleteLater()
            self._active.remove(signals)
            self.busy_changed.emit(bool(self._active))
            callback(value)

        signals.finished.connect(lambda r: finish(on_done, r))
        signals.failed.connect(lambda e: (log.error("background task failed: %r", e),
                                          finish(on_error, e)))
        self.busy_changed.emit(True)
        self.pool.start(_Runnable(job, signals, cancel))
        return cancel

    def wait(self, msecs: int = 30_000) -> bool:
        return self.pool.waitForDone(msecs)
