"""Documents as analysts receive them: PDFs re-read through PDFium, e-mail attachments
linked to their e-mail, an inbox folder's memory, dismissed suggestions.

Every PDF imported before this revision (read by pypdf, which put a tab between every
word of a Qt-written PDF) is read again from its original through PDFium, and every
evidence quote on it is placed in the new text (compared without whitespace and hyphens,
where the two extractors differ), its quote, offsets and page updated. A document on
which any quote cannot be placed keeps its old text, so no quote ever points at the wrong
words, and says so (``extraction_note``: the reader and `documents show` show it); so
does one whose original is not at hand. Nothing is dropped.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    conn = op.get_bind()
    server = conn.dialect.name == "postgresql"
    op.add_column("document", sa.Column("extractor", sa.String(16), nullable=False,
                                        server_default=""))
    op.add_column("document", sa.Column("extraction_note", sa.Text(), nullable=False,
                                        server_default=""))
    # No reference constraint: SQLite adds one only by copying the table (and its
    # search triggers); the library clears an e-mail's attachments' link when it goes.
    op.add_column("document", sa.Column("parent_id", sa.Integer()))
    op.create_index("ix_document_parent_id", "document", ["parent_id"])
    op.create_table(
        "inbox_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("folder", sa.String(1000), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(),
                  sa.ForeignKey("document.id", ondelete="SET NULL",
                                name="fk_inbox_file_document_id_document")),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("folder", "name", "size", "mtime_ns", name="uq_inbox_file_folder"),
    )
    op.create_index("ix_inbox_file_seen_at", "inbox_file", ["seen_at"])
    op.create_table(
        "suggestion_dismissal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pillar_id", sa.Integer(),
                  sa.ForeignKey("pillar.id", ondelete="CASCADE",
                                name="fk_suggestion_dismissal_pillar_id_pillar"), nullable=False),
        sa.Column("document_id", sa.Integer(),
                  sa.ForeignKey("document.id", ondelete="CASCADE",
                                name="fk_suggestion_dismissal_document_id_document"),
                  nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("pillar_id", "document_id", "start_offset",
                            name="uq_suggestion_dismissal_pillar_id"),
    )
    op.create_index("ix_suggestion_dismissal_pillar_id", "suggestion_dismissal", ["pillar_id"])
    if server:
        for table in ("inbox_file", "suggestion_dismissal"):
            op.execute(f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON "
                       f"{table} FOR EACH STATEMENT EXECUTE FUNCTION thesis_desk_notify()")
    reextract_pdfs(conn)


def reextract_pdfs(conn: sa.Connection) -> None:
    """Every PDF read by the old extractor read again through PDFium (see the module)."""
    from thesis_desk.core.pdf import Relocator, extract_text

    docs = conn.execute(sa.text(
        "SELECT id, sha256, original_path, text FROM document WHERE kind = 'pdf'")).all()
    if not docs:
        return
    originals = _originals_dir(conn)
    for doc_id, digest, rel, old_text in docs:
        data = _original(conn, originals, digest, rel)
        if data is None:
            _note(conn, doc_id, "pypdf", "Kept the text read by the earlier PDF reader: the "
                  "original file was not found when PDFium re-read the library.")
            continue
        try:
            new = extract_text(data, f"document {doc_id}")
        except Exception as exc:  # noqa: BLE001 - PdfRefused or worse: the old text stays
            _note(conn, doc_id, "pypdf", f"Kept the text read by the earlier PDF reader: "
                  f"PDFium could not read the original ({exc}).")
            continue
        text, offsets = new.text, new.page_offsets
        if not text.strip():
            _note(conn, doc_id, "pypdf", "Kept the text read by the earlier PDF reader: "
                  "PDFium found no text in the original.")
            continue
        quotes = conn.execute(sa.text(
            "SELECT id, quote, start_offset FROM evidence WHERE document_id = :d"),
            {"d": doc_id}).all()
        finder = Relocator(text)
        placed, lost = [], []
        for ev_id, quote, start in quotes:
            old_len = max(1, len(old_text or ""))
            near = None if start is None else int(start * len(text) / old_len)
            where = finder.find(quote or "", near)
            (placed if where else lost).append((ev_id, where, quote))
        if lost:
            ids = ", ".join(str(e) for e, _w, _q in lost[:10])
            _note(conn, doc_id, "pypdf",
                  f"Kept the text read by the earlier PDF reader: {len(lost)} of "
                  f"{len(quotes)} quotes on it could not be placed in PDFium's text "
                  f"(evidence {ids}), and every quote must stay valid.")
            log.warning("document %s: %d quotes not placed; old text kept", doc_id, len(lost))
            continue
        for ev_id, (a, b), _quote in placed:
            conn.execute(sa.text(
                "UPDATE evidence SET quote = :q, start_offset = :a, end_offset = :b, "
                "page = :p, version = version + 1 WHERE id = :id"),
                {"q": text[a:b], "a": a, "b": b, "p": bisect.bisect_right(offsets, a),
                 "id": ev_id})
        conn.execute(sa.text(
            "UPDATE document SET text = :t, text_sha256 = :h, page_offsets = :o, "
            "extractor = 'pdfium', extraction_note = :n WHERE id = :id"),
            {"t": text, "h": hashlib.sha256(text.encode("utf-8")).hexdigest(),
             "o": _json(offsets), "id": doc_id,
             "n": f"Re-read through PDFium; {len(placed)} "
                  f"quote{'' if len(placed) == 1 else 's'} placed in the new text."})


def _json(offsets: list[int]) -> str:
    return json.dumps(offsets)


def _note(conn: sa.Connection, doc_id: int, extractor: str, note: str) -> None:
    conn.execute(sa.text("UPDATE document SET extractor = :e, extraction_note = :n "
                         "WHERE id = :id"), {"e": extractor, "n": note, "id": doc_id})


def _originals_dir(conn: sa.Connection) -> Path | None:
    if conn.dialect.name != "sqlite":
        return None
    from thesis_desk.paths import DB_FILENAME

    database = conn.engine.url.database
    if not database or Path(database).name != DB_FILENAME:
        return None
    return Path(database).parent / "originals"


def _original(conn: sa.Connection, originals: Path | None, digest: str, rel: str
              ) -> bytes | None:
    if originals is not None and rel:
        try:
            return (originals / rel).read_bytes()
        except OSError:
            return None
    if conn.dialect.name == "postgresql":
        return conn.execute(sa.text("SELECT data FROM original_file WHERE sha256 = :h"),
                            {"h": digest}).scalar()
    return None


def downgrade() -> None:
    op.drop_table("suggestion_dismissal")
    op.drop_table("inbox_file")
    op.drop_index("ix_document_parent_id", "document")
    with op.batch_alter_table("document") as batch:
        batch.drop_column("parent_id")
        batch.drop_column("extraction_note")
        batch.drop_column("extractor")
