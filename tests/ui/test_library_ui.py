"""The Library and the evidence form as a person uses them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from tests.ui.person import Person
from thesis_desk.core.records import ThesisInput
from thesis_desk.ui.forms import EvidenceDialog
from thesis_desk.ui.library_view import py_to_qt, qt_to_py
from thesis_desk.ui.ops import wait_idle

PASSAGE = ("Jefferies noted that Chinese firms have already surpassed US peers in the ratio "
           "of cloud-related investment to cloud revenue, at 121% in the June quarter versus "
           "94% for US companies.")


def select_passage(window, passage: str) -> tuple[int, int]:
    reader = window.library_view.reader
    start = reader.text.index(passage)
    cur = reader.reader.textCursor()
    cur.setPosition(py_to_qt(reader.text, start))
    cur.setPosition(py_to_qt(reader.text, start + len(passage)), QTextCursor.MoveMode.KeepAnchor)
    reader.reader.setTextCursor(cur)
    return start, start + len(passage)


def open_seed(window, title_start: str) -> None:
    lv = window.library_view
    row = next(n for n, d in enumerate(lv.model.docs) if d.title.startswith(title_start))
    lv.table.selectRow(row)


@pytest.mark.parametrize("helper_process", [False, True], ids=["inline", "helper-process"])
def test_import_runs_in_the_background_and_lists_the_document(qtbot, window, tmp_path,
                                                             monkeypatch, helper_process):
    from thesis_desk.core import library as lib

    monkeypatch.setattr(lib, "PROCESS_MIN_FILES", 1 if helper_process else 10_000)
    good = tmp_path / "note.md"
    good.write_text("# Capex note\nAlibaba capex rose.")
    bad = tmp_path / "bin.txt"
    bad.write_bytes(bytes(range(256)) * 8)
    messages = []
    window._error = lambda title, text, **kw: messages.append(text)  # the summary dialog
    window.run_import([str(good), str(bad)])
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert window.workspace.library.count() == 1
    assert [d.title for d in window.library_view.model.docs] == ["Capex note"]
    assert "bin.txt" in messages[0] and "binary" in messages[0]
    assert window.library_view.reader.doc.title == "Capex note"


def test_select_a_passage_file_it_and_see_it_highlighted(qtbot, window, when_modal):
    window.build_demo()
    wait_idle()
    window.sidebar.setCurrentRow(1)  # the Library re-reads when it is shown
    wait_idle()
    lv = window.library_view
    assert len(lv.model.docs) == 5
    open_seed(window, "China catching up")
    before = len(lv.reader.reader.extraSelections())
    start, end = select_passage(window, PASSAGE)
    assert lv.reader.add_btn.isEnabled()
    thesis = window.workspace.theses.resolve("China AI valuation gap narrows as earnings catch up")
    seen = {}

    def fill(dlg: EvidenceDialog) -> None:
        seen["quote"] = dlg.quote.toPlainText()
        seen["readonly"] = dlg.quote.isReadOnly()
        dlg.thesis.setCurrentIndex(dlg.thesis.findData(thesis))
        dlg.stance.setCurrentIndex(dlg.stance.findData("contradicts"))
        dlg.weight.setValue(3)
        dlg.note.setPlainText("Spending already outruns cloud revenue.")
        qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save),
                         Qt.MouseButton.LeftButton)

    when_modal(fill)
    lv.reader.add_action.trigger()  # Ctrl+Shift+E
    assert seen == {"quote": PASSAGE, "readonly": True}
    mine = [e for e in window.workspace.evidence.for_thesis(thesis) if e.weight == 3
            and e.stance == "contradicts" and e.note]
    assert len(mine) == 1
    e = mine[0]
    assert (e.start_offset, e.end_offset, e.quote) == (start, end, PASSAGE)
    assert e.observed_on is not None and e.observed_on.isoformat() == "2025-09-01"
    assert len(lv.reader.reader.extraSelections()) == before + 1

    # the thesis's Evidence tab lists it; Open Passage goes back to it in the reader
    window.sidebar.setCurrentRow(0)
    wait_idle()
    window.theses_view.select(thesis)
    wait_idle()
    tab = window.theses_view.detail.evidence
    assert any(it.note == "Spending already outruns cloud revenue." for it in tab.items)
    window.sidebar.setCurrentRow(0)
    wait_idle()
    window.theses_view.open_passage.emit(e)
    assert window.stack.currentWidget() is lv
    assert lv.reader.selection() == (PASSAGE, start, end)
    assert "Contradicts (weight 3)" in lv.reader.info.text()

    window.undo_action.trigger()

    wait_idle()
    assert all(x.id != e.id for x in window.workspace.evidence.for_thesis(thesis))


def test_evidence_tab_filters_and_balance(qtbot, window):
    window.build_demo()
    wait_idle()
    tid = window.workspace.theses.resolve("Alibaba revaluation hinges on capex allocation")
    window.theses_view.select(tid)
    wait_idle()
    tab = window.theses_view.detail.evidence
    assert tab.tree.topLevelItemCount() == 10
    assert tab.balance.text().startswith("For 11 · Against 9 · Context 2")
    tab.stance.setCurrentIndex(tab.stance.findData("contradicts"))
    assert {tab.tree.topLevelItem(i).text(0) for i in range(tab.tree.topLevelItemCount())} == {
        "contradicts"}
    assert window.theses_view.detail.tabs.tabText(1) == "Evidence (10)"


def test_delete_evidence_asks_and_undoes(qtbot, window, when_modal):
    window.build_demo()
    wait_idle()
    tid = window.workspace.theses.resolve("Chinese big tech's structural discount persists")
    window.theses_view.select(tid)
    wait_idle()
    tab = window.theses_view.detail.evidence
    first = tab.items[0]

    def press(box: QMessageBox) -> None:
        next(b for b in box.buttons() if b.text() == "Delete").click()

    when_modal(press)
    window.theses_view.delete_evidence(first)
    assert len(window.workspace.evidence.for_thesis(tid)) == 9
    window.undo_action.trigger()
    wait_idle()
    back = window.workspace.evidence.for_thesis(tid)
    assert len(back) == 10 and any(b.id == first.id for b in back)


def test_evidence_without_a_document_needs_a_source(qtbot, window, when_modal):
    t = window.workspace.theses.create(ThesisInput(title="Tencent games"))
    window.theses_view.reload(select_id=t.id)
    wait_idle()
    seen = {}

    def fill(dlg: EvidenceDialog) -> None:
        dlg.quote.setPlainText("Management said licences are back to normal.")
        qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save),
                         Qt.MouseButton.LeftButton)
        seen["error"] = dlg.errors["source_text"].text()
        dlg.source.setText("Earnings call, Q3")
        qtbot.mouseClick(dlg.buttons.button(QDialogButtonBox.StandardButton.Save),
                         Qt.MouseButton.LeftButton)

    when_modal(fill)
    window.theses_view.detail.evidence.add_requested.emit()
    assert "Say where the quote comes from" in seen["error"]
    [e] = window.workspace.evidence.for_thesis(t.id)
    assert e.source == "Earnings call, Q3"


def test_search_shows_escaped_highlighted_snippets(qtbot, window, tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("A <b>bold</b> claim\nThe capex <img src='file:///etc/passwd'> rose.")
    window.workspace.library.import_file(f)
    window.sidebar.setCurrentRow(1)  # built when first shown: it reads the library then
    wait_idle()
    lv = window.library_view
    qtbot.keyClicks(lv.search, "capex")
    qtbot.keyClick(lv.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: lv.count.text().startswith("1 match"), timeout=5000)  # off-thread
    assert len(lv.model.docs) == 1
    assert "<b>capex</b>" in lv.snippet.text()
    assert "&lt;img" in lv.snippet.text() and "<img" not in lv.snippet.text()
    assert lv.reader.title.text() == "A <b>bold</b> claim"
    assert lv.reader.title.textFormat() == Qt.TextFormat.PlainText


def test_a_search_with_more_matches_than_shown_says_so(qtbot, window, monkeypatch):
    import thesis_desk.ui.library_view as lib_mod

    monkeypatch.setattr(lib_mod, "SEARCH_LIMIT", 2)
    window.build_demo()  # five seed articles, every one mentioning capex
    wait_idle()
    window.sidebar.setCurrentRow(1)
    lv = window.library_view
    qtbot.keyClicks(lv.search, "capex")
    qtbot.keyClick(lv.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "matches for “capex”" in lv.count.text(), timeout=5000)
    assert lv.count.text().startswith("The best 2 matches for “capex”; more documents match")
    assert len(lv.model.docs) == 2


def test_offsets_survive_characters_outside_the_basic_plane():
    text = "Emoji 📈 then capex rose"
    i = text.index("capex")
    assert qt_to_py(text, py_to_qt(text, i)) == i
    assert py_to_qt(text, i) == i + 1


def test_date_range_filter(qtbot, window):
    import datetime as dt

    window.build_demo()

    wait_idle()
    window.sidebar.setCurrentRow(1)
    wait_idle()
    lv = window.library_view
    assert len(lv.model.docs) == 5
    lv.date_from.set_value(dt.date(2025, 8, 1))
    lv.date_to.set_value(dt.date(2025, 9, 30))
    assert [d.title for d in lv.model.docs] == [
        "China catching up with US in AI spending, Jefferies says"]
    lv.date_from.set_value(None)
    lv.date_to.set_value(None)
    assert len(lv.model.docs) == 5


def test_a_large_library_is_paged_not_loaded_whole(qtbot, window, monkeypatch):
    from thesis_desk.ui.library_view import DocumentTableModel

    monkeypatch.setattr(DocumentTableModel, "PAGE", 2)
    window.build_demo()
    wait_idle()
    library = window.workspace.library
    real, limits = library.list, []
    monkeypatch.setattr(library, "list", lambda **kw: limits.append(kw["limit"]) or real(**kw))
    Person(qtbot).row(window.sidebar, "Library")
    lv = window.library_view
    assert lv.count.text() == "5 documents"
    # read a page at a time, as the table asks for rows to fill its height, never whole
    assert limits and set(limits) == {2} and lv.model.rowCount() == min(5, 2 * len(limits))
    while lv.model.canFetchMore():
        lv.model.fetchMore()
    assert lv.model.rowCount() == 5
    assert lv.model.docs[0].title == "China catching up with US in AI spending, Jefferies says"
