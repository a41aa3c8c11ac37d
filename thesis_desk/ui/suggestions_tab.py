"""A thesis's Suggested tab: passages of the library that likely bear on each pillar,
kill criterion, catalyst and risk (core/suggest.py), best first; one click files a
passage with the evidence form filled, another dismisses it for that pillar (remembered).

Read on a worker when the tab is shown, and again when documents arrive or evidence is
filed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import DetailPane, muted, plain_label, plain_tip, plural

if TYPE_CHECKING:
    from thesis_desk.core.suggest import Suggestion, SuggestionService
    from thesis_desk.ui.session import WorkspaceSession

PER_PILLAR = 5


class SuggestionsTab(QWidget):
    file_requested = Signal(object)  # Suggestion: the evidence form, filled
    open_requested = Signal(object)  # Suggestion: the passage in the Library
    changed = Signal()  # a dismissal was written

    suggestions: SuggestionService = SessionService("suggestions")  # type: ignore[assignment]

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        from thesis_desk.ui.ops import Reads

        self.session = session
        self.reads = Reads(self)
        self.thesis_id: int | None = None
        self.items: list[Suggestion] = []
        self.caption = muted(plain_label(wrap=True))
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Passage", "Source", "Page"])
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        hdr = self.tree.header()
        hdr.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hdr.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        hdr.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        hdr.setStretchLastSection(False)
        hdr.resizeSection(1, self.fontMetrics().horizontalAdvance("M") * 16)
        self.tree.itemSelectionChanged.connect(self._selection)
        self.tree.itemDoubleClicked.connect(lambda *_: self._file())
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.detail = DetailPane("Select a passage to read it whole.")
        self.file_btn = QPushButton("File as Evidence…")
        self.file_btn.setToolTip("The evidence form, filled with this passage and its pillar")
        self.file_btn.clicked.connect(self._file)
        self.open_btn = QPushButton("Open in Library")
        self.open_btn.clicked.connect(lambda: self._emit(self.open_requested))
        self.dismiss_btn = QPushButton("Dismiss")
        self.dismiss_btn.setToolTip("Not relevant to this pillar: not suggested for it again")
        self.dismiss_btn.clicked.connect(self._dismiss)
        buttons = QHBoxLayout()
        buttons.addWidget(self.caption, 1)
        for b in (self.open_btn, self.dismiss_btn, self.file_btn):
            buttons.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        lay.addLayout(buttons)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.detail)
        self._selection()

    def show_thesis(self, thesis_id: int) -> None:
        self.thesis_id = thesis_id
        service = self.suggestions
        if service is None:
            return
        self.caption.setText("Looking through the library…")
        self.reads.query("suggestions",
                         lambda: service.for_thesis(thesis_id, limit=PER_PILLAR),
                         lambda got, tid=thesis_id: tid == self.thesis_id and self._show(got))

    def _show(self, got: list[Suggestion]) -> None:
        self.items = got
        keep = self.selected()
        self.tree.clear()
        groups: dict[int, QTreeWidgetItem] = {}
        for g in got:
            parent = groups.get(g.pillar_id)
            if parent is None:
                parent = QTreeWidgetItem([f"{g.pillar_kind.capitalize()}: {g.pillar_text}",
                                          "", ""])
                f = parent.font(0)
                f.setBold(True)
                parent.setFont(0, f)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent.setToolTip(0, plain_tip(g.pillar_text))
                self.tree.addTopLevelItem(parent)
                groups[g.pillar_id] = parent
            child = QTreeWidgetItem([" ".join(g.passage.split()), g.document.title,
                                     str(g.page or "")])
            child.setData(0, Qt.ItemDataRole.UserRole, g)
            child.setToolTip(0, plain_tip(g.passage))
            child.setToolTip(1, plain_tip(g.document.citation()))
            parent.addChild(child)
            if keep is not None and (keep.document.id, keep.start, keep.pillar_id) == (
                    g.document.id, g.start, g.pillar_id):
                child.setSelected(True)
        self.tree.expandAll()
        self.caption.setText(
            plural(len(got), "passage", "passages") + " of the library, best first for each "
            "pillar (not yet filed on this thesis, nor dismissed)" if got else
            "Nothing in the library bears on this thesis's pillars yet: import research "
            "(Ctrl+I) or add pillars.")
        self._selection()

    def selected(self) -> Suggestion | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _selection(self) -> None:
        g = self.selected()
        for b in (self.file_btn, self.open_btn, self.dismiss_btn):
            b.setEnabled(g is not None)
        if g is None:
            self.detail.show_text(None)
            return
        # a passage about the thesis as a whole is suggested under several pillars
        also = [o.pillar_text for o in self.items if o.pillar_id != g.pillar_id
                and (o.document.id, o.start) == (g.document.id, g.start)]
        self.detail.show_text(f"{g.document.citation(g.page)} · for: {g.pillar_text}"
                              + (f" · also for: {'; '.join(also)}" if also else "")
                              + f"\n{g.passage}")

    def _emit(self, signal: Any) -> None:
        g = self.selected()
        if g is not None:
            signal.emit(g)

    def _file(self) -> None:
        self._emit(self.file_requested)

    def _dismiss(self) -> None:
        g = self.selected()
        service = self.suggestions
        if g is None or service is None or self.thesis_id is None:
            return
        service.dismiss(g.pillar_id, g.document.id, g.start, g.end)
        self.changed.emit()
        self.show_thesis(self.thesis_id)

    def _menu(self, pos: Any) -> None:
        if self.selected() is None:
            return
        menu = QMenu(self)
        menu.addAction("File as Evidence…", self._file)
        menu.addAction("Open in Library", lambda: self._emit(self.open_requested))
        menu.addAction("Dismiss", self._dismiss)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
        menu.deleteLater()
