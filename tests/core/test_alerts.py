"""Alert rules fire on the edge: once per crossing, re-armed when the condition clears."""

from __future__ import annotations

import datetime as dt

import pytest

from thesis_desk.core.alerts import RuleInput
from thesis_desk.core.errors import ValidationError
from thesis_desk.core.metrics import MetricInput
from thesis_desk.core.records import PillarInput, ThesisInput

START = dt.date(2025, 1, 1)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


@pytest.fixture
def metric(workspace):
    return workspace.metrics.create(MetricInput("Cloud capex / cloud revenue", unit="%"))


def feed(ws, metric_id, values, start=0):
    return [ws.metrics.observe(metric_id, day(start + i), v).fired for i, v in enumerate(values)]


def test_above_fires_once_while_above_and_rearms_when_clear(workspace, metric):
    workspace.alerts.add_rule(RuleInput(metric.id, "above", threshold=100))
    fired = feed(workspace, metric.id, [90, 121, 130, 140])
    assert [len(f) for f in fired] == [0, 1, 0, 0]  # sitting above does not fire again
    assert "above 100: 121" in fired[1][0]
    fired = feed(workspace, metric.id, [95, 105], start=4)
    assert [len(f) for f in fired] == [0, 1]  # cleared, then crossed again
    assert len(workspace.alerts.alerts()) == 2


def test_hysteresis_band_keeps_a_wobble_from_refiring(workspace, metric):
    workspace.alerts.add_rule(RuleInput(metric.id, "above", threshold=100, hysteresis=5))
    fired = feed(workspace, metric.id, [101, 99, 102, 94, 101])
    # 99 is inside the band (not re-armed): 102 does not fire; 94 re-arms; 101 fires.
    assert [len(f) for f in fired] == [1, 0, 0, 0, 1]


def test_below_and_crosses(workspace, metric):
    workspace.alerts.add_rule(RuleInput(metric.id, "below", threshold=10))
    workspace.alerts.add_rule(RuleInput(metric.id, "crosses", threshold=50))
    fired = feed(workspace, metric.id, [60, 40, 45, 55, 8])
    assert [[m.split(":")[0] for m in f] for f in fired] == [
        [], ["Cloud capex / cloud revenue crosses 50"], [],
        ["Cloud capex / cloud revenue crosses 50"],
        ["Cloud capex / cloud revenue below 10", "Cloud capex / cloud revenue crosses 50"]]


def test_change_pct_over_observations_and_days(workspace, metric):
    workspace.alerts.add_rule(RuleInput(metric.id, "change_pct", threshold=20, window=2))
    fired = feed(workspace, metric.id, [100, 105, 125, 126])
    assert [len(f) for f in fired] == [0, 0, 1, 0]
    other = workspace.metrics.create(MetricInput("Price"))
    workspace.alerts.add_rule(RuleInput(other.id, "change_pct", threshold=10, window=7,
                                        window_unit="days"))
    fired = [workspace.metrics.observe(other.id, d, v).fired
             for d, v in ((day(0), 100), (day(3), 108), (day(8), 112))]
    assert [len(f) for f in fired] == [0, 0, 1]


def test_zscore(workspace, metric):
    workspace.alerts.add_rule(RuleInput(metric.id, "zscore", threshold=3, window=5))
    fired = feed(workspace, metric.id, [10, 11, 9, 10, 11, 10.5, 30])
    assert [len(f) for f in fired] == [0, 0, 0, 0, 0, 0, 1]


def test_stale_rule_fires_on_the_catch_up_pass_only_once(workspace, metric):
    workspace.alerts.add_rule(RuleInput(metric.id, "stale", window=30))
    feed(workspace, metric.id, [1])
    assert workspace.alerts.check_all(today=day(10)) == []
    assert len(workspace.alerts.check_all(today=day(40))) == 1
    assert workspace.alerts.check_all(today=day(41)) == []
    feed(workspace, metric.id, [2], start=41)
    workspace.alerts.check_all(today=day(42))  # fresh again: re-armed
    assert len(workspace.alerts.check_all(today=day(80))) == 1


