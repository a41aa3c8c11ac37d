"""Research as it arrives: Word files, e-mail with a PDF attached, HTML bylines and
consent banners, each read into the library with the right title, author and publisher."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.helpers import minimal_pdf
from thesis_desk.core.extract import ImportRefused, extract
from thesis_desk.core.records import EvidenceInput, ThesisInput


def _docx(path: Path, *, title: str = "", author: str = "") -> Path:
    from docx import Document

    d = Document()
    d.core_properties.title = title
    d.core_properties.author = author
    d.add_heading("Alibaba: capex allocation", level=1)
    d.add_paragraph("Cloud revenue grew 26% as capital expenditure hit a record.")
    table = d.add_table(rows=2, cols=3)
    for r, cells in enumerate((("Quarter", "Capex", "FCF"), ("Q3", "38.6bn", "-21.8bn"))):
        for c, value in enumerate(cells):
            table.cell(r, c).text = value
    d.add_heading("Risks", level=2)
    d.add_paragraph("Free cash flow turned negative.")
    d.save(path)
    return path


def test_a_word_file_reads_as_paragraphs_headings_and_table_rows(tmp_path):
    path = _docx(tmp_path / "note.docx", title="Microsoft Word - note.docx",
                 author="Microsoft Office User")
    doc = extract(path, path.read_bytes())
    assert doc.kind == "docx"
    assert doc.title == "Alibaba: capex allocation"  # not the generator's title
    assert doc.author == ""  # a template's user is nobody's name
    assert doc.text.split("\n") == [
        "Alibaba: capex allocation", "",
        "Cloud revenue grew 26% as capital expenditure hit a record.", "",
        "Quarter | Capex | FCF", "Q3 | 38.6bn | -21.8bn", "",
        "Risks", "",
        "Free cash flow turned negative."]


def test_a_word_files_own_title_and_author_are_kept_when_real(tmp_path):
    path = _docx(tmp_path / "n.docx", title="Alibaba Q3 preview", author="Mei Lin Chow")
    doc = extract(path, path.read_bytes())
    assert (doc.title, doc.author) == ("Alibaba Q3 preview", "Mei Lin Chow")


def test_a_file_named_docx_that_is_not_one_is_refused_by_name(tmp_path):
    with pytest.raises(ImportRefused, match="old .doc must be saved as .docx"):
        extract(tmp_path / "old.docx", b"\xd0\xcf\x11\xe0 not a zip")


def mail_with_pdf(tmp_path: Path) -> Path:
    msg = EmailMessage()
    msg["Subject"] = "Alibaba: Q3 preview, capex the swing factor"
    msg["From"] = "Mei Lin Chow <mei.chow@research.asiamarkets.example>"
    msg["To"] = "desk@fund.example"
    msg["Date"] = "Mon, 30 Nov 2026 08:15:00 +0800"
    msg.set_content("Team,\n\nCapex guidance is the swing factor for the print.\n\nMei Lin")
    msg.add_attachment(minimal_pdf(["Alibaba Q3 preview: cloud margins widen."]),
                       maintype="application", subtype="pdf", filename="q3-preview.pdf")
    msg.add_attachment(b"\x89PNG\r\n\x1a\n....", maintype="image", subtype="png",
                       filename="chart.png")
    path = tmp_path / "preview.eml"
    path.write_bytes(bytes(msg))
    return path


def test_an_email_reads_subject_date_sender_domain_and_body(tmp_path):
    path = mail_with_pdf(tmp_path)
    doc = extract(path, path.read_bytes())
    assert doc.title == "Alibaba: Q3 preview, capex the swing factor"
    assert doc.published_on == dt.date(2026, 11, 30)
    assert doc.author == "Mei Lin Chow"
    assert doc.publisher == "asiamarkets.example"  # the domain, its mail host's prefix off
    assert doc.text == "Team,\n\nCapex guidance is the swing factor for the print.\n\nMei Lin"
    assert [name for name, _data in doc.attachments] == ["q3-preview.pdf", "chart.png"]


def test_an_emails_pdf_attachment_is_a_document_of_its_own_linked_and_cited(workspace, tmp_path):
    path = mail_with_pdf(tmp_path)
    result = workspace.library.import_file(path)
    assert result.status == "imported", result.message
    assert "With 1 attachment (q3-preview.pdf)" in result.message
    assert "chart.png" in result.message  # left out, and said so
    [att] = result.attachments
    assert att.status == "imported" and att.document.kind == "pdf"
    mail = workspace.library.get(result.document.id)
    assert [a.title for a in mail.attachments] == ["Alibaba Q3 preview: cloud margins widen."]
    pdf_doc = workspace.library.get(att.document.id)
    assert pdf_doc.parent is not None and pdf_doc.parent.id == result.document.id
    # the memo cites the attachment with the e-mail it came with
    t = workspace.theses.create(ThesisInput(title="BABA"))
    workspace.evidence.add(EvidenceInput(t.id, quote="cloud margins widen",
                                         document_id=att.document.id))
    memo = workspace.memos.build(t.id)
    [source] = memo.sources
    assert source.citation == (
        "Alibaba Q3 preview: cloud margins widen. (attached to the e-mail “Alibaba: Q3 "
        "preview, capex the swing factor”, Mei Lin Chow, 2026-11-30)")
    # deleting the e-mail leaves its attachment as a document of its own
    workspace.library.delete(result.document.id)
    assert workspace.library.get(att.document.id).parent is None


def test_a_byline_and_linked_data_fill_author_and_publisher_and_banners_go():
    html = """<html><head><title>Alibaba's capex - Asia Markets Daily</title></head><body>
    <div id="cookie-banner"><p>We use cookies to improve your experience.</p>
      <div><button>Accept all</button></div></div>
    <article><h1>Alibaba bets on AI capex</h1>
    <p>By Mei Lin Chow, Asia Markets Daily</p>
    <p>Alibaba raised its capital expenditure again.</p></article>
    <p>This site uses cookies. Manage consent</p></body></html>"""
    doc = extract(Path("a.html"), html.encode())
    assert doc.text.split("\n")[0] == "Alibaba bets on AI capex"
    assert "cookies" not in doc.text and "Accept all" not in doc.text
    assert (doc.author, doc.publisher) == ("Mei Lin Chow", "Asia Markets Daily")
    ld = """<html><head><script type="application/ld+json">{"@context": "https://schema.org",
    "@type": "NewsArticle", "headline": "Capex, again", "datePublished": "2026-11-02T08:00:00Z",
    "author": [{"@type": "Person", "name": "A. Lee"}], "publisher": {"@type":
    "Organization", "name": "Wire Co"}}</script></head><body><p>Text.</p></body></html>"""
    doc = extract(Path("b.html"), ld.encode())
    assert (doc.title, doc.author, doc.publisher, doc.published_on) == (
        "Capex, again", "A. Lee", "Wire Co", dt.date(2026, 11, 2))
    meta = ('<html><head><meta name="author" content="Jo Park"><meta property="og:site_name" '
            'content="Broker X"></head><body><p>Body.</p></body></html>')
    doc = extract(Path("c.html"), meta.encode())
    assert (doc.author, doc.publisher) == ("Jo Park", "Broker X")


def test_documents_show_and_pillars_add_on_the_command_line(workspace, tmp_path, capsys,
                                                           monkeypatch):
    import json

    from thesis_desk.cli import main

    monkeypatch.setenv("THESIS_DESK_DATA_DIR", str(workspace.paths.data_dir))
    mail = workspace.library.import_file(mail_with_pdf(tmp_path))
    att = mail.attachments[0].document
    t = workspace.theses.create(ThesisInput(title="BABA"))
    workspace.evidence.add(EvidenceInput(t.id, quote="cloud margins widen", document_id=att.id))
    assert main(["documents", "show", str(att.id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["attached_to"]["id"] == mail.document.id
    assert shown["text"] == "Alibaba Q3 preview: cloud margins widen."
    assert [e["quote"] for e in shown["evidence"]] == ["cloud margins widen"]
    assert main(["documents", "show", str(mail.document.id)]) == 0
    out = capsys.readouterr().out
    assert f"Attachment [{att.id}]" in out and "Publisher: asiamarkets.example" in out
    assert main(["pillars", "add", "BABA", "--text", "Q3 results on 2026-11-15",
                 "--kind", "catalyst", "--due", "2026-11-15", "--json"]) == 0
    p = json.loads(capsys.readouterr().out)
    assert (p["kind"], p["due_date"]) == ("catalyst", "2026-11-15")
    assert [x.text for x in workspace.theses.get(t.id).pillars] == ["Q3 results on 2026-11-15"]
    assert main(["pillars", "add", "BABA", "--text", " ", "--kind", "pillar"]) != 0
    assert "Say what must be true" in capsys.readouterr().err


def test_an_outlook_message_reads_like_an_email_with_its_attachment(workspace, tmp_path):
    from tests.helpers import outlook_msg

    path = tmp_path / "preview.msg"
    path.write_bytes(outlook_msg(
        subject="Alibaba: Q3 preview", sender_name="Mei Lin Chow",
        sender_email="mei.chow@research.asiamarkets.example",
        date_header="Mon, 30 Nov 2026 08:15:00 +0800",
        body="Team,\r\n\r\nCapex guidance is the swing factor.",
        attachments=[("q3-preview.pdf", minimal_pdf(["Alibaba Q3 preview: margins widen."]))]))
    result = workspace.library.import_file(path)
    assert result.status == "imported", result.message
    d = result.document
    assert (d.kind, d.title, d.author, d.publisher, d.published_on) == (
        "msg", "Alibaba: Q3 preview", "Mei Lin Chow", "asiamarkets.example",
        dt.date(2026, 11, 30))
    assert workspace.library.get(d.id).text == "Team,\n\nCapex guidance is the swing factor."
    [att] = result.attachments
    assert workspace.library.get(att.document.id).parent.id == d.id


def test_a_file_named_msg_that_is_not_one_is_refused_by_name(tmp_path):
    with pytest.raises(ImportRefused, match="broken.msg: this Outlook message cannot be read"):
        extract(tmp_path / "broken.msg", b"not an outlook file at all")
