"""File > Backups…: the workspace's backups, a backup now, and restore (after a confirm;
the current state is backed up first). The window does the restore itself, since it
must close its own connections around it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from thesis_desk.core.backups import BackupInfo, BackupService
from thesis_desk.core.errors import UserError
from thesis_desk.ui.widgets import local_time, muted, plain_label

_REASONS = {"manual": "Manual (kept)", "daily": "Daily (on open)", "on-close": "On close",
            "before-restore": "Before a restore (kept)",
            "before-delete": "Before a permanent delete (kept)",
            "pre-upgrade": "Before an upgrade"}


def size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{max(1, round(n / 1e3))} kB"


class BackupsDialog(QDialog):
    def __init__(self, service: BackupService, *, back_up: Callable[[], None],
                 restore: Callable[[BackupInfo], bool], read_only: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self._back_up, self._restore = back_up, restore
        self.setWindowTitle("Backups")
        self.resize(760, 420)
        lay = QVBoxLayout(self)
        intro = muted(plain_label(
            f"Kept in {service.backup_dir}. Taken when the workspace opens (once a day) and "
            "when it closes after changes; these are thinned to a week of dailies, a month of "
            "weeklies and half a year of monthlies. Backups you take, and those taken before "
            "a restore or a permanent delete, are kept until you delete them here. Imported "
            "originals are kept beside them.",
            wrap=True, selectable=True))
        lay.addWidget(intro)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["Taken", "Kind", "Theses", "Documents", "Evidence", "Size"])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.header().setStretchLastSection(False)
        for col in range(2, 6):
            self.table.header().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
            self.table.headerItem().setTextAlignment(col, Qt.AlignmentFlag.AlignRight)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda *_: self.restore_selected())
        lay.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.backup_button = QPushButton("&Back Up Now")
        self.restore_button = QPushButton("&Restore…")
        self.delete_button = QPushButton("&Delete…")
        self.folder_button = QPushButton("Open &Folder")
        for b in (self.backup_button, self.restore_button, self.delete_button):
            b.setEnabled(not read_only)
        for b in (self.backup_button, self.restore_button, self.delete_button,
                  self.folder_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        self.backup_button.clicked.connect(self.back_up)
        self.restore_button.clicked.connect(self.restore_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.folder_button.clicked.connect(lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(service.backup_dir))))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.read_only = read_only
        self.reload()

    def reload(self) -> None:
        self.table.clear()
        for b in self.service.list():
            counts = ["?" if c is None else str(c) for c in (b.theses, b.documents, b.evidence)]
            item = QTreeWidgetItem([local_time(b.created), _REASONS.get(b.reason, b.reason),
                                    *counts, size_text(b.size_bytes)])
            item.setData(0, Qt.ItemDataRole.UserRole, b.name)
            item.setToolTip(0, b.name)  # a file name we made: never markup
            for col in range(2, 6):
                item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight)
            self.table.addTopLevelItem(item)
        if self.table.topLevelItemCount():
            self.table.setCurrentItem(self.table.topLevelItem(0))
        self._selection_changed()

    def selected(self) -> BackupInfo | None:
        item = self.table.currentItem()
        if item is None:
            return None
        try:
            return self.service.find(item.data(0, Qt.ItemDataRole.UserRole))
        except UserError:  # deleted since the list was read
            return None

    def _selection_changed(self) -> None:
        chosen = not self.read_only and self.table.currentItem() is not None
        self.restore_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def delete_selected(self) -> None:
        from thesis_desk.ui.widgets import confirm

        chosen = self.selected()
        if chosen is None or self.read_only:
            return
        if confirm(self, "Delete backup",
                   f"Delete the backup taken {local_time(chosen.created)} "
                   f"({_REASONS.get(chosen.reason, chosen.reason)})? It cannot be brought "
                   "back.", yes="Delete"):
            self.service.delete(chosen.name)
            self.reload()

    def back_up(self) -> None:
        self._back_up()
        self.reload()

    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None and not self.read_only and self._restore(chosen):
            self.reload()
