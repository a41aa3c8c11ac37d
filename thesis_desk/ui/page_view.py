"""A PDF as printed, beside its text: the page rendered, zoom and page navigation, filed
evidence drawn on the page in its stance's colour, a passage selected on the page filed
as evidence with the same form (offsets and page as from the text view), search hits
marked and stepped through, and a list of the document's evidence that jumps to each.

PDFium works on the page view's own worker: opening the original (its text rebuilt to map
offsets to characters), rendering a page and measuring its characters' boxes. The GUI
thread only paints cached images and hit-tests cached boxes. Pages are cached by page
and scale (PAGE_CACHE of them).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.records import DocumentInfo, EvidenceInfo
from thesis_desk.ui.widgets import muted, plain_label

if TYPE_CHECKING:
    from thesis_desk.core.pdf import PdfPages, Rect

PAGE_CACHE = 12
ZOOMS = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0)
SELECTION = QColor(51, 119, 255, 70)
HIT = QColor(255, 200, 0, 110)
CURRENT_HIT = QColor(255, 120, 0, 150)


@dataclass
class RenderedPage:
    index: int
    scale: float
    image: QImage
    offsets: list[int]  # document offsets of the page's characters, in order
    rects: list[Rect]  # their boxes, in points from the page's bottom left


class PageCanvas(QWidget):
    """One page: its image, highlights, the selection; mouse selection in page points."""

    selection_changed = Signal()
    context_menu_requested = Signal(object)  # global QPoint

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.page: RenderedPage | None = None
        self.page_height = 0.0  # points
        self.highlights: list[tuple[QColor, list[Rect]]] = []
        self.selection: tuple[int, int] | None = None  # document offsets [start, end)
        self._anchor: int | None = None
        self.setMouseTracking(False)
        self.setCursor(Qt.CursorShape.IBeamCursor)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(
            lambda pos: self.context_menu_requested.emit(self.mapToGlobal(pos)))

    def show_page(self, page: RenderedPage | None, page_height: float) -> None:
        self.page, self.page_height = page, page_height
        if page is not None:
            ratio = page.image.devicePixelRatio() or 1.0
            self.setFixedSize(QSize(int(page.image.width() / ratio),
                                    int(page.image.height() / ratio)))
        self.update()

    def _scale(self) -> float:
        if self.page is None:
            return 1.0
        return self.page.scale / (self.page.image.devicePixelRatio() or 1.0)

    def to_widget(self, r: Rect) -> QRectF:
        k = self._scale()
        return QRectF(r.left * k, (self.page_height - r.top) * k,
                      (r.right - r.left) * k, (r.top - r.bottom) * k)

    def to_page(self, p: QPointF) -> tuple[float, float]:
        k = self._scale()
        return p.x() / k, self.page_height - p.y() / k

    def offset_at(self, p: QPointF) -> int | None:
        from thesis_desk.core.pdf import nearest_char

        if self.page is None:
            return None
        x, y = self.to_page(p)
        return nearest_char(self.page.offsets, self.page.rects, x, y)

    def paintEvent(self, _event: Any) -> None:  # noqa: N802
        from thesis_desk.core.pdf import line_boxes

        painter = QPainter(self)
        try:
            if self.page is None:
                painter.fillRect(self.rect(), self.palette().base())
                return
            painter.drawImage(QPointF(0, 0), self.page.image)
            painter.setPen(Qt.PenStyle.NoPen)
            for colour, rects in self.highlights:
                painter.setBrush(colour)
                for r in rects:
                    painter.drawRect(self.to_widget(r))
            if self.selection is not None:
                painter.setBrush(SELECTION)
                for r in line_boxes(self.page.offsets, self.page.rects, *self.selection):
                    painter.drawRect(self.to_widget(r))
            painter.setPen(QPen(self.palette().mid().color()))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        finally:
            painter.end()

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._anchor = self.offset_at(event.position())
        self.selection = None
        self.update()
        self.selection_changed.emit()

    def mouseMoveEvent(self, event: Any) -> None:  # noqa: N802
        if self._anchor is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        here = self.offset_at(event.position())
        if here is not None:
            a, b = sorted((self._anchor, here))
            self.selection = (a, b + 1)
            self.update()
            self.selection_changed.emit()

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802
        self.mouseMoveEvent(event)
        self._anchor = None


class PageView(QWidget):
    """The page view of one PDF document (ReaderPanel shows it beside the text)."""

    add_evidence_requested = Signal(object, str, int, int)  # DocumentInfo, quote, start, end
    message = Signal(str)

    def __init__(self, load_original: Callable[[int], bytes] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        from thesis_desk.ui.tasks import TaskRunner

        self.runner = TaskRunner(self)  # PDFium's own worker
        self.load_original = load_original
        self.doc: DocumentInfo | None = None
        self.text = ""
        self.evidence: list[EvidenceInfo] = []
        self.pages: PdfPages | None = None
        self.mapped = False  # the rebuilt text is the stored text: offsets hold
        self.index = 0
        self.zoom: float | None = None  # None: fit the width
        self.cache: OrderedDict[tuple[int, float], RenderedPage] = OrderedDict()
        self._pending: set[tuple[int, float]] = set()
        self._generation = 0
        self.hits: list[tuple[int, int]] = []
        self.hit = -1

        self.prev_btn = QToolButton()
        self.prev_btn.setText("◀")
        self.prev_btn.setToolTip("Previous page (Page Up)")
        self.prev_btn.clicked.connect(lambda: self.go_to(self.index - 1))
        self.next_btn = QToolButton()
        self.next_btn.setText("▶")
        self.next_btn.setToolTip("Next page (Page Down)")
        self.next_btn.clicked.connect(lambda: self.go_to(self.index + 1))
        self.page_box = QSpinBox()
        self.page_box.setMinimum(1)
        self.page_box.setKeyboardTracking(False)
        self.page_box.valueChanged.connect(lambda v: self.go_to(v - 1))
        self.page_of = muted(plain_label("of 0"))
        self.zoom_out = QToolButton()
        self.zoom_out.setText("−")
        self.zoom_out.setToolTip("Zoom out (Ctrl+-)")
        self.zoom_out.clicked.connect(lambda: self.step_zoom(-1))
        self.zoom_in = QToolButton()
        self.zoom_in.setText("+")
        self.zoom_in.setToolTip("Zoom in (Ctrl++)")
        self.zoom_in.clicked.connect(lambda: self.step_zoom(1))
        self.fit_btn = QToolButton()
        self.fit_btn.setText("Fit Width")
        self.fit_btn.setCheckable(True)
        self.fit_btn.setChecked(True)
        self.fit_btn.clicked.connect(self._fit_width)
        self.zoom_label = muted(plain_label(""))
        self.find = QLineEdit()
        self.find.setPlaceholderText("Find on the pages")
        self.find.setClearButtonEnabled(True)
        self.find.returnPressed.connect(lambda: self.step_hit(1))
        self.find.textChanged.connect(self._find_changed)
        self.find_prev = QToolButton()
        self.find_prev.setText("↑")
        self.find_prev.setToolTip("Previous match (Shift+Enter)")
        self.find_prev.clicked.connect(lambda: self.step_hit(-1))
        self.find_next = QToolButton()
        self.find_next.setText("↓")
        self.find_next.setToolTip("Next match (Enter)")
        self.find_next.clicked.connect(lambda: self.step_hit(1))
        self.hit_label = muted(plain_label(""))

        self.canvas = PageCanvas()
        self.canvas.selection_changed.connect(self._selection_changed)
        self.canvas.context_menu_requested.connect(self._context_menu)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.canvas)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setBackgroundRole(self.palette().ColorRole.Dark)
        self.status = muted(plain_label("", wrap=True))
        self.evidence_list = QListWidget()
        self.evidence_list.setWordWrap(True)
        self.evidence_list.itemActivated.connect(self._jump)
        self.evidence_list.itemClicked.connect(self._jump)
        self.add_action = QAction("Add as Evidence…", self)
        self.add_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.add_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.add_action.triggered.connect(self.request_evidence)
        self.addAction(self.add_action)
        self.add_btn = QPushButton("Add as Evidence…  (Ctrl+Shift+E)")
        self.add_btn.clicked.connect(self.request_evidence)
        for keys, step in (("PgUp", -1), ("PgDown", 1)):
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(lambda _c=False, s=step: self.go_to(self.index + s))
            self.addAction(act)
        for keys, step in ((QKeySequence.StandardKey.ZoomIn, 1),
                           (QKeySequence.StandardKey.ZoomOut, -1)):
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(lambda _c=False, s=step: self.step_zoom(s))
            self.addAction(act)

        bar = QHBoxLayout()
        for w in (self.prev_btn, self.page_box, self.page_of, self.next_btn):
            bar.addWidget(w)
        bar.addSpacing(12)
        for w in (self.zoom_out, self.zoom_label, self.zoom_in, self.fit_btn):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.find, 1)
        for w in (self.find_prev, self.find_next, self.hit_label):
            bar.addWidget(w)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(plain_label("Evidence on this document"))
        sl.addWidget(self.evidence_list, 1)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.scroll)
        self.split.addWidget(side)
        self.split.setStretchFactor(0, 4)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([600, 200])
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.add_btn, 0, Qt.AlignmentFlag.AlignTop)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.split, 1)
        lay.addLayout(bottom)
        self._selection_changed()
        self._update_controls()

    # -- opening

    def show_document(self, doc: DocumentInfo, text: str, evidence: list[EvidenceInfo]) -> None:
        """Show ``doc``'s pages (opened on the worker), the evidence drawn on them."""
        same = self.doc is not None and self.doc.id == doc.id and self.pages is not None
        self.doc, self.text, self.evidence = doc, text, evidence
        self._fill_evidence_list()
        if same:
            self._refresh_highlights()
            return
        self._close_pages()
        self._generation += 1
        generation = self._generation
        self.status.setText("Opening the pages…")
        load = self.load_original
        doc_id = doc.id

        def job(_progress: object = None, _cancelled: object = None) -> PdfPages:
            from thesis_desk.core.pdf import PdfPages

            if load is None:
                raise RuntimeError("no original to open")
            return PdfPages(load(doc_id), doc.original_name or doc.title)

        self.runner.run(job, show_progress=False,
                        on_done=lambda pages: self._opened(pages, generation),
                        on_error=lambda exc: self._failed(exc, generation))

    def _opened(self, pages: PdfPages, generation: int) -> None:
        if generation != self._generation:  # another document was chosen meanwhile
            self.runner.run(lambda *_a: pages.close(), show_progress=False,
                            on_done=lambda _r: None, on_error=lambda _e: None)
            return
        self.pages = pages
        self.mapped = pages.text.text == self.text
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(max(1, len(pages)))
        self.page_box.setValue(1)
        self.page_box.blockSignals(False)
        self.page_of.setText(f"of {len(pages)}")
        self.index = 0
        self.status.setText(
            "Select a passage on the page, then Add as Evidence…" if self.mapped else
            "This document's text was read by an earlier PDF reader, so filed evidence "
            "cannot be drawn on these pages and passages are filed from the Text view.")
        self._fill_evidence_list()  # now with each item's page
        self._update_controls()
        self._request(self.index)

    def _failed(self, exc: Exception, generation: int) -> None:
        if generation == self._generation:
            self.status.setText(f"The pages cannot be shown: {exc}")
            self._update_controls()

    def _close_pages(self) -> None:
        pages, self.pages = self.pages, None
        self.cache.clear()
        self._pending.clear()
        self.hits, self.hit = [], -1
        self.canvas.selection = None
        self.canvas.show_page(None, 0)
        if pages is not None:
            self.runner.run(lambda *_a: pages.close(), show_progress=False,
                            on_done=lambda _r: None, on_error=lambda _e: None)

    def clear(self) -> None:
        self._generation += 1
        self.doc, self.text, self.evidence = None, "", []
        self._close_pages()
        self.evidence_list.clear()
        self.status.setText("")
        self._update_controls()

    def stop(self) -> None:
        """The window closes: the worker finishes, the PDF is closed on it."""
        self.clear()
        self.runner.wait()

    # -- pages

    def scale(self) -> float:
        """Pixels per point at the current zoom (fit width: the view's width)."""
        if self.pages is None or not len(self.pages):
            return 1.0
        if self.zoom is None:
            width = self.pages.sizes[self.index][0]
            room = max(200, self.scroll.viewport().width() - 24)
            return room / width
        return self.zoom * self.logicalDpiX() / 72.0

    def _key(self, index: int) -> tuple[int, float]:
        return index, round(self.scale() * self.devicePixelRatioF(), 3)

    def _request(self, index: int) -> None:
        """Show page ``index``: from the cache at once, else rendered on the worker."""
        if self.pages is None:
            return
        key = self._key(index)
        cached = self.cache.get(key)
        if cached is not None:
            self.cache.move_to_end(key)
            self._show(cached)
            return
        if key in self._pending:
            return
        self._pending.add(key)
        pages, generation, ratio = self.pages, self._generation, self.devicePixelRatioF()
        index_, pixels_per_point = key

        def job(_progress: object = None, _cancelled: object = None) -> RenderedPage:
            w, h, stride, data = pages.render(index_, pixels_per_point)
            image = QImage(data, w, h, stride, QImage.Format.Format_RGB32).copy()
            image.setDevicePixelRatio(ratio)
            offsets, rects = pages.char_boxes(index_)
            return RenderedPage(index_, pixels_per_point, image, offsets, rects)

        self.runner.run(job, show_progress=False,
                        on_done=lambda page: self._rendered(page, key, generation),
                        on_error=lambda exc: self._failed(exc, generation))

    def _rendered(self, page: RenderedPage, key: tuple[int, float], generation: int) -> None:
        self._pending.discard(key)
        if generation != self._generation:
            return
        self.cache[key] = page
        while len(self.cache) > PAGE_CACHE:
            self.cache.popitem(last=False)
        if page.index == self.index and key == self._key(self.index):
            self._show(page)
            if self.pages is not None and self.index + 1 < len(self.pages):
                self._request_ahead(self.index + 1)

    def _request_ahead(self, index: int) -> None:
        if self._key(index) not in self.cache:
            self._request(index)

    def _show(self, page: RenderedPage) -> None:
        assert self.pages is not None
        self.canvas.show_page(page, self.pages.sizes[page.index][1])
        self._refresh_highlights()
        self._update_controls()

    def go_to(self, index: int) -> None:
        if self.pages is None or not 0 <= index < len(self.pages):
            return
        if index != self.index:
            self.canvas.selection = None
            self._selection_changed()
        self.index = index
        self.page_box.blockSignals(True)
        self.page_box.setValue(index + 1)
        self.page_box.blockSignals(False)
        self._update_controls()
        self._request(index)

    def step_zoom(self, step: int) -> None:
        current = self.zoom if self.zoom is not None else self.scale() * 72.0 / self.logicalDpiX()
        if step > 0:
            bigger = [z for z in ZOOMS if z > current + 0.01]
            self.zoom = bigger[0] if bigger else ZOOMS[-1]
        else:
            smaller = [z for z in ZOOMS if z < current - 0.01]
            self.zoom = smaller[-1] if smaller else ZOOMS[0]
        self.fit_btn.setChecked(False)
        self._update_controls()
        self._request(self.index)

    def _fit_width(self) -> None:
        self.zoom = None
        self.fit_btn.setChecked(True)
        self._update_controls()
        self._request(self.index)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.zoom is None and self.pages is not None:
            self._request(self.index)

    def _update_controls(self) -> None:
        n = len(self.pages) if self.pages is not None else 0
        self.prev_btn.setEnabled(self.index > 0)
        self.next_btn.setEnabled(self.index + 1 < n)
        self.page_box.setEnabled(n > 1)
        for w in (self.zoom_in, self.zoom_out, self.fit_btn, self.find):
            w.setEnabled(n > 0)
        self.find_next.setEnabled(bool(self.hits))
        self.find_prev.setEnabled(bool(self.hits))
        if n:
            self.zoom_label.setText(f"{self.scale() * 72.0 / self.logicalDpiX():.0%}")

    # -- highlights, evidence, search

    def _refresh_highlights(self) -> None:
        from thesis_desk.core.pdf import line_boxes
        from thesis_desk.ui.library_view import STANCE_COLOURS

        page = self.canvas.page
        marks: list[tuple[QColor, list[Rect]]] = []
        if page is not None and self.mapped:
            for e in self.evidence:
                if e.start_offset is None or e.end_offset is None:
                    continue
                rects = line_boxes(page.offsets, page.rects, e.start_offset, e.end_offset)
                if rects:
                    marks.append((STANCE_COLOURS.get(e.stance, STANCE_COLOURS["context"]),
                                  rects))
            for n, (a, b) in enumerate(self.hits):
                rects = line_boxes(page.offsets, page.rects, a, b)
                if rects:
                    marks.append((CURRENT_HIT if n == self.hit else HIT, rects))
        self.canvas.highlights = marks
        self.canvas.update()

    def _fill_evidence_list(self) -> None:
        self.evidence_list.clear()
        pages = self.pages  # the item's page once the PDF is open
        for e in sorted(self.evidence, key=lambda e: (e.start_offset or 0, e.id)):
            where = ("" if pages is None or e.start_offset is None
                     else f"p. {pages.page_of(e.start_offset) + 1} · ")
            item = QListWidgetItem(f"{where}{e.stance.capitalize()} · {e.thesis_title}\n"
                                   f"“{' '.join(e.quote.split())[:160]}”")
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            item.setToolTip(e.note or e.quote[:400])
            self.evidence_list.addItem(item)
        if not self.evidence:
            empty = QListWidgetItem("None yet: select a passage on the page and Add as "
                                    "Evidence…")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.evidence_list.addItem(empty)

    def _jump(self, item: QListWidgetItem) -> None:
        ev = next((e for e in self.evidence
                   if e.id == item.data(Qt.ItemDataRole.UserRole)), None)
        if ev is not None and ev.start_offset is not None:
            self.reveal(ev.start_offset, ev.end_offset or ev.start_offset + 1)

    def reveal(self, start: int, end: int) -> None:
        """Go to the page holding [start, end) and select it there."""
        if self.pages is None:
            return
        self.go_to(self.pages.page_of(start))
        if self.mapped:
            self.canvas.selection = (start, end)
            self.canvas.update()
            self._selection_changed()

    def _find_changed(self, text: str) -> None:
        self.hits = self.pages.find(text) if self.pages is not None and self.mapped else []
        self.hit = -1
        if text.strip() and self.pages is not None:
            self.hit_label.setText(f"{len(self.hits)} match{'' if len(self.hits) == 1 else 'es'}"
                                   if self.mapped else "use the Text view's search")
        else:
            self.hit_label.setText("")
        self._update_controls()
        self._refresh_highlights()

    def step_hit(self, step: int) -> None:
        if not self.hits or self.pages is None:
            return
        self.hit = (self.hit + step) % len(self.hits)
        self.hit_label.setText(f"{self.hit + 1} of {len(self.hits)}")
        self.go_to(self.pages.page_of(self.hits[self.hit][0]))
        self._refresh_highlights()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ShiftModifier and self.find.hasFocus()):
            self.step_hit(-1)
            return
        super().keyPressEvent(event)

    # -- filing

    def selection(self) -> tuple[str, int, int] | None:
        sel = self.canvas.selection
        if sel is None or self.doc is None or not self.mapped:
            return None
        from thesis_desk.ui.library_view import quote_span

        return quote_span(self.text, *sel)

    def request_evidence(self) -> None:
        sel = self.selection()
        if sel is not None and self.doc is not None:
            self.add_evidence_requested.emit(self.doc, *sel)

    def _selection_changed(self) -> None:
        sel = self.selection()
        self.add_btn.setEnabled(sel is not None)
        self.add_action.setEnabled(sel is not None)
        if sel is not None:
            hits = [e for e in self.evidence if e.start_offset is not None
                    and e.start_offset < sel[2] and sel[1] < (e.end_offset or 0)]
            self.status.setText(
                "\n".join(f"{e.stance.capitalize()} (weight {e.weight}) · {e.thesis_title}"
                          + (f" · {e.pillar_text}" if e.pillar_text else "") for e in hits)
                or f"Selected: “{' '.join(sel[0].split())[:120]}”")

    def _context_menu(self, where: Any) -> None:
        menu = QMenu(self)
        menu.addAction(self.add_action)
        menu.exec(where)
        menu.deleteLater()

