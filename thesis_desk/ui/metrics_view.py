"""The Metrics area: metric list, a pyqtgraph chart, observations, rules; and the Alerts inbox.

pyqtgraph is imported when this view is first opened, never at start-up.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QStringListModel, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.changes import ALERT, METRIC, OBSERVATION, RULE, Changes, of_fired
from thesis_desk.core.errors import UserError, ValidationError
from thesis_desk.ui.forms import pillar_choice_label
from thesis_desk.ui.widgets import (
    FieldError,
    OptionalDateEdit,
    guarded_read,
    heading_label,
    muted,
    plain_label,
    plain_tip,
    shorten,
)

if TYPE_CHECKING:
    from thesis_desk.core.alerts import AlertService
    from thesis_desk.core.metrics import EvidenceMark, MetricService, ObservationInfo
    from thesis_desk.core.evidence import EvidenceService
    from thesis_desk.core.library import LibraryService
    from thesis_desk.ui.tasks import TaskRunner

EVIDENCE_PENS = {"supports": (46, 160, 67), "contradicts": (218, 54, 51),
                 "context": (128, 128, 128)}
SHORT_SERIES = 3
ASYNC_ROWS = 200_000  # longer series are read off the GUI thread (see show_metric)
TABLE_ROWS = 1000  # the observation table shows the latest ones; the chart shows all  # fewer points than this: say so instead of drawing a line


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _epoch(d: dt.date) -> float:
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
    import pyqtgraph as pg

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


class MetricChart(QWidget):
    """A metric's series on a date axis, threshold lines of its rules, alert markers."""

    def __init__(self, parent: QWidget | None = None, *, for_print: bool = False):
        super().__init__(parent)
        import pyqtgraph as pg

        self.pg = pg
        self.plot = pg.PlotWidget(axisItems=chart_axes())
        self.pen_scale = 2 if for_print else 1  # a printed chart is drawn at twice the size
        style_plot(self.plot, self, for_print=for_print)
        # On paper (drawn at twice the layout's width) one min/max pair per output pixel
        # column draws the same line as every point: pyqtgraph's default keeps ~2.5 per
        # pixel there, and stroking them was most of a memo chart's time.
        self.curve = self.plot.plot([], [], pen=pg.mkPen((56, 132, 244), width=2), symbol="o",
                                    symbolSize=6, symbolBrush=(56, 132, 244),
                                    autoDownsampleFactor=2.0 if for_print else 5.0)
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.markers = pg.ScatterPlotItem(size=12, symbol="t", brush=pg.mkBrush(218, 54, 51))
        self.plot.addItem(self.markers)
        self.lines: list[Any] = []
        self.evidence_dates: list[dt.date] = []
        self.readout = muted(plain_label())
        self.notice = plain_label(wrap=True)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.notice)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.readout)
        import numpy as np

        self.xs = np.array([], dtype=float)
        self.ys = np.array([], dtype=float)
        self._wanted: int | None = None

    def show_metric(self, metrics: MetricService, alerts: AlertService, metric_id: int, *,
                    loader: TaskRunner | None = None, rows: int = 0) -> None:
        """Draw everything the workspace knows about one metric. With a ``loader``, a
        series of more than ASYNC_ROWS observations (``rows``) is read off the GUI thread
        (a million take about a second to read) and drawn when it arrives, unless
        another metric was asked for meanwhile."""
        self._wanted = metric_id

        def gather(_progress: object = None, _cancelled: object = None) -> tuple:
            return chart_data(metrics, alerts, metric_id)

        def draw(found: tuple) -> None:
            if self._wanted == metric_id:
                self.show_series(*found[:4], evidence=found[4])

        def failed(exc: Exception) -> None:
            if self._wanted == metric_id:
                self.notice.setText(f"Could not read the observations: {exc}")

        if loader is None or rows <= ASYNC_ROWS:
            draw(gather())
            return
        self.show_series([], [], [], [])
        self.notice.setText(f"Reading {rows:,} observations…")
        self.notice.show()
        loader.run(gather, on_done=draw, on_error=failed, show_progress=False)

    def show_series(self, dates: Any, values: Any, thresholds: list[float],
                    alert_dates: list[tuple[dt.date, float]],
                    evidence: Sequence[EvidenceMark] = ()) -> None:
        """``dates`` as UTC seconds in a numpy array (``series_arrays``), or dates."""
        import numpy as np

        self.xs = dates if isinstance(dates, np.ndarray) else epoch_seconds(dates)
        self.ys = np.asarray(values, dtype=float)
        # Point symbols only where they can be told apart: a long series is a line.
        # and a wide pen only for short ones (Qt strokes wide lines far more slowly).
        if len(self.ys) <= 400:
            self.curve.setSymbol("o")
            self.curve.setPen(self.pg.mkPen((56, 132, 244), width=2 * self.pen_scale))
        else:
            self.curve.setSymbol(None)
            self.curve.setPen(self.pg.mkPen((56, 132, 244), width=self.pen_scale))
        self.curve.setData(self.xs, self.ys)
        for line in self.lines:
            self.plot.removeItem(line)
        self.lines = []
        for t in thresholds:
            line = self.pg.InfiniteLine(pos=t, angle=0, movable=False,
                                        pen=self.pg.mkPen((230, 160, 0), width=self.pen_scale,
                                                          style=Qt.PenStyle.DashLine),
                                        label=f"{t:g}", labelOpts={"position": 0.05})
            self.plot.addItem(line)
            self.lines.append(line)
        self.markers.setData([_epoch(d) for d, _ in alert_dates], [v for _, v in alert_dates])
        for mark in evidence:  # a dotted vertical line per cited passage, coloured by stance
            colour = EVIDENCE_PENS.get(mark.stance, EVIDENCE_PENS["context"])
            line = self.pg.InfiniteLine(pos=_epoch(mark.date), angle=90, movable=False,
                                        pen=self.pg.mkPen(colour, width=self.pen_scale,
                                                          style=Qt.PenStyle.DotLine))
            quote = shorten(mark.quote, 200)
            line.setToolTip(plain_tip(f"{mark.date:%Y-%m-%d} · {mark.stance}: {quote}"))
            self.plot.addItem(line)
            self.lines.append(line)
        self.evidence_dates = [m.date for m in evidence]
        if len(values) < SHORT_SERIES:
            self.notice.setText(
                f"{len(values)} observation{'s' if len(values) != 1 else ''}: too few to draw a "
                "trend yet. Add observations in the Metrics area (the form below the chart, "
                "or Import CSV/Excel…).")
            self.notice.show()
        else:
            self.notice.hide()
        self.plot.enableAutoRange()
        if 0 < len(self.xs) < SHORT_SERIES:  # a lone point: show a month either side
            month = 31 * 86400
            self.plot.setXRange(min(self.xs) - month, max(self.xs) + month, padding=0)
            lo, hi = min([*self.ys, *thresholds]), max([*self.ys, *thresholds])
            pad = max(abs(hi) * 0.1, 1.0)
            self.plot.setYRange(lo - pad, hi + pad, padding=0)

    def _hover(self, pos: Any) -> None:
        import numpy as np

        if not len(self.xs):
            return
        point = self.plot.getPlotItem().vb.mapSceneToView(pos)
        i = int(np.clip(np.searchsorted(self.xs, point.x()), 1, len(self.xs) - 1))
        nearest = i if abs(self.xs[i] - point.x()) < abs(self.xs[i - 1] - point.x()) else i - 1
        day = dt.datetime.fromtimestamp(float(self.xs[nearest]), dt.UTC).date()
        self.readout.setText(f"{day:%Y-%m-%d}: {self.ys[nearest]:g}")

    def save_png(self, path: str) -> None:
        if not plot_image(self.plot.getPlotItem(), 1600).save(path, "PNG"):
            raise UserError(f"Could not write {path}: the folder is not writable or the disk "
                            "is full. Choose another place.")


