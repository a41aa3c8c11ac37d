"""The Theses area: a filterable list on the left, the selected thesis on the right."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.changes import EVIDENCE, JOURNAL, METRIC, PILLAR, THESIS, Changes
from thesis_desk.core.enums import PREMORTEM_REASON, STATUSES
from thesis_desk.core.errors import UserError
from thesis_desk.ui.thesis_model import ID_ROLE, ThesisFilterModel, ThesisTableModel
if TYPE_CHECKING:  # the records load with the services, after the first paint
    from thesis_desk.core.comments import CommentService
    from thesis_desk.core.evidence import EvidenceService
    from thesis_desk.core.outcomes import OutcomeService
    from thesis_desk.core.records import (
        Balance,
        EvidenceInfo,
        EvidenceInput,
        JournalInfo,
        PillarInfo,
        PillarInput,
        ThesisDetail,
        ThesisInput,
    )
    from thesis_desk.core.summary import ThesisSummary
    from thesis_desk.core.theses import ThesisService
    from thesis_desk.ui.session import WorkspaceSession

# Forms and undo commands load on first use (start-up time: see ui/main.py).

from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import (
    DetailPane,
    SafeTextBrowser,
    confirm,
    heading_label,
    local_time,
    muted,
    plain_label,
    plain_tip,
    plural,
    shorten,
)

STATE_COLOURS = {  # translucent, so they read on light and dark palettes alike
    "intact": QColor(46, 160, 67, 60),
    "at_risk": QColor(230, 160, 0, 80),
    "broken": QColor(218, 54, 51, 90),
    "confirmed": QColor(56, 132, 244, 70),
}


def review_due_text(t: ThesisDetail, today: dt.date | None = None) -> str:
    """"Review due in 12 days" / "Review overdue by 3 days" for the thesis header."""
    every = t.review_interval
    if every is None or t.archived:
        return ""
    today = today or dt.date.today()
    due = (t.reviewed_at or t.created_at).date() + dt.timedelta(days=every)
    days = (due - today).days
    if days > 0:
        return f"Review due in {plural(days, 'day', 'days')}"
    return ("Review due today" if days == 0
            else f"Review overdue by {plural(-days, 'day', 'days')}")


def outcome_text(t: ThesisDetail) -> str:
    """A closed thesis's outcome and post-mortem, as its header shows them."""
    if t.outcome is None:
        return ("Closed without an outcome recorded (closed before outcomes were kept): "
                "reopen it and close it again to score it.")
    head = f"Closed {t.closed_on:%Y-%m-%d} · {t.outcome.upper()}" if t.closed_on else t.outcome
    if t.realised_return is not None:
        head += f" · realised return {t.realised_return * 100:+.1f}%"
    lines = [head]
    for label, text in (("What happened", t.postmortem_happened),
                        ("What we missed", t.postmortem_missed),
                        ("Would do again", t.postmortem_again)):
        if text:
            lines.append(f"{label}: {text}")
    return "\n".join(lines)


