"""The Metrics area: metric list, a pyqtgraph chart, observations, rules.

pyqtgraph is imported when this view is first opened, never at start-up.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStringListModel, Qt, Signal
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

from thesis_desk.core.changes import (
    ALERT,
    JOURNAL,
    METRIC,
    OBSERVATION,
    PILLAR,
    RULE,
    THESIS,
    Changes,
    of_fired,
)
from thesis_desk.core.errors import UserError, ValidationError
from thesis_desk.ui.forms import pillar_choice_label
from thesis_desk.render.charts import chart_data
from thesis_desk.ui.metric_chart import MetricChart
from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import (
    FieldError,
    OptionalDateEdit,
    heading_label,
    muted,
    plain_label,
    plain_tip,
    plural,
)

if TYPE_CHECKING:
    from thesis_desk.core.alerts import AlertService
    from thesis_desk.core.metrics import MetricService
    from thesis_desk.core.records import MetricInfo, ObservationInfo, RuleInfo
    from thesis_desk.core.evidence import EvidenceService
    from thesis_desk.core.library import LibraryService
    from thesis_desk.ui.session import WorkspaceSession

TABLE_ROWS = 1000  # the observation table shows the latest ones; the chart shows all
ASYNC_ROWS = 200_000  # a longer series is read after the rest, its chart saying so


class MetricsView(QWidget):
    changed = Signal(object)  # Changes (see MainWindow.apply_changes)
    message = Signal(str)
    fired = Signal(list)  # messages of alerts that just fired

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self._evidence_docs: dict[int, int | None] = {}  # evidence id -> its document
        self._source_names: dict[tuple[str, int], str] = {}  # for the table's Source
        self._doc_ids: list[int | None] = []  # the document picker's rows
        self._doc_count = -1  # documents the picker holds (refilled when that changes)
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
        cells = [("&Date", self.obs_date), ("&Value", self.obs_value), ("N&ote", self.obs_note),
                 ("Evide&nce", self.obs_evidence), ("Docu&ment", self.obs_document)]
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

    # the session's services as they are now (a restore reopens the workspace), called
    # on the edits worker while the window paints
    metrics: MetricService = SessionService("metrics")  # type: ignore[assignment]
    alerts: AlertService = SessionService("alerts")  # type: ignore[assignment]
    evidence: EvidenceService = SessionService("evidence")  # type: ignore[assignment]
    library: LibraryService = SessionService("library")  # type: ignore[assignment]

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

    def show_current(self) -> None:
        """The chosen metric, read on the worker: its details, table and rules, and its
        chart with them unless the series is long (then read next, with a notice); the
        last metric shown stays until then, and a later choice wins."""
        mid = self.current_id()
        self.reads.forget("chart")
        for w in (self.chart, self.detail):
            w.setVisible(mid is not None)
        for b in self._needs_metric:
            b.setEnabled(mid is not None)
        if mid is None:
            self.reads.forget("metric")
            self.title.setText("No metrics yet")
            self.meta.setText("New Metric… adds one; Import CSV/Excel… makes one from a file. "
                              "Its observations then come from the form here or from more "
                              "imports.")
            self.edit_btn.setEnabled(False)
            return
        metrics, alerts = self.metrics, self.alerts

        def read() -> tuple:
            info = metrics.get(mid)
            chart = (chart_data(metrics, alerts, mid) if info.observations <= ASYNC_ROWS
                     else None)
            return (info, chart, metrics.observations(mid, newest=TABLE_ROWS),
                    alerts.rules(mid))

        self.reads.query("metric", read, lambda found: self._show_metric(mid, *found))

    def _show_metric(self, mid: int, info: MetricInfo, chart: tuple | None,
                     obs: list[ObservationInfo], rules: list[RuleInfo]) -> None:
        self.edit_btn.setEnabled(True)
        self.title.setText(info.name)
        self.meta.setText("  ·  ".join(x for x in (info.unit, info.frequency, info.instrument,
                                                   info.source, info.description) if x))
        if chart is not None:
            self.chart.show_series(*chart[:4], evidence=chart[4])
        else:  # a million observations take about a second to read
            self.chart.show_reading(info.observations)
            metrics, alerts = self.metrics, self.alerts
            self.reads.query("chart", lambda: chart_data(metrics, alerts, mid),
                             lambda c: self.chart.show_series(*c[:4], evidence=c[4]))
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

        raised: list[str] = []

        def submit(data: Any) -> None:
            if existing is None:
                made = self.alerts.add_rule(data, judge_history=dlg.judge_history.isChecked())
                raised.extend(made.history_alerts)
            else:
                self.alerts.update_rule(existing.id, data)

        dlg = RuleDialog(submit, metric_id=mid, metric_name=self.title.text(),
                         choices=self.alerts.pillar_choices(mid), existing=existing,
                         parent=self)
        if dlg.exec():
            self.refresh(select_id=mid)
            if existing is not None:
                self.message.emit("Rule saved.")
            elif dlg.judge_history.isChecked():
                self.message.emit(f"Rule added; its history raised "
                                  f"{plural(len(raised), 'alert', 'alerts')}.")
            else:
                self.message.emit("Rule added.")
            if raised:  # kill criteria among them change pillars, theses, journals
                self.changed.emit(Changes.of(RULE, ALERT, THESIS, PILLAR, JOURNAL,
                                             metrics=[mid]))
                self.fired.emit(raised)
            else:
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
