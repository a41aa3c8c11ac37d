"""Comments: a discussion thread on a thesis, and on one of its evidence items
("challenge this pillar"), each with its author and time. Append-only, like the journal.
On a server the author is the analyst's role, and a new comment reaches every window.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    server = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("thesis_id", sa.Integer(),
                  sa.ForeignKey("thesis.id", ondelete="CASCADE",
                                name="fk_comment_thesis_id_thesis"), nullable=False),
        sa.Column("evidence_id", sa.Integer(),
                  sa.ForeignKey("evidence.id", ondelete="CASCADE",
                                name="fk_comment_evidence_id_evidence")),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(63), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_comment_thesis_id", "comment", ["thesis_id"])
    if server:
        op.execute("ALTER TABLE comment ALTER COLUMN author SET DEFAULT current_user")
        op.execute("CREATE TRIGGER comment_notify AFTER INSERT OR UPDATE OR DELETE ON comment "
                   "FOR EACH STATEMENT EXECUTE FUNCTION thesis_desk_notify()")


def downgrade() -> None:
    op.drop_index("ix_comment_thesis_id", table_name="comment")
    op.drop_table("comment")
