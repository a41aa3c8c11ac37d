"""Excel workbooks: a zip bomb refused, and how fast a real workbook is read.

    .venv/bin/python benchmarks/excel_workbooks.py [--bomb-rows 10000000] [--rows 100000] [--rounds 3]

1. The bomb: a real .xlsx whose sheet holds --bomb-rows rows (2 cells each, the same
   row over and over, so it packs into a few MB) and says so in its <dimension>. Through
   `read_table` (what every import calls) it must be refused; the old reader,
   `pandas.read_excel` with openpyxl, is given --old-timeout seconds and then stopped.
   Each in its own process: wall time, peak RSS (VmHWM), the outcome.
2. A real workbook of --rows date/price rows (date cells): `read_table` (calamine, with the
   checks first) against `pandas.read_excel(engine="openpyxl")` (the reader before it), the
   same file in the same run; both give every row.

Figures are printed, never asserted: median and min over the rounds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from _measure import peak_mb  # noqa: E402



def make_bomb(path: Path, rows: int) -> None:
    """A minimal, valid workbook whose one sheet holds ``rows`` identical rows."""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:B{rows}"/><sheetData>')
    row = '<row><c t="inlineStr"><is><t>2025-01-02</t></is></c><c><v>1</v></c></row>'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Prices" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(head.encode())
            block = (row * 10_000).encode()
            for _ in range(rows // 10_000):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")


def make_workbook(path: Path, rows: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Prices")
    ws.append(["Date", "Close"])
    start = dt.date(1990, 1, 1)
    for i in range(rows):
        ws.append([start + dt.timedelta(days=i), 100 + i * 0.01])
    wb.save(path)


def case(kind: str, path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    from thesis_desk.core.errors import UserError
    from thesis_desk.core.tabular import read_table

    t = time.perf_counter()
    try:
        if kind == "ours":
            df = read_table(path)
        else:
            df = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        outcome = f"read {len(df):,} rows"
    except UserError as exc:
        outcome = f"refused: {exc}"
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "outcome": outcome}


def run(kind: str, path: Path, timeout: float | None = None) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--case", kind, str(path)],
                            stdout=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:  # the child's RSS watched from outside, for the stopped one
        try:
            with open(f"/proc/{proc.pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
        except FileNotFoundError:
            break
        if timeout is not None and time.perf_counter() - start > timeout:
            proc.kill()
            proc.wait()
            return {"seconds": time.perf_counter() - start, "peak_mb": peak,
                    "outcome": f"still parsing after {timeout:.0f} s: stopped"}
        time.sleep(0.05)
    return json.loads(proc.stdout.read().strip().splitlines()[-1])


def _line(name: str, runs: list[dict]) -> str:
    secs = [r["seconds"] for r in runs]
    peaks = [r["peak_mb"] for r in runs]
    return (f"  {name:<30} median {statistics.median(secs):7.2f} s  min {min(secs):7.2f} s  "
            f"peak RSS max {max(peaks):6.0f} MB  {runs[-1]['outcome'][:90]}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bomb-rows", type=int, default=10_000_000)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--old-timeout", type=float, default=60)
    ap.add_argument("--case", nargs=2, metavar=("KIND", "FILE"))
    args = ap.parse_args()
    if args.case:
        print(json.dumps(case(args.case[0], Path(args.case[1]))))
        return 0
    with tempfile.TemporaryDirectory(prefix="td-bench-xl-") as tmp:
        bomb = Path(tmp) / "bomb.xlsx"
        make_bomb(bomb, args.bomb_rows)
        with zipfile.ZipFile(bomb) as z:
            inner = sum(i.file_size for i in z.infolist())
        print(f"Bomb: {bomb.stat().st_size / 2**20:.1f} MB on disk, {inner / 2**20:,.0f} MB "
              f"unpacked, {args.bomb_rows:,} rows")
        print(_line("read_table (ours)", [run("ours", bomb) for _ in range(args.rounds)]))
        print(_line("pandas.read_excel (openpyxl)", [run("old", bomb, args.old_timeout)]))

        book = Path(tmp) / "prices.xlsx"
        make_workbook(book, args.rows)
        print(f"Workbook: {args.rows:,} rows of date cells and prices, "
              f"{book.stat().st_size / 2**20:.1f} MB, {args.rounds} rounds")
        ours, old = [], []
        for _ in range(args.rounds):
            ours.append(run("ours", book))
            old.append(run("old", book))
        print(_line("read_table (calamine)", ours))
        print(_line("pandas.read_excel (openpyxl)", old))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
