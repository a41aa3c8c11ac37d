"""Metrics and alerts as a person sees them: the chart's data, one alert in the inbox."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from thesis_desk.core.alerts import RuleInput
from thesis_desk.core.metrics import MetricInput
from thesis_desk.ui.ops import wait_idle



def cell(inbox, row: int, col: int) -> str:  # noqa: ANN001
    return inbox.model.index(row, col).data()


def click_row(qtbot, inbox, row: int) -> None:  # noqa: ANN001
    """Click a row of the inbox where a person would: its first cell, on screen."""
    index = inbox.model.index(row, 0)
    inbox.table.scrollTo(index)
    qtbot.mouseClick(inbox.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=inbox.table.visualRect(index).center())

def test_observation_crossing_a_rule_gives_one_alert_in_chart_inbox_and_status(qtbot, window):
    ws = window.workspace
    m = ws.metrics.create(MetricInput("Capex ratio", unit="%"))
    for n, v in enumerate([90, 95, 98]):
        ws.metrics.observe(m.id, dt.date(2025, 1, 1 + n), v)
    ws.alerts.add_rule(RuleInput(m.id, "above", threshold=100))
    window.sidebar.setCurrentRow(2)  # Metrics: built now, pyqtgraph loads here
    wait_idle()
    mv = window.metrics_view
    assert mv is not None and window.stack.currentWidget() is mv
    xs, ys = mv.chart.curve.getData()
    assert list(ys) == [90, 95, 98]
    assert [line.value() for line in mv.chart.lines] == [100]

    mv.obs_date.set_value(dt.date(2025, 1, 4))
    mv.obs_value.setText("121")
    mv.add_observation()
    mv.obs_date.set_value(dt.date(2025, 1, 5))
    mv.obs_value.setText("130")  # still above: no second alert
    mv.add_observation()
    wait_idle()
    xs, ys = mv.chart.curve.getData()
    assert list(ys) == [90, 95, 98, 121, 130]
    mx, my = mv.chart.markers.getData()
    assert list(my) == [121]
    assert len(ws.alerts.alerts()) == 1
    assert window.sidebar.item(3).text() == "Alerts (1)"
    assert "1 new alert" in window.counts_label.text()

    window.sidebar.setCurrentRow(3)
    wait_idle()
    inbox = window.alerts_view
    assert inbox.model.rowCount() == 1 and inbox.empty.isHidden()
    assert "Capex ratio above 100: 121" in cell(inbox, 0, 4)
    assert (cell(inbox, 0, 2), cell(inbox, 0, 3)) == ("(no thesis)", "Capex ratio")
    assert not inbox.ack_btn.isEnabled()  # nothing selected yet
    click_row(qtbot, inbox, 0)
    assert inbox.ack_btn.isEnabled() and inbox.snooze_btn.isEnabled()
    qtbot.mouseClick(inbox.snooze_btn, Qt.MouseButton.LeftButton)
    wait_idle()
    assert window.sidebar.item(3).text() == "Alerts"  # snoozed: out of the unread count
    tomorrow = dt.datetime.now() + dt.timedelta(days=1)  # shown in local time
    assert cell(inbox, 0, 0).startswith(f"snoozed until {tomorrow:%Y-%m-%d}")
    click_row(qtbot, inbox, 0)
    qtbot.mouseClick(inbox.open_metric_btn, Qt.MouseButton.LeftButton)
    wait_idle()
    assert window.stack.currentWidget() is mv and mv.current_id() == m.id
    window.sidebar.setCurrentRow(3)
    wait_idle()
    click_row(qtbot, inbox, 0)
    qtbot.mouseClick(inbox.ack_btn, Qt.MouseButton.LeftButton)
    wait_idle()
    assert cell(inbox, 0, 0) == "acknowledged"


def test_an_empty_inbox_says_how_alerts_arrive(qtbot, window):
    window.sidebar.setCurrentRow(3)
    wait_idle()
    inbox = window.alerts_view
    assert inbox.model.rowCount() == 0 and not inbox.empty.isHidden()
    assert "No alerts" in inbox.empty.text()
    assert not any(b.isEnabled() for b in (inbox.ack_btn, inbox.snooze_btn,
                                           inbox.open_metric_btn, inbox.open_thesis_btn))


def test_an_observation_cites_its_evidence_and_document_through_the_form(qtbot, window,
                                                                        tmp_path):
    from thesis_desk.core.records import EvidenceInput, ThesisInput

    ws = window.workspace
    note = tmp_path / "note.txt"
    note.write_text("Broker note\n\nCloud capex reached 121% of cloud revenue in June.\n")
    doc = ws.library.import_file(note).document
    text = ws.library.get(doc.id).text
    start = text.index("Cloud capex")
    thesis = ws.theses.create(ThesisInput("Capex discipline"))
    ev = ws.evidence.add(EvidenceInput(thesis.id, text[start:start + 47], document_id=doc.id,
                                       start_offset=start, end_offset=start + 47,
                                       stance="contradicts"))
    m = ws.metrics.create(MetricInput("Capex ratio", unit="%"))
    ws.metrics.link(thesis.id, m.id, "down")
    window.sidebar.setCurrentRow(2)
    wait_idle()
    view = window.metrics_view
    view.obs_evidence.setCurrentIndex(view.obs_evidence.findData(ev.id))
    assert "Capex discipline" in view.obs_evidence.currentText()
    assert view.obs_document.currentText().startswith("Broker note")  # the evidence's own
    view.obs_date.set_value(dt.date(2025, 6, 30))
    view.obs_value.setText("121")
    view.add_observation()
    wait_idle()
    [obs] = ws.metrics.observations(m.id)
    assert (obs.value, obs.evidence_id, obs.document_id) == (121, ev.id, doc.id)
    assert view.table.topLevelItem(0).text(3).startswith("Capex discipline")
    assert view.chart.evidence_dates == [dt.date(2025, 6, 30)]  # the chart marks it
    assert view.obs_evidence.currentIndex() == 0  # the form is ready for the next value

    view.obs_date.set_value(dt.date(2025, 9, 30))
    view.obs_value.setText("118")
    view.obs_document.setEditText("A note nobody imported")
    view.add_observation()
    assert "No document in the library" in view.obs_error.text()
    assert len(ws.metrics.observations(m.id)) == 1  # nothing written


def test_observation_form_refuses_bad_input(qtbot, window):
    ws = window.workspace
    m = ws.metrics.create(MetricInput("P/E"))
    ws.metrics.observe(m.id, dt.date(2025, 2, 1), 10)
    window.sidebar.setCurrentRow(2)
    wait_idle()
    mv = window.metrics_view
    mv.obs_date.set_value(dt.date(2025, 2, 1))
    mv.obs_value.setText("ten")
    mv.add_observation()
    assert "not a number" in mv.obs_error.text()
    mv.obs_value.setText("12")
    mv.add_observation()
    assert "already a value" in mv.obs_error.text()
    assert [o.value for o in ws.metrics.observations(m.id)] == [10.0]
    assert "too few" in mv.chart.notice.text()


def test_a_long_series_is_downsampled_and_clipped(qtbot, window):
    ws = window.workspace
    ws.metrics.create(MetricInput("Synthetic"))
    window.sidebar.setCurrentRow(2)
    wait_idle()
    chart = window.metrics_view.chart
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(100_000)]
    chart.show_series(days, list(np.sin(np.arange(100_000) / 50)), [], [])
    assert chart.curve.opts["autoDownsample"] and chart.curve.opts["clipToView"]


def test_a_long_series_is_read_off_the_gui_thread_and_a_later_choice_wins(
        qtbot, window, monkeypatch):
    import threading

    import thesis_desk.ui.metrics_view as mv_mod

    monkeypatch.setattr(mv_mod, "ASYNC_ROWS", 5)  # "long": more than 5 observations
    release = threading.Event()
    real = mv_mod.chart_data

    def slow_chart_data(metrics, alerts, mid):  # the long read, held until released
        if metrics.get(mid).observations > 5:
            assert release.wait(10)
        return real(metrics, alerts, mid)

    monkeypatch.setattr(mv_mod, "chart_data", slow_chart_data)
    ws = window.workspace
    long = ws.metrics.create(MetricInput("A long series"))
    short = ws.metrics.create(MetricInput("B short series"))
    for n in range(8):
        ws.metrics.observe(long.id, dt.date(2025, 1, 1 + n), float(n))
    for n in range(3):
        ws.metrics.observe(short.id, dt.date(2025, 1, 1 + n), 100.0 + n)
    window.sidebar.setCurrentRow(2)
    view = window.metrics_view
    chart = view.chart
    qtbot.waitUntil(lambda: "Reading 8 observations" in chart.notice.text(), timeout=5000)
    assert view.title.text() == "A long series"  # its details shown while the chart reads

    def drawn() -> list:
        ys = chart.curve.getData()[1]
        return [] if ys is None else list(ys)

    assert drawn() == []
    release.set()
    qtbot.waitUntil(lambda: len(drawn()) == 8, timeout=5000)
    assert chart.notice.isHidden()
    release.clear()
    view.list.setCurrentRow(1)  # the short one, then at once the long one, then the short
    wait_idle()
    view.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: "Reading 8 observations" in chart.notice.text(), timeout=5000)
    view.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: drawn() == [100.0, 101.0, 102.0], timeout=5000)
    release.set()  # the long series' result is delivered, and dropped
    wait_idle()
    assert drawn() == [100.0, 101.0, 102.0] and view.title.text() == "B short series"


def test_a_second_process_writing_shows_up_without_a_restart(qtbot, window):
    from thesis_desk.cli import main

    ws = window.workspace
    window.session.start_watching()
    qtbot.waitUntil(lambda: not window.tasks.pool.activeThreadCount(), timeout=5000)
    main(["metrics", "add", "Capex ratio", "--data-dir", str(ws.paths.data_dir)])
    main(["rules", "add", "Capex ratio", "--above", "100", "--data-dir", str(ws.paths.data_dir)])
    main(["metrics", "observe", "Capex ratio", "2025-06-30", "121",
          "--data-dir", str(ws.paths.data_dir)])
    window.session.poll()  # what the 2-second timer does
    wait_idle()
    assert window.sidebar.item(3).text() == "Alerts (1)"
    window.sidebar.setCurrentRow(2)
    wait_idle()
    xs, ys = window.metrics_view.chart.curve.getData()
    assert list(ys) == [121]


def test_thesis_metrics_tab_shows_its_linked_metrics(qtbot, window):
    window.build_demo()
    wait_idle()
    tid = window.workspace.theses.resolve("Alibaba revaluation hinges on capex allocation")
    window.theses_view.select(tid)
    wait_idle()
    window.theses_view.detail.tabs.setCurrentIndex(2)
    tab = window.theses_view.detail.metrics_tab
    wait_idle()
    assert tab is not None and len(tab.charts) == 2
    from thesis_desk.ui.metric_chart import MetricChart

    values = sorted(list(box.findChild(MetricChart).curve.getData()[1]) for box in tab.charts)
    assert values == [[94.0], [121.0]]
    assert "2 linked metrics." == tab.summary.text()


def test_chart_saves_as_png(qtbot, window, tmp_path):
    ws = window.workspace
    m = ws.metrics.create(MetricInput("P/E"))
    for n, v in enumerate([10, 12, 11, 13]):
        ws.metrics.observe(m.id, dt.date(2025, 3, 1 + n), v)
    window.sidebar.setCurrentRow(2)
    wait_idle()
    out = tmp_path / "chart.png"
    window.metrics_view.chart.save_png(str(out))
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def test_grid_lines_are_drawn_under_the_series_not_across_it(qtbot):
    """The faint grid is painted opaque for speed, so it must lie under the data: a grid
    line drawn over the curve would cut it into dashes wherever they cross."""
    from thesis_desk.render.charts import plot_image
    from thesis_desk.ui.metric_chart import MetricChart

    chart = MetricChart(for_print=True)
    qtbot.addWidget(chart)
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(200)]
    chart.show_series(days, [i / 10 for i in range(200)], [], [])  # a rising straight line
    item = chart.plot.getPlotItem()
    item.setGeometry(0, 0, 800, 400)
    item.layout.activate()
    image = plot_image(item, 800)
    rows = image.height()
    blue = (56, 132, 244)

    def rgb(x: int, y: int) -> tuple[int, int, int]:
        c = image.pixelColor(x, y)
        return c.red(), c.green(), c.blue()

    grid_rows = []
    for y in range(rows):
        colours = [rgb(x, y) for x in range(0, image.width(), 4)]
        common = max(set(colours), key=colours.count)
        if common != (255, 255, 255) and colours.count(common) > len(colours) * 0.6:
            grid_rows.append(y)  # mostly one non-white colour: a horizontal grid line
    assert len(grid_rows) >= 3
    crossed = 0
    for y in grid_rows:
        if any(rgb(x, y) == blue for x in range(image.width())):
            crossed += 1
    # the line shows through where it crosses (drawn over it, the grid left none)
    assert crossed >= len(grid_rows) // 2


def test_new_metric_through_the_form(qtbot, window, when_modal):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialogButtonBox

    window.sidebar.setCurrentRow(2)
    wait_idle()
    mv = window.metrics_view
    seen = {}

    def fill(dlg) -> None:
        save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)  # empty name: refused
        seen["error"] = dlg.errors["name"].text()
        dlg.name.setText("Alibaba P/E")
        dlg.unit.setText("x")
        dlg.instrument.setText("baba")
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    when_modal(fill)
    mv.edit_metric(new=True)
    wait_idle()
    assert seen["error"] == "A metric needs a name."
    [m] = window.workspace.metrics.list()
    assert (m.name, m.unit, m.instrument) == ("Alibaba P/E", "x", "BABA")
    assert mv.title.text() == "Alibaba P/E"


def test_import_dialog_previews_maps_rejects_then_imports(qtbot, window, when_modal, tmp_path):
    f = tmp_path / "baba.csv"
    f.write_text("Trade date,Close,Volume\n02/01/2025,\"1,234.5\",10\n03/01/2025,oops,11\n"
                 "06/01/2025,1250,12\nTotal,,\n")
    window.sidebar.setCurrentRow(2)
    wait_idle()
    mv = window.metrics_view
    seen = {}

    assert mv.chart.isHidden()  # no metric: no empty axes
    f = f.rename(tmp_path / "baba_close.csv")

    def drive(dlg) -> None:
        seen["cols"] = (dlg.date_col.currentText(), dlg.value_col.currentText())
        seen["name"] = dlg.metric_name.text()  # no metric on screen: the file's name
        dlg.metric_name.setText("BABA close")
        dlg.check()
        # 02/01/2025 ... no day over 12: day- or month-first? The dialog asks, never guesses
        seen["first"] = (dlg.summary.text(), dlg.error.text())
        dlg.date_format.setCurrentIndex(dlg.date_format.findData("%d/%m/%Y"))
        seen["summary"] = dlg.summary.text()
        seen["rejected"] = [dlg.rejected.topLevelItem(i).text(1)
                            for i in range(dlg.rejected.topLevelItemCount())]
        dlg.import_btn.click()

    when_modal(drive)
    mv.import_file(str(f))
    wait_idle()
    assert seen["cols"] == ("Trade date", "Close") and seen["name"] == "baba close"
    assert seen["first"][0] == "" and "could be read two ways" in seen["first"][1]
    assert seen["summary"].startswith("2 rows will be imported into BABA close; 2 will not")
    assert any("not a number" in r for r in seen["rejected"])
    assert any("total row" in r for r in seen["rejected"])
    mid = window.workspace.metrics.resolve("BABA close")
    assert [o.value for o in window.workspace.metrics.observations(mid)] == [1234.5, 1250.0]
    assert mv.title.text() == "BABA close" and not mv.chart.isHidden()


@pytest.mark.parametrize("read_async", [False, True], ids=["small", "large"])
def test_a_broken_table_is_refused_with_its_reason(qtbot, window, tmp_path, monkeypatch,
                                                   read_async, when_modal):
    from thesis_desk.ui import import_dialog

    if read_async:  # read as a large file is: on the worker thread
        monkeypatch.setattr(import_dialog, "SYNC_READ_BYTES", 0)
    f = tmp_path / "broken.csv"
    f.write_bytes(b"\xff\xfe\x00garbage\x00" * 20)
    window.sidebar.setCurrentRow(2)
    wait_idle()
    mv = window.metrics_view
    said = []
    when_modal(lambda box: (said.append(box.text()), box.accept()))
    mv.import_file(str(f))
    qtbot.waitUntil(lambda: bool(said) and QApplication.activeModalWidget() is None,
                    timeout=10_000)
    assert said == ["broken.csv: not UTF-8 text; save it as UTF-8 CSV and try again."]
    assert window.workspace.metrics.list() == []


def test_chart_marks_cited_evidence_and_inbox_opens_the_thesis(qtbot, window):
    from thesis_desk.core.records import EvidenceInput, ThesisInput

    ws = window.workspace
    thesis = ws.theses.create(ThesisInput("Capex discipline"))
    m = ws.metrics.create(MetricInput("Capex ratio", unit="%"))
    ws.metrics.link(thesis.id, m.id, "down")
    ev = ws.evidence.add(EvidenceInput(thesis.id, "Capex was 121% of cloud revenue.",
                                       stance="contradicts", source_text="Broker note",
                                       observed_on=dt.date(2025, 6, 30)))
    ws.alerts.add_rule(RuleInput(m.id, "above", threshold=100))
    ws.metrics.observe(m.id, dt.date(2025, 3, 31), 94)
    ws.metrics.observe(m.id, dt.date(2025, 6, 30), 121, evidence_id=ev.id)  # fires
    ws.metrics.observe(m.id, dt.date(2025, 9, 30), 130)  # still above: no second alert
    window.sidebar.setCurrentRow(2)
    wait_idle()
    chart = window.metrics_view.chart
    assert chart.evidence_dates == [dt.date(2025, 6, 30)]
    assert "contradicts: Capex was 121%" in chart.lines[-1].toolTip()

    window.sidebar.setCurrentRow(3)
    wait_idle()
    inbox = window.alerts_view
    assert inbox.model.rowCount() == 1
    assert cell(inbox, 0, 2) == thesis.title  # the thesis it concerns
    click_row(qtbot, inbox, 0)
    inbox.open_thesis_btn.click()
    wait_idle()
    assert window.stack.currentWidget() is window.theses_view
    assert window.theses_view.current_id() == thesis.id


def test_a_long_file_is_read_and_judged_off_the_gui_thread(qtbot, window, when_modal, tmp_path,
                                                  monkeypatch):
    from thesis_desk.ui import import_dialog
    from thesis_desk.ui.import_dialog import ObservationImportDialog

    monkeypatch.setattr(ObservationImportDialog, "SYNC_ROWS", 10)
    monkeypatch.setattr(import_dialog, "SYNC_READ_BYTES", 10)  # the file is read there too
    f = tmp_path / "long.csv"
    f.write_text("date,value\n" + "".join(f"2024-01-{d:02d},{d}\n" for d in range(1, 31)))
    window.sidebar.setCurrentRow(2)
    wait_idle()
    seen = {}

    def drive(dlg) -> None:
        dlg.metric_name.setText("Long series")
        dlg.check()
        seen["while"] = dlg.summary.text()  # the plan is still being made
        qtbot.waitUntil(lambda: dlg.import_btn.isEnabled(), timeout=10_000)
        seen["after"] = dlg.summary.text()
        dlg.import_btn.click()

    when_modal(drive)
    window.metrics_view.import_file(str(f))
    assert seen == {}  # returned at once: the file is being read
    qtbot.waitUntil(lambda: "after" in seen and QApplication.activeModalWidget() is None,
                    timeout=10_000)
    assert seen["while"] == "Checking 30 rows…"
    assert seen["after"].startswith("30 rows will be imported into Long series")
    mid = window.workspace.metrics.resolve("Long series")
    assert len(window.workspace.metrics.observations(mid)) == 30


def test_a_monthly_price_file_with_month_names_imports_with_no_format_typed(
        qtbot, window, when_modal, tmp_path):
    """'Jan 1 2000' dates: the dialog detects the format, says so, and imports."""
    from tests.ui.person import Person

    f = tmp_path / "monthly.csv"
    f.write_text("Date,Close\nJan 1 2000,10\nFeb 1 2000,11\nMar 1 2000,12\nTotal,33\n")
    person = Person(qtbot)
    person.row(window.sidebar, "Metrics")
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        person.wait_for(lambda: "will be imported" in dlg.summary.text())
        seen["summary"] = dlg.summary.text()
        person.click("Import", within=dlg)

    when_modal(drive)
    window.metrics_view.import_file(str(f))
    qtbot.waitUntil(lambda: "summary" in seen and QApplication.activeModalWidget() is None,
                    timeout=10_000)
    assert seen["summary"].startswith("Dates read as Mon D YYYY (detected). 3 rows")
    mid = window.workspace.metrics.resolve("monthly")
    assert [o.date.isoformat() for o in window.workspace.metrics.observations(mid)] == [
        "2000-01-01", "2000-02-01", "2000-03-01"]


def test_the_sidebar_counts_thousands_of_alerts_as_the_status_bar_does(qtbot, window):
    """1,201 new alerts read '1,201' in the sidebar and the status bar alike."""
    import pandas as pd

    from thesis_desk.app import open_workspace

    window.session.start_watching()  # as when the window opened its workspace
    wait_idle()
    other = open_workspace(str(window.workspace.paths.data_dir))  # another program
    m = other.metrics.create(MetricInput("SYNTHETIC oscillator"))
    other.alerts.add_rule(RuleInput(m.id, "crosses", 0.0))
    days = [(dt.date(2020, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(1202)]
    table = pd.DataFrame({"Date": days, "Value": ["1" if i % 2 else "-1" for i in range(1202)]})
    other.metrics.import_plan(other.metrics.plan_import(table, date_col="Date",
                                                        value_col="Value", metric=m.name))
    other.close()
    qtbot.waitUntil(lambda: window.sidebar.item(3).text() == "Alerts (1,201)", timeout=15000)
    assert "1,201 new alerts" in window.counts_label.text()