def test_a_stale_kill_criterion_puts_its_pillar_at_risk_once(workspace, metric):
    t = workspace.theses.create(ThesisInput(title="Cloud reporting"))
    kill = workspace.theses.add_pillar(t.id, PillarInput("kill", "The company stops reporting"))
    workspace.alerts.add_rule(RuleInput(metric.id, "stale", window=30, pillar_id=kill.id,
                                        pillar_state_on_fire="at_risk"))
    feed(workspace, metric.id, [1])
    [alert] = workspace.alerts.check_all(today=day(40))
    assert "no new observation for 40 days" in alert.message
    assert alert.thesis_ids == (t.id,)
    detail = workspace.theses.get(t.id)
    assert detail.flagged and detail.pillars[0].state == "at_risk"
    entries = [(e.kind, e.new) for e in workspace.theses.journal(t.id)
               if e.kind in ("alert", "pillar_state")]
    assert sorted(entries) == [("alert", alert.message), ("pillar_state", "At risk")]
    assert workspace.alerts.check_all(today=day(41)) == []


def test_a_new_rule_judges_only_new_observations(workspace, metric):
    feed(workspace, metric.id, [150, 160])
    rule = workspace.alerts.add_rule(RuleInput(metric.id, "above", threshold=100))
    assert rule.triggered  # already above: armed only after it clears
    assert workspace.alerts.check_all(today=day(2)) == []
    assert feed(workspace, metric.id, [170], start=2) == [()]


def test_catch_up_pass_sees_values_written_behind_the_rules_back(workspace, metric):
    from tests.helpers import outside_write

    workspace.alerts.add_rule(RuleInput(metric.id, "above", threshold=100))
    outside_write(workspace, "INSERT INTO observation(metric_id, date, value, note, created_at) "
                  "VALUES (?, '2025-03-01', 150, '', '2025-03-01')", (metric.id,))  # no evaluation
    assert [a.value for a in workspace.alerts.check_all(today=day(60))] == [150.0]
    assert workspace.alerts.check_all(today=day(60)) == []


def test_kill_criterion_breaks_its_pillar_with_a_journal_entry(workspace, metric):
    t = workspace.theses.create(ThesisInput(title="Alibaba capex"))
    kill = workspace.theses.add_pillar(t.id, PillarInput("kill", "Capex/revenue above 150%"))
    workspace.alerts.add_rule(RuleInput(metric.id, "above", threshold=150, pillar_id=kill.id))
    feed(workspace, metric.id, [121, 160])
    detail = workspace.theses.get(t.id)
    assert detail.flagged and detail.pillars[0].state == "broken"
    journal = workspace.theses.journal(t.id)
    kinds = [e.kind for e in journal[:2]]
    assert set(kinds) == {"alert", "pillar_state"}
    state = next(e for e in journal if e.kind == "pillar_state")
    assert "160" in state.reason and "rule #" in state.reason and "2025-01-02" in state.reason
    [alert] = workspace.alerts.alerts()
    assert alert.thesis_ids == (t.id,) and alert.state == "new"
    workspace.alerts.acknowledge(alert.id)
    assert workspace.alerts.alerts(state="new") == []


@pytest.mark.parametrize(
    ("data", "field"),
    [(RuleInput(1, "above"), "threshold"), (RuleInput(1, "zscore", threshold=2, window=2), "window"),
     (RuleInput(1, "nope"), "kind"), (RuleInput(1, "above", threshold=1, hysteresis=-1), "hysteresis")],
)
def test_invalid_rules_are_refused(workspace, metric, data, field):
    with pytest.raises(ValidationError) as err:
        workspace.alerts.add_rule(data)
    assert field in err.value.errors
    assert workspace.alerts.rules() == []


