"""Closing the loop through the window as a person does: close a thesis with its
outcome (and undo it), see the calibration, work through a due review, write a
pre-mortem with a new thesis, read conviction against the price."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from tests.ui.person import Person, field
from thesis_desk.core.records import CloseInput, PillarInput, ThesisInput
from thesis_desk.ui.ops import wait_idle

TITLE = "Alibaba revaluation hinges on capex allocation"


def _make(window, title=TITLE, **kw):
    t = window.workspace.theses.create(ThesisInput(title, status="active", **kw))
    window.theses_view.reload(select_id=t.id)
    wait_idle()
    return t


def _backdate(window, thesis_id, days):
    conn = sqlite3.connect(window.workspace.paths.database)
    with conn:
        conn.execute("UPDATE thesis SET created_at = datetime(created_at, ?) WHERE id = ?",
                     (f"-{days} days", thesis_id))
    conn.close()


def _buddy(dialog, starts: str):
    """The input a (grid) label beginning ``starts`` names."""
    label = next(w for w in dialog.findChildren(QLabel)
                 if w.isVisible() and w.text().startswith(starts))
    return label.buddy()


def test_close_a_thesis_with_its_outcome_see_it_scored_then_undo(qtbot, window, when_modal):
    person = Person(qtbot)
    t = _make(window, conviction=80)
    panel = window.theses_view.detail
    assert not panel.outcome.isVisible()

    def close(dlg) -> None:  # noqa: ANN001
        person.click("Close Thesis", within=dlg)  # no outcome chosen: refused, stays open
        assert dlg.isVisible() and "Say how it turned out" in dlg.errors["outcome"].text()
        person.click(dlg.outcomes["wrong"])
        person.type(field(dlg, "What happened"), "Capex went to price wars")
        person.type(field(dlg, "What we missed"), "Telecom carriers' pricing")
        person.click("Close Thesis", within=dlg)

    when_modal(close)
    person.click("Close…", within=panel)
    after = window.workspace.theses.get(t.id)
    assert (after.status, after.outcome, after.postmortem_missed) == (
        "closed", "wrong", "Telecom carriers' pricing")
    person.wait_for(panel.outcome.isVisible)
    assert "WRONG" in panel.outcome.text() and "Capex went to price wars" in panel.outcome.text()
    assert panel.close_btn.text() == "Reopen…" and not panel.review_btn.isEnabled()

    # Calibration scores it: conviction 80 and wrong is a Brier score of 0.64
    person.row(window.sidebar, "Calibration")
    cal = window.calibration_view
    person.wait_for(lambda: "Brier score 0.640" in cal.summary.text())
    assert cal.theses.topLevelItem(0).text(1) == "Wrong"
    xs, ys = cal.curve.getData()
    assert (list(xs), list(ys)) == ([80.0], [0.0])

    # Edit > Undo reopens it as it was
    person.row(window.sidebar, "Theses")
    assert window.undo_action.text() == f"&Undo Close thesis '{TITLE}'"
    person.menu(window, "Edit", window.undo_action.text())
    back = window.workspace.theses.get(t.id)
    assert (back.status, back.outcome) == ("active", None)
    person.row(window.sidebar, "Calibration")
    person.wait_for(lambda: "No closed theses yet" in cal.summary.text())


def test_reopen_from_the_thesis_menu_asks_why(qtbot, window, when_modal):
    person = Person(qtbot)
    t = _make(window)
    window.workspace.outcomes.close(t.id, CloseInput("right", t.created_at.date()))
    window.theses_view.reload(select_id=t.id)
    wait_idle()
    assert not window.close_thesis_action.isEnabled()

    def reopen(dlg) -> None:  # noqa: ANN001
        person.click("Reopen", within=dlg)
        assert "why the thesis is reopened" in dlg.errors["reason"].text()
        person.choose(field(dlg, "Status"), "Validated")
        person.type(field(dlg, "Reason"), "Management changed course")
        person.click("Reopen", within=dlg)

    when_modal(reopen)
    person.menu(window, "Thesis", "Reopen Thesis…")
    again = window.workspace.theses.get(t.id)
    assert (again.status, again.outcome) == ("validated", None)
    assert window.workspace.theses.journal(t.id)[0].reason == "Management changed course"
    person.wait_for(window.close_thesis_action.isEnabled)


def test_a_due_review_is_listed_and_recorded_through_its_form(qtbot, window, when_modal):
    person = Person(qtbot)
    t = _make(window, conviction=60, review_days=7)
    kill = window.workspace.theses.add_pillar(t.id, PillarInput("kill", "Capex outruns revenue"))
    _backdate(window, t.id, 10)
    window.refresh_status()
    person.wait_for(lambda: window.sidebar.item(5).text() == "Reviews (1)")

    person.row(window.sidebar, "Reviews (1)")
    view = window.reviews_view
    person.row(view.reviews, TITLE)
    assert view.reviews.topLevelItem(0).text(4) == "3 days"

    def review(dlg) -> None:  # noqa: ANN001
        person.type(field(dlg, "Conviction"), "45")
        person.choose(_buddy(dlg, "Kill criterion:"), "At risk")
        person.click("Record Review", within=dlg)  # no note: refused
        assert "Say in a line" in dlg.errors["note"].text()
        person.type(dlg.note, "Capex up again, cloud flat")
        person.click("Record Review", within=dlg)

    when_modal(review)
    person.click("Review…", within=view)
    j = window.workspace.theses.journal(t.id)
    assert [(e.kind, e.new) for e in j[:3]] == [
        ("review", "conviction 60 -> 45; 1 pillar state changed"), ("conviction", "45"),
        ("pillar_state", "At risk")]
    assert window.workspace.theses.get(t.id).pillars[0].id == kill.id
    person.wait_for(lambda: view.reviews.topLevelItemCount() == 0)
    person.wait_for(lambda: window.sidebar.item(5).text() == "Reviews")


def test_a_new_thesis_can_go_straight_to_its_pre_mortem(qtbot, window, when_modal):
    person = Person(qtbot)

    def premortem(dlg) -> None:  # noqa: ANN001
        reasons = field(dlg, "Reasons")
        person.type(reasons, "Capex wasted on price wars")
        for _ in range(2):  # a blank line between is no reason
            QTest.keyClick(reasons, Qt.Key.Key_Return)
        person.type(reasons, "Regulators cap fees", clear=False)
        person.click("Add Risks", within=dlg)

    def new(dlg) -> None:  # noqa: ANN001
        person.type(field(dlg, "Title"), "Pre-mortem first")
        person.click(dlg.premortem_next)
        when_modal(premortem)
        person.click("Save", within=dlg)

    when_modal(new)
    person.menu(window, "File", "New Thesis…")
    [t] = window.workspace.theses.list()
    risks = [(p.kind, p.text) for p in window.workspace.theses.get(t.id).pillars]
    assert risks == [("risk", "Capex wasted on price wars"), ("risk", "Regulators cap fees")]
    assert window.workspace.theses.journal(t.id)[0].reason.startswith("Pre-mortem")
    tree = window.theses_view.detail.pillars
    person.wait_for(lambda: tree.topLevelItemCount() == 2)
    # one undo step takes the whole pre-mortem back
    person.menu(window, "Edit", window.undo_action.text())
    assert window.workspace.theses.get(t.id).pillars == ()


def test_conviction_tab_draws_conviction_steps_price_and_evidence(qtbot, window):
    import datetime as dt

    from thesis_desk.core.records import EvidenceInput
    from thesis_desk.core.tabular import read_table
    from thesis_desk.render.charts import epoch

    person = Person(qtbot)
    ws = window.workspace
    pf = ws.portfolio
    pf.import_prices(pf.plan_prices(read_table(
        __import__("pathlib").Path(__file__).parents[1] / "fixtures" / "prices_small.csv"),
        date_col="Date", price_col="Close", symbol_col="Symbol"))
    t = _make(window, conviction=50, instruments=("AAA",))
    ws.theses.update(t.id, ThesisInput(TITLE, status="active", conviction=65,
                                       instruments=("AAA",)), reason="Orders up")
    ws.evidence.add(EvidenceInput(t.id, "Orders up 20%", source_text="Call",
                                  observed_on=dt.date(2025, 1, 3)))
    window.theses_view.reload(select_id=t.id)
    wait_idle()
    person.tab(window.theses_view.detail.tabs, "Conviction")
    tab = window.theses_view.detail.conviction_tab
    person.wait_for(lambda: tab.data is not None)
    xs, ys = tab.conviction.getData()
    assert list(ys) == [50.0, 50.0, 65.0, 65.0]  # a step at the change, then to now
    px, py = tab.price.getData()
    assert list(py) == [100.0, 104.0, 110.0]
    assert px[0] == epoch(dt.date(2025, 1, 2))
    assert [p.pos().x() for p in tab.marks.points()] == [epoch(dt.date(2025, 1, 3))]
    assert "(orange, right axis; 1 change in the journal), against AAA's price" \
        in tab.caption.text()
    left = tab.plot.getPlotItem().getAxis("left")
    assert left.style["showValues"] and left.labelText == "Price"


def test_conviction_tab_without_prices_shows_no_price_scale(qtbot, window):
    person = Person(qtbot)
    _make(window, conviction=50, instruments=("ZZZ",))
    person.row(window.theses_view.table, TITLE)
    person.tab(window.theses_view.detail.tabs, "Conviction")
    tab = window.theses_view.detail.conviction_tab
    person.wait_for(lambda: tab.data is not None)
    left = tab.plot.getPlotItem().getAxis("left")
    assert not left.style["showValues"] and left.labelText == "Price (none imported)"
    assert "no price series for ZZZ yet" in tab.caption.text()


def test_a_catalyst_past_its_date_is_announced_once_and_listed_until_settled(qtbot, window):
    import datetime as dt

    person = Person(qtbot)
    t = _make(window)
    window.workspace.theses.add_pillar(t.id, PillarInput(
        "catalyst", "Q3 results show cloud growth", due_date=dt.date.today() - dt.timedelta(days=3)))
    bar = window.statusBar()
    window.refresh_status()  # as the window's change watch does after a write
    person.wait_for(lambda: "1 catalyst reminder: Catalyst past its date" in bar.currentMessage())
    bar.clearMessage()
    window.refresh_status()
    wait_idle()
    assert bar.currentMessage() == ""  # told once, not on every refresh
    person.wait_for(lambda: window.sidebar.item(5).text() == "Reviews (1)")

    person.row(window.sidebar, "Reviews (1)")
    view = window.reviews_view
    person.row(view.catalysts, "Q3 results")
    assert view.catalysts.topLevelItem(0).text(3) == "3 days"
    person.click(view.open_catalyst_btn)
    assert window.stack.currentWidget() is window.theses_view
    assert window.theses_view.detail.title.text() == TITLE
