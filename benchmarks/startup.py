"""Cold start of the GUI to its first painted, usable window, against a bare PySide6 window.

Both are measured in the same run, from process launch to the moment the window has
painted (for Thesis Desk: with the workspace open and its theses listed), plus the
peak resident memory (VmHWM) at that moment; median and min of ``--runs``. Also in the
same run, what "services ready" cannot go below: the bare window, then SQLAlchemy's ORM
imported (what the services are built on; the app imports it after its first paint too),
and the bare window with SQLAlchemy's Core alone (what services without the ORM would
still import).
Usage:

    python benchmarks/startup.py [--theses 200,2000,20000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_theses import make  # noqa: E402

BARE = r"""
import time
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication([])
w = QMainWindow(); w.setCentralWidget(QLabel("bare")); w.resize(1280, 800); w.show()
w.repaint(); app.processEvents()

def report(stage):
    rss = 0
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            rss = int(line.split()[1])
    print(f"{stage} {time.time():.6f} peak_kb {rss}", flush=True)

report("usable")
"""

ORM_FLOOR = BARE + r"""
import sqlalchemy.orm
report("ready")
"""

CORE_FLOOR = BARE + r"""
import sqlalchemy
report("ready")
"""


def launch(cmd: list[str], env: dict[str, str], stage: str = "usable") -> tuple[float, int]:
    start = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith(stage + " "):
            _, t, _, kb = line.split()
            return float(t) - start, int(kb)
    raise RuntimeError(f"no '{stage}' timing from {cmd}: {out.stderr[-800:]}")


def measure(theses: int, runs: int, env: dict[str, str], tmp: Path) -> tuple[list, ...]:
    """(bare, usable, ready, ORM floor, Core floor) launches, ``runs`` of each taking
    turns, on a workspace of ``theses`` SYNTHETIC theses."""
    data = tmp / f"ws-{theses}"
    make(data, theses)
    env = {**env, "THESIS_DESK_STARTUP_PROBE": "1"}
    app_cmd = [sys.executable, "-m", "thesis_desk", "--data-dir", str(data)]
    bare_cmd = [sys.executable, "-c", BARE]
    launch(app_cmd, env)  # warm the OS file cache for both, as a second launch would be
    launch(bare_cmd, env)
    floor_cmd = [sys.executable, "-c", ORM_FLOOR]
    core_cmd = [sys.executable, "-c", CORE_FLOOR]
    bare, app, ready, floor, core = [], [], [], [], []
    for _ in range(runs):
        bare.append(launch(bare_cmd, env))
        app.append(launch(app_cmd, env))
        ready.append(launch(app_cmd, env, "ready"))
        floor.append(launch(floor_cmd, env, "ready"))
        core.append(launch(core_cmd, env, "ready"))
    return bare, app, ready, floor, core


def figure(runs: list[tuple[float, int]]) -> str:
    times = [t for t, _ in runs]
    return (f"median {statistics.median(times):.3f} s, min {min(times):.3f} s   peak "
            f"{max(k for _, k in runs) / 1024:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--theses", default="2000",
                    help="workspace sizes, comma-separated (e.g. 200,2000,20000)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    sizes = [int(n) for n in str(args.theses).split(",")]
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    from _measure import compiled_env

    usable_at: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = compiled_env(Path(tmp) / "pyc", env)  # as an installed copy: no compiling
        for n in sizes:
            bare, app, ready, floor, core = measure(n, args.runs, env, Path(tmp))
            b, a, r, f, c = (statistics.median(t for t, _ in runs)
                             for runs in (bare, app, ready, floor, core))
            usable_at[n] = a
            print(f"platform: {env['QT_QPA_PLATFORM']}, {n} theses, {args.runs} runs each, "
                  "taking turns")
            print(f"bare PySide6 window painted:      {figure(bare)}")
            print(f"Thesis Desk usable window:        {figure(app)}   (list of theses "
                  "painted, read-only)")
            print(f"Thesis Desk services ready:       {figure(ready)}   (database open, "
                  "editing enabled, thesis shown)")
            print(f"floor of 'ready': bare window, then SQLAlchemy's ORM imported: "
                  f"{figure(floor)}")
            print(f"floor with SQLAlchemy's Core alone (no ORM):           {figure(core)}")
            print(f"ratio (medians): usable {a / b:.2f}x (target <= 2x, < 120 MB), ready "
                  f"{r / b:.2f}x (target <= 3x, < 140 MB); the ORM floor alone {f / b:.2f}x, "
                  f"ready {r / f:.2f}x that floor; the Core floor alone {c / b:.2f}x")
    if 2000 in usable_at and 20000 in usable_at:
        print(f"usable, 20,000 theses against 2,000: {usable_at[20000] / usable_at[2000]:.2f}x "
              "(target < 1.3x)")


if __name__ == "__main__":
    main()
