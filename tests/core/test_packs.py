"""Series packs (core/packs.py): a history judged from its pack raises exactly what its
rows raise, and after every kind of write the pack is the series as stored, or gone."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import numpy as np
import pytest

from thesis_desk.core import metrics as metrics_module
from thesis_desk.core import packs
from thesis_desk.core.errors import StorageError
from thesis_desk.core.alerts import RuleInput, day_number
from thesis_desk.core.metrics import MetricInput
from thesis_desk.core.tabular import read_table

START = dt.date(2024, 1, 1)
RULES = [("above", dict(threshold=104, hysteresis=1)), ("below", dict(threshold=96)),
         ("crosses", dict(threshold=100)), ("change_pct", dict(threshold=3, window=5)),
         ("change_pct", dict(threshold=4, window=10, window_unit="days")),
         ("zscore", dict(threshold=2, window=20))]


def _rows(ws, metric_id: int):  # noqa: ANN001
    """The metric's observations as stored: ids, days since 1970, values, by date."""
    con = sqlite3.connect(ws.paths.database)
    got = con.execute("SELECT id, date, value FROM observation WHERE metric_id = ? ORDER BY date",
                      (metric_id,)).fetchall()
    con.close()
    return ([i for i, _d, _v in got], [day_number(dt.date.fromisoformat(d)) for _i, d, _v in got],
            [v for _i, _d, v in got])


def _pack(ws, metric_id: int):  # noqa: ANN001
    with ws.db.read() as s:
        found = dict(packs.load(s, [metric_id]))
    if metric_id not in found:
        return None
    ids, days, values = found[metric_id]
    return list(map(int, ids)), list(map(int, days)), list(map(float, values))


def _judge_whole(ws):  # noqa: ANN001
    """Every rule as if new, asked to judge the whole history: the alerts it raises."""
    con = sqlite3.connect(ws.paths.database)
    with con:
        con.execute("DELETE FROM alert")
        con.execute("UPDATE alert_rule SET last_observation_id = NULL, triggered = 0")
    con.close()
    ws.alerts.check_all(today=START + dt.timedelta(days=800))
    return sorted((a.rule_id, a.observed_on, a.value, a.message, a.backfilled)
                  for a in ws.alerts.alerts())


def _history(ws, n_metrics: int = 6, days: int = 300, seed: int = 5,  # noqa: ANN001
             name: str = "SYNTHETIC packed") -> list[int]:
    rnd = random.Random(seed)
    ids = []
    for k in range(n_metrics):
        m = ws.metrics.create(MetricInput(f"{name} {k}"))
        ids.append(m.id)
        walk = 100.0
        for d in range(days):
            if rnd.random() < 0.8:  # gaps, as real series have
                walk += rnd.gauss(0, 1.3)
                ws.metrics.observe(m.id, START + dt.timedelta(days=d), walk)
        for kind, kw in RULES:
            ws.alerts.add_rule(RuleInput(m.id, kind, **kw))
    return ids


def test_a_history_judged_from_its_packs_raises_what_its_rows_raise(workspace):
    ids = _history(workspace)
    assert all(_pack(workspace, m) is None for m in ids)  # nothing packs as values arrive
    from_rows = _judge_whole(workspace)  # read from the rows, and packed
    kind_of = {r.id: r.kind for r in workspace.alerts.rules()}
    assert {kind_of[r] for r, *_ in from_rows} == {k for k, _ in RULES}  # every kind fired
    for m in ids:
        assert _pack(workspace, m) == _rows(workspace, m)
    assert _judge_whole(workspace) == from_rows  # now from the packs


def test_every_write_leaves_the_pack_the_series_as_stored_or_removes_it(workspace, tmp_path):
    [m, other] = _history(workspace, n_metrics=2, days=120)
    _judge_whole(workspace)
    assert _pack(workspace, m) == _rows(workspace, m)

    last = START + dt.timedelta(days=119)
    workspace.metrics.observe(m, last + dt.timedelta(days=3), 101.5)  # a new day: grown
    assert _pack(workspace, m) == _rows(workspace, m)
    workspace.metrics.observe(m, START + dt.timedelta(days=200), 99.0)  # grown again
    assert _pack(workspace, m) == _rows(workspace, m)

    missing = next(START + dt.timedelta(days=d) for d in range(120)
                   if day_number(START + dt.timedelta(days=d)) not in _rows(workspace, m)[1])
    # a backfill: its rules read the whole series, so it is packed again, with it
    workspace.metrics.observe(m, missing, 100.0)
    assert _pack(workspace, m) == _rows(workspace, m)
    assert day_number(missing) in _pack(workspace, m)[1]

    workspace.metrics.observe(m, missing, 150.0, replace=True)  # a value replaced
    assert _pack(workspace, m) is None
    _judge_whole(workspace)

    csv = tmp_path / "more.csv"
    csv.write_text("Metric,Date,Value\n" + "".join(
        f"SYNTHETIC packed 0,{START + dt.timedelta(days=300 + d)},{100 + d}\n" for d in range(5)))
    workspace.metrics.import_plan(workspace.metrics.plan_import(
        read_table(csv, numbers=["Value"]), date_col="Date", value_col="Value",
        metric_col="Metric"))
    assert _pack(workspace, m) is None  # an import: made again when next read whole
    assert _pack(workspace, other) == _rows(workspace, other)  # another metric's untouched
    _judge_whole(workspace)
    assert _pack(workspace, m) == _rows(workspace, m)

    csv.write_text("Metric,Date,Value\n" + "".join(
        f"SYNTHETIC packed 0,{START + dt.timedelta(days=300 + d)},{200 + d}\n" for d in range(5)))
    workspace.metrics.import_plan(workspace.metrics.plan_import(
        read_table(csv, numbers=["Value"]), date_col="Date", value_col="Value",
        metric_col="Metric", replace=True), replace=True)
    assert _pack(workspace, m) is None
    rows = _rows(workspace, m)
    _judge_whole(workspace)
    assert _pack(workspace, m) == rows and rows[2][-1] == 204.0


