"""Tables as they arrive, imported through the window with nothing typed but a name:
a European semicolon export, an ambiguous day/month file (the dialog shows both
readings and asks), and an Excel workbook with date cells and a total row."""

from __future__ import annotations

import datetime as dt

import openpyxl
from PySide6.QtWidgets import QApplication, QTableWidget

from tests.ui.person import Person, field


def _import(person, when_modal, path, drive) -> None:  # noqa: ANN001
    def choose_file(dlg) -> None:  # noqa: ANN001
        when_modal(drive)
        person.pick_file(dlg, str(path))

    when_modal(choose_file)
    person.click("Import CSV/Excel…")


def _preview_column(dlg, header: str) -> list[str]:  # noqa: ANN001
    table: QTableWidget = dlg.preview
    col = next(c for c in range(table.columnCount())
               if table.horizontalHeaderItem(c).text() == header)
    return [table.item(r, col).text() for r in range(table.rowCount())]


def test_a_european_export_imports_with_nothing_typed(qtbot, window, when_modal, tmp_path):
    f = tmp_path / "dax_export.csv"
    f.write_text("Datum;Schluss\n30/09/2025;1.234,5\n01/10/2025;13,5\nSumme;1248\n")
    person = Person(qtbot)
    person.row(window.sidebar, "Metrics")
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        person.wait_for(lambda: "will be imported" in dlg.summary.text())
        seen["summary"] = dlg.summary.text()
        seen["stored"] = (_preview_column(dlg, "→ Stored date"),
                          _preview_column(dlg, "→ Stored value"))
        seen["format"] = field(dlg, "Date format").currentText()
        person.click("Import", within=dlg)

    _import(person, when_modal, f, drive)
    qtbot.waitUntil(lambda: "summary" in seen and QApplication.activeModalWidget() is None,
                    timeout=10_000)
    assert "Dates read as DD/MM/YYYY (day first): line 2 reads 30/09/2025" in seen["summary"]
    assert "decimal comma: line 2 reads 1.234,5" in seen["summary"]
    assert seen["format"].endswith("DD/MM/YYYY (day first): line 2 reads 30/09/2025")
    assert seen["stored"] == (["2025-09-30", "2025-10-01", "not imported"],
                              ["1,234.5", "13.5", ""])
    mid = window.workspace.metrics.resolve("dax export")
    assert [(o.date.isoformat(), o.value) for o in window.workspace.metrics.observations(mid)] \
        == [("2025-09-30", 1234.5), ("2025-10-01", 13.5)]


def test_dates_that_read_two_ways_are_shown_both_ways_and_the_person_chooses(
        qtbot, window, when_modal, tmp_path):
    f = tmp_path / "us_or_uk.csv"
    f.write_text("Date,Close\n01/02/2025,10\n03/04/2025,11\n")
    person = Person(qtbot)
    person.row(window.sidebar, "Metrics")
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        person.wait_for(lambda: dlg.ambiguity.isVisible())
        seen["error"] = dlg.error.text()
        assert not dlg.import_btn.isEnabled()
        table = dlg.readings
        seen["readings"] = [[table.item(r, c).text() for c in range(table.columnCount())]
                            for r in range(table.rowCount())]
        person.click("Read them month first", within=dlg)
        person.wait_for(lambda: "will be imported" in dlg.summary.text())
        seen["hidden"] = dlg.ambiguity.isHidden()
        person.click("Import", within=dlg)

    _import(person, when_modal, f, drive)
    qtbot.waitUntil(lambda: "hidden" in seen and QApplication.activeModalWidget() is None,
                    timeout=10_000)
    assert "could be read two ways" in seen["error"]
    assert seen["readings"] == [["2", "01/02/2025", "01 Feb 2025", "02 Jan 2025"],
                                ["3", "03/04/2025", "03 Apr 2025", "04 Mar 2025"]]
    assert seen["hidden"]
    mid = window.workspace.metrics.resolve("us or uk")
    assert [o.date.isoformat() for o in window.workspace.metrics.observations(mid)] == [
        "2025-01-02", "2025-03-04"]


def test_a_typed_date_format_is_used(qtbot, window, when_modal, tmp_path):
    f = tmp_path / "odd.csv"
    f.write_text("When,Close\n2025.01.31,10\n2025.02.28,11\n")
    person = Person(qtbot)
    person.row(window.sidebar, "Metrics")
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        box = field(dlg, "Date format")
        person.type(box.lineEdit(), "31st of January")  # tried once the typing pauses
        person.wait_for(lambda: "is no date format" in dlg.error.text())
        person.type(box.lineEdit(), "%Y.%m.%d")
        person.wait_for(lambda: "2 rows will be imported" in dlg.summary.text())
        person.click("Import", within=dlg)
        seen["done"] = True

    _import(person, when_modal, f, drive)
    qtbot.waitUntil(lambda: "done" in seen and QApplication.activeModalWidget() is None,
                    timeout=10_000)
    mid = window.workspace.metrics.resolve("odd")
    assert [o.date.isoformat() for o in window.workspace.metrics.observations(mid)] == [
        "2025-01-31", "2025-02-28"]


def test_an_excel_workbook_with_date_cells_is_read_off_the_gui_thread(
        qtbot, window, when_modal, tmp_path):
    f = tmp_path / "broker_prices.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Date", "Close"])
    for i in range(20):
        ws.append([dt.date(2025, 3, 1) + dt.timedelta(days=i), 50 + i])
    ws.append(["Total", 1190])
    wb.save(f)
    person = Person(qtbot)
    person.row(window.sidebar, "Metrics")
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        person.wait_for(lambda: "will be imported" in dlg.summary.text())
        seen["summary"] = dlg.summary.text()
        person.click("Import", within=dlg)

    _import(person, when_modal, f, drive)
    qtbot.waitUntil(lambda: "summary" in seen and QApplication.activeModalWidget() is None,
                    timeout=10_000)
    assert seen["summary"].startswith("20 rows will be imported into broker prices; 1 will not")
    mid = window.workspace.metrics.resolve("broker prices")
    obs = window.workspace.metrics.observations(mid)
    assert (obs[0].date, obs[-1].date, obs[-1].value) == (dt.date(2025, 3, 1),
                                                          dt.date(2025, 3, 20), 69.0)
