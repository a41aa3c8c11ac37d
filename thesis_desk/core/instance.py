"""One GUI per workspace: an advisory lock on a file in the data dir.

The lock is the operating system's (``flock`` on Linux and macOS, ``msvcrt.locking`` on
Windows), so it dies with the process that holds it: a lock file left behind by a crash
or a SIGKILL holds nothing, and the next launch simply takes it over. The file also
records the holder's process id, for messages. CLI commands do not take it: they write
alongside the GUI through SQLite's own locking.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

LOCK_NAME = "thesis-desk.lock"


class WorkspaceLock:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / LOCK_NAME
        self._fh: object | None = None

    @property
    def held(self) -> bool:
        return self._fh is not None

    def acquire(self) -> bool:
        """Take the lock; False if another live process holds it (never waits)."""
        if self._fh is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            if sys.platform == "win32":
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n".encode())
        fh.flush()
        self._fh = fh
        return True

    def holder_pid(self) -> int | None:
        """The process id written by the current (or last) holder, if readable."""
        try:
            return int(self.path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            fh.close()  # closing the descriptor drops the lock

    def __enter__(self) -> "WorkspaceLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(data_dir: Path) -> bool:
    """Whether a GUI has this workspace open now (probe: take and drop the lock)."""
    probe = WorkspaceLock(data_dir)
    if probe.acquire():
        probe.release()
        return False
    return True


def server_name(data_dir: Path) -> str:
    """The local-socket name a running GUI listens on for "come to the front"."""
    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    return f"thesis-desk-{digest}"
