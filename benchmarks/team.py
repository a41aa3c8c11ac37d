"""A team workspace on a local PostgreSQL server (a throwaway one, tests/pg.py), against
the server's own floors in the same run (SYNTHETIC data, labelled as such). Each figure
is the median and min of --rounds rounds.

- Bulk import of N observations (default 1,000,000: 1,000 metrics x 1,000 days, one CSV)
  through plan + import_plan (COPY on the server, the alert pass included) into a fresh
  team database, against raw COPY of the same rows (read with pandas) into a bare table
  and into the app's own observation table of a fresh team database (its unique index,
  its foreign key, its triggers), the metrics made first as the app makes them.
- Search over --documents SYNTHETIC documents (default 20,000) imported through the
  library: the p95 and median of 20 queries through LibraryService.search (snippets
  made), against the raw query on the same tsvector column (websearch_to_tsquery,
  ts_rank, LIMIT 50) on the same connection.

Usage: python benchmarks/team.py [--rows 1000000] [--documents 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pg import Server  # noqa: E402
from thesis_desk.app import open_workspace  # noqa: E402
from thesis_desk.paths import resolve_paths  # noqa: E402

WORDS = ("capex cloud revenue margin tencent alibaba baidu valuation model inference chip "
         "export control subsidy consumer recovery advertising commerce logistics robotaxi "
         "regulator dividend buyback earnings guidance quarter growth price war telecom").split()
QUERIES = ["capex", "cloud revenue", "price war", "export control chip", "robotaxi",
           "dividend buyback", "advertising recovery", "margin guidance", "telecom", "baidu",
           "inference", "subsidy consumer", "valuation", "alibaba cloud", "logistics",
           "earnings quarter", "tencent advertising", "regulator", "commerce growth", "model"]


def figure(times: list[float], unit: str = "s") -> str:
    scale = 1000 if unit == "ms" else 1
    return (f"median {statistics.median(times) * scale:.2f} {unit}, "
            f"min {min(times) * scale:.2f} {unit}")


def write_csv(path: Path, rows: int, rnd: random.Random) -> None:
    metrics = max(1, rows // 1000)
    per = rows // metrics
    start = dt.date(2020, 1, 1)
    days = [(start + dt.timedelta(days=d)).isoformat() for d in range(per)]
    with path.open("w") as fh:
        fh.write("Metric,Date,Value\n")
        for m in range(metrics):
            walk = 100.0
            for d in days:
                walk += rnd.gauss(0, 1)
                fh.write(f"SYNTHETIC metric {m},{d},{walk:.6f}\n")


def bulk_import(server: Server, csv: Path, rounds: int, tmp: Path) -> None:
    import pandas as pd
    import psycopg

    from thesis_desk.core.tabular import read_table

    ours, bare, same = [], [], []
    for r in range(rounds):
        name = f"bench_import_{r}"
        server.execute(f"CREATE DATABASE {name}")
        ws = open_workspace(paths=resolve_paths(tmp / f"ws{r}").ensure(),
                            database=server.url(name))
        t = time.perf_counter()
        plan = ws.metrics.plan_import(read_table(csv, numbers=["Value"]), date_col="Date",
                                      value_col="Value", metric_col="Metric")
        ws.metrics.import_plan(plan)
        ours.append(time.perf_counter() - t)
        ws.close()
        for label, times in (("bare", bare), ("same", same)):
            floor_db = f"bench_floor_{label}_{r}"
            server.execute(f"CREATE DATABASE {floor_db}")
            if label == "same":  # the app's own observation table: a migrated database
                open_workspace(paths=resolve_paths(tmp / f"floor{r}").ensure(),
                               database=server.url(floor_db)).close()
            with psycopg.connect(host="127.0.0.1", port=server.port, user="td_admin",
                                 dbname=floor_db) as conn:
                if label == "bare":
                    conn.execute("CREATE TABLE obs (metric text, date date, value float8)")
                conn.commit()
                t = time.perf_counter()
                df = pd.read_csv(csv)
                with conn.cursor() as cur:
                    if label == "bare":
                        with cur.copy("COPY obs (metric, date, value) FROM STDIN") as copy:
                            for row in zip(df["Metric"], df["Date"], df["Value"], strict=True):
                                copy.write_row(row)
                    else:  # the metrics made as the app makes them, then their rows
                        names = list(df["Metric"].unique())
                        with cur.copy("COPY metric (name, unit, frequency, kind, description, "
                                      "source, created_at) FROM STDIN") as copy:
                            for n in names:
                                copy.write_row((n, "", "irregular", "generic", "", "",
                                                dt.datetime.now()))
                        ids = dict(cur.execute("SELECT name, id FROM metric").fetchall())
                        now = str(dt.datetime.now())
                        with cur.copy("COPY observation (metric_id, date, value, note, "
                                      "created_at) FROM STDIN") as copy:
                            for row in zip(map(ids.__getitem__, df["Metric"]), df["Date"],
                                           df["Value"], strict=True):
                                copy.write_row((*row, "", now))
                conn.commit()
                times.append(time.perf_counter() - t)
    print(f"Bulk import of {len(pd.read_csv(csv)):,} SYNTHETIC observations into a team "
          f"database ({rounds} rounds):")
    print(f"  plan + import_plan (COPY, alert pass):   {figure(ours)}")
    print(f"  floor, read_csv + raw COPY, bare table:   {figure(bare)}  -> "
          f"{statistics.median(ours) / statistics.median(bare):.2f}x")
    print(f"  floor, read_csv + raw COPY, app's table:  {figure(same)}  -> "
          f"{statistics.median(ours) / statistics.median(same):.2f}x")


def search(server: Server, documents: int, rounds: int, tmp: Path, rnd: random.Random) -> None:
    from sqlalchemy import text

    folder = tmp / "docs"
    folder.mkdir()
    for i in range(documents):
        body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(200, 1200)))
        (folder / f"doc{i:05d}.txt").write_text(f"SYNTHETIC note {i}\n\n{body}\n")
    server.execute("CREATE DATABASE bench_search")
    ws = open_workspace(paths=resolve_paths(tmp / "search-ws").ensure(),
                        database=server.url("bench_search"))
    t = time.perf_counter()
    ws.library.import_files(sorted(folder.iterdir()))
    print(f"Search over {ws.library.count():,} SYNTHETIC documents (imported in "
          f"{time.perf_counter() - t:.1f} s), {len(QUERIES)} queries, {rounds} rounds:")
    raw_sql = text("SELECT d.id, ts_rank(d.search, q) AS r FROM document d, "
                   "websearch_to_tsquery('english', :q) q WHERE d.search @@ q "
                   "ORDER BY r DESC, d.id LIMIT 50")
    ours_p95, raw_p95, ours_med, raw_med = [], [], [], []
    for _ in range(rounds):
        ours, raw = [], []
        for q in QUERIES:
            t = time.perf_counter()
            hits = ws.library.search(q)
            ours.append(time.perf_counter() - t)
            with ws.db.read() as s:
                t = time.perf_counter()
                found = s.execute(raw_sql, {"q": q}).all()
                raw.append(time.perf_counter() - t)
            assert [h.document.id for h in hits] == [r[0] for r in found], q  # the same work
        ours_p95.append(statistics.quantiles(ours, n=20)[-1])
        raw_p95.append(statistics.quantiles(raw, n=20)[-1])
        ours_med.append(statistics.median(ours))
        raw_med.append(statistics.median(raw))
    print(f"  LibraryService.search, p95: {figure(ours_p95, 'ms')}; median "
          f"{figure(ours_med, 'ms')}")
    print(f"  raw tsvector query, p95:    {figure(raw_p95, 'ms')}; median "
          f"{figure(raw_med, 'ms')}")
    print(f"  p95 ratio {statistics.median(ours_p95) / statistics.median(raw_p95):.2f}x")
    ws.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--documents", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rnd = random.Random(7)
    server = Server()
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            csv = tmp / "observations.csv"
            write_csv(csv, args.rows, rnd)
            bulk_import(server, csv, args.rounds, tmp)
            search(server, args.documents, args.rounds, tmp, rnd)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
