"""Thesis Desk: investment theses with their evidence, metrics, alerts and memos."""

__version__ = "0.1.0"
APP_NAME = "Thesis Desk"
APP_ID = "io.github.thesisdesk.ThesisDesk"
