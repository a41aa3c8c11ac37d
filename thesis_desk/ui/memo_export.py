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

from PySide6.QtCore import QProcess, Qt, QTimer
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
        self.since = OptionalDateEdit("Choose a day")
        self.form.addRow("Changes &since", self.since)
        self.form.addRow("", muted(plain_label(
            "Page one says what changed since then: by default since the last review, else "
            "over the last 30 days.", wrap=True)))
        from PySide6.QtWidgets import QCheckBox

        self.comments = QCheckBox("Add the &discussion thread (comments, with their authors)")
        self.form.addRow("", self.comments)
        self.form.addRow("&Paper", self.page_size)
        self.form.addRow("&Author", self.author)


class PreferencesDialog(_MemoSettingsDialog):
    def __init__(self, prefs: preferences.Preferences, parent: QWidget | None = None,
                 check_folder: Callable[[str], str] | None = None):
        """``check_folder`` says what is wrong with an inbox folder (or "" when fine)."""
        from PySide6.QtWidgets import QHBoxLayout, QPushButton

        super().__init__("Preferences", prefs, "Save", parent)
        self.check_folder = check_folder
        self.form.addRow("Memo &author", self.author)
        self.form.addRow("Memo &paper", self.page_size)
        self.inbox = QLineEdit(prefs.inbox_folder)
        self.inbox.setPlaceholderText("none: documents are imported by hand")
        self.inbox.setClearButtonEnabled(True)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_inbox)
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.inbox, 1)
        rl.addWidget(choose)
        self.form.addRow("&Inbox folder", row)
        self.form.labelForField(row).setBuddy(self.inbox)
        self.inbox_error = plain_label(wrap=True)
        self.inbox_error.setStyleSheet("color: #c62828;")
        self.inbox_error.hide()
        self.form.addRow("", self.inbox_error)
        self.form.addRow("", muted(plain_label(
            "Files saved into this folder (a download folder, or where an e-mail rule puts "
            "research) are imported as they appear, each once, while the window is open; "
            "or run: thesis-desk inbox FOLDER", wrap=True)))

    def _choose_inbox(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self, "Inbox Folder", self.inbox.text())
        if folder:
            self.inbox.setText(folder)

    def accept(self) -> None:
        folder = self.inbox.text().strip()
        problem = self.check_folder(folder) if folder and self.check_folder else ""
        self.inbox_error.setText(problem)
        self.inbox_error.setVisible(bool(problem))
        if not problem:
            super().accept()


def suggested_name(title: str, as_of: dt.date, suffix: str = ".pdf") -> str:
    return f"{safe_file_name(title, 'thesis')} - memo {as_of:%Y-%m-%d}{suffix}"


def run_export(ws: Workspace, tasks: TaskRunner, parent: QWidget, thesis_id: int, path: Path,
               *, as_of: dt.date | None, author: str, page_size: str,
               on_done: Callable[[str], None], on_error: Callable[[Exception], None],
               since: dt.date | None = None, comments: bool = False) -> None:
    """A PDF memo is made by ``thesis-desk export-memo`` in a process of its own: laying
    out and writing a long memo holds the interpreter lock for long stretches inside Qt
    (the window stalled 400 ms while a thread did it). Markdown, and a workspace opened
    read-only after damage, are made here: assembled on the worker, then written."""
    if path.suffix.lower() not in (".md", ".markdown") and not ws.read_only:
        export_in_process_of_its_own(ws, parent, thesis_id, path, as_of=as_of, author=author,
                                     page_size=page_size, on_done=on_done, on_error=on_error,
                                     since=since, comments=comments)
        return
    _run_export_here(ws, tasks, parent, thesis_id, path, as_of=as_of, author=author,
                     page_size=page_size, on_done=on_done, on_error=on_error, since=since,
                     comments=comments)


