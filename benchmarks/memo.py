"""Memo export against the floor of printing the same HTML with QTextDocument.print_.

SYNTHETIC data: one thesis with 200 evidence items, 8 linked metrics of 10,000 points
each and 100 journal entries. Prints export time and page count, and the time and page
count of ``QTextDocument.print_`` on the same assembled HTML (with the same chart images)
to a QPdfWriter, in the same run.

    .venv/bin/python benchmarks/memo.py
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import numpy as np

    from thesis_desk.app import open_workspace
    from thesis_desk.core.memo import build_memo, memo_html
    from thesis_desk.core.metrics import MetricInput
    from thesis_desk.core.records import EvidenceInput, PillarInput, ThesisInput
    from thesis_desk.memo_pdf import ensure_app, render_charts, write_pdf

    ensure_app()
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory() as tmp:
        ws = open_workspace(str(Path(tmp) / "ws"))
        t = ws.theses.create(ThesisInput("SYNTHETIC benchmark thesis", claim="Synthetic data.",
                                         conviction=50, status="active"))
        pillars = [ws.theses.add_pillar(t.id, PillarInput("pillar", f"SYNTHETIC pillar {i}"))
                   for i in range(5)]
        for i in range(200):
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
        import sqlite3

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

        out = Path(tmp) / "memo.pdf"
        if os.environ.get("PROFILE"):
            import cProfile
            import pstats

            cProfile.runctx("build_memo(ws, t.id)", globals(), locals(), "/tmp/memo.prof")
            pstats.Stats("/tmp/memo.prof").sort_stats("cumtime").print_stats(18)
        t0 = time.perf_counter()
        memo = build_memo(ws, t.id, author="SYNTHETIC")
        t_build = time.perf_counter() - t0
        charts = render_charts(memo)
        t_charts = time.perf_counter() - t0 - t_build
        pages = write_pdf(memo, charts, out)
        total = time.perf_counter() - t0

        # Floor: the same HTML and images, QTextDocument.print_ to a QPdfWriter.
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

        t0 = time.perf_counter()
        doc = QTextDocument()
        names = {}
        for mid, image in charts.items():
            names[mid] = f"memo-chart:{mid}"
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(names[mid]), image)
        doc.setHtml(memo_html(memo, names, chart_width=640))
        writer = QPdfWriter(str(Path(tmp) / "floor.pdf"))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        doc.print_(writer)
        del writer
        floor = time.perf_counter() - t0
        from pypdf import PdfReader

        floor_pages = len(PdfReader(str(Path(tmp) / "floor.pdf")).pages)
        ws.close()
    print("SYNTHETIC thesis: 200 evidence, 8 metrics x 10,000 points, 100 journal entries")
    print(f"export: {total:.2f} s, {pages} pages (assemble {t_build:.2f} s, charts {t_charts:.2f} s,"
          f" layout+write {total - t_build - t_charts:.2f} s)")
    print(f"floor, QTextDocument.print_ of the same HTML and images: {floor:.2f} s, "
          f"{floor_pages} pages; export / floor = {total / floor:.2f}x (target <= 2x); "
          f"without assembling and charts {(total - t_build - t_charts) / floor:.2f}x")


if __name__ == "__main__":
    main()
