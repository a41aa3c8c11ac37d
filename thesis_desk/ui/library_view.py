"""The Library: documents, full-text search, and a reader that files evidence.

Select a passage in the reader and choose "Add as Evidence…" (button, context menu
or Ctrl+Shift+E): the evidence form opens with the quote and its exact character
offsets. Passages already filed are highlighted by stance; clicking one says which
evidence it is.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.ui.session import SessionService
from thesis_desk.ui.widgets import (
    OptionalDateEdit,
    guarded_read,
    heading_label,
    muted,
    plain_label,
    plain_tip,
    plural,
)

if TYPE_CHECKING:
    from thesis_desk.core.evidence import EvidenceService
    from thesis_desk.core.inbox import InboxService
    from thesis_desk.core.records import DocumentInfo, EvidenceInfo, SearchHit
    from thesis_desk.core.library import LibraryService
    from thesis_desk.ui.session import WorkspaceSession

_Index = QModelIndex | QPersistentModelIndex
STANCE_COLOURS = {  # translucent: readable on light and dark palettes
    "supports": QColor(46, 160, 67, 90),
    "contradicts": QColor(218, 54, 51, 90),
    "context": QColor(128, 128, 128, 80),
}


def py_to_qt(text: str, index: int) -> int:
    """Qt counts UTF-16 code units; Python counts code points. Convert an offset."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def qt_to_py(text: str, pos: int) -> int:
    i = units = 0
    while i < len(text) and units < pos:
        units += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    return i


