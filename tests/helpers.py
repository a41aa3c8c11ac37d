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


def outlook_msg(*, subject: str, sender_name: str, sender_email: str, date_header: str,
                body: str, attachments: list[tuple[str, bytes]] = ()) -> bytes:  # type: ignore[assignment]
    """An Outlook .msg file (a compound file, MS-CFB version 3, holding MS-OXMSG
    properties), written here: no .msg can be made by extract-msg, and none is shipped."""
    import struct

    def utf16(s: str) -> bytes:
        return s.encode("utf-16-le")

    def props(entries: list[tuple[int, int, bytes]], top: bool, n_att: int = 0) -> bytes:
        head = (struct.pack("<8xIIII8x", 0, n_att, 0, n_att) if top else b"\0" * 8)
        return head + b"".join(struct.pack("<IIQ", tag, flags, 0) if not value else
                               struct.pack("<II", tag, flags) + value.ljust(8, b"\0")
                               for tag, flags, value in entries)

    headers = (f"Subject: {subject}\r\nFrom: {sender_name} <{sender_email}>\r\n"
               f"Date: {date_header}\r\n\r\n")
    # (path, data): storages are the paths' folders
    streams: dict[str, bytes] = {
        "__substg1.0_001A001F": utf16("IPM.Note"),
        "__substg1.0_0037001F": utf16(subject),
        "__substg1.0_1000001F": utf16(body),
        "__substg1.0_0C1A001F": utf16(sender_name),
        "__substg1.0_0C1F001F": utf16(sender_email),
        "__substg1.0_007D001F": utf16(headers),
        "__nameid_version1.0/__substg1.0_00020102": b"",
        "__nameid_version1.0/__substg1.0_00030102": b"",
        "__nameid_version1.0/__substg1.0_00040102": b"",
        # read and sent (PR_MESSAGE_FLAGS), sent when its Date header says (submit time)
        "__properties_version1.0": props([(0x0E070003, 6, struct.pack("<I", 1)),
                                          (0x00390040, 6, struct.pack("<Q", _filetime(
                                              date_header)))], True, len(attachments)),
    }
    for n, (name, data) in enumerate(attachments):
        folder = f"__attach_version1.0_#{n:08X}"
        streams[f"{folder}/__substg1.0_37010102"] = data
        streams[f"{folder}/__substg1.0_3707001F"] = utf16(name)
        streams[f"{folder}/__substg1.0_3704001F"] = utf16(name[:8])
        streams[f"{folder}/__properties_version1.0"] = props(
            [(0x37050003, 6, struct.pack("<I", 1)), (0x0E200003, 6, struct.pack("<I", len(data)))],
            False)
    return _compound_file(streams)


def _filetime(date_header: str) -> int:
    """An RFC 2822 date as a Windows FILETIME (100 ns since 1601-01-01 UTC)."""
    import datetime as dt
    from email.utils import parsedate_to_datetime

    when = parsedate_to_datetime(date_header)
    return int((when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10**7)


def _compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal MS-CFB v3 file of ``streams`` ("folder/name" paths; streams under 4,096
    bytes in the mini stream, as the format requires)."""
    import struct

    SECT, MINI, CUTOFF = 512, 64, 4096
    FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    # the directory: root (0), then every storage and stream
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "children": []}]
    index: dict[str, int] = {"": 0}
    for path in sorted(streams):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key in index:
                continue
            parent = index["/".join(parts[:depth - 1])]
            is_stream = depth == len(parts)
            index[key] = len(entries)
            entries.append({"name": parts[depth - 1], "type": 2 if is_stream else 1,
                            "children": [], "data": streams[key] if is_stream else None})
            entries[parent]["children"].append(index[key])
    fat: list[int] = []
    sectors: list[bytes] = []

    def chain(data: bytes) -> int:
        n = max(1, -(-len(data) // SECT))
        first = len(sectors)
        for i in range(n):
            sectors.append(data[i * SECT:(i + 1) * SECT].ljust(SECT, b"\0"))
            fat.append(first + i + 1 if i < n - 1 else END)
        return first

    mini = bytearray()
    minifat: list[int] = []
    for e in entries:
        data = e.get("data")
        if data is None:
            continue
        e["size"] = len(data)
        if not data:
            e["start"] = END
        elif len(data) < CUTOFF:
            n = -(-len(data) // MINI)
            e["start"] = len(mini) // MINI
            for i in range(n):
                minifat.append(e["start"] + i + 1 if i < n - 1 else END)
            mini += data.ljust(n * MINI, b"\0")
        else:
            e["start"] = chain(data)
    entries[0]["start"] = chain(bytes(mini)) if mini else END
    entries[0]["size"] = len(mini)
    minifat_start = chain(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else END
    minifat_count = -(-len(minifat) * 4 // SECT) if minifat else 0

    def key(i: int) -> tuple[int, str]:
        return len(entries[i]["name"]), entries[i]["name"].upper()

    for e in entries:  # children as a chain of right siblings, in the format's order
        kids = sorted(e["children"], key=key)
        e["child"] = kids[0] if kids else FREE
        for a, b in zip(kids, kids[1:] + [None]):
            entries[a]["right"] = b if b is not None else FREE
    directory = b""
    for e in entries:
        name = e["name"].encode("utf-16-le") + b"\0\0"
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ", name, len(name), e["type"], 1, FREE, e.get("right", FREE),
            e["child"], b"\0" * 16, 0, 0, 0, e.get("start", END) if e["type"] != 1 else 0,
            e.get("size", 0))
    directory = directory.ljust(-(-len(directory) // SECT) * SECT, b"\0")
    dir_start = chain(directory)
    # the FAT covers itself
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECT // 4):
        n_fat += 1
    fat_start = len(sectors)
    fat += [FATSECT] * n_fat
    table = b"".join(struct.pack("<I", x) for x in fat).ljust(n_fat * SECT, b"\xff")
    for i in range(n_fat):
        sectors.append(table[i * SECT:(i + 1) * SECT])
    difat = [fat_start + i for i in range(n_fat)] + [FREE] * (109 - n_fat)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"),
                         b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, n_fat, dir_start,
                         0, CUTOFF, minifat_start, minifat_count, END, 0)
    header += b"".join(struct.pack("<I", x) for x in difat)
    return header.ljust(SECT, b"\0") + b"".join(sectors)
