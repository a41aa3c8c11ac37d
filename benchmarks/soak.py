"""A long session: 10,000 scripted UI actions on the demo workspace, offscreen, with
resident memory at the start (after a warm-up of 200 actions) and at the end.

    .venv/bin/python benchmarks/soak.py [--actions 10000]

Actions: open theses and tabs, switch areas, search, add evidence, delete it through the
undo stack, undo/redo, add observations, refresh, and a memo export every 500 actions.
Synthetic evidence and observations are marked as such.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--actions", type=int, default=10_000)
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from thesis_desk.app import open_workspace
    from thesis_desk.core.demo import build_demo
    from thesis_desk.resources import seeds_dir
    from thesis_desk.ui.main import make_app
    from thesis_desk.ui.main_window import MainWindow
    from tests.soak_session import rss_mb, run_session

    app = make_app()  # noqa: F841
    tmp = Path(tempfile.mkdtemp(prefix="thesis-desk-soak-"))
    ws = open_workspace(str(tmp / "ws"))
    build_demo(ws, seeds_dir())
    win = MainWindow(ws.paths)
    win.set_workspace(ws)
    win.show()
    run_session(win, ws, 200, tmp, seed=0, memo_every=100)  # warm-up: every view built
    gc.collect()
    start = rss_mb()
    began = time.perf_counter()
    counts: dict[str, int] = {}
    done = 0
    while done < args.actions:  # chunks of 1,000, with the memory after each
        n = min(1000, args.actions - done)
        part = run_session(win, ws, n, tmp, seed=1 + done // 1000)
        counts = {k: counts.get(k, 0) + v for k, v in part.items()}
        done += n
        gc.collect()
        print(f"  after {done:6d} actions: RSS {rss_mb():.0f} MB", flush=True)
    end = rss_mb()
    print(f"{args.actions} actions in {time.perf_counter() - began:.0f} s: {counts}")
    print(f"RSS after warm-up {start:.0f} MB, after the session {end:.0f} MB: "
          f"growth {end - start:+.0f} MB ({(end - start) * 1024 / args.actions:.1f} kB/action)")
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