def test_snoozed_alert_leaves_the_unread_count_and_comes_back(workspace, metric):
    from thesis_desk.core.timeutil import utcnow

    workspace.alerts.add_rule(RuleInput(metric.id, "above", threshold=100))
    feed(workspace, metric.id, [150])
    [a] = workspace.alerts.alerts(state="new")
    workspace.alerts.snooze(a.id, utcnow() + dt.timedelta(hours=1))
    assert workspace.alerts.alerts(state="new") == []
    assert workspace.alerts.wake_snoozed(now=utcnow()) == 0
    assert workspace.alerts.wake_snoozed(now=utcnow() + dt.timedelta(hours=2)) == 1
    assert [x.id for x in workspace.alerts.alerts(state="new")] == [a.id]


def test_each_alert_names_its_metric_and_theses_however_many(workspace, monkeypatch):
    """The inbox's details come from a few batched queries: small batches here, so that
    alerts, metrics and theses each span several."""
    from thesis_desk.core import alerts as alerts_module

    monkeypatch.setattr(alerts_module, "IN_CHUNK", 2)
    ws = workspace
    a, b, c = (ws.theses.create(ThesisInput(title=f"Thesis {n}")).id for n in "ABC")
    kill = ws.theses.add_pillar(c, PillarInput("kill", "Breaks above 10"))
    metrics = [ws.metrics.create(MetricInput(f"Metric {i}")) for i in range(5)]
    ws.metrics.link(a, metrics[0].id, "up")
    ws.metrics.link(b, metrics[0].id, "up")
    ws.metrics.link(b, metrics[1].id, "down")
    expected = {metrics[0].id: (a, b), metrics[1].id: (b,), metrics[2].id: (c,),
                metrics[3].id: (), metrics[4].id: ()}
    for m in metrics:
        ws.alerts.add_rule(RuleInput(m.id, "crosses", threshold=10,
                                     pillar_id=kill.id if m is metrics[2] else None))
        fired = feed(ws, m.id, [0, 20, 0])
        assert [len(f) for f in fired] == [0, 1, 1]  # up through 10, then down again
    infos = ws.alerts.alerts()
    assert len(infos) == 10
    titles = {a: "Thesis A", b: "Thesis B", c: "Thesis C"}
    for info in infos:
        metric = next(m for m in metrics if m.id == info.metric_id)
        assert info.metric_name == metric.name
        assert info.thesis_ids == expected[metric.id]
        assert info.thesis_titles == tuple(titles[t] for t in expected[metric.id])
    assert [i.metric_name for i in ws.alerts.alerts(metric_id=metrics[1].id)] == ["Metric 1"] * 2


def test_catch_up_over_many_metrics_fires_each_once_and_breaks_a_pillar(workspace,
                                                                       monkeypatch):
    """The batched catch-up (rules read in batches, their state written at the end) keeps
    what one metric at a time did: one alert per crossing, the pillar broken with a
    journal entry naming the alert, nothing again on the next pass."""
    import sqlite3

    from thesis_desk.core import alerts as alerts_module

    monkeypatch.setattr(alerts_module, "IN_CHUNK", 2)
    ws = workspace
    t = ws.theses.create(ThesisInput(title="Capex discipline"))
    kill = ws.theses.add_pillar(t.id, PillarInput("kill", "Metric 2 above 100"))
    ms = [ws.metrics.create(MetricInput(f"Metric {i}")) for i in range(5)]
    for m in ms:
        feed(ws, m.id, [50, 60])  # seen and judged
        ws.alerts.add_rule(RuleInput(m.id, "above", threshold=100,
                                     pillar_id=kill.id if m is ms[2] else None))
    from tests.helpers import outside_write

    for m in ms[1:]:  # another process: no evaluation
        for d, v in (("2025-03-01", 150), ("2025-03-02", 160)):
            outside_write(ws, "INSERT INTO observation(metric_id, date, value, note, "
                          "created_at) VALUES (?, ?, ?, '', '2025-03-01')", (m.id, d, v))
    fired = ws.alerts.check_all(today=day(60))
    assert sorted(a.metric_name for a in fired) == [f"Metric {i}" for i in range(1, 5)]
    assert all(a.value == 150 for a in fired)  # the edge, not the value after it
    assert ws.theses.get(t.id).pillars[0].state == "broken"
    [entry] = [e for e in ws.theses.journal(t.id) if e.kind == "pillar_state"]
    assert "Metric 2" in entry.reason and "150" in entry.reason
    assert ws.alerts.check_all(today=day(60)) == []
    assert len(ws.alerts.alerts()) == 4


