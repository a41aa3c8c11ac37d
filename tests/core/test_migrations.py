"""Migrations: upgrade, a failed upgrade rolls back whole, a newer database is refused."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import database_at_revision
from thesis_desk.core import migrations
from thesis_desk.core.db import open_database, read_schema_revision
from thesis_desk.core.errors import DatabaseError, MigrationError, NewerDatabaseError
from thesis_desk.core.models import Base

EXTRA_REVISION = '''
from alembic import op
import sqlalchemy as sa

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))
    # batch mode re-creates the thesis table: child rows must survive it
    with op.batch_alter_table("thesis") as batch:
        batch.add_column(sa.Column("extra", sa.Text, nullable=True))
    {tail}


def downgrade() -> None:
    pass
'''


def scripts_with_extra(tmp_path: Path, *, fail: bool) -> Path:
    loc = tmp_path / "scripts"
    shutil.copytree(migrations.SCRIPT_LOCATION, loc,
                    ignore=shutil.ignore_patterns("__pycache__"))
    tail = 'raise RuntimeError("migration bug")' if fail else "pass"
    (loc / "versions" / "9001_extra.py").write_text(
        EXTRA_REVISION.format(head=migrations.HEAD, tail=tail))
    return loc


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def columns(path: Path, table: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


def seed(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO thesis(id, title, claim, narrative, direction, status, conviction,"
                 " created_at, updated_at) VALUES (1, 'T', '', '', 'long', 'draft', 50,"
                 " '2025-01-01', '2025-01-01')")
    conn.execute("INSERT INTO pillar(thesis_id, kind, text, state, position, created_at)"
                 " VALUES (1, 'pillar', 'P', 'intact', 0, '2025-01-01')")
    conn.commit()
    conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_head_constant_matches_the_scripts():
    assert migrations.HEAD == migrations.script_head()


def test_fresh_database_gets_every_table_and_full_text_search(tmp_path):
    db = open_database(tmp_path / "w.sqlite3", tmp_path / "backups")
    db.close()
    have = tables(tmp_path / "w.sqlite3")
    assert set(Base.metadata.tables) <= have
    assert "document_fts" in have
    assert read_schema_revision(tmp_path / "w.sqlite3") == migrations.HEAD
    assert not list((tmp_path / "backups").glob("*"))  # nothing to back up when new


def test_the_migrated_schema_is_the_models_schema(tmp_path):
    """Every table, column and index the models declare is what the migrations build
    (the full-text tables are the migrations' own)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    open_database(tmp_path / "w.sqlite3", tmp_path / "backups").close()
    engine = create_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert [d for d in diffs if not (isinstance(d, tuple) and d[0] == "remove_table"
                                     and d[1].name.startswith("document_fts"))] == []


def test_upgrade_backs_up_first_and_keeps_rows(tmp_path):
    path = tmp_path / "w.sqlite3"
    open_database(path, tmp_path / "backups").close()
    seed(path)
    loc = scripts_with_extra(tmp_path, fail=False)
    db = open_database(path, tmp_path / "backups", script_location=loc)
    db.close()
    assert read_schema_revision(path) == "9001"
    assert "extra" in columns(path, "thesis")
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM pillar").fetchone()[0] == 1  # no cascade loss
    conn.close()
    backups = list((tmp_path / "backups").glob(f"pre-upgrade-{migrations.HEAD}-*.sqlite3"))
    assert len(backups) == 1
    assert read_schema_revision(backups[0]) == migrations.HEAD


def test_failed_upgrade_rolls_back_whole(tmp_path):
    path = tmp_path / "w.sqlite3"
    open_database(path, tmp_path / "backups").close()
    seed(path)
    before_tables, before_cols = tables(path), columns(path, "thesis")
    loc = scripts_with_extra(tmp_path, fail=True)
    with pytest.raises(MigrationError, match="rolled back"):
        open_database(path, tmp_path / "backups", script_location=loc)
    assert tables(path) == before_tables  # no "scratch" table
    assert columns(path, "thesis") == before_cols  # no "extra" column
    assert read_schema_revision(path) == migrations.HEAD
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM pillar").fetchone()[0] == 1
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_newer_database_is_refused_and_not_touched(tmp_path):
    path = tmp_path / "w.sqlite3"
    open_database(path, tmp_path / "backups").close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # fold the WAL in, so bytes say it all
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(NewerDatabaseError, match="newer version of Thesis Desk"):
        open_database(path, tmp_path / "backups")
    assert digest(path) == before
    assert not (tmp_path / "w.sqlite3-wal").exists()


def test_foreign_sqlite_file_and_garbage_are_refused(tmp_path):
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes(x)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="not a Thesis Desk workspace"):
        open_database(other, tmp_path / "b")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    before = digest(junk)
    with pytest.raises(DatabaseError, match="not a readable database"):
        open_database(junk, tmp_path / "b")
    assert digest(junk) == before


