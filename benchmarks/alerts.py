"""Alert evaluation and observation import at scale (SYNTHETIC data, labelled as such).

5,000 metrics x 1,000 daily observations (5,000,000 rows), then, each figure the median
and min of --rounds rounds:
- 5,000 rules of all six kinds (above, below, crosses, change %, z-score, stale; a
  sixth each) judging the whole history: every rule's mark cleared, then the catch-up
  pass judges all 5,000,000 observations: once reading every row (which packs each
  series, core/packs.py), then --rounds times from the packs; checked against the
  one-at-a-time walk (core/judge.walk) on 100 rules after both. The floors, in the same
  run: reading the same packs, and the same rows, into arrays, judging nothing;
- the same, one rule in five guarding a kill criterion (its alerts journalled, its
  pillar broken once, its thesis flagged), against the same judging without them;
- one new observation checked against its rules (the path `metrics observe` takes);
- the catch-up pass when nothing is new, and the inbox's list of every alert;
- a bulk import of 1,000,000 observations (1,000 metrics x 1,000 days, one CSV) into
  metrics that have rules of all six kinds, against the same import into the same
  metrics without rules, each into a fresh workspace, taking turns;
- CSV import of N rows (default 1,000,000) through plan + import_plan, against
  pandas.read_csv plus a raw executemany of the same rows, in the same run: into a bare
  table, and into a table defined as the app's observation table is.
Usage: python benchmarks/alerts.py [--metrics 5000] [--per-metric 1000] [--csv-rows 1000000]
       [--rounds 3] [--bulk-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from thesis_desk.app import open_workspace  # noqa: E402
from thesis_desk.core.alerts import RuleInput  # noqa: E402

START = dt.date(2020, 1, 1)
KINDS = ("above", "below", "crosses", "change_pct", "zscore", "stale")


def figure(times: list[float], unit: str = "s") -> str:
    scale = 1000 if unit == "ms" else 1
    return (f"median {statistics.median(times) * scale:.2f} {unit}, "
            f"min {min(times) * scale:.2f} {unit}")


def fill(path: Path, metrics: int, per_metric: int, rnd: random.Random, first: int = 1,
         prefix: str = "SYNTHETIC metric") -> None:
    """Random walks, straight into the database (the history a workspace already has)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO metric(id, name, unit, frequency, kind, description, "
                         "source, created_at) VALUES (?, ?, '', 'daily', 'generic', "
                         "'SYNTHETIC', '', '2020-01-01')",
                         [(first + i, f"{prefix} {i}") for i in range(metrics)])
        days = [(START + dt.timedelta(days=d)).isoformat() for d in range(per_metric)]
        for m in range(first, first + metrics):
            walk, rows = 100.0, []
            for d in days:
                walk += rnd.gauss(0, 1)
                rows.append((m, d, walk))
            conn.executemany("INSERT INTO observation(metric_id, date, value, note, "
                             "created_at) VALUES (?, ?, ?, '', '2020-01-01')", rows)
    conn.close()


def rule_for(metric_id: int, n: int) -> RuleInput:
    """The n-th rule: the six kinds in turn, levels the random walks reach now and then."""
    kind = KINDS[n % len(KINDS)]
    if kind == "above":
        return RuleInput(metric_id, kind, 110.0, hysteresis=2.0)
    if kind == "below":
        return RuleInput(metric_id, kind, 90.0, hysteresis=2.0)
    if kind == "crosses":
        return RuleInput(metric_id, kind, 100.0, hysteresis=1.0)
    if kind == "change_pct":
        return (RuleInput(metric_id, kind, 8.0, window=20) if n % 12 < 6 else
                RuleInput(metric_id, kind, 8.0, window=30, window_unit="days"))
    if kind == "zscore":
        return RuleInput(metric_id, kind, 3.0, window=20)
    return RuleInput(metric_id, kind, window=30)


def clear_marks(path: Path) -> None:
    """Every rule as if new and asked to judge the history; no alerts yet."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM alert")
        conn.execute("UPDATE alert_rule SET last_observation_id = NULL, triggered = 0")
    conn.close()


def guard_kill_criteria(ws, every: int) -> int:  # noqa: ANN001
    """One rule in ``every`` made a kill criterion's, of its own pillar, on SYNTHETIC
    theses of ten each (through the services); the pillars' count."""
    from thesis_desk.core.records import PillarInput, ThesisInput

    rules = [r for r in ws.alerts.rules() if r.kind != "stale"][::every]
    pillars = []
    for n in range(0, len(rules), 10):
        t = ws.theses.create(ThesisInput(title=f"SYNTHETIC kill criteria {n // 10}"))
        pillars += [ws.theses.add_pillar(t.id, PillarInput("kill", f"SYNTHETIC {r.id}")).id
                    for r in rules[n:n + 10]]
    conn = sqlite3.connect(ws.paths.database)
    with conn:
        conn.executemany("UPDATE alert_rule SET pillar_id = ?, pillar_state_on_fire = "
                         "'broken' WHERE id = ?",
                         [(p, r.id) for p, r in zip(pillars, rules, strict=True)])
    conn.close()
    return len(pillars)


