"""Qt item models for the list of theses: the data, and the filters over it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from thesis_desk.core.summary import ThesisSummary
from thesis_desk.ui.widgets import local_time, plain_tip

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Title", "Status", "Conv.", "Dir.", "Instruments", "Updated")
ID_ROLE = Qt.ItemDataRole.UserRole + 2


class ThesisTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._rows: list[ThesisSummary] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_theses(self, rows: Sequence[ThesisSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if self._sort is not None:
            self._sort_rows(*self._sort)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python with one key per row: far cheaper than a proxy's data() calls."""
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._sort_rows(column, order)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        key = _SORT_KEYS[column]
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)

    def thesis(self, row: int) -> ThesisSummary:
        return self._rows[row]

    def row_of(self, thesis_id: int) -> int:
        for n, t in enumerate(self._rows):
            if t.id == thesis_id:
                return n
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        t = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(t, col)
        if role == ID_ROLE:
            return t.id
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return plain_tip(t.claim) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and t.archived:
            from PySide6.QtGui import QFont

            f = QFont()
            f.setItalic(True)
            return f
        return None

    @staticmethod
    def _display(t: ThesisSummary, col: int) -> str:
        if col == 0:
            return ("⚑ " if t.flagged else "") + t.title
        if col == 1:
            return t.status + (" (archived)" if t.archived else "")
        if col == 2:
            return str(t.conviction)
        if col == 3:
            return t.direction
        if col == 4:
            return ", ".join(t.instruments)
        return local_time(t.updated_at)[:10]


class ThesisFilterModel(QSortFilterProxyModel):
    """Filters by title text, status, instrument, tag, and whether archived rows show."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.text = ""
        self.status = ""
        self.instrument = ""
        self.tag = ""
        self.show_archived = False

    def set_filters(self, **kw: Any) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10; invalidateRowsFilter is deprecated
            self.beginFilterChange()
            for k, v in kw.items():
                setattr(self, k, v)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            for k, v in kw.items():
                setattr(self, k, v)
            self.invalidateRowsFilter()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Hand sorting to the source model; this proxy only filters."""
        model = self.sourceModel()
        if column >= 0 and isinstance(model, ThesisTableModel):
            model.sort(column, order)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, ThesisTableModel)
        t = model.thesis(source_row)
        if t.archived and not self.show_archived:
            return False
        if self.status and t.status != self.status:
            return False
        if self.instrument and self.instrument not in t.instruments:
            return False
        if self.tag and self.tag not in t.tags:
            return False
        if self.text:
            needle = self.text.casefold()
            return needle in t.title.casefold() or needle in t.claim.casefold()
        return True


_SORT_KEYS = {
    0: lambda t: t.title.casefold(),
    1: lambda t: (t.archived, t.status),
    2: lambda t: t.conviction,
    3: lambda t: t.direction,
    4: lambda t: ", ".join(t.instruments),
    5: lambda t: t.updated_at,
}
