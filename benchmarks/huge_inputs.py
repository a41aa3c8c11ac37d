"""Very large inputs: time, peak memory and outcome of each, one process per case.

    .venv/bin/python benchmarks/huge_inputs.py [--csv-rows 5000000] [--pdf-pages 2000]

Cases (all synthetic, made in a temporary folder):
- a 200 MB text document: refused before it is read (the limit is 64 MB);
- a CSV of N rows (metric,date,value) through the table importer: judged a chunk at a
  time and imported in one transaction;
- a PDF of N pages (one line of text each) through the document importer.
Peak memory is the process's VmHWM (Linux), printed by the case itself.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from _measure import peak_mb  # noqa: E402



def case(kind: str, path: Path, data_dir: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from thesis_desk.app import open_workspace
    from thesis_desk.core.errors import UserError

    ws = open_workspace(str(data_dir))
    base = peak_mb()
    began = time.perf_counter()
    out: dict = {"case": kind, "file_mb": round(path.stat().st_size / 1e6, 1)}
    try:
        if kind in ("text", "pdf"):
            r = ws.library.import_file(path)
            out["outcome"] = r.status
            out["message"] = r.message[:160]
            if r.document is not None:
                out["pages"] = r.document.pages
        else:
            from thesis_desk.core.tabular import stream_plans

            # what `metrics import` and the window do with a long file: a chunk at a time
            plans = stream_plans(path, date_col="date", value_col="value", metric_col="metric",
                                 existing=ws.metrics.existing_dates)
            result = ws.metrics.import_stream(plans)
            out["outcome"] = f"imported {result['imported']} rows"
    except UserError as exc:
        out["outcome"] = "refused"
        out["message"] = str(exc)[:160]
    out["seconds"] = round(time.perf_counter() - began, 2)
    out["peak_mb"] = round(peak_mb(), 0)
    out["baseline_mb"] = round(base, 0)
    return out


def make_text(path: Path, mb: int) -> None:
    line = ("Synthetic broker-note text for a size test. " * 4 + "\n").encode()
    with open(path, "wb") as fh:
        for _ in range(mb * 1_000_000 // len(line) + 1):
            fh.write(line)


def make_csv(path: Path, rows: int) -> None:
    import numpy as np
    import pandas as pd

    # A long file: 1,000 metrics, each a daily series from 1990 (distinct days per metric).
    per = -(-rows // 1000)
    days = pd.date_range("1990-01-01", periods=per, freq="D").strftime("%Y-%m-%d")
    frame = pd.DataFrame({
        "metric": np.repeat([f"Synthetic {i:04d}" for i in range(1000)], per)[:rows],
        "date": np.tile(days, 1000)[:rows],
        "value": np.round(np.random.default_rng(1).normal(100, 10, rows), 4),
    })
    frame.to_csv(path, index=False)


def make_pdf(path: Path, pages: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.helpers import minimal_pdf

    path.write_bytes(minimal_pdf([f"Synthetic page {i + 1} of a very long report: capex "
                                  f"and cloud revenue." for i in range(pages)]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--text-mb", type=int, default=200)
    ap.add_argument("--csv-rows", type=int, default=5_000_000)
    ap.add_argument("--pdf-pages", type=int, default=2000)
    ap.add_argument("--case", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(case(args.case[0], Path(args.case[1]), Path(args.case[2]))))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="thesis-desk-huge-"))
    files = {"text": tmp / "huge.txt", "csv": tmp / "huge.csv", "pdf": tmp / "huge.pdf"}
    make_text(files["text"], args.text_mb)
    make_csv(files["csv"], args.csv_rows)
    make_pdf(files["pdf"], args.pdf_pages)
    for kind, path in files.items():
        proc = subprocess.run([sys.executable, __file__, "--case", kind, str(path),
                               str(tmp / f"ws-{kind}")], capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{kind}: FAILED\n{proc.stderr[-2000:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        extra = {k: v for k, v in r.items() if k not in ("case", "file_mb", "outcome",
                                                          "seconds", "peak_mb", "baseline_mb")}
        print(f"{kind:4s} {r['file_mb']:7.1f} MB: {r['outcome']}, {r['seconds']} s, peak "
              f"{r['peak_mb']:.0f} MB (workspace open: {r['baseline_mb']:.0f} MB) {extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
