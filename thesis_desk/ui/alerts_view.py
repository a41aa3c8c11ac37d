"""The alerts inbox: new alerts first; acknowledge, snooze, open the metric or its thesis.

A table model over the alerts read (``AlertsModel``): the view asks for the rows it
shows, so 5,000 alerts cost what the thirty on screen cost, not 5,000 widget items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.changes import ALERT, Changes
from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import local_time, muted, plain_label, plain_tip, plural

if TYPE_CHECKING:
    from thesis_desk.core.alerts import AlertService
    from thesis_desk.core.records import AlertInfo
    from thesis_desk.ui.session import WorkspaceSession

COLUMNS = ["State", "Fired", "Thesis", "Metric", "Alert"]
# the state filter's choices: (label, the states it shows; None: every one)
STATES = [("All alerts", None), ("New", {"new"}), ("Snoozed", {"snoozed"}),
          ("Acknowledged", {"acknowledged"})]


def searched_text(a: AlertInfo) -> str:
    """What the inbox's filter looks for its text in: metric, theses and message."""
    return "\n".join((a.metric_name, *a.thesis_titles, a.message)).casefold()


class AlertsModel(QAbstractTableModel):
    """The alerts as rows, those the filter lets through; a row's texts are made when
    the view first asks for them."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.every: list[AlertInfo] = []  # as read
        self.alerts: list[AlertInfo] = []  # as shown: the filter's
        self._texts: dict[int, tuple[str, ...]] = {}
        self._words: dict[int, str] = {}  # alert id -> what a filter's text is looked for in
        self._text, self._states = "", None

    def set_alerts(self, alerts: list[AlertInfo], words: dict[int, str] | None = None) -> None:
        """``words``: each alert's ``searched_text`` by its id, where the caller made them
        (on the worker that read the alerts: 48,000 of them are 60 ms, and their dict 17)."""
        self.every = alerts
        self._words = {} if words is None else words
        self._apply()

    def set_filter(self, text: str, states: set[str] | None) -> None:
        """Rows whose metric, thesis or message holds ``text`` (any case), in ``states``."""
        self._text, self._states = text.strip().casefold(), states
        self._apply()

    @property
    def filtered(self) -> bool:
        return bool(self._text) or self._states is not None

    def _apply(self) -> None:
        text, states = self._text, self._states
        shown = self.every if states is None else [a for a in self.every if a.state in states]
        if text:
            words = self._words
            if len(words) != len(self.every):  # not made by the reader
                words.update((a.id, searched_text(a)) for a in self.every)
            shown = [a for a in shown if text in words[a.id]]
        self.beginResetModel()
        self.alerts, self._texts = shown, {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.alerts)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def texts(self, row: int) -> tuple[str, ...]:
        found = self._texts.get(row)
        if found is None:
            a = self.alerts[row]
            state = (f"snoozed until {local_time(a.snoozed_until)}" if a.snoozed_until
                     else a.state) + (" · backfilled" if a.backfilled else "")
            theses = "; ".join(t for t in a.thesis_titles if t) or "(no thesis)"
            found = self._texts[row] = (state, local_time(a.fired_at), theses, a.metric_name,
                                        a.message)
        return found

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts(index.row())[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (2, 4):
            return plain_tip(self.texts(index.row())[index.column()])
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None


class AlertsView(QWidget):
    """The inbox: new alerts first; acknowledge, snooze, open the metric or its thesis."""

    changed = Signal(object)  # Changes
    open_metric = Signal(int)
    open_thesis = Signal(int)
    THESIS_TIP = "The thesis that tracks this metric (the first, if several do)"

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.model = AlertsModel(self)
        # A table, not a tree: a tree lays out every row when its model is reset, asking
        # Python twice a row (80 ms of the GUI thread for 48,787 alerts; a table: 8 ms)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        # widths measured here from the texts (_fit_columns), not by the header asking the
        # model for every role of 200 rows at each layout: 10,000 calls, 50 ms
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self.empty = muted(plain_label(
            "No alerts. An alert fires when an observation crosses one of a metric's rules "
            "(add rules below a metric's chart in the Metrics area); it is listed "
            "here, counted in the sidebar and announced in the system tray.", wrap=True))
        self.ack_btn = QPushButton("Acknowledge")
        self.ack_btn.setShortcut("Ctrl+K")
        self.ack_btn.setToolTip("Mark the selected alerts as read (Ctrl+K)")
        self.ack_btn.clicked.connect(self.acknowledge)
        self.snooze_btn = QPushButton("Snooze 1 Day")
        self.snooze_btn.setToolTip("Out of the unread count until this time tomorrow")
        self.snooze_btn.clicked.connect(self.snooze)
        self.open_metric_btn = QPushButton("Open Metric")
        self.open_metric_btn.clicked.connect(self._open_metric)
        self.open_thesis_btn = QPushButton("Open Thesis")
        self.open_thesis_btn.setToolTip(self.THESIS_TIP)
        self.open_thesis_btn.clicked.connect(self._open_thesis)
        self.table.doubleClicked.connect(lambda _i: self._open_chosen())
        self.table.selectionModel().selectionChanged.connect(lambda _s, _d: self._enable())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        # what is shown: a filter by text (metric, thesis, message) and by state
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by metric, thesis or alert text")
        self.filter.setClearButtonEnabled(True)
        self.state_filter = QComboBox()
        for label, _states in STATES:
            self.state_filter.addItem(label)
        self._typed = QTimer(self)  # a filter over thousands of alerts once typing pauses
        self._typed.setSingleShot(True)
        self._typed.setInterval(150)
        self._typed.timeout.connect(self._refilter)
        self.filter.textChanged.connect(lambda _t: self._typed.start())
        self.state_filter.currentIndexChanged.connect(lambda _i: self._refilter())
        self.count_label = muted(plain_label())
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.state_filter)
        row = QHBoxLayout()
        row.addWidget(self.count_label)
        row.addStretch(1)
        for b in (self.open_metric_btn, self.open_thesis_btn, self.snooze_btn, self.ack_btn):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.empty)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        from thesis_desk.ui.ops import Reads

        self.reads = Reads(self, on_error=self._said)
        self.refresh()

    alerts: AlertService = SessionService("alerts")  # type: ignore[assignment]

    def _said(self, message: str) -> None:
        if hasattr(self.window(), "statusBar"):
            self.window().statusBar().showMessage(message, 20000)

    def refresh(self, write: Callable[[], None] | None = None) -> None:
        """Read the alerts on the worker (after ``write``, when given, on the same
        worker), then show them; the last list stays meanwhile. A write is reported
        (``changed``) once it is done."""
        alerts = self.alerts

        def read() -> tuple[list, dict[int, str]]:
            if write is not None:
                write()
            found = sorted(alerts.alerts(), key=lambda a: a.state != "new")
            return found, {a.id: searched_text(a) for a in found}

        def show(read_: tuple[list, dict[int, str]]) -> None:
            self._show(*read_, after=(lambda: self.changed.emit(Changes.of(ALERT)))
                       if write is not None else (lambda: None))

        self.reads.query("write" if write else "list", read, show)

    def _show(self, shown: list, words: dict[int, str] | None = None,
              after: Callable[[], None] = lambda: None) -> None:
        """The inbox as read; the selection kept (by alert)."""
        keep = set(self._selected_ids())
        self.model.set_alerts(shown, words)
        self._fit_columns()
        self.empty.setVisible(not shown)
        self._reselect(keep)
        after()

    def _refilter(self) -> None:
        self._typed.stop()
        keep = set(self._selected_ids())
        self.model.set_filter(self.filter.text(),
                              STATES[max(self.state_filter.currentIndex(), 0)][1])
        self._reselect(keep)

    def _reselect(self, keep: set[int]) -> None:
        """The alerts ``keep`` selected again where shown; the counts and buttons."""
        if keep:
            chosen = QItemSelection()
            for row, a in enumerate(self.model.alerts):
                if a.id in keep:
                    chosen.select(self.model.index(row, 0),
                                  self.model.index(row, len(COLUMNS) - 1))
            self.table.selectionModel().select(chosen,
                                               QItemSelectionModel.SelectionFlag.ClearAndSelect)
        every, shown = self.model.every, self.model.alerts
        for w in (self.filter, self.state_filter):  # nothing to filter in an empty inbox
            w.setEnabled(bool(every))  # (hidden and shown, the list laid out its rows again)
        new = sum(1 for a in every if a.state == "new")
        counts = plural(len(every), "alert", "alerts") + f" · {new:,} new"
        self.count_label.setText(f"{len(shown):,} shown of {counts}" if self.model.filtered
                                 else counts if every else "")
        self._enable()

    def _context_menu(self, pos: QPoint) -> None:
        """What the buttons do, on the selection; the alert under the pointer becomes the
        selection when it was not in it."""
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row()):
            self.table.selectionModel().select(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        chosen = self._selected()
        menu = QMenu(self)
        for text, slot, enabled in (
                ("Open Thesis", self._open_thesis, self._one_with_thesis(chosen)),
                ("Open Metric", self._open_metric, bool(chosen)),
                (None, None, False),
                ("Acknowledge", self.acknowledge, bool(chosen)),
                ("Snooze 1 Day", self.snooze, bool(chosen)),
                (None, None, False),
                ("Select All Shown", self.table.selectAll, bool(self.model.alerts))):
            if text is None:
                menu.addSeparator()
                continue
            act = menu.addAction(text)
            act.setEnabled(enabled)
            act.triggered.connect(lambda _c=False, f=slot: f())
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _fit_columns(self, sample: int = 200) -> None:
        """Each column but the last as wide as its widest text among the first rows (and
        its title); the alert's message takes the rest."""
        fm = self.table.fontMetrics()
        rows = [self.model.texts(r) for r in range(min(sample, self.model.rowCount()))]
        pad = fm.horizontalAdvance("M") * 2
        for col in range(len(COLUMNS) - 1):
            widest = max((fm.horizontalAdvance(t[col]) for t in rows), default=0)
            self.table.setColumnWidth(col, min(max(widest, fm.horizontalAdvance(COLUMNS[col]))
                                               + pad, fm.horizontalAdvance("M") * 40))

    def _selected(self) -> list[AlertInfo]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()})
        return [self.model.alerts[r] for r in rows if r < len(self.model.alerts)]

    def _enable(self) -> None:
        chosen = self._selected()
        for b in (self.ack_btn, self.snooze_btn, self.open_metric_btn):
            b.setEnabled(bool(chosen))
        self.open_thesis_btn.setEnabled(self._one_with_thesis(chosen))
        self.open_thesis_btn.setToolTip(
            "No thesis tracks this metric: link it to one in the thesis's Metrics tab "
            "(Link Metric…)" if len(chosen) == 1 and not chosen[0].thesis_ids else
            self.THESIS_TIP)

    @staticmethod
    def _one_with_thesis(chosen: list[AlertInfo]) -> bool:
        return len(chosen) == 1 and bool(chosen[0].thesis_ids)

    def _selected_ids(self) -> list[int]:
        return [a.id for a in self._selected()]

    def acknowledge(self) -> None:
        """Written on the worker in one transaction; the list shows it when read again."""
        ids, alerts = self._selected_ids(), self.alerts
        self.table.clearSelection()
        self.refresh(write=lambda: alerts.acknowledge_many(ids))

    def snooze(self) -> None:
        from thesis_desk.core.timeutil import utcnow

        ids, alerts, until = self._selected_ids(), self.alerts, utcnow() + dt.timedelta(days=1)
        self.table.clearSelection()
        self.refresh(write=lambda: alerts.snooze_many(ids, until))

    def _open_metric(self) -> None:
        chosen = self._selected()
        if chosen:
            self.open_metric.emit(chosen[0].metric_id)

    def _open_thesis(self) -> None:
        chosen = self._selected()
        if self._one_with_thesis(chosen):
            self.open_thesis.emit(int(chosen[0].thesis_ids[0]))

    def _open_chosen(self) -> None:
        """A double-click: the alert's thesis, or its metric where no thesis tracks it."""
        chosen = self._selected()
        if chosen and chosen[0].thesis_ids:
            self.open_thesis.emit(int(chosen[0].thesis_ids[0]))
        elif chosen:
            self.open_metric.emit(chosen[0].metric_id)
