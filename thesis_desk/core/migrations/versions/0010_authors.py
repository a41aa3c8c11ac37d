"""Who wrote what: an author on theses, evidence, observations and journal entries.

On a PostgreSQL server the author is the analyst's own database role, filled in by the
server (``DEFAULT current_user``), so nobody can write under another's name; on a local
SQLite file there is one author and the column stays empty.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("thesis", "evidence", "observation", "journal_entry")


def upgrade() -> None:
    server = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        op.add_column(table, sa.Column("author", sa.String(63), nullable=False,
                                       server_default=""))
        if server:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN author SET DEFAULT current_user")


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("author")
