"""Document search on a PostgreSQL server: a ``tsvector`` the server keeps itself.

SQLite searches through its FTS5 table (0001); on a server, ``document.search`` is a
generated column (the title weighted A, the text D, English stemming) with a GIN index,
queried with ``websearch_to_tsquery``. Positions are stripped from the text's part: a
tsvector may hold at most 1 MB, and a long report's positions alone went past it. Nothing
changes on SQLite.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SEARCH = ("setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
          "setweight(strip(to_tsvector('english', left(coalesce(text, ''), 1000000))), 'D')")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE document ADD COLUMN search tsvector GENERATED ALWAYS AS "
               f"({SEARCH}) STORED")
    op.execute("CREATE INDEX ix_document_search ON document USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_document_search")
    op.execute("ALTER TABLE document DROP COLUMN IF EXISTS search")
