"""The page view as a person uses it: a PDF's page rendered beside its text, evidence
drawn on the page in its stance's colour, a passage dragged out on the page filed with
the evidence form, found words stepped through, the evidence list jumping to each."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.helpers import outside_write, qt_pdf
from tests.ui.person import Person, field
from thesis_desk.core.records import ThesisInput
from thesis_desk.ui.library_view import STANCE_COLOURS

PAGES = "".join(
    f"<h2>{heading}</h2>" + "".join(
        f"<p>Paragraph {n}.{k}: Alibaba's capital expenditure on AI data centres rose again "
        "while cloud revenue growth lagged, which the market treats as maintenance capex.</p>"
        + (f"<p>Free cash flow turned negative in period {n}.</p>" if k == 7 else "")
        for k in range(14))
    + "<p style='page-break-after: always'></p>"
    for n, heading in enumerate(("Cloud", "Capex", "Margins"), start=1))


def _pdf_in_library(person, window, when_modal, tmp_path):  # noqa: ANN001, ANN202
    """A Qt-written broker note imported as a person does: File > Import Documents…"""
    path = tmp_path / "broker-note.pdf"
    qt_pdf(path, "<h1>Alibaba: capex allocation</h1>" + PAGES, title="Enscript Output")
    when_modal(lambda dlg: person.pick_file(dlg, str(path)))
    person.menu(window, "File", "Import Documents…")
    person.wait_for(lambda: len(window.library_view.model.docs) == 1, 15000)  # listed
    [doc] = window.workspace.library.list()
    assert doc.title == "Alibaba: capex allocation"  # not "Enscript Output"
    return doc


def _open_page_view(person: Person, window, doc):  # noqa: ANN001, ANN202
    person.row(window.sidebar, "Library")
    lv = window.library_view
    person.row(lv.table, doc.title)
    person.tab(lv.reader.views, "Page")
    view = lv.reader.page_view
    person.wait_for(lambda: view.canvas.page is not None or "cannot" in view.status.text(), 15000)
    assert view.canvas.page is not None, view.status.text()
    return view


def test_the_page_is_shown_with_filed_evidence_drawn_on_it(qtbot, window, tmp_path, when_modal):
    person = Person(qtbot)
    doc = _pdf_in_library(person, window, when_modal, tmp_path)
    text = window.workspace.library.get(doc.id).text
    t = window.workspace.theses.create(ThesisInput("BABA capex", status="active"))
    quote = "Paragraph 1.2: Alibaba's capital expenditure"
    start = text.index(quote)
    view = _open_page_view(person, window, doc)
    assert view.canvas.highlights == []
    # filed by another program (the command line): the open page shows it once it arrives
    outside_write(window.workspace,
                  "INSERT INTO evidence(thesis_id, document_id, quote, start_offset, end_offset,"
                  " page, stance, weight, note, source_text, created_at, updated_at) VALUES "
                  "(?, ?, ?, ?, ?, 1, 'contradicts', 2, '', '', '2026-12-01', '2026-12-01')",
                  (t.id, doc.id, quote, start, start + len(quote)))
    window.session.poll()  # what the window's 2-second timer does
    person.wait_for(lambda: len(view.canvas.highlights) == 1, 10000)
    assert view.page_of.text() == f"of {doc.pages}" and doc.pages >= 3
    assert not view.canvas.page.image.isNull() and view.canvas.width() > 300
    [(colour, rects)] = view.canvas.highlights
    assert colour == STANCE_COLOURS["contradicts"] and len(rects) == 1
    box = view.canvas.to_widget(rects[0])
    assert box.width() > 100 and 0 < box.top() < view.canvas.height() / 2
    # the side list names it and jumps to it
    assert "Contradicts · BABA capex" in view.evidence_list.item(0).text()
    person.click(view.next_btn)
    person.wait_for(lambda: view.index == 1 and view.canvas.page.index == 1)
    assert view.canvas.highlights == []  # not on page 2
    person.row(view.evidence_list, "BABA capex")
    person.wait_for(lambda: view.canvas.page.index == 0)
    assert view.canvas.selection == (start, start + len(quote))


def test_a_passage_dragged_out_on_the_page_is_filed_with_the_form(qtbot, window, tmp_path,
                                                                   when_modal):
    person = Person(qtbot)
    doc = _pdf_in_library(person, window, when_modal, tmp_path)
    t = window.workspace.theses.create(ThesisInput("BABA capex", status="active"))
    window.theses_view.reload(select_id=t.id)
    view = _open_page_view(person, window, doc)
    text = view.text
    passage = "Alibaba's capital expenditure on AI data centres rose again"
    a = text.index(passage, text.index("Paragraph 1.3"))
    b = a + len(passage)
    page = view.canvas.page
    first = page.rects[page.offsets.index(a)]
    last = page.rects[page.offsets.index(b - 1)]
    p0 = view.canvas.to_widget(first).center().toPoint()
    p1 = view.canvas.to_widget(last).center().toPoint()
    assert not view.add_btn.isEnabled()
    QTest.mousePress(view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(p0.x() - 1, p0.y()))
    QTest.mouseMove(view.canvas, p1)
    QTest.mouseRelease(view.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       p1)
    assert view.selection() == (passage, a, b)
    seen = {}

    def fill(dlg) -> None:  # noqa: ANN001
        seen["quote"] = dlg.quote.toPlainText()
        person.choose(field(dlg, "Thesis"), "BABA capex")
        person.choose(field(dlg, "Stance"), "Contradicts")
        person.click("Save", within=dlg)

    when_modal(fill)
    person.click(view.add_btn)
    person.settle()
    assert seen["quote"] == passage
    [e] = window.workspace.evidence.for_thesis(t.id)
    assert (e.quote, e.start_offset, e.end_offset, e.page, e.stance) == (
        passage, a, b, 1, "contradicts")
    person.wait_for(lambda: len(view.canvas.highlights) == 1)


def test_find_marks_the_matches_and_steps_through_them_across_pages(qtbot, window, tmp_path,
                                                                   when_modal):
    person = Person(qtbot)
    doc = _pdf_in_library(person, window, when_modal, tmp_path)
    view = _open_page_view(person, window, doc)
    person.type(view.find, "free cash flow")
    assert view.hit_label.text() == "3 matches"
    for n in range(3):
        person.click(view.find_next)
        person.wait_for(lambda n=n: view.canvas.page.index == view.pages.page_of(
            view.hits[n][0]))
        assert view.hit_label.text() == f"{n + 1} of 3"
        colours = [c for c, _r in view.canvas.highlights]
        assert colours.count(view.canvas.highlights[0][0]) >= 1
    assert view.index >= 2  # the last section's end is on a later page
    person.click(view.zoom_in)
    person.wait_for(lambda: not view.fit_btn.isChecked() and view.canvas.page.scale
                    > 0 and view.zoom_label.text().endswith("%"))