def plot_image(item: Any, width: int) -> QImage:
    """A plot item drawn at ``width`` pixels, antialiased, as pyqtgraph's ImageExporter
    draws it but on an opaque image: Qt's raster engine blends on those several times
    faster (the grid and a 10,000-point line: 25 ms instead of 42 per chart). The base
    Exporter: ImageExporter's settings tree cost a millisecond a chart for nothing."""
    from pyqtgraph.exporters import Exporter

    exporter = Exporter(item)
    source = exporter.getSourceRect()
    height = max(1, round(width * source.height() / max(source.width(), 1)))
    scale = width / max(exporter.getTargetRect().width(), 1)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(item.scene().views()[0].backgroundBrush().color())  # the plot's own background
    painter = QPainter(image)
    try:
        exporter.setExportMode(True, {"antialias": True, "background": image.pixelColor(0, 0),
                                      "painter": painter, "resolutionScale": scale})
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        item.scene().render(painter, QRectF(0, 0, width, height), source)
    finally:
        exporter.setExportMode(False)
        painter.end()
    return image


class MetricsView(QWidget):
    changed = Signal(object)  # Changes (see MainWindow.apply_changes)
    message = Signal(str)
    fired = Signal(list)  # messages of alerts that just fired

    def __init__(self, metrics: MetricService, alerts: AlertService,
                 parent: QWidget | None = None, *, evidence: EvidenceService | None = None,
                 library: LibraryService | None = None):
        super().__init__(parent)
        self.metrics, self.alerts = metrics, alerts
        self.evidence, self.library = evidence, library
        self._evidence_docs: dict[int, int | None] = {}  # evidence id -> its document
        self._source_names: dict[tuple[str, int], str] = {}  # for the table's Source
        self._doc_ids: list[int | None] = []  # the document picker's rows
        self._doc_count = -1  # documents the picker holds (refilled when that changes)
        self._loader: TaskRunner | None = None  # reads long series off the GUI thread
        self.list = QListWidget()
        self.list.setWordWrap(True)  # a long metric name wraps instead of scrolling sideways
        # wrapped rows differ in height: laid out 200 at a time between events, not 5,000
        self.list.setLayoutMode(QListWidget.LayoutMode.Batched)
        self.list.setBatchSize(200)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        self.list.currentRowChanged.connect(lambda _r: self.show_current())
        self.title = heading_label(scale=1.2)
        self.meta = muted(plain_label(wrap=True))
        self.chart = MetricChart()
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["Date", "Value", "Note", "Source"])
        self.table.setRootIsDecorated(False)
        header = self.table.header()
        # Date and value fit their text; a long note is cut (its tooltip has it whole) so
        # the source, which says where a value came from, stays in view.
        for col in (0, 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 150)
        header.setStretchLastSection(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.rules = QTreeWidget()
        self.rules.setHeaderLabels(["Rule", "Kill criterion or pillar", "State"])
        self.rules.setRootIsDecorated(False)
        self.rules.setUniformRowHeights(True)
        self.rules.setTextElideMode(Qt.TextElideMode.ElideRight)
        rh = self.rules.header()
        rh.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        rh.resizeSection(0, self.fontMetrics().horizontalAdvance("M") * 11)
        rh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        rh.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        rh.setStretchLastSection(False)
        self.rules.itemSelectionChanged.connect(self._rule_selection)
        self.rules.itemDoubleClicked.connect(lambda *_: self.edit_rule())
        self.rules.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.rules.customContextMenuRequested.connect(self._rules_menu)

        # add-observation form
        self.obs_date = OptionalDateEdit("")
        self.obs_date.set_value(dt.date.today())
        self.obs_value = QLineEdit()
        self.obs_value.setPlaceholderText("value, e.g. 121 or 1,234.5")
        self.obs_note = QLineEdit()
        self.obs_note.setPlaceholderText("note (optional)")
        self.obs_replace = QCheckBox("Replace a value on that date")
        # where the value is stated: an evidence passage (marked on the chart, cited by
        # the memo) and/or a document of the library (type to find it by title)
        self.obs_evidence = QComboBox()
        self.obs_evidence.setToolTip("The evidence passage that states this value (optional)")
        self.obs_evidence.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.obs_evidence.setMinimumContentsLength(20)
        self.obs_document = QComboBox()
        self._doc_model = QStringListModel(["(none)"], self.obs_document)
        self.obs_document.setModel(self._doc_model)
        self.obs_document.setEditable(True)
        self.obs_document.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.obs_document.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.obs_document.completer().setCompletionMode(
            QCompleter.CompletionMode.PopupCompletion)
        self.obs_document.setToolTip("The library document that states this value (optional; "
                                     "type part of its title)")
        self.obs_document.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.obs_document.setMinimumContentsLength(20)
        self.obs_evidence.currentIndexChanged.connect(self._evidence_chosen)
        self.obs_error = FieldError()
        add = QPushButton("Add Observation")
        add.clicked.connect(self.add_observation)
        # two fields a row, so the table above keeps room for its rows at 1280x800
        form = QGridLayout()
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 2)
        cells = [("&Date", self.obs_date), ("&Value", self.obs_value), ("N&ote", self.obs_note)]
        if evidence is not None:
            cells.append(("Evide&nce", self.obs_evidence))
        if library is not None:
            cells.append(("Docu&ment", self.obs_document))
        for n, (label, widget) in enumerate(cells):
            lab = QLabel(label)
            lab.setBuddy(widget)
            form.addWidget(lab, n // 2, (n % 2) * 2)
            form.addWidget(widget, n // 2, (n % 2) * 2 + 1)
        last = (len(cells) + 1) // 2
        form.addWidget(self.obs_replace, last, 0, 1, 3)
        form.addWidget(add, last, 3)
        form.addWidget(self.obs_error, last + 1, 0, 1, 4)

        # rules: a form of their own (only the fields a kind takes), edited in place
        self.rule_error = FieldError()
        add_rule = QPushButton("Add Rule…")
        add_rule.setToolTip("Fire an alert when this metric crosses a level, moves, or goes "
                            "stale; tie it to a kill criterion to break that pillar")
        add_rule.clicked.connect(lambda: self.edit_rule(new=True))
        self.edit_rule_btn = QPushButton("Edit…")
        self.edit_rule_btn.clicked.connect(lambda: self.edit_rule())
        self.enable_rule_btn = QPushButton("Disable")
        self.enable_rule_btn.setToolTip("A disabled rule judges nothing until enabled again")
        self.enable_rule_btn.clicked.connect(self.toggle_rule)
        self.remove_rule_btn = QPushButton("Remove…")
        self.remove_rule_btn.clicked.connect(self.remove_rule)
        # the heading on a row of its own: beside the four buttons it made the area (and
        # so the window) 1,292 px wide at 1280x800 with the desktop's fonts
        rule_row = QVBoxLayout()
        rule_row.addWidget(plain_label("Alert rules"))
        rule_buttons = QHBoxLayout()
        for w in (add_rule, self.edit_rule_btn, self.enable_rule_btn, self.remove_rule_btn):
            rule_buttons.addWidget(w)
        rule_buttons.addStretch(1)
        rule_row.addLayout(rule_buttons)

        save = QPushButton("Save Chart as PNG…")
        save.clicked.connect(self.save_chart)
        new_metric = QPushButton("New Metric…")
        new_metric.clicked.connect(lambda: self.edit_metric(new=True))
        self.edit_btn = QPushButton("Edit Metric…")
        self.edit_btn.clicked.connect(lambda: self.edit_metric(new=False))
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        import_btn = QPushButton("Import CSV/Excel…")
        import_btn.clicked.connect(lambda: self.import_file())
        export_btn = QPushButton("Export…")
        export_btn.setToolTip("This metric's observations as CSV or Excel")
        export_btn.clicked.connect(lambda: self.export_observations())
        for b in (new_metric, self.edit_btn, import_btn, export_btn, save):
            head.addWidget(b)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addLayout(head)
        rl.addWidget(self.meta)
        # chart above, table and forms below, in a splitter a person can move; the
        # starting share keeps a dozen observation rows in view at 1280x800
        self.chart_split = QSplitter(Qt.Orientation.Vertical)
        self.chart_split.addWidget(self.chart)
        self.chart_split.setChildrenCollapsible(False)
        rl.addWidget(self.chart_split, 1)
        bottom = QHBoxLayout()
        obs_box = QVBoxLayout()
        obs_box.addWidget(self.table, 1)
        obs_box.addLayout(form)
        rules_box = QVBoxLayout()
        rules_box.addLayout(rule_row)
        rules_box.addWidget(self.rules, 1)
        rules_box.addWidget(self.rule_error)
        bottom.addLayout(obs_box, 1)
        bottom.addLayout(rules_box, 1)
        # What needs a metric: hidden while there is none, so the area is only the
        # header and how to begin (not empty axes, tables and forms that cannot work).
        self.detail = QWidget()
        self.detail.setLayout(bottom)
        bottom.setContentsMargins(0, 0, 0, 0)
        self.chart_split.addWidget(self.detail)
        self.chart_split.setSizes([330, 400])
        self._needs_metric = (export_btn, save)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        self.list.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 14)
        split.setSizes([260, 1000])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(split)
        from thesis_desk.ui.ops import Reads, Slices

        self.reads = Reads(self, on_error=self.message.emit)
        self._slices = Slices(self)
        self.refresh()

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def refresh(self, select_id: int | None = None) -> None:
        """Read the metric list and the form's sources on the worker, then show them
        (the last list stays on screen meanwhile); ``select_id`` is selected after."""
        keep = select_id if select_id is not None else self.current_id()
        metrics, evidence, library, doc_count = (self.metrics, self.evidence, self.library,
                                                 self._doc_count)

        def read() -> tuple:
            # documents only when their number changed (a library of 20,000)
            docs = (library.choices() if library is not None and library.count() != doc_count
                    else None)
            return (metrics.list(), evidence.choices() if evidence is not None else None, docs)

        self.reads.query("list", read, lambda r: self._show_list(*r, keep=keep))

    def _show_list(self, infos: list, choices: list | None, docs: list | None, *,
                   keep: int | None) -> None:
        """The list a slice at a time (5,000 metrics: no stall), then the chosen one."""
        self.list.blockSignals(True)
        self.list.clear()
        self.list.blockSignals(False)
        found: list[QListWidgetItem] = []

        def add(part: list) -> None:
            self.list.blockSignals(True)
            for m in part:
                item = QListWidgetItem(f"{m.name}\n{m.observations} obs · last "
                                       f"{'' if m.last_value is None else f'{m.last_value:g}'} "
                                       f"{m.unit}")
                item.setData(Qt.ItemDataRole.UserRole, m.id)
                item.setToolTip(plain_tip(m.name + (f" ({m.unit})" if m.unit else "")))
                self.list.addItem(item)
                if m.id == keep:
                    found.append(item)
            self.list.blockSignals(False)

        def done() -> None:
            self.list.blockSignals(True)
            if found:
                self.list.setCurrentItem(found[0])
            elif self.list.count():
                self.list.setCurrentRow(0)
            self.list.blockSignals(False)
            self._fill_sources(choices, docs)
            self.show_current()  # once: the row set above told nobody

        self._slices.run(infos, add, done)

    def _fill_sources(self, choices: list | None, docs: list | None) -> None:
        """The evidence and document pickers of the observation form, with '(none)'
        first (``docs`` None: the documents are unchanged)."""
        if choices is not None:
            keep = self.obs_evidence.currentData()
            self.obs_evidence.blockSignals(True)
            self.obs_evidence.clear()
            self.obs_evidence.addItem("(none)", None)
            self._evidence_docs = {}
            for eid, label, doc in choices:
                self.obs_evidence.addItem(label, eid)
                self._evidence_docs[eid] = doc
                self._source_names[("evidence", eid)] = label
            self.obs_evidence.setCurrentIndex(max(0, self.obs_evidence.findData(keep)))
            self.obs_evidence.blockSignals(False)
        if docs is not None:
            self._doc_count = len(docs)
            self._doc_ids = [None] + [i for i, _ in docs]
            twice = {c for c, n in Counter(c for _, c in docs).items() if n > 1}
            labels = ["(none)"] + [f"{c} [#{i}]" if c in twice else c for i, c in docs]
            for i, label in zip(self._doc_ids[1:], labels[1:], strict=True):
                self._source_names[("document", i)] = label  # type: ignore[index]
            # one string list, not 20,000 combo items (those took 0.2 s to make)
            self._doc_model.setStringList(labels)
            self.obs_document.setCurrentIndex(0)

    def _evidence_chosen(self) -> None:
        """Evidence quoted from a document: that document is the source too."""
        doc = self._evidence_docs.get(self.obs_evidence.currentData())
        if doc is not None and doc in self._doc_ids:
            self.obs_document.setCurrentIndex(self._doc_ids.index(doc))

    def _chosen_document(self) -> int | None:
        """The document picked, None for '(none)'; ValueError for text that names none."""
        text = self.obs_document.currentText().strip()
        if not text or text == "(none)":
            return None
        row = self.obs_document.findText(text, Qt.MatchFlag.MatchExactly)
        if row < 0:
            raise ValueError(f"No document in the library is called “{text}”: choose one "
                             "from the list, or leave Document as (none).")
        return self._doc_ids[row]

    def _source_of(self, o: ObservationInfo) -> str:
        if o.evidence_id is not None:
            return self._source_names.get(("evidence", o.evidence_id), f"evidence {o.evidence_id}")
        if o.document_id is not None:
            return self._source_names.get(("document", o.document_id), f"document {o.document_id}")
        return ""

    @guarded_read
    def show_current(self) -> None:
        mid = self.current_id()
        for w in (self.chart, self.detail):
            w.setVisible(mid is not None)
        for b in self._needs_metric:
            b.setEnabled(mid is not None)
        if mid is None:
            self.title.setText("No metrics yet")
            self.meta.setText("New Metric… adds one; Import CSV/Excel… makes one from a file. "
                              "Its observations then come from the form here or from more "
                              "imports.")
            self.edit_btn.setEnabled(False)
            return
        self.edit_btn.setEnabled(True)
        info = self.metrics.get(mid)
        self.title.setText(info.name)
        self.meta.setText("  ·  ".join(x for x in (info.unit, info.frequency, info.instrument,
                                                   info.source, info.description) if x))
        if self._loader is None:
            from thesis_desk.ui.tasks import TaskRunner

            self._loader = TaskRunner(self)
        self.chart.show_metric(self.metrics, self.alerts, mid, loader=self._loader,
                               rows=info.observations)
        obs = self.metrics.observations(mid, newest=TABLE_ROWS)
        rules = self.alerts.rules(mid)
        self.table.clear()
        for o in reversed(obs):
            item = QTreeWidgetItem([f"{o.date:%Y-%m-%d}", f"{o.value:g}", o.note,
                                    self._source_of(o)])
            for col in (2, 3):
                item.setToolTip(col, plain_tip(item.text(col)))
            self.table.addTopLevelItem(item)
        keep = self.selected_rule()
        self.rules.clear()
        for r in rules:
            tied = (pillar_choice_label(r.pillar_kind, r.pillar_text, r.thesis_title)
                    if r.pillar_id is not None else "(alert only)")
            state = ("disabled" if not r.enabled else "triggered" if r.triggered else "armed")
            item = QTreeWidgetItem([r.description, tied, state])
            item.setData(0, Qt.ItemDataRole.UserRole, r)
            item.setToolTip(0, plain_tip(r.description + (f"\n{r.note}" if r.note else "")))
            item.setToolTip(1, plain_tip(tied))
            item.setToolTip(2, plain_tip({
                "disabled": "Judges nothing until enabled again",
                "triggered": "The condition holds; it fires again once it has cleared",
                "armed": "Fires when the condition starts to hold"}[state]))
            self.rules.addTopLevelItem(item)
            if keep is not None and keep.id == r.id:
                item.setSelected(True)
        self._rule_selection()

    def edit_metric(self, *, new: bool) -> None:
        from thesis_desk.ui.forms import MetricDialog

        mid = None if new else self.current_id()
        existing = self.metrics.get(mid) if mid is not None else None
        saved: list[int] = []

        def submit(data: object) -> None:
            info = (self.metrics.update(mid, data) if mid is not None  # type: ignore[arg-type]
                    else self.metrics.create(data))  # type: ignore[arg-type]
            saved.append(info.id)

        if MetricDialog(submit, existing=existing, parent=self).exec() and saved:
            self.refresh(select_id=saved[0])
            self.changed.emit(Changes.of(METRIC, metrics=saved))

    def import_file(self, path: str | None = None) -> None:
        """Pick a CSV/Excel file and open the preview-and-map dialog."""
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from thesis_desk.ui.import_dialog import ObservationImportDialog, open_table

        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import Observations", "", "Tables (*.csv *.tsv *.txt *.xlsx *.xls)")
            if not path:
                return
        # into the metric on screen; with none, one named after the file (editable)
        current = (self.metrics.get(self.current_id()).name if self.current_id()
                   else Path(path).stem.replace("_", " ").strip())

        def refused(why: str) -> None:
            self.message.emit(why)
            self.obs_error.show_error(why)

        def opened(dlg: ObservationImportDialog) -> None:
            self.last_import_dialog = dlg
            if dlg.exec() and dlg.result:
                names = dlg.plan.metrics
                self.refresh(select_id=self.metrics.resolve(names[0]) if names else None)
                self.message.emit(f"Imported {dlg.result['imported']:,} observations.")
                if dlg.result["alerts"]:
                    self.fired.emit(list(dlg.result["alerts"]))
                self.changed.emit(Changes.of(METRIC, OBSERVATION,
                                             metrics=dlg.result["metric_ids"])
                                  | self._fired_changes(dlg.result["alerts"],
                                                        dlg.result["theses_changed"]))

        open_table(self, Path(path), lambda df: ObservationImportDialog(
            self.metrics, Path(path), metric=current, parent=self, df=df), opened, refused,
            streamable=True)

    def export_observations(self, path: str | None = None) -> str | None:
        from thesis_desk.core.exports import observations_frame
        from thesis_desk.ui.table_export import export_table

        mid = self.current_id()
        if mid is None:
            return None
        out = export_table(self, "Export Observations", self.title.text(),
                           lambda: observations_frame(self.metrics, mid), path=path)
        if out:
            self.message.emit(f"Observations exported to {out}")
        return out

    def save_chart(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from thesis_desk.ui.widgets import safe_file_name

        mid = self.current_id()
        if mid is None:
            return
        name = safe_file_name(self.title.text())
        path, _ = QFileDialog.getSaveFileName(self, "Save Chart", f"{name}.png", "PNG (*.png)")
        if path:
            self.chart.save_png(path)
            self.message.emit(f"Chart saved to {path}")

    def add_observation(self) -> None:
        mid = self.current_id()
        when = self.obs_date.value()
        if mid is None or when is None:
            self.obs_error.show_error("Choose a metric and a date.")
            return
        try:
            value = float(self.obs_value.text().replace(",", "").strip())
        except ValueError:
            self.obs_error.show_error(f"'{self.obs_value.text()}' is not a number.")
            return
        try:
            document_id = self._chosen_document()
        except ValueError as exc:
            self.obs_error.show_error(str(exc))
            return
        try:
            obs = self.metrics.observe(mid, when, value, note=self.obs_note.text(),
                                       replace=self.obs_replace.isChecked(),
                                       evidence_id=self.obs_evidence.currentData(),
                                       document_id=document_id)
        except ValidationError as exc:
            self.obs_error.show_error(" ".join(exc.errors.values()))
            return
        except UserError as exc:
            self.obs_error.show_error(str(exc))
            return
        self.obs_error.show_error("")
        self.obs_value.clear()
        self.obs_note.clear()
        self.obs_evidence.setCurrentIndex(0)
        self.obs_document.setCurrentIndex(0)
        self.refresh(select_id=mid)
        if obs.fired:
            self.fired.emit(list(obs.fired))
        self.changed.emit(Changes.of(OBSERVATION, metrics=[mid])
                          | self._fired_changes(obs.fired, obs.theses_changed))

    @staticmethod
    def _fired_changes(fired: Sequence[str], theses: Sequence[int]) -> Changes:
        return of_fired(theses) if fired else Changes()

    # -- rules

    def selected_rule(self) -> Any:
        items = self.rules.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _rule_selection(self) -> None:
        r = self.selected_rule()
        for b in (self.edit_rule_btn, self.enable_rule_btn, self.remove_rule_btn):
            b.setEnabled(r is not None)
        self.enable_rule_btn.setText("Enable" if r is not None and not r.enabled else "Disable")

    def _rules_menu(self, pos: Any) -> None:
        from PySide6.QtWidgets import QMenu

        item = self.rules.itemAt(pos)
        if item is not None:
            self.rules.setCurrentItem(item)
        r = self.selected_rule()
        menu = QMenu(self)
        menu.addAction("Add Rule…").triggered.connect(lambda: self.edit_rule(new=True))
        for text, slot in (("Edit…", lambda: self.edit_rule()),
                           ("Enable" if r is not None and not r.enabled else "Disable",
                            self.toggle_rule), ("Remove…", self.remove_rule)):
            act = menu.addAction(text)
            act.setEnabled(r is not None)
            act.triggered.connect(slot)
        menu.exec(self.rules.viewport().mapToGlobal(pos))

    def edit_rule(self, *, new: bool = False) -> None:
        """The rule form: a new rule on this metric, or the selected one."""
        from thesis_desk.ui.forms import RuleDialog

        mid = self.current_id()
        existing = None if new else self.selected_rule()
        if mid is None or (not new and existing is None):
            return

        def submit(data: Any) -> None:
            if existing is None:
                self.alerts.add_rule(data)
            else:
                self.alerts.update_rule(existing.id, data)

        dlg = RuleDialog(submit, metric_id=mid, metric_name=self.title.text(),
                         choices=self.alerts.pillar_choices(mid), existing=existing,
                         parent=self)
        if dlg.exec():
            self.refresh(select_id=mid)
            self.message.emit("Rule added." if existing is None else "Rule saved.")
            self.changed.emit(Changes.of(RULE, metrics=[mid]))

    def toggle_rule(self) -> None:
        r = self.selected_rule()
        if r is None:
            return
        done = "enabled" if not r.enabled else "disabled"
        self._rule_write(lambda: self.alerts.set_rule_enabled(r.id, not r.enabled),
                         f"Rule “{r.description}” {done}.")

    def remove_rule(self) -> None:
        from thesis_desk.ui.widgets import confirm

        r = self.selected_rule()
        if r is None:
            return
        if confirm(self, "Remove rule",
                   f"Remove the rule “{r.description}” of {r.metric_name}?\n\n"
                   "The alerts it fired leave the inbox; journal entries that name them stay. "
                   "To stop it for a while instead, Disable it.", yes="Remove"):
            self._rule_write(lambda: self.alerts.delete_rule(r.id),
                             f"Rule “{r.description}” removed.")

    def _rule_write(self, write: Any, done: str) -> None:
        try:
            write()
        except UserError as exc:
            self.rule_error.show_error(str(exc))
            return
        self.rule_error.show_error("")
        self.refresh(select_id=self.current_id())
        self.message.emit(done)
        # a removed rule takes its alerts with it
        self.changed.emit(Changes.of(RULE, ALERT, metrics=[self.current_id()]))
