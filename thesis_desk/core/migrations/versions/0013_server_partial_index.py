"""On a PostgreSQL server, the index of observations citing evidence holds only those
rows, as on SQLite (0004 made it partial there only): a full one was kept up to date for
every imported observation, a fifth of a bulk import's time on the server.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_observation_metric_evidence")
    op.execute("CREATE INDEX ix_observation_metric_evidence ON observation "
               "(metric_id, evidence_id) WHERE evidence_id IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_observation_metric_evidence")
    op.execute("CREATE INDEX ix_observation_metric_evidence ON observation "
               "(metric_id, evidence_id)")
