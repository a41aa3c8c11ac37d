"""A metric's chart as a widget: the drawing (``render.charts.SeriesPlot``) with a notice
above it, a readout of the point under the mouse below, and tooltips on evidence lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from thesis_desk.core.errors import UserError
from thesis_desk.render.charts import SHORT_SERIES, SeriesPlot
from thesis_desk.ui.widgets import muted, plain_label, plain_tip, shorten

if TYPE_CHECKING:
    from thesis_desk.core.records import EvidenceMark


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

    @property
    def lines(self) -> list[Any]:
        """The rules' levels and the evidence dates drawn across the chart."""
        return self.drawing.lines

    def show_reading(self, rows: int) -> None:
        """An empty chart saying that a long series is being read."""
        self.show_series([], [], [], [])
        self.notice.setText(f"Reading {rows:,} observations…")
        self.notice.show()

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
