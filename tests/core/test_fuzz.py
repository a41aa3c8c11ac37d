"""Hostile input, fuzzed with hypothesis: importers, the CSV/Excel importer, search and
the memo renderer take arbitrary text and bytes without an unhandled exception and
without a partial record. Example counts are fixed here (``max_examples``) so the
closing note can quote them; a failing example is kept in .hypothesis/ and replayed."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from thesis_desk.app import open_workspace
from thesis_desk.core.errors import UserError
from thesis_desk.core.extract import ImportRefused, extract
from thesis_desk.core.memo import esc, markdown_to_html, memo_html, memo_markdown
from thesis_desk.core.records import EvidenceInput, PillarInput, ThesisInput
from thesis_desk.core.tabular import read_table

FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Text that exercises the corners: markup, FTS syntax, control characters, surrogates
# are excluded (not encodable), everything else in Unicode is allowed.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=400)
MARKUPISH = st.lists(st.sampled_from(
    ["<b>", "</b>", "<img src=\"file:///etc/passwd\">", "<a href='x'>", "&amp;", "&", "*",
     "**", "_", "#", "- ", "1. ", "[x](javascript:alert(1))", "[y](http://ok)", "`", "\n",
     "\"", "'", "(", ")", ":", "-", "NEAR", "AND", "OR", "NOT", "^", "{", "}", "\\", " ",
     "capex", "é", "中文", "\x00", "\u202e"]), max_size=40).map("".join)
ANY_TEXT = st.one_of(TEXT, MARKUPISH)


@pytest.fixture(scope="module")
def fuzz_ws():
    with tempfile.TemporaryDirectory(prefix="thesis-desk-fuzz-") as folder:
        ws = open_workspace(folder)
        yield ws
        ws.close()


@pytest.fixture(scope="module")
def inputs():
    """Where the examples' files are written: one folder a module, removed after it
    (a folder an example left 4,000 of them in /tmp a day)."""
    with tempfile.TemporaryDirectory(prefix="thesis-desk-fuzz-inputs-") as folder:
        yield Path(folder)


def _documents(ws) -> int:
    return ws.library.count()


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".txt", ".md", ".html", ".pdf"]))
def test_extract_takes_any_bytes(data, suffix):
    path = Path(f"fuzz{suffix}")
    try:
        doc = extract(path, data)
    except ImportRefused as exc:
        assert "fuzz" in str(exc)  # the message names the file
    else:
        assert isinstance(doc.text, str) and doc.text.strip()


@FUZZ
@given(data=st.one_of(st.binary(max_size=2048),
                      ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))),
       suffix=st.sampled_from([".txt", ".md", ".html", ".pdf"]))
def test_import_is_whole_or_nothing(fuzz_ws, inputs, data, suffix):
    folder = Path(tempfile.mkdtemp(dir=inputs))
    f = folder / f"doc{suffix}"
    f.write_bytes(data)
    before = _documents(fuzz_ws)
    originals_before = {p for p in fuzz_ws.paths.originals_dir.rglob("*") if p.is_file()}
    result = fuzz_ws.library.import_file(f)
    after = _documents(fuzz_ws)
    originals_after = {p for p in fuzz_ws.paths.originals_dir.rglob("*") if p.is_file()}
    if result.status == "imported":
        assert after == before + 1
        got = fuzz_ws.library.get(result.document.id)
        assert got.text.strip()
    else:
        assert result.status in ("refused", "duplicate") and "doc" in result.message
        assert after == before and originals_after == originals_before
    assert not [p for p in originals_after if ".part" in p.name]


@FUZZ
@given(body=st.one_of(TEXT, st.lists(st.tuples(
    st.sampled_from(["2024-01-05", "05/01/2024", "2024-02-30", "", "x", "1e9", "2024-1-1"]),
    st.sampled_from(["1", "-2.5", "1,234.5", "12%", "$3", "(4)", "", "abc", "1e400", "nan",
                     "Total", "=1+1"])), max_size=30).map(
    lambda rows: "date,value\n" + "\n".join(f"{d},{v}" for d, v in rows))),
    raw=st.booleans())
def test_table_import_is_whole_or_nothing(fuzz_ws, inputs, body, raw):
    folder = Path(tempfile.mkdtemp(dir=inputs))
    f = folder / "data.csv"
    f.write_bytes(body.encode("utf-8") if not raw else body.encode("utf-8")[::-1])
    conn = sqlite3.connect(fuzz_ws.db.path)
    before = conn.execute("SELECT count(*) FROM observation").fetchone()[0]
    conn.close()
    try:
        df = read_table(f)
        cols = list(df.columns)
        assume(len(cols) >= 2)
        plan = fuzz_ws.metrics.plan_import(df, date_col=cols[0], value_col=cols[1],
                                           metric=f"Fuzz {hash(body) & 0xFFFF}")
        result = fuzz_ws.metrics.import_plan(plan)
    except UserError:
        imported = 0
    else:
        imported = int(result["imported"]) if "imported" in result else len(plan.rows)
    conn = sqlite3.connect(fuzz_ws.db.path)
    after = conn.execute("SELECT count(*) FROM observation").fetchone()[0]
    conn.close()
    assert after - before == imported


@FUZZ
@given(query=ANY_TEXT)
def test_search_never_raises(fuzz_ws, inputs, query):
    if fuzz_ws.library.count() == 0:
        folder = Path(tempfile.mkdtemp(dir=inputs))
        (folder / "a.txt").write_text("Capex allocation (AI) -- cloud: revenue \"growth\" *fast*")
        fuzz_ws.library.import_file(folder / "a.txt")
    hits = fuzz_ws.library.search(query)
    assert isinstance(hits, list)


@FUZZ
@given(text=ANY_TEXT)
def test_markdown_never_emits_markup_from_the_text(text):
    import re

    html = markdown_to_html(text)
    # Every tag in the output is one the converter makes; no link goes anywhere but the web.
    tags = {t.lower() for t in re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)", html)}
    assert tags <= {"p", "h3", "h4", "h5", "h6", "ul", "ol", "li", "i", "b", "code", "a",
                    "br", "blockquote"}
    for href in re.findall(r"<a [^>]*href=\"([^\"]*)\"", html):
        assert href.startswith(("http://", "https://", "mailto:")), href


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=ANY_TEXT, claim=ANY_TEXT, narrative=ANY_TEXT, quote=ANY_TEXT, note=ANY_TEXT,
       pillar=ANY_TEXT)
def test_memo_of_arbitrary_text_renders_and_escapes(fuzz_ws, title, claim, narrative, quote,
                                                     note, pillar):

    assume(title.strip() and quote.strip())
    try:
        t = fuzz_ws.theses.create(ThesisInput(title=title[:200], claim=claim,
                                              narrative=narrative))
        fuzz_ws.theses.add_pillar(t.id, PillarInput(kind="pillar", text=pillar or "p"))
        fuzz_ws.evidence.add(EvidenceInput(thesis_id=t.id, quote=quote, note=note,
                                           source_text="fuzz (synthetic)"))
    except UserError:
        return  # refused by validation, with a message: nothing to render
    memo = fuzz_ws.memos.build(t.id)
    html = memo_html(memo)
    md = memo_markdown(memo)
    assert "<img" not in html.lower().replace("&lt;img", "")
    assert esc(memo.title) in html
    quote = memo.evidence_groups[0].evidence[0].quote  # a paragraph per line of the quote
    assert all(esc(line.strip()) in html for line in quote.splitlines() if line.strip())
    assert isinstance(md, str) and md.startswith("# ")
