"""The memo as a PDF: QTextDocument laid out on A4 or US Letter, charts from pyqtgraph.

Charts are drawn with the app's own ``SeriesPlot`` (so they look as on screen, on white)
and must be made on the GUI thread; laying out and writing the PDF only needs QtGui and
runs on a worker thread. The file is written under a temporary name in the target folder
and renamed when complete, so a failed export leaves nothing behind and an earlier file
is replaced only by a finished one.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QByteArray, QMarginsF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
    QTextTable,
)

from thesis_desk import APP_NAME, __version__
from thesis_desk.core.errors import UserError
from thesis_desk.core.memo import MEMO_TITLE, Memo, memo_html, memo_markdown

if TYPE_CHECKING:
    from thesis_desk.app import Workspace

Progress = Callable[[int, int, str], None]

PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
RESOLUTION = 300  # dots per inch of the layout; text and vector lines stay vector anyway
CHART_PIXELS = (1800, 660)  # a chart image: sharp at the body's width on paper
_MARGINS_MM = QMarginsF(18, 14, 18, 14)

CSS = """
body { color: #1d1d1f; }
h1.title { font-size: 19pt; font-weight: 600; margin-bottom: 4pt; }
h2 { font-size: 13pt; font-weight: 600; color: #1f3a5f; margin-top: 14pt; margin-bottom: 4pt;
     border-bottom: 1px solid #1f3a5f; }
h3 { font-size: 10.5pt; font-weight: 600; margin-top: 9pt; margin-bottom: 3pt; }
h4, h5, h6 { font-size: 10pt; font-weight: 600; margin-top: 6pt; margin-bottom: 2pt; }
p { margin-top: 2pt; margin-bottom: 4pt; }
p.asof { color: #8a4b00; font-weight: 600; }
table.facts td { font-size: 9pt; }
td.k { color: #5a5a60; font-weight: 600; }
table.grid { border-collapse: collapse; border: 1px solid #c8c8cc; }
table.grid th { background-color: #eef1f5; text-align: left; font-size: 9pt; }
table.grid td { font-size: 9pt; border: 1px solid #d8d8dc; }
span.state-broken { color: #b3261e; font-weight: 600; }
span.state-at_risk { color: #8a4b00; font-weight: 600; }
span.state-confirmed { color: #1e6b34; font-weight: 600; }
p.quote { margin-left: 12pt; margin-bottom: 7pt; }
span.supports { color: #1e6b34; font-weight: 600; font-size: 8.5pt; }
span.contradicts { color: #b3261e; font-weight: 600; font-size: 8.5pt; }
span.context { color: #5a5a60; font-weight: 600; font-size: 8.5pt; }
span.cite { color: #5a5a60; font-size: 8.5pt; }
p.note { color: #5a5a60; font-style: italic; }
p.caption { color: #3a3a40; font-size: 9pt; margin-bottom: 9pt; }
p.verdict { font-weight: 600; margin-bottom: 6pt; }
p.outcome { color: #1f3a5f; font-weight: 600; }
p.post { font-size: 9pt; margin-left: 12pt; }
table.balance td { font-size: 9pt; }
span.bar { font-size: 6pt; }
table.sources td { font-size: 9pt; }
td.n { color: #5a5a60; }
span.url { color: #5a5a60; font-size: 8pt; }
blockquote { margin-left: 12pt; color: #3a3a3c; }
code { font-family: monospace; }
"""


class _SafeDocument(QTextDocument):
    """A text document that loads nothing: only the chart images put in it are shown."""

    def loadResource(self, kind: int, name: QUrl) -> Any:  # noqa: N802 (Qt override)
        return QByteArray()


# ---------------------------------------------------------------- charts (GUI thread)


def render_charts(memo: Memo, size: tuple[int, int] = CHART_PIXELS) -> dict[int, QImage]:
    """Each linked metric with two or more points, drawn as in the app, as an image."""
    out: dict[int, QImage] = {}
    for _ in chart_steps(memo, out, size):
        pass
    return out


def chart_steps(memo: Memo, out: dict[int, QImage],
                size: tuple[int, int] = CHART_PIXELS) -> Iterator[None]:
    """``render_charts`` one chart a step: the window draws a chart between its events
    (eight charts at once held the GUI thread 350 ms), the command line all in a row."""
    from thesis_desk.core.records import EvidenceMark
    from thesis_desk.render.charts import SeriesPlot

    todo = [m for m in memo.metrics if len(m.values) >= 2]
    if not todo:
        return
    chart = SeriesPlot(for_print=True)
    item = chart.widget.getPlotItem()
    try:
        for m in todo:
            marks = [EvidenceMark(0, d, stance, "") for d, stance in m.evidence_dates]
            dates, values = m.chart_points()  # a million points reduced to what prints
            chart.draw(dates, values, list(m.thresholds), list(m.alert_points), marks)
            # Laid out in its scene, never shown: painting a hidden window first cost
            # more than the export itself. A screen-sized chart, scaled up on export.
            item.setGeometry(QRectF(0, 0, size[0] // 2, size[1] // 2))
            item.layout.activate()
            item.vb.autoRange(padding=0.05)
            out[m.id] = chart.image(size[0])  # on the print look's white
            yield
    finally:
        chart.widget.deleteLater()  # never shown: nothing to close


# ---------------------------------------------------------------- layout and writing


def _layout(memo: Memo, charts: dict[int, QImage],
            device: QPdfWriter) -> tuple[QTextDocument, float, list[tuple[float, float]]]:
    """The memo laid out once, in one column as long as it needs, and where each page
    begins and ends in it: (document, band height, pages as (top, bottom))."""
    body = device.pageLayout().paintRectPixels(device.resolution())
    doc = _SafeDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setDocumentMargin(0)
    font = QFont()
    font.setPointSizeF(10)
    # No ligatures: text copied or searched in the PDF reads "fl", not U+FB02. Set on the
    # default font, every heading, table and emphasis inherits it.
    for tag in ("liga", "clig", "dlig"):
        font.setFeature(QFont.Tag(tag), 0)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(CSS)
    names = {}
    for mid, image in charts.items():
        names[mid] = f"memo-chart:{mid}"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(names[mid]), image)
    # Image sizes in rich text are in 96-dpi pixels, scaled to the device when drawn.
    chart_width = int(body.width() * 96 / device.resolution())
    doc.setTextWidth(body.width())  # one column, no pages of Qt's: the pages are cut below
    doc.setHtml("<html><body>" + memo_html(memo, names, chart_width=chart_width,
                                           chart_aspect=CHART_PIXELS[1] / CHART_PIXELS[0])
                + "</body></html>")
    band = _band_height(device)
    return doc, band, _paginate(doc, body.height() - 2 * band)


def _band_height(device: QPdfWriter) -> float:
    """Room for the running header and the footer, in device pixels."""
    f = _small_font()
    return QFontMetricsF(f, device).height() * 2.2


def _small_font() -> QFont:
    f = QFont()
    f.setPointSizeF(7.5)
    return f


KEEP_TOGETHER = 0.3  # a paragraph or table shorter than this share of a page never splits


class _Unit(NamedTuple):
    """A top-level block or table: where it starts and ends, where it may be cut (between
    its lines or rows), whether it is a heading."""

    top: float
    bottom: float
    cuts: tuple[float, ...]
    heading: bool
    table: bool


def _units(doc: QTextDocument) -> list[_Unit]:
    layout = doc.documentLayout()
    # the tables at the top level (a table in a table's cell is part of its row)
    tables = {t.firstPosition(): t for t in doc.rootFrame().childFrames()
              if isinstance(t, QTextTable)}
    out = []
    block = doc.begin()
    while block.isValid():
        table = tables.get(block.position())
        if table is not None:
            rect = layout.frameBoundingRect(table)
            rows = []
            for r in range(table.rows()):
                cells = [layout.blockBoundingRect(table.cellAt(r, c).firstCursorPosition().block())
                         for c in range(table.columns())]
                rows.append((min(c.top() for c in cells), max(c.bottom() for c in cells)))
            cuts = tuple((rows[r - 1][1] + rows[r][0]) / 2 for r in range(1, len(rows)))
            # a cell's text may reach past the frame's rectangle (by its line's leading)
            bottom = max(rect.bottom(), *(b for _, b in rows)) if rows else rect.bottom()
            out.append(_Unit(rect.top(), bottom, cuts, False, True))
            block = doc.findBlock(table.lastPosition() + 1)
            continue
        rect = layout.blockBoundingRect(block)
        lines = block.layout()
        cuts = tuple(rect.top() + lines.lineAt(k).y() for k in range(1, lines.lineCount()))
        out.append(_Unit(rect.top(), rect.bottom(), cuts,
                         bool(block.blockFormat().headingLevel()), False))
        block = block.next()
    return out


def _paginate(doc: QTextDocument, page_h: float) -> list[tuple[float, float]]:
    """Cut the one long layout into pages where a reader expects page breaks:

    - a heading never ends a page: it moves to the next one with what it heads;
    - a short paragraph (an evidence item: label, quote and citation) or a short table
      (the sources, the journal) is not split across pages: it moves whole;
    - a longer one is cut between its lines or rows, never through them;
    - nothing moves that already starts a page, so no page is left empty.

    Nothing is laid out again: breaks put into the document made Qt lay out everything
    after each of them again (31 breaks were 0.8 s of a 45-page memo's 1.2 s)."""
    units = _units(doc)
    if not units:
        return [(0.0, page_h)]
    tops = [units[0].top]
    short = page_h * KEEP_TOGETHER

    def room() -> float:
        return tops[-1] + page_h

    def fits(y: float) -> bool:
        return y <= room() + 0.5  # Qt's layout rounds to 1/64 px

    def starts_page(y: float) -> bool:
        return y <= tops[-1] + page_h * 0.05

    def first_lines_end(u: _Unit) -> float:
        """Where what a heading heads has shown enough: all of it when it moves whole,
        else its first two lines (or its first row)."""
        if u.bottom - u.top < short or not u.cuts:
            return u.bottom
        return u.cuts[0 if u.table else min(1, len(u.cuts) - 1)]

    i = 0
    while i < len(units):
        u = units[i]
        if u.heading and not starts_page(u.top):
            body = i + 1  # what it heads: past any headings right under it
            while body < len(units) - 1 and units[body].heading:
                body += 1
            if body < len(units) and not fits(first_lines_end(units[body])):
                tops.append(u.top)
        if fits(u.bottom):
            i += 1
            continue
        if u.bottom - u.top < short and not starts_page(u.top):
            tops.append(u.top)  # moves whole
            continue
        inside = [c for c in u.cuts if tops[-1] + 1 < c and fits(c)]
        if inside:  # the last cut that fits
            tops.append(inside[-1])
        elif not starts_page(u.top):  # not even its first line fits: it starts the next
            tops.append(u.top)
        else:  # a line or row taller than a page: cut where the page ends
            tops.append(room())
    bottom = max(doc.documentLayout().documentSize().height(), *(u.bottom for u in units))
    return [(top, tops[n + 1] if n + 1 < len(tops) else max(bottom, top + 1))
            for n, top in enumerate(tops)]


def write_pdf(memo: Memo, charts: dict[int, QImage], path: Path, *, page_size: str = "A4",
              progress: Progress | None = None) -> int:
    """Write the memo; returns the page count. Atomic: temp file, then rename."""
    path = Path(path)
    tmp = _temp_name(path)
    progress = progress or (lambda d, t, label: None)
    try:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(RESOLUTION)
        writer.setPageLayout(QPageLayout(QPageSize(PAGE_SIZES.get(page_size, PAGE_SIZES["A4"])),
                                         QPageLayout.Orientation.Portrait, _MARGINS_MM,
                                         QPageLayout.Unit.Millimeter))
        writer.setTitle(MEMO_TITLE.format(title=memo.title, day=memo.as_of))
        writer.setAuthor(memo.author or APP_NAME)
        writer.setCreator(f"{APP_NAME} {__version__}")
        progress(1, 4, "Laying out pages")
        doc, band, slices = _layout(memo, charts, writer)
        pages = len(slices)
        painter = QPainter()
        if not painter.begin(writer):
            raise UserError(f"Cannot write {path}: the folder is not writable or the disk is "
                            "full. Choose another place.")
        try:
            width = doc.textWidth()
            for i, (top, bottom) in enumerate(slices):
                if i:
                    writer.newPage()
                progress(2, 4, f"Page {i + 1} of {pages}")
                _draw_bands(painter, writer, memo, i + 1, pages, band)
                painter.save()
                painter.translate(0, band - top)
                doc.drawContents(painter, QRectF(0, top, width, bottom - top))
                painter.restore()
        finally:
            painter.end()
        del writer  # flushes and closes the file
        progress(3, 4, "Saving")
        _check_written(tmp, path)
        os.replace(tmp, path)
        progress(4, 4, "Done")
        return pages
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _draw_bands(painter: QPainter, device: QPdfWriter, memo: Memo, page: int, pages: int,
                band: float) -> None:
    body = device.pageLayout().paintRectPixels(device.resolution())
    w, h = body.width(), body.height()
    painter.save()
    painter.setFont(_small_font())
    painter.setPen(QColor(110, 110, 115))
    fm = QFontMetricsF(painter.font(), device)
    title = fm.elidedText(memo.title, Qt.TextElideMode.ElideRight, w * 0.7)
    painter.drawText(QRectF(0, 0, w * 0.72, band * 0.6), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignBottom, title)
    painter.drawText(QRectF(w * 0.72, 0, w * 0.28, band * 0.6), Qt.AlignmentFlag.AlignRight
                     | Qt.AlignmentFlag.AlignBottom, f"Thesis memo · as of {memo.as_of:%Y-%m-%d}")
    pen = QPen(QColor(190, 190, 195))
    pen.setWidthF(device.resolution() / 144)  # half a point
    painter.setPen(pen)
    painter.drawLine(0, int(band * 0.7), int(w), int(band * 0.7))
    painter.drawLine(0, int(h - band * 0.7), int(w), int(h - band * 0.7))
    painter.setPen(QColor(110, 110, 115))
    painter.drawText(QRectF(0, h - band * 0.6, w * 0.7, band * 0.6), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignTop,
                     f"{APP_NAME} {memo.version} · prepared {memo.generated_at:%Y-%m-%d}"
                     + (f" · {memo.author}" if memo.author else ""))
    painter.drawText(QRectF(w * 0.7, h - band * 0.6, w * 0.3, band * 0.6),
                     Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                     f"Page {page} of {pages}")
    painter.restore()


def _temp_name(path: Path) -> Path:
    folder = path.parent
    if not folder.is_dir():
        raise UserError(f"The folder {folder} does not exist. Choose an existing folder.")
    if not os.access(folder, os.W_OK):
        raise UserError(f"The folder {folder} is not writable. Choose another place.")
    return folder / f".{path.name}.{os.getpid()}.part"


def _check_written(tmp: Path, path: Path) -> None:
    try:
        with open(tmp, "rb") as fh:
            head = fh.read(5)
            fh.seek(-1024, os.SEEK_END) if tmp.stat().st_size > 1024 else fh.seek(0)
            tail = fh.read()
    except OSError as exc:
        raise UserError(f"Writing {path} failed: {exc.strerror or exc}.") from exc
    if head != b"%PDF-" or b"%%EOF" not in tail:
        raise UserError(f"Writing {path} failed (the disk may be full); nothing was replaced.")


def write_markdown(memo: Memo, path: Path) -> None:
    path = Path(path)
    tmp = _temp_name(path)
    try:
        tmp.write_text(memo_markdown(memo), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise UserError(f"Writing {path} failed: {exc.strerror or exc}.") from exc


# ---------------------------------------------------------------- one call, for the CLI


def ensure_app() -> object:
    """A QApplication for drawing charts; without a display, the offscreen platform."""
    from PySide6.QtWidgets import QApplication

    from thesis_desk.render import mirror_qt_lazily, skip_pyside_source_scans

    skip_pyside_source_scans()
    mirror_qt_lazily()
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import qInstallMessageHandler

        previous = None

        def quiet(mode: object, context: object, message: str) -> None:
            # The offscreen platform notes that it ignores window size hints: not news.
            if "propagateSizeHints" in message:
                return
            if previous is not None:
                previous(mode, context, message)
            else:
                sys.stderr.write(message + "\n")

        previous = qInstallMessageHandler(quiet)
        app = QApplication([APP_NAME])
    return app


def export_memo(ws: Workspace, thesis_id: int, path: Path, *, as_of: Any = None,
                author: str = "", page_size: str = "A4", fmt: str | None = None,
                progress: Progress | None = None, since: Any = None,
                comments: bool = False) -> dict[str, object]:
    """Build and write the memo in one go (the CLI's path; the GUI splits it over threads)."""
    path = Path(path)
    fmt = fmt or ("md" if path.suffix.lower() in (".md", ".markdown") else "pdf")
    memo = ws.memos.build(thesis_id, as_of=as_of, author=author, since=since,
                          comments=comments)
    if fmt == "md":
        write_markdown(memo, path)
        pages = None
    else:
        ensure_app()
        pages = write_pdf(memo, render_charts(memo), path, page_size=page_size,
                          progress=progress)
    record_memo(ws, memo, path)
    return {"path": str(path), "format": fmt, "pages": pages, "memo": memo}


def record_memo(ws: Workspace, memo: Memo, path: Path) -> None:
    """The journal notes the memo sent (not in a read-only look: nothing is written)."""
    if not ws.read_only:
        ws.theses.record_memo(memo.thesis_id, memo.as_of, Path(path).name)
