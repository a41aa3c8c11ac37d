"""Excel workbooks: date cells and day numbers read as dates, a trailing total refused,
and a workbook that would not fit refused before any cell is parsed."""

from __future__ import annotations

import datetime as dt
import time
import re
import zipfile

import openpyxl
import pytest

from thesis_desk.core import excel
from thesis_desk.core.errors import UserError
from thesis_desk.core.tabular import plan_observations, read_table


def _workbook(path, rows, header=("Date", "Close")):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Prices"
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def test_date_cells_and_a_total_row(tmp_path):
    start = dt.date(2025, 1, 1)
    rows = [(start + dt.timedelta(days=i), 100 + i / 4) for i in range(30)]
    rows.append(("Total", 3108.75))
    f = _workbook(tmp_path / "prices.xlsx", rows)
    df = read_table(f)
    assert df["Date"].iat[0] == "2025-01-01" and df["Close"].iat[0] == "100"
    plan = plan_observations(df, date_col="Date", value_col="Close", metric="X")
    assert plan.days[-1] == "2025-01-30" and plan.values[1] == 100.25
    assert plan.rejected == [(32, "a total row, not an observation")]


def test_day_numbers_in_a_workbook_are_dates(tmp_path):
    """A date column stored as plain numbers (its date format lost) reads as dates."""
    f = _workbook(tmp_path / "serials.xlsx", [(45688 + i, 5 + i) for i in range(12)])
    plan = plan_observations(read_table(f), date_col="Date", value_col="Close", metric="X")
    assert plan.days[:2] == ["2025-01-31", "2025-02-01"] and not plan.rejected
    assert plan.detected.startswith("Excel day numbers: 45688 is 2025-01-31")


def _declare_rows(src, dst, ref):
    """A copy of a workbook whose sheet claims ``ref`` as its dimension (a bomb's header)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes "<dimension ref=.../>" with lxml installed, " />" without
                data = re.sub(rb'<dimension ref="A1:B3"\s*/>', f'<dimension ref="{ref}" />'.encode(),
                              data)
                assert ref.encode() in data
            zout.writestr(item, data)
    return dst


def test_a_workbook_declaring_ten_million_rows_is_refused_before_parsing(tmp_path):
    small = _workbook(tmp_path / "small.xlsx", [("2025-01-02", 1), ("2025-01-03", 2)])
    bomb = _declare_rows(small, tmp_path / "bomb.xlsx", "A1:B10000000")
    t = time.perf_counter()
    with pytest.raises(UserError, match="declares 10,000,000 rows and 2 columns"):
        read_table(bomb)
    assert time.perf_counter() - t < 2
    wide = _declare_rows(small, tmp_path / "wide.xlsx", "A1:XFD100000")
    with pytest.raises(UserError, match="declares 100,000 rows and 16,384 columns"):
        read_table(wide)


def test_a_sheet_inflating_past_the_limit_is_refused(tmp_path, monkeypatch):
    rows = [(dt.date(2000, 1, 1) + dt.timedelta(days=i), 1.0) for i in range(20_000)]
    f = _workbook(tmp_path / "long.xlsx", rows)
    assert len(read_table(f)) == 20_000
    monkeypatch.setattr(excel, "MAX_SHEET_XML", 2**20)
    with pytest.raises(UserError, match="first sheet unpacks to more than 1 MB"):
        read_table(f)
    monkeypatch.setattr(excel, "MAX_WORKBOOK_XML", 2**20)
    with pytest.raises(UserError, match="the workbook unpacks to"):
        read_table(f)


def test_rows_are_counted_as_read_whatever_the_sheet_declares(tmp_path, monkeypatch):
    import thesis_desk.core.tabular as tabular

    monkeypatch.setattr(tabular, "MAX_TABLE_ROWS", 10)
    f = _workbook(tmp_path / "eleven.xlsx", [(f"2025-01-{i + 1:02d}", i) for i in range(11)])
    with pytest.raises(UserError, match="more than 10 rows"):
        read_table(f)


def test_a_file_that_is_no_workbook_says_so(tmp_path):
    f = tmp_path / "fake.xlsx"
    f.write_text("Date,Close\n2025-01-02,1\n")
    with pytest.raises(UserError, match="not an Excel workbook"):
        read_table(f)


def test_rows_beyond_excels_are_counted_when_no_dimension_says_so(tmp_path, monkeypatch):
    """A sheet with no <dimension> (or one that lies) is inflated once and its rows
    counted before calamine loads anything."""
    monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", 1000)
    rows = [(dt.date(2000, 1, 1) + dt.timedelta(days=i), 1.0) for i in range(1500)]
    src = _workbook(tmp_path / "long.xlsx", rows)
    dst = tmp_path / "nodim.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="A1:B1501"\s*/>', b"", data)
                assert b"dimension" not in data
            zout.writestr(item, data)
    with pytest.raises(UserError, match="the sheet holds 1,501 rows, more than Excel holds"):
        read_table(dst)
    assert excel._inflate(zipfile.ZipFile(src), zipfile.ZipFile(src).getinfo(
        "xl/worksheets/sheet1.xml"), 1 << 30)[1] == 1501
