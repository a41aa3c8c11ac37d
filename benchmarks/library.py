"""Library import throughput and search latency, against raw SQLite FTS5 on the same texts.

Generates N SYNTHETIC documents of about 5 KB (words drawn from the seed articles, so
the vocabulary is realistic; the texts are not articles), then in the same run:

- imports them through LibraryService.import_files (read, hash, extract, keep the
  original, insert, the search rows) into a fresh workspace, and compares with a raw
  executemany of the same texts into a bare FTS5 table in one transaction, taking turns,
  --rounds times: each run's ratio is printed (the target holds in every run);
- runs 100 two-word queries through LibraryService.search (bm25, snippets, document
  rows) and the same MATCH + bm25 + snippet on the raw table; prints median and p95.

Usage: python benchmarks/library.py [--docs 20000]
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from thesis_desk.resources import seeds_dir  # noqa: E402


def vocabulary() -> list[str]:
    words: list[str] = []
    for f in sorted(seeds_dir().glob("*.txt")):
        words += re.findall(r"[A-Za-z][A-Za-z'-]+", f.read_text(encoding="utf-8"))
    return words


def make_docs(folder: Path, n: int, rnd: random.Random, words: list[str]) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i in range(n):
        body = []
        size = 0
        while size < 5000:
            sentence = " ".join(rnd.choices(words, k=rnd.randint(8, 22))) + "."
            body.append(sentence)
            size += len(sentence) + 1
        p = folder / f"synthetic-{i:05d}.txt"
        p.write_text(f"SYNTHETIC document {i}\n\n" + " ".join(body), encoding="utf-8")
        paths.append(p)
    return paths


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    # Imported here, not at the top: the import's helper processes import this module
    # as their parent's main one, and the app's own main module (the thesis-desk
    # command) does not import the services (0.5 s a helper).
    from thesis_desk.app import open_workspace

    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tmp", default=None, help="folder for the documents and databases "
                    "(default: the system temp folder); /dev/shm takes the disk out")
    args = ap.parse_args()
    rnd = random.Random(11)
    words = vocabulary()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        tmp = Path(tmp)
        paths = make_docs(tmp / "docs", args.docs, rnd, words)
        texts = [p.read_text(encoding="utf-8") for p in paths]

        raws, apps = [], []
        for n in range(args.rounds):
            raw = sqlite3.connect(tmp / f"raw{n}.sqlite3")
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("CREATE VIRTUAL TABLE fts USING fts5(title, text, "
                        "tokenize='unicode61 remove_diacritics 2')")
            t0 = time.perf_counter()
            with raw:
                raw.executemany("INSERT INTO fts(title, text) VALUES (?, ?)",
                                [(t.split("\n", 1)[0], t) for t in texts])
            raws.append(time.perf_counter() - t0)
            if n < args.rounds - 1:
                raw.close()
            ws = open_workspace(str(tmp / f"ws{n}"))
            t0 = time.perf_counter()
            results = ws.library.import_files(paths)
            apps.append(time.perf_counter() - t0)
            assert sum(r.status == "imported" for r in results) == args.docs
            if n < args.rounds - 1:
                ws.close()

        queries = [" ".join(rnd.sample(words, 2)) for _ in range(args.queries)]
        for q in queries[:5]:  # warm both
            ws.library.search(q)
        app_t, raw_t = [], []
        for q in queries:
            t0 = time.perf_counter()
            ws.library.search(q, limit=20)
            app_t.append(time.perf_counter() - t0)
            expr = " ".join(f'"{w}"' for w in q.split())
            t0 = time.perf_counter()
            raw.execute("SELECT rowid, bm25(fts, 5.0, 1.0) AS r, snippet(fts, 1, '[', ']', '…', 14)"
                        " FROM fts WHERE fts MATCH ? ORDER BY r LIMIT 20", (expr,)).fetchall()
            raw_t.append(time.perf_counter() - t0)
        ws.close()
        raw.close()

    n = args.docs
    print(f"{n} SYNTHETIC documents of ~5 KB, {args.rounds} rounds")
    print(f"import: Thesis Desk median {statistics.median(apps):.1f} s, min {min(apps):.1f} s "
          f"({n / statistics.median(apps):,.0f} docs/s); raw FTS5 insert median "
          f"{statistics.median(raws):.2f} s, min {min(raws):.2f} s; each run's ratio "
          + ", ".join(f"{a / r:.2f}x" for a, r in zip(apps, raws, strict=True))
          + " (target <= 3x in every run)")
    print(f"search (100 two-word queries, top 20): Thesis Desk median "
          f"{statistics.median(app_t) * 1000:.2f} ms, p95 {pct(app_t, .95) * 1000:.2f} ms;   raw "
          f"median {statistics.median(raw_t) * 1000:.2f} ms, p95 {pct(raw_t, .95) * 1000:.2f} ms;"
          f"   ratio of medians {statistics.median(app_t) / statistics.median(raw_t):.2f}x "
          "(target <= 1.5x)")


if __name__ == "__main__":
    main()
