"""PDFs through PDFium, measured against PDFium itself in the same run.

1. A typical broker-note page (Qt-written, A4: heading, paragraphs, a table, a chart
   image) shown in the page view at screen resolution (96 dpi, 100%): the page view's
   whole job on its worker (render, the pixels into a QImage, every character's box for
   highlights and hit tests), against pypdfium2's render of the same page alone; and the
   same page shown again from the page view's cache (to painted, on the GUI thread).
2. Text extraction of a 2,000-page PDF (a report, 48 lines a page): the
   library's extractor (lines, paragraphs, joined hyphens, running headers) against
   pypdfium2's own text extraction of every page (get_text_range), the floor.

Median and min of --rounds rounds (default 5; 3 for the 2,000 pages), SYNTHETIC content.

    .venv/bin/python benchmarks/pdf_pages.py [--pages 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def broker_note(path: Path) -> bytes:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QColor, QImage, QPainter, QPageSize, QPdfWriter, QTextDocument

    chart = QImage(800, 300, QImage.Format.Format_RGB32)
    chart.fill(QColor("white"))
    p = QPainter(chart)
    p.setPen(QColor(30, 90, 200))
    for i in range(0, 780, 20):
        p.drawLine(10 + i, 280 - (i * 7) % 250, 30 + i, 280 - ((i + 20) * 7) % 250)
    p.end()
    doc = QTextDocument()
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("chart"), chart)
    rows = "".join(f"<tr><td>Q{q} 2026</td><td>{30 + q * 2.5:.1f}bn</td><td>{20 + q}%</td>"
                   f"<td>{-5 + q * 1.7:.1f}bn</td></tr>" for q in range(1, 5))
    doc.setHtml(
        "<h1>SYNTHETIC broker note: Alibaba Group (BABA)</h1>"
        "<p><b>Rating: Buy. Target price: USD 180.</b> Capital expenditure rose again in the "
        "quarter while cloud revenue growth accelerated; we think the market still values "
        "the group on its e-commerce profits alone.</p>"
        + "".join("<p>Cloud intelligence revenue grew 26% year on year as AI-related product "
                  "revenue kept its triple-digit growth; free cash flow turned negative on "
                  "data-centre spending, which management called disciplined.</p>"
                  for _ in range(4))
        + "<table border='1' cellpadding='3'><tr><th>Quarter</th><th>Capex</th>"
          "<th>Cloud growth</th><th>FCF</th></tr>" + rows + "</table>"
        + "<p><img src='chart' width='480'></p>"
        + "<p>Risks: export controls on compute, price competition from state-owned "
          "carriers, and a slower consumer.</p>")
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    doc.print_(writer)
    del writer
    return path.read_bytes()


def report(path: Path, pages: int) -> bytes:
    """A text report of ``pages`` pages, 48 lines of Helvetica each (the tests' PDF writer:
    Qt's QTextDocument stops laying out past about 600 A4 pages)."""
    from tests.helpers import minimal_pdf

    line = ("Line {n}: capital expenditure on AI data centres rose again while cloud "
            "revenue lagged, a SYNTHETIC report.")
    data = minimal_pdf(["\n".join(line.format(n=p * 48 + k) for k in range(48))
                        for p in range(pages)])
    path.write_bytes(data)
    return data


def stats(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:.1f} ms, min {min(xs) * 1000:.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import pypdfium2 as pdfium

    from thesis_desk.core import pdf
    from thesis_desk.core.records import DocumentInfo
    from thesis_desk.ui.page_view import PageView

    with tempfile.TemporaryDirectory() as tmp:
        data = broker_note(Path(tmp) / "note.pdf")
        scale = 96 / 72
        pages = pdf.PdfPages(data)
        view_job, floor = [], []
        for _ in range(max(3, args.rounds)):
            t0 = time.perf_counter()
            doc = pdfium.PdfDocument(data)
            page = doc[0]
            bitmap = page.render(scale=scale, prefer_bgrx=True)
            _ = bytes(bitmap.buffer)
            page.close()
            doc.close()
            floor.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            from PySide6.QtGui import QImage

            w, h, stride, pixels = pages.render(0, scale)
            QImage(pixels, w, h, stride, QImage.Format.Format_RGB32).copy()
            pages.char_boxes(0)
            view_job.append(time.perf_counter() - t0)
        print(f"broker-note page at 96 dpi ({w}x{h} px, {len(pages.char_boxes(0)[0])} "
              f"characters): the page view's job {stats(view_job)}; pypdfium2's render "
              f"alone {stats(floor)}")
        # shown again from the cache: to painted
        view = PageView(lambda _id: data)
        view.resize(900, 1000)
        view.show()
        info = DocumentInfo(1, "note", "", "", None, "", "pdf", "x", "note.pdf", len(data),
                            None, 1)  # type: ignore[arg-type]
        view.show_document(info, pages.text.text, [])
        deadline = time.monotonic() + 20
        while view.canvas.page is None and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        view.zoom = 1.0  # 100%: 96 dpi
        view._request(0)
        while view.canvas.page is None or view.canvas.page.scale != view._key(0)[1]:
            app.processEvents()
            time.sleep(0.005)
        cached = []
        for _ in range(max(3, args.rounds) * 4):
            view.canvas.show_page(None, 0)
            t0 = time.perf_counter()
            view._request(0)  # from the cache
            view.canvas.repaint()
            cached.append(time.perf_counter() - t0)
        print(f"the same page again, from the page view's cache to painted: {stats(cached)}")
        view.stop()
        pages.close()

        big = report(Path(tmp) / "report.pdf", args.pages)
        n = len(pdfium.PdfDocument(big))
        ours, raw = [], []
        for _ in range(max(3, min(args.rounds, 3))):
            t0 = time.perf_counter()
            doc = pdfium.PdfDocument(big)
            total = 0
            for i in range(len(doc)):
                page = doc[i]
                tp = page.get_textpage()
                total += len(tp.get_text_range())
                tp.close()
                page.close()
            doc.close()
            raw.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            got = pdf.extract_text(big)
            ours.append(time.perf_counter() - t0)
        ratio = statistics.median(ours) / statistics.median(raw)
        print(f"text of a {n}-page PDF ({len(got.text):,} characters): the library's "
              f"extractor {stats(ours)}; pypdfium2's own text extraction {stats(raw)}; "
              f"{ratio:.2f}x (min against min {min(ours) / min(raw):.2f}x)")


if __name__ == "__main__":
    main()
