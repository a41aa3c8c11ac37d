"""Reads a view needs, run off the GUI thread; the GUI thread only builds widgets.

In the spirit of Anki's ``QueryOp`` (qt/aqt/operations/): a view asks ``reads.query(key,
read, apply)``; ``read`` (service calls, plain results) runs on a worker thread, ``apply``
(widgets) runs on the GUI thread with its result. A newer query of the same key
supersedes an older one (its result is dropped), so a view always ends showing its
newest read, and shows its last state, never a blank, while a read is pending.

Writes, and the few reads a form needs before it opens, go through ``write`` (or a
service wrapped in ``OnWorker``): the call runs on the edits worker while the GUI thread
waits in an event loop that paints and runs timers but holds user input back until the
call returns, so the caller's code reads as before (a refused edit still raises in the
form) and the window never freezes on a slow disk or a database server.

Tests and scripts wait for the window to settle with ``wait_idle`` (nothing pending).
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication

from thesis_desk.core.errors import UnreadableError, UserError
from thesis_desk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

_owners: weakref.WeakSet = weakref.WeakSet()  # every Reads and Slices
_edits: ThreadPoolExecutor | None = None  # the worker ``write`` runs calls on
BUSY_AFTER_MS = 250  # a write taking longer shows the busy pointer
T = TypeVar("T")


def pending() -> int:
    """Reads not yet delivered and lists not yet shown, in views that still exist (a
    closed window's are dropped with it, and count no longer)."""
    import shiboken6

    return sum(o.pending for o in list(_owners) if shiboken6.isValid(o))


def drop_all(root: QObject | None) -> None:
    """The workspace closes: let every read running under ``root`` (a window) finish,
    and show none of them, nor the rest of a list being shown."""
    import shiboken6

    for owner in list(_owners):
        if not shiboken6.isValid(owner):
            continue
        node = owner.parent()
        while node is not None and node is not root:
            node = node.parent()
        if node is root:
            owner.drop()


class Reads(QObject):
    """One view's reads: a private worker (so a slow view never queues behind another's
    reads, nor behind the window's writes) and the newest query per key."""

    def __init__(self, parent: QObject, on_error: Callable[[str], None] | None = None):
        super().__init__(parent)
        self.runner = TaskRunner(self)
        self._generation: dict[str, int] = {}
        self.on_error = on_error
        self.pending = 0
        _owners.add(self)

    def query(self, key: str, read: Callable[[], Any], apply: Callable[[Any], None]) -> None:
        """Run ``read`` on the worker, then ``apply(result)`` here, unless a newer query
        of ``key`` was made meanwhile."""
        generation = self._generation[key] = self._generation.get(key, 0) + 1
        self.pending += 1

        def done(result: Any) -> None:
            self.pending -= 1
            if self._generation.get(key) == generation:
                apply(result)

        def failed(exc: Exception) -> None:
            self.pending -= 1
            if self._generation.get(key) != generation:
                return
            if isinstance(exc, UserError | UnreadableError):
                message = str(exc)
            else:
                log.error("a read failed: %r", exc)
                message = f"Could not read the workspace ({exc})."
            if self.on_error is not None:
                self.on_error(message)

        self.runner.run(lambda _p, _c: read(), on_done=done, on_error=failed,
                        show_progress=False)

    def forget(self, key: str) -> None:
        """The result of the ``key`` read pending, if any, is no longer wanted."""
        if key in self._generation:
            self._generation[key] += 1

    def drop(self) -> None:
        """Wait for the running read; deliver no result of the reads asked so far."""
        for key in self._generation:
            self._generation[key] += 1
        self.runner.wait()


class Slices(QObject):
    """Long lists shown a slice at a time, each in its own turn of the event loop (500
    rows of widget items take ~15 ms), so typing and painting go on between them. A new
    ``run`` abandons the one still going."""

    SIZE = 500

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._generation = 0
        self.pending = 0
        _owners.add(self)

    def run(self, rows: list, add: Callable[[list], None],
            then: Callable[[], None] = lambda: None, size: int | None = None) -> None:
        """``add(slice)`` for each slice of ``rows`` (``size`` long) in turn, the first
        at once, then ``then()``."""
        size = size or self.SIZE
        self._generation += 1
        generation = self._generation
        self.pending += 1

        def step(start: int) -> None:
            if generation != self._generation:
                self.pending -= 1
                return
            add(rows[start:start + size])
            if start + size < len(rows):
                QTimer.singleShot(0, self, lambda: step(start + size))
                return
            self.pending -= 1
            then()

        step(0)

    def drop(self) -> None:
        self._generation += 1


def write(call: Callable[[], T]) -> T:
    """``call()`` on the edits worker, returned (or raised) here; meanwhile the window
    paints and its timers run, user input waits. Off the GUI thread: called directly."""
    global _edits
    if threading.current_thread() is not threading.main_thread():
        return call()
    if _edits is None:
        _edits = ThreadPoolExecutor(max_workers=1, thread_name_prefix="edits")
    future = _edits.submit(call)
    if not future.done():
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(2)
        poll.timeout.connect(lambda: future.done() and loop.quit())
        poll.start()
        # a call that takes a while (a backup before a delete, a big demo) shows a busy
        # pointer, since clicks wait meanwhile
        busy = QTimer()
        busy.setSingleShot(True)
        waiting: list[bool] = []

        def show_busy() -> None:
            from PySide6.QtCore import Qt
            from PySide6.QtGui import QGuiApplication

            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            waiting.append(True)

        busy.timeout.connect(show_busy)
        busy.start(BUSY_AFTER_MS)
        try:
            if not future.done():
                loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        finally:
            poll.stop()
            busy.stop()
            if waiting:
                from PySide6.QtGui import QGuiApplication

                QGuiApplication.restoreOverrideCursor()
    return future.result()


class OnWorker:
    """A service whose methods, called on the GUI thread, run through ``write``."""

    def __init__(self, target: Any):
        self._target = target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            return write(lambda: attr(*args, **kwargs))

        return call


def wait_idle(timeout_s: float = 10.0) -> bool:
    """Process events until no query is pending (for tests and benchmarks)."""
    import time

    app = QApplication.instance()
    end = time.perf_counter() + timeout_s
    while time.perf_counter() < end:
        app.processEvents()  # type: ignore[union-attr]
        if pending() == 0:
            app.processEvents()  # type: ignore[union-attr]
            return True
        time.sleep(0.002)
    return False


