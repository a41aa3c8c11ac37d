"""The window on a team workspace (a PostgreSQL server): the same forms and views, the
server named in the status bar, nothing of a local file's backups offered, and another
analyst's write shown without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import outside_write
from tests.ui.person import Person, field

@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_window_works_a_server_workspace_and_sees_another_analysts_write(
        qtbot, window, when_modal):
    person = Person(qtbot)
    ws = window.workspace
    assert ws.db.is_server
    window.session.start_watching()  # as the window does when it opens a workspace itself
    person.wait_for(lambda: window.db_label.text().startswith("postgresql+psycopg://td_admin@"))
    assert "team workspace" in window.windowTitle()
    assert not window.backups_action.isEnabled() and not window.check_action.isEnabled()

    def fill(dlg) -> None:  # noqa: ANN001
        person.type(field(dlg, "Title"), "Tencent ads recover with mini-program commerce")
        person.click(dlg.private)  # shown on a team workspace only
        person.click("Save", within=dlg)

    when_modal(fill)
    person.menu(window, "File", "New Thesis…")
    [t] = ws.theses.list()
    assert t.title == "Tencent ads recover with mini-program commerce"
    # the author is the role the window connected as, shown with the thesis and its journal
    panel = window.theses_view.detail
    person.wait_for(lambda: "by td_admin" in panel.meta.text())
    assert t.visibility == "private" and "PRIVATE" in panel.meta.text()
    assert not panel.journal.isColumnHidden(4)
    assert panel.journal.topLevelItem(0).text(4) == "td_admin"

    # another analyst, another connection: the server's notice brings it in at once
    # (the two-second poll stopped, so the notice alone can)
    window.session._watch.stop()
    outside_write(ws, "INSERT INTO thesis(title, claim, narrative, direction, status, "
                  "conviction, created_at, updated_at) VALUES (?, '', '', 'long', 'draft', 40, "
                  "?, ?)", ("Written by a colleague", t.created_at, t.created_at))
    view = window.theses_view
    person.wait_for(lambda: view.model.rowCount() == 2, timeout_ms=4000)
    person.row(view.table, "Written by a colleague")
    assert view.detail.title.text() == "Written by a colleague"

    # and another process: the command line of a colleague, writing to the same server
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "thesis_desk", "--database", ws.db.url,
                           "--data-dir", str(ws.paths.data_dir / "colleague"), "theses", "add",
                           "--title", "From a colleague's command line"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    person.wait_for(lambda: view.model.rowCount() == 3, timeout_ms=4000)


@pytest.mark.both_backends
def test_saving_over_a_colleagues_newer_edit_shows_it_and_keeps_both(qtbot, window,
                                                                      when_modal):
    """The form opened, a colleague raises the conviction, then this person saves a new
    title: refused with what changed; the form now shows the colleague's conviction with
    this person's title kept; saving again keeps both."""
    from thesis_desk.app import open_workspace
    from thesis_desk.core.records import ThesisInput

    person = Person(qtbot)
    ws = window.workspace
    t = ws.theses.create(ThesisInput("Pinduoduo's Temu margins turn", conviction=50))
    window.theses_view.reload(select_id=t.id)
    colleague = (open_workspace(paths=ws.paths, database=ws.db.url) if ws.db.is_server
                 else open_workspace(paths=ws.paths))
    seen = {}

    def edit(dlg) -> None:  # noqa: ANN001
        colleague.theses.update(t.id, ThesisInput(t.title, conviction=75),
                                reason="Temu's EU take rate up")
        person.type(field(dlg, "Title"), "Temu margins turn positive in 2027")
        person.click("Save", within=dlg)
        seen["error"] = dlg.general_error.text()
        seen["conviction"] = field(dlg, "Conviction").value()
        seen["title"] = field(dlg, "Title").text()
        person.click("Save", within=dlg)  # again, on the newer version

    when_modal(edit)
    try:
        person.click("Edit…", within=window.theses_view.detail)
    finally:
        colleague.close()
    assert "was changed" in seen["error"] and "conviction 50 -> 75" in seen["error"]
    assert (seen["conviction"], seen["title"]) == (75, "Temu margins turn positive in 2027")
    now = ws.theses.get(t.id)
    assert (now.title, now.conviction) == ("Temu margins turn positive in 2027", 75)


@pytest.mark.both_backends
def test_a_discussion_on_the_thesis_and_on_an_evidence_item(qtbot, window, when_modal):
    from thesis_desk.core.records import EvidenceInput, ThesisInput

    person = Person(qtbot)
    ws = window.workspace
    t = ws.theses.create(ThesisInput("NetEase games pipeline refills", status="active"))
    ws.evidence.add(EvidenceInput(t.id, "Three titles approved in October",
                                  source_text="NPPA list"))
    window.theses_view.reload()
    person.row(window.theses_view.table, "NetEase games pipeline")
    panel = window.theses_view.detail
    person.tab(panel.tabs, "Discussion")
    tab = panel.discussion
    assert not tab.post_btn.isEnabled()  # nothing typed yet
    person.type(tab.box, "Which of the three is the big one?")
    person.click(tab.post_btn)
    person.wait_for(lambda: tab.thread.topLevelItemCount() == 1)
    assert tab.box.toPlainText() == ""
    assert panel.tabs.tabText(5) == "Discussion (1)"

    # on one evidence item, from its row's menu
    person.tab(panel.tabs, "Evidence")

    def comment(dlg) -> None:  # noqa: ANN001
        person.type(field(dlg, "Comment"), "Approval is not launch: check the dates")
        person.click("Post Comment", within=dlg)

    when_modal(comment)
    person.context_menu(panel.evidence.tree, "Three titles", "Comment…")
    person.wait_for(lambda: tab.thread.topLevelItemCount() == 2)
    row = tab.thread.topLevelItem(1)
    assert row.text(2).startswith("“Three titles approved")
    assert row.text(3) == "Approval is not launch: check the dates"
    assert panel.tabs.currentWidget() is tab
    if ws.db.is_server:
        assert row.text(1) == "td_admin" and not tab.thread.isColumnHidden(1)
    else:
        assert tab.thread.isColumnHidden(1)  # a local workspace has one author
    assert [c.body for c in ws.comments.for_thesis(t.id)] == [
        "Which of the three is the big one?", "Approval is not launch: check the dates"]


