"""PDFs through PDFium: clean words, lines in order, hyphens joined, running headers left
out; boxes and hit tests for the page view; the re-extraction migration (0017)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import database_at_revision, minimal_pdf, qt_pdf
from thesis_desk.core import pdf
from thesis_desk.core.db import open_database
from thesis_desk.core.extract import extract, is_generator_title
from thesis_desk.paths import DB_FILENAME

PARAS = ("<h1>Alibaba: capex allocation</h1>"
         "<p>The cloud intelligence group grew revenue by 26% while capital expenditure "
         "reached a record level, which management described as disciplined.</p>"
         "<p>Free cash flow fell for a third quarter; the buy-back slowed.</p>")


def test_a_qt_written_pdf_reads_as_words_with_spaces_and_its_heading_as_title(qapp, tmp_path):
    data = qt_pdf(tmp_path / "memo.pdf", PARAS, title="Enscript Output")
    doc = extract(tmp_path / "memo.pdf", data)
    assert "\t" not in doc.text
    assert "The cloud intelligence group grew revenue by 26% while capital" in doc.text
    # a paragraph's end is a blank line, its wrapped lines single breaks
    assert "\n\nFree cash flow fell for a third quarter; the buy-back slowed." in doc.text
    assert doc.title == "Alibaba: capex allocation"  # not the generator's "Enscript Output"
    assert doc.page_offsets == [0]


def test_pypdf_read_the_same_pdf_with_tabs(qapp, tmp_path):
    """Why PDFium: the reader before it put a tab between every word of such a PDF."""
    from pypdf import PdfReader

    data = qt_pdf(tmp_path / "memo.pdf", PARAS)
    old = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "\t" in old


def test_a_word_hyphenated_at_a_line_end_is_joined_and_a_real_hyphen_kept(tmp_path):
    data = minimal_pdf(["Capital expenditure was disci-\nplined this quarter.\n"
                        "A well-known buy-back\nprogramme continued."])
    text = pdf.extract_text(data).text
    assert "disciplined this quarter." in text
    assert "well-known buy-back" in text


def test_a_running_header_and_page_numbers_are_left_out_of_the_text(tmp_path):
    bodies = ["Capex rose again.", "Cloud margins held.", "Buy-backs slowed.", "Risks: rates."]
    pages = [f"ACME Research | Alibaba Group\n{body}\nPage {n} of 4"
             for n, body in enumerate(bodies, start=1)]
    got = pdf.extract_text(minimal_pdf(pages))
    assert "ACME Research" not in got.text and "of 4" not in got.text
    assert [p.text for p in got.pages] == bodies
    assert got.page_offsets == [0, 19, 40, 59]
    doc = extract(Path("n.pdf"), minimal_pdf(pages))
    # named once each, not once a page
    assert doc.notes == ["Left out the running header/footer: “ACME Research | Alibaba "
                         "Group”; “Page 1 of 4”."]


def test_generator_titles_are_not_titles():
    for t in ("Microsoft Word - Q3 note.docx", "Enscript Output", "untitled", "Document1",
              "report_final.pdf", "  "):
        assert is_generator_title(t), t
    assert not is_generator_title("Alibaba: capex allocation")
    assert is_generator_title("note", Path("note.pdf"))


def test_a_quotes_boxes_and_a_click_on_the_page_agree_with_the_text(qapp, tmp_path):
    data = qt_pdf(tmp_path / "memo.pdf", PARAS)
    pages = pdf.PdfPages(data)
    try:
        start = pages.text.text.index("capital expenditure")
        end = start + len("capital expenditure")
        assert pages.page_of(start) == 0
        offsets, rects = pages.char_boxes(0)
        boxes = pdf.line_boxes(offsets, rects, start, end)
        assert len(boxes) == 1  # one line: one merged box
        box = boxes[0]
        assert box.right - box.left > 50
        # a point inside the box's first letter is that letter's offset
        got = pdf.nearest_char(offsets, rects, box.left + 1.5, (box.top + box.bottom) / 2)
        assert got == start
        assert pages.find("CAPITAL   expenditure") == [(start, end)]
        w, h, stride, pixels = pages.render(0, 1.0)
        assert (w, h) == (595, 842) and len(pixels) == stride * h
    finally:
        pages.close()


def test_a_password_protected_pdf_is_refused_by_name(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf(["secret"]))))
    writer.encrypt("pw")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(pdf.PdfRefused, match="password-protected"):
        pdf.extract_text(buf.getvalue(), "locked.pdf")


def _old_workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "originals" / "ab").mkdir(parents=True)
    path = ws / DB_FILENAME
    database_at_revision(path, "0016")
    return path


def _add_pdf(conn, doc_id: int, digest: str, text: str, data: bytes, ws: Path) -> None:  # noqa: ANN001
    rel = f"ab/{digest}.pdf"
    (ws / "originals" / rel).write_bytes(data)
    conn.execute(
        "INSERT INTO document(id, title, publisher, author, url, kind, sha256, text, "
        "text_sha256, page_offsets, original_name, original_path, size_bytes, imported_at) "
        "VALUES (?, 'Note', '', '', '', 'pdf', ?, ?, '', '[0]', 'n.pdf', ?, 1, '2026-01-01')",
        (doc_id, digest, text, rel))
    conn.execute("INSERT INTO document_fts(rowid, title, text) VALUES (?, 'Note', ?)",
                 (doc_id, text))


def test_the_upgrade_rereads_old_pdfs_and_places_every_quote(qapp, tmp_path):
    """0017: a PDF read by pypdf (tabs between words) is read again through PDFium, its
    quote placed in the new text; one whose quote cannot be placed keeps its old text
    and says why. No quote is dropped."""
    from pypdf import PdfReader

    path = _old_workspace(tmp_path)
    data = qt_pdf(tmp_path / "a.pdf", PARAS)
    old = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    quote_at = old.index("capital")
    old_quote = old[quote_at:old.index("record") + len("record level")]
    assert "\t" in old_quote
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO thesis(id, title, claim, narrative, direction, status, conviction,"
                 " created_at, updated_at) VALUES (1, 'T', '', '', 'long', 'draft', 50,"
                 " '2025-01-01', '2025-01-01')")
    _add_pdf(conn, 1, "a" * 64, old, data, path.parent)
    other = qt_pdf(tmp_path / "b.pdf", "<p>Another note entirely.</p>")
    _add_pdf(conn, 2, "b" * 64, "An old text with words PDFium will not find.", other,
             path.parent)
    for ev, doc, quote, start in ((1, 1, old_quote, quote_at),
                                  (2, 2, "words PDFium will not find", 23)):
        conn.execute("INSERT INTO evidence(id, thesis_id, document_id, quote, start_offset, "
                     "end_offset, page, stance, weight, note, source_text, created_at, "
                     "updated_at) VALUES (?, 1, ?, ?, ?, ?, 1, 'supports', 2, '', '', "
                     "'2026-01-01', '2026-01-01')",
                     (ev, doc, quote, start, start + len(quote)))
    conn.commit()
    conn.close()

    open_database(path, tmp_path / "backups").close()

    conn = sqlite3.connect(path)
    text, extractor, note = conn.execute(
        "SELECT text, extractor, extraction_note FROM document WHERE id = 1").fetchone()
    assert "\t" not in text and extractor == "pdfium" and "1 quote placed" in note
    quote, a, b, page = conn.execute(
        "SELECT quote, start_offset, end_offset, page FROM evidence WHERE id = 1").fetchone()
    assert text[a:b] == quote
    assert " ".join(quote.split()) == ("capital expenditure reached a record level")
    assert page == 1
    # the search index follows the new text
    assert conn.execute("SELECT rowid FROM document_fts WHERE document_fts MATCH "
                        "'\"capital expenditure\"'").fetchall() == [(1,)]
    text2, extractor2, note2 = conn.execute(
        "SELECT text, extractor, extraction_note FROM document WHERE id = 2").fetchone()
    assert text2 == "An old text with words PDFium will not find."  # kept: its quote stays true
    assert extractor2 == "pypdf" and "1 of 1 quotes" in note2 and "evidence 2" in note2
    assert conn.execute("SELECT quote FROM evidence WHERE id = 2").fetchone() == (
        "words PDFium will not find",)
    conn.close()


def test_an_open_page_view_never_holds_up_an_import_on_another_thread():
    """PDFium is called under one lock, taken per call: a document held open (the page
    view's) must not keep another thread (the importer) waiting."""
    import threading

    held = pdf.PdfPages(minimal_pdf(["Held open by the page view."]))
    done = threading.Event()
    got: list[str] = []

    def importer() -> None:
        got.append(pdf.extract_text(minimal_pdf(["Imported meanwhile."])).text)
        done.set()

    try:
        threading.Thread(target=importer, daemon=True).start()
        assert done.wait(10), "the import waited on the open document"
        assert got == ["Imported meanwhile."]
    finally:
        held.close()