class ThesisDetailPanel(QWidget):
    """One thesis: header, Overview (claim, narrative, pillars) and Journal tabs."""

    edit_requested = Signal()
    archive_requested = Signal()
    export_requested = Signal()
    review_requested = Signal()
    close_requested = Signal()  # Close… or, for a closed thesis, Reopen…
    premortem_requested = Signal()
    add_pillar_requested = Signal()
    edit_pillar_requested = Signal(object)  # PillarInfo
    remove_pillar_requested = Signal(object)  # PillarInfo

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.thesis: ThesisDetail | None = None
        self.title = heading_label()
        self.meta = muted(plain_label(wrap=True))
        self.flag = plain_label(wrap=True)
        self.flag.setStyleSheet("background: rgba(218,54,51,0.18); padding: 4px; border-radius: 3px;")
        self.edit_btn = QPushButton("Edit…")
        self.edit_btn.clicked.connect(self.edit_requested)
        self.archive_btn = QPushButton("Archive…")
        self.archive_btn.clicked.connect(self.archive_requested)
        self.export_btn = QPushButton("Export Memo…")
        self.export_btn.setToolTip("The thesis as a PDF or Markdown memo (Ctrl+P)")
        self.export_btn.clicked.connect(self.export_requested)
        self.review_btn = QPushButton("Review…")
        self.review_btn.setToolTip("Reaffirm or change the conviction and pillar states, with "
                                   "a note (Ctrl+R)")
        self.review_btn.clicked.connect(self.review_requested)
        self.close_btn = QPushButton("Close…")
        self.close_btn.clicked.connect(self.close_requested)
        self.outcome = plain_label(wrap=True, selectable=True)
        self.outcome.setStyleSheet("background: rgba(56,132,244,0.14); padding: 4px; "
                                   "border-radius: 3px;")

        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.meta)
        head.addLayout(titles, 1)
        for b in (self.review_btn, self.export_btn, self.edit_btn, self.close_btn,
                  self.archive_btn):
            head.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._overview(), "Overview")
        from thesis_desk.ui.evidence_tab import EvidenceTab

        self.evidence = EvidenceTab()
        self.tabs.addTab(self.evidence, "Evidence")
        self.metrics_tab = None  # built on first view (pyqtgraph); see ThesesView
        self.tabs.addTab(QWidget(), "Metrics")
        self.journal = QTreeWidget()
        self.journal.setHeaderLabels(["When", "What", "Change", "Reason", "By"])
        self.journal.setRootIsDecorated(False)
        self.journal.setAlternatingRowColors(True)
        self.journal.setUniformRowHeights(True)
        jh = self.journal.header()
        jh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # a long change or reason is cut to its column (whole in the pane below)
        jh.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        jh.resizeSection(2, self.fontMetrics().horizontalAdvance("M") * 18)
        jh.setStretchLastSection(True)
        self.journal.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.journal_detail = DetailPane("Select an entry to read its change and reason whole.")
        self.journal.itemSelectionChanged.connect(self._journal_selection)
        journal_page = QSplitter(Qt.Orientation.Vertical)
        journal_page.addWidget(self.journal)
        journal_page.addWidget(self.journal_detail)
        journal_page.setStretchFactor(0, 4)
        journal_page.setChildrenCollapsible(False)
        self.tabs.addTab(journal_page, "Journal")
        self.conviction_tab = None  # built on first view (pyqtgraph); see ThesesView
        self.conviction_page = QWidget()
        self.tabs.addTab(self.conviction_page, "Conviction")
        self.tabs.setTabToolTip(4, "Conviction over time against the price and the evidence")
        from thesis_desk.ui.discussion_tab import DiscussionTab

        self.discussion = DiscussionTab()
        self.tabs.addTab(self.discussion, "Discussion")
        self.suggestions_tab = None  # built on first view; see ThesesView
        self.suggestions_page = QWidget()
        self.tabs.addTab(self.suggestions_page, "Suggested")
        self.tabs.setTabToolTip(6, "Passages of the library that likely bear on the pillars, "
                                   "to file or dismiss")

        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addWidget(self.flag)
        lay.addWidget(self.outcome)
        lay.addWidget(self.tabs, 1)

    def _overview(self) -> QWidget:
        page = QWidget()
        self.claim = plain_label(wrap=True, selectable=True)
        f = self.claim.font()
        f.setItalic(True)
        f.setPointSizeF(f.pointSizeF() * 1.1)
        self.claim.setFont(f)
        self.narrative = SafeTextBrowser()
        self.narrative.setMinimumHeight(120)
        self.pillars = QTreeWidget()
        self.pillars.setHeaderLabels(["Kind", "Statement", "State", "Due", "Evidence"])
        self.pillars.setRootIsDecorated(False)
        self.pillars.setWordWrap(True)
        hdr = self.pillars.header()
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hdr.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hdr.setStretchLastSection(False)
        self.pillars.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.pillar_detail = DetailPane("Select a pillar to read its whole statement.")
        self.pillars.itemDoubleClicked.connect(lambda *_: self._emit_pillar(self.edit_pillar_requested))
        self.pillars.itemSelectionChanged.connect(self._pillar_selection)

        add = QPushButton("Add…")
        add.setToolTip("Add a pillar, kill criterion, catalyst or risk")
        add.clicked.connect(self.add_pillar_requested)
        self.edit_pillar_btn = QPushButton("Edit…")
        self.edit_pillar_btn.clicked.connect(lambda: self._emit_pillar(self.edit_pillar_requested))
        self.remove_pillar_btn = QPushButton("Remove…")
        self.remove_pillar_btn.clicked.connect(
            lambda: self._emit_pillar(self.remove_pillar_requested)
        )
        premortem = QPushButton("Pre-mortem…")
        premortem.setToolTip("A year from now this thesis failed: why? Each answer becomes "
                             "a risk")
        premortem.clicked.connect(self.premortem_requested)
        buttons = QHBoxLayout()
        pl = QLabel("<b>Pillars</b>")
        pl.setToolTip("Pillars, kill criteria, catalysts and risks")
        buttons.addWidget(pl)
        buttons.addStretch(1)
        for b in (premortem, add, self.edit_pillar_btn, self.remove_pillar_btn):
            buttons.addWidget(b)

        splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.claim)
        tl.addWidget(self.narrative, 1)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addLayout(buttons)
        bl.addWidget(self.pillars, 1)
        bl.addWidget(self.pillar_detail)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 6, 0, 0)
        lay.addWidget(splitter)
        self._pillar_selection()
        return page

    def selected_pillar(self) -> PillarInfo | None:
        items = self.pillars.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _emit_pillar(self, signal: Signal) -> None:
        p = self.selected_pillar()
        if p is not None:
            signal.emit(p)  # type: ignore[attr-defined]

    def _journal_selection(self) -> None:
        items = self.journal.selectedItems()
        self.journal_detail.show_text(items[0].data(0, Qt.ItemDataRole.UserRole)
                                      if items else None)

    def _pillar_selection(self) -> None:
        p = self.selected_pillar()
        self.pillar_detail.show_text(
            None if p is None else f"{p.kind_label} · {p.state_label}"
            + (f" · due {p.due_date:%Y-%m-%d}" if p.due_date else "") + f"\n{p.text}")
        has = p is not None
        self.edit_pillar_btn.setEnabled(has)
        self.remove_pillar_btn.setEnabled(has)

    def show_thesis(self, t: ThesisDetail, journal: list[JournalInfo],
                    evidence: list[EvidenceInfo] | None = None,
                    balance: Balance | None = None,
                    comments: list | None = None) -> None:
        self.thesis = t
        self.title.setText(t.title)
        parts = [t.direction.capitalize(), t.status.capitalize(), f"Conviction {t.conviction}/100"]
        due = review_due_text(t)
        if due:
            parts.append(due)
        if t.horizon:
            parts.append(f"Horizon {t.horizon:%Y-%m-%d}")
        if t.instruments:
            parts.append(", ".join(t.instruments))
        if t.tags:
            parts.append("#" + " #".join(t.tags))
        if t.archived:
            parts.append("ARCHIVED")
        if t.author:  # a team workspace: the analyst who wrote it
            parts.append(f"by {t.author}")
        if t.visibility == "private":
            parts.append("PRIVATE (only its author sees it)")
        self.meta.setText("  ·  ".join(parts))
        self.flag.setText("⚑ A kill criterion of this thesis has fired: review its pillars.")
        self.flag.setVisible(t.flagged)
        self.archive_btn.setText("Restore" if t.archived else "Archive…")
        closed = t.status == "closed"
        self.close_btn.setText("Reopen…" if closed else "Close…")
        self.close_btn.setToolTip("Reopen the thesis (its outcome is cleared, the journal "
                                  "keeps it)" if closed else
                                  "Close the thesis with its outcome and a post-mortem")
        self.review_btn.setEnabled(not closed)
        self.outcome.setText(outcome_text(t))
        self.outcome.setVisible(closed)
        self.claim.setText(t.claim or "No claim yet: say the thesis in one sentence (Edit…).")
        self.narrative.set_markdown(t.narrative or "*No narrative yet.*")

        selected = self.selected_pillar()
        self.pillars.clear()
        for p in t.pillars:
            item = QTreeWidgetItem(
                [p.kind_label, p.text, p.state_label,
                 f"{p.due_date:%Y-%m-%d}" if p.due_date else "", ""]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, p)
            item.setToolTip(1, plain_tip(p.text))
            item.setBackground(2, QBrush(STATE_COLOURS.get(p.state, QColor(0, 0, 0, 0))))
            self.pillars.addTopLevelItem(item)
            if selected is not None and selected.id == p.id:
                item.setSelected(True)
        self._pillar_selection()

        if evidence is not None and balance is not None:
            self.evidence.show_evidence(evidence, balance, t.pillars)
            self.tabs.setTabText(1, f"Evidence ({len(evidence)})")
            for n, p in enumerate(t.pillars):
                for_, against = balance.by_pillar.get(p.id, (0, 0))
                if for_ or against:
                    self.pillars.topLevelItem(n).setText(4, f"+{for_} / −{against}")

        if comments is not None:
            self.discussion.show_comments(comments)
            self.tabs.setTabText(5, f"Discussion ({len(comments)})" if comments
                                 else "Discussion")

        from thesis_desk.core.records import describe

        self.journal.clear()
        # who made each change: a team workspace's analysts (a local one has no authors)
        self.journal.setColumnHidden(4, not any(e.author for e in journal))
        for e in journal:
            what, change = describe(e)
            item = QTreeWidgetItem([local_time(e.at), what, change, e.reason, e.author])
            item.setData(0, Qt.ItemDataRole.UserRole,
                         f"{local_time(e.at)} · {what}" + (f" · {e.author}" if e.author else "")
                         + f"\n{change}" + (f"\nReason: {e.reason}" if e.reason else ""))
            item.setToolTip(2, plain_tip(change))
            item.setToolTip(3, plain_tip(e.reason))
            self.journal.addTopLevelItem(item)


