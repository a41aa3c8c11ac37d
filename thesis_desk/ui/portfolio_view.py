"""The Portfolio area: theses and their positions, conviction against weight, returns.

Built when first opened (it brings in pyqtgraph). Numbers come from PortfolioService;
where an instrument has no price on or before the date, cells say "no price".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.changes import METRIC, OBSERVATION, POSITION, PRICE, RULE, Changes
from thesis_desk.core.errors import UserError
from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import (
    OptionalDateEdit,
    PaintLater,
    confirm,
    muted,
    plain_label,
    plain_tip,
    reveal_in_turns,
    shorten,
)

if TYPE_CHECKING:
    from thesis_desk.core.metrics import MetricService
    from thesis_desk.core.portfolio import PortfolioService
    from thesis_desk.core.theses import ThesisService
    from thesis_desk.ui.session import WorkspaceSession

COLUMNS = ["Thesis / position", "Conviction", "Status", "Weight", "Return", "vs benchmark",
           "Days held", "Latest evidence", "Open alerts"]
MAX_CURVES = 10  # return curves and point labels: the largest holdings (500 are no chart)
EMPTY_HELP = (
    "No positions yet. A thesis is held through positions: Add Position… records one "
    "(instrument, long or short, quantity or weight, entry date and price), Import "
    "Holdings… reads a CSV/Excel file of them. Returns need prices: Import Prices… reads "
    "a price file (date and price columns; a symbol column for many instruments). The "
    "demo workspace has no holdings or prices: its seed articles state none."
)


def _pct(x: float | None, *, missing: str = "no price") -> str:
    return missing if x is None else f"{x * 100:+.1f}%"


def _holding_values(h: Any) -> list:
    """A thesis row's numbers behind its cells, in column order: what sorting compares."""
    return [h.title.lower(), h.conviction, h.status, h.weight, h.ret, h.excess_ret,
            h.days_held, h.latest_evidence.toordinal() if h.latest_evidence else None,
            h.open_alerts]


def _position_values(v: Any) -> list:
    return [None, None, None, v.weight, v.ret, v.excess_ret, v.days_held, None, None]


def _sort_key(value: Any) -> tuple:
    return (0, 0) if value is None else (1, value)  # cells without a number first


