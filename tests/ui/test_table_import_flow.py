"""Tables as they arrive, imported through the window with nothing typed but a name:
a European semicolon export, an ambiguous day/month file (the dialog shows both
readings and asks), and an Excel workbook with date cells and a total row."""

from __future__ import annotations

import datetime as dt

import openpyxl
from PySide6.QtWidgets import QApplication, QTableWidget

from tests.ui.person import Person, field


def _import(qtbot, person, when_modal, path, drive) -> None:  # noqa: ANN001
    """Choose *Import CSV/Excel…* in the Metrics area, pick ``path`` in the file dialog,
    let ``drive`` work the import dialog, and wait until it has run and the window has
    no dialog left."""
    ran = []

    def work(dlg) -> None:  # noqa: ANN001
        drive(dlg)
        ran.append(True)

    def choose_file(dlg) -> None:  # noqa: ANN001
        when_modal(work)
        person.pick_file(dlg, str(path))

    when_modal(choose_file)
    person.click("Import CSV/Excel…")
    qtbot.waitUntil(lambda: bool(ran) and QApplication.activeModalWidget() is None,
                    timeout=15_000)


def _metrics_area(qtbot, window) -> Person:  # noqa: ANN001
    person = Person(qtbot)
    person.row(window.sidebar, "Metrics")
    return person


def _preview_column(dlg, header: str) -> list[str]:  # noqa: ANN001
    table: QTableWidget = dlg.preview
    col = next(c for c in range(table.columnCount())
               if table.horizontalHeaderItem(c).text() == header)
    return [table.item(r, col).text() for r in range(table.rowCount())]


def test_a_european_export_imports_with_nothing_typed(qtbot, window, when_modal, tmp_path):
    f = tmp_path / "dax_export.csv"
    f.write_text("Datum;Schluss\n30/09/2025;1.234,5\n01/10/2025;13,5\nSumme;1248\n")
    person = _metrics_area(qtbot, window)
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        person.wait_for(lambda: "will be imported" in dlg.summary.text())
        seen["summary"] = dlg.summary.text()
        seen["stored"] = (_preview_column(dlg, "→ Stored date"),
                          _preview_column(dlg, "→ Stored value"))
        seen["format"] = field(dlg, "Date format").currentText()
        person.click("Import", within=dlg)

    _import(qtbot, person, when_modal, f, drive)
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
    person = _metrics_area(qtbot, window)
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

    _import(qtbot, person, when_modal, f, drive)
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
    person = _metrics_area(qtbot, window)

    def drive(dlg) -> None:  # noqa: ANN001
        box = field(dlg, "Date format")
        person.type(box.lineEdit(), "31st of January")  # tried once the typing pauses
        person.wait_for(lambda: "is no date format" in dlg.error.text())
        person.type(box.lineEdit(), "%Y.%m.%d")
        person.wait_for(lambda: "2 rows will be imported" in dlg.summary.text())
        person.click("Import", within=dlg)

    _import(qtbot, person, when_modal, f, drive)
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
    person = _metrics_area(qtbot, window)
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        person.wait_for(lambda: "will be imported" in dlg.summary.text())
        seen["summary"] = dlg.summary.text()
        person.click("Import", within=dlg)

    _import(qtbot, person, when_modal, f, drive)
    assert seen["summary"].startswith("20 rows will be imported into broker prices; 1 will not")
    mid = window.workspace.metrics.resolve("broker prices")
    obs = window.workspace.metrics.observations(mid)
    assert (obs[0].date, obs[-1].date, obs[-1].value) == (dt.date(2025, 3, 1),
                                                          dt.date(2025, 3, 20), 69.0)


def _long_file(tmp_path, monkeypatch, rows: int = 40):  # noqa: ANN001
    """A file the window takes for a long one (the limits made small): judged and
    imported a chunk at a time."""
    import thesis_desk.core.tabular as tabular
    from thesis_desk.ui import import_dialog

    monkeypatch.setattr(import_dialog, "SYNC_READ_BYTES", 10)
    monkeypatch.setattr(import_dialog, "STREAM_ABOVE_ROWS", 10)
    monkeypatch.setattr(tabular, "STREAM_CHUNK_ROWS", 6)
    f = tmp_path / "long_history.csv"
    days = [dt.date(2024, 1, 13) + dt.timedelta(days=i) for i in range(rows)]
    f.write_text("Date;Value\n" + "".join(f"{d:%d/%m/%Y};{i},5\n" for i, d in enumerate(days))
                 + "01/01/2030;n/a\n")
    return f


