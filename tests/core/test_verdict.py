"""The memo's first page: conviction and its move, the balance per pillar, each kill
criterion's distance to its trigger, and what changed since the last review."""

from __future__ import annotations

import datetime as dt

import pytest

from thesis_desk.core.memo import memo_markdown
from thesis_desk.core.metrics import MetricInput
from thesis_desk.core.records import (
    CloseInput,
    EvidenceInput,
    PillarInput,
    ReviewInput,
    RuleInfo,
    RuleInput,
    ThesisInput,
)
from thesis_desk.core.verdict import trigger_distance

TODAY = dt.date.today()
D0 = dt.date(2026, 1, 1)


def _rule(kind, threshold, window=None, unit="observations"):
    return RuleInfo(1, 1, "M", kind, threshold, window, unit, 0.0, None, "broken", True, False,
                    f"{kind} {threshold}")


def _days(n):
    return [D0 + dt.timedelta(days=i) for i in range(n)]


@pytest.mark.parametrize(("rule", "values", "want"), [
    (_rule("above", 130), [100, 121], "9 below its trigger 130 (6.9%)"),
    (_rule("above", 130), [100, 131], "past its trigger (above 130)"),
    (_rule("below", 50), [60, 55], "5 above its trigger 50 (10.0%)"),
    (_rule("crosses", 100), [90, 96], "4 below the level 100 (4.0%)"),
    (_rule("change_pct", 8, 2), [100, 104, 105], "+5.0% over 2 observations; fires at ±8%"),
    (_rule("change_pct", 8, 2, "days"), [100, 90, 96], "-4.0% over 2 days; fires at ±8%"),
    # window 1, 3, 5 (mean 3, sd 1.633) then 7: z = 4 / 1.633 = 2.45
    (_rule("zscore", 3, 3), [1, 3, 5, 7], "z = +2.45 over 3 observations; fires at |z| ≥ 3"),
])
def test_distance_to_trigger_by_hand(rule, values, want):
    latest, distance = trigger_distance(rule, _days(len(values)), values, D0)
    assert distance == want
    assert latest.endswith(f"on {_days(len(values))[-1]:%Y-%m-%d}")


def test_a_stale_rule_counts_days_since_the_last_value():
    _latest, distance = trigger_distance(_rule("stale", None, 10), [D0], [5.0],
                                         D0 + dt.timedelta(days=4))
    assert distance == "4 days since the last value; fires after 10 days"
    assert trigger_distance(_rule("above", 1), [], [], D0)[1] == "cannot tell: nothing observed"


@pytest.fixture
def thesis(workspace):
    ws = workspace
    t = ws.theses.create(ThesisInput("Verdict first", claim="Capex earns its return.",
                                     conviction=50, status="active"))
    pillar = ws.theses.add_pillar(t.id, PillarInput("pillar", "Cloud revenue grows"))
    kill = ws.theses.add_pillar(t.id, PillarInput("kill", "Capex outruns revenue"))
    m = ws.metrics.create(MetricInput("Capex / revenue", unit="%"))
    ws.metrics.observe(m.id, D0, 100.0)
    ws.metrics.observe(m.id, D0 + dt.timedelta(days=1), 121.0)
    ws.alerts.add_rule(RuleInput(m.id, "above", 130.0, pillar_id=kill.id))
    for stance, weight, pid in (("supports", 3, pillar.id), ("supports", 2, pillar.id),
                                ("contradicts", 1, pillar.id), ("contradicts", 2, kill.id),
                                ("context", 1, None)):
        ws.evidence.add(EvidenceInput(t.id, f"{stance} {weight}", stance=stance, weight=weight,
                                      pillar_id=pid, source_text="Broker note"))
    return ws, t