def test_the_window_moves_to_a_team_workspace_and_back_and_remembers_it(
        qtbot, window, when_modal, pg_url, monkeypatch):
    """File > Open Team Workspace…: the server's URL typed, the window reopens on it;
    the same dialog goes back to this machine's workspace; the URL is remembered."""
    from thesis_desk.app import open_workspace
    from thesis_desk.core.records import ThesisInput

    monkeypatch.delenv("THESIS_DESK_DATABASE", raising=False)  # the window starts local
    person = Person(qtbot)
    local = window.workspace
    local.theses.create(ThesisInput("Kept on this machine"))
    server = open_workspace(paths=local.paths, database=pg_url)
    server.theses.create(ThesisInput("On the team server"))
    server.close()
    window.theses_view.reload()
    person.wait_for(lambda: window.theses_view.model.rowCount() == 1)

    def to_server(dlg) -> None:  # noqa: ANN001
        person.type(field(dlg, "Server URL"), pg_url)
        person.click("Open", within=dlg)

    when_modal(to_server)
    person.menu(window, "File", "Open Team Workspace…")
    person.wait_for(lambda: window.workspace is not None and window.workspace.db.is_server)
    view = window.theses_view
    person.wait_for(lambda: [view.model.thesis(0).title] == ["On the team server"])
    assert window.db_label.text().startswith("postgresql+psycopg://td_admin@127.0.0.1")
    assert not window.backups_action.isEnabled()

    seen = {}

    def back(dlg) -> None:  # noqa: ANN001
        seen["recent"] = [field(dlg, "Server URL").itemText(i)
                          for i in range(field(dlg, "Server URL").count())]
        person.click("Use This Machine's Workspace", within=dlg)

    when_modal(back)
    person.menu(window, "File", "Open Team Workspace…")
    person.wait_for(lambda: window.workspace is not None and not window.workspace.db.is_server)
    person.wait_for(lambda: [view.model.thesis(0).title] == ["Kept on this machine"])
    assert seen["recent"] == [pg_url]  # remembered (it has no password to leave out)
    assert window.backups_action.isEnabled()


def test_a_remembered_server_url_never_keeps_its_password():
    from thesis_desk.core.urls import with_password, without_password

    url = "postgresql+psycopg://alice:s3cr%40t@db.example.com:5433/research"
    assert without_password(url) == "postgresql+psycopg://alice@db.example.com:5433/research"
    assert with_password(without_password(url), "s3cr@t").startswith(
        "postgresql+psycopg://alice:s3cr%40t@db.example.com")


@pytest.mark.both_backends
def test_open_original_hands_the_imported_file_to_the_desktop(qtbot, window, tmp_path,
                                                              monkeypatch):
    from PySide6.QtGui import QDesktopServices

    person = Person(qtbot)
    src = tmp_path / "Jefferies note.txt"
    src.write_bytes(b"Jefferies: China catching up with US in AI spending.\n")
    window.workspace.library.import_files([src])
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    person.row(window.sidebar, "Library")  # built now, it lists what the library holds
    person.row(window.library_view.table, "Jefferies")
    person.click("Open Original", within=window.library_view.reader)
    [url] = opened
    assert Path(url.toLocalFile()).read_bytes() == src.read_bytes()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_readers_window_reads_everything_and_offers_no_edit(qtbot, workspace, pg_url):
    from thesis_desk.app import open_workspace
    from thesis_desk.core import team
    from thesis_desk.core.records import ThesisInput
    from thesis_desk.ui.main_window import MainWindow

    team.init(workspace.db)
    name = f"reader_{id(workspace) % 100000}"
    team.add_user(workspace.db, name, "reader")
    workspace.theses.create(ThesisInput("Visible to the PM", status="active"))
    reader = open_workspace(paths=workspace.paths,
                            database=pg_url.replace("td_admin@", f"{name}@"))
    win = MainWindow(workspace.paths)
    qtbot.addWidget(win)
    win.set_workspace(reader)
    win.show()
    qtbot.waitExposed(win)
    person = Person(qtbot)
    try:
        person.wait_for(lambda: win.theses_view.model.rowCount() == 1)
        assert "[reader: read-only]" in win.db_label.text()
        assert not win.new_action.isEnabled() and not win.edit_action.isEnabled()
        assert win.export_action.isEnabled()  # a PM exports the memo
    finally:
        win.close()
        reader.close()
