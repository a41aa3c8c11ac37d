"""The memo as a reader outside the app gets it: the PDF read back with pypdf."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from thesis_desk.core.alerts import RuleInput
from thesis_desk.core.errors import UserError
from thesis_desk.core.metrics import MetricInput
from thesis_desk.core.records import EvidenceInput, ThesisInput
from thesis_desk.render.memo_pdf import export_memo
from thesis_desk.ui.ops import wait_idle


def pdf_text(path: Path) -> tuple[str, PdfReader]:
    reader = PdfReader(str(path))
    text = " ".join(page.extract_text() for page in reader.pages)
    return _flat(text), reader


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def image_widths(reader: PdfReader) -> list[int]:
    """Widths of the raster images on every page (charts), without decoding them."""
    widths = []
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                widths.append(int(obj["/Width"]))
    return widths


def _squash(text: str) -> str:
    """Without whitespace: a line may break after "P/" and come back as "P/ E"."""
    return re.sub(r"\s+", "", text)


def test_every_demo_memo_carries_its_title_quotes_citations_and_metrics(qapp, workspace, tmp_path):
    from thesis_desk.core.demo import build_demo
    from thesis_desk.resources import seeds_dir

    build_demo(workspace, seeds_dir())
    for t in workspace.theses.list():
        out = tmp_path / f"memo-{t.id}.pdf"
        result = export_memo(workspace, t.id, out, author="A. Analyst", page_size="A4")
        text, reader = pdf_text(out)
        assert len(reader.pages) == result["pages"] >= 2
        assert _flat(t.title) in text
        assert reader.metadata.title.startswith(t.title)
        assert reader.metadata.author == "A. Analyst"
        evidence = workspace.evidence.for_thesis(t.id)
        assert evidence
        squashed = _squash(text)
        for e in evidence:
            assert _squash(e.quote) in squashed, e.quote[:60]
            assert _squash(e.document.citation()) in squashed
        for info, _ in workspace.metrics.for_thesis(t.id):
            assert info.name in text
        assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text
        width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
        assert round(width_mm) == 210  # A4


def test_charts_and_alerts_are_in_the_memo_and_letter_paper_is_honoured(qapp, workspace, tmp_path):
    ws = workspace
    t = ws.theses.create(ThesisInput("Capex discipline", claim="Capex falls."))
    m = ws.metrics.create(MetricInput("Capex ratio", unit="%"))
    ws.metrics.link(t.id, m.id, "down")
    ws.alerts.add_rule(RuleInput(m.id, "above", threshold=100))
    for n, v in enumerate([90, 95, 121, 99]):
        ws.metrics.observe(m.id, dt.date(2025, 1 + n, 1), v)
    out = tmp_path / "memo.pdf"
    export_memo(ws, t.id, out, page_size="Letter")
    text, reader = pdf_text(out)
    assert "Capex ratio above 100: 121" in text
    assert "latest 99 % on 2025-04-01; change -22 (-18.2%)" in text
    widths = image_widths(reader)
    assert len(widths) == 1 and widths[0] >= 1600  # one chart, at print resolution
    assert round(float(reader.pages[0].mediabox.width)) == 612  # US Letter, 8.5 in


def test_as_of_before_a_conviction_change_shows_the_old_conviction(qapp, workspace, tmp_path,
                                                                   monkeypatch):
    import thesis_desk.core.evidence as evidence_mod
    import thesis_desk.core.theses as theses_mod

    def at(day: dt.date) -> None:
        moment = dt.datetime.combine(day, dt.time(12))
        monkeypatch.setattr(theses_mod, "utcnow", lambda: moment)
        monkeypatch.setattr(evidence_mod, "utcnow", lambda: moment)

    today = dt.date.today()
    at(today - dt.timedelta(days=20))
    t = workspace.theses.create(ThesisInput("Old view", conviction=40, status="active"))
    at(today - dt.timedelta(days=5))
    data = workspace.theses.get(t.id).to_input()
    from dataclasses import replace

    workspace.theses.update(t.id, replace(data, conviction=75), reason="Capex guidance cut")
    workspace.evidence.add(EvidenceInput(t.id, "Late news that only came after.",
                                         source_text="Wire", observed_on=today))
    monkeypatch.undo()

    old = tmp_path / "old.pdf"
    export_memo(workspace, t.id, old, as_of=today - dt.timedelta(days=10))
    text, _ = pdf_text(old)
    assert "Conviction 40 / 100" in text
    assert "Point-in-time memo" in text
    assert "Late news" not in text
    now = tmp_path / "now.pdf"
    export_memo(workspace, t.id, now)
    text, _ = pdf_text(now)
    assert "Conviction 75 / 100" in text and "Late news that only came after." in text
    assert "Conviction: 40 → 75 Capex guidance cut" in text
    with pytest.raises(UserError, match="created on"):
        export_memo(workspace, t.id, tmp_path / "x.pdf", as_of=today - dt.timedelta(days=30))


HOSTILE = '<b>Bold</b> & <img src="file:///etc/passwd"> <a href="http://evil">x</a>'


def _page_at(pages: list[tuple[float, float]], y: float) -> int:
    """The page (of the memo's cuts, (top, bottom) each) that shows the point at ``y``."""
    return next(n for n, (top, bottom) in enumerate(pages) if top <= y < bottom)


def _headings_and_what_follows(doc, pages) -> list[tuple[str, int, int]]:  # noqa: ANN001
    """(heading text, page of the heading, page of the first line after it)."""
    layout = doc.documentLayout()
    out = []
    block = doc.begin()
    while block.isValid():
        nxt = block.next()
        if block.blockFormat().headingLevel() and nxt.isValid():
            top = layout.blockBoundingRect(block).top() + 1  # Qt rounds to 1/64 px
            below = layout.blockBoundingRect(nxt).top()  # lays the block out
            first = below + nxt.layout().lineAt(0).rect().bottom()
            out.append((block.text(), _page_at(pages, top), _page_at(pages, first - 1)))
        block = nxt
    return out


def test_no_heading_is_left_alone_at_the_foot_of_a_page(qapp, workspace, tmp_path):
    from PySide6.QtGui import QPdfWriter

    from thesis_desk.core.records import PillarInput
    from thesis_desk.render.memo_pdf import _layout

    t = workspace.theses.create(ThesisInput("Many pillars", claim="Headings everywhere."))
    pillars = [workspace.theses.add_pillar(t.id, PillarInput("pillar", f"Pillar number {i}"))
               for i in range(16)]
    for i in range(96):  # quotes of uneven length move the headings around the pages
        workspace.evidence.add(EvidenceInput(
            t.id, f"Quote {i}: " + "words that fill a line of the memo " * (1 + (i * 7) % 13),
            source_text="Analyst call", pillar_id=pillars[i % 16].id))
    memo = workspace.memos.build(t.id)
    writer = QPdfWriter(str(tmp_path / "layout.pdf"))
    writer.setResolution(300)
    doc, _band, pages = _layout(memo, {}, writer)
    pairs = _headings_and_what_follows(doc, pages)
    assert len(pairs) >= 16 and len(pages) >= 4
    stranded = [(text, page, then) for text, page, then in pairs if page != then]
    assert not stranded
    del writer


def test_hostile_text_prints_literally_in_pdf_and_markdown(qapp, workspace, tmp_path):
    t = workspace.theses.create(ThesisInput(HOSTILE, claim=HOSTILE,
                                            narrative=f"# {HOSTILE}\n\n![img](file:///etc/passwd)"))
    workspace.evidence.add(EvidenceInput(t.id, HOSTILE, note=HOSTILE, source_text=HOSTILE))
    out = tmp_path / "memo.pdf"
    export_memo(workspace, t.id, out)
    text, reader = pdf_text(out)
    assert text.count("<b>Bold</b> & <img src=\"file:///etc/passwd\">") >= 5
    assert "![img](file:///etc/passwd)" in text  # an image in the narrative is not loaded
    assert image_widths(reader) == []
    md = tmp_path / "memo.md"
    export_memo(workspace, t.id, md)
    body = md.read_text(encoding="utf-8")
    assert "\\<b>Bold\\</b> \\& \\<img" in body and "<b>" not in body.replace("\\<b>", "")


def test_a_failed_export_leaves_no_file_and_an_earlier_file_untouched(qapp, workspace, tmp_path,
                                                                      monkeypatch):
    import thesis_desk.render.memo_pdf as memo_pdf

    t = workspace.theses.create(ThesisInput("Fragile"))
    folder = tmp_path / "memos"
    folder.mkdir()
    out = folder / "memo.pdf"
    out.write_bytes(b"earlier memo")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(memo_pdf, "_draw_bands", boom)
    with pytest.raises(RuntimeError):
        export_memo(workspace, t.id, out)
    assert out.read_bytes() == b"earlier memo"
    new = folder / "new.pdf"
    with pytest.raises(RuntimeError):
        export_memo(workspace, t.id, new)
    assert not new.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["memo.pdf"]  # no temp left over
    with pytest.raises(UserError, match="does not exist"):
        export_memo(workspace, t.id, tmp_path / "missing" / "memo.pdf")


def test_export_from_the_window_runs_off_the_gui_thread(qtbot, window, tmp_path):
    window.build_demo()
    wait_idle()
    tid = window.workspace.theses.resolve("Alibaba revaluation hinges on capex allocation")
    window.theses_view.select(tid)
    wait_idle()
    out = tmp_path / "gui memo.pdf"
    window.export_memo(path=str(out))
    qtbot.waitUntil(lambda: "Memo saved" in window.statusBar().currentMessage(), timeout=20000)
    text, reader = pdf_text(out)
    assert "Alibaba revaluation hinges on capex allocation" in text
    md = tmp_path / "gui memo.md"
    window.export_memo(path=str(md))
    qtbot.waitUntil(md.exists, timeout=20000)
    assert md.read_text(encoding="utf-8").startswith("# Alibaba revaluation")


def test_preferences_dialog_sets_the_memo_author(qtbot, window, when_modal):
    from thesis_desk import preferences

    def fill(dlg):
        dlg.author.setText("Jo Analyst")
        dlg.page_size.setCurrentText("Letter")
        dlg.accept()

    when_modal(fill)
    window.edit_preferences()
    prefs = preferences.load(window.paths.config_dir)
    assert (prefs.author, prefs.page_size) == ("Jo Analyst", "Letter")


def test_memo_shows_positions_as_of_its_date(qapp, workspace, tmp_path):
    from thesis_desk.core.portfolio import PositionInput
    from thesis_desk.core.tabular import read_table

    prices = Path(__file__).parents[1] / "fixtures" / "prices_small.csv"
    pf = workspace.portfolio
    pf.import_prices(pf.plan_prices(read_table(prices), date_col="Date", price_col="Close",
                                    symbol_col="Symbol"))
    t = workspace.theses.create(ThesisInput("Long AAA"))
    pf.add(PositionInput(t.id, "AAA", dt.date(2025, 1, 2), 100.0, quantity=10,
                         currency="usd"))
    out = tmp_path / "memo.pdf"
    export_memo(workspace, t.id, out)
    text, _ = pdf_text(out)
    assert "Positions" in text
    assert "Currency" in text
    assert "AAA long 10 USD 100 (2025-01-02) 110 (2025-01-06) +10.0%" in text


def _pages_of(doc, pages, block) -> tuple[int, int]:  # noqa: ANN001
    """The pages a block's first and last lines are drawn on."""
    top = doc.documentLayout().blockBoundingRect(block).top()
    lines = block.layout()
    first = top + lines.lineAt(0).rect().top() + 1
    last = top + lines.lineAt(lines.lineCount() - 1).rect().bottom() - 1
    return _page_at(pages, first), _page_at(pages, last)


@pytest.mark.parametrize("narrative_lines", range(0, 48, 4))
def test_memo_pages_keep_quotes_with_citations_and_leave_no_page_empty(
        qapp, workspace, tmp_path, narrative_lines):
    """A thesis with a few pillars and one metric chart, its narrative grown so every
    block lands at some page's foot in one of the runs: no evidence item is split from
    its citation, the sources stay together, and no page is blank."""
    from PySide6.QtGui import QPdfWriter

    from thesis_desk.core.records import PillarInput
    from thesis_desk.render.memo_pdf import _layout, render_charts

    narrative = "\n\n".join(f"Paragraph {i}: the argument goes on for a line or so, as "
                            "analysts' narratives do." for i in range(narrative_lines))
    t = workspace.theses.create(ThesisInput("Few pillars, one chart", claim="A claim.",
                                            narrative=narrative))
    pillars = [workspace.theses.add_pillar(t.id, PillarInput(kind, f"{kind} statement {i}"))
               for i, kind in enumerate(("pillar", "pillar", "kill"))]
    for i in range(9):
        workspace.evidence.add(EvidenceInput(
            t.id, f"Quote {i}: " + "a sentence an analyst would underline " * (1 + i % 4),
            source_text=f"Broker note {i}", pillar_id=pillars[i % 3].id,
            note="why it matters" if i % 2 else ""))
    m = workspace.metrics.create(MetricInput(name="Cloud growth", unit="%"))
    for day, v in ((1, 18.0), (2, 26.0), (3, 34.0)):
        workspace.metrics.observe(m.id, dt.date(2025, day * 3, 28), v)
    workspace.metrics.link(t.id, m.id, "up")
    memo = workspace.memos.build(t.id)
    writer = QPdfWriter(str(tmp_path / "layout.pdf"))
    writer.setResolution(300)
    doc, _band, pages = _layout(memo, render_charts(memo), writer)
    used = set()
    block = doc.begin()
    while block.isValid():
        if block.layout().lineCount() and block.text().strip():
            first, last = _pages_of(doc, pages, block)
            used.update((first, last))
            if " · WEIGHT " in block.text().upper():  # an evidence item
                assert first == last, f"split across pages: {block.text()[:60]!r}"
            if block.text().startswith("[") and "Broker note" in block.text():
                pass  # a source row: checked through its table below
        block = block.next()
    assert used == set(range(len(pages))), "a page with nothing on it"
    sources = [f for f in doc.rootFrame().childFrames()][-1]
    rect = doc.documentLayout().frameBoundingRect(sources)
    assert _page_at(pages, rect.top() + 1) == _page_at(pages, rect.bottom() - 1)
    del writer


def test_no_line_is_cut_by_a_page_and_long_tables_break_between_rows(qapp, workspace, tmp_path):
    """A memo with a quote longer than a page, a journal table of 120 rows and quotes of
    every length: every line (in tables too) is drawn whole on one page, no page holds
    more than a page's height, and the journal runs over several pages."""
    from dataclasses import replace

    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    from thesis_desk.render.memo_pdf import _MARGINS_MM, PAGE_SIZES, _layout

    t = workspace.theses.create(ThesisInput("Long everything", claim="A claim."))
    workspace.evidence.add(EvidenceInput(t.id, "A very long quote. " * 600,
                                         source_text="Annual report"))
    for i in range(30):
        workspace.evidence.add(EvidenceInput(
            t.id, f"Quote {i}: " + "a line the analyst kept " * (1 + (i * 5) % 17),
            source_text=f"Note {i}"))
    for i in range(120):
        detail = workspace.theses.get(t.id)
        workspace.theses.update(t.id, replace(detail.to_input(),
                                              conviction=(detail.conviction + 3) % 100),
                                reason=f"Change {i}: " + "why it moved " * (i % 4))
    memo = workspace.memos.build(t.id)
    writer = QPdfWriter(str(tmp_path / "layout.pdf"))
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(PAGE_SIZES["A4"]), QPageLayout.Orientation.Portrait,
                                     _MARGINS_MM, QPageLayout.Unit.Millimeter))
    doc, band, pages = _layout(memo, {}, writer)
    page_h = writer.pageLayout().paintRectPixels(300).height() - 2 * band
    assert len(pages) >= 6
    assert all(bottom - top <= page_h + 1 for top, bottom in pages)
    layout = doc.documentLayout()
    cut, journal_pages = [], set()
    block = doc.begin()
    while block.isValid():
        top = layout.blockBoundingRect(block).top()
        lines = block.layout()
        for k in range(lines.lineCount()):
            r = lines.lineAt(k).rect()
            first, last = _page_at(pages, top + r.top() + 0.5), _page_at(pages, top + r.bottom() - 0.5)
            if first != last:
                cut.append(block.text()[:40])
            if block.text().startswith("Change "):
                journal_pages.add(first)
        block = block.next()
    assert not cut, f"lines cut by a page's end: {cut[:5]}"
    assert len(journal_pages) >= 2
    del writer


