"""A thesis's Conviction tab: conviction over time (from the journal) drawn with the
instrument's price and the dates evidence was filed, so a reader sees whether
conviction led the price or followed it.

Built the first time the tab is shown (it brings in pyqtgraph); read on a worker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout, QWidget

from thesis_desk.render.charts import EVIDENCE_PENS, SERIES_PEN, epoch, plot_widget, style_plot
from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import muted, plain_label

if TYPE_CHECKING:
    from thesis_desk.core.evidence import EvidenceService
    from thesis_desk.core.outcomes import OutcomeService
    from thesis_desk.core.portfolio import PortfolioService
    from thesis_desk.core.theses import ThesisService
    from thesis_desk.ui.session import WorkspaceSession

CONVICTION_PEN = (230, 120, 0)


@dataclass(frozen=True)
class ConvictionData:
    steps: tuple[tuple[float, float], ...]  # (UTC seconds, conviction) as a step line
    symbol: str  # the instrument whose price is drawn, "" when none has prices
    prices: tuple[tuple[float, float], ...]
    evidence: tuple[tuple[float, str], ...]  # (UTC seconds, stance)
    symbols: tuple[str, ...]  # the thesis's instruments


def _seconds(at: dt.datetime | dt.date) -> float:
    if isinstance(at, dt.datetime):
        return at.replace(tzinfo=dt.UTC).timestamp()  # journal times are naive UTC
    return epoch(at)


def conviction_data(theses: ThesisService, outcomes: OutcomeService, evidence: EvidenceService,
                    portfolio: PortfolioService, thesis_id: int,
                    now: dt.datetime | None = None) -> ConvictionData:
    """Everything the tab draws, read in one go (on a worker)."""
    history = outcomes.conviction_history(thesis_id)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    steps: list[tuple[float, float]] = []
    for n, (at, c) in enumerate(history):
        if n:
            steps.append((_seconds(at), float(history[n - 1][1])))
        steps.append((_seconds(at), float(c)))
    steps.append((_seconds(max(now, history[-1][0])), float(history[-1][1])))
    t = theses.get(thesis_id)
    symbol, prices = "", ()
    for sym in t.instruments:
        dates, values = portfolio.price_series(sym)
        if dates:
            symbol, prices = sym, tuple(zip(map(epoch, dates), values, strict=True))
            break
    marks = tuple((_seconds(e.observed_on or e.created_at), e.stance)
                  for e in evidence.for_thesis(thesis_id))
    return ConvictionData(tuple(steps), symbol, prices, marks, t.instruments)


class ConvictionTab(QWidget):
    theses: ThesisService = SessionService("theses")  # type: ignore[assignment]
    outcomes: OutcomeService = SessionService("outcomes")  # type: ignore[assignment]
    evidence: EvidenceService = SessionService("evidence")  # type: ignore[assignment]
    portfolio: PortfolioService = SessionService("portfolio")  # type: ignore[assignment]

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        from thesis_desk.render import load_pyqtgraph

        pg = load_pyqtgraph()

        from thesis_desk.ui.ops import Reads

        self.session = session
        self.reads = Reads(self)
        self.thesis_id: int | None = None
        self.data: ConvictionData | None = None
        self.caption = muted(plain_label(wrap=True))
        self.plot = plot_widget()
        style_plot(self.plot, self)
        item = self.plot.getPlotItem()
        item.setLabel("left", "Price")
        item.showAxis("right")
        item.getAxis("right").setLabel("Conviction")
        item.getAxis("right").setTextPen(CONVICTION_PEN)
        # conviction on a view box of its own, 0-100 on the right axis, sharing the dates
        self.conviction_box = pg.ViewBox()
        item.scene().addItem(self.conviction_box)
        item.getAxis("right").linkToView(self.conviction_box)
        self.conviction_box.setXLink(item)
        self.conviction_box.setYRange(0, 100, padding=0.02)
        self.conviction_box.setMouseEnabled(x=False, y=False)
        item.vb.sigResized.connect(self._sync_boxes)
        self.price = self.plot.plot([], [], pen=pg.mkPen(SERIES_PEN, width=1.5))
        self.conviction = pg.PlotDataItem([], [], pen=pg.mkPen(CONVICTION_PEN, width=2.5))
        self.conviction_box.addItem(self.conviction)
        self.marks = pg.ScatterPlotItem(size=12, symbol="t1")
        self.conviction_box.addItem(self.marks)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        lay.addWidget(self.caption)
        lay.addWidget(self.plot, 1)

    def _sync_boxes(self) -> None:
        vb = self.plot.getPlotItem().vb
        self.conviction_box.setGeometry(vb.sceneBoundingRect())
        self.conviction_box.linkedViewChanged(vb, self.conviction_box.XAxis)

    def show_thesis(self, thesis_id: int) -> None:
        self.thesis_id = thesis_id
        args = (self.theses, self.outcomes, self.evidence, self.portfolio, thesis_id)
        self.reads.query("conviction", lambda: conviction_data(*args), self._show)

    def _show(self, data: ConvictionData) -> None:
        import pyqtgraph as pg

        self.data = data
        self.conviction.setData([x for x, _ in data.steps], [y for _, y in data.steps])
        self.price.setData([x for x, _ in data.prices], [y for _, y in data.prices])
        self.marks.setData([{"pos": (x, 3), "brush": pg.mkBrush(*EVIDENCE_PENS.get(
            stance, EVIDENCE_PENS["context"])), "pen": None} for x, stance in data.evidence])
        xs = [x for part in (data.steps, data.prices, data.evidence) for x, _ in part]
        day = 86400.0
        self.plot.setXRange(min(xs) - 3 * day, max(xs) + 3 * day, padding=0.02)
        if data.prices:
            self.plot.enableAutoRange(axis="y")
        # no price series: no price scale either (0 to 1 read as prices)
        left = self.plot.getPlotItem().getAxis("left")
        left.setStyle(showValues=bool(data.prices))
        left.setLabel("Price" if data.prices else "Price (none imported)")
        moves = max(0, (len(data.steps) - 2) // 2)
        price = (f"against {data.symbol}'s price (blue, left axis)" if data.symbol else
                 "no price series for " + (", ".join(data.symbols) if data.symbols else
                                           "an instrument: give the thesis one")
                 + (" yet: import prices in the Portfolio area to compare" if data.symbols
                    else ""))
        self.caption.setText(
            f"Conviction (orange, right axis; {moves or 'no'} change{'s' if moves != 1 else ''}"
            f" in the journal), {price}. Triangles at the bottom: evidence by its date (green "
            "supports, red contradicts, grey context). Did conviction lead the price or "
            "follow it?")
