"""Restore trials: restores while other processes keep writing, every committed write
accounted for.

    .venv/bin/python benchmarks/restore_trials.py --restores 22 --writers 2

Writer processes loop on ``thesis-desk theses add`` (a real CLI process each time, as a
script would run it) and note every title whose command exited 0. Meanwhile this
process restores the workspace's first backup again and again with ``thesis-desk
restore``. At the end every title noted must be in the live database or in one of the
before-restore backups the restores took: a write in neither was lost. A writer that
arrives during a restore waits at the restore gate (core/gate.py), and after 10 s is
told the workspace is being restored (exit 1, nothing written): those are counted, not
lost. Prints the figures; never asserts. Synthetic data only.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "thesis_desk"]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, THESIS_DESK_DATA_DIR=str(data_dir))
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def writer(data_dir: Path, name: str, stop: threading.Event, ok: list[str],
           refused: list[str]) -> None:
    n = 0
    while not stop.is_set():
        title = f"SYNTHETIC {name}-{n}"
        n += 1
        result = run(data_dir, "theses", "add", "--title", title)
        (ok if result.returncode == 0 else refused).append(title)


def titles(db: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT title FROM thesis")}
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--restores", type=int, default=22)
    ap.add_argument("--writers", type=int, default=2)
    ap.add_argument("--pause", type=float, default=0.3, help="seconds between restores")
    a = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="restore-trials-"))
    run(data_dir, "theses", "add", "--title", "SYNTHETIC seed")
    first = json.loads(run(data_dir, "backup", "--json").stdout)["name"]
    stop = threading.Event()
    ok: list[list[str]] = [[] for _ in range(a.writers)]
    refused: list[list[str]] = [[] for _ in range(a.writers)]
    threads = [threading.Thread(target=writer, args=(data_dir, f"w{i}", stop, ok[i],
                                                     refused[i]))
               for i in range(a.writers)]
    for t in threads:
        t.start()
    started = time.monotonic()
    restore_times, failed = [], 0
    for _ in range(a.restores):
        time.sleep(a.pause)
        t0 = time.monotonic()
        r = run(data_dir, "restore", first)
        restore_times.append(time.monotonic() - t0)
        failed += r.returncode != 0
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    backups = data_dir / "backups"
    kept: set[str] = titles(data_dir / "thesis-desk.sqlite3")
    for b in backups.glob("backup-*-before-restore.sqlite3"):
        kept |= titles(b)
    committed = [x for w in ok for x in w]
    lost = [x for x in committed if x not in kept]
    restore_times.sort()
    print(f"{a.restores} restores ({failed} refused) under {a.writers} writer processes, "
          f"{elapsed:.0f} s")
    print(f"writes that exited 0: {len(committed)}; told to retry (exit 1): "
          f"{sum(len(r) for r in refused)}")
    print(f"lost (exit 0, in neither the live database nor a before-restore backup): "
          f"{len(lost)}" + (f" e.g. {lost[:3]}" if lost else ""))
    print(f"restore time (CLI process): median {restore_times[len(restore_times) // 2]:.2f} s, "
          f"min {restore_times[0]:.2f} s, max {restore_times[-1]:.2f} s")
    print(f"workspace: {data_dir}")


if __name__ == "__main__":
    main()