def test_a_long_file_is_judged_and_imported_a_chunk_at_a_time(qtbot, window, when_modal,
                                                              tmp_path, monkeypatch):
    f = _long_file(tmp_path, monkeypatch)
    person = _metrics_area(qtbot, window)
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        person.wait_for(lambda: "will be imported" in dlg.summary.text())
        seen["summary"] = dlg.summary.text()
        seen["rejected"] = [dlg.rejected.topLevelItem(i).text(1)
                            for i in range(dlg.rejected.topLevelItemCount())]
        seen["stored"] = _preview_column(dlg, "→ Stored value")[:3]
        seen["heading"] = [w.text() for w in dlg.findChildren(type(dlg.summary))
                           if "rows" in w.text() and "chunk" in w.text()]
        person.click("Import", within=dlg)

    _import(qtbot, person, when_modal, f, drive)
    assert "40 rows will be imported into long history; 1 will not" in seen["summary"]
    assert "decimal comma" in seen["summary"] and "DD/MM/YYYY" in seen["summary"]
    assert seen["rejected"] == ["'n/a' is not a number"]
    assert seen["stored"] == ["0.5", "1.5", "2.5"]
    assert seen["heading"] and seen["heading"][0].startswith("41 rows (a long file")
    mid = window.workspace.metrics.resolve("long history")
    obs = window.workspace.metrics.observations(mid)
    assert len(obs) == 40 and obs[-1].value == 39.5


def test_cancelling_a_long_import_writes_nothing(qtbot, window, when_modal, tmp_path,
                                                 monkeypatch):
    import time

    import thesis_desk.core.tabular as tabular

    f = _long_file(tmp_path, monkeypatch)
    person = _metrics_area(qtbot, window)
    seen = {}

    def drive(dlg) -> None:  # noqa: ANN001
        person.wait_for(lambda: "will be imported" in dlg.summary.text())
        real = tabular.plan_observations

        def slow(*a, **kw):  # each chunk takes a moment: the import lasts seconds
            time.sleep(0.3)
            return real(*a, **kw)

        monkeypatch.setattr(tabular, "plan_observations", slow)
        person.click("Import", within=dlg)
        person.wait_for(lambda: any(w.isVisible() for w in QApplication.topLevelWidgets()
                                    if w.inherits("QProgressDialog")), 5000)
        progress = next(w for w in QApplication.topLevelWidgets()
                        if w.inherits("QProgressDialog") and w.isVisible())
        person.click("Cancel", within=progress)
        person.wait_for(lambda: "cancelled" in dlg.error.text(), 10_000)
        seen["error"] = dlg.error.text()
        seen["import enabled"] = dlg.import_btn.isEnabled()
        person.click("Cancel", within=dlg)

    _import(qtbot, person, when_modal, f, drive)
    assert seen["error"] == "The import was cancelled; nothing was written."
    assert seen["import enabled"]  # the person may try again
    assert window.workspace.metrics.list() == []


def test_an_excel_bomb_is_refused_with_its_reason(qtbot, window, when_modal, tmp_path):
    from tests.core.test_excel import _declare_rows, _workbook

    small = _workbook(tmp_path / "small.xlsx", [("2025-01-02", 1), ("2025-01-03", 2)])
    bomb = _declare_rows(small, tmp_path / "bomb.xlsx", "A1:B10000000")
    person = _metrics_area(qtbot, window)
    said = {}

    def warned(box) -> None:  # noqa: ANN001 - a warning, not the import dialog
        said["title"], said["text"] = box.windowTitle(), box.text()
        person.click("OK", within=box)

    def choose_file(dlg) -> None:  # noqa: ANN001
        when_modal(warned)
        person.pick_file(dlg, str(bomb))

    when_modal(choose_file)
    person.click("Import CSV/Excel…")
    qtbot.waitUntil(lambda: "text" in said and QApplication.activeModalWidget() is None,
                    timeout=10_000)
    assert said["title"] == "Cannot import bomb.xlsx"
    assert "declares 10,000,000 rows" in said["text"] and "nothing was read" in said["text"]
    assert "declares 10,000,000 rows" in window.statusBar().currentMessage()
    assert window.workspace.metrics.list() == []
