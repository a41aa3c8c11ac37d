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
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.changes import ALERT, Changes
from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import local_time, muted, plain_label, plain_tip

if TYPE_CHECKING:
    from thesis_desk.core.alerts import AlertService
    from thesis_desk.core.records import AlertInfo
    from thesis_desk.ui.session import WorkspaceSession

COLUMNS = ["State", "Fired", "Thesis", "Metric", "Alert"]


class AlertsModel(QAbstractTableModel):
    """The alerts as rows; a row's texts are made when the view first asks for them."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.alerts: list[AlertInfo] = []
        self._texts: dict[int, tuple[str, ...]] = {}

    def set_alerts(self, alerts: list[AlertInfo]) -> None:
        self.beginResetModel()
        self.alerts, self._texts = alerts, {}
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

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.model = AlertsModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # widths measured here from the texts (_fit_columns), not by the header asking the
        # model for every role of 200 rows at each layout: 10,000 calls, 50 ms
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        self.tree.setUniformRowHeights(True)
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
        self.open_thesis_btn.setToolTip("The thesis that tracks this metric (the first, if several do)")
        self.open_thesis_btn.clicked.connect(self._open_thesis)
        self.tree.doubleClicked.connect(lambda _i: self._open_thesis())
        self.tree.selectionModel().selectionChanged.connect(lambda _s, _d: self._enable())
        row = QHBoxLayout()
        row.addStretch(1)
        for b in (self.open_metric_btn, self.open_thesis_btn, self.snooze_btn, self.ack_btn):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.empty)
        lay.addWidget(self.tree, 1)
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

        def read() -> list:
            if write is not None:
                write()
            return sorted(alerts.alerts(), key=lambda a: a.state != "new")

        def show(shown: list) -> None:
            self._show(shown, after=(lambda: self.changed.emit(Changes.of(ALERT)))
                       if write is not None else (lambda: None))

        self.reads.query("write" if write else "list", read, show)

    def _show(self, shown: list, after: Callable[[], None] = lambda: None) -> None:
        """The inbox as read; the selection kept (by alert)."""
        keep = set(self._selected_ids())
        self.model.set_alerts(shown)
        self._fit_columns()
        self.empty.setVisible(not shown)
        if keep:
            chosen = QItemSelection()
            for row, a in enumerate(shown):
                if a.id in keep:
                    chosen.select(self.model.index(row, 0),
                                  self.model.index(row, len(COLUMNS) - 1))
            self.tree.selectionModel().select(chosen,
                                              QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._enable()
        after()

    def _fit_columns(self, sample: int = 200) -> None:
        """Each column but the last as wide as its widest text among the first rows (and
        its title); the alert's message takes the rest."""
        fm = self.tree.fontMetrics()
        rows = [self.model.texts(r) for r in range(min(sample, self.model.rowCount()))]
        pad = fm.horizontalAdvance("M") * 2
        for col in range(len(COLUMNS) - 1):
            widest = max((fm.horizontalAdvance(t[col]) for t in rows), default=0)
            self.tree.setColumnWidth(col, min(max(widest, fm.horizontalAdvance(COLUMNS[col]))
                                              + pad, fm.horizontalAdvance("M") * 40))

    def _selected(self) -> list[AlertInfo]:
        rows = sorted({i.row() for i in self.tree.selectionModel().selectedIndexes()})
        return [self.model.alerts[r] for r in rows if r < len(self.model.alerts)]

    def _enable(self) -> None:
        chosen = self._selected()
        for b in (self.ack_btn, self.snooze_btn, self.open_metric_btn):
            b.setEnabled(bool(chosen))
        self.open_thesis_btn.setEnabled(len(chosen) == 1)

    def _selected_ids(self) -> list[int]:
        return [a.id for a in self._selected()]

    def acknowledge(self) -> None:
        """Written on the worker in one transaction; the list shows it when read again."""
        ids, alerts = self._selected_ids(), self.alerts
        self.tree.clearSelection()
        self.refresh(write=lambda: alerts.acknowledge_many(ids))

    def snooze(self) -> None:
        from thesis_desk.core.timeutil import utcnow

        ids, alerts, until = self._selected_ids(), self.alerts, utcnow() + dt.timedelta(days=1)
        self.tree.clearSelection()
        self.refresh(write=lambda: alerts.snooze_many(ids, until))

    def _open_metric(self) -> None:
        chosen = self._selected()
        if chosen:
            self.open_metric.emit(chosen[0].metric_id)

    def _open_thesis(self) -> None:
        chosen = self._selected()
        if chosen and chosen[0].thesis_ids:
            self.open_thesis.emit(int(chosen[0].thesis_ids[0]))
        elif chosen:
            self.open_metric.emit(chosen[0].metric_id)