class PortfolioView(QWidget):
    changed = Signal(object)  # Changes
    message = Signal(str)
    open_thesis = Signal(int)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None, *,
                 settings: QSettings | None = None):
        super().__init__(parent)
        from thesis_desk.render import load_pyqtgraph

        pg = load_pyqtgraph()

        self.session, self.pg = session, pg
        self.settings = settings  # remembers the benchmark chosen
        self.as_of = OptionalDateEdit("")
        self.as_of.set_value(dt.date.today())
        self.as_of.edit.dateChanged.connect(lambda _d: self.refresh())
        self.as_of.check.toggled.connect(lambda _b: self.refresh())
        self.benchmark = QComboBox()
        self.benchmark.setToolTip("Returns are compared with this instrument's over the same "
                                  "days (its prices must be imported)")
        self.benchmark.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.benchmark.setMinimumContentsLength(10)
        self.benchmark.currentIndexChanged.connect(self._benchmark_chosen)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter theses…")
        self.filter.textChanged.connect(self._apply_filter)
        buttons = []
        for text, slot in (("Add Position…", self.add_position),
                           ("Edit…", self.edit_position), ("Remove…", self.remove_position),
                           ("Import Holdings…", self.import_holdings),
                           ("Import Prices…", self.import_prices),
                           ("Target/Stop…", self.set_targets), ("Refresh", self.refresh)):
            b = QPushButton(text)
            b.clicked.connect(lambda _c=False, f=slot: f())
            buttons.append(b)
        # these act on one position: on only while a position's line is selected
        self.position_buttons = [b for b in buttons
                                 if b.text() in ("Edit…", "Remove…", "Target/Stop…")]
        # what is shown on one row, what can be done on the next: one row of both left
        # the filter a few characters wide at 1280 px
        top = QHBoxLayout()
        top.addWidget(plain_label("As of"))
        top.addWidget(self.as_of)
        top.addWidget(plain_label("Benchmark"))
        top.addWidget(self.benchmark)
        top.addWidget(self.filter, 1)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for b in buttons:
            actions.addWidget(b)

        self.help = muted(plain_label(EMPTY_HELP, wrap=True))
        self.help.hide()  # until the holdings read says there are none
        self.total = muted(plain_label(wrap=True))
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        # Sorted here, by the numbers behind the cells, before the rows are made: Qt
        # sorting 2,000 theses called a Python comparison 10,000 times (40 ms a refresh).
        header = self.tree.header()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(3, Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(lambda _c, _o: self._show_rows())
        # the numbers fit their text; the thesis column takes the rest (long position
        # lines are cut, whole in their tooltip), so nothing scrolls sideways
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        # widths from the first 200 rows and one row height for all: a book of 2,000
        # theses otherwise measured every row again at each layout (140 ms a refresh)
        header.setResizeContentsPrecision(200)
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.itemSelectionChanged.connect(self._sync_buttons)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self._sync_buttons()

        from thesis_desk.render.charts import plot_widget, style_plot

        self.scatter_plot = plot_widget(title="Conviction against weight", dates=False)
        self.returns_plot = plot_widget(title="Return since the thesis opened")
        for plot in (self.scatter_plot, self.returns_plot):
            style_plot(plot, self)
        # "%" as it is: pyqtgraph's SI prefixes made 0.3% read "300 m%"
        self.scatter_plot.setLabel("bottom", "weight (%)")
        self.scatter_plot.setLabel("left", "conviction")
        self.returns_plot.setLabel("left", "return (%)")
        for plot, side in ((self.scatter_plot, "bottom"), (self.scatter_plot, "left"),
                           (self.returns_plot, "left")):
            plot.getAxis(side).enableAutoSIPrefix(False)  # no "(x0.001)" either
        self._title_colour = self.scatter_plot.getAxis("left").labelStyle.get("color")
        self.returns_plot.addLegend(offset=(8, 8))
        self.scatter = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(56, 132, 244, 200),
                                          hoverable=True)
        self.scatter.sigClicked.connect(self._point_clicked)
        self.scatter_plot.getViewBox().setDefaultPadding(0.2)  # room for the labels
        self.scatter_plot.addItem(self.scatter)
        self.scatter_labels: list[Any] = []
        self.return_curves: dict[int, Any] = {}
        # Painted first when drawn, one a turn: both charts' first paint in the view's
        # first frame held the GUI thread 70 ms; until then they keep their place, blank.
        self._charts = [PaintLater(self.scatter_plot), PaintLater(self.returns_plot)]

        charts = QSplitter(Qt.Orientation.Horizontal)
        for chart in self._charts:
            charts.addWidget(chart)
        table = QWidget()
        tl = QVBoxLayout(table)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.tree, 1)
        tl.addWidget(self.total)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(table)
        split.addWidget(charts)
        split.setSizes([360, 300])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(top)
        lay.addLayout(actions)
        lay.addWidget(self.help)
        lay.addWidget(split, 1)
        self.holdings: list[Any] = []
        from thesis_desk.ui.ops import Reads, Slices

        self.reads = Reads(self, on_error=self.message.emit)
        self._slices = Slices(self)
        self.refresh()

    # -- data

    # the session's services as they are now (a restore reopens the workspace), called
    # on the edits worker while the window paints
    portfolio: PortfolioService = SessionService("portfolio")  # type: ignore[assignment]
    theses: ThesisService = SessionService("theses")  # type: ignore[assignment]
    metrics: MetricService = SessionService("metrics")  # type: ignore[assignment]

    def _benchmark_chosen(self) -> None:
        if self.settings is not None:
            self.settings.setValue("portfolio/benchmark", self.benchmark.currentData() or "")
        self.refresh()

    def _fill_benchmarks(self, symbols: list[str], keep: str | None) -> None:
        self.benchmark.blockSignals(True)
        self.benchmark.clear()
        self.benchmark.addItem("none", None)
        for sym in symbols:
            self.benchmark.addItem(sym, sym)
        idx = self.benchmark.findData(keep)
        self.benchmark.setCurrentIndex(max(idx, 0))
        self.benchmark.blockSignals(False)

    def refresh(self) -> None:
        """Read the holdings (and the return series the chart draws) on the worker, then
        show them; the last state stays on screen meanwhile."""
        keep = self.benchmark.currentData()
        if keep is None and self.benchmark.count() == 0 and self.settings is not None:
            keep = str(self.settings.value("portfolio/benchmark", "")) or None
        as_of = self.as_of.value() or dt.date.today()
        portfolio = self.portfolio

        def read() -> tuple:
            symbols = portfolio.price_symbols()  # prices may have come from the CLI meanwhile
            bench = keep if keep in symbols else None
            holdings = portfolio.holdings(as_of, benchmark=bench)
            held = [h for h in holdings if h.positions]
            drawn = sorted((h for h in held if h.weight is not None),
                           key=lambda h: -(h.weight or 0))[:MAX_CURVES] or held[:MAX_CURVES]
            series = {h.thesis_id: portfolio.return_series(h.thesis_id, as_of) for h in drawn}
            return symbols, bench, holdings, series

        self.reads.query("holdings", read, lambda r: self._show(as_of, *r))

    def _show(self, as_of: dt.date, symbols: list[str], bench: str | None, holdings: list,
              series: dict) -> None:
        self._fill_benchmarks(symbols, bench)
        self.holdings = holdings
        held = [h for h in self.holdings if h.positions]
        self.help.setVisible(not held)
        self._show_rows(lambda: self._shown(as_of, held, series))

    def _show_rows(self, then: Callable[[], None] = lambda: None) -> None:
        """The table in the order its header asks for, a slice a turn."""
        header = self.tree.header()
        col, descending = (header.sortIndicatorSection(),
                           header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
        rows = sorted(self.holdings, key=lambda h: (_sort_key(_holding_values(h)[col]),
                                                     h.title.lower()), reverse=descending)
        self.tree.clear()
        self._slices.run(rows, lambda part: self._add_rows(part, col, descending),
                         lambda: (self._apply_filter(), then()))

    def _shown(self, as_of: dt.date, held: list, series: dict) -> None:
        self._show_total(held)
        self._draw(as_of, held, series)
        reveal_in_turns(self, self._charts)

    def _add_rows(self, part: list, col: int, descending: bool) -> None:
        """One slice of the table: a thesis row and its positions under it (sorted by
        column ``col`` too)."""
        items = []
        for h in part:
            item = QTreeWidgetItem([h.title, str(h.conviction), h.status,
                          "" if h.weight is None else f"{h.weight * 100:.1f}%",
                          _pct(h.ret) if h.positions else "",
                          _pct(h.excess_ret, missing="") if h.positions else "",
                          "" if h.days_held is None else str(h.days_held),
                          f"{h.latest_evidence:%Y-%m-%d}" if h.latest_evidence else "",
                          str(h.open_alerts) if h.open_alerts else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, ("thesis", h.thesis_id))
            for v in sorted(h.positions, key=lambda v: _sort_key(_position_values(v)[col]),
                            reverse=descending):
                p = v.position
                size = f"{p.quantity:g}" if p.quantity is not None else f"{p.weight * 100:g}% weight"
                price = ("no price on or before this date" if v.price is None
                         else f"last {v.price:g} on {v.price_date:%Y-%m-%d}")
                child = QTreeWidgetItem([f"{p.side} {p.symbol} {size} @ {p.entry_price:g} "
                               f"({p.entry_date:%Y-%m-%d})" + (" · closed" if v.closed else "")
                               + f" · {price}", "", "",
                               "" if v.weight is None else f"{v.weight * 100:.1f}%",
                               _pct(v.ret), _pct(v.excess_ret, missing=""),
                               str(v.days_held), "", ""])
                child.setData(0, Qt.ItemDataRole.UserRole, ("position", p.id))
                child.setToolTip(0, plain_tip(child.text(0)))
                item.addChild(child)
            items.append(item)
        self.tree.addTopLevelItems(items)
        for item in items:
            item.setExpanded(True)

    def _show_total(self, held: list[Any]) -> None:
        """The weights' total, and how positions by quantity and by weight combine."""
        self.total.setVisible(bool(held))
        total = sum(h.weight or 0.0 for h in held)
        bench = self.benchmark.currentData()
        self.total.setText(
            f"Total weight {total * 100:.1f}% of open positions. A position given by weight "
            "keeps that share; positions given by quantity share the rest by market value."
            + (f" “vs benchmark” is the return minus {bench}'s over the same days."
               if bench else " Choose a benchmark to see returns against it."))

    def _draw(self, as_of: dt.date, held: list[Any], series: dict) -> None:
        """The scatter of every held thesis; the return curves of the ``MAX_CURVES``
        largest (``series``: read with the holdings), so the chart stays legible."""
        pg = self.pg
        for label in self.scatter_labels:
            self.scatter_plot.removeItem(label)
        self.scatter_labels = []
        points = [h for h in held if h.weight is not None]
        self.scatter.setData([{"pos": (h.weight * 100, h.conviction), "data": h.thesis_id}
                              for h in points])
        empty = ": no prices for the positions yet" if held else ": no position yet"
        self.scatter_plot.setTitle("Conviction against weight" + ("" if points else empty),
                                   color=self._title_colour)
        if points:
            self.scatter_plot.enableAutoRange()
        else:  # the scales a point would land on, not 0 to 1
            self.scatter_plot.setXRange(0, 100, padding=0)
            self.scatter_plot.setYRange(0, 100, padding=0)
        # the largest holdings named beside their points (500 labels are no chart, and
        # made the Portfolio's first view stall 250 ms); every point opens its thesis
        for h in sorted(points, key=lambda h: -(h.weight or 0))[:MAX_CURVES]:
            # to the left of its point: the largest holdings are at the right edge
            label = pg.TextItem(shorten(h.title, 32),
                                anchor=(1, 1), color=self.palette().color(
                                    self.palette().ColorRole.Text))
            label.setPos(h.weight * 100, h.conviction)
            self.scatter_plot.addItem(label)
            self.scatter_labels.append(label)
        self.returns_plot.clear()
        self.returns_plot.addLegend(offset=(8, 8))
        self.return_curves = {}
        colours = [(56, 132, 244), (46, 160, 67), (218, 54, 51), (230, 160, 0), (140, 90, 200),
                   (0, 150, 160)]
        for n, h in enumerate(h for h in held if h.thesis_id in series):
            dates, rets = series[h.thesis_id]
            if not dates:
                continue
            import numpy as np

            from thesis_desk.render.charts import epoch_seconds

            curve = self.returns_plot.plot(epoch_seconds(dates), np.asarray(rets) * 100,
                                           pen=pg.mkPen(colours[n % len(colours)], width=2),
                                           name=shorten(h.title, 40))
            self.return_curves[h.thesis_id] = curve
        more = len(held) - len(self.return_curves)
        # short enough for half of a 1280-pixel window
        largest = f": {len(self.return_curves)} largest of {len(held)}" if more > 0 else ""
        self.returns_plot.setTitle("Return since opened" + (
            largest if self.return_curves else empty), color=self._title_colour)
        if self.return_curves:  # the range set while it was empty must not stay
            self.returns_plot.enableAutoRange()
        else:  # an empty date axis: the year to the as-of date,
            from thesis_desk.render.charts import epoch_seconds  # not fractions of 1970

            end = as_of or dt.date.today()
            span = epoch_seconds([end - dt.timedelta(days=365), end])
            self.returns_plot.setXRange(float(span[0]), float(span[1]), padding=0)
            self.returns_plot.setYRange(-20, 20, padding=0)  # returns, not 0 to 1

    def _apply_filter(self) -> None:
        needle = self.filter.text().strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            item.setHidden(bool(needle) and needle not in item.text(0).lower())

    # -- navigation

    def _point_clicked(self, _item: Any, points: Any, *_args: Any) -> None:
        if len(points):
            self.open_thesis.emit(int(points[0].data()))

    def _double_clicked(self, item: QTreeWidgetItem, _col: int) -> None:
        kind, ident = item.data(0, Qt.ItemDataRole.UserRole)
        if kind == "thesis":
            self.open_thesis.emit(ident)
        else:
            self.edit_position()

    def _context_menu(self, pos: Any) -> None:
        """A thesis's row: open it, add a position to it; a position's line: what the
        position buttons do."""
        item = self.tree.itemAt(pos)
        if item is None:
            return
        self.tree.setCurrentItem(item)
        kind, ident = item.data(0, Qt.ItemDataRole.UserRole)
        menu = QMenu(self)
        if kind == "thesis":
            menu.addAction("Open Thesis").triggered.connect(lambda: self.open_thesis.emit(ident))
            menu.addAction("Add Position…").triggered.connect(lambda: self.add_position(ident))
        else:
            for text, slot in (("Edit Position…", self.edit_position),
                               ("Set Target/Stop…", self.set_targets),
                               ("Remove Position…", self.remove_position)):
                menu.addAction(text).triggered.connect(lambda _c=False, f=slot: f())
        menu.exec(self.tree.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _selected(self) -> tuple[str, int] | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _sync_buttons(self) -> None:
        sel = self._selected()
        on = sel is not None and sel[0] == "position"
        for b in self.position_buttons:
            b.setEnabled(on)
            b.setToolTip("" if on else "Select a position first: a line under its thesis")

    def _selected_position(self, ask: str) -> Any:
        """The selected position's PositionInfo; else None, after saying ``ask``."""
        sel = self._selected()
        if sel is None or sel[0] != "position":
            self.message.emit(ask)
            return None
        return self.portfolio.get(sel[1])

    # -- edits

    def _theses(self) -> list[tuple[int, str]]:
        return [(t.id, t.title) for t in self.theses.list(include_archived=False)]

    def add_position(self, thesis_id: int | None = None) -> None:
        from thesis_desk.ui.forms import PositionDialog

        sel = self._selected()
        if thesis_id is None and sel is not None:
            thesis_id = sel[1] if sel[0] == "thesis" else self.portfolio.get(sel[1]).thesis_id
        if not self._theses():
            self.message.emit("Create a thesis first: positions belong to theses.")
            return
        dlg = PositionDialog(self.portfolio.add, self._theses(), thesis_id=thesis_id,
                             parent=self)
        if dlg.exec():
            self._changed("Position added.")

    def edit_position(self) -> None:
        from thesis_desk.ui.forms import PositionDialog

        existing = self._selected_position("Select a position to edit.")
        if existing is None:
            return
        dlg = PositionDialog(lambda data: self.portfolio.update(existing.id, data),
                             self._theses(), existing=existing, parent=self)
        if dlg.exec():
            self._changed("Position saved.")

    def remove_position(self) -> None:
        p = self._selected_position("Select a position to remove.")
        if p is None:
            return
        if confirm(self, "Remove Position", f"Remove the {p.side} {p.symbol} position from "
                   f"'{p.thesis_title}'? The journal keeps a note of it.", yes="Remove"):
            self.portfolio.delete(p.id)
            self._changed("Position removed.")

    def import_prices(self, path: str | None = None) -> None:
        from thesis_desk.ui.import_dialog import ObservationImportDialog, open_table

        path = path or QFileDialog.getOpenFileName(
            self, "Import Prices", "", "Tables (*.csv *.tsv *.txt *.xlsx *.xls)")[0]
        if not path:
            return

        def opened(dlg: ObservationImportDialog) -> None:
            self.last_dialog = dlg
            if dlg.exec() and dlg.result:
                self._changed(f"Imported {dlg.result['imported']:,} prices.")

        open_table(self, Path(path), lambda df: ObservationImportDialog(
            self.metrics, Path(path), parent=self, portfolio=self.portfolio, df=df),
            opened, self.message.emit, streamable=True)

    def import_holdings(self, path: str | None = None) -> None:
        from thesis_desk.ui.holdings_dialog import HoldingsImportDialog
        from thesis_desk.ui.import_dialog import open_table

        path = path or QFileDialog.getOpenFileName(
            self, "Import Holdings", "", "Tables (*.csv *.tsv *.txt *.xlsx *.xls)")[0]
        if not path:
            return
        if not self._theses():
            self.message.emit("Create a thesis first: positions belong to theses.")
            return

        def opened(dlg: HoldingsImportDialog) -> None:
            self.last_dialog = dlg
            if dlg.exec() and dlg.imported:
                self._changed(f"Imported {dlg.imported} positions.")

        open_table(self, Path(path), lambda df: HoldingsImportDialog(
            self.portfolio, Path(path), self._theses(), parent=self, df=df),
            opened, self.message.emit)

    def set_targets(self) -> None:
        p = self._selected_position("Select a position: its thesis and instrument get the rules.")
        if p is None:
            return
        text, ok = QInputDialog.getText(
            self, "Target and Stop", f"{p.symbol} for '{p.thesis_title}': target and stop "
            "prices, e.g. 120 95 (leave one as -)")
        if not ok:
            return
        parts = (text.replace(",", " ").split() + ["-", "-"])[:2]
        try:
            target, stop = (None if x == "-" else float(x) for x in parts)
            made = self.portfolio.set_targets(p.thesis_id, p.symbol, target=target, stop=stop)
        except (ValueError, UserError) as exc:
            self.message.emit(f"Not set: {exc}")
            return
        self._changed("Alert rules added: " + "; ".join(made))

    def _changed(self, message: str) -> None:
        self.refresh()
        self.message.emit(message)
        # positions, prices (metrics of kind price, with their observations) and the
        # target/stop rules on them
        self.changed.emit(Changes.of(POSITION, PRICE, METRIC, OBSERVATION, RULE))