def test_the_verdict_says_conviction_balance_kill_distance_and_changes(thesis):
    ws, t = thesis
    ws.theses.update(t.id, ThesisInput("Verdict first", claim="Capex earns its return.",
                                       conviction=70, status="active"), reason="Guidance up")
    memo = ws.memos.build(t.id, since=TODAY - dt.timedelta(days=1))
    v = memo.verdict
    assert (v.conviction_then, memo.conviction, v.since_label) == (50, 70, "the date chosen")
    assert [(b.label, b.supports, b.contradicts, b.context) for b in v.balance] == [
        ("Pillar: Cloud revenue grows", 5, 1, 0),
        ("Kill criterion: Capex outruns revenue", 0, 2, 0),
        ("Not tied to a pillar", 0, 0, 1)]
    [k] = v.kills
    assert (k.text, k.metric, k.rule) == ("Capex outruns revenue", "Capex / revenue", "above 130")
    assert k.latest == f"121 on {D0 + dt.timedelta(days=1):%Y-%m-%d}"
    assert k.distance == "9 below its trigger 130 (6.9%)"
    whats = [c.what for c in v.changes]
    assert whats.count("Evidence (supports)") == 2 and "Conviction" in whats
    assert any(c.text == "50 → 70 (Guidance up)" for c in v.changes)
    md = memo_markdown(memo)
    assert "conviction 70 / 100, up 20 since" in md
    assert "## What changed since" in md and "### Kill criteria" in md


def test_what_changed_runs_from_the_last_review_and_a_closed_thesis_leads_with_its_outcome(thesis):
    ws, t = thesis
    ws.outcomes.review(t.id, ReviewInput(60, "Quarter in line"))
    memo = ws.memos.build(t.id)
    v = memo.verdict
    assert (v.since, v.since_label, v.conviction_then) == (TODAY, "the last review", 60)
    assert v.changes == ()  # the review is today; nothing after its day yet
    ws.outcomes.close(t.id, CloseInput("wrong", TODAY, happened="Capex kept rising",
                                       missed="Price war"))
    v = ws.memos.build(t.id).verdict
    assert (v.outcome, v.closed_on) == ("wrong", TODAY)
    # closed after the review, the same day: what changed since the review says so
    assert [(c.what, c.text) for c in v.changes] == [
        ("Status", f"active → closed (Closed on {TODAY:%Y-%m-%d}: wrong)"),
        ("Outcome", "closed: wrong (Capex kept rising)")]
    assert v.postmortem == (("What happened", "Capex kept rising"),
                            ("What we missed", "Price war"))
    assert f"Closed {TODAY:%Y\\-%m\\-%d} as WRONG" in memo_markdown(ws.memos.build(t.id))


def test_since_after_the_memo_date_is_refused(thesis):
    from thesis_desk.core.errors import UserError

    ws, t = thesis
    with pytest.raises(UserError, match="after the memo's date"):
        ws.memos.build(t.id, since=TODAY + dt.timedelta(days=2))


def test_a_memo_sent_is_journaled_and_the_next_counts_what_changed_from_it(thesis, tmp_path):
    from thesis_desk.render.memo_pdf import export_memo

    ws, t = thesis
    export_memo(ws, t.id, tmp_path / "first.md")
    [entry] = [j for j in ws.theses.journal(t.id) if j.kind == "memo"]
    assert (entry.new, entry.reason) == (TODAY.isoformat(), "Exported first.md")
    v = ws.memos.build(t.id).verdict
    assert (v.since, v.since_label, v.changes) == (TODAY, "the last memo", ())
    ws.theses.update(t.id, ThesisInput("Verdict first", claim="Capex earns its return.",
                                       conviction=35, status="active"), reason="Price war")
    v = ws.memos.build(t.id).verdict
    assert v.conviction_then == 50
    assert [(c.what, c.text) for c in v.changes] == [("Conviction", "50 → 35 (Price war)")]
    # the memo's own journal section leaves the note of memos sent to the app
    assert "Exported first.md" not in memo_markdown(ws.memos.build(t.id))


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends
