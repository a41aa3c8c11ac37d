"""Small widgets shared by the views and forms."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QTextBrowser,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)


def guarded_read(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A view's refresh over a damaged workspace opened read-only: what cannot be read is
    said (the view's message signal, else its window's status bar), never raised into
    Qt; the rest of the window still shows what can be read."""

    @functools.wraps(fn)
    def wrapper(self: Any, *args: Any, **kw: Any) -> Any:
        from thesis_desk.core.errors import UnreadableError

        try:
            return fn(self, *args, **kw)
        except UnreadableError as exc:
            message = getattr(self, "message", None)
            if message is not None:
                message.emit(str(exc))
            elif hasattr(self.window(), "statusBar"):
                self.window().statusBar().showMessage(str(exc), 20000)
            return None

    return wrapper


def plain_label(text: str = "", *, wrap: bool = False, selectable: bool = False) -> QLabel:
    """A label that never interprets markup: for anything a person typed or imported."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def heading_label(text: str = "", *, scale: float = 1.35) -> QLabel:
    label = plain_label(text, wrap=True, selectable=True)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def muted(label: QLabel) -> QLabel:
    """Secondary text: the palette's placeholder colour, so light and dark both work."""
    pal = label.palette()
    pal.setColor(label.foregroundRole(), pal.color(pal.ColorRole.PlaceholderText))
    label.setPalette(pal)
    return label


class DetailPane(QLabel):
    """The whole text of the selected row, wrapped and selectable, under a list that must
    cut it short to stay one line a row (quotes, statements, journal reasons)."""

    def __init__(self, placeholder: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.placeholder = placeholder
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setFrameShape(QLabel.Shape.StyledPanel)
        self.setMargin(6)
        # a quote's head, three lines of it and its source, before it needs the tooltip
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * 5 + 14)
        self.setSizePolicy(self.sizePolicy().horizontalPolicy(),
                           self.sizePolicy().Policy.Preferred)
        self.show_text(None)

    def show_text(self, text: str | None) -> None:
        self.setText(text or self.placeholder)
        self.setEnabled(bool(text))  # the placeholder reads greyed


class FieldError(QLabel):
    """The message shown beside a form field when its input is refused."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setStyleSheet("color: #d93025;")
        self.hide()

    def show_error(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))


def clear_on_edit(field: QWidget, error: FieldError) -> None:
    """Hide a field's message as soon as the person changes the field (or a part of a
    composite one, such as a date with its checkbox): a refusal that stays after the
    input is fixed reads as if the fix did not take."""
    for w in (field, *field.findChildren(QWidget)):
        for signal in ("textChanged", "currentIndexChanged", "valueChanged", "dateChanged",
                       "toggled"):
            sig = getattr(w, signal, None)
            if sig is not None:
                sig.connect(lambda *_: error.show_error(""))


def with_error(field: QWidget, error: FieldError) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(field)
    lay.addWidget(error)
    return box


class OptionalDateEdit(QWidget):
    """A date that may be absent: a checkbox turns the date on or off."""

    def __init__(self, label: str = "Set", parent: QWidget | None = None):
        super().__init__(parent)
        self.check = QCheckBox(label)
        self.edit = QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setDate(QDate.currentDate())
        self.edit.setEnabled(False)
        self.check.toggled.connect(self.edit.setEnabled)
        self.setFocusProxy(self.check)  # a label's mnemonic lands on the checkbox
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.check)
        lay.addWidget(self.edit, 1)

    def value(self) -> dt.date | None:
        if not self.check.isChecked():
            return None
        q = self.edit.date()
        return dt.date(q.year(), q.month(), q.day())

    def set_value(self, value: dt.date | None) -> None:
        self.check.setChecked(value is not None)
        if value is not None:
            self.edit.setDate(QDate(value.year, value.month, value.day))


class SafeTextBrowser(QTextBrowser):
    """Rich text view that loads nothing: no files, no network, no images from text.

    Markdown is rendered with raw HTML switched off, and clicking a web link opens
    it in the system browser rather than inside the app.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._open_link)

    def loadResource(self, _type: int, _name: QUrl) -> object:  # noqa: N802 (Qt API)
        return None

    def set_markdown(self, text: str) -> None:
        features = (
            QTextDocument.MarkdownFeature.MarkdownDialectGitHub
            | QTextDocument.MarkdownFeature.MarkdownNoHTML
        )
        self.document().setMarkdown(text, features)

    @staticmethod
    def _open_link(url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)


def local_time(value: dt.datetime) -> str:
    """A stored UTC time shown in the person's local time."""
    return value.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def confirm(parent: QWidget | None, title: str, text: str, *, yes: str = "OK",
            icon: QMessageBox.Icon = QMessageBox.Icon.Question) -> bool:
    """Ask before something risky. The text is plain: a thesis title is never markup."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is ok


def shorten(text: str, limit: int) -> str:
    """Text cut to ``limit`` characters at a word boundary, with an ellipsis: a list item
    cut mid-word with no sign of the cut reads as the whole text."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.-") + "…"


def plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def safe_file_name(text: str, fallback: str = "export") -> str:
    """A title as a file-name stem: word characters, spaces and dashes, at most 80."""
    import re

    return re.sub(r"[^\w\- ]+", "", text).strip()[:80] or fallback


def plain_tip(text: str) -> str:
    """A tooltip for typed or imported text: Qt guesses rich text in tooltips, so escape."""
    import html

    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>" if text else ""


class PaintLater(QStackedWidget):
    """A costly widget (a chart) held behind a plain blank page of the same size until
    ``reveal()``: its first paint then happens in a turn of its own, not with the rest
    of a view's first frame, and nothing jumps when it appears."""

    def __init__(self, content: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        blank = QWidget()
        blank.setAutoFillBackground(True)
        blank.setBackgroundRole(QPalette.ColorRole.Base)
        self.addWidget(blank)
        self.content = content
        self.addWidget(content)

    @property
    def revealed(self) -> bool:
        return self.currentWidget() is self.content

    def reveal(self) -> None:
        self.setCurrentWidget(self.content)


def reveal_in_turns(owner: QObject, widgets: list[PaintLater], every_ms: int = 20) -> None:
    """Reveal ``widgets`` one at a time, ``every_ms`` apart: each first paint in its own
    turn of the event loop (a deleted one is skipped)."""
    import shiboken6

    todo = [w for w in widgets if not w.revealed]

    def step() -> None:
        while todo:
            w = todo.pop(0)
            if shiboken6.isValid(w) and not w.revealed:
                w.reveal()
                if todo:
                    QTimer.singleShot(every_ms, owner, step)
                return

    if todo:
        QTimer.singleShot(every_ms, owner, step)


def flat_tree(headers: list[str], stretch: int) -> QTreeWidget:
    """A one-level list of rows: columns fit their contents, ``stretch`` takes the rest,
    a long text cut with an ellipsis (whole in its tooltip)."""
    from PySide6.QtWidgets import QHeaderView

    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    tree.setTextElideMode(Qt.TextElideMode.ElideRight)
    hdr = tree.header()
    hdr.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    hdr.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    hdr.setStretchLastSection(False)
    return tree
