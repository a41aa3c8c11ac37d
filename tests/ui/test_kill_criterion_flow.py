"""A kill criterion set up and fired as a person does it, through the shown window: a
metric made in the form, its history imported through the dialog, a rule tied to the
thesis's kill criterion in the rule form, then a crossing value typed into the
observation form. The thesis, never reselected, shows the pillar broken, the flag and
the journal entry; the inbox holds one alert."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from tests.ui.person import Person, field

THESIS = "Alibaba revaluation hinges on capex allocation"
KILL = "Capex keeps outrunning cloud revenue"
METRIC = "Alibaba cloud revenue growth"


def test_kill_criterion_fires_and_every_view_shows_it(qtbot, window, when_modal, tmp_path):
    person = Person(qtbot)
    person.menu(window, "File", "Build Demo Workspace")
    tv = window.theses_view
    person.row(tv.table, THESIS)
    history = tmp_path / "cloud_growth.csv"
    history.write_text("Quarter end,Growth %\n2025-03-31,18\n2025-06-30,26\n2025-09-30,34\n")

    # the Metrics area: a new metric through its form
    person.row(window.sidebar, "Metrics")
    mv = window.metrics_view

    def new_metric(dlg) -> None:  # noqa: ANN001
        person.type(field(dlg, "Name"), METRIC)
        person.type(field(dlg, "Unit"), "%")
        person.click("Save", within=dlg)

    when_modal(new_metric)
    person.click("New Metric…")
    assert mv.title.text() == METRIC

    # its history from a file, through the file dialog and the import dialog
    def choose_file(dlg) -> None:  # noqa: ANN001
        when_modal(import_rows)
        person.pick_file(dlg, str(history))

    def import_rows(dlg) -> None:  # noqa: ANN001
        person.choose(field(dlg, "Value column"), "Growth %")
        person.wait_for(lambda: "3 rows will be imported" in dlg.summary.text())
        person.click("Import", within=dlg)

    when_modal(choose_file)
    person.click("Import CSV/Excel…")
    ws = window.workspace
    mid = ws.metrics.resolve(METRIC)
    qtbot.waitUntil(lambda: len(ws.metrics.observations(mid)) == 3)
    qtbot.waitUntil(lambda: mv.table.topLevelItemCount() == 3)

    # a rule tied to the kill criterion, chosen by its statement
    def rule(dlg) -> None:  # noqa: ANN001
        person.choose(field(dlg, "Fires when"), "Below a level")
        person.type(field(dlg, "Level"), "20")
        pillar: QComboBox = field(dlg, "Kill criterion")
        person.choose(pillar, KILL)
        assert THESIS in pillar.currentText()
        person.choose(field(dlg, "When it fires"), "Break the pillar")
        person.click("Save", within=dlg)

    when_modal(rule)
    person.click("Add Rule…")
    qtbot.waitUntil(lambda: mv.rules.topLevelItemCount() == 1)
    row = mv.rules.topLevelItem(0)
    assert (row.text(0), row.text(2)) == ("below 20", "armed")
    assert KILL in row.text(1) and THESIS in row.text(1)

    # a crossing value typed into the observation form
    person.date(mv.obs_date.edit, "2025-12-31")
    person.type(mv.obs_value, "12")
    person.click("Add Observation")
    qtbot.waitUntil(lambda: mv.rules.topLevelItem(0).text(2) == "triggered")

    # back to the thesis, which nobody reselects: broken, flagged, journalled
    person.row(window.sidebar, "Theses")
    detail = tv.detail
    assert detail.title.text() == THESIS
    kill_row = next(detail.pillars.topLevelItem(i) for i in range(detail.pillars.topLevelItemCount())
                    if detail.pillars.topLevelItem(i).text(1).startswith(KILL))
    assert kill_row.text(2) == "Broken"
    assert detail.flag.isVisible() and "⚑" in detail.flag.text()
    person.tab(detail.tabs, "Journal")
    journal = [" | ".join(detail.journal.topLevelItem(i).text(c) for c in range(4))
               for i in range(detail.journal.topLevelItemCount())]
    assert any("Broken" in line and "rule #" in line.lower() for line in journal), journal
    # one alert, and only one, in the sidebar and the inbox
    assert window.sidebar.item(3).text() == "Alerts (1)"
    person.row(window.sidebar, "Alerts")
    inbox = window.alerts_view.model
    assert inbox.rowCount() == 1
    assert "12 on 2025-12-31" in inbox.index(0, 4).data()
    # a later pass of the watcher fires nothing more
    window.session.poll()
    assert len(ws.alerts.alerts()) == 1


def test_rules_are_edited_disabled_and_removed_in_the_window(qtbot, window, when_modal):
    from thesis_desk.core.alerts import RuleInput
    from thesis_desk.core.metrics import MetricInput

    ws = window.workspace
    m = ws.metrics.create(MetricInput(name="Capex / revenue", unit="%"))
    ws.alerts.add_rule(RuleInput(m.id, "above", threshold=100))
    person = Person(qtbot)
    person.row(window.sidebar, "Metrics")
    mv = window.metrics_view
    person.row(mv.rules, "above 100")

    def edit(dlg) -> None:  # noqa: ANN001
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        dlg.activateWindow()  # as a desktop activates a dialog it opens
        qtbot.waitUntil(dlg.isActiveWindow)
        QTest.keyClick(dlg, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # "&Level"
        assert QApplication.focusWidget() is dlg.level
        kind = field(dlg, "Fires when")
        person.choose(kind, "Goes stale")
        assert not field(dlg, "Days without one").parentWidget().isHidden()
        assert not any(lab.isVisible() for lab in dlg.findChildren(type(dlg.form.labelForField(
            dlg.level.parentWidget()))) if lab.text().replace("&", "") == "Level")
        person.type(field(dlg, "Days without one"), "30")
        person.click("Save", within=dlg)

    when_modal(edit)
    person.click("Edit…", within=mv)
    [r] = ws.alerts.rules(m.id)
    assert (r.kind, r.window, r.threshold) == ("stale", 30, None)

    person.row(mv.rules, "no new observation")
    person.click("Disable", within=mv)
    assert not ws.alerts.rules(m.id)[0].enabled
    assert mv.rules.topLevelItem(0).text(2) == "disabled"
    person.row(mv.rules, "no new observation")
    person.click("Enable", within=mv)
    assert ws.alerts.rules(m.id)[0].enabled

    def yes(box) -> None:  # noqa: ANN001
        person.click("Remove", within=box)

    when_modal(yes)
    person.context_menu(mv.rules, "no new observation", "Remove…")
    qtbot.waitUntil(lambda: ws.alerts.rules(m.id) == [])
    assert mv.rules.topLevelItemCount() == 0


def test_a_new_rule_judges_the_history_when_asked_and_only_then(qtbot, window, when_modal):
    """Two rules on the same history, through the form: the one asked to judge it
    raises the crossing the history holds; the other, from now on, raises nothing."""
    import datetime as dt

    from thesis_desk.core.records import MetricInput

    ws = window.workspace
    m = ws.metrics.create(MetricInput("Cloud growth %"))
    for n, v in enumerate((30.0, 25.0, 12.0, 18.0)):
        ws.metrics.observe(m.id, dt.date(2025, 1, 1) + dt.timedelta(days=n), v)
    person = Person(qtbot)
    person.row(window.sidebar, "Metrics")
    mv = window.metrics_view
    person.row(mv.list, "Cloud growth %")

    def rule(judge: bool):  # noqa: ANN202
        def fill(dlg) -> None:  # noqa: ANN001
            person.choose(field(dlg, "Fires when"), "Below a level")
            person.type(field(dlg, "Level"), "20")
            box = dlg.judge_history  # the "History" row's check box
            assert not box.isChecked()  # from now on, unless asked
            if judge:
                person.click(box)
            person.click("Save", within=dlg)
        return fill

    when_modal(rule(False))
    person.click("Add Rule…")
    qtbot.waitUntil(lambda: mv.rules.topLevelItemCount() == 1)
    assert ws.alerts.alerts() == []
    when_modal(rule(True))
    person.click("Add Rule…")
    qtbot.waitUntil(lambda: mv.rules.topLevelItemCount() == 2)
    [a] = ws.alerts.alerts()
    assert a.observed_on == dt.date(2025, 1, 3) and not a.backfilled
    assert "1 new alert: Cloud growth % below 20: 12 on 2025-01-03" in (
        window.statusBar().currentMessage())
    assert window.sidebar.item(3).text() == "Alerts (1)"
