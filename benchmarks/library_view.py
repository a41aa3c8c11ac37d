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
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
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
        timings = {}

        def timed(name, fn):
            t0 = time.perf_counter()
            fn()
            app.processEvents()
            timings[name] = (time.perf_counter() - t0) * 1000

        timed("open library (list + reader)", lambda: session.adopt(ws, watch=False))
        view.search.setText("capex cloud")
        timed("search 'capex cloud' (GUI thread)", view.refresh)
        t0 = time.perf_counter()
        while not view.count.text().endswith("“capex cloud”") or "Searching" in view.count.text():
            app.processEvents()
            time.sleep(0.002)
        timings["search results shown (wall)"] = (time.perf_counter() - t0) * 1000 + timings[
            "search 'capex cloud' (GUI thread)"]
        timed("clear search", view.search.clear)
        timed("open another document", lambda: view.table.selectRow(500))
        ws.close()
    print(f"Library view with {args.docs} synthetic documents (GUI thread, offscreen):")
    for name, ms in timings.items():
        print(f"  {name:<32} {ms:7.1f} ms")


if __name__ == "__main__":
    main()
