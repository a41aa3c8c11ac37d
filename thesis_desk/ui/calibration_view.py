"""Calibration: conviction at opening against what happened, over the closed theses.

Built the first time it is shown (the chart brings in pyqtgraph)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSplitter,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import flat_tree, heading_label, muted, plain_label, plain_tip

if TYPE_CHECKING:
    from thesis_desk.core.outcomes import OutcomeService
    from thesis_desk.core.records import Calibration
    from thesis_desk.ui.session import WorkspaceSession

OUTCOME_COLOURS = {"right": (46, 160, 67), "wrong": (218, 54, 51)}


def _pct(x: float | None, sign: bool = False) -> str:
    return "" if x is None else f"{x * 100:{'+' if sign else ''}.1f}%"


def summary_text(cal: Calibration) -> str:
    """The scores in one paragraph, as the view and its tests read them."""
    if not cal.theses:
        return ("No closed theses yet. Close a thesis with its outcome (Thesis > Close "
                "Thesis…): each one closed right or wrong is scored here, its conviction "
                "read as the probability it would turn out right.")
    if not cal.scored:
        return (f"{len(cal.theses)} closed, none scored yet: only theses closed right or "
                "wrong are scored (mixed outcomes are listed, not scored).")
    parts = [f"Brier score {cal.brier_open:.3f} at opening, {cal.brier_last:.3f} at the last "
             f"conviction before closing (0 is perfect; always saying 50 scores 0.250)",
             f"hit rate {_pct(cal.hit_rate)} over {cal.scored} scored of {len(cal.theses)} "
             "closed"]
    if cal.avg_return is not None:
        parts.append(f"average realised return {_pct(cal.avg_return, sign=True)}")
    if cal.median_days_held is not None:
        parts.append(f"median time held {cal.median_days_held:.0f} days")
    return "; ".join(parts) + "."


def chart_points(cal: Calibration) -> list[tuple[float, float, int, bool]]:
    """(predicted %, observed % right, theses, few) per band that has theses."""
    return [(b.mean_conviction, b.hit_rate * 100, b.count, b.few)  # type: ignore[operator]
            for b in cal.bands if b.count]


class CalibrationView(QWidget):
    open_thesis = Signal(int)
    changed = Signal(object)  # nothing is written here

    outcomes: OutcomeService | None = SessionService("outcomes")  # type: ignore[assignment]

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        from thesis_desk.ui.ops import Reads

        self.reads = Reads(self)
        self.calibration: Calibration | None = None
        self.summary = plain_label(wrap=True, selectable=True)
        self.plot = self._chart()
        self.bands = flat_tree(["Conviction", "Theses", "Right", "Hit rate", "Avg return",
                                "Note"], 5)
        self.theses = flat_tree(["Thesis", "Outcome", "Opened", "Closed", "Held",
                                 "Conv. at opening", "Last conv.", "Return"], 0)
        self.theses.itemDoubleClicked.connect(
            lambda item, _c: self.open_thesis.emit(item.data(0, Qt.ItemDataRole.UserRole)))
        note = muted(plain_label(
            "Bands by the conviction a thesis was opened with (first made active, else "
            "created). A band with fewer than 3 scored theses is drawn hollow: read it with "
            "care. Double-click a thesis to open it.", wrap=True))

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.plot)
        top.addWidget(self.bands)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([560, 440])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.theses)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        head = QHBoxLayout()
        head.addWidget(heading_label("Calibration", scale=1.1), 1)
        lay.addLayout(head)
        lay.addWidget(self.summary)
        lay.addWidget(note)
        lay.addWidget(split, 1)
        self.refresh()

    def _chart(self) -> Any:
        from thesis_desk.render import load_pyqtgraph

        pg = load_pyqtgraph()

        from thesis_desk.render.charts import plot_widget, style_plot

        plot = plot_widget(dates=False)
        style_plot(plot, self)
        plot.setLabel("bottom", "Conviction at opening (band average)", units="%")
        plot.setLabel("left", "Turned out right", units="%")
        plot.setXRange(-3, 103, padding=0)
        plot.setYRange(-4, 112, padding=0)  # room for the count above a point at 100%
        plot.setMouseEnabled(x=False, y=False)
        plot.setMinimumHeight(220)
        ideal = pg.PlotDataItem([0, 100], [0, 100],
                                pen=pg.mkPen((128, 128, 128), width=1, style=Qt.PenStyle.DashLine))
        plot.addItem(ideal)
        self.curve = pg.PlotDataItem([], [], pen=pg.mkPen((56, 132, 244), width=2))
        self.points = pg.ScatterPlotItem()
        plot.addItem(self.curve)
        plot.addItem(self.points)
        self.labels: list[Any] = []
        return plot

    def refresh(self) -> None:
        svc = self.outcomes
        if svc is not None:
            self.reads.query("calibration", svc.calibration, self._show)

    def _show(self, cal: Calibration) -> None:
        import pyqtgraph as pg

        self.calibration = cal
        self.summary.setText(summary_text(cal))
        pts = chart_points(cal)
        self.curve.setData([p[0] for p in pts], [p[1] for p in pts])
        blue = (56, 132, 244)
        self.points.setData([{
            "pos": (x, y), "size": 9 + min(n, 12) * 1.5,
            "brush": pg.mkBrush(*blue, 40) if few else pg.mkBrush(*blue),
            "pen": pg.mkPen(*blue, width=2)} for x, y, n, few in pts])
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        for x, y, n, _few in pts:
            label = pg.TextItem(f"n={n}", anchor=(0.5, 1.4),
                                color=self.palette().color(self.palette().ColorRole.Text))
            label.setPos(x, y)
            self.plot.addItem(label)
            self.labels.append(label)

        self.bands.clear()
        for b in cal.bands:
            item = QTreeWidgetItem([
                f"{b.low}–{b.high}", str(b.count), str(b.right), _pct(b.hit_rate),
                _pct(b.avg_return, sign=True), "few" if b.count and b.few else ""])
            item.setToolTip(5, "Fewer than 3 scored theses: read this band with care")
            self.bands.addTopLevelItem(item)
        self.theses.clear()
        for c in cal.theses:
            item = QTreeWidgetItem([
                c.title, (c.outcome or "not recorded").capitalize(), f"{c.opened_on:%Y-%m-%d}",
                f"{c.closed_on:%Y-%m-%d}" if c.closed_on else "",
                f"{c.days_held} d" if c.days_held is not None else "",
                str(c.conviction_open), str(c.conviction_last), _pct(c.realised_return, True)])
            item.setData(0, Qt.ItemDataRole.UserRole, c.thesis_id)
            item.setToolTip(0, plain_tip(c.title))
            colour = OUTCOME_COLOURS.get(c.outcome or "")
            if colour:
                from PySide6.QtGui import QColor

                item.setForeground(1, QColor(*colour))
            if not c.scored:
                item.setToolTip(1, "Not scored: only right and wrong outcomes are")
            self.theses.addTopLevelItem(item)
