"""Memo export against the floor of printing the same HTML with QTextDocument.print_.

SYNTHETIC data: a thesis with 10 evidence items and one with 200, each with 8 linked
metrics of 10,000 points and 100 journal entries. For each, median and min of --rounds:
the export *warm* (pyqtgraph already loaded, as in the window), *cold* (the first export
in a fresh process, as `thesis-desk export-memo` does it: importing pyqtgraph and setting
up the charts included; a new process a round), and the floor in the same run:
``QTextDocument.print_`` of the same assembled HTML and chart images to a QPdfWriter.
The app reads a long series from its pack (``core/packs.py``), made by the first export;
"after the series changed" exports with the packs gone, as after an import (warm).
``PROFILE=assemble|charts|write`` prints a profile instead.

    .venv/bin/python benchmarks/memo.py
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
ROUNDS = 5


def make_fixture(folder: Path, evidence: int = 200):  # -> (Workspace, thesis id)
    """The SYNTHETIC thesis described above, in a new workspace under ``folder``."""
    import numpy as np

    from thesis_desk.app import open_workspace
    from thesis_desk.core.metrics import MetricInput
    from thesis_desk.core.records import EvidenceInput, PillarInput, ThesisInput

    rng = np.random.default_rng(5)
    ws = open_workspace(str(folder / "ws"))
    t = ws.theses.create(ThesisInput("SYNTHETIC benchmark thesis", claim="Synthetic data.",
                                     conviction=50, status="active"))
    pillars = [ws.theses.add_pillar(t.id, PillarInput("pillar", f"SYNTHETIC pillar {i}"))
               for i in range(5)]
    for i in range(evidence):
        ws.evidence.add(EvidenceInput(
            t.id, f"SYNTHETIC quote {i}: " + "lorem ipsum dolor sit amet " * (5 + i % 30),
            stance=("supports", "contradicts", "context")[i % 3], weight=1 + i % 3,
            pillar_id=pillars[i % 5].id, source_text=f"SYNTHETIC source {i % 12}",
            observed_on=dt.date(2024, 1, 1) + dt.timedelta(days=i)))
    for i in range(100 - 1 - 5):  # created + 5 pillars already journalled
        detail = ws.theses.get(t.id)
        ws.theses.update(t.id, replace(detail.to_input(), conviction=(detail.conviction + 7) % 100),
                         reason=f"SYNTHETIC change {i}")
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=d) for d in range(10_000)]
    for k in range(8):
        m = ws.metrics.create(MetricInput(f"SYNTHETIC metric {k}", unit="%"))
        ws.metrics.link(t.id, m.id, "up")
        values = np.cumsum(rng.normal(0, 1, len(days))) + 100
        con = sqlite3.connect(ws.paths.database)
        with con:
            con.executemany("INSERT INTO observation(metric_id, date, value, note, created_at)"
                            " VALUES (?, ?, ?, '', '2020-01-01')",
                            [(m.id, d.isoformat(), float(v)) for d, v in zip(days, values, strict=True)])
        con.close()
    return ws, t.id


def export_once(ws, thesis_id: int, out: Path) -> tuple[float, float, float, int]:
    """(assemble s, charts s, layout+write s, pages) of one export, as the CLI does it."""
    from thesis_desk.core.memo import build_memo
    from thesis_desk.render.memo_pdf import render_charts, write_pdf

    t0 = time.perf_counter()
    memo = build_memo(ws, thesis_id, author="SYNTHETIC")
    t1 = time.perf_counter()
    charts = render_charts(memo)
    t2 = time.perf_counter()
    pages = write_pdf(memo, charts, out)
    return t1 - t0, t2 - t1, time.perf_counter() - t2, pages


def floor(ws, thesis_id: int, out: Path) -> tuple[float, int]:
    """QTextDocument.print_ of the same HTML and images to a QPdfWriter: (seconds, pages)."""
    from pypdf import PdfReader
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

    from thesis_desk.core.memo import build_memo, memo_html
    from thesis_desk.render.memo_pdf import CHART_PIXELS, render_charts

    memo = build_memo(ws, thesis_id, author="SYNTHETIC")
    charts = render_charts(memo)
    t0 = time.perf_counter()
    doc = QTextDocument()
    names = {}
    for mid, image in charts.items():
        names[mid] = f"memo-chart:{mid}"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(names[mid]), image)
    doc.setHtml(memo_html(memo, names, chart_width=640,
                          chart_aspect=CHART_PIXELS[1] / CHART_PIXELS[0]))
    writer = QPdfWriter(str(out))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    doc.print_(writer)
    del writer
    return time.perf_counter() - t0, len(PdfReader(str(out)).pages)


def drop_packs(ws) -> None:  # noqa: ANN001
    con = sqlite3.connect(ws.paths.database)
    with con:
        con.execute("DELETE FROM series_pack")
    con.close()


def cold_once(folder: Path) -> None:
    """In a fresh process: open the workspace, then time its first export (printed)."""
    import json

    from thesis_desk.app import open_workspace, settle_program
    from thesis_desk.render.memo_pdf import ensure_app

    ensure_app()
    ws = open_workspace(str(folder / "ws"))
    settle_program()  # as the command line does once its workspace is open
    tid = ws.theses.list()[0].id
    r = export_once(ws, tid, folder / "cold.pdf")
    ws.close()
    print(json.dumps(r))


def figure(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s, min {min(times):.2f} s"


def main() -> None:
    import argparse
    import json
    import subprocess

    ap = argparse.ArgumentParser(description=(__doc__ or "").strip().split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cold-once", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cold_once:
        cold_once(args.cold_once)
        return
    from thesis_desk.render.memo_pdf import ensure_app

    ensure_app()
    if os.environ.get("PROFILE"):
        return profile()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _measure import compiled_env

    with tempfile.TemporaryDirectory() as tmp:
        # the cold export's process as an installed copy: its bytecode compiled already
        env = compiled_env(Path(tmp) / "pyc")
        for evidence in (10, 200):
            folder = Path(tmp) / f"memo-{evidence}"
            ws, tid = make_fixture(folder, evidence)
            out = folder / "memo.pdf"
            export_once(ws, tid, out)  # warm: pyqtgraph and the chart set up, as in the window
            warm, bases, cold, changed = [], [], [], []
            for _ in range(args.rounds):  # taking turns: a slower stretch falls on all alike
                warm.append(export_once(ws, tid, out))
                bases.append(floor(ws, tid, folder / "floor.pdf"))
                drop_packs(ws)  # as an import of observations does
                changed.append(export_once(ws, tid, out))  # read as rows, packed again
                run = subprocess.run([sys.executable, __file__, "--cold-once", str(folder)],
                                     capture_output=True, text=True, check=True, env=env)
                cold.append(json.loads(run.stdout.strip().splitlines()[-1]))
            ws.close()
            base = [b[0] for b in bases]
            print(f"SYNTHETIC thesis: {evidence} evidence, 8 metrics x 10,000 points, 100 "
                  f"journal entries ({warm[0][3]} pages; the floor's {bases[0][1]})")
            for label, runs, target in (("warm (in the app)", warm, 2),
                                        ("warm after the series changed", changed, 2),
                                        ("cold (first in a fresh process)", cold, 3)):
                totals = [sum(r[:3]) for r in runs]
                print(f"  export {label}: {figure(totals)} = "
                      f"{statistics.median(totals) / statistics.median(base):.2f}x the floor "
                      f"(target {target}x); median assemble "
                      f"{statistics.median(r[0] for r in runs):.2f} s, charts "
                      f"{statistics.median(r[1] for r in runs):.2f} s, layout+write "
                      f"{statistics.median(r[2] for r in runs):.2f} s")
            print(f"  floor, QTextDocument.print_ of the same HTML and images: {figure(base)}")


def profile() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws, tid = make_fixture(Path(tmp))
        out = Path(tmp) / "memo.pdf"
        what = os.environ.get("PROFILE")
        import cProfile
        import pstats

        from thesis_desk.core.memo import build_memo  # noqa: F401 (used by the profile)
        from thesis_desk.render.memo_pdf import render_charts, write_pdf  # noqa: F401
        code = {"charts": "render_charts(build_memo(ws, tid))",
                "write": "write_pdf(build_memo(ws, tid), render_charts(build_memo(ws, tid)), out)",
                }.get(what, "build_memo(ws, tid)")
        cProfile.runctx(code, globals(), locals(), "/tmp/memo.prof")
        pstats.Stats("/tmp/memo.prof").sort_stats("cumtime").print_stats(
            int(os.environ.get("PROFILE_LINES", "25")))
        ws.close()


if __name__ == "__main__":
    main()
