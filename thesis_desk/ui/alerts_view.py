"""The alerts inbox: new alerts first; acknowledge, snooze, open the metric or its thesis.

Its own module (it lived in metrics_view.py, whose charts it does not use)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.changes import ALERT, Changes
from thesis_desk.ui.widgets import local_time, muted, plain_label

if TYPE_CHECKING:
    from thesis_desk.core.alerts import AlertService
    from thesis_desk.ui.session import WorkspaceSession


class AlertsView(QWidget):
    """The inbox: new alerts first; acknowledge, snooze, open the metric or its thesis."""

    changed = Signal(object)  # Changes
    open_metric = Signal(int)
    open_thesis = Signal(int)

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["State", "Fired", "Thesis", "Metric", "Alert"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setResizeContentsPrecision(200)  # widths from 200 rows, not 5,000
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
        self.tree.itemDoubleClicked.connect(lambda _i, _c: self._open_thesis())
        self.tree.itemSelectionChanged.connect(self._enable)
        row = QHBoxLayout()
        row.addStretch(1)
        for b in (self.open_metric_btn, self.open_thesis_btn, self.snooze_btn, self.ack_btn):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.empty)
        lay.addWidget(self.tree, 1)
        lay.addLayout(row)
        from thesis_desk.ui.ops import Reads, Slices

        self.reads = Reads(self, on_error=self._said)
        self._slices = Slices(self)
        self.refresh()

    @property
    def alerts(self) -> AlertService:
        return self.session.service("alerts")

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
        """The inbox a slice at a time (5,000 alerts: no stall); the selection kept."""
        keep = {i.data(0, Qt.ItemDataRole.UserRole) for i in self.tree.selectedItems()}
        self.tree.clear()
        self.empty.setVisible(not shown)

        def add(part: list) -> None:
            items = []
            for a in part:
                state = (f"snoozed until {local_time(a.snoozed_until)}" if a.snoozed_until
                         else a.state)
                theses = "; ".join(t for t in a.thesis_titles if t) or "(no thesis)"
                item = QTreeWidgetItem([state, local_time(a.fired_at), theses, a.metric_name,
                                        a.message])
                item.setData(0, Qt.ItemDataRole.UserRole, a.id)
                item.setData(1, Qt.ItemDataRole.UserRole, a.metric_id)
                item.setData(2, Qt.ItemDataRole.UserRole, list(a.thesis_ids))
                items.append(item)
            self.tree.addTopLevelItems(items)  # one insertion a slice
            for item in items:
                if item.data(0, Qt.ItemDataRole.UserRole) in keep:
                    item.setSelected(True)

        def done() -> None:
            self._enable()
            after()

        self._enable()
        self._slices.run(shown, add, done)

    def _enable(self) -> None:
        items = self.tree.selectedItems()
        for b in (self.ack_btn, self.snooze_btn, self.open_metric_btn):
            b.setEnabled(bool(items))
        self.open_thesis_btn.setEnabled(len(items) == 1)

    def _selected_ids(self) -> list[int]:
        return [i.data(0, Qt.ItemDataRole.UserRole) for i in self.tree.selectedItems()]

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
        items = self.tree.selectedItems()
        if items:
            self.open_metric.emit(items[0].data(1, Qt.ItemDataRole.UserRole))

    def _open_thesis(self) -> None:
        items = self.tree.selectedItems()
        theses = items[0].data(2, Qt.ItemDataRole.UserRole) if items else None
        if theses:
            self.open_thesis.emit(int(theses[0]))
        elif items:
            self.open_metric.emit(items[0].data(1, Qt.ItemDataRole.UserRole))
