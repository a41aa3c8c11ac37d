"""Table imports: a long CSV streamed into one transaction, and what date detection costs.

    .venv/bin/python benchmarks/table_import.py [--rows 10000000] [--detect-rows 1000000] [--rounds 3]

1. Streamed import: a long file (metric,date,value; 1,000 metrics of 10,000 days each at
   the default size) through `thesis-desk metrics import` (every row judged: dates, numbers,
   duplicates within the file and against what is stored; written in one transaction;
   alert rules checked), against the floor: `pandas.read_csv(chunksize=...)` and a raw
   `executemany` of the same rows into the same observation table of a fresh workspace (the
   metrics made first), also one transaction, nothing judged. Each round is its own
   process in a new workspace; time is wall time from the command's start (opening the
   workspace included) with the libraries already imported in both, memory the process's
   peak RSS (VmHWM);
   afterwards the rows in the table are counted (both must hold every row).
2. Date detection: the same 1M-row day-first file (DD/MM/YYYY) imported with the format
   detected and with --date-format given, in the same run.

Figures are printed, never asserted: median and min over the rounds.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from _measure import peak_mb  # noqa: E402
METRICS = 1000



def make_long(path: Path, rows: int, day_first: bool = False) -> None:
    """metric,date,value: METRICS metrics (or fewer), consecutive days each."""
    import numpy as np
    import pandas as pd

    metrics = min(METRICS, max(1, rows // 1000))
    per = rows // metrics
    days = pd.date_range("1990-01-01", periods=per, freq="D")
    text = days.strftime("%d/%m/%Y" if day_first else "%Y-%m-%d").to_numpy(dtype=object)
    rng = np.random.default_rng(7)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("metric,date,value\n")
        for m in range(metrics):
            frame = pd.DataFrame({"metric": f"M{m:04d}", "date": text,
                                  "value": np.round(rng.normal(100, 10, per), 4)})
            frame.to_csv(fh, header=False, index=False)


def case_ours(path: Path, data_dir: Path, date_format: str | None) -> dict:
    sys.path.insert(0, str(ROOT))
    import pandas  # noqa: F401 - imported before the clock starts, as the floor's is

    import thesis_desk.app  # noqa: F401
    from thesis_desk.cli import main

    argv = ["--data-dir", str(data_dir), "metrics", "import", str(path), "--metric-col",
            "metric", "--date-col", "date", "--value-col", "value", "--json"]
    if date_format:
        argv += ["--date-format", date_format]
    t = time.perf_counter()
    code = main(argv)
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "exit": code}


def case_floor(path: Path, data_dir: Path) -> dict:
    """pandas chunks and a raw executemany: the same rows into the same table."""
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    from thesis_desk.app import open_workspace
    from thesis_desk.core.metrics import MetricInput

    ws = open_workspace(str(data_dir))
    ids = {f"M{m:04d}": ws.metrics.create(MetricInput(f"M{m:04d}")).id for m in range(METRICS)}
    db_path = ws.paths.database
    ws.close()
    t = time.perf_counter()
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    for chunk in pd.read_csv(path, chunksize=250_000):
        con.executemany(
            "INSERT INTO observation (metric_id, date, value, note, created_at) "
            "VALUES (?, ?, ?, '', '2026-01-01 00:00:00')",
            zip(chunk["metric"].map(ids), chunk["date"], chunk["value"], strict=True))
    con.execute("COMMIT")
    con.close()
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "exit": 0}


def run_case(kind: str, path: Path, extra: str = "") -> dict:
    with tempfile.TemporaryDirectory(prefix="td-bench-") as d:
        out = subprocess.run([sys.executable, __file__, "--case", kind, str(path), d, extra],
                             capture_output=True, text=True, check=False)
        if out.returncode:
            raise SystemExit(f"{kind} failed:\n{out.stderr[-2000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        db = next(Path(d).rglob("*.sqlite3"))
        with sqlite3.connect(db) as con:
            result["rows"] = con.execute("SELECT count(*) FROM observation").fetchone()[0]
    return result


def _line(name: str, runs: list[dict]) -> str:
    secs = [r["seconds"] for r in runs]
    peaks = [r["peak_mb"] for r in runs]
    return (f"  {name:<34} median {statistics.median(secs):7.1f} s  min {min(secs):7.1f} s  "
            f"peak RSS median {statistics.median(peaks):5.0f} MB  max {max(peaks):5.0f} MB  "
            f"rows stored {runs[-1]['rows']:,}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--detect-rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--case", nargs=4, metavar=("KIND", "FILE", "DIR", "EXTRA"))
    args = ap.parse_args()
    if args.case:
        kind, file, d, extra = args.case
        result = (case_floor(Path(file), Path(d)) if kind == "floor"
                  else case_ours(Path(file), Path(d), extra or None))
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory(prefix="td-bench-data-") as tmp:
        long_csv = Path(tmp) / "long.csv"
        t = time.perf_counter()
        make_long(long_csv, args.rows)
        print(f"Streamed import: {args.rows:,} rows, {long_csv.stat().st_size / 2**20:,.0f} MB "
              f"(made in {time.perf_counter() - t:.0f} s), {args.rounds} rounds")
        ours, floor = [], []
        for _ in range(args.rounds):  # interleaved: the machine's state is shared fairly
            floor.append(run_case("floor", long_csv))
            ours.append(run_case("ours", long_csv))
        print(_line("thesis-desk metrics import", ours))
        print(_line("floor: read_csv chunks+executemany", floor))
        ratio = statistics.median(r["seconds"] for r in ours) / statistics.median(
            r["seconds"] for r in floor)
        print(f"  ratio (median): {ratio:.2f}x the floor")
        long_csv.unlink()

        dmy = Path(tmp) / "day_first.csv"
        make_long(dmy, args.detect_rows, day_first=True)
        print(f"Date detection: {args.detect_rows:,} rows dated DD/MM/YYYY, {args.rounds} rounds")
        given, detected = [], []
        for _ in range(args.rounds):
            given.append(run_case("ours", dmy, "%d/%m/%Y"))
            detected.append(run_case("ours", dmy))
        print(_line("--date-format %d/%m/%Y given", given))
        print(_line("format detected from the cells", detected))
        extra = statistics.median(r["seconds"] for r in detected) / statistics.median(
            r["seconds"] for r in given) - 1
        print(f"  detection adds {extra * 100:+.1f}% (median against median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
