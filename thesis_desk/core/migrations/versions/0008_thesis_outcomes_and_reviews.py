"""Theses record how they ended and when they were last reviewed.

Closing a thesis keeps its outcome (right, wrong or mixed), the day, a post-mortem in
three parts and the realised return of its positions on that day; each thesis may have
its own review interval (none: its status's default) and keeps when it was last
reviewed. Theses already closed have no outcome: calibration lists them as unscored.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TEXTS = ("postmortem_happened", "postmortem_missed", "postmortem_again")


def upgrade() -> None:
    op.add_column("thesis", sa.Column("outcome", sa.String(8)))
    op.add_column("thesis", sa.Column("closed_on", sa.Date()))
    for name in _TEXTS:
        op.add_column("thesis", sa.Column(name, sa.Text(), nullable=False, server_default=""))
    op.add_column("thesis", sa.Column("realised_return", sa.Float()))
    op.add_column("thesis", sa.Column("review_days", sa.Integer()))
    op.add_column("thesis", sa.Column("reviewed_at", sa.DateTime()))


def downgrade() -> None:
    with op.batch_alter_table("thesis") as batch:
        for name in ("reviewed_at", "review_days", "realised_return", *reversed(_TEXTS),
                     "closed_on", "outcome"):
            batch.drop_column(name)
