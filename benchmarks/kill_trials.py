"""Crash-safety trials: kill a writing process with SIGKILL at random moments, then check
that the workspace is intact and holds every write the process reported as committed.

    .venv/bin/python benchmarks/kill_trials.py --trials 100

Each trial starts a child on one workspace (the same one across trials, so it grows);
the child loops over the kinds of user action (a thesis, an evidence item, an
observation import of a few hundred rows, a document import) through the services, and
prints one line per action *after* its transaction committed. The parent kills it
after a random delay, then checks:

- ``PRAGMA integrity_check`` is ok, and the FTS index agrees with the documents;
- every write the child reported is there (rows lost = reported but missing);
- no partial import: each imported metric has all of its rows or does not exist, and
  every document has its original file with the hash it was imported with.

It prints the figures and exits 1 if anything was lost or damaged. Synthetic data only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(data_dir: Path, seed: int) -> None:
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    from thesis_desk.app import open_workspace
    from thesis_desk.core.records import EvidenceInput, ThesisInput

    from thesis_desk.core import library

    library.PROCESS_MIN_FILES = 5  # batches of 5-6 go through the helper processes
    rng = random.Random(seed)
    ws = open_workspace(str(data_dir))
    inbox = data_dir / "trial-inbox"
    inbox.mkdir(exist_ok=True)
    print(json.dumps({"op": "ready"}), flush=True)
    n = 0
    while True:
        n += 1
        tag = f"{seed}-{n}"
        kind = n % 4
        if kind == 0:
            t = ws.theses.create(ThesisInput(title=f"Trial thesis {tag}", claim="synthetic " * 40))
            report = {"op": "thesis", "id": t.id, "title": t.title}
        elif kind == 1:
            theses = ws.theses.list()
            if not theses:
                continue
            tid = rng.choice(theses).id
            e = ws.evidence.add(EvidenceInput(thesis_id=tid, quote=f"Synthetic quote {tag}",
                                              source_text="kill trial (synthetic)"))
            report = {"op": "evidence", "id": e.id, "quote": e.quote}
        elif kind == 2:
            rows = rng.randint(50, 800)
            name = f"Trial metric {tag} ({rows} rows)"
            days = pd.date_range("2000-01-01", periods=rows, freq="D")
            df = pd.DataFrame({"date": days.strftime("%Y-%m-%d"),
                               "value": [rng.random() * 100 for _ in range(rows)]})
            plan = ws.metrics.plan_import(df, date_col="date", value_col="value", metric=name)
            ws.metrics.import_plan(plan)
            report = {"op": "import", "metric": name, "rows": rows}
        else:
            # one file on its own, or several in a batch (5 or more: helper processes)
            files, digests = [], {}
            for k in range(1 if n % 8 == 3 else rng.randint(2, 6)):
                f = inbox / f"note-{tag}-{k}.txt"
                body = (f"Trial document {tag}-{k}\n\n"
                        + "Synthetic paragraph. " * rng.randint(20, 2000))
                f.write_text(body, encoding="utf-8")
                files.append(f)
                digests[str(f)] = hashlib.sha256(body.encode()).hexdigest()
            results = ([ws.library.import_file(files[0])] if len(files) == 1
                       else ws.library.import_files(files))
            for result in results:
                if result.status == "imported":
                    print(json.dumps({"op": "document", "id": result.document.id,
                                      "sha256": digests[result.path]}), flush=True)
            continue
        print(json.dumps(report), flush=True)


def verify(data_dir: Path, reported: list[dict]) -> dict:
    db = data_dir / "thesis-desk.sqlite3"
    conn = sqlite3.connect(db)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        try:
            conn.execute("INSERT INTO document_fts(document_fts) VALUES ('integrity-check')")
            fts_ok = True
        except sqlite3.Error:
            fts_ok = False
        lost = []
        for r in reported:
            if r["op"] == "thesis":
                row = conn.execute("SELECT title FROM thesis WHERE id = ?", (r["id"],)).fetchone()
                ok = row is not None and row[0] == r["title"]
            elif r["op"] == "evidence":
                row = conn.execute("SELECT quote FROM evidence WHERE id = ?", (r["id"],)).fetchone()
                ok = row is not None and row[0] == r["quote"]
            elif r["op"] == "import":
                row = conn.execute("SELECT count(o.id) FROM metric m JOIN observation o ON "
                                   "o.metric_id = m.id WHERE m.name = ?", (r["metric"],)).fetchone()
                ok = row[0] == r["rows"]
            else:
                row = conn.execute("SELECT sha256 FROM document WHERE id = ?", (r["id"],)).fetchone()
                ok = row is not None and row[0] == r["sha256"]
            if not ok:
                lost.append(r)
        partial = []
        for name, count in conn.execute(
                "SELECT m.name, count(o.id) FROM metric m LEFT JOIN observation o "
                "ON o.metric_id = m.id WHERE m.name LIKE 'Trial metric %' GROUP BY m.id"):
            expected = int(name.rsplit("(", 1)[1].split()[0])
            if count != expected:
                partial.append(f"{name}: {count} rows")
        for doc_id, digest, rel in conn.execute(
                "SELECT id, sha256, original_path FROM document"):
            f = data_dir / "originals" / rel
            if not f.is_file() or hashlib.sha256(f.read_bytes()).hexdigest() != digest:
                partial.append(f"document {doc_id}: original missing or different")
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("thesis", "evidence", "observation", "document")}
    finally:
        conn.close()
    return {"integrity": integrity, "fts_ok": fts_ok, "lost": lost, "partial": partial,
            "counts": counts}


def run_trials(trials: int, data_dir: Path, seed: int, max_delay: float,
               quiet: bool = False) -> dict:
    rng = random.Random(seed)
    reported: list[dict] = []
    bad_trials = 0
    rows_lost = 0
    partial_seen = 0
    killed_mid_write = 0
    started = time.monotonic()
    for trial in range(trials):
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", str(data_dir), "--seed", str(seed * 1000 + trial)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        if '"ready"' not in first:
            raise SystemExit(f"child did not start: {first!r}")
        time.sleep(rng.uniform(0.0, max_delay))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        lines = proc.stdout.read().splitlines()
        proc.stdout.close()
        this = [json.loads(line) for line in lines if line.strip()]
        # A line cut by the kill is not a report: only whole JSON lines count.
        reported += this
        killed_mid_write += 1
        result = verify(data_dir, reported)
        lost = len(result["lost"])
        problems = (result["integrity"] != ["ok"] or not result["fts_ok"] or lost
                    or result["partial"])
        rows_lost = lost
        partial_seen = len(result["partial"])
        if problems:
            bad_trials += 1
        if not quiet:
            print(f"trial {trial + 1:3d}: {len(this):3d} writes reported, integrity "
                  f"{result['integrity'][0]}, lost {lost}, partial {len(result['partial'])}",
                  flush=True)
    final = verify(data_dir, reported)
    return {
        "trials": trials, "bad_trials": bad_trials, "writes_reported": len(reported),
        "rows_lost": rows_lost, "partial_imports": partial_seen,
        "integrity": final["integrity"][0], "fts_ok": final["fts_ok"],
        "counts": final["counts"], "seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-delay", type=float, default=2.0,
                    help="kill within this many seconds of the child being ready")
    ap.add_argument("--data-dir", type=Path, help="default: a new temporary folder")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.seed)
        return 0
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="thesis-desk-kill-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = run_trials(args.trials, data_dir, args.seed, args.max_delay, quiet=args.json)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"\n{result['trials']} SIGKILL trials in {result['seconds']} s on {data_dir}: "
              f"{result['writes_reported']} writes reported committed, rows lost "
              f"{result['rows_lost']}, partial imports {result['partial_imports']}, "
              f"integrity_check {result['integrity']}, FTS "
              f"{'ok' if result['fts_ok'] else 'BROKEN'}, trials with a problem "
              f"{result['bad_trials']}.\nFinal counts: {result['counts']}")
    return 0 if result["bad_trials"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
