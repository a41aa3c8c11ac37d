"""Save a table (observations, evidence) as CSV or Excel through the standard dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from thesis_desk.core.errors import UserError
from thesis_desk.ui.widgets import safe_file_name


def export_table(parent: QWidget, title: str, suggested: str,
                 make_frame: Callable[[], Any], *, path: str | None = None) -> str | None:
    """Ask where (unless ``path``), write formula-safe CSV/.xlsx; the path, or None."""
    from thesis_desk.core.exports import write_table

    if path is None:
        path, chosen = QFileDialog.getSaveFileName(
            parent, title, f"{safe_file_name(suggested)}.csv",
            "CSV (*.csv);;Excel workbook (*.xlsx)")
        if not path:
            return None
        if not Path(path).suffix:
            path += ".xlsx" if "xlsx" in chosen else ".csv"
    try:
        write_table(make_frame(), Path(path))
    except UserError as exc:
        box = QMessageBox(QMessageBox.Icon.Warning, title, "", parent=parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(str(exc))
        box.exec()
        return None
    return path
