"""A metric's chart drawn with pyqtgraph: the series on a date axis, the rules' levels,
the alerts' points, the evidence dates; the same drawing on screen and in the memo.

pyqtgraph is imported when a chart is first made, never at start-up.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from thesis_desk.render import load_pyqtgraph

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from thesis_desk.core.alerts import AlertService
    from thesis_desk.core.metrics import MetricService
    from thesis_desk.core.records import EvidenceMark

EVIDENCE_PENS = {"supports": (46, 160, 67), "contradicts": (218, 54, 51),
                 "context": (128, 128, 128)}
SERIES_PEN = (56, 132, 244)
SHORT_SERIES = 3  # fewer points than this: say so instead of drawing a line

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def epoch(d: dt.date) -> float:
    """A date as UTC seconds, the date axis's unit."""
    return (d.toordinal() - _EPOCH_ORDINAL) * 86400.0  # the same arithmetic as below


def epoch_seconds(dates: Sequence[dt.date]) -> Any:
    """Dates as UTC seconds for a date axis. Through ordinals: numpy converting date
    objects itself took 18 ms per 10,000 (2 s for a million); this takes under 1 ms."""
    import numpy as np

    days = np.fromiter(map(dt.date.toordinal, dates), dtype=np.int64, count=len(dates))
    return ((days - _EPOCH_ORDINAL) * 86400).astype(float)


@functools.cache
def _axis_classes() -> tuple[type, type]:
    """pyqtgraph's axes, drawing their grid lines as one-pixel rectangles.

    Qt strokes a long horizontal hairline pixel by pixel: the y grid of a chart took
    15-18 ms a frame (three times the rest of the chart); filled, it takes under 1 ms,
    and a tenth of that in an opaque colour: blending a translucent one cost 1.3 ms a
    frame. So the faint grid colour is mixed with the chart's background beforehand
    (``backdrop``, set by ``style_plot``), and the axes sit under the plotted data, where
    an opaque line does not cut through it.
    """
    pg = load_pyqtgraph()

    class Fast:
        backdrop: QColor | None = None

        def drawPicture(self, p: QPainter, axisSpec: Any, tickSpecs: Any, textSpecs: Any,  # noqa: N802, N803
                        ) -> None:
            rest = []
            p.save()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            for pen, p1, p2 in tickSpecs:
                if not (pen.isCosmetic() and pen.widthF() <= 1
                        and pen.style() == Qt.PenStyle.SolidLine):
                    rest.append((pen, p1, p2))
                elif p1.y() == p2.y():
                    x0, x1 = sorted((p1.x(), p2.x()))
                    p.fillRect(QRectF(x0, p1.y() - 0.5, x1 - x0, 1.0), self._opaque(pen.color()))
                elif p1.x() == p2.x():
                    y0, y1 = sorted((p1.y(), p2.y()))
                    p.fillRect(QRectF(p1.x() - 0.5, y0, 1.0, y1 - y0), self._opaque(pen.color()))
                else:
                    rest.append((pen, p1, p2))
            p.restore()
            super().drawPicture(p, axisSpec, rest, textSpecs)  # type: ignore[misc]

        def _opaque(self, c: QColor) -> QColor:
            b = self.backdrop
            if b is None or c.alpha() == 255:
                return c
            a = c.alphaF()
            return QColor.fromRgbF(b.redF() + (c.redF() - b.redF()) * a,
                                   b.greenF() + (c.greenF() - b.greenF()) * a,
                                   b.blueF() + (c.blueF() - b.blueF()) * a)

    class FastAxis(Fast, pg.AxisItem):
        pass

    class FastDateAxis(Fast, pg.DateAxisItem):
        pass

    return FastAxis, FastDateAxis


def chart_axes(*, dates: bool = True) -> dict[str, Any]:
    """Axis items for a PlotWidget with the app's fast grid (a date axis at the bottom)."""
    plain, date_axis = _axis_classes()
    return {"left": plain("left"),
            "bottom": date_axis(utcOffset=0, orientation="bottom") if dates else plain("bottom")}


def plot_widget(*, dates: bool = True, **options: Any) -> Any:
    """A pyqtgraph PlotWidget with the app's axes and no context menu (``style_plot``
    turns it off anyway): made without it, a chart is 3-5 ms quicker to make."""
    return load_pyqtgraph().PlotWidget(axisItems=chart_axes(dates=dates), enableMenu=False,
                                       **options)


