"""Import holdings: preview the file, map its columns, see every row that cannot be read;
the import writes all positions or none."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QTreeWidgetItem,
    QWidget,
)

from thesis_desk.core.errors import UserError
from thesis_desk.ui.import_dialog import TableImportDialog
from thesis_desk.ui.widgets import plural

if TYPE_CHECKING:
    from thesis_desk.core.portfolio import PortfolioService

HINTS = {"symbol": ("symbol", "ticker", "instrument", "code"),
         "quantity": ("quantity", "qty", "shares", "units", "position"),
         "price": ("cost", "price", "entry"), "date": ("date", "day", "opened")}


class HoldingsImportDialog(TableImportDialog):
    def __init__(self, portfolio: PortfolioService, path: Path, theses: list[tuple[int, str]],
                 parent: QWidget | None = None, df: Any = None):
        super().__init__(path, "Import Holdings", "Why it cannot be imported", parent, df)
        self.portfolio = portfolio
        self.imported = 0
        cols = [str(c) for c in self.df.columns]
        self.thesis = QComboBox()
        for tid, title in theses:
            self.thesis.addItem(title, tid)
        self.cols: dict[str, QComboBox] = {}
        form = QFormLayout()
        form.addRow("Into thesis", self.thesis)
        lowered = [c.lower() for c in cols]
        for key, label in (("symbol", "Symbol column"), ("quantity", "Quantity column"),
                           ("price", "Cost/price column"), ("date", "Date column")):
            box = QComboBox()
            box.addItems(cols)
            hit = next((i for i, c in enumerate(lowered) if any(h in c for h in HINTS[key])), None)
            if hit is not None:
                box.setCurrentIndex(hit)
            box.currentIndexChanged.connect(lambda _i: self.check())
            self.cols[key] = box
            form.addRow(label, box)
        self.thesis.currentIndexChanged.connect(lambda _i: self.check())
        form.addRow("Date format", self.date_format)
        form.addRow("Decimal separator", self.decimal)
        self.lay_out(form, " (negative quantities are short positions)")

    def check(self) -> None:
        """Judge every row; nothing is written. Any bad row blocks the import."""
        self.plan = None
        self.rejected.clear()
        self.import_btn.setEnabled(False)
        try:
            self.plan = self.portfolio.plan_holdings(
                self.df, thesis_id=self.thesis.currentData(),
                symbol_col=self.cols["symbol"].currentText(),
                quantity_col=self.cols["quantity"].currentText(),
                price_col=self.cols["price"].currentText(),
                date_col=self.cols["date"].currentText(),
                date_format=self.date_format_value(), decimal=self.decimal.currentData())
        except UserError as exc:
            self.error.show_error(str(exc))
            self.show_ambiguity(exc)
            self.stored_columns(["→ Stored position"], {}, False)
            return
        self.error.show_error("")
        self.show_ambiguity(None)
        p = self.plan
        self.note_detected(p.detected)
        self.stored_columns(["→ Stored position"], {
            line: (f"{d.side} {d.quantity:,.10g} {d.symbol} at {d.entry_price:,.10g} "
                   f"on {d.entry_date:%Y-%m-%d}",) for line, d in p.rows}, True)
        for line, why in p.rejected[:500]:
            self.rejected.addTopLevelItem(QTreeWidgetItem([str(line), why]))
        if p.rejected:
            self.summary.setText(f"{plural(len(p.rejected), 'row', 'rows')} cannot be read: "
                                 "holdings are imported all or none, so correct the file (or "
                                 "the mapping) first.")
        else:
            self.summary.setText(f"{self.detected_text(p)}{len(p.rows)} positions will be added to "
                                 f"'{self.thesis.currentText()}'. Nothing is written until Import.")
        self.import_btn.setEnabled(bool(p.rows) and not p.rejected)

    def do_import(self) -> None:
        if self.plan is None:
            return
        try:
            self.imported = self.portfolio.import_holdings(self.plan)
        except UserError as exc:
            self.error.show_error(str(exc))
            return
        self.accept()
