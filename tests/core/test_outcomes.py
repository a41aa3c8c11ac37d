"""Closing theses, calibration, reviews: every figure against values worked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from thesis_desk.core.errors import UserError, ValidationError
from thesis_desk.core.outcomes import calibrate
from thesis_desk.core.portfolio import PositionInput
from thesis_desk.core.records import (
    ClosedThesis,
    CloseInput,
    PillarInput,
    ReviewInput,
    ThesisInput,
)
from thesis_desk.core.tabular import read_table

TODAY = dt.date.today()
pytestmark = pytest.mark.both_backends
PRICES = Path(__file__).parents[1] / "fixtures" / "prices_small.csv"


def _thesis(ws, title, conviction, status="active", **kw):
    return ws.theses.create(ThesisInput(title, conviction=conviction, status=status, **kw))


def _backdate(ws, thesis_id, days):
    """The thesis as if written ``days`` ago (reviews are counted from then)."""
    from thesis_desk.core.models import Thesis

    with ws.db.write() as s:
        t = s.get(Thesis, thesis_id)
        t.created_at -= dt.timedelta(days=days)


def test_the_issue_example_scores_brier_0_125_and_mixed_is_listed_not_scored(workspace):
    for title, conv, outcome in (("A", 80, "right"), ("B", 60, "wrong"), ("C", 30, "wrong"),
                                 ("D", 90, "right"), ("E", 50, "mixed")):
        t = _thesis(workspace, title, conv)
        workspace.outcomes.close(t.id, CloseInput(outcome, TODAY, happened=f"{title} ended"))
    cal = workspace.outcomes.calibration()
    assert cal.brier_open == pytest.approx(0.125)  # (.04 + .36 + .09 + .01) / 4
    assert cal.brier_last == pytest.approx(0.125)
    assert (cal.scored, len(cal.theses)) == (4, 5)
    assert cal.hit_rate == pytest.approx(0.5)
    bands = {(b.low, b.high): b for b in cal.bands}
    top = bands[(80, 100)]
    assert (top.count, top.right, top.mean_conviction, top.hit_rate) == (2, 2, 85, 1.0)
    assert (bands[(60, 79)].count, bands[(60, 79)].right) == (1, 0)
    assert (bands[(20, 39)].count, bands[(20, 39)].hit_rate) == (1, 0.0)
    assert bands[(40, 59)].count == 0  # the mixed one is not in any band
    assert all(b.few for b in cal.bands)  # none has three theses
    assert {c.title: c.outcome for c in cal.theses}["E"] == "mixed"


def test_opening_conviction_is_the_one_it_was_made_active_with(workspace):
    t = _thesis(workspace, "Drafted first", 50, status="draft")
    svc = workspace.theses
    d = svc.get(t.id).to_input()
    svc.update(t.id, ThesisInput(**{**d.__dict__, "status": "active", "conviction": 70}),
               reason="Started the position")
    svc.update(t.id, ThesisInput(**{**d.__dict__, "status": "active", "conviction": 40}),
               reason="Guidance cut")
    workspace.outcomes.close(t.id, CloseInput("wrong", TODAY))
    [c] = workspace.outcomes.closed_theses()
    assert (c.conviction_open, c.conviction_last) == (70, 40)
    cal = workspace.outcomes.calibration()
    assert cal.brier_open == pytest.approx(0.49)  # 0.7 ** 2
    assert cal.brier_last == pytest.approx(0.16)  # 0.4 ** 2


def test_calibration_bands_and_returns_by_hand():
    day = dt.date(2026, 1, 1)

    def c(n, conv, outcome, ret, held):
        return ClosedThesis(n, f"T{n}", outcome, day, day + dt.timedelta(days=held), conv,
                            conv, ret)

    cal = calibrate([c(1, 65, "right", 0.10, 100), c(2, 70, "right", 0.30, 200),
                     c(3, 75, "wrong", -0.20, 50), c(4, 10, "wrong", None, 30),
                     c(5, 55, "mixed", 0.05, 400)])
    band = next(b for b in cal.bands if b.low == 60)
    assert (band.count, band.right, band.few) == (3, 2, False)
    assert band.hit_rate == pytest.approx(2 / 3)
    assert band.avg_return == pytest.approx((0.10 + 0.30 - 0.20) / 3)
    assert band.mean_conviction == pytest.approx(70)
    # the scored four: (0.65-1)^2 + (0.7-1)^2 + 0.75^2 + 0.1^2 = 0.1225+0.09+0.5625+0.01
    assert cal.brier_open == pytest.approx(0.785 / 4)
    assert cal.avg_return == pytest.approx(0.20 / 3)
    assert cal.median_days_held == 100  # of all five closed: 30, 50, 100, 200, 400
    assert calibrate([]).brier_open is None


def test_closing_records_the_positions_realised_return_and_the_journal(workspace):
    pf = workspace.portfolio
    pf.import_prices(pf.plan_prices(read_table(PRICES), date_col="Date", price_col="Close",
                                    symbol_col="Symbol"))
    t = _thesis(workspace, "Long AAA, short BBB", 70)
    pf.add(PositionInput(t.id, "AAA", dt.date(2025, 1, 2), 100.0, quantity=10))
    pf.add(PositionInput(t.id, "BBB", dt.date(2025, 1, 2), 50.0, side="short", quantity=20))
    done = workspace.outcomes.close(t.id, CloseInput(
        "right", TODAY, happened="Margins recovered", missed="BBB's buyback", again="Sizing"))
    # AAA 100 -> 110 (+10%) on 1,000 in, BBB short 50 -> 45 (+10%) on 1,000 in
    assert done.realised_return == pytest.approx(0.10)
    assert (done.status, done.outcome, done.closed_on) == ("closed", "right", TODAY)
    assert (done.postmortem_happened, done.postmortem_missed, done.postmortem_again) == (
        "Margins recovered", "BBB's buyback", "Sizing")
    kinds = [(j.kind, j.new) for j in workspace.theses.journal(t.id)][:2]
    assert kinds == [("outcome", "right"), ("status", "closed")]


def test_closing_refuses_bad_input_and_writes_nothing(workspace):
    t = _thesis(workspace, "Guarded", 60)
    svc = workspace.outcomes
    with pytest.raises(ValidationError) as e:
        svc.close(t.id, CloseInput("maybe", TODAY))
    assert "right, wrong, mixed" in e.value.errors["outcome"]
    with pytest.raises(ValidationError) as e:
        svc.close(t.id, CloseInput("right", TODAY + dt.timedelta(days=1)))
    assert "future" in e.value.errors["on"]
    with pytest.raises(ValidationError) as e:
        svc.close(t.id, CloseInput("right", TODAY - dt.timedelta(days=400)))
    assert "created on" in e.value.errors["on"]
    after = workspace.theses.get(t.id)
    assert (after.status, after.outcome) == ("active", None)
    assert [j.kind for j in workspace.theses.journal(t.id)] == ["created"]
    # the edit form cannot close it around the outcome, nor can a new one start closed
    with pytest.raises(ValidationError, match="records its outcome"):
        workspace.theses.update(t.id, ThesisInput("Guarded", conviction=60, status="closed"),
                                reason="done")
    with pytest.raises(ValidationError):
        workspace.theses.create(ThesisInput("Born closed", status="closed"))
    svc.close(t.id, CloseInput("wrong", TODAY))
    with pytest.raises(UserError, match="reopen it first"):
        svc.close(t.id, CloseInput("right", TODAY))


def test_reopening_clears_the_outcome_and_the_journal_keeps_it(workspace):
    t = _thesis(workspace, "Back again", 55)
    svc = workspace.outcomes
    svc.close(t.id, CloseInput("wrong", TODAY, happened="Missed guidance"))
    with pytest.raises(ValidationError):
        svc.reopen(t.id, reason=" ")
    again = svc.reopen(t.id, reason="New management", status="validated")
    assert (again.status, again.outcome, again.closed_on, again.postmortem_happened) == (
        "validated", None, None, "")
    journal = workspace.theses.journal(t.id)
    assert [(j.kind, j.old, j.new, j.reason) for j in journal[:2]] == [
        ("status", "closed", "validated", "New management"),
        ("outcome", "wrong", "", "New management")]
    assert svc.calibration().theses == ()
    with pytest.raises(UserError, match="not closed"):
        svc.reopen(t.id, reason="twice")


def test_reviews_fall_due_by_status_or_own_interval_and_a_review_resets_them(workspace):
    svc = workspace.outcomes
    active = _thesis(workspace, "Active", 60)
    validated = _thesis(workspace, "Validated", 60, status="validated")
    weekly = _thesis(workspace, "Weekly", 60, review_days=7)
    closed = _thesis(workspace, "Closed", 60)
    for t in (active, validated, weekly, closed):
        _backdate(workspace, t.id, 30)
    svc.close(closed.id, CloseInput("right", TODAY))
    due = {r.title: r for r in svc.reviews_due(TODAY)}
    assert set(due) == {"Active", "Weekly"}  # validated: every 60 days; closed: never
    assert (due["Active"].interval_days, due["Active"].overdue_days) == (30, 0)
    assert (due["Weekly"].interval_days, due["Weekly"].overdue_days) == (7, 23)
    assert [r.title for r in svc.reviews_due(TODAY)] == ["Weekly", "Active"]  # most overdue
    assert {r.title for r in svc.reviews_due(TODAY - dt.timedelta(days=1))} == {"Weekly"}
    assert {r.title for r in svc.reviews_due(TODAY + dt.timedelta(days=30))} == {
        "Active", "Validated", "Weekly"}
    svc.review(active.id, ReviewInput(60, "Nothing new; thesis intact"))
    assert {r.title for r in svc.reviews_due(TODAY)} == {"Weekly"}
    assert {r.title for r in svc.reviews_due(TODAY + dt.timedelta(days=30))} == {
        "Active", "Validated", "Weekly"}


def test_a_review_journals_conviction_and_pillar_states_with_its_note(workspace):
    t = _thesis(workspace, "Reviewed", 60)
    p = workspace.theses.add_pillar(t.id, PillarInput("pillar", "Cloud margins expand"))
    svc = workspace.outcomes
    with pytest.raises(ValidationError) as e:
        svc.review(t.id, ReviewInput(70, "  "))
    assert "note" in e.value.errors
    assert workspace.theses.get(t.id).conviction == 60
    done = svc.review(t.id, ReviewInput(70, "Margins up two quarters running",
                                        ((p.id, "confirmed"),)))
    assert done.conviction == 70 and done.reviewed_at is not None
    assert done.pillars[0].state == "confirmed"
    rows = [(j.kind, j.old, j.new, j.reason) for j in workspace.theses.journal(t.id)][:3]
    assert rows == [
        ("review", "", "conviction 60 -> 70; 1 pillar state changed",
         "Margins up two quarters running"),
        ("conviction", "60", "70", "Margins up two quarters running"),
        ("pillar_state", "Intact", "Confirmed", "Margins up two quarters running"),
    ]
    svc.review(t.id, ReviewInput(70, "Still fine"))
    assert workspace.theses.journal(t.id)[0].new == "conviction 70 reaffirmed"


def test_catalysts_past_their_date_stay_until_settled(workspace):
    t = _thesis(workspace, "Catalysts", 60)
    late = workspace.theses.add_pillar(t.id, PillarInput(
        "catalyst", "Q3 results", due_date=TODAY - dt.timedelta(days=3)))
    workspace.theses.add_pillar(t.id, PillarInput("catalyst", "Investor day",
                                                  due_date=TODAY + dt.timedelta(days=3)))
    workspace.theses.add_pillar(t.id, PillarInput("pillar", "Not a catalyst",
                                                  due_date=TODAY - dt.timedelta(days=9)))
    [c] = workspace.outcomes.catalysts_due(TODAY)
    assert (c.text, c.overdue_days, c.state_label) == ("Q3 results", 3, "Pending")
    workspace.theses.update_pillar(late.id, PillarInput("catalyst", "Q3 results", "confirmed",
                                                        late.due_date), reason="Reported")
    assert workspace.outcomes.catalysts_due(TODAY) == []


def test_cli_close_calibration_and_reviews_due_exit_codes(data_dir, capsys):
    from thesis_desk.cli import main

    assert main(["theses", "add", "--title", "CLI thesis", "--conviction", "80",
                 "--status", "active", "--review-days", "7"]) == 0
    assert main(["reviews", "due"]) == 0
    assert main(["reviews", "due", "--on", (TODAY + dt.timedelta(days=8)).isoformat()]) == 1
    capsys.readouterr()
    assert main(["theses", "close", "CLI thesis", "--outcome", "right", "--note", "Won"]) == 0
    assert "Closed thesis 1" in capsys.readouterr().out
    assert main(["calibration", "--json"]) == 0
    import json

    cal = json.loads(capsys.readouterr().out)
    assert cal["brier_open"] == pytest.approx(0.04)
    assert cal["theses"][0]["outcome"] == "right"
    assert main(["theses", "close", "CLI thesis", "--outcome", "wrong"]) == 1
    assert "reopen it first" in capsys.readouterr().err
    assert main(["theses", "premortem", "CLI thesis", "Rates rise", "Key man leaves"]) == 0
    risks = [p for p in json.loads(_show(capsys, main))["thesis"]["pillars"]
             if p["kind"] == "risk"]
    assert [p["text"] for p in risks] == ["Rates rise", "Key man leaves"]


def _show(capsys, main):
    capsys.readouterr()
    assert main(["theses", "show", "CLI thesis", "--json"]) == 0
    return capsys.readouterr().out