def style_plot(plot: Any, widget: QWidget, *, for_print: bool = False) -> None:
    """The app's chart look: the light/dark palette (not pyqtgraph's black), a faint grid,
    no context menu; on paper, white whatever the screen's theme."""
    pal = widget.palette()
    base, text, mid = (pal.color(pal.ColorRole.Base), pal.color(pal.ColorRole.Text),
                       pal.color(pal.ColorRole.Mid))
    if for_print:
        base, text, mid = "w", (40, 40, 40), (150, 150, 150)
    import pyqtgraph as pg

    plot.setBackground(base)
    text_colour = pg.mkColor(text).name()
    backdrop = plot.backgroundBrush().color()
    for axis in ("left", "bottom"):
        item = plot.getAxis(axis)
        if hasattr(item, "backdrop"):  # the app's axes: an opaque grid, under the data
            item.backdrop = backdrop
            item.setZValue(-200)  # the view box, holding the curves, sits at -100
        item.setTextPen(text)
        item.setPen(mid)
        # axis titles set later (setLabel without a style) take the text colour too: the
        # default grey all but vanished on a dark background
        item.labelStyle = {"color": text_colour}
        # two levels of grid lines, not three: the third was too faint to read by and
        # doubled the lines drawn every frame
        item.setStyle(maxTickLevel=1)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setMenuEnabled(False)
    title = plot.getPlotItem().titleLabel
    if title.text:
        plot.setTitle(title.text, color=text_colour)


def chart_data(metrics: MetricService, alerts: AlertService, metric_id: int) -> tuple:
    """Everything a metric's chart draws, read in one go (on a worker): the series as
    arrays, the rules' levels, the alerts' points, the evidence marks."""
    xs, ys = metrics.series_arrays(metric_id)
    rules = alerts.rules(metric_id)
    fired = alerts.alerts(metric_id=metric_id)
    return (xs, ys,
            [r.threshold for r in rules if r.threshold is not None
             and r.kind in ("above", "below", "crosses")],
            [(a.observed_on, a.value) for a in fired if a.observed_on and a.value is not None],
            metrics.evidence_marks(metric_id))


