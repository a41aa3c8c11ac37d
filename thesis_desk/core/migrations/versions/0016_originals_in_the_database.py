"""Originals in the database, by their SHA-256: on a team server every analyst can open
a document's original file (a PDF as printed), not only the one who imported it. A local
workspace keeps its originals as files (originals/); the table stays empty there.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "original_file",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("original_file")
