"""Work off the GUI thread: one background worker, results and errors back on the GUI thread.

Long jobs (importing many documents, later CSV imports and PDF export) run here with
a progress dialog that can cancel between steps. The job gets ``progress(done, total,
label)`` and ``cancelled()`` callables; its return value or its exception is delivered
to the callbacks on the GUI thread.
"""

from __future__ import annotations

import gc
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

Job = Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]


class _Runnable(QRunnable):
    """The job on a pool thread. What happens (progress, the result, the exception) is
    put on the runner's inbox, a plain queue the GUI thread reads on a timer: nothing of
    Qt crosses threads. PySide's cross-thread signals carrying Python objects corrupted
    memory now and then when the machine was busy (PYSIDE-3124; seen here as a crash in
    about 1 run in 40 of the memo export test with two busy CPUs)."""

    def __init__(self, job: Job, post: Callable[[tuple], None], token: int,
                 cancel: threading.Event):
        super().__init__()
        self.job, self.post, self.token, self.cancel = job, post, token, cancel

    def run(self) -> None:
        token, post = self.token, self.post
        try:
            result = self.job(lambda d, t, label: post((token, "progress", (d, t, label))),
                              self.cancel.is_set)
        except Exception as exc:  # delivered to the GUI thread, logged there
            post((token, "failed", exc))
        else:
            post((token, "finished", result))


class TaskRunner(QObject):
    """Runs one job at a time on a private thread pool (one database writer).

    Results reach their callbacks on the GUI thread while the runner exists: when its
    window (its parent) is gone, so is the timer that delivers them, and they are
    dropped instead of calling into deleted widgets."""

    busy_changed = Signal(bool)
    POLL_MS = 10

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._inbox: queue.SimpleQueue[tuple] = queue.SimpleQueue()
        self._active: dict[int, tuple[Callable, Callable, Callable]] = {}
        self._tokens = itertools.count()
        self._in_progress = False
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self._deliver)

    def run(self, job: Job, *, on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None], title: str = "",
            parent: QWidget | None = None, show_progress: bool = True,
            on_progress: Callable[[int, int, str], None] | None = None) -> threading.Event:
        """Run ``job`` on the worker; ``on_progress`` (on the GUI thread) hears its
        progress too, for a job shown without the progress dialog."""
        cancel = threading.Event()
        token = next(self._tokens)
        dialog = None

        def progress(done: int, total: int, label: str) -> None:
            if token in self._active and on_progress is not None:
                on_progress(done, total, label)
            if dialog is None or token not in self._active:  # the dialog is gone
                return
            if label:
                dialog.setLabelText(f"{title}\n{label}")
            dialog.setMaximum(total)
            # Last: a modal progress dialog processes events inside setValue, where
            # the job's result may arrive and end the dialog; nothing touches it after.
            dialog.setValue(done)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._active.pop(token, None)
            if dialog is not None:
                dialog.reset()
                dialog.deleteLater()
            self.busy_changed.emit(bool(self._active))
            callback(value)

        def failed(exc: Any) -> None:
            log.error("background task failed: %r", exc)
            finish(on_error, exc)

        if show_progress and parent is not None:
            dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
            dialog.setWindowTitle(title)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(300)
            dialog.canceled.connect(cancel.set)
        self._active[token] = (progress, lambda r: finish(on_done, r), failed)
        self.busy_changed.emit(True)
        self._timer.start()
        self.pool.start(_Runnable(job, self._inbox.put, token, cancel))
        return cancel

    def _deliver(self) -> None:
        """What the jobs posted, in order, on the GUI thread.

        A result's callback may open a dialog and run its event loop; deliveries go on
        from in there. A progress callback may run events too (a modal progress dialog
        does, inside setValue): nothing is delivered from in there, or a job's end could
        close the very dialog being updated."""
        while not self._in_progress:
            try:
                token, kind, payload = self._inbox.get_nowait()
            except queue.Empty:
                break
            handlers = self._active.get(token)
            if handlers is None:
                continue
            progress, finished, failed = handlers
            if kind == "progress":
                self._in_progress = True
                try:
                    progress(*payload)
                finally:
                    self._in_progress = False
            elif kind == "finished":
                finished(payload)
            else:
                failed(payload)
        if not self._active:
            self._timer.stop()

    def wait(self, msecs: int = 30_000) -> bool:
        return self.pool.waitForDone(msecs)

    @property
    def busy(self) -> bool:
        """A job running, or its result not yet delivered on the GUI thread."""
        return bool(self._active)


class GuiThreadCollector(QObject):
    """Python's cycle collector, run only on the GUI thread, on a timer.

    Left automatic, it runs on whichever thread happens to allocate past its threshold,
    often a background job's; a cycle holding a Qt widget then destroys that widget
    off the GUI thread, which Qt does not allow (crashes, or locks held for ever).
    pyqtgraph documents the same remedy. A generation is collected when its count passes
    its threshold, as the automatic collector decides: looked at twice a second while
    nothing is due (an idle window wakes no more for it), ten times a second while
    something was, so that each walk of the young generations stays short (looked at
    twice a second, a worker reading 5,000 alerts left 40,000 young objects for one
    30-60 ms walk; filing evidence on the fund-sized workspace stalled 19-47 ms, now
    22-25 ms, five runs each).

    The oldest generation as CPython treats it too: walked only once what reached it
    since it was last walked is a quarter of what lived through that (the survivors are
    frozen meanwhile, so counting what has reached it since is cheap). Walked at every
    threshold, a 48,000-alert inbox stalled the window 90 ms each time."""

    IDLE_MS, BUSY_MS = 500, 100

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(lambda: QTimer.singleShot(0, self, self.collect))
        self._timer.start(self.IDLE_MS)

    def collect(self) -> int:
        """Collect the oldest generation due (and the younger ones with it), as the
        automatic collector would; returns how many unreachable objects it found."""
        counts = gc.get_count()
        due = [g for g in range(3) if counts[g] > self.thresholds[g]]
        wanted = self.BUSY_MS if due else self.IDLE_MS
        if self._timer.interval() != wanted:
            self._timer.setInterval(wanted)
        if not due:
            return 0
        if max(due) < 2:
            return gc.collect(max(due))
        if len(gc.get_objects(2)) * 4 < gc.get_freeze_count():
            return gc.collect(1)  # as CPython does until a quarter more has grown old
        gc.unfreeze()  # everything, once in a while: cycles through old objects too
        found = gc.collect(2)
        gc.freeze()
        return found


def collect_on_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install the collector once per application (it lives as long as the app). Kept
    on the application object: asking Qt for it (``findChild``) took 11 ms at start-up."""
    existing = getattr(app, "_thesis_desk_collector", None)
    if existing is None:
        existing = GuiThreadCollector(app)
        app._thesis_desk_collector = existing  # type: ignore[attr-defined]
    return existing
