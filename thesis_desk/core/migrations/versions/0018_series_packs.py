"""Series packed per metric: judging a whole history (a new rule asked to, a backfill,
every rule cleared) reads one row per metric instead of every observation. The packs are
made when a history is first read whole and kept as observations are added; nothing
here fills them. And the thesis list's order as an index: start-up reads the first
screen of the list (newest change first) without sorting every thesis.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series_pack",
        sa.Column("metric_id", sa.Integer(), sa.ForeignKey("metric.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("ids", sa.LargeBinary(), nullable=False),
        sa.Column("days", sa.LargeBinary(), nullable=False),
        sa.Column("vals", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_thesis_updated", "thesis", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_thesis_updated", table_name="thesis")
    op.drop_table("series_pack")
