"""The Theses area as a person uses it: forms, reasons, journal, undo, archive."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from thesis_desk.core.theses import ThesisInput
from thesis_desk.ui.forms import PillarDialog, ThesisDialog
from thesis_desk.ui.main_window import MainWindow
from thesis_desk.ui.ops import wait_idle


def click_save(qtbot, dlg) -> None:
    qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def click_button(box: QMessageBox, text: str) -> None:
    for b in box.buttons():
        if b.text().replace("&", "") == text:
            b.click()
            return
    raise AssertionError(f"no button {text!r} in {[b.text() for b in box.buttons()]}")


def make_thesis(window, title="Alibaba revaluation hinges on capex allocation", **kw):
    t = window.workspace.theses.create(ThesisInput(title=title, **kw))
    window.theses_view.reload(select_id=t.id)
    wait_idle()
    return t


def test_create_a_thesis_through_the_form(qtbot, window, when_modal):
    def fill(dlg: ThesisDialog) -> None:
        qtbot.keyClicks(dlg.title, "China AI valuation gap narrows as earnings catch up")
        dlg.claim.setText("Earnings growth closes the gap with US AI leaders.")
        dlg.instruments.setText("baba, 0700.hk")
        dlg.conviction.setValue(70)
        dlg.tags.setText("china, ai")
        dlg.narrative.setPlainText("# Why\n- capex up\n- models close the gap")
        assert not dlg.private.isVisible()
        click_save(qtbot, dlg)

    when_modal(fill)
    window.new_action.trigger()
    wait_idle()
    [t] = window.workspace.theses.list()
    assert t.visibility == "team"  # a local workspace offers no "private": one person
    assert (t.title, t.conviction, t.instruments) == (
        "China AI valuation gap narrows as earnings catch up", 70, ("0700.HK", "BABA"))
    view = window.theses_view
    assert view.proxy.rowCount() == 1
    assert view.detail.title.text() == t.title
    assert "capex up" in view.detail.narrative.toPlainText()
    wait_idle()  # the status bar's counts are read on a worker
    assert window.counts_label.text().startswith("1 thesis")


def test_empty_title_is_refused_beside_the_field(qtbot, window, when_modal):
    state = {}

    def fill(dlg: ThesisDialog) -> None:
        click_save(qtbot, dlg)
        state["visible"] = dlg.isVisible()
        state["error"] = dlg.errors["title"].text() if dlg.errors["title"].isVisible() else ""
        dlg.reject()

    when_modal(fill)
    window.new_action.trigger()
    wait_idle()
    assert state == {"visible": True, "error": "A thesis needs a title."}
    assert window.workspace.theses.list() == []


def test_conviction_change_asks_for_reason_and_shows_in_journal(qtbot, window, when_modal):
    t = make_thesis(window, conviction=50)
    state = {}

    def edit(dlg: ThesisDialog) -> None:
        dlg.conviction.setValue(80)
        click_save(qtbot, dlg)  # refused: no reason
        state["reason_error"] = dlg.errors["reason"].text()
        qtbot.keyClicks(dlg.reason, "Capex guidance raised twice")
        click_save(qtbot, dlg)

    when_modal(edit)
    window.edit_action.trigger()
    wait_idle()
    assert "why the conviction" in state["reason_error"]
    assert window.workspace.theses.get(t.id).conviction == 80
    row = window.theses_view.detail.journal.topLevelItem(0)
    assert [row.text(i) for i in (1, 2, 3)] == [
        "Conviction", "50 -> 80", "Capex guidance raised twice"]

    window.undo_action.trigger()  # Ctrl+Z
    assert window.workspace.theses.get(t.id).conviction == 50
    journal = window.workspace.theses.journal(t.id)
    assert (journal[0].old, journal[0].new, journal[0].reason) == (
        "80", "50", "Undo: Capex guidance raised twice")
    window.redo_action.trigger()
    wait_idle()
    assert window.workspace.theses.get(t.id).conviction == 80


def test_undo_create_removes_the_thesis_and_redo_brings_it_back(qtbot, window, when_modal):
    def fill(dlg: ThesisDialog) -> None:
        dlg.title.setText("Chinese big tech's structural discount persists")
        dlg.direction.setCurrentIndex(dlg.direction.findData("short"))
        click_save(qtbot, dlg)

    when_modal(fill)
    window.new_action.trigger()
    wait_idle()
    [t] = window.workspace.theses.list()
    window.undo_action.trigger()
    wait_idle()
    assert window.workspace.theses.list() == []
    assert window.theses_view.proxy.rowCount() == 0
    window.redo_action.trigger()
    wait_idle()
    [again] = window.workspace.theses.list()
    assert (again.id, again.direction) == (t.id, "short")


def test_archive_is_the_default_asks_first_and_undoes(qtbot, window, when_modal):
    t = make_thesis(window)
    when_modal(lambda box: click_button(box, "Archive"))
    window.archive_action.trigger()
    wait_idle()
    assert window.workspace.theses.get(t.id).archived
    assert window.theses_view.proxy.rowCount() == 0  # hidden unless View > Show Archived
    window.archived_action.trigger()
    wait_idle()
    assert window.theses_view.proxy.rowCount() == 1
    window.undo_action.trigger()
    wait_idle()
    assert not window.workspace.theses.get(t.id).archived


def test_cancelled_delete_keeps_everything(qtbot, window, when_modal):
    t = make_thesis(window)
    when_modal(lambda box: click_button(box, "Cancel"))
    window.archive_action.trigger()
    wait_idle()
    assert window.workspace.theses.get(t.id).archived is False


def test_delete_permanently_after_second_confirmation(qtbot, window, when_modal):
    t = make_thesis(window)
    when_modal(lambda box: click_button(box, "Delete Permanently…"))
    when_modal(lambda box: click_button(box, "Delete"))
    window.archive_action.trigger()
    wait_idle()
    assert window.workspace.theses.list() == []
    assert window.undo_stack.count() == 0


def test_pillar_state_change_needs_reason_and_undoes(qtbot, window, when_modal):
    t = make_thesis(window)

    def add(dlg: PillarDialog) -> None:
        dlg.kind.setCurrentIndex(dlg.kind.findData("kill"))
        dlg.text.setPlainText("Cloud capex exceeds 150% of cloud revenue")
        click_save(qtbot, dlg)

    when_modal(add)
    window.theses_view.detail.add_pillar_requested.emit()
    wait_idle()
    [p] = window.workspace.theses.get(t.id).pillars
    assert p.kind == "kill"

    def edit(dlg: PillarDialog) -> None:
        dlg.state.setCurrentIndex(dlg.state.findData("broken"))
        click_save(qtbot, dlg)
        assert dlg.errors["reason"].isVisible()
        dlg.reason.setText("Q3: 160%")
        click_save(qtbot, dlg)

    when_modal(edit)
    window.theses_view.detail.edit_pillar_requested.emit(p)
    wait_idle()
    assert window.workspace.theses.get(t.id).pillars[0].state == "broken"
    pillars = window.theses_view.detail.pillars
    assert pillars.topLevelItem(0).text(2) == "Broken"
    window.theses_view.detail.tabs.setCurrentIndex(1)
    row = window.theses_view.detail.journal.topLevelItem(0)
    assert (row.text(1), row.text(3)) == ("Pillar state", "Q3: 160%")
    window.undo_action.trigger()
    wait_idle()
    assert window.workspace.theses.get(t.id).pillars[0].state == "intact"


def test_markup_in_a_title_is_shown_as_characters(qtbot, window):
    hostile = "<b>Bold</b> & <img src=\"file:///etc/passwd\">"
    make_thesis(window, title=hostile, claim="<a href='x'>link</a>")
    d = window.theses_view.detail
    assert d.title.text() == hostile
    assert d.title.textFormat() == Qt.TextFormat.PlainText
    assert d.claim.textFormat() == Qt.TextFormat.PlainText
    idx = window.theses_view.proxy.index(0, 0)
    assert idx.data() == hostile


def test_filters_by_status_instrument_and_text(qtbot, window):
    svc = window.workspace.theses
    svc.create(ThesisInput(title="Alibaba capex", status="active", instruments=("BABA",)))
    svc.create(ThesisInput(title="Tencent cloud", status="draft", instruments=("0700.HK",)))
    svc.create(ThesisInput(title="Baidu autos", status="active", tags=("autos",)))
    view = window.theses_view
    view.reload()
    wait_idle()
    assert view.proxy.rowCount() == 3
    view.status_filter.setCurrentIndex(view.status_filter.findData("active"))
    assert view.proxy.rowCount() == 2
    view.instrument_filter.setCurrentIndex(view.instrument_filter.findData("BABA"))
    assert view.proxy.rowCount() == 1
    view.status_filter.setCurrentIndex(0)
    view.instrument_filter.setCurrentIndex(0)
    qtbot.keyClicks(view.search, "cloud")
    assert view.proxy.rowCount() == 1
    assert view.count_label.text() == "1 of 3 theses"


def test_window_geometry_is_remembered(qtbot, workspace):
    first = MainWindow(workspace.paths)
    qtbot.addWidget(first)
    first.resize(first.minimumSizeHint().width(), 520)  # the offscreen screen is small
    first.show()
    size = first.size()
    first.close()
    second = MainWindow(workspace.paths)
    qtbot.addWidget(second)
    assert second.height() == 520  # not the 800 px default
    # restoreGeometry keeps a window on its screen: the offscreen one is 800 px wide
    screen = second.screen().availableGeometry().width()
    assert abs(second.width() - min(size.width(), screen)) <= 4


def test_newer_database_gets_a_clear_dialog(qtbot, paths, when_modal):
    from thesis_desk.core.db import open_database

    open_database(paths.database, paths.backup_dir).close()
    conn = sqlite3.connect(paths.database)
    conn.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    conn.commit()
    conn.close()
    win = MainWindow(paths)
    qtbot.addWidget(win)
    seen = {}

    def read(box: QMessageBox) -> None:
        seen["text"] = box.text()
        box.accept()

    when_modal(read)
    assert win.open_workspace() is False
    assert "newer version of Thesis Desk" in seen["text"]
    assert win.workspace is None


def test_pillar_dialog_refuses_empty_statement(qtbot, window, when_modal):
    t = make_thesis(window)
    seen = {}

    def add(dlg: PillarDialog) -> None:
        click_save(qtbot, dlg)
        seen["error"] = dlg.errors["text"].text()
        dlg.reject()

    when_modal(add)
    window.theses_view.detail.add_pillar_requested.emit()
    wait_idle()
    assert "what must be true" in seen["error"].lower()
    assert window.workspace.theses.get(t.id).pillars == ()


def test_catalysts_and_risks_read_their_own_states(qtbot, window, when_modal):
    """A catalyst is Pending or Happened, a risk Dormant or Materialised: never "Intact"."""
    from tests.ui.person import Person, field

    make_thesis(window)
    person = Person(qtbot)

    def add(kind: str, text: str, state: str):  # noqa: ANN202
        def fill(dlg) -> None:  # noqa: ANN001
            person.choose(field(dlg, "Kind"), kind)
            states = field(dlg, "State")
            assert "Intact" not in [states.itemText(i) for i in range(states.count())]
            person.choose(states, state)
            person.type(field(dlg, "Statement"), text)
            person.click("Save", within=dlg)
        return fill

    pillars = window.theses_view.detail.pillars
    when_modal(add("Catalyst", "Q3 results on 20 February", "Pending"))
    person.click("Add…", within=pillars.parentWidget())
    when_modal(add("Risk", "Export controls cap compute", "Emerging"))
    person.click("Add…", within=pillars.parentWidget())
    rows = {pillars.topLevelItem(i).text(1): pillars.topLevelItem(i).text(2)
            for i in range(pillars.topLevelItemCount())}
    assert rows == {"Q3 results on 20 February": "Pending",
                    "Export controls cap compute": "Emerging"}


def test_building_the_demo_says_so_until_it_is_built(qtbot, window, monkeypatch):
    """The demo takes seconds on a slow machine; meanwhile the window shows an empty list,
    so the status bar says what is being built, then what was."""
    import threading

    from PySide6.QtCore import QTimer

    from tests.ui.person import Person
    from thesis_desk.core import demo

    started, release, seen = threading.Event(), threading.Event(), []
    real = demo.build_demo

    def slow(ws, seeds):  # noqa: ANN001, ANN202 - the real build, held until looked at
        started.set()
        release.wait(30)
        return real(ws, seeds)

    def look() -> None:  # in the window's event loop while the build runs
        if not started.is_set():
            QTimer.singleShot(20, look)
            return
        seen.append(window.statusBar().currentMessage())
        release.set()

    monkeypatch.setattr(demo, "build_demo", slow)
    QTimer.singleShot(20, look)
    Person(qtbot).menu(window, "File", "Build Demo Workspace")
    qtbot.waitUntil(lambda: window.theses_view.proxy.rowCount() == 3, timeout=30_000)
    assert seen and seen[0].startswith("Building the demo workspace from the five seed articles")
    assert window.statusBar().currentMessage().startswith("Demo workspace: 5 seed documents")


def test_the_thesis_menu_adds_evidence_and_a_pillar_to_the_thesis_shown(qtbot, window, when_modal):
    """Thesis > Add Evidence… and Add Pillar…: off until a thesis is shown, then each
    opens its form for that thesis and saves what a person types."""
    from tests.ui.person import Person, field

    person = Person(qtbot)
    assert not window.add_evidence_action.isEnabled()
    assert not window.add_pillar_action.isEnabled()
    window.workspace.theses.create(ThesisInput("Another thesis"))
    t = window.workspace.theses.create(ThesisInput("Tencent games licences"))
    window.theses_view.reload()  # as the window's watch does on another process's write
    wait_idle()
    person.row(window.theses_view.table, "Tencent games")

    def evidence(dlg) -> None:  # noqa: ANN001
        assert field(dlg, "Thesis").currentText() == "Tencent games licences"
        person.type(field(dlg, "Quote"), "Licences are back to the 2021 pace.")
        person.type(field(dlg, "Source"), "Earnings call, Q3")
        person.click("Save", within=dlg)

    when_modal(evidence)
    person.menu(window, "Thesis", "Add Evidence…")
    person.wait_for(lambda: len(window.workspace.evidence.for_thesis(t.id)) == 1)
    [e] = window.workspace.evidence.for_thesis(t.id)
    assert (e.quote, e.source) == ("Licences are back to the 2021 pace.", "Earnings call, Q3")

    def pillar(dlg) -> None:  # noqa: ANN001
        person.type(field(dlg, "Statement"), "Approvals keep coming monthly")
        person.click("Save", within=dlg)

    when_modal(pillar)
    person.menu(window, "Thesis", "Add Pillar…")
    person.wait_for(lambda: [p.text for p in window.workspace.theses.get(t.id).pillars]
                    == ["Approvals keep coming monthly"])
