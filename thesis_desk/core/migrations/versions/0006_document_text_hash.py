"""A document's stored text gets its own SHA-256, so `check` sees altered bytes.

SQLite's integrity_check looks at the file's structure, not at what a page says: bytes
changed inside a document's text passed it (and `check` said "All good") until reading
the document failed. The hash is taken at import; this revision takes it for the
documents already there (their text as it is now).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document", sa.Column("text_sha256", sa.String(64), nullable=False,
                                        server_default=""))
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return  # a server workspace starts at 0009: no document is older than its hash
    rows = conn.exec_driver_sql("SELECT id, CAST(text AS BLOB) FROM document").fetchall()
    conn.exec_driver_sql("UPDATE document SET text_sha256 = ? WHERE id = ?", [
        (hashlib.sha256(blob or b"").hexdigest(), doc_id) for doc_id, blob in rows]
        ) if rows else None


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("text_sha256")
