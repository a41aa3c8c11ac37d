"""Change-driven refresh: a write of one kind refreshes the views showing that kind and
no others; hidden ones are read again when next shown. Outside writes (another process)
are told apart by kind too."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.ui.person import Person
from thesis_desk.cli import main
from thesis_desk.core import changes as ch
from thesis_desk.core.metrics import MetricInput
from thesis_desk.ui.ops import wait_idle


def test_outside_writes_are_told_apart_by_kind(workspace, monkeypatch):
    db, where = workspace.db, ["--data-dir", str(workspace.paths.data_dir)]
    workspace.metrics.create(MetricInput("Capex ratio"))
    before = db.change_marks()
    main(["metrics", "observe", "Capex ratio", "2025-06-30", "121", *where])
    after = db.change_marks()
    assert ch.outside_changes(before, after) == ch.Changes.of(ch.OBSERVATION, ch.PRICE)
    main(["theses", "add", "--title", "Outside", "--claim", "c", *where])
    kinds = ch.outside_changes(after, db.change_marks()).kinds
    assert ch.THESIS in kinds and ch.OBSERVATION not in kinds and ch.DOCUMENT not in kinds
    # a series packed as another process read it whole (a memo's export): no view changed
    monkeypatch.setattr("thesis_desk.core.metrics.PACK_FROM", 50)
    capex = workspace.metrics.resolve("Capex ratio")
    for d in range(60):
        workspace.metrics.observe(capex, dt.date(2020, 1, 1) + dt.timedelta(days=d), float(d))
    unpacked = db.change_marks()
    workspace.metrics.series(capex)
    assert ch.outside_changes(unpacked, db.change_marks()) == ch.Changes.of()
    # an edit in place the aggregates do not watch: everything may have changed
    still = db.change_marks()
    assert ch.outside_changes(still, still).everything
    assert ch.outside_changes({}, still).everything


@pytest.fixture
def spied(window, monkeypatch):  # noqa: ANN001
    """Every area built once, then each view's refresh counted."""
    for row in (1, 2, 3, 4, 0):
        window.sidebar.setCurrentRow(row)
        wait_idle()
    calls: dict[str, int] = {}
    views = {"theses": (window.theses_view, "reload"), "library": (window.library_view, "refresh"),
             "metrics": (window.metrics_view, "refresh"), "alerts": (window.alerts_view, "refresh"),
             "portfolio": (window.portfolio_view, "refresh")}
    for name, (view, method) in views.items():
        real = getattr(view, method)

        def counted(*a, _real=real, _name=name, **kw):  # noqa: ANN002, ANN003
            calls[_name] = calls.get(_name, 0) + 1
            return _real(*a, **kw)

        monkeypatch.setattr(view, method, counted)
    return calls


def test_an_outside_observation_refreshes_the_metric_views_only(qtbot, window, spied):
    ws = window.workspace
    ws.metrics.create(MetricInput("Capex ratio"))
    window.session.start_watching()  # its catch-up pass over the rules marks their views stale
    # that pass runs as a job, not a read: wait_idle does not wait for it to be delivered
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=10_000)
    wait_idle()
    for row in (3, 4, 0, 1, 2):  # each seen once more: nothing stale; Metrics in front
        window.sidebar.setCurrentRow(row)
        wait_idle()
    spied.clear()
    main(["metrics", "observe", "Capex ratio", "2025-06-30", "121",
          "--data-dir", str(ws.paths.data_dir)])
    qtbot.waitUntil(lambda: spied.get("metrics", 0) >= 1, timeout=5000)  # the 2 s poll
    wait_idle()
    assert spied == {"metrics": 1}  # theses, library, inbox, portfolio: not read now
    window.sidebar.setCurrentRow(3)  # the inbox shows no observations: not read again
    wait_idle()
    window.sidebar.setCurrentRow(1)
    wait_idle()
    assert spied == {"metrics": 1}
    window.sidebar.setCurrentRow(4)  # the portfolio values positions with prices: read now
    wait_idle()
    assert spied == {"metrics": 1, "portfolio": 1}
    xs, ys = window.metrics_view.chart.curve.getData()
    assert list(ys) == [121]


def test_acknowledging_refreshes_what_shows_alerts(qtbot, window, spied):
    from thesis_desk.core.alerts import RuleInput

    ws = window.workspace
    m = ws.metrics.create(MetricInput("Capex ratio"))
    ws.alerts.add_rule(RuleInput(m.id, "above", threshold=100))
    ws.metrics.observe(m.id, dt.date(2025, 6, 30), 121)
    window.sidebar.setCurrentRow(3)
    wait_idle()
    window.alerts_view.refresh()
    wait_idle()
    spied.clear()
    person = Person(qtbot)
    person.row(window.alerts_view.table, "Capex ratio")
    person.click("Acknowledge")
    assert ws.alerts.count("new") == 0
    assert window.sidebar.item(3).text() == "Alerts"
    # the inbox read itself again; the theses and library show no alerts: untouched
    assert spied == {"alerts": 1}
    window.sidebar.setCurrentRow(0)
    wait_idle()
    window.sidebar.setCurrentRow(1)
    wait_idle()
    assert spied == {"alerts": 1}
    window.sidebar.setCurrentRow(2)  # the metric's rules show their state: read now
    wait_idle()
    assert spied == {"alerts": 1, "metrics": 1}
