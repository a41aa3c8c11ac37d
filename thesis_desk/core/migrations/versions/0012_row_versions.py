"""A version on theses, pillars and evidence: every change of a row through the app adds
one, and a save names the version it was made on, so an analyst saving over another's
newer edit is told what changed and by whom, and nothing is overwritten silently (the
ORM's version check makes the update itself refuse a row changed meanwhile).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = ("thesis", "pillar", "evidence")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False,
                                       server_default="1"))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
