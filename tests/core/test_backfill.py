"""Backfilled observations are judged in their place; history is judged when asked;
replaced values raise nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest

import pandas as pd

from thesis_desk.core.records import MetricInput, PillarInput, RuleInput, ThesisInput

D = dt.date(2025, 1, 1)


def day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def _metric(ws, values: dict[int, float], name: str = "Capex ratio"):  # noqa: ANN001, ANN202
    m = ws.metrics.create(MetricInput(name))
    for n, v in values.items():
        ws.metrics.observe(m.id, day(n), v)
    return m


def test_a_backfilled_value_is_judged_in_its_place_and_breaks_its_pillar(workspace):
    ws = workspace
    t = ws.theses.create(ThesisInput("Alibaba capex discipline"))
    kill = ws.theses.add_pillar(t.id, PillarInput(kind="kill", text="Ratio under 50"))
    m = _metric(ws, {n: 100.0 for n in range(0, 10, 2)})  # days 0, 2, .., 8
    ws.alerts.add_rule(RuleInput(m.id, "below", 50.0, pillar_id=kill.id))
    assert ws.alerts.alerts() == []
    obs = ws.metrics.observe(m.id, day(5), 40.0)  # older than the newest the rule saw
    [a] = ws.alerts.alerts()
    assert a.backfilled and a.observed_on == day(5) and "(backfilled)" in a.message
    assert obs.fired == (a.message,)
    assert ws.theses.get(t.id).pillars[0].state == "broken"
    assert ws.alerts.check_all() == [] and len(ws.alerts.alerts()) == 1  # once only


def test_a_backfill_that_re_arms_a_rule_raises_the_later_edge_it_now_makes(workspace):
    ws = workspace
    m = _metric(ws, {1: 110.0, 3: 120.0})
    ws.alerts.add_rule(RuleInput(m.id, "above", 100.0), judge_history=True)
    assert [a.observed_on for a in ws.alerts.alerts()] == [day(1)]  # 120 is no new edge
    ws.metrics.observe(m.id, day(2), 90.0)  # cleared between them: day 3 now crosses up
    got = sorted((a.observed_on, a.backfilled) for a in ws.alerts.alerts())
    assert got == [(day(1), False), (day(3), True)]


def test_history_is_judged_only_when_asked(workspace):
    ws = workspace
    m = _metric(ws, {0: 10.0, 1: 30.0, 2: 10.0, 3: 30.0})
    plain = ws.alerts.add_rule(RuleInput(m.id, "crosses", 20.0))
    assert plain.history_alerts == () and ws.alerts.alerts() == []
    judged = ws.alerts.add_rule(RuleInput(m.id, "crosses", 20.0), judge_history=True)
    assert len(judged.history_alerts) == 3  # up, down, up
    assert sorted(a.observed_on for a in ws.alerts.alerts()) == [day(1), day(2), day(3)]


def test_history_a_rule_did_not_judge_stays_unjudged_but_a_backfill_into_it_is(workspace):
    ws = workspace
    m = _metric(ws, {1: 10.0, 2: 100.0, 5: 100.0, 6: 100.0})  # day 1 below 50: not judged
    ws.alerts.add_rule(RuleInput(m.id, "below", 50.0))
    ws.metrics.observe(m.id, day(7), 100.0)
    assert ws.alerts.alerts() == []
    ws.metrics.observe(m.id, day(3), 20.0)  # the backfill's own edge, and only it
    assert [(a.observed_on, a.backfilled) for a in ws.alerts.alerts()] == [(day(3), True)]


def test_an_import_that_replaces_values_raises_nothing_twice(workspace, tmp_path):
    ws = workspace
    m = _metric(ws, {0: 100.0, 1: 40.0, 2: 100.0})
    ws.alerts.add_rule(RuleInput(m.id, "below", 50.0), judge_history=True)
    assert [a.observed_on for a in ws.alerts.alerts()] == [day(1)]
    frame = pd.DataFrame({"date": [day(n).isoformat() for n in range(3)],
                          "value": [100.0, 45.0, 30.0]})
    plan = ws.metrics.plan_import(frame, metric=m.name, date_col="date", value_col="value",
                                  replace=True)
    ws.metrics.import_plan(plan, replace=True)
    # day 1 was alerted already; day 2 (30, still below) holds on: no new edge either
    assert [a.observed_on for a in ws.alerts.alerts()] == [day(1)]
    ws.metrics.observe(m.id, day(3), 100.0)
    ws.metrics.observe(m.id, day(4), 20.0)  # a fresh edge after the import: judged
    assert sorted(a.observed_on for a in ws.alerts.alerts()) == [day(1), day(4)]


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends
