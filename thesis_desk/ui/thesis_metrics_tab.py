"""A thesis's Metrics tab: the metrics it tracks, small charts side by side.

Built the first time the tab is shown (it brings in pyqtgraph)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.enums import EXPECTED_DIRECTIONS
from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import PaintLater, muted, plain_label, plural, reveal_in_turns

if TYPE_CHECKING:
    from thesis_desk.core.alerts import AlertService
    from thesis_desk.core.metrics import MetricService
    from thesis_desk.ui.session import WorkspaceSession

ARROWS = {"up": "expected to rise ↑", "down": "expected to fall ↓", "none": "watched"}


class ThesisMetricsTab(QWidget):
    changed = Signal(int)  # the metric linked

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.thesis_id: int | None = None
        self.charts: list = []
        self.summary = muted(plain_label(wrap=True))
        link = QPushButton("Link Metric…")
        link.clicked.connect(self.link_metric)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(link)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        lay.addLayout(top)
        lay.addWidget(scroll, 1)
        from thesis_desk.ui.ops import Reads, Slices

        self.reads = Reads(self)
        self._slices = Slices(self)

    metrics: MetricService = SessionService("metrics")  # type: ignore[assignment]
    alerts: AlertService = SessionService("alerts")  # type: ignore[assignment]

    def show_thesis(self, thesis_id: int) -> None:
        """Read the linked metrics and every chart's data on the worker, then draw them
        (the last charts stay until then)."""
        from thesis_desk.render.charts import chart_data

        self.thesis_id = thesis_id
        metrics, alerts = self.metrics, self.alerts

        def read() -> list:
            return [(info, direction, chart_data(metrics, alerts, info.id))
                    for info, direction in metrics.for_thesis(thesis_id)]

        self.reads.query("charts", read, self._show)

    def _show(self, linked: list) -> None:
        for chart in self.charts:
            chart.setParent(None)
            chart.deleteLater()
        self.charts = []
        self.summary.setText(
            f"{plural(len(linked), 'linked metric', 'linked metrics')}." if linked else
            "No metrics linked yet: Link Metric… ties one to this thesis, with the direction "
            "the thesis expects.")
        # one chart made a turn of the event loop (eight pyqtgraph plots at once held it
        # 200 ms), each behind a blank page until all are laid out (each new one resized,
        # and so repainted, all before it), then each painted in a turn of its own (the
        # four in view painted together held it 70 ms)
        self._held_back: list[PaintLater] = []
        self._slices.run(list(enumerate(linked)), self._add_charts,
                         lambda: reveal_in_turns(self, self._held_back), size=1)

    def _add_charts(self, part: list) -> None:
        from thesis_desk.ui.metric_chart import MetricChart

        for n, (info, direction, data) in part:
            box = QWidget()
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.addWidget(plain_label(f"{info.name} ({info.unit}) — {ARROWS.get(direction, '')}"
                                    if info.unit else f"{info.name} — {ARROWS.get(direction, '')}",
                                    wrap=True))
            chart = MetricChart()
            chart.setMinimumHeight(200)
            chart.show_series(*data[:4], evidence=data[4])
            held = PaintLater(chart)  # painted in a turn of its own, once all are laid out
            self._held_back.append(held)
            v.addWidget(held)
            self.charts.append(box)
            self.grid.addWidget(box, n // 2, n % 2)

    def link_metric(self) -> None:
        if self.thesis_id is None:
            return
        dlg = QDialog(self)
        dlg.setWindowTitle("Link Metric")
        metric = QComboBox()
        for m in self.metrics.list():
            metric.addItem(m.name, m.id)
        direction = QComboBox()
        for d in EXPECTED_DIRECTIONS:
            direction.addItem(ARROWS[d], d)
        form = QFormLayout(dlg)
        form.addRow("Metric", metric)
        form.addRow("The thesis expects it", direction)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dlg.accept)
        buttons.rejected.connect(dlg.reject)
        form.addRow(buttons)
        if metric.count() == 0:
            form.insertRow(0, plain_label("No metrics yet: add one in the Metrics area "
                                          "(New Metric… or Import CSV/Excel…).", wrap=True))
        if dlg.exec() and metric.currentData() is not None:
            self.metrics.link(self.thesis_id, metric.currentData(), direction.currentData())
            self.show_thesis(self.thesis_id)
            self.changed.emit(metric.currentData())
