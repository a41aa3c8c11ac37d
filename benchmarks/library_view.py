"""How long the Library view holds the GUI thread with a large library.

Fills a workspace with N SYNTHETIC documents of ~5 KB straight through SQL (this
measures the view, not the importer), then times, on the GUI thread (offscreen):
opening the Library (list + first document in the reader), a search, clearing it,
and opening another document. Usage: python benchmarks/library_view.py [--docs 20000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from library import vocabulary  # noqa: E402


def fill(db: Path, n: int) -> None:
    rnd, words = random.Random(5), vocabulary()
    conn = sqlite3.connect(db)
    rows = []
    for i in range(n):
        body = " ".join(rnd.choices(words, k=800))
        text = f"SYNTHETIC document {i}\n\n{body}"
        rows.append((f"SYNTHETIC document {i}", "Synthetic", "", None, "", "text",
                     hashlib.sha256(text.encode()).hexdigest(), text, None, f"{i}.txt", "",
                     len(text), "2026-01-01 00:00:00"))
    with conn:
        conn.executemany(
            "INSERT INTO document(title, publisher, author, published_on, url, kind, sha256, "
            "text, page_offsets, original_name, original_path, size_bytes, imported_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        # the search index filled as the library fills it on import (its insert trigger
        # was dropped in migration 0003): searching an empty index found nothing
        conn.execute("INSERT INTO document_fts(rowid, title, text) "
                     "SELECT id, title, text FROM document")
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from thesis_desk.app import open_workspace
    from thesis_desk.ui.library_view import LibraryView
    from thesis_desk.ui.main import make_app
    from thesis_desk.ui.session import WorkspaceSession

    app = make_app()
    with tempfile.TemporaryDirectory() as tmp:
        ws = open_workspace(tmp)
        fill(ws.paths.database, args.docs)
        session = WorkspaceSession(ws.paths)
        view = LibraryView(session)
        view.resize(1280, 800)
        view.show()
        timings: dict[str, list[float]] = {}

        def timed(name, fn):  # noqa: ANN001, ANN202
            t0 = time.perf_counter()
            fn()
            app.processEvents()
            timings.setdefault(name, []).append((time.perf_counter() - t0) * 1000)

        def settled() -> None:
            while "Searching" in view.count.text():
                app.processEvents()
                time.sleep(0.002)

        timed("open library (list + reader)", lambda: session.adopt(ws, watch=False))
        shown = ""
        for _ in range(args.rounds):
            view.search.setText("capex cloud")
            t0 = time.perf_counter()
            timed("search 'capex cloud' (GUI thread)", view.refresh)
            while ("“capex cloud”" not in view.count.text()
                   or "Searching" in view.count.text()):
                app.processEvents()
                time.sleep(0.002)
            timings.setdefault("search results shown (wall)", []).append(
                (time.perf_counter() - t0) * 1000)
            shown = view.count.text()
            timed("clear search", view.search.clear)
            settled()
            timed("open another document", lambda: view.table.selectRow(500))
            # the floor: the same search straight through FTS5 (rank and first page)
            con = sqlite3.connect(ws.paths.database)
            t0 = time.perf_counter()
            hits = con.execute("SELECT rowid FROM document_fts WHERE document_fts MATCH "
                               "'capex cloud' ORDER BY bm25(document_fts, 5.0, 1.0) "
                               "LIMIT 200").fetchall()
            timings.setdefault("floor: raw FTS5 MATCH + bm25, first 200", []).append(
                (time.perf_counter() - t0) * 1000)
            total = con.execute("SELECT count(*) FROM document_fts WHERE document_fts MATCH "
                                "'capex cloud'").fetchone()[0]
            con.close()
        ws.close()
    print(f"Library view with {args.docs} SYNTHETIC documents, the search index filled "
          f"(GUI thread, offscreen; {args.rounds} rounds):")
    print(f"  'capex cloud': the view says {shown!r}; FTS5 alone finds {total:,} "
          f"({len(hits)} on its first page)")
    for name, ms in timings.items():
        print(f"  {name:<42} median {statistics.median(ms):7.1f} ms, min {min(ms):7.1f} ms")


if __name__ == "__main__":
    main()
