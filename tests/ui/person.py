"""Use the window as a person does: only what is shown, enabled and reachable.

Every helper here finds its target among the widgets a person could see (the open popup
menu, else the modal dialog, else the shown windows), fails when the target is hidden,
disabled, outside its window or covered by a modal dialog, and then acts on it with
real mouse and key events (``QTest``), never by calling a slot. A button row left out
of its layout has no parent window on screen and fails here, as it would for a person.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)


class NotReachable(AssertionError):
    """The target is not something a person could use right now."""


def _norm(text: str) -> str:
    return text.replace("&", "").replace("…", "...").strip().lower()


def reachable_roots() -> list[QWidget]:
    """Where a person can act now: an open popup, else the modal dialog, else windows."""
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return [popup]
    modal = QApplication.activeModalWidget()
    if modal is not None:
        return [modal]
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def check_reachable(w: QWidget) -> None:
    """Fail unless ``w`` is shown, enabled, inside a reachable window and not clipped away."""
    if not w.isVisible():
        raise NotReachable(f"{_describe(w)} is not visible")
    if not w.isEnabled():
        raise NotReachable(f"{_describe(w)} is disabled")
    if w.visibleRegion().isEmpty():
        raise NotReachable(f"{_describe(w)} is shown but clipped out of view")
    top = w.window()
    roots = reachable_roots()
    if top not in roots:
        raise NotReachable(f"{_describe(w)} is in {top.windowTitle()!r}, which a person cannot "
                           f"reach now (reachable: {[r.windowTitle() for r in roots]})")


def _describe(w: QWidget) -> str:
    text = _text_of(w)
    return f"{type(w).__name__}{f' {text!r}' if text else ''}"


def _text_of(w: QWidget) -> str:
    for attr in ("text", "title", "placeholderText"):
        fn = getattr(w, attr, None)
        if callable(fn):
            try:
                value = fn()
            except TypeError:
                continue
            if isinstance(value, str) and value:
                return value
    return ""


def _visible_widgets(roots: Iterable[QWidget], cls: type) -> list[QWidget]:
    found = []
    for root in roots:
        for w in [root, *root.findChildren(cls)]:
            if isinstance(w, cls) and w.isVisible() and not w.visibleRegion().isEmpty():
                found.append(w)
    return found


class Person:
    """Clicks, types and chooses in the shown window, as a person would."""

    def __init__(self, qtbot, timeout_ms: int = 3000):  # noqa: ANN001
        self.qtbot = qtbot
        self.timeout_ms = timeout_ms

    # -- finding

    def find(self, cls: type, text: str | None = None, *,
             within: QWidget | None = None, enabled: bool = True) -> QWidget:
        """The reachable widget of ``cls`` showing ``text`` (exact, then substring),
        waiting up to the timeout for it to appear (or become enabled)."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        while True:
            roots = [within] if within is not None else reachable_roots()
            hits = _visible_widgets(roots, cls)
            if text is not None:
                want = _norm(text)
                exact = [w for w in hits if _norm(_text_of(w)) == want]
                hits = exact or [w for w in hits if want in _norm(_text_of(w))]
            usable = [w for w in hits if w.isEnabled() or not enabled]
            if usable:
                return usable[0]
            if time.monotonic() > deadline:
                what = f"{cls.__name__} {text!r}" if text else cls.__name__
                shown = sorted({_text_of(w) for w in _visible_widgets(
                    roots, QAbstractButton) if _text_of(w)})
                state = "is disabled" if hits else "is not shown"
                raise NotReachable(f"{what} {state}; buttons shown: {shown}")
            self.qtbot.wait(20)

    def button(self, text: str, within: QWidget | None = None) -> QAbstractButton:
        return self.find(QAbstractButton, text, within=within)  # type: ignore[return-value]

    # -- acting

    def click(self, target: QWidget | str, *, within: QWidget | None = None,
              button: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
        w = self.button(target, within) if isinstance(target, str) else target
        check_reachable(w)
        QTest.mouseClick(w, button, Qt.KeyboardModifier.NoModifier, w.rect().center())
        self.settle()

    def type(self, target: QWidget, text: str, *, clear: bool = True) -> None:
        check_reachable(target)
        target.setFocus(Qt.FocusReason.MouseFocusReason)
        QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(3, 3) if isinstance(target, (QTextEdit, QPlainTextEdit))
                         else target.rect().center())
        if clear:
            QTest.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            QTest.keyClick(target, Qt.Key.Key_Delete)
        QTest.keyClicks(target, text)
        self.settle()

    def choose(self, combo: QComboBox, text: str) -> None:
        """Pick the item showing ``text`` (exact, then the first containing it) from the
        combo's own popup list, with the keyboard, as a person picks from a list."""
        check_reachable(combo)
        labels = [combo.itemText(i) for i in range(combo.count())]
        want = _norm(text)
        matches = [i for i, t in enumerate(labels) if _norm(t) == want] or [
            i for i, t in enumerate(labels) if want in _norm(t)]
        if not matches:
            raise NotReachable(f"no item {text!r} in the combo; it offers {labels}")
        combo.setFocus(Qt.FocusReason.MouseFocusReason)
        combo.showPopup()
        view = combo.view()
        self.qtbot.waitUntil(view.isVisible, timeout=self.timeout_ms)
        index = combo.model().index(matches[0], combo.modelColumn(), combo.rootModelIndex())
        view.scrollTo(index)
        rect = view.visualRect(index)
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, rect.center())
        self.qtbot.waitUntil(lambda: not view.isVisible(), timeout=self.timeout_ms)
        if combo.currentIndex() != matches[0]:
            raise NotReachable(f"choosing {text!r} did not take: the combo shows "
                               f"{combo.currentText()!r}")
        self.settle()

    def select_text(self, editor: QPlainTextEdit | QTextEdit, passage: str) -> None:
        """Select ``passage`` as a person does: click just before it, then Shift+Right
        over it (the reader takes keyboard selection)."""
        check_reachable(editor)
        text = editor.toPlainText()
        start = text.find(passage)
        if start < 0:
            raise NotReachable(f"the editor does not show {passage[:60]!r}")
        cur = editor.textCursor()
        cur.setPosition(start)
        editor.setTextCursor(cur)  # scrolls it into view, as a person scrolls to it
        editor.ensureCursorVisible()
        cur.clearSelection()
        rect = editor.cursorRect(cur)
        vp = editor.viewport()
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(rect.left() + 1, rect.center().y()))
        pos = editor.textCursor().position()
        # where the click landed, corrected with the arrow keys, as a person would
        for _ in range(abs(pos - start)):
            QTest.keyClick(editor, Qt.Key.Key_Left if pos > start else Qt.Key.Key_Right)
        for _ in range(len(passage)):
            QTest.keyClick(editor, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        got = editor.textCursor().selectedText()
        if got != passage:
            raise NotReachable(f"selected {got[:60]!r} instead of {passage[:60]!r}")

    def tab(self, tabs: QTabWidget, text: str) -> None:
        bar: QTabBar = tabs.tabBar()
        check_reachable(bar)
        for i in range(bar.count()):
            if _norm(bar.tabText(i)).startswith(_norm(text)):
                QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                                 bar.tabRect(i).center())
                self.settle()
                return
        raise NotReachable(f"no tab {text!r}; tabs: {[bar.tabText(i) for i in range(bar.count())]}")

    def row(self, view: QAbstractItemView, text: str, *, column: int | None = None,
            double: bool = False, button: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
        """Click the first row with a cell showing ``text`` (substring); a tree's
        expanded rows are looked at too, each under its parent."""
        self.settle()  # the rows a pending read brings
        check_reachable(view)
        model = view.model()
        want = _norm(text)
        try:
            ncols = model.columnCount(QModelIndex())
        except TypeError:  # a list widget's model keeps it private: one column
            ncols = 1

        def rows(parent: QModelIndex):  # noqa: ANN202 - (row, parent) in display order
            for r in range(model.rowCount(parent)):
                yield r, parent
                if hasattr(view, "isExpanded") and view.isExpanded(model.index(r, 0, parent)):
                    yield from rows(model.index(r, 0, parent))

        for r, parent in rows(QModelIndex()):
            cols = [column] if column is not None else range(ncols)
            for c in cols:
                idx = model.index(r, c, parent)
                if want in _norm(str(idx.data() or "")):
                    view.scrollTo(idx)
                    rect = view.visualRect(idx)
                    if rect.isEmpty():
                        continue  # a hidden column
                    point = rect.center()
                    QTest.mouseClick(view.viewport(), button, Qt.KeyboardModifier.NoModifier,
                                     point)
                    if double:
                        QTest.mouseDClick(view.viewport(), button,
                                          Qt.KeyboardModifier.NoModifier, point)
                    if button == Qt.MouseButton.RightButton:
                        self._context_menu(view.viewport(), point)
                    self.settle()
                    return
        rows = [str(model.index(r, 0).data()) for r in range(min(model.rowCount(QModelIndex()), 20))]
        raise NotReachable(f"no row showing {text!r}; rows: {rows}")

    def _context_menu(self, w: QWidget, point: QPoint) -> None:
        from PySide6.QtGui import QContextMenuEvent

        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, w.mapToGlobal(point))
        QApplication.sendEvent(w, event)

    def context_menu(self, view: QAbstractItemView, text: str, action: str) -> None:
        """Right-click the row showing ``text`` and choose ``action`` from its menu."""
        self.then_menu(action)
        self.row(view, text, button=Qt.MouseButton.RightButton)

    def then_menu(self, action: str) -> None:
        """Arm a choice in the next popup menu (context menus block in ``exec``)."""
        deadline = time.monotonic() + self.timeout_ms / 1000

        def pick() -> None:
            popup = QApplication.activePopupWidget()
            if not isinstance(popup, QMenu):
                if time.monotonic() < deadline:
                    QTimer.singleShot(20, pick)
                return
            for act in popup.actions():
                if _norm(act.text()) == _norm(action):
                    if not act.isEnabled() or not act.isVisible():
                        popup.close()
                        raise NotReachable(f"menu item {action!r} is disabled")
                    rect = popup.actionGeometry(act)
                    QTest.mouseClick(popup, Qt.MouseButton.LeftButton,
                                     Qt.KeyboardModifier.NoModifier, rect.center())
                    return
            popup.close()

        QTimer.singleShot(20, pick)

    def menu(self, window: QMainWindow, *path: str) -> None:
        """Choose a menu-bar item by its path ("File", "Export Memo…"), as a person
        opens each menu in turn; a disabled or missing item fails."""
        check_reachable(window.menuBar())
        actions = window.menuBar().actions()
        for depth, name in enumerate(path):
            found = [a for a in actions if _norm(a.text()) == _norm(name) and a.isVisible()]
            if not found:
                raise NotReachable(f"no menu item {name!r}; there are "
                                   f"{[a.text() for a in actions if a.text()]}")
            act: QAction = found[0]
            if not act.isEnabled():
                raise NotReachable(f"menu item {name!r} is disabled")
            if depth < len(path) - 1:
                sub = act.menu()
                sub.aboutToShow.emit()
                actions = sub.actions()
            else:
                act.trigger()
        self.settle()

    def date(self, target: QWidget, iso: str) -> None:
        """Type a date into a date field (yyyy-MM-dd), ticking its "set" box first where
        it has one (OptionalDateEdit), as a person must."""
        from PySide6.QtWidgets import QCheckBox, QDateEdit

        box = target.parentWidget()
        check = box.findChild(QCheckBox) if box is not None else None
        if check is not None and not check.isChecked():
            self.click(check)
        edit = target if isinstance(target, QDateEdit) else target.findChild(QDateEdit)
        check_reachable(edit)
        edit.setFocus(Qt.FocusReason.MouseFocusReason)
        QTest.mouseClick(edit, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(8, edit.height() // 2))
        QTest.keyClick(edit, Qt.Key.Key_Home)  # the year section, selected to type over:
        for _ in range(4):  # typed into, a digit before the shown year was lost (2026 -> 2025)
            QTest.keyClick(edit, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        QTest.keyClicks(edit, iso.replace("-", ""))  # a full section moves on to the next
        got = edit.date().toString("yyyy-MM-dd")
        if got != iso:
            raise NotReachable(f"typed {iso} but the date field shows {got}")

    def pick_file(self, dialog: QWidget, path: str) -> None:
        """Answer a (Qt, not native) file dialog: go to the file's folder, type its name
        and press the dialog's Open (or Save) button. Going to the folder is the one step
        not typed: offscreen, the dialog's completer cuts a typed path to its last part
        and a typed folder does not navigate, so the folder is set as the dialog's
        sidebar or path bar would set it."""
        from pathlib import Path

        from PySide6.QtWidgets import QDialogButtonBox

        name = dialog.findChild(QLineEdit, "fileNameEdit")
        if name is None:
            raise NotReachable(f"{type(dialog).__name__} has no file-name field")
        target = Path(path)
        dialog.setDirectory(str(target.parent))
        # a person sees the folder's files before typing: typed while the folder is still
        # being read, the dialog judges the name against nothing and keeps Save disabled
        self.qtbot.wait(300)
        self.type(name, target.name)
        self.qtbot.wait(50)
        popup = QApplication.activePopupWidget()
        if popup is not None:  # the completer's list, which a person dismisses with Escape
            QTest.keyClick(popup, Qt.Key.Key_Escape)
        buttons = dialog.findChild(QDialogButtonBox)
        accept = next(b for b in buttons.buttons()
                      if buttons.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole)
        self.wait_for(accept.isEnabled, 3000)  # the dialog enables it once it has looked
        self.click(accept)

    def settle(self) -> None:
        """What a person does between steps: look until the window has shown the result
        (no read of any view still pending)."""
        from thesis_desk.ui.ops import wait_idle

        wait_idle(self.timeout_ms / 1000)

    def wait_for(self, condition: Callable[[], object], timeout_ms: int = 5000) -> None:
        self.qtbot.waitUntil(lambda: bool(condition()), timeout=timeout_ms)


def field(dialog: QWidget, label: str) -> QWidget:
    """The input that the visible form label ``label`` names: its buddy, else the widget
    the form layout puts beside it."""
    from PySide6.QtWidgets import QFormLayout, QLabel

    want = _norm(label)
    for form in dialog.findChildren(QFormLayout):
        for r in range(form.rowCount()):
            lab = form.itemAt(r, QFormLayout.ItemRole.LabelRole)
            fld = form.itemAt(r, QFormLayout.ItemRole.FieldRole)
            if lab is None or fld is None or not isinstance(lab.widget(), QLabel):
                continue
            if _norm(lab.widget().text()) == want and lab.widget().isVisible():
                w = fld.widget()
                inputs = [c for c in w.findChildren(QWidget) if isinstance(
                    c, (QLineEdit, QComboBox, QPlainTextEdit, QTextEdit))
                    or type(c).__name__.endswith(("SpinBox", "DateEdit"))] if w else []
                if w is not None and not isinstance(w, (QLineEdit, QComboBox, QPlainTextEdit,
                                                        QTextEdit)) and inputs:
                    return inputs[0]
                return w if w is not None else fld.layout()
    raise NotReachable(f"no field labelled {label!r}")
