"""A thesis may be private to its author or shared with the team (the default).

On a PostgreSQL server the server enforces it with row-level security: another analyst
or a reader sees neither a private thesis nor anything of it (pillars, evidence, journal,
positions, links, comments: each visible only through a thesis they can see). The
database's owner (its administrator) sees everything. A local workspace has one person:
the column is kept, nothing is hidden.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

CHILDREN = ("pillar", "evidence", "journal_entry", "thesis_instrument", "thesis_tag",
            "thesis_metric", "position", "comment")
SEEN = "(visibility = 'team' OR author = current_user)"


def upgrade() -> None:
    op.add_column("thesis", sa.Column("visibility", sa.String(8), nullable=False,
                                      server_default="team"))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE thesis ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY thesis_seen ON thesis USING {SEEN} WITH CHECK {SEEN}")
    for table in CHILDREN:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        # the thesis's own policy applies inside: only a visible thesis's rows are seen
        op.execute(f"CREATE POLICY {table}_seen ON {table} USING "
                   f"(EXISTS (SELECT 1 FROM thesis t WHERE t.id = {table}.thesis_id))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in CHILDREN:
            op.execute(f"DROP POLICY IF EXISTS {table}_seen ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute("DROP POLICY IF EXISTS thesis_seen ON thesis")
        op.execute("ALTER TABLE thesis DISABLE ROW LEVEL SECURITY")
    with op.batch_alter_table("thesis") as batch:
        batch.drop_column("visibility")