def clear_kill_effects(path: Path) -> None:
    """``clear_marks``, and the kill criteria as before any fired: intact, unflagged."""
    clear_marks(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM journal_entry WHERE kind IN ('alert', 'pillar_state')")
        conn.execute("UPDATE pillar SET state = 'intact' WHERE kind = 'kill'")
        conn.execute("UPDATE thesis SET flagged_at = NULL")
    conn.close()


def kill_effects(path: Path) -> tuple[int, int, int, int]:
    """(alerts of kill criteria, their journal entries, pillars broken, entries saying
    so): each alert journalled once, each pillar broken once."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT (SELECT count(*) FROM alert a JOIN alert_rule r ON r.id = a.rule_id "
            "        WHERE r.pillar_id IS NOT NULL),"
            " (SELECT count(*) FROM journal_entry WHERE kind = 'alert'),"
            " (SELECT count(*) FROM pillar WHERE kind = 'kill' AND state = 'broken'),"
            " (SELECT count(*) FROM journal_entry WHERE kind = 'pillar_state')").fetchone()
    finally:
        conn.close()


def read_floor(path: Path, metrics: int) -> float:
    """The rows the judging reads, read into arrays metric by metric, judged by nothing."""
    import numpy as np

    conn = sqlite3.connect(path)
    t0 = time.perf_counter()
    for m in range(1, metrics + 1):
        rows = conn.execute("SELECT CAST(julianday(date) - 2440587.5 AS INTEGER), value "
                            "FROM observation WHERE metric_id = ? ORDER BY date", (m,)).fetchall()
        np.array(rows, dtype=float).reshape(-1, 2)  # days and values, as the judging reads
    took = time.perf_counter() - t0
    conn.close()
    return took


def read_packs_floor(ws, metrics: int) -> float:  # noqa: ANN001
    """The packs the judging reads, unpacked into arrays, judged by nothing."""
    from thesis_desk.core import packs

    t0 = time.perf_counter()
    with ws.db.read() as s:
        found = sum(1 for _ in packs.load(s, range(1, metrics + 1)))
    took = time.perf_counter() - t0
    if not found:
        raise RuntimeError("no series packed: the floor would read nothing")
    return took


def check_against_walk(ws, rnd: random.Random, rules: int) -> tuple[int, int]:  # noqa: ANN001
    """Rules whose alerts are the dates the one-at-a-time walk fires on, of ``rules``."""
    from thesis_desk.core.judge import walk

    agree = 0
    all_rules = [r for r in ws.alerts.rules() if r.kind != "stale"]
    fired: dict[int, list[dt.date]] = {}
    for a in ws.alerts.alerts():
        fired.setdefault(a.rule_id, []).append(a.observed_on)
    for r in rnd.sample(all_rules, min(rules, len(all_rules))):
        obs = ws.metrics.observations(r.metric_id)
        days = [o.date.toordinal() for o in obs]
        at, _ = walk(r.kind, r.threshold, r.hysteresis, r.window, r.window_unit, days,
                     [o.value for o in obs], 0, False)
        agree += sorted(obs[n].date for n in at) == sorted(fired.get(r.id, []))
    return agree, min(rules, len(all_rules))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--metrics", type=int, default=5000)
    ap.add_argument("--per-metric", type=int, default=1000)
    ap.add_argument("--csv-rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bulk-only", action="store_true",
                    help="only the bulk import with rules against the same without")
    a = ap.parse_args()
    rnd = random.Random(3)
    if a.bulk_only:
        with tempfile.TemporaryDirectory() as tmp:
            with_rules, without = bulk_import_with_rules(Path(tmp), a.rounds, rnd)
        print(f"bulk import of 1,000,000 observations into 1,000 metrics with rules of all "
              f"six kinds: {figure(with_rules)}; without rules: {figure(without)} = "
              f"{statistics.median(with_rules) / statistics.median(without):.2f}x, min against "
              f"min {min(with_rules) / min(without):.2f}x (target 1.5x)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ws = open_workspace(str(tmp / "ws"))
        t0 = time.perf_counter()
        fill(ws.paths.database, a.metrics, a.per_metric, rnd)
        fill_s = time.perf_counter() - t0
        for m in range(1, a.metrics + 1):
            ws.alerts.add_rule(rule_for(m, m))
        last_day = START + dt.timedelta(days=a.per_metric)

        # The first judging of the whole history reads every row (and packs each series:
        # core/packs.py); each later one, every rule's mark cleared again, judges from
        # the packs. Floors in the same run: the same rows, and the same packs, read into
        # arrays and judged by nothing.
        clear_marks(ws.paths.database)
        t0 = time.perf_counter()
        first_fired = len(ws.alerts.check_all(today=last_day))
        first = time.perf_counter() - t0
        agree_first, _ = check_against_walk(ws, random.Random(4), 100)
        judged, floors, pack_floors, alerts_fired = [], [], [], 0
        for _ in range(a.rounds):  # taking turns: the floors, then the judging
            floors.append(read_floor(ws.paths.database, a.metrics))
            pack_floors.append(read_packs_floor(ws, a.metrics))
            clear_marks(ws.paths.database)
            t0 = time.perf_counter()
            alerts_fired = len(ws.alerts.check_all(today=last_day))
            judged.append(time.perf_counter() - t0)
        agree, sampled = check_against_walk(ws, rnd, 100)

        # The same history, one rule in five a kill criterion: each of its alerts
        # journalled, its pillar broken and journalled once, its thesis flagged. Taking
        # turns with the same judging without them (the floor).
        kill_pillars = guard_kill_criteria(ws, 5)
        with_kills = []
        for _ in range(a.rounds):
            clear_kill_effects(ws.paths.database)
            t0 = time.perf_counter()
            kill_fired = len(ws.alerts.check_all(today=last_day))
            with_kills.append(time.perf_counter() - t0)
        effects = kill_effects(ws.paths.database)
        agree_kills, _ = check_against_walk(ws, random.Random(5), 100)

        times = []
        for i in range(50):
            mid = rnd.randint(1, a.metrics)
            t0 = time.perf_counter()
            ws.metrics.observe(mid, last_day + dt.timedelta(days=i), 100.0)
            times.append(time.perf_counter() - t0)
        idle = []
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            ws.alerts.check_all(today=last_day)
            idle.append(time.perf_counter() - t0)
        inbox = []
        for _ in range(a.rounds):
            t0 = time.perf_counter()
            listed = len(ws.alerts.alerts())
            inbox.append(time.perf_counter() - t0)
        ws.close()

        with_rules, without = bulk_import_with_rules(tmp, a.rounds, rnd)
        csv_figures = csv_import(open_workspace(str(tmp / "csv")), tmp, a.csv_rows, rnd,
                                 a.rounds)
    total = a.metrics * a.per_metric
    print(f"SYNTHETIC: {a.metrics:,} metrics x {a.per_metric:,} observations ({total:,} rows, "
          f"filled in {fill_s:.1f} s), {a.metrics:,} rules of all six kinds")
    print(f"whole history judged, {total:,} observations by {a.metrics:,} rules, from the "
          f"packs: {figure(judged)}; {alerts_fired:,} alerts raised (target < 2 s)")
    print(f"  floors: the same packs read into arrays, judged by nothing: {figure(pack_floors)};"
          f" the same rows read into arrays: {figure(floors)}")
    print(f"  the first judging, reading every row (and packing it): {first:.2f} s, "
          f"{first_fired:,} alerts raised")
    print(f"  {agree_first} of {sampled} rules after the first judging, {agree} of {sampled} "
          "after the last, raised exactly the alerts the one-at-a-time walk raises")
    print(f"  the same, one rule in five guarding a kill criterion ({kill_pillars:,} pillars): "
          f"{figure(with_kills)} = {statistics.median(with_kills) / statistics.median(judged):.2f}x"
          f" without; {kill_fired:,} alerts, {effects[0]:,} of them kill criteria's, "
          f"{effects[1]:,} journalled; {effects[2]:,} pillars broken, {effects[3]:,} "
          f"journalled; {agree_kills} of {sampled} sampled rules = the walk")
    print(f"one new observation checked: {figure(times, 'ms')}, max {max(times) * 1000:.1f} ms "
          "(target < 10 ms)")
    print(f"catch-up pass, nothing new: {figure(idle)}; the inbox's list of all {listed:,} "
          f"alerts: {figure(inbox, 'ms')}")
    print(f"bulk import of 1,000,000 observations into 1,000 metrics with rules of all six "
          f"kinds: {figure(with_rules)}; without rules: {figure(without)} = "
          f"{statistics.median(with_rules) / statistics.median(without):.2f}x (target 1.5x)")
    floor, floor_schema, ours, dialog = csv_figures
    print(f"CSV import of {a.csv_rows:,} rows ({a.rounds} rounds, taking turns):")
    print(f"  pandas.read_csv + raw executemany into a bare 3-column table: {figure(floor)}")
    print(f"  pandas.read_csv + raw executemany into the app's own observation table "
          f"(same definition: its unique (metric, date), foreign keys): {figure(floor_schema)}")
    print(f"  ours, as `metrics import` does it: {figure(ours)} = "
          f"{statistics.median(ours) / statistics.median(floor_schema):.2f}x the same-table "
          f"floor (target <= 1.5x), {statistics.median(ours) / statistics.median(floor):.2f}x "
          "the bare one")
    print(f"  ours, as the import dialog does it (cells read as text for the preview): "
          f"{figure(dialog)} = {statistics.median(dialog) / statistics.median(floor_schema):.2f}x "
          "the same-table floor")


def bulk_import_with_rules(tmp: Path, rounds: int, rnd: random.Random) -> tuple[list, list]:
    """One CSV of 1,000 metrics x 1,000 days imported as `metrics import` does, into
    fresh workspaces whose metrics exist: with a rule on each (all six kinds), and
    without; taking turns."""
    from thesis_desk.core.tabular import read_table

    csv = tmp / "bulk.csv"
    with open(csv, "w") as fh:
        fh.write("Metric,Date,Value\n")
        for m in range(1000):
            walk = 100.0
            for d in range(1000):
                walk += rnd.gauss(0, 1)
                fh.write(f"SYNTHETIC bulk {m},{(START + dt.timedelta(days=d)).isoformat()},"
                         f"{walk:.4f}\n")
    with_rules, without = [], []
    for n in range(rounds):
        for rules, out in ((True, with_rules), (False, without)):
            ws = open_workspace(str(tmp / f"bulk-{n}-{rules}"))
            from thesis_desk.core.records import MetricInput

            for m in range(1000):
                made = ws.metrics.create(MetricInput(f"SYNTHETIC bulk {m}"))
                if rules:
                    ws.alerts.add_rule(rule_for(made.id, m))
            t0 = time.perf_counter()
            plan = ws.metrics.plan_import(read_table(csv, numbers=["Value"]), date_col="Date",
                                          value_col="Value", metric_col="Metric")
            ws.metrics.import_plan(plan)
            out.append(time.perf_counter() - t0)
            ws.close()
    return with_rules, without


def csv_import(ws, tmp: Path, rows: int, rnd: random.Random,  # noqa: ANN001
               rounds: int) -> tuple[list, list, list, list]:
    """(bare floor, same-table floor, ours as the CLI, ours as the dialog), each a list
    of ``rounds`` rounds, each round timing all four one after another."""
    import pandas as pd

    from thesis_desk.core.tabular import read_table

    csv = tmp / "obs.csv"
    with open(csv, "w") as fh:
        fh.write("Date,Value\n")
        for d in range(rows):
            fh.write(f"{(START + dt.timedelta(days=d)).isoformat()},{rnd.random() * 100:.4f}\n")

    def raw(name: str, setup: list[str], sql: str, *, workspace: bool = False) -> float:
        """read_csv + executemany into a new database: a bare table, or the observation
        table of a new, empty workspace (the same definition as ours)."""
        path = tmp / f"{name}.sqlite3"
        if workspace:
            open_workspace(str(tmp / name)).close()
            path = next((tmp / name).glob("*.sqlite3"))
        t0 = time.perf_counter()
        df = pd.read_csv(csv)
        con = sqlite3.connect(path)
        con.execute("PRAGMA foreign_keys = ON")
        for stmt in setup:
            con.execute(stmt)
        with con:
            con.executemany(sql, zip(df["Date"].tolist(), df["Value"].tolist(), strict=True))
        con.close()
        return time.perf_counter() - t0

    def ours(name: str, numbers: list[str]) -> float:
        t0 = time.perf_counter()
        plan = ws.metrics.plan_import(read_table(csv, numbers=numbers), date_col="Date",
                                      value_col="Value", metric=name)
        ws.metrics.import_plan(plan)
        return time.perf_counter() - t0

    out: tuple[list, list, list, list] = ([], [], [], [])
    for n in range(rounds):
        times = (
            raw(f"bare{n}", ["CREATE TABLE obs(metric_id INTEGER, date TEXT, value REAL)"],
                "INSERT INTO obs VALUES (1, ?, ?)"),
            raw(f"same{n}", [
                "INSERT INTO metric(id, name, unit, frequency, kind, description, source, "
                "created_at) VALUES (1, 'SYNTHETIC', '', 'daily', 'generic', '', '', "
                "'2020-01-01')"],
                "INSERT INTO observation(metric_id, date, value, note, created_at) "
                "VALUES (1, ?, ?, '', '2020-01-01 00:00:00')", workspace=True),
            ours(f"SYNTHETIC imported series {n}", ["Value"]),
            ours(f"SYNTHETIC imported series {n} (dialog)", []))
        for kept, t in zip(out, times, strict=True):
            kept.append(t)
    ws.close()
    return out


if __name__ == "__main__":
    main()