def test_export_the_memo_from_the_menu_as_a_person_does(qtbot, window, when_modal, tmp_path):
    """File > Export Memo…: options (paper, author), the save dialog, then the PDF read
    back: the thesis, its quotes and the author on US Letter."""
    from tests.ui.person import Person, field
    from thesis_desk import preferences

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    preferences.update(window.paths.config_dir, inbox_folder=str(inbox))
    person = Person(qtbot)
    person.menu(window, "File", "Build Demo Workspace")
    person.row(window.theses_view.table, "Alibaba revaluation")
    out = tmp_path / "Alibaba memo.pdf"

    since = dt.date.today() - dt.timedelta(days=1)

    def options(dlg) -> None:  # noqa: ANN001
        person.choose(field(dlg, "Paper"), "Letter")
        person.type(field(dlg, "Author"), "A. Analyst")
        person.date(field(dlg, "Changes since"), since.isoformat())
        when_modal(save_as)
        person.click("Choose File…", within=dlg)

    def save_as(dlg) -> None:  # noqa: ANN001
        person.pick_file(dlg, str(out))

    when_modal(options)
    person.menu(window, "File", "Export Memo…")
    qtbot.waitUntil(out.exists, timeout=20000)
    qtbot.waitUntil(lambda: "Memo saved" in window.statusBar().currentMessage(), timeout=20000)
    text, reader = pdf_text(out)
    assert "Alibaba revaluation hinges on capex allocation" in text
    assert "A. Analyst" in text and "Demo thesis" in text
    assert _squash("price-to-earnings (P/E) ratio was hovering") in _squash(text)
    # page one leads with the verdict and what changed since the day chosen
    first = _flat(reader.pages[0].extract_text())
    assert "Verdict" in first and "Evidence balance by pillar" in first
    assert "conviction 60 / 100, unchanged since" in first
    assert "Kill criteria" in first and "no rule watches it: judged by hand" in first
    assert f"What changed since {since:%Y-%m-%d} (the date chosen)" in first
    assert "Evidence (supports)" in first  # the demo's evidence, filed today
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (612, 792)  # US Letter, in points
    # the export remembered its folder, paper and author and kept the other preferences
    prefs = preferences.load(window.paths.config_dir)
    assert (prefs.memo_folder, prefs.page_size, prefs.inbox_folder) == (
        str(tmp_path), "Letter", str(inbox))


