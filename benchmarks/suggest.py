"""Passages suggested for each pillar, measured: the demo's Alibaba thesis rebuilt without
its evidence (title, claim, narrative and pillars as the demo has them), the share of its hand-filed quotes found among the top 10 suggestions of
their pillar (over the five seeds); and the time to suggest for one newly imported
document against 200 theses of 5 pillars each (median and min of 5 rounds).

A quote counts as found when a suggested passage covers at least half of it. The floor for
the time: the same reads (theses, pillars, the document split into passages) without the
ranking, in the same run. The other two demo theses are measured the same way, as a check
on weights that were chosen on the demo.

    .venv/bin/python benchmarks/suggest.py [--verbose]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from thesis_desk.app import open_workspace  # noqa: E402
from thesis_desk.core import demo  # noqa: E402
from thesis_desk.core.records import PillarInput, ThesisInput  # noqa: E402
from thesis_desk.core.suggest import SuggestionService, _pool, overlaps  # noqa: E402


def hit_rate(verbose: bool, which: int = 0) -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = open_workspace(tmp)
        try:
            demo.build_demo(ws, ROOT / "seeds")
            baba = demo.THESES[which]
            docs = {d.title: d.id for d in ws.library.list()}
            seed_ids = {e["file"]: docs[e["title"]] for e in demo.manifest(ROOT / "seeds")}
            # the thesis rebuilt without its evidence: its title, claim, narrative, pillars
            t = ws.theses.create(ThesisInput(title=baba.thesis.title,
                                             claim=baba.thesis.claim,
                                             narrative=baba.thesis.narrative))
            pid = {key: ws.theses.add_pillar(t.id, PillarInput(p.kind, p.text)).id
                   for key, p in baba.pillars.items()}
            got = ws.suggestions.for_thesis(t.id, limit=10)
            found = total = 0
            for q in baba.quotes:
                if q.pillar is None:
                    continue
                total += 1
                doc_id = seed_ids[q.seed]
                text = ws.library.get(doc_id).text
                a = text.index(q.text)
                b = a + len(q.text)
                mine = [s for s in got if s.pillar_id == pid[q.pillar]]
                rank = next((n for n, s in enumerate(mine, 1) if s.document.id == doc_id
                             and overlaps(s.start, s.end, a, b) >= 0.5 * (b - a)), None)
                found += rank is not None
                if verbose:
                    print(f"  {q.pillar:<8} {'rank ' + str(rank) if rank else 'MISSED':<8} "
                          f"{q.text[:70]}")
        finally:
            ws.close()
    return found, total


def timing(rounds: int) -> tuple[list[float], list[float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = open_workspace(tmp)
        try:
            demo.build_demo(ws, ROOT / "seeds")
            words = ["capex", "cloud", "margin", "valuation", "export controls", "revenue",
                     "buy-back", "tariffs", "consumer demand", "AI models", "data centres"]
            for n in range(197):  # 200 active theses with the demo's three
                t = ws.theses.create(ThesisInput(title=f"SYNTHETIC thesis {n}",
                                                 claim=f"{words[n % 11]} drives the re-rating",
                                                 status="active"))
                for k in range(5):
                    ws.theses.add_pillar(t.id, PillarInput(
                        "pillar", f"{words[(n + k) % 11]} and {words[(n * 3 + k) % 11]} improve"))
            new = Path(tmp) / "new-note.txt"
            new.write_text((ROOT / "seeds" / "004_f9ab1a86d1ef58b7.txt").read_text()
                           + "\nSYNTHETIC addendum: a new broker note.")
            doc = ws.library.import_file(new).document
            times, floors, count = [], [], 0
            ids = [t.id for t in ws.theses.list()]
            for _ in range(rounds):
                t0 = time.perf_counter()
                with ws.db.read() as s:  # the same reads, no ranking: the floor
                    SuggestionService._theses(s, ids)
                    _pool(s, [doc.id])
                floors.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                found = ws.suggestions.for_document(doc.id)
                times.append(time.perf_counter() - t0)
                count = sum(len(v) for v in found.values())
        finally:
            ws.close()
    return times, floors, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verbose", action="store_true", help="each quote's rank")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    found, total = hit_rate(args.verbose)
    print(f"hand-filed quotes of the Alibaba thesis found in the top 10 of their pillar: "
          f"{found} of {total} = {found / total:.0%}")
    for which in (1, 2):
        f, t = hit_rate(args.verbose, which)
        print(f"  the same for “{demo.THESES[which].thesis.title}”: {f} of {t} = {f / t:.0%}")
    times, floors, count = timing(args.rounds)
    print(f"suggestions for a new document against 200 theses x 5 pillars: median "
          f"{statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms "
          f"({count} suggestions); the same reads without the ranking: median "
          f"{statistics.median(floors) * 1000:.0f} ms, min {min(floors) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
