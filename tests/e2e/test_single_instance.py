"""One GUI per workspace, with real processes: a second launch brings the first window
forward and leaves; a GUI killed with SIGKILL leaves a lock the next launch takes over."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from thesis_desk.core.instance import WorkspaceLock, is_locked

pytestmark = pytest.mark.slow


def _launch(data_dir, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-m", "thesis_desk", "--data-dir", str(data_dir),
                             *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for(predicate, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_second_launch_raises_the_first_and_a_killed_gui_leaves_no_lock(data_dir):
    log = data_dir / "logs" / "thesis-desk.log"
    first = _launch(data_dir)
    try:
        _wait_for(lambda: is_locked(data_dir) and log.exists())
        second = _launch(data_dir)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert "already open" in err and "brought to the front" in err
        _wait_for(lambda: "brought to the front" in log.read_text())
        assert first.poll() is None  # the first window is still running
    finally:
        first.kill()
        first.communicate(timeout=30)
    # SIGKILL: no clean-up ran, the lock file is still there, yet nothing holds it.
    assert (data_dir / "thesis-desk.lock").exists()
    assert not is_locked(data_dir)
    lock = WorkspaceLock(data_dir)
    assert lock.acquire()
    lock.release()