class ThesesView(QWidget):
    """List + detail. Every edit goes through an undoable command calling the service."""

    changed = Signal(object)  # Changes: what an edit here touched (see MainWindow.apply_changes)
    message = Signal(str)
    open_passage = Signal(object)  # EvidenceInfo: show it in the Library reader
    export_requested = Signal()  # the thesis panel's Export Memo…
    shown = Signal(object)  # the ThesisDetail now shown on the right, or None

    def __init__(self, session: WorkspaceSession, undo_stack: QUndoStack,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.undo_stack = undo_stack
        from thesis_desk.ui.ops import Reads

        self.reads = Reads(self, on_error=self._read_failed)
        session.opened.connect(lambda _ws: self.reload())

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles and claims  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All statuses", "")
        for s in STATUSES:
            self.status_filter.addItem(s.capitalize(), s)
        self.instrument_filter = QComboBox()
        self.tag_filter = QComboBox()
        for box in (self.status_filter, self.instrument_filter, self.tag_filter):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)

        self.model = ThesisTableModel(self)
        self.proxy = ThesisFilterModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # The source model arrives sorted by last change; show that order until a header
        # is clicked (sorting is done by the source model, see ThesisFilterModel.sort).
        self.table.horizontalHeader().setSortIndicator(5, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        hdr = self.table.horizontalHeader()
        # Fixed widths from the font, not ResizeToContents: that measures every row.
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hdr.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        fm = self.table.fontMetrics()
        for col, sample in ((1, "validated"), (2, "Conv."), (3, "short"),
                            (4, "9988.HK, BABA"), (5, "2026-12-31")):
            hdr.resizeSection(col, fm.horizontalAdvance(sample) + 18)
        self.table.hideColumn(3)  # direction: shown in the thesis header
        self.table.hideColumn(4)  # instruments: in the header too, and a filter above
        hdr.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        hdr.customContextMenuRequested.connect(self._columns_menu)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _i: self.edit_current())

        self.count_label = muted(plain_label())
        filters = QHBoxLayout()
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.instrument_filter, 1)
        filters.addWidget(self.tag_filter, 1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.search)
        ll.addLayout(filters)
        ll.addWidget(self.table, 1)
        ll.addWidget(self.count_label)

        # the thesis panel is made when a thesis is first shown (``detail``): the window's
        # first paint, with no thesis chosen yet, need not wait the 16 ms it takes
        self._detail: ThesisDetailPanel | None = None
        self.empty = self._empty_page()
        self.right = QStackedWidget()
        self.right.addWidget(self.empty)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        # the list needs the width of a title, the detail is where a thesis is read
        self.splitter.setSizes([420, 840])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.splitter)

        self.search.textChanged.connect(lambda t: self._filter(text=t))
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self._filter(status=self.status_filter.currentData())
        )
        self.instrument_filter.currentIndexChanged.connect(
            lambda _i: self._filter(instrument=self.instrument_filter.currentData() or "")
        )
        self.tag_filter.currentIndexChanged.connect(
            lambda _i: self._filter(tag=self.tag_filter.currentData() or "")
        )

    def _columns_menu(self, pos: object) -> None:
        """Right-click on the list's header: show or hide its columns (remembered)."""
        from PySide6.QtWidgets import QMenu

        hdr = self.table.horizontalHeader()
        menu = QMenu(self)
        for col in range(1, self.model.columnCount()):
            name = self.model.headerData(col, Qt.Orientation.Horizontal)
            act = menu.addAction(str(name))
            act.setCheckable(True)
            act.setChecked(not hdr.isSectionHidden(col))
            act.toggled.connect(lambda on, c=col: hdr.setSectionHidden(c, not on))
        menu.exec(hdr.mapToGlobal(pos))  # type: ignore[arg-type]

    def _empty_page(self) -> QWidget:
        page = QWidget()
        self.empty_text = muted(plain_label(wrap=True))
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        new = QPushButton("New Thesis…")
        new.clicked.connect(self.new_thesis)
        lay = QVBoxLayout(page)
        lay.addStretch(1)
        lay.addWidget(self.empty_text)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(new)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(2)
        return page

    # -- data

    @property
    def detail(self) -> ThesisDetailPanel:
        """The panel showing a thesis, made the first time it is asked for."""
        if self._detail is None:
            d = self._detail = ThesisDetailPanel()
            d.edit_requested.connect(self.edit_current)
            d.archive_requested.connect(self.archive_current)
            d.add_pillar_requested.connect(self.add_pillar)
            d.edit_pillar_requested.connect(self.edit_pillar)
            d.remove_pillar_requested.connect(self.remove_pillar)
            d.export_requested.connect(self.export_requested)
            d.review_requested.connect(self.review_current)
            d.close_requested.connect(self.close_or_reopen_current)
            d.premortem_requested.connect(self.premortem_current)
            ev = d.evidence
            ev.add_requested.connect(lambda: self.add_evidence())
            ev.edit_requested.connect(self.edit_evidence)
            ev.delete_requested.connect(self.delete_evidence)
            ev.open_requested.connect(self.open_passage)
            ev.export_requested.connect(lambda: self.export_evidence())
            ev.comment_requested.connect(self.comment_on_evidence)
            d.discussion.post_requested.connect(lambda text: self.post_comment(text))
            d.tabs.currentChanged.connect(lambda i: i == 2 and self._show_metrics_tab())
            d.tabs.currentChanged.connect(lambda i: i == 4 and self._show_conviction_tab())
            d.tabs.currentChanged.connect(lambda i: i == 6 and self.refresh_suggestions())
            self.right.addWidget(d)
        return self._detail

    # the services as the GUI calls them: on the edits worker, the window painting
    service: ThesisService | None = SessionService("theses")  # type: ignore[assignment]
    comments: CommentService | None = SessionService("comments")  # type: ignore[assignment]
    outcomes: OutcomeService | None = SessionService("outcomes")  # type: ignore[assignment]
    evidence_service: EvidenceService | None = SessionService("evidence")  # type: ignore[assignment]

    FIRST_SCREEN = 150  # rows read before the services load: more than the tallest screen

    def first_screen(self) -> tuple[int | None, bool]:
        """How many theses the first paint needs (None: all of them, when a sort other
        than the list's own order, newest change first, was restored) and whether the
        archived ones are listed."""
        hdr = self.table.horizontalHeader()
        own = (hdr.sortIndicatorSection() == 5
               and hdr.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
        return (self.FIRST_SCREEN if own else None), self.proxy.show_archived

    def show_snapshot(self, theses: list[ThesisSummary], listed: int, total: int) -> None:
        """The list as read at start-up, before the services are up (read-only): its
        first screen, how many it lists and how many there are (archived ones too)."""
        self.model.set_theses(theses)
        self._update_count((listed, total))

    def viewed_id(self) -> int | None:
        """The thesis shown on the right (the list's selection may be filtered away)."""
        if (self._detail is not None and self.right.currentWidget() is self._detail
                and self._detail.thesis is not None):
            return self._detail.thesis.id
        return self.current_id()

    def current_id(self) -> int | None:
        idx = self.table.currentIndex()
        return idx.data(ID_ROLE) if idx.isValid() else None

    def reload(self, select_id: int | None = None) -> None:
        """Re-read the list (and the open thesis) on the worker; the list shown stays
        until the new one arrives."""
        service = self.service
        if service is None:
            return

        def read() -> tuple[list[ThesisSummary], list[str], list[str]]:
            return service.list(), service.instrument_symbols(), service.tag_names()

        self.reads.query("list", read, lambda found: self._show_list(*found, select_id))

    def _show_list(self, theses: list[ThesisSummary], symbols: list[str], tags: list[str],
                   select_id: int | None) -> None:
        keep = self.current_id()
        self.model.set_theses(theses)
        self._fill_combo(self.instrument_filter, "All instruments", symbols)
        self._fill_combo(self.tag_filter, "All tags", tags)
        self._update_count()
        if select_id is not None and self.select(select_id):
            return
        if keep is not None and self.select(keep, reveal=False):
            return
        if self.proxy.rowCount():
            self.table.selectRow(0)
        else:
            self._show(None)

    def select(self, thesis_id: int, *, reveal: bool = True) -> bool:
        """Select a thesis; ``reveal`` clears the filters that hide it."""
        row = self.model.row_of(thesis_id)
        if row < 0:
            return False
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if not idx.isValid() and not reveal:
            return False
        if not idx.isValid():  # filtered out: clear the filters that hide it
            self.search.clear()
            self.status_filter.setCurrentIndex(0)
            self.instrument_filter.setCurrentIndex(0)
            self.tag_filter.setCurrentIndex(0)
            if self.model.thesis(row).archived:
                self.proxy.set_filters(show_archived=True)
            idx = self.proxy.mapFromSource(self.model.index(row, 0))
        shown = getattr(self, "_shows", 0)
        self.table.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(idx)
        if getattr(self, "_shows", 0) == shown:  # the current row did not move: show it
            self._show(thesis_id)  # (when it moved, _current_changed showed it: once)
        return True

    @staticmethod
    def _fill_combo(box: QComboBox, all_label: str, values: list[str]) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(all_label, "")
        for v in values:
            box.addItem(v, v)
        box.setCurrentIndex(max(0, box.findData(current)))
        box.blockSignals(False)

    def _filter(self, **kw: object) -> None:
        self.proxy.set_filters(**kw)
        self._update_count()
        if not self.table.currentIndex().isValid():
            self._show(None)

    def set_show_archived(self, show: bool) -> None:
        self._filter(show_archived=show)

    def _update_count(self, counted: tuple[int, int] | None = None) -> None:
        """``counted``: (listed, in all) where the model holds only the first screen of
        the list (at start-up)."""
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if counted is not None:
            shown, total = counted
        self.count_label.setText(
            f"{shown:,} of {plural(total, 'thesis', 'theses')}" if shown != total
            else plural(total, "thesis", "theses")
        )
        if self.service is None:
            self.empty_text.setText("Opening the workspace…")
        elif total == 0:
            self.empty_text.setText(
                "No theses yet.\nA thesis is a claim you can be wrong about: write one, then "
                "list the pillars it stands on and the kill criteria that would end it."
            )
        else:
            self.empty_text.setText("Select a thesis on the left, or create a new one (Ctrl+N).")

    def _current_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        self._show(current.data(ID_ROLE) if current.isValid() else None)

    def _show(self, thesis_id: int | None) -> None:
        """Show a thesis on the right, read on the worker (the one shown stays until
        then)."""
        self._shows = getattr(self, "_shows", 0) + 1
        service, evidence_service, comments = self.service, self.evidence_service, self.comments
        if thesis_id is None or service is None or evidence_service is None:
            self.reads.query("detail", lambda: None, lambda _none: None)  # drops a pending one
            self.right.setCurrentWidget(self.empty)
            self.shown.emit(None)
            return

        def read() -> tuple | str:
            from thesis_desk.core.evidence import balance_of

            try:
                evidence = evidence_service.for_thesis(thesis_id)
                # the balance from the rows just read, not a second read of them
                thread = comments.for_thesis(thesis_id)  # type: ignore[union-attr]
                return (service.get(thesis_id), service.journal(thesis_id), evidence,
                        balance_of(evidence), thread)
            except UserError as exc:  # deleted meanwhile (by another window, the CLI)
                return str(exc)

        self.reads.query("detail", read, lambda found: self._show_detail(thesis_id, found))

    def _show_detail(self, thesis_id: int, found: tuple | str) -> None:
        if isinstance(found, str):
            self.message.emit(found)
            self.right.setCurrentWidget(self.empty)
            self.shown.emit(None)
            return
        self.detail.show_thesis(*found)
        self.shown.emit(found[0])
        self._current_thesis = thesis_id
        if self.detail.tabs.currentIndex() == 2:
            self._show_metrics_tab()
        elif self.detail.tabs.currentIndex() == 4:
            self._show_conviction_tab()
        elif self.detail.tabs.currentIndex() == 6:
            self.refresh_suggestions()
        self.right.setCurrentWidget(self.detail)

    def _read_failed(self, message: str) -> None:
        self.message.emit(message)

    # -- commands (each undoable)

    def _after_change(self, thesis_id: int | None) -> None:
        """After an edit (or its undo): this view re-reads, the others hear what changed."""
        self.reload(select_id=thesis_id)
        self.changed.emit(Changes.of(THESIS, PILLAR, JOURNAL, EVIDENCE, theses=[thesis_id]))

    def refresh_metrics_tab(self) -> None:
        """The thesis's charts, when shown: their metrics changed elsewhere."""
        if (self._detail is not None and self._detail.metrics_tab is not None
                and self._detail.metrics_tab.isVisible()
                and getattr(self, "_current_thesis", None) is not None):
            self.detail.metrics_tab.show_thesis(self._current_thesis)

    def _team(self) -> bool:
        ws = self.session.workspace
        return ws is not None and ws.db.is_server

    def _cmd_args(self) -> tuple[object, ...]:
        return (self.service, self._after_change, self.message.emit)

    def new_thesis(self) -> None:
        from thesis_desk.ui import undo
        from thesis_desk.ui.forms import ThesisDialog

        if self.service is None:
            return
        created: list[int] = []

        def submit(data: ThesisInput, _reason: str) -> None:
            cmd = undo.CreateThesis(data, *self._cmd_args())
            self.undo_stack.push(cmd)
            created.append(cmd.thesis_id)

        dlg = ThesisDialog(submit, symbols=self.service.instrument_symbols(),
                           tags=self.service.tag_names(), team=self._team(), parent=self)
        if dlg.exec() and created:
            self._after_change(created[0])
            self.message.emit("Thesis created.")
            if dlg.premortem_next is not None and dlg.premortem_next.isChecked():
                self.premortem(created[0])

    def edit_current(self) -> None:
        from thesis_desk.ui import undo
        from thesis_desk.ui.forms import ThesisDialog

        tid = self.current_id()
        if tid is None or self.service is None:
            return
        before = self.service.get(tid)

        def submit(data: ThesisInput, reason: str) -> None:
            seen = dlg.existing  # the version the form stands on (newer after a conflict)
            self.undo_stack.push(undo.EditThesis(tid, seen.to_input(), data, reason,
                                                 *self._cmd_args(), seen=seen))

        dlg = ThesisDialog(submit, existing=before, symbols=self.service.instrument_symbols(),
                           tags=self.service.tag_names(), team=self._team(), parent=self)
        if dlg.exec():
            self._after_change(tid)
            self.message.emit("Thesis saved.")

    def archive_current(self) -> None:
        """Archive (the default, undoable) or delete for good, after asking."""
        from thesis_desk.ui import undo

        tid = self.current_id()
        if tid is None or self.service is None:
            return
        t = self.service.get(tid)
        if t.archived:
            self.undo_stack.push(undo.ArchiveThesis(tid, False, t.title, *self._cmd_args()))
            self._after_change(tid)
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Archive or delete thesis")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"Archive “{t.title}”?")
        box.setInformativeText(
            "Archiving hides the thesis from the list but keeps it, its evidence and its "
            "journal (View > Show Archived brings it back; Ctrl+Z undoes). Deleting removes "
            "all of it for good and cannot be undone."
        )
        archive = box.addButton("Archive", QMessageBox.ButtonRole.AcceptRole)
        delete = box.addButton("Delete Permanently…", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(archive)
        box.exec()
        if box.clickedButton() is archive:
            self.undo_stack.push(undo.ArchiveThesis(tid, True, t.title, *self._cmd_args()))
            self._after_change(None)
            self.message.emit("Thesis archived (Ctrl+Z to undo).")
        elif box.clickedButton() is delete:
            if confirm(self, "Delete thesis for good",
                       f"Delete “{t.title}” with its pillars, evidence and journal? This "
                       "cannot be undone.", yes="Delete", icon=QMessageBox.Icon.Warning):
                try:
                    from thesis_desk.ui.ops import write

                    ws = self.session.workspace
                    _title, safety = write(lambda: ws.delete_thesis_permanently(tid))  # type: ignore[union-attr]
                except UserError as exc:  # the backup could not be taken: nothing deleted
                    QMessageBox.warning(self, "Thesis not deleted", str(exc))
                    return
                self.undo_stack.clear()  # earlier steps may refer to what is gone
                self._after_change(None)
                self.message.emit("Thesis deleted. The team server's backups still hold it."
                                  if safety is None else
                                  f"Thesis deleted. It is still in the backup {safety.name} "
                                  "(File > Backups… restores it).")

    # -- closing the loop: review, close / reopen, pre-mortem

    def _viewed_or_say(self) -> int | None:
        """The thesis shown, or None with a word to the person (a menu with none shown)."""
        tid = self.viewed_id()
        if tid is None:
            self.message.emit("Select a thesis first.")
        return tid

    def review_current(self) -> None:
        tid = self._viewed_or_say()
        if tid is not None:
            self.review(tid)

    def review(self, thesis_id: int) -> None:
        """The review form for a thesis (from its header, the Thesis menu, or Reviews)."""
        from thesis_desk.ui.outcome_forms import ReviewDialog

        if self.service is None or self.outcomes is None:
            return
        t = self.service.get(thesis_id)
        if t.status == "closed":
            self.message.emit(f"“{t.title}” is closed: reopen it to review it.")
            return
        outcomes = self.outcomes
        if ReviewDialog(lambda data: outcomes.review(t.id, data), t, parent=self).exec():
            self._after_change(t.id)
            self.message.emit("Review recorded in the journal.")

    def close_or_reopen_current(self) -> None:
        """Close the thesis shown with its outcome, or reopen it when closed (undoable)."""
        from thesis_desk.ui import undo
        from thesis_desk.ui.outcome_forms import CloseThesisDialog, ReopenThesisDialog

        tid = self._viewed_or_say()
        if tid is None or self.service is None or self.outcomes is None:
            return
        t = self.service.get(tid)
        args = (self.outcomes, self._after_change, self.message.emit)
        if t.status == "closed":
            def reopen(reason: str, status: str) -> None:
                self.undo_stack.push(undo.ReopenThesis(t, reason, status, *args))

            if ReopenThesisDialog(reopen, t, parent=self).exec():
                self._after_change(t.id)
                self.message.emit("Thesis reopened (Ctrl+Z to undo).")
            return

        def close(data: object) -> None:
            self.undo_stack.push(undo.CloseThesis(t.id, data, t.status, t.title, *args))

        if CloseThesisDialog(close, t, parent=self).exec():
            self._after_change(t.id)
            self.message.emit("Thesis closed; its outcome counts in Calibration (Ctrl+Z "
                              "to undo).")

    def premortem_current(self) -> None:
        tid = self._viewed_or_say()
        if tid is not None:
            self.premortem(tid)

    def premortem(self, thesis_id: int) -> None:
        """Each failure reason becomes a risk pillar; one undo step takes them all back."""
        from thesis_desk.ui import undo
        from thesis_desk.ui.outcome_forms import PreMortemDialog

        if self.service is None:
            return
        t = self.service.get(thesis_id)

        def submit(risks: list[PillarInput]) -> None:
            self.undo_stack.beginMacro(f"Pre-mortem of '{t.title}'")
            try:
                for r in risks:
                    self.undo_stack.push(undo.AddPillar(thesis_id, r, *self._cmd_args(),
                                                        reason=PREMORTEM_REASON))
            finally:
                self.undo_stack.endMacro()

        dlg = PreMortemDialog(submit, t, parent=self)
        if dlg.exec():
            self._after_change(thesis_id)
            added = plural(len(dlg.value()), "risk", "risks")
            self.message.emit(f"{added} added from the pre-mortem (Ctrl+Z to undo).")

    def add_pillar(self) -> None:
        from thesis_desk.ui import undo
        from thesis_desk.ui.forms import PillarDialog

        tid = self.current_id()
        if tid is None:
            return

        def submit(data: PillarInput, _reason: str) -> None:
            self.undo_stack.push(undo.AddPillar(tid, data, *self._cmd_args()))

        if PillarDialog(submit, parent=self).exec():
            self._after_change(tid)

    def edit_pillar(self, pillar: PillarInfo) -> None:
        from thesis_desk.ui import undo
        from thesis_desk.ui.forms import PillarDialog

        def submit(data: PillarInput, reason: str) -> None:
            self.undo_stack.push(undo.EditPillar(dlg.existing, data, reason, *self._cmd_args()))

        dlg = PillarDialog(submit, existing=pillar, parent=self)
        if dlg.exec():
            self._after_change(pillar.thesis_id)

    def remove_pillar(self, pillar: PillarInfo) -> None:
        from thesis_desk.ui import undo

        if confirm(self, "Remove pillar",
                   f"Remove this {pillar.kind_label.lower()}?\n\n{pillar.text}\n\n"
                   "(Ctrl+Z undoes.)", yes="Remove"):
            self.undo_stack.push(undo.DeletePillar(pillar, *self._cmd_args()))
            self._after_change(pillar.thesis_id)

    # -- evidence

    def evidence_dialog(self, *, thesis_id: int | None = None, **kw: object) -> bool:
        """Open the evidence form (new or ``existing=``); True when something was saved."""
        from thesis_desk.ui import undo
        from thesis_desk.ui.forms import EvidenceDialog

        if self.service is None or self.evidence_service is None:
            return False
        existing = kw.get("existing")
        args = (self.evidence_service, self._after_change, self.message.emit)

        def submit(data: EvidenceInput) -> None:
            if existing is not None:  # the version the form stands on (see rebase)
                self.undo_stack.push(undo.EditEvidence(dlg.existing, data, *args))
            else:
                self.undo_stack.push(undo.AddEvidence(data, *args))

        # the thesis being viewed is the one the evidence is for, unless told otherwise
        # (even archived: it is on screen); a person can still choose another
        viewed = self.viewed_id()
        thesis_id = thesis_id if thesis_id is not None else viewed
        theses = [(t.id, t.title) for t in self.service.list()
                  if not t.archived or t.id == thesis_id]
        dlg = EvidenceDialog(submit, theses=theses,
                             pillars_of=lambda tid: list(self.service.get(tid).pillars),
                             thesis_id=thesis_id, parent=self, **kw)  # type: ignore[arg-type]
        if dlg.exec():
            self._after_change(dlg.value().thesis_id)
            self.message.emit("Evidence saved (Ctrl+Z to undo).")
            return True
        return False

    def add_evidence(self) -> None:
        self.evidence_dialog()

    def edit_evidence(self, e: EvidenceInfo) -> None:
        self.evidence_dialog(existing=e)

    def export_evidence(self, path: str | None = None) -> str | None:
        """The current thesis's evidence to CSV/Excel (formula-safe)."""
        from thesis_desk.core.exports import evidence_frame
        from thesis_desk.ui.table_export import export_table

        tid = self.current_id()
        if tid is None or self.evidence_service is None:
            return None
        ev = self.evidence_service
        out = export_table(self, "Export Evidence", f"{self.detail.title.text()} evidence",
                           lambda: evidence_frame(ev, tid), path=path)
        if out:
            self.message.emit(f"Evidence exported to {out}")
        return out

    def delete_evidence(self, e: EvidenceInfo) -> None:
        from thesis_desk.ui import undo

        if self.evidence_service is None:
            return
        quote = shorten(e.quote, 300)
        if confirm(self, "Delete evidence", f"Delete this evidence?\n\n“{quote}”\n\n"
                   "(Ctrl+Z undoes.)", yes="Delete"):
            self.undo_stack.push(undo.DeleteEvidence(
                e, self.evidence_service, self._after_change, self.message.emit))
            self._after_change(e.thesis_id)

    # -- discussion

    def post_comment(self, text: str, evidence_id: int | None = None) -> bool:
        """A comment on the thesis shown (or one of its evidence items); True when posted."""
        tid = self._viewed_or_say()
        if tid is None or self.comments is None:
            return False
        try:
            self.comments.add(tid, text, evidence_id=evidence_id)
        except UserError as exc:
            self.message.emit(str(exc))
            return False
        if evidence_id is None:
            self.detail.discussion.posted()
        self._after_change(tid)
        self.message.emit("Comment posted.")
        return True

    def comment_on_evidence(self, e: EvidenceInfo) -> None:
        from thesis_desk.ui.outcome_forms import CommentDialog

        dlg = CommentDialog(lambda text: self._comment_or_raise(text, e.id), e, parent=self)
        if dlg.exec():
            self.detail.tabs.setCurrentWidget(self.detail.discussion)

    def _comment_or_raise(self, text: str, evidence_id: int) -> None:
        tid = self.viewed_id()
        if tid is None or self.comments is None:
            return
        self.comments.add(tid, text, evidence_id=evidence_id)  # a refusal shows in the form
        self._after_change(tid)
        self.message.emit("Comment posted.")

    # -- metrics tab

    def _show_metrics_tab(self) -> None:
        """Build the Metrics tab on first view (it loads pyqtgraph), then fill it."""
        tid = getattr(self, "_current_thesis", None)
        ws = self.session.workspace
        if ws is None or tid is None:
            return
        if self.detail.metrics_tab is None:
            from thesis_desk.ui.thesis_metrics_tab import ThesisMetricsTab

            tab = ThesisMetricsTab(self.session)
            tabs = self.detail.tabs
            old = tabs.widget(2)
            tabs.blockSignals(True)
            tabs.removeTab(2)
            tabs.insertTab(2, tab, "Metrics")
            tabs.setCurrentIndex(2)
            tabs.blockSignals(False)
            old.deleteLater()
            self.detail.metrics_tab = tab
            tab.changed.connect(lambda mid: self.changed.emit(
                Changes.of(METRIC, theses=[tab.thesis_id], metrics=[mid])))
        self.detail.metrics_tab.show_thesis(tid)

    def refresh_suggestions(self) -> None:
        """Fill the Suggested tab (built on first view) when it is the one shown."""
        tid = getattr(self, "_current_thesis", None)
        if self.session.workspace is None or tid is None or self._detail is None:
            return
        d = self.detail
        if d.tabs.currentIndex() != 6:
            return
        if d.suggestions_tab is None:
            from types import SimpleNamespace

            from thesis_desk.ui.suggestions_tab import SuggestionsTab

            tab = d.suggestions_tab = SuggestionsTab(self.session)
            QVBoxLayout(d.suggestions_page).addWidget(tab)
            d.suggestions_page.layout().setContentsMargins(0, 0, 0, 0)
            tab.file_requested.connect(lambda g: self.evidence_dialog(
                document=g.document, quote=g.passage, start=g.start, end=g.end,
                pillar_id=g.pillar_id))
            tab.open_requested.connect(lambda g: self.open_passage.emit(SimpleNamespace(
                document_id=g.document.id, start_offset=g.start, end_offset=g.end)))
        d.suggestions_tab.show_thesis(tid)

    def _show_conviction_tab(self) -> None:
        """Build the Conviction tab on first view (it loads pyqtgraph), then fill it."""
        tid = getattr(self, "_current_thesis", None)
        if self.session.workspace is None or tid is None:
            return
        d = self.detail
        if d.conviction_tab is None:
            from thesis_desk.ui.conviction_tab import ConvictionTab

            d.conviction_tab = ConvictionTab(self.session)
            QVBoxLayout(d.conviction_page).addWidget(d.conviction_tab)
            d.conviction_page.layout().setContentsMargins(0, 0, 0, 0)
        d.conviction_tab.show_thesis(tid)
