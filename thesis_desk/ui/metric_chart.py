"""A metric's chart as a widget: the drawing (``render.charts.SeriesPlot``) with a notice
above it, a readout of the point under the mouse below, and tooltips on evidence lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from thesis_desk.core.errors import UserError
from thesis_desk.render.charts import SHORT_SERIES, SeriesPlot, chart_data
from thesis_desk.ui.widgets import muted, plain_label, plain_tip, shorten

if TYPE_CHECKING:
    from thesis_desk.core.alerts import AlertService
    from thesis_desk.core.metrics import MetricService
    from thesis_desk.core.records import EvidenceMark
    from thesis_desk.ui.tasks import TaskRunner

ASYNC_ROWS = 200_000  # longer series are read off the GUI thread (see show_metric)


class MetricChart(QWidget):
    """A metric's series on a date axis, threshold lines of its rules, alert markers."""

    def __init__(self, parent: QWidget | None = None, *, for_print: bool = False):
        super().__init__(parent)
        self.drawing = SeriesPlot(self, for_print=for_print)
        self.plot = self.drawing.widget
        self.curve, self.markers = self.drawing.curve, self.drawing.markers
        self.evidence_dates: list[dt.date] = []
        self.readout = muted(plain_label())
        self.notice = plain_label(wrap=True)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.notice)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.readout)
        self._wanted: int | None = None

    @property
    def lines(self) -> list[Any]:
        """The rules' levels and the evidence dates drawn across the chart."""
        return self.drawing.lines

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
        self.drawing.draw(dates, values, thresholds, alert_dates, evidence)
        for line, mark in self.drawing.evidence_lines:
            line.setToolTip(plain_tip(f"{mark.date:%Y-%m-%d} · {mark.stance}: "
                                      f"{shorten(mark.quote, 200)}"))
        self.evidence_dates = [m.date for m in evidence]
        n = len(self.drawing.ys)
        if n < SHORT_SERIES:
            self.notice.setText(
                f"{n} observation{'s' if n != 1 else ''}: too few to draw a "
                "trend yet. Add observations in the Metrics area (the form below the chart, "
                "or Import CSV/Excel…).")
            self.notice.show()
        else:
            self.notice.hide()

    def _hover(self, pos: Any) -> None:
        found = self.drawing.nearest(pos)
        if found is not None:
            self.readout.setText(f"{found[0]:%Y-%m-%d}: {found[1]:g}")

    def save_png(self, path: str) -> None:
        if not self.drawing.image(1600).save(path, "PNG"):
            raise UserError(f"Could not write {path}: the folder is not writable or the disk "
                            "is full. Choose another place.")
