"""A team server tells every open window what another analyst changed: a statement on
any of the workspace's tables sends a NOTIFY on channel ``thesis_desk`` with the table's
name (after commit, once per statement and table), which the window's listener turns
into the same change-driven refresh as its own writes. Nothing changes on SQLite.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHANNEL = "thesis_desk"
TABLES = ("thesis", "pillar", "journal_entry", "evidence", "document", "metric",
          "thesis_metric", "observation", "alert_rule", "alert", "position")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""CREATE OR REPLACE FUNCTION thesis_desk_notify() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON "
                   f"{table} FOR EACH STATEMENT EXECUTE FUNCTION thesis_desk_notify()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
    op.execute("DROP FUNCTION IF EXISTS thesis_desk_notify()")
