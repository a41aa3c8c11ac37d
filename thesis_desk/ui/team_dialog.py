"""File > Open Team Workspace…: a PostgreSQL server's URL (the recent ones offered), an
optional password that is never stored, or back to this machine's own workspace."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton, QWidget

from thesis_desk.core.urls import is_database_url, with_password
from thesis_desk.ui.forms import FormDialog
from thesis_desk.ui.widgets import muted, plain_label

RECENT_KEY = "team/recent"  # recent server URLs, passwords removed
RECENT_MAX = 8


class TeamWorkspaceDialog(FormDialog):
    """Chooses the database: ``choice`` is a URL, or "" for the local workspace."""

    def __init__(self, recent: list[str], parent: QWidget | None = None):
        super().__init__("Open Team Workspace", parent)
        self.resize(620, 240)
        self.choice: str | None = None
        self.form.insertRow(0, muted(plain_label(
            "A team workspace lives on a PostgreSQL server; you log in as your own database "
            "role (the administrator sets it up: thesis-desk team add-user). The password is "
            "used to connect and never stored; ~/.pgpass works too.", wrap=True)))
        self.url = QComboBox()
        self.url.setEditable(True)
        self.url.addItems(recent)
        self.url.setCurrentText(recent[0] if recent else "")
        self.url.lineEdit().setPlaceholderText(
            "postgresql+psycopg://alice@db.example.com/research")
        self.add_field("url", "&Server URL", self.url)
        self.password = self.add_field("password", "&Password", QLineEdit())
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("if the server asks for one")
        self.local_btn = QPushButton("Use This Machine's Workspace")
        self.local_btn.setToolTip("Back to the local SQLite workspace of this data folder")
        self.local_btn.clicked.connect(self._local)
        self.buttons.addButton(self.local_btn, self.buttons.ButtonRole.ResetRole)
        self.buttons.button(self.buttons.StandardButton.Save).setText("Open")

    def _local(self) -> None:
        self.choice = ""
        self.accept()

    def save(self) -> None:
        from thesis_desk.core.errors import ValidationError

        url = self.url.currentText().strip()
        if not is_database_url(url) or not url.startswith("postgresql"):
            raise ValidationError({"url": "Give the server's URL, like "
                                          "postgresql+psycopg://alice@db.example.com/research"})
        self.choice = with_password(url, self.password.text())