def quote_span(text: str, start: int, end: int) -> tuple[str, int, int] | None:
    """A selection as a quote: whitespace at its edges trimmed (a quote starts and ends
    on a character); None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (text[start:end], start, end) if end > start else None


SEARCH_LIMIT = 200  # search results shown, best first


class DocumentTableModel(QAbstractTableModel):
    COLUMNS = ("Title", "Publisher", "Date", "Match")

    PAGE = 300

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.docs: list[DocumentInfo] = []
        self.snippets: list[str] = []
        self._more: Callable[[int, int], list[DocumentInfo]] | None = None
        self._exhausted = True
        self._fetching = False

    def set_rows(self, docs: Sequence[DocumentInfo], snippets: Sequence[str] = (),
                 more: Callable[[int, int], list[DocumentInfo]] | None = None) -> None:
        """Show ``docs``; with ``more(offset, limit)`` the rest is fetched as the view
        scrolls (canFetchMore/fetchMore), so a large library never loads whole."""
        self.beginResetModel()
        self.docs = list(docs)
        self.snippets = list(snippets) or [""] * len(self.docs)
        self._more = more
        self._fetching = False
        self._exhausted = more is None or len(self.docs) < self.PAGE
        self.endResetModel()

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: N802, B008
        if parent.isValid() or self._more is None or self._exhausted or self._fetching:
            return
        more = self._more
        self._fetching = True  # the page is read on a worker; the view may ask again meanwhile
        try:
            page = more(len(self.docs), self.PAGE)
        finally:
            self._fetching = False
        if more is not self._more:  # the rows were replaced meanwhile (a new search)
            return
        self._exhausted = len(page) < self.PAGE
        if page:
            self.beginInsertRows(QModelIndex(), len(self.docs), len(self.docs) + len(page) - 1)
            self.docs += page
            self.snippets += [""] * len(page)
            self.endInsertRows()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.docs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        d, col = self.docs[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return d.title
            if col == 1:
                return d.publisher
            if col == 2:
                return f"{d.published_on:%Y-%m-%d}" if d.published_on else ""
            from thesis_desk.core.records import HIT_END, HIT_START  # loaded by the search

            return " ".join(self.snippets[index.row()].replace(HIT_START, "").replace(
                HIT_END, "").split())
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return plain_tip(d.citation())
        return None


class ReaderPanel(QWidget):
    add_evidence_requested = Signal(object, str, int, int)  # DocumentInfo, quote, start, end
    edit_details_requested = Signal(object)  # DocumentInfo
    open_original_requested = Signal(object)  # DocumentInfo
    open_document_requested = Signal(int)  # an e-mail's attachment, an attachment's e-mail

    def __init__(self, parent: QWidget | None = None,
                 load_original: Callable[[int], bytes] | None = None):
        super().__init__(parent)
        self.doc: DocumentInfo | None = None
        self.text = ""
        self.evidence: list[EvidenceInfo] = []
        self.title = heading_label(scale=1.2)
        self.meta = muted(plain_label(wrap=True))
        # the e-mail an attachment came with, an e-mail's attachments, a re-extraction's note
        self.links = QLabel()
        self.links.setTextFormat(Qt.TextFormat.RichText)  # built from escaped text only
        self.links.setWordWrap(True)
        self.links.linkActivated.connect(lambda href: self.open_document_requested.emit(int(href)))
        self.links.hide()
        # the page view is made the first time its tab is shown (its worker, its widgets:
        # nothing of it at start-up)
        self._load_original = load_original
        self._page_view: Any = None
        self._page_tab = QWidget()
        QVBoxLayout(self._page_tab).setContentsMargins(0, 0, 0, 0)
        self.details_btn = QPushButton("Edit Details…")
        self.details_btn.clicked.connect(lambda: self.doc and self.edit_details_requested.emit(self.doc))
        self.original_btn = QPushButton("Open Original")
        self.original_btn.setToolTip("The imported file itself (a PDF as printed), in the "
                                     "program this computer opens it with")
        self.original_btn.clicked.connect(
            lambda: self.doc and self.open_original_requested.emit(self.doc))
        self.reader = QPlainTextEdit()
        self.reader.setReadOnly(True)
        self.reader.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                            | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.reader.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        f = self.reader.font()
        f.setPointSizeF(f.pointSizeF() * 1.08)
        self.reader.setFont(f)
        self.add_action = QAction("Add as Evidence…", self)
        self.add_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.add_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_action.triggered.connect(self.request_evidence)
        self.addAction(self.add_action)
        self.reader.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.reader.customContextMenuRequested.connect(self._context_menu)
        self.add_btn = QPushButton("Add as Evidence…  (Ctrl+Shift+E)")
        self.add_btn.clicked.connect(self.request_evidence)
        self.reader.selectionChanged.connect(self._selection_changed)
        self.reader.cursorPositionChanged.connect(self._cursor_moved)
        self.info = plain_label(wrap=True)
        self.info.setMinimumHeight(self.fontMetrics().height() * 2)

        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.meta)
        titles.addWidget(self.links)
        head.addLayout(titles, 1)
        head.addWidget(self.original_btn, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.details_btn, 0, Qt.AlignmentFlag.AlignTop)
        bottom = QHBoxLayout()
        bottom.addWidget(self.info, 1)
        bottom.addWidget(self.add_btn, 0, Qt.AlignmentFlag.AlignTop)
        text_tab = QWidget()
        tl = QVBoxLayout(text_tab)
        tl.setContentsMargins(0, 4, 0, 0)
        tl.addWidget(self.reader, 1)
        tl.addLayout(bottom)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(text_tab, "&Text")
        self.views.addTab(self._page_tab, "Pa&ge")
        self.views.setTabToolTip(1, "The PDF as printed, with the evidence drawn on it")
        self.views.currentChanged.connect(self._view_changed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.views, 1)
        self._selection_changed()

    def show_document(self, doc: DocumentInfo, text: str, evidence: list[EvidenceInfo],
                      *, note: str = "", parent: DocumentInfo | None = None,
                      attachments: Sequence[DocumentInfo] = ()) -> None:
        switched = self.doc is None or self.doc.id != doc.id
        self.doc, self.text, self.evidence = doc, text, evidence
        self.title.setText(doc.title)
        links = []
        if parent is not None:
            links.append(f'Attached to the e-mail <a href="{parent.id}">'
                         f"{html.escape(parent.title)}</a>")
        if attachments:
            links.append("Attachments: " + ", ".join(
                f'<a href="{a.id}">{html.escape(a.original_name or a.title)}</a>'
                for a in attachments))
        if note:
            links.append(f"<i>{html.escape(note)}</i>")
        self.links.setText("<br>".join(links))
        self.links.setVisible(bool(links))
        is_pdf = doc.kind == "pdf"
        self.views.setTabEnabled(1, is_pdf)
        if not is_pdf and self.views.currentIndex() == 1:
            self.views.setCurrentIndex(0)
        if is_pdf and (self.views.currentIndex() == 1 or (
                not switched and self._page_view is not None and self._page_view.doc is not None)):
            self.page_view.show_document(doc, text, evidence)
        elif switched and self._page_view is not None:
            self._page_view.clear()
        bits = [b for b in (doc.publisher, doc.author,
                            f"{doc.published_on:%Y-%m-%d}" if doc.published_on else "undated",
                            doc.kind.upper(), f"{doc.pages} pages" if doc.pages else "",
                            plural(len(evidence), "evidence item", "evidence items")) if b]
        self.meta.setText("  ·  ".join(bits))
        self.reader.setPlainText(text)
        self._highlight()
        self.info.setText("Select a passage, then Add as Evidence…")

    def _view_changed(self, index: int) -> None:
        if index == 1 and self.doc is not None and self.page_view.doc != self.doc:
            self.page_view.show_document(self.doc, self.text, self.evidence)

    @property
    def page_view(self) -> Any:  # a PageView, made when first needed
        if self._page_view is None:
            from thesis_desk.ui.page_view import PageView

            self._page_view = PageView(self._load_original)
            self._page_view.add_evidence_requested.connect(self.add_evidence_requested)
            self._page_tab.layout().addWidget(self._page_view)
        return self._page_view

    def stop_pages(self) -> None:
        """The workspace closes: the page view's worker finishes and closes its PDF."""
        if self._page_view is not None:
            self._page_view.stop()

    def clear(self) -> None:
        self.doc, self.text, self.evidence = None, "", []
        self.title.setText("")
        self.meta.setText("")
        self.links.hide()
        if self._page_view is not None:
            self._page_view.clear()
        self.reader.clear()
        self.info.setText("Choose a document on the left.")
        self._selection_changed()

    def _highlight(self) -> None:
        sels = []
        for e in self.evidence:
            if e.start_offset is None or e.end_offset is None:
                continue
            sel = QTextEdit.ExtraSelection()
            cur = QTextCursor(self.reader.document())
            cur.setPosition(py_to_qt(self.text, e.start_offset))
            cur.setPosition(py_to_qt(self.text, e.end_offset), QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(STANCE_COLOURS.get(e.stance, STANCE_COLOURS["context"]))
            sel.cursor, sel.format = cur, fmt
            sels.append(sel)
        self.reader.setExtraSelections(sels)

    def reveal(self, start: int, end: int) -> None:
        """Scroll to a passage and select it (from an evidence row: "Open Passage"), on
        the page too when the page view is showing."""
        if self.views.currentIndex() == 1:
            self.page_view.reveal(start, end)
        cur = self.reader.textCursor()
        cur.setPosition(py_to_qt(self.text, start))
        cur.setPosition(py_to_qt(self.text, end), QTextCursor.MoveMode.KeepAnchor)
        self.reader.setTextCursor(cur)
        self.reader.centerCursor()
        self._describe_at(start)

    def selection(self) -> tuple[str, int, int] | None:
        cur = self.reader.textCursor()
        if not cur.hasSelection() or self.doc is None:
            return None
        return quote_span(self.text, qt_to_py(self.text, cur.selectionStart()),
                          qt_to_py(self.text, cur.selectionEnd()))

    def request_evidence(self) -> None:
        sel = self.selection()
        if sel is not None and self.doc is not None:
            self.add_evidence_requested.emit(self.doc, *sel)

    def _selection_changed(self) -> None:
        has = self.selection() is not None
        self.add_btn.setEnabled(has)
        self.add_action.setEnabled(has)

    def _cursor_moved(self) -> None:
        if not self.reader.textCursor().hasSelection() and self.text:
            self._describe_at(qt_to_py(self.text, self.reader.textCursor().position()))

    def _describe_at(self, pos: int) -> None:
        hits = [e for e in self.evidence if e.start_offset is not None
                and e.start_offset <= pos < (e.end_offset or 0)]
        if hits:
            self.info.setText("\n".join(
                f"{e.stance.capitalize()} (weight {e.weight}) · {e.thesis_title}"
                + (f" · {e.pillar_text}" if e.pillar_text else "")
                + (f" — {e.note}" if e.note else "") for e in hits))

    def _context_menu(self, pos: Any) -> None:
        menu = self.reader.createStandardContextMenu()
        menu.addSeparator()
        menu.addAction(self.add_action)
        menu.exec(self.reader.mapToGlobal(pos))
        menu.deleteLater()


class LibraryView(QWidget):
    message = Signal(str)
    import_requested = Signal()

    def __init__(self, session: WorkspaceSession, parent: QWidget | None = None):
        super().__init__(parent)
        from thesis_desk.ui.tasks import TaskRunner

        self.session = session
        self.runner = TaskRunner(self)  # searches, off the GUI thread beside the writer
        session.opened.connect(lambda _ws: self.refresh())
        self._generation = 0  # results of a superseded search are dropped
        self._search_cancel: Any = None  # the running search's cancel flag (it stops early)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles and text (words; quotes and symbols are "
                                       "just searched)")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.refresh)
        self.search.textChanged.connect(lambda t: not t and self.refresh())
        self.publisher = QComboBox()
        self.publisher.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.publisher.setMinimumContentsLength(12)
        self.publisher.currentIndexChanged.connect(lambda _i: self.refresh())
        self.date_from = OptionalDateEdit("From")
        self.date_to = OptionalDateEdit("To")
        for d in (self.date_from, self.date_to):
            d.check.toggled.connect(lambda _on: self.refresh())
            d.edit.dateChanged.connect(lambda _d: self.refresh())
        import_btn = QPushButton("Import…")
        import_btn.setToolTip("Import documents (Ctrl+I); or drop files on the window")
        import_btn.clicked.connect(self.import_requested)

        self.model = DocumentTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        hdr = self.table.horizontalHeader()
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hdr.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        fm = self.table.fontMetrics()
        # the title is what a person looks for: the publisher is cut first (whole in the
        # row's tooltip, with the citation)
        hdr.resizeSection(1, fm.horizontalAdvance("Investing.com") + 12)
        hdr.resizeSection(2, fm.horizontalAdvance("2025-09-01") + 18)
        self.table.setColumnHidden(3, True)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._open(cur.row()))
        self.snippet = QLabel()
        self.snippet.setTextFormat(Qt.TextFormat.RichText)  # built from escaped text only
        self.snippet.setWordWrap(True)
        self.count = muted(plain_label())
        # what the inbox folder brought (Preferences): shown while one is set
        self.inbox_title = plain_label(wrap=True)
        self.inbox_list = QListWidget()
        self.inbox_list.setMaximumHeight(self.fontMetrics().height() * 7)
        self.inbox_list.itemActivated.connect(self._open_arrival)
        self.inbox_list.itemClicked.connect(self._open_arrival)
        self.inbox_box = QWidget()
        ib = QVBoxLayout(self.inbox_box)
        ib.setContentsMargins(0, 4, 0, 0)
        ib.addWidget(self.inbox_title)
        ib.addWidget(self.inbox_list)
        self.inbox_box.hide()
        self._inbox_folder = ""

        self.reader = ReaderPanel(load_original=self._original_bytes)
        self.reader.open_document_requested.connect(self.open_document)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.publisher)
        top.addWidget(import_btn)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(top)
        dates = QHBoxLayout()
        dates.addWidget(muted(plain_label("Published")))
        dates.addWidget(self.date_from)
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        ll.addLayout(dates)
        ll.addWidget(self.table, 1)
        ll.addWidget(self.snippet)
        ll.addWidget(self.count)
        ll.addWidget(self.inbox_box)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.reader)
        self.splitter.setSizes([520, 740])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.splitter)
        self.reader.clear()

    # the services as the GUI calls them: on the edits worker, the window painting
    inbox: InboxService | None = SessionService("inbox")  # type: ignore[assignment]
    library: LibraryService | None = SessionService("library")  # type: ignore[assignment]
    evidence: EvidenceService | None = SessionService("evidence")  # type: ignore[assignment]

    def stop_reading(self) -> None:
        """The workspace closes: let a running search finish, its result dropped; the
        page view's worker closes its PDF."""
        if self._search_cancel is not None:
            self._search_cancel.set()
        self._generation += 1
        self.runner.wait()
        self.reader.stop_pages()

    def set_inbox(self, folder: str) -> None:
        """Show what the inbox folder brings (hidden while none is set)."""
        self._inbox_folder = folder
        self.inbox_box.setVisible(bool(folder))
        if folder:
            self.refresh_inbox()

    @guarded_read
    def refresh_inbox(self) -> None:
        if not self._inbox_folder or self.inbox is None:
            return
        recent = self.inbox.recent(30)
        self.inbox_title.setText(f"Arrived in the inbox ({self._inbox_folder}): "
                                 + (plural(len(recent), "file", "files") if recent else
                                    "nothing yet; files saved there are imported as they "
                                    "appear"))
        self.inbox_list.clear()
        for e in recent:
            mark = {"imported": "✓", "duplicate": "=", "refused": "✗"}.get(e.status, "")
            item = QListWidgetItem(f"{mark} {e.seen_at:%Y-%m-%d %H:%M}  {e.name}"
                                   + ("" if e.status == "imported" else f" — {e.status}"))
            item.setToolTip(plain_tip(e.message))
            item.setData(Qt.ItemDataRole.UserRole, e.document_id)
            self.inbox_list.addItem(item)

    def _open_arrival(self, item: QListWidgetItem) -> None:
        doc_id = item.data(Qt.ItemDataRole.UserRole)
        if doc_id is not None:
            self.open_document(int(doc_id))

    def _original_bytes(self, document_id: int) -> bytes:
        """The original file's bytes (on the page view's worker: a team server's original
        comes from the database)."""
        library = self.library
        if library is None:
            raise RuntimeError("the workspace is closed")
        return library.original(document_id).read_bytes()

    @guarded_read
    def refresh(self, select_id: int | None = None) -> None:
        if self.library is None:
            return
        keep = select_id if select_id is not None else (self.reader.doc.id if self.reader.doc else None)
        current_pub = self.publisher.currentData() or ""
        self.publisher.blockSignals(True)
        self.publisher.clear()
        self.publisher.addItem("All publishers", "")
        for p in self.library.publishers():
            self.publisher.addItem(p, p)
        self.publisher.setCurrentIndex(max(0, self.publisher.findData(current_pub)))
        self.publisher.blockSignals(False)
        query = self.search.text().strip()
        span = {"date_from": self.date_from.value(), "date_to": self.date_to.value()}
        if query:
            library = self.library

            def job(_progress: object = None, cancelled: object = None) -> list[SearchHit]:
                return library.search(query, publisher=current_pub, limit=SEARCH_LIMIT,
                                      cancelled=cancelled, **span)  # type: ignore[arg-type]

            self._generation += 1
            generation = self._generation
            if self._search_cancel is not None:  # a newer search supersedes a running one
                self._search_cancel.set()
            if self.runner is None:
                self._show_hits(job(), query, keep)
            else:  # a search over a big library can take a few hundred ms: not on the GUI thread
                self.count.setText(f"Searching for “{query}”…")
                self._search_cancel = self.runner.run(
                    job, show_progress=False,
                    on_done=lambda hits: generation == self._generation
                    and self._show_hits(hits, query, keep),
                    on_error=lambda exc: self.message.emit(f"Search failed: {exc}"))
            return
        else:
            self._generation += 1
            if self._search_cancel is not None:
                self._search_cancel.set()
            library = self.library

            def more(offset: int, limit: int) -> list[DocumentInfo]:
                return library.list(publisher=current_pub, limit=limit, offset=offset, **span)

            self.model.set_rows(more(0, self.model.PAGE), more=more)
            self.table.setColumnHidden(3, True)
            total = library.count(publisher=current_pub, **span)
            self.count.setText(plural(total, "document", "documents"))
        self._select_kept(keep, searching=False)

    def _show_hits(self, hits: list[SearchHit], query: str, keep: int | None) -> None:
        self.model.set_rows([h.document for h in hits], [h.snippet for h in hits])
        self.table.setColumnHidden(3, False)
        if len(hits) >= SEARCH_LIMIT:  # the best ones: more documents match than are shown
            self.count.setText(f"The best {len(hits):,} matches for “{query}”; more documents "
                               "match: add words or a publisher to narrow it")
        else:
            self.count.setText(plural(len(hits), "match", "matches") + f" for “{query}”")
        self._select_kept(keep, searching=True)

    def _select_kept(self, keep: int | None, *, searching: bool) -> None:
        self.snippet.setVisible(searching)
        row = next((n for n, d in enumerate(self.model.docs) if d.id == keep), 0 if self.model.docs else -1)
        if row >= 0:
            self.table.selectRow(row)
            self._open(row)
        else:
            self.reader.clear()

    def open_document(self, document_id: int, start: int | None = None,
                      end: int | None = None) -> None:
        self.search.clear()
        self.refresh(select_id=document_id)
        if start is not None and end is not None:
            self.reader.reveal(start, end)

    @guarded_read
    def _open(self, row: int) -> None:
        if self.library is None or self.evidence is None or not 0 <= row < len(self.model.docs):
            return
        doc = self.model.docs[row]
        if self.reader.doc is not None and self.reader.doc.id == doc.id and self.reader.doc == doc:
            self._show_snippet(row)
            return
        full = self.library.get(doc.id)
        self._show_full(full)
        self._show_snippet(row)

    def _show_full(self, full: Any) -> None:  # a DocumentText
        assert self.evidence is not None
        self.reader.show_document(full.info, full.text, self.evidence.for_document(full.info.id),
                                  note=full.extraction_note, parent=full.parent,
                                  attachments=full.attachments)

    def reload_current(self) -> None:
        """Re-read the open document's evidence (after evidence was filed or removed)."""
        if self.reader.doc is not None and self.library and self.evidence:
            full = self.library.get(self.reader.doc.id)
            cur = self.reader.reader.textCursor()
            self._show_full(full)
            self.reader.reader.setTextCursor(cur)

    def _show_snippet(self, row: int) -> None:
        from thesis_desk.core.records import HIT_END, HIT_START

        snip = self.model.snippets[row] if row < len(self.model.snippets) else ""
        safe = html.escape(" ".join(snip.split())).replace(HIT_START, "<b>").replace(HIT_END, "</b>")
        self.snippet.setText(safe)
