"""A thesis's Evidence tab: for and against, filters, the weighted balance."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.enums import STANCES
from thesis_desk.core.records import Balance, EvidenceInfo, PillarInfo
from thesis_desk.ui.library_view import STANCE_COLOURS
from thesis_desk.ui.widgets import DetailPane, plain_label, plain_tip, shorten


def describe_evidence(e: EvidenceInfo) -> str:
    """One evidence item in full, as the detail pane shows it."""
    head = f"{e.stance.capitalize()} · weight {e.weight}"
    if e.pillar_text:
        head += f" · {e.pillar_text}"
    lines = [head, f"“{e.quote}”", "— " + e.source + (
        f", {e.observed_on:%Y-%m-%d}" if e.observed_on else "")]
    if e.note:
        lines.append(f"Note: {e.note}")
    if e.author:  # a team workspace: who filed it
        lines.append(f"Filed by {e.author}")
    return "\n".join(lines)


class EvidenceTab(QWidget):
    add_requested = Signal()
    open_requested = Signal(object)  # EvidenceInfo
    edit_requested = Signal(object)
    delete_requested = Signal(object)
    export_requested = Signal()
    comment_requested = Signal(object)  # EvidenceInfo: start a comment on it

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.items: list[EvidenceInfo] = []
        self.balance = plain_label(wrap=True)
        f = self.balance.font()
        f.setBold(True)
        self.balance.setFont(f)
        self.stance = QComboBox()
        self.stance.addItem("For and against", "")
        for s in STANCES:
            self.stance.addItem(s.capitalize(), s)
        self.pillar = QComboBox()
        self.document = QComboBox()
        for box in (self.stance, self.pillar, self.document):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
            box.currentIndexChanged.connect(lambda _i: self._fill())
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Stance", "W", "Quote", "Pillar", "Source"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSortingEnabled(True)
        self.tree.setWordWrap(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        hdr = self.tree.header()
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hdr.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        hdr.setStretchLastSection(False)
        fm = self.fontMetrics()
        hdr.resizeSection(0, fm.horizontalAdvance("contradicts") + 20)
        hdr.resizeSection(1, fm.horizontalAdvance("W") + 22)
        hdr.resizeSection(3, fm.horizontalAdvance("M") * 12)
        hdr.resizeSection(4, fm.horizontalAdvance("M") * 12)
        self.tree.itemDoubleClicked.connect(lambda *_: self._open_or_edit())
        self.tree.itemSelectionChanged.connect(self._selection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)

        self.add_btn = add = QPushButton("Add…")
        add.setToolTip("Evidence with no document (a quote and a free-text source). To quote a "
                       "document, select the passage in the Library reader and choose Add as "
                       "Evidence….")
        add.clicked.connect(self.add_requested)
        self.open_btn = QPushButton("Open Passage")
        self.open_btn.setToolTip("Show the quoted passage, highlighted, in the Library reader")
        self.open_btn.clicked.connect(lambda: self._emit(self.open_requested))
        self.edit_btn = QPushButton("Edit…")
        self.edit_btn.clicked.connect(lambda: self._emit(self.edit_requested))
        self.delete_btn = QPushButton("Delete…")
        self.delete_btn.setToolTip("Delete the selected evidence (asks first; Ctrl+Z undoes)")
        self.delete_btn.clicked.connect(lambda: self._emit(self.delete_requested))
        self.export_btn = export = QPushButton("Export…")
        export.setToolTip("All of this thesis's evidence as CSV or Excel")
        export.clicked.connect(self.export_requested)
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(lambda: self._emit(self.delete_requested))
        filters = QHBoxLayout()
        filters.addWidget(self.stance)
        filters.addWidget(self.pillar)
        filters.addWidget(self.document)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (add, self.open_btn, self.edit_btn, self.delete_btn, export):
            buttons.addWidget(b)
        self.detail = DetailPane("Select an item to read its whole quote, source and note.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        lay.addWidget(self.balance)
        lay.addLayout(filters)
        lay.addWidget(split, 1)
        lay.addLayout(buttons)
        self._selection()

    def _open_or_edit(self) -> None:
        """Double-click: a document's passage opens in the reader; a typed quote, which
        has no passage to show, opens its form."""
        e = self.selected()
        if e is not None:
            (self.open_requested if e.document_id is not None else self.edit_requested).emit(e)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is not None:
            self.tree.setCurrentItem(item)
        e = self.selected()
        menu = QMenu(self)
        for text, signal, enabled in (
                ("Open Passage", self.open_requested, e is not None and e.document_id is not None),
                ("Edit…", self.edit_requested, e is not None),
                ("Comment…", self.comment_requested, e is not None),
                ("Delete…", self.delete_requested, e is not None)):
            act = menu.addAction(text)
            act.setEnabled(enabled)
            act.triggered.connect(lambda _c=False, s=signal: self._emit(s))
        menu.addSeparator()
        menu.addAction("Add Evidence…").triggered.connect(self.add_requested)
        menu.addAction("Export All…").triggered.connect(self.export_requested)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def selected(self) -> EvidenceInfo | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _emit(self, signal: Signal) -> None:
        e = self.selected()
        if e is not None:
            signal.emit(e)  # type: ignore[attr-defined]

    def _selection(self) -> None:
        e = self.selected()
        self.detail.show_text(None if e is None else describe_evidence(e))
        self.open_btn.setEnabled(e is not None and e.document_id is not None)
        self.edit_btn.setEnabled(e is not None)
        self.delete_btn.setEnabled(e is not None)

    def show_evidence(self, items: list[EvidenceInfo], balance: Balance,
                      pillars: tuple[PillarInfo, ...]) -> None:
        self.items = items
        self.balance.setText(
            f"For {balance.supports} · Against {balance.contradicts} · Context "
            f"{balance.context}   (weighted; {len(items)} items)")
        self._refill_combo(self.pillar, "All pillars",
                           [(p.id, f"{p.kind_label}: {p.text}") for p in pillars])
        docs = {e.document_id: e.document.title for e in items if e.document is not None}
        self._refill_combo(self.document, "All sources", sorted(docs.items(), key=lambda x: x[1]))
        self._fill()

    @staticmethod
    def _refill_combo(box: QComboBox, all_label: str, values: list[tuple[int, str]]) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(all_label, None)
        for key, label in values:
            box.addItem(shorten(label, 60), key)
            box.setItemData(box.count() - 1, plain_tip(label), Qt.ItemDataRole.ToolTipRole)
        box.setCurrentIndex(max(0, box.findData(current)) if current is not None else 0)
        box.blockSignals(False)

    def visible_items(self) -> list[EvidenceInfo]:
        stance, pillar, doc = (self.stance.currentData(), self.pillar.currentData(),
                               self.document.currentData())
        return [e for e in self.items
                if (not stance or e.stance == stance)
                and (pillar is None or e.pillar_id == pillar)
                and (doc is None or e.document_id == doc)]

    def _fill(self) -> None:
        keep = self.selected()
        self.tree.clear()
        for e in self.visible_items():
            item = QTreeWidgetItem([e.stance, str(e.weight), e.quote, e.pillar_text, e.source])
            item.setData(0, Qt.ItemDataRole.UserRole, e)
            item.setBackground(0, QBrush(STANCE_COLOURS.get(e.stance, STANCE_COLOURS["context"])))
            item.setToolTip(2, plain_tip(e.quote + (f"\n\nNote: {e.note}" if e.note else "")))
            item.setToolTip(4, plain_tip(e.source))
            self.tree.addTopLevelItem(item)
            if keep is not None and keep.id == e.id:
                item.setSelected(True)
        self._selection()
