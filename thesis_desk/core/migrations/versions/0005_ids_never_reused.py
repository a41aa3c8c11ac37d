"""Ids that only grow: theses, pillars and evidence get AUTOINCREMENT.

Without it SQLite hands a new row the highest free id, so a row deleted in the window
(an undo) had its id taken by the command line's next insert, and a redo then addressed
the other writer's row. With it an id is never handed out twice; undo may still put a
deleted row back under its own id, which nobody else can have been given.

The tables are rebuilt (SQLite cannot add AUTOINCREMENT to a table): rows, indexes and
foreign keys as they were, in the upgrade's one transaction (foreign keys off, checked
before commit). Their sequences start at each table's highest id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("thesis", "pillar", "evidence")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # a server's id sequences never hand an id out twice
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass
        # the sequence starts at the highest id there is (a fresh table has no row yet)
        op.execute(f"INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', max(id) "
                   f"FROM {table} WHERE (SELECT count(*) FROM {table}) > 0 "
                   f"AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{table}')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in reversed(TABLES):
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": False}):
            pass
