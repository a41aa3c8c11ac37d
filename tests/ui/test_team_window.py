"""The window on a team workspace (a PostgreSQL server): the same forms and views, the
server named in the status bar, nothing of a local file's backups offered, and another
analyst's write shown without a restart."""

from __future__ import annotations

import pytest

from tests.helpers import outside_write
from tests.ui.person import Person, field

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


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
        person.click("Save", within=dlg)

    when_modal(fill)
    person.menu(window, "File", "New Thesis…")
    [t] = ws.theses.list()
    assert t.title == "Tencent ads recover with mini-program commerce"
    # the author is the role the window connected as, shown with the thesis and its journal
    panel = window.theses_view.detail
    person.wait_for(lambda: "by td_admin" in panel.meta.text())
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
