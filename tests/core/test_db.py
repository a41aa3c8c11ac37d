"""The SQLite connection: pragmas, whole transactions, online backups."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select, text

from thesis_desk.core.db import backup_file
from thesis_desk.core.models import Thesis
from thesis_desk.core.theses import ThesisInput


def test_connection_pragmas(workspace):
    with workspace.db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_failed_unit_of_work_writes_nothing(workspace):
    with pytest.raises(RuntimeError), workspace.db.write() as s:
        s.add(Thesis(title="half"))
        s.flush()
        raise RuntimeError("crash mid-way")
    with workspace.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Thesis)) == 0


def test_online_backup_is_a_consistent_copy(workspace, tmp_path):
    workspace.theses.create(ThesisInput(title="Kept in the backup"))
    dest = backup_file(workspace.paths.database, tmp_path / "b.sqlite3")
    conn = sqlite3.connect(dest)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT title FROM thesis").fetchall() == [("Kept in the backup",)]
    finally:
        conn.close()
    assert not (tmp_path / "b.sqlite3.part").exists()


def test_data_version_changes_when_another_connection_commits(workspace):
    before = workspace.db.data_version()
    other = sqlite3.connect(workspace.paths.database)
    other.execute("INSERT INTO tag(name) VALUES ('from another process')")
    other.commit()
    other.close()
    assert workspace.db.data_version() != before
