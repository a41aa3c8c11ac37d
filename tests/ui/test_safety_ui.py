"""Data safety in the window: backups dialog and restore, a damaged workspace on open,
the read-only look, and the backup taken on close after changes."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QMessageBox

from thesis_desk.core.demo import build_demo
from thesis_desk.core.records import ThesisInput
from thesis_desk.resources import seeds_dir
from thesis_desk.ui.backups_dialog import BackupsDialog
from thesis_desk.ui.main_window import MainWindow
from thesis_desk.ui.ops import wait_idle


def _damage(db) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    raw = bytearray(db.read_bytes())
    raw[8192:24576] = b"\x07" * 16384
    db.write_bytes(bytes(raw))


def _click(label: str):
    def handler(box) -> None:
        assert isinstance(box, QMessageBox)
        button = next(b for b in box.buttons() if b.text() == label)
        button.click()
    return handler


def test_back_up_then_restore_from_the_window(qtbot, window, workspace, when_modal):
    build_demo(workspace, seeds_dir())
    window.refresh_views()
    wait_idle()
    window.back_up_now()
    qtbot.waitUntil(lambda: len(workspace.backups.list()) == 1, timeout=10_000)
    # and its result delivered: a late "Backed up to …" would be the last message shown
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=10_000)
    backup = workspace.backups.list()[0]
    gone = workspace.theses.list()[0]
    workspace.theses.delete(gone.id)
    window.refresh_views()
    wait_idle()
    assert window.theses_view.model.rowCount() == 2

    assert window.restore_backup(backup, ask=False)
    wait_idle()
    ws = window.workspace
    assert ws is not workspace and ws.theses.get(gone.id).title == gone.title
    assert window.theses_view.model.rowCount() == 3
    assert "Restored" in window.statusBar().currentMessage()

    seen = []

    def inspect(dlg) -> None:
        assert isinstance(dlg, BackupsDialog)
        seen.append([dlg.table.topLevelItem(i).text(1)
                     for i in range(dlg.table.topLevelItemCount())])
        dlg.reject()

    when_modal(inspect)
    window.show_backups()
    assert seen == [["Before a restore (kept)", "Manual (kept)"]]
    ws.close()


def test_damaged_workspace_offers_the_latest_good_backup(qtbot, paths, when_modal):
    from thesis_desk.app import open_workspace

    ws = open_workspace(paths=paths)
    build_demo(ws, seeds_dir())
    ws.backups.backup("manual")
    ws.close()
    _damage(paths.database)

    win = MainWindow(paths)
    qtbot.addWidget(win)
    when_modal(_click("Restore Latest Backup"))
    assert win.open_workspace()
    assert len(win.workspace.theses.list()) == 3 and not win.workspace.read_only
    assert any(p.name.startswith("damaged-") for p in paths.backup_dir.iterdir())
    win.close()


def test_damaged_workspace_can_be_looked_at_read_only(qtbot, paths, when_modal):
    from thesis_desk.app import open_workspace

    ws = open_workspace(paths=paths)
    ws.theses.create(ThesisInput(title="Still readable", claim="c"))
    ws.close()
    conn = sqlite3.connect(paths.database)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    # Damage a page no query of the thesis list needs: the free list's bookkeeping.
    raw = bytearray(paths.database.read_bytes())
    raw[32:36] = (10_000).to_bytes(4, "big")  # first free-list trunk page: out of range
    raw[36:40] = (5).to_bytes(4, "big")
    paths.database.write_bytes(bytes(raw))
    before = paths.database.read_bytes()

    win = MainWindow(paths)
    qtbot.addWidget(win)
    when_modal(_click("Open Read-Only"))
    assert win.open_workspace()
    assert win.workspace.read_only and "read-only" in win.windowTitle()
    assert not win.new_action.isEnabled() and not win.import_action.isEnabled()
    assert win.export_action.isEnabled()
    assert [t.title for t in win.workspace.theses.list()] == ["Still readable"]
    win.close()
    assert paths.database.read_bytes() == before  # looked at, never written


def test_closing_after_changes_takes_a_backup(qtbot, paths):
    from thesis_desk.app import open_workspace

    ws = open_workspace(paths=paths)
    win = MainWindow(paths)
    qtbot.addWidget(win)
    win.set_workspace(ws)
    win.close()  # nothing changed: no backup
    assert ws.backups.list() == []

    ws = open_workspace(paths=paths)
    win = MainWindow(paths)
    qtbot.addWidget(win)
    win.set_workspace(ws)
    ws.theses.create(ThesisInput(title="New today", claim="c"))
    win.close()
    backups = ws.backups.list()
    assert [b.reason for b in backups] == ["on-close"] and backups[0].theses == 1


def test_export_buttons_write_formula_safe_tables(qtbot, window, workspace, tmp_path):
    import pandas as pd

    build_demo(workspace, seeds_dir())
    window.refresh_views()
    wait_idle()
    thesis = workspace.theses.list()[0]
    window.open_thesis(thesis.id)
    wait_idle()
    out = window.theses_view.export_evidence(path=str(tmp_path / "ev.csv"))
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert len(back) == len(workspace.evidence.for_thesis(thesis.id))
    assert set(back["thesis"]) == {thesis.title}

    metric = workspace.metrics.list()[0]
    window._open_metric(metric.id)
    wait_idle()
    out = window.metrics_view.export_observations(path=str(tmp_path / "obs.xlsx"))
    frame = pd.read_excel(out, engine="openpyxl")
    assert len(frame) == len(workspace.metrics.observations(metric.id))
    assert "exported" in window.statusBar().currentMessage()


def test_missing_originals_are_reported_on_open_not_fatal(qtbot, paths):
    from thesis_desk.app import open_workspace

    ws = open_workspace(paths=paths)
    build_demo(ws, seeds_dir())
    ws.close()
    next(paths.originals_dir.rglob("*.txt")).unlink()
    win = MainWindow(paths)
    qtbot.addWidget(win)
    assert win.open_workspace()
    qtbot.waitUntil(lambda: bool(win.session.missing_originals), timeout=10_000)
    assert len(win.session.missing_originals) == 1
    assert "1 imported original file is missing" in win.statusBar().currentMessage()
    assert len(win.workspace.theses.list()) == 3
    win.close()


def test_delete_a_thesis_for_good_then_a_backup_from_the_backups_dialog(qtbot, window,
                                                                       when_modal):
    """Delete Permanently takes a before-delete backup first (the status bar names it);
    the Backups dialog lists it as kept, and deletes it only when asked."""
    from tests.ui.person import Person

    person = Person(qtbot)
    ws = window.workspace
    ws.theses.create(ThesisInput("Gone for good"))
    window.theses_view.reload()
    wait_idle()
    person.row(window.theses_view.table, "Gone for good")

    def choose_delete(box) -> None:  # noqa: ANN001
        when_modal(lambda again: person.click("Delete", within=again))
        person.click("Delete Permanently…", within=box)

    when_modal(choose_delete)
    person.click("Archive…", within=window.theses_view.detail)
    qtbot.waitUntil(lambda: ws.theses.list() == [])
    [kept] = ws.backups.list()
    assert kept.reason == "before-delete" and kept.theses == 1
    assert kept.name in window.statusBar().currentMessage()

    def dialog(dlg) -> None:  # noqa: ANN001
        assert dlg.table.topLevelItem(0).text(1) == "Before a permanent delete (kept)"
        person.row(dlg.table, "Before a permanent delete")
        when_modal(lambda box: person.click("Delete", within=box))
        person.click("Delete…", within=dlg)
        assert dlg.table.topLevelItemCount() == 0
        person.click("Close", within=dlg)

    when_modal(dialog)
    person.menu(window, "File", "Backups…")
    assert ws.backups.list() == []


def test_a_badly_damaged_workspace_looked_at_read_only_says_what_it_cannot_read(
        qtbot, paths, when_modal):
    """Pages of the library and evidence gone: every area still opens, what cannot be
    read is said in the status bar, nothing is raised and nothing is written."""
    from tests.ui.person import Person
    from thesis_desk.app import open_workspace

    ws = open_workspace(paths=paths)
    build_demo(ws, seeds_dir())
    ws.close()
    _damage(paths.database)
    before = paths.database.read_bytes()
    win = MainWindow(paths)
    qtbot.addWidget(win)
    when_modal(_click("Open Read-Only"))
    assert win.open_workspace()
    win.show()
    person = Person(qtbot)
    said = []
    win.statusBar().messageChanged.connect(lambda m: m and said.append(m))
    for area in ("Theses", "Library", "Metrics", "Alerts", "Portfolio", "Theses"):
        person.row(win.sidebar, area)
    assert any("damaged and cannot be read" in m for m in said) or \
        "damaged and cannot be read" in win.statusBar().currentMessage()
    win.close()
    assert paths.database.read_bytes() == before


def test_a_read_only_folder_is_reported_as_read_only_not_damaged(qtbot, paths, when_modal,
                                                                monkeypatch):
    import os

    from thesis_desk.core import db as dbmod

    real = os.access
    monkeypatch.setattr(dbmod.os, "access", lambda p, mode: False if mode == os.W_OK and str(
        p).startswith(str(paths.data_dir)) else real(p, mode))
    seen = {}

    def read(box) -> None:  # noqa: ANN001
        seen["title"], seen["text"] = box.windowTitle(), box.text()
        box.accept()

    when_modal(read)
    win = MainWindow(paths)
    qtbot.addWidget(win)
    assert not win.open_workspace()
    assert seen["title"] == "Cannot open workspace"
    assert "is read-only" in seen["text"] and "damaged" not in seen["text"].replace(
        "not known to be damaged", "")


def test_after_a_restore_the_chart_areas_read_the_reopened_workspace(qtbot, window, workspace):
    """The Metrics and Alerts areas, built before the restore, show the restored file,
    read through the reopened workspace's services (not the closed one's)."""
    from thesis_desk.core.records import MetricInput

    workspace.metrics.create(MetricInput("Kept metric"))
    window.back_up_now()
    qtbot.waitUntil(lambda: len(workspace.backups.list()) == 1, timeout=10_000)
    backup = workspace.backups.list()[0]
    workspace.metrics.create(MetricInput("Added after the backup"))
    window.sidebar.setCurrentRow(2)
    wait_idle()
    names = lambda: [window.metrics_view.list.item(i).text().split("\n")[0]  # noqa: E731
                     for i in range(window.metrics_view.list.count())]
    assert sorted(names()) == ["Added after the backup", "Kept metric"]
    window.sidebar.setCurrentRow(3)
    wait_idle()
    window.sidebar.setCurrentRow(2)
    assert window.restore_backup(backup, ask=False)
    wait_idle()
    assert names() == ["Kept metric"]
    assert window.workspace is not workspace
    assert window.metrics_view.metrics._target is window.workspace.metrics
    window.sidebar.setCurrentRow(3)  # the inbox reads the reopened file too
    wait_idle()
    assert window.alerts_view.empty.isVisible()