def export_in_process_of_its_own(ws: Workspace, parent: QWidget, thesis_id: int, path: Path,
                                 *, as_of: dt.date | None, author: str, page_size: str,
                                 on_done: Callable[[str], None],
                                 on_error: Callable[[Exception], None],
                                 since: dt.date | None = None,
                                 comments: bool = False) -> QProcess:
    """``thesis-desk export-memo`` in a child process, with a progress dialog whose
    Cancel stops it (the memo is written to a temporary name and renamed: a stopped
    export leaves the earlier file as it was; its temporary file is removed)."""
    import json
    import sys

    from PySide6.QtWidgets import QProgressDialog

    from thesis_desk.core.errors import UserError

    args = ["-m", "thesis_desk", "--data-dir", str(ws.paths.data_dir), "export-memo",
            str(thesis_id), "-o", str(path), "--json", "--page-size", page_size,
            "--author", author]
    if as_of is not None:
        args += ["--as-of", as_of.isoformat()]
    if since is not None:
        args += ["--since", since.isoformat()]
    if comments:
        args.append("--comments")
    proc = QProcess(parent)
    dialog = QProgressDialog("Exporting memo…", "Cancel", 0, 0, parent)
    dialog.setWindowTitle("Exporting memo")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(500)
    cancelled: list[bool] = []
    done: list[bool] = []

    def cancel() -> None:
        cancelled.append(True)
        proc.kill()

    def finished(code: int, status: QProcess.ExitStatus) -> None:
        import shiboken6

        if not shiboken6.isValid(proc) or done:
            return  # the window closed under it (the child was stopped with it)
        done.append(True)
        dialog.reset()
        dialog.deleteLater()
        out = bytes(proc.readAllStandardOutput().data()).decode("utf-8", "replace")
        err = bytes(proc.readAllStandardError().data()).decode("utf-8", "replace").strip()
        proc.deleteLater()
        if cancelled:
            for left in path.parent.glob(f".{path.name}.*.part"):  # the stopped one's
                left.unlink(missing_ok=True)
            on_error(UserError("The export was cancelled; no memo was written."))
            return
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            try:
                pages = json.loads(out.strip().splitlines()[-1])["pages"]
            except (ValueError, IndexError, KeyError):
                pages = None
            on_done(f"Memo saved to {path}" + (f" ({pages} pages)." if pages else "."))
            return
        lines = [ln for ln in err.splitlines() if ln.strip()]
        reason = lines[-1].removeprefix("thesis-desk: ") if lines else f"exit code {code}"
        on_error(UserError(f"The memo could not be exported: {reason}"))

    dialog.canceled.connect(cancel)
    proc.finished.connect(finished)
    proc.errorOccurred.connect(lambda e: e == QProcess.ProcessError.FailedToStart and finished(
        1, QProcess.ExitStatus.CrashExit))
    proc.start(sys.executable, args)
    RUNNING.add(proc)
    proc.finished.connect(lambda *_a: RUNNING.discard(proc))
    return proc


RUNNING: set[QProcess] = set()  # memo exports under way in child processes


def finish_running(timeout_ms: int = 60_000) -> None:
    """Let the memo exports under way finish (a window closing after Export expects its
    memo written); one still going after ``timeout_ms`` is stopped, writing nothing."""
    for proc in list(RUNNING):
        if not proc.waitForFinished(timeout_ms):
            proc.kill()
            proc.waitForFinished(5000)
        RUNNING.discard(proc)


def _run_export_here(ws: Workspace, tasks: TaskRunner, parent: QWidget, thesis_id: int,
                     path: Path, *, as_of: dt.date | None, author: str, page_size: str,
                     on_done: Callable[[str], None],
                     on_error: Callable[[Exception], None],
                     since: dt.date | None = None, comments: bool = False) -> None:
    """Assemble (worker) -> charts (GUI thread) -> write (worker), then report."""
    from thesis_desk.render.memo_pdf import chart_steps, record_memo, write_markdown, write_pdf

    markdown = path.suffix.lower() in (".md", ".markdown")

    def assemble(progress, cancelled):  # noqa: ANN001, ANN202
        progress(0, 4, "Gathering the thesis")
        memo = ws.memos.build(thesis_id, as_of=as_of, author=author, since=since,
                              comments=comments)
        if markdown:
            write_markdown(memo, path)
            record_memo(ws, memo, path)
        return memo

    def assembled(memo: object) -> None:
        if markdown:
            on_done(f"Memo saved to {path}.")
            return
        charts: dict = {}
        steps = chart_steps(memo, charts)  # type: ignore[arg-type]

        def write(progress, cancelled):  # noqa: ANN001, ANN202
            pages = write_pdf(memo, charts, path, page_size=page_size,  # type: ignore[arg-type]
                              progress=progress)
            record_memo(ws, memo, path)  # type: ignore[arg-type]
            return pages

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
