"""Alert rules judge backfilled observations: a rule's mark is the highest observation
id it has judged, and an alert says when it was raised late (``backfilled``).

Every observation stored by now was judged when it was written (or, for a rule made
later, deliberately not): each rule's mark becomes its metric's highest observation id.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert", sa.Column("backfilled", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    conn = op.get_bind()
    conn.exec_driver_sql(
        "UPDATE alert_rule SET last_observation_id = (SELECT max(o.id) FROM observation o "
        "WHERE o.metric_id = alert_rule.metric_id)")


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("backfilled")