class SeriesPlot:
    """A pyqtgraph plot of one metric at a time; ``widget`` is the PlotWidget to lay out
    (the window) or to draw from without showing it (the memo)."""

    def __init__(self, palette_of: QWidget | None = None, *, for_print: bool = False):
        import numpy as np

        pg = load_pyqtgraph()
        self.pg = pg
        self.widget = plot_widget()
        self.pen_scale = 2 if for_print else 1  # a printed chart is drawn at twice the size
        style_plot(self.widget, palette_of or self.widget, for_print=for_print)
        # On paper (drawn at twice the layout's width) one min/max pair per output pixel
        # column draws the same line as every point: pyqtgraph's default keeps ~2.5 per
        # pixel there, and stroking them was most of a memo chart's time.
        self.curve = self.widget.plot([], [], pen=pg.mkPen(SERIES_PEN, width=2), symbol="o",
                                      symbolSize=6, symbolBrush=SERIES_PEN,
                                      autoDownsampleFactor=2.0 if for_print else 5.0)
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.markers = pg.ScatterPlotItem(size=12, symbol="t", brush=pg.mkBrush(218, 54, 51))
        self.widget.addItem(self.markers)
        self.lines: list[Any] = []
        self.evidence_lines: list[tuple[Any, EvidenceMark]] = []
        self.xs = np.array([], dtype=float)
        self.ys = np.array([], dtype=float)

    def draw(self, dates: Any, values: Any, thresholds: Sequence[float],
             alert_points: Sequence[tuple[dt.date, float]],
             evidence: Sequence[EvidenceMark] = ()) -> None:
        """``dates`` as UTC seconds in a numpy array (``series_arrays``), or dates."""
        import numpy as np

        pg, plot = self.pg, self.widget
        self.xs = dates if isinstance(dates, np.ndarray) else epoch_seconds(dates)
        self.ys = np.asarray(values, dtype=float)
        # Point symbols only where they can be told apart: a long series is a line,
        # and a wide pen only for short ones (Qt strokes wide lines far more slowly).
        if len(self.ys) <= 400:
            self.curve.setSymbol("o")
            self.curve.setPen(pg.mkPen(SERIES_PEN, width=2 * self.pen_scale))
        else:
            self.curve.setSymbol(None)
            self.curve.setPen(pg.mkPen(SERIES_PEN, width=self.pen_scale))
        self.curve.setData(self.xs, self.ys)
        for line in self.lines:
            plot.removeItem(line)
        self.lines, self.evidence_lines = [], []
        for t in thresholds:
            line = pg.InfiniteLine(pos=t, angle=0, movable=False,
                                   pen=pg.mkPen((230, 160, 0), width=self.pen_scale,
                                                style=Qt.PenStyle.DashLine),
                                   label=f"{t:g}", labelOpts={"position": 0.05})
            plot.addItem(line)
            self.lines.append(line)
        self.markers.setData([epoch(d) for d, _ in alert_points], [v for _, v in alert_points])
        for mark in evidence:  # a dotted vertical line per cited passage, coloured by stance
            colour = EVIDENCE_PENS.get(mark.stance, EVIDENCE_PENS["context"])
            line = pg.InfiniteLine(pos=epoch(mark.date), angle=90, movable=False,
                                   pen=pg.mkPen(colour, width=self.pen_scale,
                                                style=Qt.PenStyle.DotLine))
            plot.addItem(line)
            self.lines.append(line)
            self.evidence_lines.append((line, mark))
        plot.enableAutoRange()
        if 0 < len(self.xs) < SHORT_SERIES:  # a lone point: show a month either side
            month = 31 * 86400
            plot.setXRange(min(self.xs) - month, max(self.xs) + month, padding=0)
            lo, hi = min([*self.ys, *thresholds]), max([*self.ys, *thresholds])
            pad = max(abs(hi) * 0.1, 1.0)
            plot.setYRange(lo - pad, hi + pad, padding=0)

    def nearest(self, scene_pos: Any) -> tuple[dt.date, float] | None:
        """The observation nearest a point of the scene (the mouse), by date."""
        import numpy as np

        if not len(self.xs):
            return None
        x = self.widget.getPlotItem().vb.mapSceneToView(scene_pos).x()
        i = int(np.clip(np.searchsorted(self.xs, x), 1, len(self.xs) - 1)) if len(self.xs) > 1 else 0
        if i and abs(self.xs[i - 1] - x) <= abs(self.xs[i] - x):
            i -= 1
        return dt.datetime.fromtimestamp(float(self.xs[i]), dt.UTC).date(), float(self.ys[i])

    def image(self, width: int) -> QImage:
        return plot_image(self.widget.getPlotItem(), width)


def plot_image(item: Any, width: int) -> QImage:
    """A plot item drawn at ``width`` pixels, antialiased, as pyqtgraph's ImageExporter
    draws it but on an opaque image: Qt's raster engine blends on those several times
    faster (the grid and a 10,000-point line: 25 ms instead of 42 per chart). Without
    pyqtgraph's exporters: importing them loads all five, the SVG one with its XML
    library (10 ms of a first memo); their settings tree cost a millisecond a chart."""
    source = item.sceneBoundingRect()
    height = max(1, round(width * source.height() / max(source.width(), 1)))
    scale = width / max(item.mapRectToDevice(item.boundingRect()).width(), 1)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(item.scene().views()[0].backgroundBrush().color())  # the plot's own background
    painter = QPainter(image)
    try:
        _export_mode(item, True, {"antialias": True, "background": image.pixelColor(0, 0),
                                  "painter": painter, "resolutionScale": scale})
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        item.scene().render(painter, QRectF(0, 0, width, height), source)
    finally:
        _export_mode(item, False, {})
        painter.end()
    return image


def _export_mode(item: Any, export: bool, opts: dict[str, Any]) -> None:
    """Tell the item and everything in it that it is drawn for export (or no longer), as
    pyqtgraph's exporters do: its items then draw at the export's resolution."""
    todo = [item]
    while todo:
        each = todo.pop()
        if hasattr(each, "setExportMode"):
            each.setExportMode(export, opts)
        todo.extend(each.childItems())
