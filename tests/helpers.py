"""Small builders for test inputs (files made on the fly, nothing downloaded)."""

from __future__ import annotations


def minimal_pdf(pages: list[str]) -> bytes:
    """A valid PDF of Helvetica text, a page a string, a line of the page a line of the
    string (14 points apart)."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        shown = " T* ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj"
            for line in text.split("\n"))
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
            f"<< /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def qt_pdf(path, html: str, title: str = "") -> bytes:  # noqa: ANN001
    """A PDF written by Qt's QPdfWriter, as the app's own memos are (a QApplication must
    exist): pypdf read these with a tab between every word."""
    from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

    doc = QTextDocument()
    doc.setHtml(html)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    if title:
        writer.setTitle(title)
    doc.print_(writer)
    del writer  # the file is complete once the writer is gone
    return path.read_bytes()


def database_at_revision(path, revision: str) -> None:  # noqa: ANN001
    """A workspace database migrated only up to ``revision``, as an older version left it."""
    from alembic import command

    from thesis_desk.core import migrations
    from thesis_desk.core.db import make_engine

    engine = make_engine(path, foreign_keys=False)
    with engine.connect() as conn, conn.begin():
        cfg = migrations._config(None)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def outside_write(ws, sql: str, args: tuple = ()) -> None:  # noqa: ANN001 - a Workspace
    """``sql`` (``?`` parameters) committed on a connection of its own, as another program
    writing to the workspace would: the SQLite file, or the same server database."""
    if ws.db.is_server:
        import psycopg

        from thesis_desk.core.db import dialect_sql

        url = ws.db.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as conn:
            conn.execute(dialect_sql("postgresql", sql), args)
        return
    import sqlite3

    conn = sqlite3.connect(ws.paths.database)
    try:
        with conn:
            conn.execute(sql, args)
    finally:
        conn.close()
