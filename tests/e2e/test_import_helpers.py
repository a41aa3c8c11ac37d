"""Helper processes of a large import never outlive the process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

CHILD = textwrap.dedent('''
    import multiprocessing, sys, threading, time
    from pathlib import Path
    from thesis_desk.app import open_workspace
    from thesis_desk.core import library

    library.PROCESS_MIN_FILES = 1
    ws = open_workspace(sys.argv[1])
    files = sorted(Path(sys.argv[2]).glob("*.txt"))
    threading.Thread(target=ws.library.import_files, args=(files,), daemon=True).start()
    while len(multiprocessing.active_children()) < 2:
        time.sleep(0.01)
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    time.sleep(120)
''')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has ended: only its exit status is left to collect
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_helpers_leave_when_the_importing_process_is_killed(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3000):
        (docs / f"d{i:04d}.txt").write_text(f"Note {i}\n\nSynthetic text {i}. " * 20)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "ws"), str(docs)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        helpers = [int(p) for p in child.stdout.readline().split()]
        assert len(helpers) >= 2
        assert all(_alive(p) for p in helpers)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in helpers if _alive(p)]
