"""The restore gate: a restore shuts out every writer for its whole duration.

A restore backs up the current state, then copies the chosen backup over it. A write
committed between those two steps (the window and the command line write side by side)
would be in neither: lost. So every write transaction holds this gate shared, and a
restore holds it exclusively across both steps; a writer arriving meanwhile waits, and
after ``WAIT_S`` is told the workspace is being restored, with nothing written.

The gate is an advisory ``flock`` on a file in the data dir (like the one-window lock,
it dies with its process). Where ``fcntl`` is missing (Windows) it is open: restore there
relies on the window refusing to restore while the command line could write.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from thesis_desk.core.errors import DatabaseError

GATE_NAME = "thesis-desk.restore-gate"
WAIT_S = 10.0  # as long as SQLite's busy timeout: a writer waits, then is told why

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class RestoreGate:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / GATE_NAME
        self._fd: int | None = None
        self._shared = 0  # writers of this process inside the gate (threads, nesting)
        self._lock = threading.Lock()

    def _open(self) -> int | None:
        if fcntl is None:
            return None
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                # a read-only data folder: no write can land, and SQLite says so itself
                return None
        return self._fd

    def _take(self, fd: int, mode: int, deadline: float) -> bool:
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)

    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        """Held shared by a write transaction: many writers at once, none during a restore."""
        with self._lock:
            fd = self._open()
            if fd is not None and self._shared == 0 and not self._take(
                    fd, fcntl.LOCK_SH, time.monotonic() + WAIT_S):
                raise DatabaseError(
                    "The workspace is being restored from a backup; nothing was written. "
                    "Try again in a moment.")
            self._shared += 1
        try:
            yield
        finally:
            with self._lock:
                self._shared -= 1
                if fd is not None and self._shared == 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held by a restore: waits for the writers inside to finish, keeps new ones out."""
        fd = self._open()
        if fd is not None and not self._take(fd, fcntl.LOCK_EX, time.monotonic() + WAIT_S):
            raise DatabaseError("Another program kept writing to the workspace for more than "
                                f"{WAIT_S:g} s; nothing was restored. Try again in a moment.")
        try:
            yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