def test_kill_criteria_raised_together_journal_each_alert_in_order(workspace):
    """A history judged at once raises many kill-criterion alerts in one insert: each is
    journalled against its own alert, in the order raised; the pillar is put at risk by
    the first at-risk rule's alert and broken by the first breaking one's, once each."""
    import pandas as pd

    ws = workspace
    t = ws.theses.create(ThesisInput(title="Capex discipline"))
    kill = ws.theses.add_pillar(t.id, PillarInput("kill", "Capex outruns revenue"))
    m = ws.metrics.create(MetricInput("Capex / revenue"))
    risk = ws.alerts.add_rule(RuleInput(m.id, "above", threshold=100, pillar_id=kill.id,
                                        pillar_state_on_fire="at_risk"))
    breaks = ws.alerts.add_rule(RuleInput(m.id, "above", threshold=140, pillar_id=kill.id))
    values = [90, 120, 80, 150, 90, 130, 95, 160]  # crosses 100 four times, 140 twice
    table = pd.DataFrame({"Date": [day(i).isoformat() for i in range(len(values))],
                          "Value": [str(v) for v in values]})
    result = ws.metrics.import_plan(ws.metrics.plan_import(table, date_col="Date",
                                                           value_col="Value", metric=m.name))
    assert len(result["alerts"]) == 6
    alerts = sorted((a for a in ws.alerts.alerts()), key=lambda a: a.id)
    assert [(a.rule_id, a.value) for a in alerts] == (
        [(risk.id, v) for v in (120, 150, 130, 160)] + [(breaks.id, v) for v in (150, 160)])
    journal = sorted(ws.theses.journal(t.id), key=lambda e: e.id)
    fired = [e.new for e in journal if e.kind == "alert"]
    assert fired == [a.message for a in alerts]
    states = [(e.old, e.new, e.reason) for e in journal if e.kind == "pillar_state"]
    assert states == [("Intact", "At risk", f"Alert rule #{risk.id} fired: {alerts[0].message}"),
                      ("At risk", "Broken", f"Alert rule #{breaks.id} fired: {alerts[4].message}")]
    detail = ws.theses.get(t.id)
    assert detail.flagged and detail.pillars[0].state == "broken"


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends


RULE_MIX = [("above", dict(threshold=104, hysteresis=1)), ("below", dict(threshold=96)),
            ("crosses", dict(threshold=100)), ("change_pct", dict(threshold=3, window=5)),
            ("change_pct", dict(threshold=4, window=10, window_unit="days")),
            ("zscore", dict(threshold=2, window=20))]


