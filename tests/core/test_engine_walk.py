"""The alert engine end to end raises exactly what walking each rule one observation at
a time raises (``judge.walk``), on random series and mixes of rules (hypothesis): the
observations arriving one at a time, in imported stretches, or written behind the
engine's back and judged by the catch-up pass (read as rows, then again from the
series' packs, many rules judged together); or the rules added afterwards and asked to
judge the history. Backfills are not walks of the final series (only what a late value
newly causes is raised): tests/core/test_backfill.py holds those."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thesis_desk.app import open_workspace
from thesis_desk.core.alerts import RuleInput, day_number
from thesis_desk.core.judge import walk
from thesis_desk.core.metrics import MetricInput

START = dt.date(2025, 1, 1)
ENGINE = settings(max_examples=80, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow])
_names = itertools.count()


@pytest.fixture(scope="module")
def engine_ws(tmp_path_factory):  # noqa: ANN201
    ws = open_workspace(str(tmp_path_factory.mktemp("engine")))
    yield ws
    ws.close()


@st.composite
def a_rule(draw) -> tuple:  # noqa: ANN001
    kind = draw(st.sampled_from(("above", "below", "crosses", "change_pct", "zscore")))
    threshold = float(draw(st.integers(-12, 12)))
    if kind in ("change_pct", "zscore"):
        return (kind, abs(threshold), draw(st.integers(1 if kind == "change_pct" else 3, 6)),
                draw(st.sampled_from(("observations", "days"))) if kind == "change_pct"
                else "observations", 0.0)
    return kind, threshold, None, "observations", float(draw(st.integers(0, 4)))


@st.composite
def a_case(draw) -> tuple:  # noqa: ANN001
    n = draw(st.integers(1, 40))
    offsets = list(itertools.accumulate(draw(st.lists(st.integers(1, 4), min_size=n,
                                                      max_size=n))))
    # values on a grid of integers meet the levels exactly now and then
    values = [float(v) for v in draw(st.lists(st.integers(-12, 12), min_size=n, max_size=n))]
    rules = draw(st.lists(a_rule(), min_size=1, max_size=4))
    cuts = sorted(set(draw(st.lists(st.integers(1, n - 1), max_size=4)))) if n > 1 else []
    ways = draw(st.lists(st.sampled_from(("observe", "import")), min_size=len(cuts) + 1,
                         max_size=len(cuts) + 1))
    mode = draw(st.sampled_from(("arrive", "history", "behind")))
    return offsets, values, rules, cuts, ways, mode


def _add_rules(ws, metric_id: int, rules: list[tuple], *,  # noqa: ANN001
               judge_history: bool) -> list[int]:
    return [ws.alerts.add_rule(RuleInput(metric_id, kind, threshold, window=window,
                                         window_unit=unit, hysteresis=hysteresis),
                               judge_history=judge_history).id
            for kind, threshold, window, unit, hysteresis in rules]


def _deliver(ws, metric, dates, values, cuts, ways) -> None:  # noqa: ANN001
    """Each stretch of the series observed one value at a time or imported as a table."""
    bounds = [0, *cuts, len(dates)]
    for (a, b), way in zip(itertools.pairwise(bounds), ways, strict=True):
        if way == "observe":
            for d, v in zip(dates[a:b], values[a:b], strict=True):
                ws.metrics.observe(metric.id, d, v)
            continue
        table = pd.DataFrame({"Date": [d.isoformat() for d in dates[a:b]],
                              "Value": [repr(v) for v in values[a:b]]})
        ws.metrics.import_plan(ws.metrics.plan_import(table, date_col="Date",
                                                      value_col="Value", metric=metric.name))


def _behind(ws, metric_id: int, dates, values) -> None:  # noqa: ANN001
    """Written by another program: no rule has judged them."""
    conn = sqlite3.connect(ws.paths.database)
    with conn:
        conn.executemany("INSERT INTO observation(metric_id, date, value, note, created_at) "
                         "VALUES (?, ?, ?, '', '2025-01-01 00:00:00')",
                         [(metric_id, d.isoformat(), v) for d, v in zip(dates, values,
                                                                         strict=True)])
    conn.close()


def _forget(ws, rule_ids: list[int]) -> None:  # noqa: ANN001
    """Every rule of the metric as if it had seen nothing, its alerts gone (the packs stay)."""
    conn = sqlite3.connect(ws.paths.database)
    marks = ",".join("?" * len(rule_ids))
    with conn:
        conn.execute(f"DELETE FROM alert WHERE rule_id IN ({marks})", rule_ids)
        conn.execute("UPDATE alert_rule SET last_observation_id = NULL, triggered = 0 "
                     f"WHERE id IN ({marks})", rule_ids)
    conn.close()


def _alerted(ws, rule_ids: list[int]) -> dict[int, list[dt.date]]:  # noqa: ANN001
    out: dict[int, list[dt.date]] = {r: [] for r in rule_ids}
    for a in ws.alerts.alerts():
        if a.rule_id in out:
            out[a.rule_id].append(a.observed_on)
    return {r: sorted(d) for r, d in out.items()}


@ENGINE
@given(a_case())
def test_the_engine_raises_what_the_walk_raises(engine_ws, case):  # noqa: ANN001
    ws = engine_ws
    offsets, values, rules, cuts, ways, mode = case
    dates = [START + dt.timedelta(days=o) for o in offsets]
    metric = ws.metrics.create(MetricInput(f"SYNTHETIC walk {next(_names)}"))
    today = dates[-1] + dt.timedelta(days=1)
    if mode == "history":
        _deliver(ws, metric, dates, values, cuts, ways)
        rule_ids = _add_rules(ws, metric.id, rules, judge_history=True)
    else:
        rule_ids = _add_rules(ws, metric.id, rules, judge_history=False)
        if mode == "arrive":
            _deliver(ws, metric, dates, values, cuts, ways)
        else:
            _behind(ws, metric.id, dates, values)
    ws.alerts.check_all(today=today)
    days = [day_number(d) for d in dates]
    want = {rid: sorted(dates[n] for n in walk(kind, threshold, hysteresis, window, unit,
                                                 days, values, 0, False)[0])
            for rid, (kind, threshold, window, unit, hysteresis) in zip(rule_ids, rules,
                                                                       strict=True)}
    assert _alerted(ws, rule_ids) == want
    assert ws.alerts.check_all(today=today) == []  # each raised once
    if mode == "behind":  # judged whole again: from the pack the first judging made
        _forget(ws, rule_ids)
        ws.alerts.check_all(today=today)
        assert _alerted(ws, rule_ids) == want


_SEVERITY = {"intact": 0, "at_risk": 1, "broken": 2}


@st.composite
def a_kill_case(draw) -> tuple:  # noqa: ANN001
    offsets, values, rules, cuts, ways, _mode = draw(a_case())
    # each rule guards one of two kill criteria, putting it at risk or breaking it
    guards = draw(st.lists(st.tuples(st.integers(0, 1), st.sampled_from(("at_risk", "broken"))),
                           min_size=len(rules), max_size=len(rules)))
    return offsets, values, rules, guards, cuts, ways, draw(st.sampled_from(
        ("arrive", "behind", "history")))


def _journal(ws, thesis_id: int) -> list[tuple]:  # noqa: ANN001
    conn = sqlite3.connect(ws.paths.database)
    try:
        return conn.execute("SELECT kind, field, old, new, pillar_id, alert_id FROM "
                            "journal_entry WHERE thesis_id = ? AND kind IN ('alert', "
                            "'pillar_state') ORDER BY id", (thesis_id,)).fetchall()
    finally:
        conn.close()


@ENGINE
@given(a_kill_case())
def test_kill_criteria_journal_each_alert_and_worsen_their_pillar_in_order(  # noqa: ANN001
        engine_ws, case):
    """However many fire at once (a history judged by the catch-up pass or by a rule
    added to judge it, or one value at a time), each kill criterion's alert is
    journalled, and its pillar is put at the rule's state, journalled, only where that
    is worse than where the pillar stands."""
    from thesis_desk.core.enums import pillar_state_label
    from thesis_desk.core.records import PillarInput, ThesisInput

    ws = engine_ws
    offsets, values, rules, guards, cuts, ways, mode = case
    dates = [START + dt.timedelta(days=o) for o in offsets]
    thesis = ws.theses.create(ThesisInput(title=f"SYNTHETIC kill {next(_names)}"))
    kills = [ws.theses.add_pillar(thesis.id, PillarInput("kill", f"Kill {i}")).id
             for i in range(2)]
    metric = ws.metrics.create(MetricInput(f"SYNTHETIC kill metric {next(_names)}"))
    if mode == "history":
        _deliver(ws, metric, dates, values, cuts, ways)
    rule_state = {}
    for (kind, threshold, window, unit, hysteresis), (which, state) in zip(rules, guards,
                                                                           strict=True):
        r = ws.alerts.add_rule(RuleInput(metric.id, kind, threshold, window=window,
                                         window_unit=unit, hysteresis=hysteresis,
                                         pillar_id=kills[which], pillar_state_on_fire=state),
                               judge_history=mode == "history")
        rule_state[r.id] = (kills[which], state)
    if mode == "arrive":
        _deliver(ws, metric, dates, values, cuts, ways)
    elif mode == "behind":
        _behind(ws, metric.id, dates, values)
    ws.alerts.check_all(today=dates[-1] + dt.timedelta(days=1))

    fired = sorted((a for a in ws.alerts.alerts() if a.rule_id in rule_state),
                   key=lambda a: a.id)
    standing = dict.fromkeys(kills, "intact")
    want = []
    for a in fired:  # _break_pillar's effects, one alert at a time, in the alerts' order
        pillar, state = rule_state[a.rule_id]
        want.append(("alert", "fired", "", a.message, pillar, a.id))
        if _SEVERITY[state] > _SEVERITY[standing[pillar]]:
            want.append(("pillar_state", "state", pillar_state_label("kill", standing[pillar]),
                         pillar_state_label("kill", state), pillar, a.id))
            standing[pillar] = state
    assert _journal(ws, thesis.id) == want
    detail = ws.theses.get(thesis.id)
    assert {p.id: p.state for p in detail.pillars} == standing
    assert detail.flagged == bool(fired)