def test_a_long_series_is_unpacked_rather_than_rewritten_each_day(workspace, monkeypatch):
    monkeypatch.setattr(packs, "GROW_LIMIT", 50)
    [m] = _history(workspace, n_metrics=1, days=100)
    _judge_whole(workspace)
    assert _pack(workspace, m) is not None
    workspace.metrics.observe(m, START + dt.timedelta(days=400), 100.0)
    assert _pack(workspace, m) is None


def _as_read(ws, metric_id: int, until: dt.date | None = None):  # noqa: ANN001
    """The series as its rows say: (dates, values), up to ``until``."""
    _ids, days, values = _rows(ws, metric_id)
    kept = [(_day(d), v) for d, v in zip(days, values, strict=True)
            if until is None or _day(d) <= until]
    return [d for d, _ in kept], [v for _, v in kept]


def _day(n: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=n)


def test_a_long_series_is_read_from_its_pack_made_when_first_read(workspace, monkeypatch):
    monkeypatch.setattr(metrics_module, "PACK_FROM", 50)
    [m] = _history(workspace, n_metrics=1, days=120)
    short = workspace.metrics.create(MetricInput("SYNTHETIC short")).id
    for d in range(10):
        workspace.metrics.observe(short, START + dt.timedelta(days=d), float(d))
    assert _pack(workspace, m) is None

    assert workspace.metrics.series(m) == _as_read(workspace, m)  # from the rows...
    assert _pack(workspace, m) == _rows(workspace, m)  # ...and packed on the way
    assert workspace.metrics.series(m) == _as_read(workspace, m)  # now from the pack
    middle = START + dt.timedelta(days=60)
    assert workspace.metrics.series(m, until=middle) == _as_read(workspace, m, middle)
    assert workspace.metrics.series(m, until=START - dt.timedelta(days=1)) == ([], [])
    xs, ys = workspace.metrics.series_arrays(m)  # the window's chart reads it too
    _ids, days, values = _rows(workspace, m)
    assert xs.tolist() == [d * 86400.0 for d in days] and ys.tolist() == values

    assert workspace.metrics.series(short) == _as_read(workspace, short)
    assert _pack(workspace, short) is None  # too short to be worth a pack

    more = _history(workspace, n_metrics=3, days=120, seed=9, name="SYNTHETIC more")
    sizes = [len(_rows(workspace, k)[0]) for k in more]
    monkeypatch.setattr(metrics_module, "PACK_BATCH", sizes[0] + sizes[1])  # two, then one
    commits = workspace.db.commits
    got = workspace.metrics.series_of([*more, m, short])
    assert got == {k: _as_read(workspace, k) for k in [*more, m, short]}
    assert all(_pack(workspace, k) == _rows(workspace, k) for k in more)
    assert workspace.db.commits == commits + 2

    workspace.metrics.observe(m, START + dt.timedelta(days=130), 250.0)  # a new day
    assert workspace.metrics.series(m) == _as_read(workspace, m)
    assert workspace.metrics.series(m)[1][-1] == 250.0
    workspace.metrics.observe(m, START + dt.timedelta(days=130), 251.0, replace=True)
    assert _pack(workspace, m) is None
    assert workspace.metrics.series(m)[1][-1] == 251.0
    assert _pack(workspace, m) == _rows(workspace, m)


def test_a_series_reads_whole_when_its_pack_cannot_be_written(workspace, monkeypatch):
    monkeypatch.setattr(metrics_module, "PACK_FROM", 50)
    [m] = _history(workspace, n_metrics=1, days=120)

    def refused(*_a: object) -> None:
        raise StorageError("The disk is full; nothing was changed.")

    monkeypatch.setattr(packs, "store", refused)
    assert workspace.metrics.series(m) == _as_read(workspace, m)
    assert _pack(workspace, m) is None
    monkeypatch.undo()

    from thesis_desk.app import open_workspace

    look = open_workspace(paths=workspace.paths, read_only=True)  # a read-only look
    try:
        monkeypatch.setattr(metrics_module, "PACK_FROM", 50)
        assert look.metrics.series(m) == _as_read(workspace, m)
    finally:
        look.close()
    assert _pack(workspace, m) is None  # it writes nothing


def test_packs_round_trip_values_exactly():
    rnd = np.random.default_rng(3)
    values = np.concatenate([rnd.normal(0, 1, 500) * 10.0 ** rnd.integers(-300, 300, 500),
                             [0.0, -0.0, 5e-324, 1.7976931348623157e308]])
    days = np.sort(rnd.choice(100_000, len(values), replace=False)) - 20_000
    ids = np.sort(rnd.choice(10**9, len(values), replace=False))
    got = packs.unpack(len(values), packs._pack_ints(ids), packs._pack_ints(days),
                       values.astype("<f8").tobytes())
    assert (got[0] == ids).all() and (got[1] == days).all()
    assert got[2].tobytes() == values.tobytes()  # bit for bit, -0.0 and subnormals too


@pytest.fixture
def backend() -> str:  # packs live in the local file only
    return "sqlite"
