"""The Suggested tab as a person uses it: passages listed under each pillar, one filed
through the filled-in evidence form, another dismissed and not offered again."""

from __future__ import annotations

import sqlite3

from tests.ui.person import Person, field
from thesis_desk.core import demo
from thesis_desk.core.records import PillarInput, ThesisInput
from thesis_desk.ui.ops import wait_idle


def test_file_one_suggestion_and_dismiss_another(qtbot, window, when_modal):
    person = Person(qtbot)
    window.build_demo()
    wait_idle()
    baba = demo.THESES[0]
    ws = window.workspace
    t = ws.theses.create(ThesisInput("BABA rebuilt", claim=baba.thesis.claim, status="active"))
    for p in baba.pillars.values():
        ws.theses.add_pillar(t.id, PillarInput(p.kind, p.text))
    window.theses_view.reload(select_id=t.id)
    wait_idle()
    panel = window.theses_view.detail
    person.tab(panel.tabs, "Suggested")
    person.wait_for(lambda: panel.suggestions_tab is not None
                    and panel.suggestions_tab.tree.topLevelItemCount() == len(baba.pillars))
    tab = panel.suggestions_tab
    group = tab.tree.topLevelItem(0)
    assert group.text(0).startswith("Pillar: The market starts to value")
    first = group.child(0).data(0, 0x0100)  # Qt.UserRole: the Suggestion
    assert not tab.file_btn.isEnabled()
    # a passage suggested under several pillars says so when selected
    spans = [(g.document.id, g.start) for g in tab.items]
    shared = next(g for g in tab.items if spans.count((g.document.id, g.start)) > 1)
    person.row(tab.tree, " ".join(shared.passage.split())[:40])
    other = next(g.pillar_text for g in tab.items if g.pillar_id != shared.pillar_id
                 and (g.document.id, g.start) == (shared.document.id, shared.start))
    assert f"also for: {other}" in tab.detail.text() and shared.passage in tab.detail.text()
    person.row(tab.tree, " ".join(first.passage.split())[:40])
    seen = {}

    def fill(dlg) -> None:  # noqa: ANN001
        seen["quote"] = dlg.quote.toPlainText()
        seen["pillar"] = field(dlg, "Pillar").currentText()
        person.click("Save", within=dlg)

    when_modal(fill)
    person.click(tab.file_btn)
    person.settle()
    assert seen["quote"] == first.passage
    assert "The market starts to value" in seen["pillar"]
    [e] = ws.evidence.for_thesis(t.id)
    assert (e.document_id, e.start_offset, e.end_offset, e.pillar_id) == (
        first.document.id, first.start, first.end, first.pillar_id)
    person.wait_for(lambda: all(
        it.data(0, 0x0100).start != first.start
        for n in range(tab.tree.topLevelItemCount())
        for it in [tab.tree.topLevelItem(n).child(k)
                   for k in range(tab.tree.topLevelItem(n).childCount())]
        if tab.tree.topLevelItem(n).text(0).startswith("Pillar: The market")))
    # dismiss the next one for its pillar: gone now, and after a restart
    group = tab.tree.topLevelItem(0)
    second = group.child(0).data(0, 0x0100)
    person.row(tab.tree, " ".join(second.passage.split())[:40])
    person.click(tab.dismiss_btn)
    person.wait_for(lambda: tab.tree.topLevelItemCount() > 0 and all(
        tab.tree.topLevelItem(0).child(k).data(0, 0x0100).start != second.start
        for k in range(tab.tree.topLevelItem(0).childCount())))
    conn = sqlite3.connect(ws.paths.database)
    assert conn.execute("SELECT pillar_id, document_id, start_offset FROM "
                        "suggestion_dismissal").fetchall() == [
        (second.pillar_id, second.document.id, second.start)]
    conn.close()
