"""Make a synthetic workspace of N theses (default 2,000) for start-up measurements.

Everything it writes is labelled SYNTHETIC in the title, so nobody mistakes it for
research. Usage: python benchmarks/make_theses.py DATA_DIR [N]
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from thesis_desk.app import open_workspace
from thesis_desk.core.enums import DIRECTIONS, STATUSES
from thesis_desk.core.models import Instrument, JournalEntry, Pillar, Tag, Thesis


def make(data_dir: Path, n: int = 2000, seed: int = 7) -> float:
    rnd = random.Random(seed)
    ws = open_workspace(str(data_dir))
    t0 = time.perf_counter()
    with ws.db.write() as s:
        instruments = [Instrument(symbol=f"SYN{i:04d}") for i in range(400)]
        tags = [Tag(name=f"synthetic-{i}") for i in range(30)]
        s.add_all(instruments + tags)
        for i in range(n):
            t = Thesis(
                title=f"SYNTHETIC thesis {i:05d}: capex discipline re-rates sector {i % 37}",
                claim="Synthetic benchmark data, not research.",
                narrative="Synthetic.\n\n- point one\n- point two",
                direction=rnd.choice(DIRECTIONS), status=rnd.choice(STATUSES),
                conviction=rnd.randint(0, 100),
            )
            t.instruments = rnd.sample(instruments, 2)
            t.tags = rnd.sample(tags, 2)
            t.pillars = [Pillar(kind=k, text=f"Synthetic {k} {j}") for j, k in
                         enumerate(("pillar", "pillar", "kill"))]
            s.add(t)
            s.flush()
            s.add(JournalEntry(thesis_id=t.id, kind="created", new=t.status))
    ws.close()
    return time.perf_counter() - t0


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="A workspace of SYNTHETIC theses to try the "
                                             "app on (labelled as such).")
    ap.add_argument("target", type=Path, help="the data folder to make (or add to)")
    ap.add_argument("count", type=int, nargs="?", default=2000, help="how many theses")
    args = ap.parse_args()
    took = make(args.target, args.count)
    print(f"made {args.count} synthetic theses in {args.target} in {took:.2f} s")
