"""The alerts inbox as a person uses a full one: filtered by text and by state, counted,
and acted on from a row's context menu."""

from __future__ import annotations

import datetime as dt

from tests.ui.person import Person
from thesis_desk.core.alerts import RuleInput
from thesis_desk.core.metrics import MetricInput
from thesis_desk.ui.ops import wait_idle


def _rows(view) -> list[str]:  # noqa: ANN001 - the inbox's Metric column, as shown
    model = view.table.model()
    return [model.index(r, 3).data() for r in range(model.rowCount())]


def test_a_full_inbox_is_filtered_counted_and_acknowledged_from_its_context_menu(
        qtbot, window):
    ws = window.workspace
    for name, values in (("Cloud capex ratio", [90, 120, 90, 130]),
                         ("Export controls index", [10, 60])):
        m = ws.metrics.create(MetricInput(name))
        ws.alerts.add_rule(RuleInput(m.id, "above", threshold=50 if "Export" in name else 100))
        for i, v in enumerate(values):
            ws.metrics.observe(m.id, dt.date(2025, 1, 1) + dt.timedelta(days=i), v)
    person = Person(qtbot)
    window.sidebar.setCurrentRow(3)
    wait_idle()
    inbox = window.alerts_view
    person.wait_for(lambda: len(_rows(inbox)) == 3)
    assert inbox.count_label.text() == "3 alerts · 3 new"

    person.type(inbox.filter, "CAPEX")  # any case; applied once typing pauses
    person.wait_for(lambda: _rows(inbox) == ["Cloud capex ratio"] * 2)
    assert inbox.count_label.text() == "2 shown of 3 alerts · 3 new"

    person.context_menu(inbox.table, "Cloud capex ratio", "Acknowledge")
    wait_idle()
    person.wait_for(lambda: ws.alerts.count("new") == 2)
    person.choose(inbox.state_filter, "New")
    person.wait_for(lambda: _rows(inbox) == ["Cloud capex ratio"])  # the text filter holds
    person.choose(inbox.state_filter, "Acknowledged")
    person.wait_for(lambda: _rows(inbox) == ["Cloud capex ratio"])
    assert "acknowledged" in inbox.table.model().index(0, 0).data()

    person.type(inbox.filter, "")  # cleared: every acknowledged alert
    person.choose(inbox.state_filter, "All alerts")
    person.wait_for(lambda: len(_rows(inbox)) == 3)
    assert inbox.count_label.text() == "3 alerts · 2 new"
    assert window.sidebar.item(3).text() == "Alerts (2)"

    person.type(inbox.filter, "no such metric")
    person.wait_for(lambda: _rows(inbox) == [])
    assert inbox.count_label.text() == "0 shown of 3 alerts · 2 new"
    assert not inbox.ack_btn.isEnabled()


def test_open_thesis_is_offered_only_for_an_alert_a_thesis_tracks(qtbot, window):
    from thesis_desk.core.records import ThesisInput

    ws = window.workspace
    t = ws.theses.create(ThesisInput(title="Capex discipline"))
    for name, linked in (("Tracked ratio", True), ("Loose index", False)):
        m = ws.metrics.create(MetricInput(name))
        if linked:
            ws.metrics.link(t.id, m.id)
        ws.alerts.add_rule(RuleInput(m.id, "above", threshold=100))
        ws.metrics.observe(m.id, dt.date(2025, 1, 1), 150)
    person = Person(qtbot)
    person.row(window.sidebar, "Alerts")
    inbox = window.alerts_view
    person.wait_for(lambda: len(_rows(inbox)) == 2)

    person.row(inbox.table, "Loose index")
    assert inbox.open_metric_btn.isEnabled() and not inbox.open_thesis_btn.isEnabled()
    assert "No thesis tracks this metric" in inbox.open_thesis_btn.toolTip()
    person.row(inbox.table, "Tracked ratio")
    assert inbox.open_thesis_btn.isEnabled()
    person.click(inbox.open_thesis_btn)
    assert window.stack.currentWidget() is window.theses_view
    assert window.theses_view.detail.title.text() == "Capex discipline"

    person.row(window.sidebar, "Alerts")
    person.row(inbox.table, "Loose index", double=True)  # no thesis: its metric opens
    person.wait_for(lambda: window.stack.currentWidget() is window.metrics_view)
    person.wait_for(lambda: window.metrics_view.current_id() is not None and ws.metrics.get(
        window.metrics_view.current_id()).name == "Loose index")
