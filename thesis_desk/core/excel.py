"""Excel workbooks read without surprises: a workbook is measured from its zip directory
and its sheet's declared dimensions before any cell is parsed, and one that would not
fit (a "zip bomb": 2 MB on disk, ten million rows inside) is refused in milliseconds.

Cells are then read with calamine (Rust; five times faster than openpyxl here) and
handed on as text, the way ``tabular.read_table`` reads a CSV: dates as ISO text, numbers
as the shortest text that reads back the same.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from thesis_desk.core.errors import UserError

EXCEL_MAX_ROWS = 1_048_576  # what Excel itself holds on a sheet
MAX_CELLS = 20_000_000  # declared rows x columns: about 2 GB once read
MAX_SHEET_XML = 400 * 2**20  # the sheet's XML, uncompressed
MAX_STRINGS_XML = 200 * 2**20  # the shared strings, uncompressed
MAX_WORKBOOK_XML = 600 * 2**20  # every part of the workbook together, uncompressed
# Parts that inflate this much more than they occupy are inflated once (stopping at the
# limit) to check their declared size is not a lie; ordinary sheets compress about 8x.
SUSPICIOUS_RATIO = 20
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")
_SST_COUNT = re.compile(rb"<(?:\w+:)?sst\b[^>]*\buniqueCount=\"(\d+)\"")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _first_sheet(z: zipfile.ZipFile) -> str:
    """The zip member holding the workbook's first sheet (the one imported)."""
    names = set(z.namelist())
    try:
        book = z.read("xl/workbook.xml")[:1 << 20]
        rels = z.read("xl/_rels/workbook.xml.rels")[:1 << 20]
    except KeyError:
        book = rels = b""
    sheet = re.search(rb"<(?:\w+:)?sheet\b[^>]*\br:id=\"([^\"]+)\"", book)
    if sheet:
        for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
            tag = rel.group(0)
            if re.search(rb"\bId=\"" + re.escape(sheet.group(1)) + rb"\"", tag):
                target = re.search(rb"\bTarget=\"([^\"]+)\"", tag)
                if target:
                    t = target.group(1).decode("utf-8", "replace")
                    path = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
                        posixpath.join("xl", t))
                    if path in names:
                        return path
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n))
    if not sheets:
        raise UserError("the workbook has no worksheet.")
    return sheets[0]


def _inflate(z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[int, int]:
    """Bytes the part really inflates to (reading at most ``limit`` + 1 of them) and the
    rows it opens on the way: a lying size or a missing dimension tells nothing."""
    n = rows = 0
    tail = b""
    with z.open(info) as fh:
        while block := fh.read(1 << 20):
            n += len(block)
            text = tail + block
            rows += text.count(b"<row ") + text.count(b"<row>")
            tail = block[-5:]  # a tag cut in two is counted once, in the next round
            rows -= tail.count(b"<row ") + tail.count(b"<row>")
            if n > limit:
                break
    return n, rows + tail.count(b"<row ") + tail.count(b"<row>")


def check_workbook(path: Path) -> None:
    """Refuse, before parsing, a workbook that would not fit: too many rows or cells
    declared, or parts that inflate past the limits. The message says what was found."""
    name = path.name
    mb = 2**20
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UserError(f"{name}: not an Excel workbook (.xlsx), or it is damaged. Save "
                        "it again from Excel, or as CSV, and import that.") from None
    with z:
        infos = z.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_WORKBOOK_XML:
            raise UserError(f"{name}: the workbook unpacks to {total / mb:,.0f} MB, more "
                            f"than the {MAX_WORKBOOK_XML // mb} MB one import reads. Save "
                            "the sheet you need as CSV and import that.")
        sheet = z.getinfo(_first_sheet(z))
        strings = next((i for i in infos if i.filename.lower() == "xl/sharedstrings.xml"), None)
        with z.open(sheet) as fh:
            head = fh.read(64 << 10)
        dim = _DIMENSION.search(head)
        for info, limit, what in ((sheet, MAX_SHEET_XML, "its first sheet"),
                                  (strings, MAX_STRINGS_XML, "its shared strings")):
            if info is None:
                continue
            size, rows = info.file_size, 0
            suspicious = size > SUSPICIOUS_RATIO * max(info.compress_size, 1)
            if size <= limit and (suspicious or (info is sheet and not dim)):
                try:
                    real, rows = _inflate(z, info, limit)
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    raise UserError(f"{name}: the workbook is damaged ({exc}).") from None
                size = max(size, real)
            if size > limit:
                raise UserError(
                    f"{name}: {what} unpacks to more than {limit // mb} MB "
                    f"({info.compress_size / mb:,.1f} MB in the file), more than one import "
                    "reads. Save the rows you need as CSV and import that.")
            if info is sheet and rows > EXCEL_MAX_ROWS:
                raise UserError(f"{name}: the sheet holds {rows:,} rows, more than Excel "
                                f"holds ({EXCEL_MAX_ROWS:,}). It is damaged or not a real "
                                "workbook; nothing was read.")
        if dim and dim.group(4):
            rows = int(dim.group(4)) - int(dim.group(2) or 1) + 1
            cols = _col_number(dim.group(3).decode()) - _col_number(
                (dim.group(1) or b"A").decode()) + 1
            if rows > EXCEL_MAX_ROWS or rows * cols > MAX_CELLS:
                raise UserError(
                    f"{name}: the sheet declares {rows:,} rows and {cols:,} columns, more "
                    f"than Excel holds ({EXCEL_MAX_ROWS:,} rows) or one import reads "
                    f"({MAX_CELLS:,} cells). It is damaged or not a real workbook; nothing "
                    "was read.")
        if strings is not None:
            with z.open(strings) as fh:
                count = _SST_COUNT.search(fh.read(4096))
            if count and int(count.group(1)) > MAX_CELLS:
                raise UserError(f"{name}: the workbook declares {int(count.group(1)):,} "
                                "distinct texts, more than one import reads; nothing was read.")


def cell_text(value: object) -> str:
    """A cell as the text a CSV would hold: a date cell as YYYY-MM-DD (with the time when
    it has one), 100.0 as 100, an empty cell as ''."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def read_workbook(path: Path, max_rows: int,
                  cancelled: Callable[[], bool] = lambda: False):  # -> pandas.DataFrame
    """The first sheet as text cells, after ``check_workbook``; refused past ``max_rows``
    rows (counted as they are read, whatever the sheet declared)."""
    import pandas as pd
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() != ".xls":  # the old binary format holds 65,536 rows at most
        check_workbook(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own kinds for a broken file
        raise UserError(f"{path.name}: cannot be read as a workbook ({exc}).") from None
    rows = sheet.iter_rows()
    header = next(rows, None)
    if header is None:
        raise UserError(f"{path.name}: the first sheet is empty.")
    columns = [cell_text(c) or f"Unnamed: {i}" for i, c in enumerate(header)]
    body: list[list[str]] = []
    for n, row in enumerate(rows, start=1):
        if n > max_rows:
            raise UserError(f"{path.name}: more than {max_rows:,} rows, more than one import "
                            "takes. Split it into files of up to that many rows.")
        if n % 65536 == 0 and cancelled():
            raise UserError("Reading the workbook was cancelled.")
        body.append([cell_text(c) for c in row])
    # the trailing empty rows and columns Excel keeps are no data
    while body and not any(body[-1]):
        body.pop()
    return pd.DataFrame(body, columns=columns, dtype=object) if body else pd.DataFrame(
        columns=columns, dtype=object)
