"""Reviews due: the theses whose review interval has run out, and the catalysts still
pending after their date. A review is the thesis's own Review… form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import (
    flat_tree,
    heading_label,
    muted,
    plain_label,
    plain_tip,
    plural,
)

if TYPE_CHECKING:
    from thesis_desk.core.outcomes import OutcomeService
    from thesis_desk.core.records import CatalystDue, ReviewDue
    from thesis_desk.ui.session import WorkspaceSession


def _overdue(days: int) -> str:
    return "today" if days == 0 else plural(days, "day", "days")


class ReviewsView(QWidget):
    open_thesis = Signal(int)
    review_thesis = Signal(int)
    changed = Signal(object)  # nothing is written here: the thesis's own forms write

    outcomes: OutcomeService | None = SessionService("outcomes")  # type: ignore[assignment]

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        from thesis_desk.ui.ops import Reads

        self.reads = Reads(self)
        self.summary = muted(plain_label(wrap=True))
        self.reviews = flat_tree(["Thesis", "Status", "Conviction", "Due", "Overdue by",
                              "Last reviewed"], 0)
        self.reviews.itemSelectionChanged.connect(self._update_buttons)
        self.reviews.itemDoubleClicked.connect(lambda *_: self._review())
        self.review_btn = QPushButton("Review…")
        self.review_btn.setToolTip("Open the thesis's review form (conviction, pillars, a note)")
        self.review_btn.clicked.connect(self._review)
        self.open_btn = QPushButton("Open Thesis")
        self.open_btn.clicked.connect(lambda: self._open(self.reviews))

        self.catalysts = flat_tree(["Catalyst", "Thesis", "Due", "Overdue by", "State"], 0)
        self.catalysts.itemSelectionChanged.connect(self._update_buttons)
        self.catalysts.itemDoubleClicked.connect(lambda *_: self._open(self.catalysts))
        self.open_catalyst_btn = QPushButton("Open Thesis")
        self.open_catalyst_btn.setToolTip("Mark the catalyst happened or missed, or give it "
                                          "a new date, in its thesis's pillars")
        self.open_catalyst_btn.clicked.connect(lambda: self._open(self.catalysts))

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(heading_label("Reviews due", scale=1.1), 1)
        head.addWidget(self.review_btn)
        head.addWidget(self.open_btn)
        tl.addLayout(head)
        tl.addWidget(self.summary)
        tl.addWidget(self.reviews, 1)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(heading_label("Catalysts past their date", scale=1.1), 1)
        head.addWidget(self.open_catalyst_btn)
        bl.addLayout(head)
        self.catalyst_note = muted(plain_label(wrap=True))
        bl.addWidget(self.catalyst_note)
        bl.addWidget(self.catalysts, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(split)
        self._update_buttons()
        self.refresh()

    def refresh(self) -> None:
        svc = self.outcomes
        if svc is None:
            return
        self.reads.query("due", lambda: (svc.reviews_due(), svc.catalysts_due()),
                         lambda found: self._show(*found))

    def _show(self, due: list[ReviewDue], catalysts: list[CatalystDue]) -> None:
        keep = self._selected(self.reviews)
        self.reviews.clear()
        for r in due:
            item = QTreeWidgetItem([r.title, r.status.capitalize(), f"{r.conviction}",
                                    f"{r.due_on:%Y-%m-%d}", _overdue(r.overdue_days),
                                    f"{r.last_reviewed:%Y-%m-%d}" if r.last_reviewed
                                    else "never"])
            item.setData(0, Qt.ItemDataRole.UserRole, r.thesis_id)
            item.setToolTip(0, plain_tip(f"{r.title}\nReviewed every {r.interval_days} days"))
            self.reviews.addTopLevelItem(item)
            if r.thesis_id == keep:
                item.setSelected(True)
        self.catalysts.clear()
        for c in catalysts:
            item = QTreeWidgetItem([c.text, c.title, f"{c.due_date:%Y-%m-%d}",
                                    _overdue(c.overdue_days), c.state_label])
            item.setData(0, Qt.ItemDataRole.UserRole, c.thesis_id)
            item.setToolTip(0, plain_tip(c.text))
            item.setToolTip(1, plain_tip(c.title))
            self.catalysts.addTopLevelItem(item)
        if not self.reviews.selectedItems() and self.reviews.topLevelItemCount():
            self.reviews.topLevelItem(0).setSelected(True)  # the most overdue, ready
        self.summary.setText(
            f"{plural(len(due), 'thesis is', 'theses are')} due a review: reaffirm or change "
            "the conviction and the pillars' states, with a note for the journal. Each thesis "
            "sets its interval in its Edit form (by default 30 days when active, 60 when "
            "validated)." if due else
            "No thesis is due a review. Each comes up here when its review interval runs "
            "out (set in its Edit form; by default 30 days when active).")
        self.catalyst_note.setText(
            "A catalyst stays here until it is marked happened or missed, or given a new "
            "date." if catalysts else "No catalyst is past its due date.")
        self._update_buttons()

    @staticmethod
    def _selected(tree: QTreeWidget) -> int | None:
        items = tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _update_buttons(self) -> None:
        has = self._selected(self.reviews) is not None
        self.review_btn.setEnabled(has)
        self.open_btn.setEnabled(has)
        self.open_catalyst_btn.setEnabled(self._selected(self.catalysts) is not None)

    def _review(self) -> None:
        tid = self._selected(self.reviews)
        if tid is not None:
            self.review_thesis.emit(tid)

    def _open(self, tree: QTreeWidget) -> None:
        tid = self._selected(tree)
        if tid is not None:
            self.open_thesis.emit(tid)
