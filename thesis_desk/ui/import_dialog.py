"""Import observations from CSV or Excel: preview, map the columns, see what would be
rejected and why, then write all valid rows in one go (or nothing)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.errors import UserError
from thesis_desk.ui.widgets import FieldError, plain_label, plural

if TYPE_CHECKING:
    from thesis_desk.core.metrics import MetricService
    from thesis_desk.core.portfolio import PortfolioService

# "Detect" reads the format off the cells (core/tabular.guess_date_format), and says
# which it found and why; the others force one, and the box takes a typed strptime one.
DETECT = "Detect from the dates"
DATE_FORMATS = ((DETECT, None), ("YYYY-MM-DD", "%Y-%m-%d"),
                ("DD/MM/YYYY", "%d/%m/%Y"), ("MM/DD/YYYY", "%m/%d/%Y"),
                ("DD.MM.YYYY", "%d.%m.%Y"), ("YYYY/MM/DD", "%Y/%m/%d"),
                ("Mon D YYYY (Jan 1 2000)", "%b %d %Y"), ("D Mon YYYY (1 Jan 2000)", "%d %b %Y"),
                ("DD-Mon-YYYY (01-Jan-2000)", "%d-%b-%Y"),
                ("Month D, YYYY (January 1, 2000)", "%B %d, %Y"),
                ("Excel day numbers (45688)", "excel-serial"))
DECIMALS = (("Detect from the numbers", None), ("Point: 1,234.5", "."),
            ("Comma: 1.234,5", ","))
PREVIEW_ROWS = 50
# A CSV longer than this is judged and imported a chunk at a time (any length, about
# 300 MB at the peak) rather than read whole; its first HEAD_ROWS rows are the preview.
STREAM_ABOVE_ROWS = 1_000_000
HEAD_ROWS = 1000
# CSV files up to this size are read at once (tens of milliseconds); a larger one, and any
# workbook, is read on a worker thread behind a progress dialog with Cancel.
SYNC_READ_BYTES = 4 * 2**20


def open_table(parent: QWidget, path: Path, make: Callable[[Any], QDialog],
               then: Callable[[QDialog], None], on_error: Callable[[str], None],
               streamable: bool = False) -> None:
    """Read a table file, make its import dialog from it, and hand that to ``then``.

    A large file is read off the GUI thread, so the window never stalls on it; ``then``
    runs later, and not at all if the person cancels the reading. A file that cannot be
    read is said to ``on_error`` and in a warning box. With ``streamable``,
    a CSV longer than ``STREAM_ABOVE_ROWS`` is not read whole: the dialog gets its first
    rows (``read_head``) and judges and imports the file a chunk at a time."""
    from thesis_desk.core.tabular import count_lines, read_head, read_table
    from thesis_desk.ui.tasks import TaskRunner

    path = Path(path)
    said = on_error

    def on_error(message: str) -> None:  # noqa: F811 - the caller's, and a box that stays
        from PySide6.QtWidgets import QMessageBox

        said(message)
        QMessageBox.warning(parent, f"Cannot import {path.name}", message)

    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_table says what is wrong with it
    # a workbook is read on the worker whatever its size: 2 MB of zip can hold a million rows
    if size <= SYNC_READ_BYTES and path.suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
        try:
            df = read_table(path)
        except UserError as exc:
            on_error(str(exc))
            return
        then(make(df))
        return
    runner = TaskRunner(parent)

    def read(progress, cancelled):  # noqa: ANN001, ANN202
        progress(0, 0, f"{path.name} ({size / 2**20:,.1f} MB)")
        if (streamable and path.suffix.lower() in (".csv", ".txt", ".tsv")
                and count_lines(path, STREAM_ABOVE_ROWS + 1) > STREAM_ABOVE_ROWS + 1):
            return read_head(path, HEAD_ROWS)
        return read_table(path, cancelled=cancelled)

    def done(df: Any) -> None:
        runner.deleteLater()
        if not cancel.is_set():  # the dialog's own event loop runs after this delivery
            QTimer.singleShot(0, parent, lambda: then(make(df)))

    def failed(exc: Exception) -> None:
        runner.deleteLater()
        on_error(str(exc) if isinstance(exc, UserError) else f"Cannot read {path.name}: {exc}")

    cancel = runner.run(read, on_done=done, on_error=failed, title="Reading the file",
                        parent=parent)


def preview_table(df: Any) -> QTableWidget:
    """The first rows of a file as read, numbered as the file's lines (header = line 1),
    as the rejections are."""
    cols = [str(c) for c in df.columns]
    table = QTableWidget(min(PREVIEW_ROWS, len(df)), len(cols))
    table.setHorizontalHeaderLabels(cols)
    for r in range(table.rowCount()):
        for c, col in enumerate(cols):
            table.setItem(r, c, QTableWidgetItem(str(df[col].iat[r])))
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setVerticalHeaderLabels([str(r + 2) for r in range(table.rowCount())])
    return table


def rejected_list(heading: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(["Line", heading])
    tree.setRootIsDecorated(False)
    return tree


class TableImportDialog(QDialog):
    """The frame every table import shares: the file read as text and previewed, a
    mapping form (the subclass's), what would happen, the rows that would not be
    imported and why, and Import, enabled by ``check()`` once the plan is sound."""

    def __init__(self, path: Path, title: str, why_heading: str,
                 parent: QWidget | None = None, df: Any = None):
        """``df`` is the file as ``read_table`` read it (see ``open_table``); without it
        the file is read here, raising UserError with the reason."""
        super().__init__(parent)
        from thesis_desk.core.tabular import read_table

        self.df = df if df is not None else read_table(path)
        self.plan: Any = None
        self.setWindowTitle(f"{title}: {path.name}")
        self.resize(860, 640)
        self.preview = preview_table(self.df)
        self.summary = plain_label(wrap=True)
        self.error = FieldError()
        self.rejected = rejected_list(why_heading)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_btn = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.do_import)
        self.buttons.rejected.connect(self.reject)

        # how the cells are read: typed or chosen, or detected (and then said)
        self.date_format = QComboBox()
        self.date_format.setEditable(True)
        self.date_format.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for label, fmt in DATE_FORMATS:
            self.date_format.addItem(label, fmt)
        self.date_format.lineEdit().setPlaceholderText("or type a format, e.g. %d/%m/%Y")
        self.date_format.currentIndexChanged.connect(lambda _i: self.check())
        self.date_format.lineEdit().editingFinished.connect(self._typed_format)
        self._typing = QTimer(self)  # a typed format is tried once the typing pauses
        self._typing.setSingleShot(True)
        self._typing.setInterval(500)
        self._typing.timeout.connect(self._typed_format)
        self.date_format.lineEdit().textEdited.connect(lambda _t: self._typing.start())
        self.decimal = QComboBox()
        for label, sep in DECIMALS:
            self.decimal.addItem(label, sep)
        self.decimal.currentIndexChanged.connect(lambda _i: self.check())
        self.ambiguity = QGroupBox("The dates read two ways: which is right?")
        self.readings = QTableWidget(0, 2)
        self.readings.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.readings.verticalHeader().hide()
        self.reading_buttons = QHBoxLayout()
        box = QVBoxLayout(self.ambiguity)
        box.addWidget(self.readings)
        box.addLayout(self.reading_buttons)
        self.ambiguity.hide()

    def _typed_format(self) -> None:
        if self.date_format.findText(self.date_format.currentText()) < 0:
            self.check()  # a pattern typed into the box (a listed one arrives as an index)

    def date_format_value(self) -> str | None:
        """The chosen format, the typed one, or None to detect; UserError for a typed
        text that is no format."""
        text = self.date_format.currentText().strip()
        i = self.date_format.findText(text)
        if i >= 0:
            return self.date_format.itemData(i)
        if text.startswith(DETECT) or not text:
            return None
        if "%" not in text:
            raise UserError(f"'{text}' is no date format: choose one, or type one with "
                            "%d, %m, %Y, %b (e.g. %d/%m/%Y).")
        return text

    def show_ambiguity(self, exc: Exception | None) -> None:
        """Both readings of the first dates side by side, and a button for each."""
        from thesis_desk.core.tabular import DATE_LABELS, AmbiguousDates

        if not isinstance(exc, AmbiguousDates):
            self.ambiguity.hide()
            self.rejected.show()
            return
        rows = exc.readings()
        self.readings.clear()
        self.readings.setColumnCount(2 + len(exc.candidates))
        self.readings.setHorizontalHeaderLabels(
            ["Line", "In the file", *(f"Read as {DATE_LABELS.get(f, f)}" for f in exc.candidates)])
        self.readings.setRowCount(len(rows))
        for r, (line, cell, days) in enumerate(rows):
            for c, text in enumerate((str(line), cell, *days)):
                self.readings.setItem(r, c, QTableWidgetItem(text))
        self.readings.resizeColumnsToContents()
        self.readings.resizeRowsToContents()
        # every reading in view, no scrolling: the table is as tall as its rows
        self.readings.setFixedHeight(self.readings.horizontalHeader().height() + 2 * self.readings.frameWidth()
                                     + sum(self.readings.rowHeight(r) for r in range(len(rows))))
        while self.reading_buttons.count():
            item = self.reading_buttons.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for fmt in exc.candidates:
            label = DATE_LABELS.get(fmt, fmt).split(" (")[-1].rstrip(")")
            button = QPushButton(f"Read them {label}")
            button.clicked.connect(lambda _c=False, f=fmt: self._choose_format(f))
            self.reading_buttons.addWidget(button)
        self.reading_buttons.addStretch(1)
        self.ambiguity.show()
        self.rejected.hide()  # nothing is judged until the person chooses

    def _choose_format(self, fmt: str) -> None:
        i = self.date_format.findData(fmt)
        if i < 0:
            self.date_format.addItem(fmt, fmt)
            i = self.date_format.count() - 1
        self.date_format.setCurrentIndex(i)

    def note_detected(self, detected: str) -> None:
        """The Detect item says what it found, so the box shows it."""
        i = self.date_format.findData(None)
        self.date_format.setItemText(i, f"{DETECT}: {detected}" if detected else DETECT)
        self.date_format.setItemData(i, detected or "", Qt.ItemDataRole.ToolTipRole)

    def stored_columns(self, headers: list[str], stored: dict[int, tuple[str, ...]],
                       judged: bool) -> None:
        """Columns at the preview's right showing each line as it will be stored, by
        line number ("not imported" for a judged line that will not be)."""
        cols = self.df.shape[1]
        self.preview.setColumnCount(cols + len(headers))
        for c, header in enumerate(headers):
            self.preview.setHorizontalHeaderItem(cols + c, QTableWidgetItem(header))
        blank = ("",) * (len(headers) - 1)
        missing = ("not imported", *blank) if judged else ("", *blank)
        for r in range(self.preview.rowCount()):
            for c, text in enumerate(stored.get(r + 2, missing)):
                self.preview.setItem(r, cols + c, QTableWidgetItem(text))
        self.preview.setWordWrap(False)
        for c in range(len(headers)):  # read whole, not cut off
            self.preview.resizeColumnToContents(cols + c)

    @staticmethod
    def detected_text(p: Any) -> str:
        """What the plan (made off the GUI thread) read off the cells, and why."""
        text = f"Dates read as {p.detected} (detected). " if p.detected else ""
        if p.decimal_reason:
            text += f"Numbers read with a {p.decimal_reason} (detected). "
        return text

    def read_note(self) -> str:
        sep = self.df.attrs.get("delimiter")
        from thesis_desk.core.tabular import DELIMITER_NAMES

        return f", {DELIMITER_NAMES[sep]}-separated" if sep in DELIMITER_NAMES and sep != "," else ""

    def lay_out(self, form: QFormLayout, note: str = "", extra: QWidget | None = None) -> None:
        lay = QVBoxLayout(self)
        rows = self.df.attrs.get("rows", len(self.df))
        streamed = (" (a long file: judged and imported a chunk at a time)"
                    if self.df.attrs.get("stream") else "")
        lay.addWidget(plain_label(f"{rows:,} rows{streamed}; the first "
                                  f"{self.preview.rowCount()} as read{self.read_note()}{note}:"))
        lay.addWidget(self.preview, 2)
        lay.addLayout(form)
        lay.addWidget(self.ambiguity)
        lay.addWidget(self.summary)
        lay.addWidget(self.error)
        lay.addWidget(self.rejected, 1)
        if extra is not None:
            lay.addWidget(extra, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.buttons)
        self.check()

    def check(self) -> None:  # pragma: no cover - each import judges its own rows
        raise NotImplementedError

    def do_import(self) -> None:  # pragma: no cover
        raise NotImplementedError


class ObservationImportDialog(TableImportDialog):
    def __init__(self, metrics: MetricService, path: Path, *, metric: str = "",
                 parent: QWidget | None = None, portfolio: PortfolioService | None = None,
                 df: Any = None):
        """With ``portfolio`` the file holds prices: the "metric" is an instrument's symbol."""
        super().__init__(path, "Import Prices" if portfolio else "Import Observations",
                         "Why it would not be imported", parent, df)
        self.metrics, self.portfolio = metrics, portfolio
        thing = "symbol" if portfolio else "metric"
        self.result: dict | None = None
        cols = [str(c) for c in self.df.columns]

        self.date_col, self.value_col, self.metric_col = QComboBox(), QComboBox(), QComboBox()
        for box in (self.date_col, self.value_col):
            box.addItems(cols)
        self.metric_col.addItem(f"(one {thing}: the one below)", None)
        for c in cols:
            self.metric_col.addItem(c, c)
        lowered = [c.lower() for c in cols]
        if portfolio:  # a long price file names its instruments in a column
            hit = next((c for c in cols if c.lower() in ("symbol", "ticker", "instrument")), None)
            if hit is not None:
                self.metric_col.setCurrentIndex(self.metric_col.findData(hit))
        for box, hints in ((self.date_col, ("date", "day", "time")),
                           (self.value_col, ("value", "close", "price", "last"))):
            hit = next((i for i, c in enumerate(lowered) if any(h in c for h in hints)), None)
            if hit is not None:
                box.setCurrentIndex(hit)
        if self.value_col.currentIndex() == self.date_col.currentIndex() and len(cols) > 1:
            self.value_col.setCurrentIndex(1 if self.date_col.currentIndex() == 0 else 0)
        self.metric_name = QLineEdit(metric)
        self.metric_name.setPlaceholderText(f"{thing} (created if new)")
        self.replace = QCheckBox("Replace values on dates already stored")
        for w in (self.date_col, self.value_col, self.metric_col):
            w.currentIndexChanged.connect(lambda _i: self.check())
        self.metric_name.editingFinished.connect(self.check)
        self.replace.toggled.connect(lambda _b: self.check())

        check = QPushButton("Check Again")
        check.clicked.connect(self.check)

        form = QFormLayout()
        form.addRow("Date column", self.date_col)
        form.addRow("Price column" if portfolio else "Value column", self.value_col)
        form.addRow(f"{thing.capitalize()} column", self.metric_col)
        form.addRow(thing.capitalize(), self.metric_name)
        form.addRow("Date format", self.date_format)
        form.addRow("Decimal separator", self.decimal)
        form.addRow("", self.replace)
        self.lay_out(form, extra=check)

    def mapping(self) -> dict[str, Any]:
        metric_col = self.metric_col.currentData()
        return {"date_col": self.date_col.currentText(), "value_col": self.value_col.currentText(),
                "metric": None if metric_col else (self.metric_name.text().strip() or None),
                "metric_col": metric_col, "date_format": self.date_format_value(),
                "replace": self.replace.isChecked(), "decimal": self.decimal.currentData()}

    # Up to this many rows the plan is made at once; a longer file is judged on a worker
    # thread (seconds for a million rows) so the window never stalls.
    SYNC_ROWS = 50_000

    def check(self) -> None:
        """Judge every row with the current mapping; nothing is written."""
        self.plan = None
        self.rejected.clear()
        self.import_btn.setEnabled(False)
        self._generation = getattr(self, "_generation", 0) + 1
        try:
            m = self.mapping()
        except UserError as exc:
            self._show_plan_error(exc)
            return
        if m["metric"] is None and m["metric_col"] is None:
            self.error.show_error("Name the metric or symbol, or choose the column that "
                                  "names it.")
            self.summary.setText("")
            return
        df, portfolio, metrics = self.df, self.portfolio, self.metrics
        if df.attrs.get("stream"):
            self._check_stream(m)
            return

        def plan(_p=None, _c=None):  # noqa: ANN001, ANN202
            if portfolio is not None:
                return portfolio.plan_prices(
                    df, date_col=m["date_col"], price_col=m["value_col"], symbol=m["metric"],
                    symbol_col=m["metric_col"], date_format=m["date_format"],
                    replace=m["replace"], decimal=m["decimal"])
            return metrics.plan_import(df, **m)

        if len(df) <= self.SYNC_ROWS:
            try:
                self._show_plan(plan())
            except UserError as exc:
                self._show_plan_error(exc)
            return
        from thesis_desk.ui.tasks import TaskRunner

        generation = self._generation
        self.error.show_error("")
        self.summary.setText(f"Checking {len(df):,} rows…")
        self._planner = getattr(self, "_planner", None) or TaskRunner(self)
        self._planner.run(plan, show_progress=False,
                          on_done=lambda p: generation == self._generation and self._show_plan(p),
                          on_error=lambda e: generation == self._generation
                          and self._show_plan_error(e))

    def _stream_job(self, m: dict[str, Any], label: bool = False, **options: Any):  # noqa: ANN202
        """A worker job judging (and unless ``dry_run``, writing) the long file's chunks
        with mapping ``m``: everything it needs is taken here, on the GUI thread."""
        from thesis_desk.core.tabular import stream_plans

        path = Path(self.df.attrs["stream"])
        delimiter, rows = self.df.attrs.get("delimiter"), self.df.attrs.get("rows")
        portfolio, metrics = self.portfolio, self.metrics
        replace = m["replace"]

        def job(progress, cancelled):  # noqa: ANN001, ANN202
            read = {"date_format": m["date_format"], "decimal": m["decimal"], "replace": replace,
                    "delimiter": delimiter, "cancelled": cancelled, "rows": rows,
                    "progress": lambda d, t: progress(d, t, f"{d:,} of {t:,} rows" if label else "")}
            if portfolio is not None:
                plans = portfolio.stream_prices(
                    path, date_col=m["date_col"], price_col=m["value_col"], symbol=m["metric"],
                    symbol_col=m["metric_col"], **read)
                return portfolio.import_price_stream(plans, replace=replace, **options)
            plans = stream_plans(path, date_col=m["date_col"], value_col=m["value_col"],
                                 metric=m["metric"], metric_col=m["metric_col"],
                                 existing=metrics.existing_dates, **read)
            return metrics.import_stream(plans, replace=replace, **options)

        return job

    def _check_stream(self, m: dict[str, Any]) -> None:
        """A dry run over the whole long file on the worker, the count shown as it goes;
        a new check cancels the one still running."""
        from thesis_desk.core.tabular import StreamSummary
        from thesis_desk.ui.tasks import TaskRunner

        generation = self._generation
        if getattr(self, "_checking", None) is not None:
            self._checking.set()
        self.error.show_error("")
        rows = self.df.attrs.get("rows", 0)
        self.summary.setText(f"Checking {rows:,} rows…")

        judge = self._stream_job(m, dry_run=True, keep_rejected=500)

        def job(progress, cancelled):  # noqa: ANN001, ANN202
            return StreamSummary.of(judge(progress, cancelled))

        def checking(done: int, total: int, _label: str) -> None:
            if generation == self._generation:
                self.summary.setText(f"Checking… {done:,} of {total:,} rows")

        self._planner = getattr(self, "_planner", None) or TaskRunner(self)
        self._checking = self._planner.run(
            job, show_progress=False, on_progress=checking,
            on_done=lambda p: generation == self._generation and self._show_plan(p),
            on_error=lambda e: generation == self._generation and self._show_plan_error(e))

    def _show_plan_error(self, exc: Exception) -> None:
        self.error.show_error(str(exc))
        self.summary.setText("")
        self.show_ambiguity(exc)
        self.show_stored(None)

    def _show_plan(self, p: Any) -> None:
        self.plan = p
        self.error.show_error("")
        self.show_ambiguity(None)
        self.note_detected(p.detected)
        self.show_stored(p)
        into = (f" into {', '.join(p.metrics[:5])}{'…' if len(p.metrics) > 5 else ''}"
                if p.metrics else "")
        dates = self.detected_text(p)
        rejected = getattr(p, "rejected_count", len(p.rejected))
        self.summary.setText(
            f"{dates}{plural(p.count, 'row', 'rows')} will be imported{into}; "
            f"{rejected:,} will not; "
            f"{plural(p.skipped_blank, 'blank line', 'blank lines')} skipped. "
            "Nothing is written until Import.")
        for line, why in p.rejected[:500]:
            self.rejected.addTopLevelItem(QTreeWidgetItem([str(line), why]))
        self.import_btn.setEnabled(bool(p.count))

    def show_stored(self, p: Any) -> None:
        """Two columns at the preview's right: each previewed line's date and value as
        they will be stored ("not imported" for a line that will not be)."""
        stored: dict[int, tuple[str, ...]] = {}
        if p is not None:
            last = self.preview.rowCount() + 1
            for line, day, value in p.first_rows():
                if line > last:
                    break
                stored[line] = (day, f"{value:,.15g}")
        self.stored_columns(["→ Stored date", "→ Stored value"], stored, p is not None)

    def do_import(self) -> None:
        """Write the plan on a worker thread (a long file takes seconds): the window stays
        responsive, and the dialog closes when the transaction has committed."""
        if self.plan is None:
            return
        plan, replace = self.plan, self.replace.isChecked()
        if self.df.attrs.get("stream"):
            self._import_long_file()
            return
        if self.portfolio is not None:
            service = self.portfolio

            def job(_p, _c):  # noqa: ANN001, ANN202
                return service.import_prices(plan, replace=replace)
        else:
            metrics = self.metrics

            def job(_p, _c):  # noqa: ANN001, ANN202
                return metrics.import_plan(plan, replace=replace)

        self._run_import(job, show_progress=False)

    def _import_long_file(self) -> None:
        """The long file read again and written a chunk at a time in one transaction,
        on the worker, behind a progress dialog whose Cancel rolls it all back."""
        self._run_import(self._stream_job(self.mapping(), label=True, strict=False),
                         show_progress=True)

    def _run_import(self, job: Any, show_progress: bool) -> None:
        """The import on the worker; the dialog closes once it has committed, and stays
        with the reason (nothing written) when it fails or is cancelled."""
        from thesis_desk.ui.tasks import TaskRunner

        def done(result: dict) -> None:
            self.result = result
            self.accept()

        def failed(exc: Exception) -> None:
            self.buttons.setEnabled(True)
            self.summary.setText("")
            self.error.show_error(str(exc) if isinstance(exc, UserError)
                                  else f"The import failed and wrote nothing ({exc}).")

        self.buttons.setEnabled(False)
        self.error.show_error("")
        self.summary.setText(f"Importing {self.plan.count:,} rows in one transaction…")
        self._runner = TaskRunner(self)
        self._runner.run(job, on_done=done, on_error=failed, parent=self,
                         show_progress=show_progress, title="Importing the file")