def _imported_alerts(ws, tmp_path, name: str, *, in_hand: bool, chunk_rows=None):  # noqa: ANN001
    """A CSV of 6 SYNTHETIC series (one per rule kind, weekends skipped) imported into
    metrics that exist with their rules: the alerts it raises, as (metric, day, value)."""
    import random

    from thesis_desk.core import metrics as mod
    from thesis_desk.core.tabular import read_table, stream_plans

    rnd = random.Random(11)
    lines = ["Metric,Date,Value"]
    for k in range(len(RULE_MIX)):
        walk = 100.0
        for d in range(400):
            if day(d).weekday() < 5:
                walk += rnd.gauss(0, 1.2)
                lines.append(f"{name} {k},{day(d).isoformat()},{walk:.3f}")
    csv = tmp_path / f"{name}.csv"
    csv.write_text("\n".join(lines) + "\n")
    for k, (kind, kw) in enumerate(RULE_MIX):
        m = ws.metrics.create(MetricInput(f"{name} {k}"))
        ws.alerts.add_rule(RuleInput(m.id, kind, **kw))
    if not in_hand:  # the series read back from the database, as before
        def read_back(self, *_a):  # noqa: ANN001, ANN202
            return None
        orig = mod._PlanWriter._keep_series
        mod._PlanWriter._keep_series = read_back
    try:
        if chunk_rows:
            ws.metrics.import_stream(stream_plans(csv, date_col="Date", value_col="Value",
                                                  metric_col="Metric", chunk_rows=chunk_rows))
        else:
            ws.metrics.import_plan(ws.metrics.plan_import(
                read_table(csv, numbers=["Value"]), date_col="Date", value_col="Value",
                metric_col="Metric"))
    finally:
        if not in_hand:
            mod._PlanWriter._keep_series = orig
    names = {m.id: m.name for m in ws.metrics.list()}
    return sorted((names[a.metric_id].rsplit(" ", 1)[1], a.observed_on, round(a.value, 3))
                  for a in ws.alerts.alerts() if names[a.metric_id].startswith(f"{name} "))


@pytest.mark.parametrize("chunk_rows", [None, 97])
def test_an_import_into_empty_metrics_judges_its_rows_in_hand_as_read_back(
        workspace, tmp_path, chunk_rows):
    """The series an import fills from empty is judged from the rows in hand (not read
    back): exactly the alerts the read-back series raises, in one plan or in chunks."""
    in_hand = _imported_alerts(workspace, tmp_path, "A", in_hand=True, chunk_rows=chunk_rows)
    read_back = _imported_alerts(workspace, tmp_path, "B", in_hand=False,
                                 chunk_rows=chunk_rows)
    assert in_hand == read_back
    assert len({k for k, _d, _v in in_hand}) == len(RULE_MIX)  # every kind fired


def test_the_catch_up_pass_looks_for_what_is_new_without_holding_the_write_lock(
        workspace, metric, monkeypatch):
    """Looking at every metric's newest observation is the slow part of a pass with
    nothing new: another program writes meanwhile, without waiting."""
    import thesis_desk.core.alerts as engine
    from tests.helpers import outside_write

    workspace.alerts.add_rule(RuleInput(metric.id, "above", threshold=100))
    feed(workspace, metric.id, [90])
    looked = engine._metrics_with_unseen_observations
    written = []

    def look_while_another_writes(s):  # noqa: ANN001, ANN202
        found = looked(s)  # the pass's transaction has begun: its first statement ran
        if workspace.db.is_server:
            outside_write(workspace, "INSERT INTO observation(metric_id, date, value, note, "
                          "created_at) VALUES (?, '2025-03-01', 150, '', '2025-03-01')",
                          (metric.id,))
        else:  # refused at once were the write lock held here
            import sqlite3

            conn = sqlite3.connect(workspace.paths.database, timeout=0)
            with conn:
                conn.execute("INSERT INTO observation(metric_id, date, value, note, "
                             "created_at) VALUES (?, '2025-03-01', 150, '', '2025-03-01')",
                             (metric.id,))
            conn.close()
        written.append(True)
        return found

    monkeypatch.setattr(engine, "_metrics_with_unseen_observations", look_while_another_writes)
    workspace.alerts.check_all(today=day(60))
    assert written
    monkeypatch.setattr(engine, "_metrics_with_unseen_observations", looked)
    # the row written meanwhile: judged by this pass (it was there when the pass looked)
    # or the next, and alerted once
    fired = workspace.alerts.check_all(today=day(60))
    assert [a.value for a in workspace.alerts.alerts()] == [150.0]
    assert workspace.alerts.check_all(today=day(60)) == [] and len(fired) <= 1
