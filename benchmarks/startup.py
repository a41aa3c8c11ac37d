"""Cold start of the GUI to its first painted, usable window, against a bare PySide6 window.

Both are measured in the same run, from process launch to the moment the window has
painted (for Thesis Desk: with the workspace open and its theses listed), plus the
peak resident memory (VmHWM) at that moment. Usage:

    python benchmarks/startup.py [--theses 2000] [--runs 7]
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
rss = 0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        rss = int(line.split()[1])
print(f"usable {time.time():.6f} peak_kb {rss}", flush=True)
"""


def launch(cmd: list[str], env: dict[str, str], stage: str = "usable") -> tuple[float, int]:
    start = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith(stage + " "):
            _, t, _, kb = line.split()[:4]
            return float(t) - start, int(kb)
    raise RuntimeError(f"no '{stage}' timing from {cmd}: {out.stderr[-800:]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--theses", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    from _measure import compiled_env

    with tempfile.TemporaryDirectory() as tmp:
        env = compiled_env(Path(tmp) / "pyc", env)  # as an installed copy: no compiling
        data = Path(tmp) / "ws"
        make(data, args.theses)
        env["THESIS_DESK_STARTUP_PROBE"] = "1"
        app_cmd = [sys.executable, "-m", "thesis_desk", "--data-dir", str(data)]
        bare_cmd = [sys.executable, "-c", BARE]
        launch(app_cmd, env)  # warm the OS file cache for both, as a second launch would be
        launch(bare_cmd, env)
        bare, app, ready = [], [], []
        for _ in range(args.runs):
            bare.append(launch(bare_cmd, env))
            app.append(launch(app_cmd, env))
            ready.append(launch(app_cmd, env, "ready"))
    b = statistics.median(t for t, _ in bare)
    a = statistics.median(t for t, _ in app)
    print(f"platform: {env['QT_QPA_PLATFORM']}, {args.theses} theses, median of {args.runs} runs")
    print(f"bare PySide6 window painted:      {b:.3f} s   peak {max(k for _, k in bare) / 1024:.0f} MB")
    r = statistics.median(t for t, _ in ready)
    print(f"Thesis Desk usable window:        {a:.3f} s   peak {max(k for _, k in app) / 1024:.0f} MB"
          "   (list of theses painted, read-only)")
    print(f"Thesis Desk services ready:       {r:.3f} s   peak {max(k for _, k in ready) / 1024:.0f} MB"
          "   (database open, editing enabled, thesis shown)")
    print(f"ratio: {a / b:.2f}x (target <= 2x, < 120 MB)")


if __name__ == "__main__":
    main()