def test_markdown_memo_lets_no_link_image_or_tag_through(qapp, workspace, tmp_path):
    """An imported page's og:url, a symbol, a narrative's javascript:/file: links and
    remote images: in the Markdown memo all are inert text; only http(s)/mailto links stay."""
    src = tmp_path / "page.html"
    src.write_text('<html><head><title>Page</title><meta property="og:url" content="'
                   'javascript:alert(1)&quot;&gt;&lt;img src=file:///etc/passwd onerror=x&gt;">'
                   "</head><body><p>Evidence sentence here.</p></body></html>",
                   encoding="utf-8")
    [r] = workspace.library.import_files([src])
    doc = r.document
    assert doc.url == ""  # a page's og:url that is no web address is not kept
    t = workspace.theses.create(ThesisInput(
        "Links", instruments=("<B>",),
        narrative="[ok](https://example.com) [bad](javascript:alert(1)) "
                  "[file](file:///etc/passwd)\n\n![remote](https://evil.example/p.png)\n\n"
                  "[ref]: javascript:alert(2)\n\n<script>x</script>"))
    workspace.evidence.add(EvidenceInput(t.id, "Evidence sentence here.", document_id=doc.id))
    md = tmp_path / "memo.md"
    export_memo(workspace, t.id, md)
    body = md.read_text(encoding="utf-8")
    assert "[ok](https://example.com)" in body  # a web link stays a link
    for live in ("](javascript:", "](file:", "![remote]", "<javascript:", "<img", "<script",
                 "<B>", "\n[ref]: javascript"):
        # live only where no backslash stands before it (a backslash makes it text)
        assert not re.search(r"(?<!\\)" + re.escape(live), body), live
    assert "image: remote" in body  # the image is named, not loaded
    assert "javascript:alert" in body.replace("\\", "")  # shown as characters
