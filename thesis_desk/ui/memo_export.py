"""Export Memo from the window: options, the save dialog, and the work off the GUI thread.

The memo is assembled on the worker thread, its charts drawn on the GUI thread (pyqtgraph
lives there), and the PDF laid out and written on the worker again, all behind one
progress dialog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from thesis_desk import preferences
from thesis_desk.ui.widgets import OptionalDateEdit, muted, plain_label, safe_file_name

if TYPE_CHECKING:
    from thesis_desk.app import Workspace
    from thesis_desk.ui.tasks import TaskRunner


class _MemoSettingsDialog(QDialog):
    """The memo's author and paper, on a form that subclasses add rows to."""

    def __init__(self, title: str, prefs: preferences.Preferences, ok: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.author = QLineEdit(prefs.author)
        self.author.setPlaceholderText("your name, printed on memos")
        self.page_size = QComboBox()
        self.page_size.addItems(list(preferences.PAGE_SIZES))
        self.page_size.setCurrentText(prefs.page_size)
        self.form = QFormLayout()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addWidget(buttons)
        self.setMinimumWidth(440)


class MemoOptionsDialog(_MemoSettingsDialog):
    """As of which day, on which paper, signed by whom."""

    def __init__(self, prefs: preferences.Preferences, parent: QWidget | None = None):
        super().__init__("Export Memo", prefs, "Choose File…", parent)
        self.as_of = OptionalDateEdit("")
        self.as_of.set_value(dt.date.today())
        self.form.addRow("As &of", self.as_of)
        self.form.addRow("", muted(plain_label(
            "A past date shows the thesis as it stood then: conviction, status and pillar "
            "states replayed from the journal; later evidence, observations and alerts left "
            "out.", wrap=True)))
        self.form.addRow("&Paper", self.page_size)
        self.form.addRow("&Author", self.author)


class PreferencesDialog(_MemoSettingsDialog):
    def __init__(self, prefs: preferences.Preferences, parent: QWidget | None = None):
        super().__init__("Preferences", prefs, "Save", parent)
        self.form.addRow("Memo &author", self.author)
        self.form.addRow("Memo &paper", self.page_size)


def suggested_name(title: str, as_of: dt.date, suffix: str = ".pdf") -> str:
    return f"{safe_file_name(title, 'thesis')} - memo {as_of:%Y-%m-%d}{suffix}"


def run_export(ws: Workspace, tasks: TaskRunner, parent: QWidget, thesis_id: int, path: Path,
               *, as_of: dt.date | None, author: str, page_size: str,
               on_done: Callable[[str], None], on_error: Callable[[Exception], None]) -> None:
    """Assemble (worker) -> charts (GUI thread) -> write (worker), then report."""
    from thesis_desk.core.memo import build_memo
    from thesis_desk.memo_pdf import chart_steps, write_markdown, write_pdf

    markdown = path.suffix.lower() in (".md", ".markdown")

    def assemble(progress, cancelled):  # noqa: ANN001, ANN202
        progress(0, 4, "Gathering the thesis")
        memo = build_memo(ws, thesis_id, as_of=as_of, author=author)
        if markdown:
            write_markdown(memo, path)
        return memo

    def assembled(memo: object) -> None:
        if markdown:
            on_done(f"Memo saved to {path}.")
            return
        charts: dict = {}
        steps = chart_steps(memo, charts)  # type: ignore[arg-type]

        def write(progress, cancelled):  # noqa: ANN001, ANN202
            return write_pdf(memo, charts, path, page_size=page_size,  # type: ignore[arg-type]
                             progress=progress)

        def step() -> None:
            """One chart drawn on the GUI thread per turn of its event loop; then the
            PDF is laid out and written on the worker."""
            try:
                next(steps)
            except StopIteration:
                tasks.run(write, on_done=lambda pages: on_done(
                    f"Memo saved to {path} ({pages} pages)."),
                    on_error=on_error, title="Exporting memo", parent=parent)
                return
            except Exception as exc:  # noqa: BLE001 - reported as the export's failure
                on_error(exc)
                return
            QTimer.singleShot(0, parent, step)

        step()

    tasks.run(assemble, on_done=assembled, on_error=on_error, title="Exporting memo",
              parent=parent)
