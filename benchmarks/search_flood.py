"""Search when a word floods a document: LibraryService.search against raw FTS5 ranking.

    .venv/bin/python benchmarks/search_flood.py [--line-mb 50] [--occurrences 40000]

A SYNTHETIC library: 1,000 small notes, one document with the query word N times, and
one document that is a single line of M megabytes (the word all through it). Each
query runs 5 rounds; median and min are printed for

- the app's search (rank and cut with FTS5's bm25, then a snippet from each kept
  document's first match), and
- the floor: the same MATCH ranked by the same bm25 and cut by the same LIMIT on the same
  connection, without snippets (what any full-text search must do).

The figures before this change (FTS5's snippet() for every match) were minutes: a word
120,000 times in one document took 6 min 47 s through `thesis-desk search`.
Prints figures, never asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rounds(fn, n: int = 5) -> tuple[float, float]:  # noqa: ANN001
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--line-mb", type=int, default=50)
    ap.add_argument("--occurrences", type=int, default=40_000)
    a = ap.parse_args()
    from sqlalchemy import text

    from thesis_desk.app import open_workspace
    from thesis_desk.core.library import fts_query

    tmp = Path(tempfile.mkdtemp(prefix="search-flood-"))
    files = []
    for i in range(1000):
        f = tmp / f"note-{i}.txt"
        f.write_text(f"SYNTHETIC note {i}\n\nCloud revenue and capex, quarter {i}.")
        files.append(f)
    flood = tmp / "flood.txt"
    flood.write_text("SYNTHETIC flood\n\n" + "capex cloud " * a.occurrences)
    line = tmp / "line.txt"
    words = "alpha beta capex gamma delta cloud omega revenue "
    with open(line, "w") as fh:
        fh.write("SYNTHETIC one line\n\n")
        for _ in range(a.line_mb * 1_000_000 // len(words)):
            fh.write(words)
    files += [flood, line]
    ws = open_workspace(str(tmp / "ws"))
    t0 = time.perf_counter()
    results = ws.library.import_files(files)
    print(f"imported {sum(r.status == 'imported' for r in results)} documents "
          f"({line.stat().st_size / 1e6:.0f} MB line, {a.occurrences:,} occurrences) in "
          f"{time.perf_counter() - t0:.1f} s")
    for query in ("capex", "capex cloud", "quarter 7"):
        expr = fts_query(query)

        def floor() -> None:
            with ws.db.read() as s:
                s.execute(text("SELECT rowid, bm25(document_fts, 5.0, 1.0) AS r FROM "
                               "document_fts WHERE document_fts MATCH :q ORDER BY r "
                               "LIMIT 50"), {"q": expr}).all()

        app_med, app_min = rounds(lambda: ws.library.search(query, limit=50))
        floor_med, floor_min = rounds(floor)
        print(f"{query!r:15}  search median {app_med * 1000:7.1f} ms  min {app_min * 1000:7.1f} ms"
              f"   floor median {floor_med * 1000:7.1f} ms  min {floor_min * 1000:7.1f} ms"
              f"   ratio {app_med / floor_med:.2f}x")
    ws.close()


if __name__ == "__main__":
    main()
