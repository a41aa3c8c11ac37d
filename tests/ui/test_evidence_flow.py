"""Adding evidence as a person does: the demo from the menu, a passage filed from the
reader through the form, then edited, deleted and brought back from the thesis's
Evidence tab. Every step goes through shown, enabled widgets (tests/ui/person.py)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QSpinBox

from tests.ui.person import NotReachable, Person, field

PASSAGE = ("The valuation of leading AI companies still has a significant comparative "
           "advantage relative to comparable companies in the United States.")
VIEWED = "China AI valuation gap narrows as earnings catch up"


def demo(person: Person, window, when_modal) -> None:  # noqa: ANN001
    person.menu(window, "File", "Build Demo Workspace")
    person.wait_for(lambda: window.theses_view.proxy.rowCount() == 3)


def evidence_rows(window, note: str) -> list:  # noqa: ANN001
    return [e for t in window.workspace.theses.list()
            for e in window.workspace.evidence.for_thesis(t.id) if e.note == note]


def test_file_edit_delete_and_undo_evidence_through_the_window(qtbot, window, when_modal,
                                                               tmp_path):
    person = Person(qtbot)
    demo(person, window, when_modal)
    tv = window.theses_view
    person.row(tv.table, VIEWED)
    assert tv.detail.title.text() == VIEWED

    # the Library: open the CITIC note, select a sentence, Add as Evidence…
    person.row(window.sidebar, "Library")
    lib = window.library_view
    person.row(lib.table, "CITIC Securities")
    person.select_text(lib.reader.reader, PASSAGE)
    seen = {}

    def fill(dlg) -> None:  # noqa: ANN001
        thesis = field(dlg, "Thesis")
        seen["thesis"] = thesis.currentText()  # the thesis being viewed, not the first
        person.choose(field(dlg, "Stance"), "Contradicts")
        person.type(field(dlg, "Note"), "Filed from the reader")
        person.click("Save", within=dlg)

    when_modal(fill)
    person.click(lib.reader.add_btn)
    assert seen["thesis"] == VIEWED
    [e] = evidence_rows(window, "Filed from the reader")
    assert (e.quote, e.stance, e.thesis_title) == (PASSAGE, "contradicts", VIEWED)

    # back to the thesis: the Evidence tab lists it; edit its weight through the form
    person.row(window.sidebar, "Theses")
    person.tab(tv.detail.tabs, "Evidence")
    tab = tv.detail.evidence
    person.row(tab.tree, PASSAGE[:40])

    def edit(dlg) -> None:  # noqa: ANN001
        weight: QSpinBox = field(dlg, "Weight")
        person.type(weight, "3")
        person.type(field(dlg, "Note"), "Weighed again")
        person.click("Save", within=dlg)

    when_modal(edit)
    person.click("Edit…", within=tab)
    [e] = evidence_rows(window, "Weighed again")
    assert e.weight == 3
    qtbot.waitUntil(lambda: any("Weighed again" in tab.tree.topLevelItem(i).toolTip(2)
                                for i in range(tab.tree.topLevelItemCount())))

    # export the thesis's evidence from the tab's own button, through the save dialog
    out = tmp_path / "evidence.csv"
    when_modal(lambda dlg: person.pick_file(dlg, str(out)))
    person.click("Export…", within=tab)
    qtbot.waitUntil(out.exists)
    exported = out.read_text(encoding="utf-8")
    assert "Weighed again" in exported and PASSAGE[:40] in exported

    # delete it from the row's context menu, confirming
    def yes(box: QMessageBox) -> None:
        person.click("Delete", within=box)

    when_modal(yes)
    person.context_menu(tab.tree, PASSAGE[:40], "Delete…")
    qtbot.waitUntil(lambda: not evidence_rows(window, "Weighed again"))

    # and bring it back with Edit > Undo
    person.menu(window, "Edit", window.undo_action.text())
    [back] = evidence_rows(window, "Weighed again")
    assert (back.quote, back.weight) == (PASSAGE, 3)
    qtbot.waitUntil(lambda: tab.tree.topLevelItemCount() == len(
        window.workspace.evidence.for_thesis(back.thesis_id)))


def test_the_helper_refuses_what_a_person_cannot_reach(qtbot, window):
    """A button left out of its layout, or disabled, cannot be clicked."""
    from PySide6.QtWidgets import QPushButton

    person = Person(qtbot, timeout_ms=100)
    stray = QPushButton("Stray")  # no parent, never shown: like a row left out of a layout
    with pytest.raises(NotReachable):
        person.click(stray)
    tab = window.theses_view.detail.evidence
    with pytest.raises(NotReachable):  # the thesis page is not shown with no thesis
        person.click(tab.edit_btn)
    stray.deleteLater()