def test_a_0001_workspace_upgrades_to_head_keeping_its_documents(tmp_path):
    """The real upgrade path: a workspace written at 0001 gains the publisher index, and
    its search rows stay while the insert trigger goes (the library inserts them, 0003)."""
    path = tmp_path / "old.sqlite3"
    database_at_revision(path, "0001")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO document(title, publisher, author, url, kind, sha256, text, "
                 "original_name, original_path, size_bytes, imported_at) VALUES ('D', 'Wire', "
                 "'', '', 'text', 'abc', 'capex text', 'd.txt', '', 10, '2025-01-01')")
    conn.commit()
    conn.close()
    db = open_database(path, tmp_path / "backups")
    db.close()
    assert read_schema_revision(path) == migrations.HEAD
    conn = sqlite3.connect(path)
    indexes = {r[1] for r in conn.execute("PRAGMA index_list(document)")}
    assert "ix_document_publisher" in indexes
    assert conn.execute("SELECT title FROM document").fetchall() == [("D",)]
    hits = conn.execute("SELECT rowid FROM document_fts WHERE document_fts MATCH 'capex'")
    assert hits.fetchall() == [(1,)]
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert triggers == {"document_fts_ad", "document_fts_au"}
    conn.close()
    assert list((tmp_path / "backups").glob("pre-upgrade-0001-*.sqlite3"))


def test_a_0004_workspace_gets_ids_that_only_grow(tmp_path):
    """0005 rebuilds theses, pillars and evidence with AUTOINCREMENT: rows, indexes and
    foreign keys as they were, and an id freed by a delete is never handed out again
    (SQLite gave a new row the highest free id: the window's undo then addressed it)."""
    path = tmp_path / "old.sqlite3"
    database_at_revision(path, "0004")
    seed(path)

    def shape(conn, table):  # noqa: ANN001, ANN202
        return ({r[1] for r in conn.execute(f"PRAGMA index_list({table})")},
                {tuple(r[2:5]) for r in conn.execute(f"PRAGMA foreign_key_list({table})")})

    conn = sqlite3.connect(path)
    before = {t: shape(conn, t) for t in ("thesis", "pillar", "evidence")}
    conn.close()
    open_database(path, tmp_path / "backups").close()
    assert read_schema_revision(path) == migrations.HEAD
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    after = {t: shape(conn, t) for t in before}
    after["thesis"][0].discard("ix_thesis_updated")  # added later, by 0018
    assert after == before
    assert conn.execute("SELECT title FROM thesis").fetchall() == [("T",)]
    assert conn.execute("SELECT thesis_id, text FROM pillar").fetchall() == [(1, "P")]
    for table in ("thesis", "pillar", "evidence"):
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        assert "AUTOINCREMENT" in sql[0]
    conn.execute("DELETE FROM thesis WHERE id = 1")  # its pillar goes with it (cascade)
    conn.execute("INSERT INTO thesis(title, claim, narrative, direction, status, conviction,"
                 " created_at, updated_at) VALUES ('New', '', '', 'long', 'draft', 50,"
                 " '2025-01-02', '2025-01-02')")
    assert conn.execute("SELECT id FROM thesis").fetchall() == [(2,)]  # not 1 again
    assert conn.execute("SELECT count(*) FROM pillar").fetchone() == (0,)
    conn.close()
