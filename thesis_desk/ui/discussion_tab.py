"""A thesis's Discussion tab: the comments on it and on its evidence items, oldest first,
each with its author and time, and a box to post one. Comments are answered, not edited."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.records import CommentInfo
from thesis_desk.ui.widgets import (
    DetailPane,
    flat_tree,
    local_time,
    muted,
    plain_label,
    plain_tip,
    shorten,
)


def comment_text(c: CommentInfo) -> str:
    """A comment whole, as the pane under the thread shows it."""
    who = f" · {c.author}" if c.author else ""
    on = f"\nOn evidence: “{c.evidence_quote}”" if c.evidence_id is not None else ""
    return f"{local_time(c.created_at)}{who}{on}\n{c.body}"


class DiscussionTab(QWidget):
    post_requested = Signal(str)  # the text typed, for the thesis as a whole

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = muted(plain_label(wrap=True))
        self.thread = flat_tree(["When", "By", "On", "Comment"], 3)
        self.thread.itemSelectionChanged.connect(self._selection)
        self.detail = DetailPane("Select a comment to read it whole.")
        self.box = QPlainTextEdit()
        self.box.setPlaceholderText("Comment on the thesis: a question, a challenge to a "
                                    "pillar, a source to check (comment on one evidence item "
                                    "from its row's menu in Evidence)")
        self.box.setTabChangesFocus(True)
        self.box.setMaximumHeight(80)
        self.post_btn = QPushButton("Post Comment")
        self.post_btn.setToolTip("Add it to the thread, with your name and the time")
        self.post_btn.clicked.connect(self._post)
        self.box.textChanged.connect(
            lambda: self.post_btn.setEnabled(bool(self.box.toPlainText().strip())))
        self.post_btn.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.box, 1)
        row.addWidget(self.post_btn, 0, Qt.AlignmentFlag.AlignBottom)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        lay.addWidget(self.summary)
        lay.addWidget(self.thread, 1)
        lay.addWidget(self.detail)
        lay.addLayout(row)

    def _post(self) -> None:
        text = self.box.toPlainText().strip()
        if text:
            self.post_requested.emit(text)

    def posted(self) -> None:
        self.box.clear()

    def show_comments(self, comments: list[CommentInfo]) -> None:
        self.thread.clear()
        for c in comments:
            on = f"“{shorten(c.evidence_quote, 40)}”" if c.evidence_id is not None else "thesis"
            item = QTreeWidgetItem([local_time(c.created_at), c.author, on,
                                    " ".join(c.body.split())])
            item.setData(0, Qt.ItemDataRole.UserRole, comment_text(c))
            item.setToolTip(3, plain_tip(c.body))
            self.thread.addTopLevelItem(item)
        self.thread.setColumnHidden(1, not any(c.author for c in comments))
        self.summary.setText(
            f"{len(comments)} comment{'s' if len(comments) != 1 else ''}, oldest first."
            if comments else "No comments yet: the thread is where a colleague challenges a "
                             "pillar or asks about a source.")
        self._selection()

    def _selection(self) -> None:
        items = self.thread.selectedItems()
        self.detail.show_text(items[0].data(0, Qt.ItemDataRole.UserRole) if items else None)
