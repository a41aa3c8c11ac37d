"""Importing documents, their metadata, and full-text search."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.helpers import minimal_pdf
from thesis_desk.core.library import fts_query
from thesis_desk.core.models import Document
from thesis_desk.core.records import HIT_END, HIT_START, DocumentMeta

ARTICLE = ("China catching up with US in AI spending, Jefferies says\n\n"
           "Published 01/09/2025, 14:52\n© Reuters.\n\n"
           "The four leading Chinese firms spent about $45 billion in the past 12 months.\n")


def rows(ws) -> int:
    with ws.db.read() as s:
        return s.scalar(select(func.count()).select_from(Document))


def notes(folder, n: int) -> list:
    """n small distinct text files, 0.txt ... (n-1).txt."""
    files = []
    for i in range(n):
        files.append(folder / f"{i}.txt")
        files[-1].write_text(f"Note {i}\nbody {i}")
    return files


def test_text_import_guesses_metadata_and_keeps_the_original(workspace, tmp_path):
    f = tmp_path / "note.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    r = workspace.library.import_file(f)
    assert r.status == "imported"
    d = r.document
    assert d.title == "China catching up with US in AI spending, Jefferies says"
    assert d.published_on == dt.date(2025, 9, 1)  # day first
    assert d.publisher == "Reuters"
    original = workspace.library.original_path(d.id)
    assert original.read_bytes() == f.read_bytes()
    assert d.sha256 in original.name
    assert workspace.library.get(d.id).text == ARTICLE


def test_same_file_again_is_already_in_the_library(workspace, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE)
    workspace.library.import_file(f)
    copy = tmp_path / "b.txt"
    copy.write_bytes(f.read_bytes())
    r = workspace.library.import_file(copy)
    assert r.status == "duplicate" and "already in the library" in r.message
    assert rows(workspace) == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_text_encodings_are_read_correctly(workspace, tmp_path, encoding):
    body = "Café capex — “quoted” résumé\nSecond line €\n"
    f = tmp_path / f"doc-{encoding}.txt"
    f.write_bytes(body.encode(encoding))
    r = workspace.library.import_file(f)
    assert r.status == "imported", r.message
    assert workspace.library.get(r.document.id).text == body


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("blob.txt", bytes(range(256)) * 20, "binary"),
        ("empty.txt", b"   \n\n", "empty"),
        ("sheet.xlsx", b"PK\x03\x04", "not supported"),
        ("broken.pdf", b"%PDF-1.4\n garbage garbage", "cannot be read"),
        ("fake.pdf", b"hello, not a pdf", "not a PDF"),
    ],
)
def test_bad_files_are_refused_with_the_file_and_reason(workspace, tmp_path, name, data, reason):
    f = tmp_path / name
    f.write_bytes(data)
    r = workspace.library.import_file(f)
    assert r.status == "refused"
    assert name in r.message and reason in r.message
    assert rows(workspace) == 0
    assert not list(workspace.paths.originals_dir.rglob("*.*"))


def test_one_bad_file_does_not_lose_the_others(workspace, tmp_path):
    good1, bad, good2 = tmp_path / "1.txt", tmp_path / "2.txt", tmp_path / "3.md"
    good1.write_text("First note\nbody")
    bad.write_bytes(b"\x00\x01\x02" * 100)
    good2.write_text("# Second note\nbody")
    seen = []
    results = workspace.library.import_files([good1, bad, good2],
                                             progress=lambda n, t, name: seen.append((n, t)))
    assert [r.status for r in results] == ["imported", "refused", "imported"]
    assert results[2].document.title == "Second note"
    assert rows(workspace) == 2
    assert seen[-1] == (3, 3)


def test_cancel_stops_between_files(workspace, tmp_path):
    files = []
    for i in range(3):
        files.append(tmp_path / f"{i}.txt")
        files[-1].write_text(f"Note {i}")
    calls = []
    results = workspace.library.import_files(
        files, progress=lambda n, t, name: calls.append(n), cancelled=lambda: len(calls) >= 1)
    assert [r.status for r in results] == ["imported"]
    assert rows(workspace) == 1  # what was done before the cancel is kept


def test_html_drops_scripts_navigation_and_ad_lines(workspace, tmp_path):
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Site | Story</title><meta property='og:site_name' content='Wire'>"
        "<meta property='article:published_time' content='2025-02-03T08:00:00Z'>"
        "<style>p{color:red}</style><script>track()</script></head><body>"
        "<nav>Home News</nav><h1>Alibaba capex story</h1><p>Capex rose &amp; revenue too.</p>"
        "<p>Advertisement</p><p>Second paragraph.</p><footer>© footer</footer></body></html>")
    d = workspace.library.import_file(f).document
    text = workspace.library.get(d.id).text
    assert (d.title, d.publisher, d.published_on) == ("Alibaba capex story", "Wire",
                                                      dt.date(2025, 2, 3))
    assert "Capex rose & revenue too." in text and "Second paragraph." in text
    for gone in ("track()", "color:red", "Home News", "Advertisement", "footer"):
        assert gone not in text


def test_pdf_pages_are_kept_for_citations(workspace, tmp_path):
    f = tmp_path / "note.pdf"
    f.write_bytes(minimal_pdf(["Capex rose 57% on page one", "Cloud revenue on page two"]))
    r = workspace.library.import_file(f)
    assert r.status == "imported", r.message
    doc = workspace.library.get(r.document.id)
    assert doc.info.pages == 2 and doc.info.kind == "pdf"
    assert doc.text[doc.page_offsets[1]:].startswith("Cloud revenue on page two")


def test_metadata_edit_is_validated(workspace, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Some note")
    d = workspace.library.import_file(f).document
    from thesis_desk.core.errors import ValidationError

    with pytest.raises(ValidationError):
        workspace.library.update_meta(d.id, DocumentMeta(title=" "))
    got = workspace.library.update_meta(d.id, DocumentMeta(
        title="Renamed", publisher="Jefferies", published_on=dt.date(2025, 1, 2)))
    assert (got.title, got.publisher) == ("Renamed", "Jefferies")
    assert workspace.library.search("renamed")[0].document.id == d.id  # FTS follows edits


def test_search_ranks_highlights_and_filters(workspace, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("Capex note\nAlibaba capex capex capex on cloud.")
    b.write_text("Other note\nCloud growth, capex mentioned once.")
    ida = workspace.library.import_file(a).document.id
    idb = workspace.library.import_file(b).document.id
    workspace.library.update_meta(idb, DocumentMeta(title="Other note", publisher="Wire"))
    hits = workspace.library.search("capex cloud")
    assert [h.document.id for h in hits] == [ida, idb]
    assert f"{HIT_START}capex{HIT_END}" in hits[0].snippet.lower()
    assert [h.document.id for h in workspace.library.search("capex", publisher="Wire")] == [idb]


@pytest.mark.parametrize("query", ['"', "*", "-", ":", "()", 'capex" OR (', "NEAR(", "a:b -c*"])
def test_fts_syntax_characters_never_raise(workspace, query):
    assert isinstance(workspace.library.search(query), list)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_query_is_safe(workspace, query):
    workspace.library.search(query)
    assert fts_query(query).count('"') % 2 == 0


def test_a_failing_batch_is_reported_and_keeps_earlier_batches(workspace, tmp_path, monkeypatch):
    from thesis_desk.core import library as lib

    files = notes(tmp_path, 4)
    real = lib._record

    def flaky(w, item, meta):
        if item.path.name == "2.txt":
            raise RuntimeError("disk I/O error")
        return real(w, item, meta)

    monkeypatch.setattr(lib, "_record", flaky)
    # batch_seconds=0: every file is its own batch, so 0 and 1 are committed first
    results = workspace.library.import_files(files, batch_seconds=0)
    assert [r.status for r in results] == ["imported", "imported", "refused", "refused"]
    assert "disk I/O error" in results[2].message
    assert rows(workspace) == 2


@pytest.mark.parametrize("helper_process", [False, True], ids=["inline", "helper-process"])
def test_many_files_with_a_refused_and_a_repeated_one_keep_every_original(
        workspace, tmp_path, monkeypatch, helper_process):
    """Both paths of a batch import: in this process, and through the helper process
    (made to start at 40 files here), with a refused file and a repeated text inside."""
    import hashlib

    from thesis_desk.core import library as lib

    monkeypatch.setattr(lib, "PROCESS_MIN_FILES", 40 if helper_process else 10_000)
    files = []
    for i in range(75):
        f = tmp_path / f"n{i:02d}.txt"
        f.write_text(f"Note {i}\n\ncapex line {i} " * 5 if i != 40 else "Note 3\n\ncapex line 3 " * 5)
        files.append(f)
    (tmp_path / "n20.txt").write_bytes(b"\x00\x01\x02" * 50)  # binary: refused
    seen: list[int] = []
    results = workspace.library.import_files(files, progress=lambda d, t, n: seen.append(d))
    statuses = [r.status for r in results]
    assert statuses.count("refused") == 1 and statuses[20] == "refused"
    assert "binary" in results[20].message
    assert statuses[40] == "duplicate" and "Note 3" in results[40].message
    assert statuses.count("imported") == 73 == rows(workspace)
    assert seen[-1] == 75
    for r in results:
        if r.status == "imported":
            kept = workspace.library.original_path(r.document.id)
            assert hashlib.sha256(kept.read_bytes()).hexdigest() == r.document.sha256
    assert workspace.library.search("capex line 74")
    refused_original = hashlib.sha256(b"\x00\x01\x02" * 50).hexdigest()
    assert not list(workspace.library.originals_dir.rglob(f"{refused_original}*"))


def test_an_original_that_cannot_be_kept_refuses_that_file_only(workspace, tmp_path, monkeypatch):
    from thesis_desk.core import import_worker

    files = notes(tmp_path, 3)
    real = import_worker.keep_original

    def full(originals, rel, data):
        if b"Note 1" in data:
            raise OSError(28, "No space left on device")
        return real(originals, rel, data)

    monkeypatch.setattr(import_worker, "keep_original", full)
    results = workspace.library.import_files(files, batch_seconds=0)
    assert [r.status for r in results] == ["imported", "refused", "imported"]
    assert "No space left on device" in results[1].message
    assert rows(workspace) == 2


def test_the_same_bytes_under_another_suffix_add_no_file(workspace, tmp_path):
    first, second = tmp_path / "note.md", tmp_path / "note.txt"
    first.write_text(ARTICLE, encoding="utf-8")
    second.write_text(ARTICLE, encoding="utf-8")
    assert workspace.library.import_file(first).status == "imported"
    kept = {p for p in workspace.library.originals_dir.rglob("*") if p.is_file()}
    results = workspace.library.import_files([second])
    assert results[0].status == "duplicate"
    assert {p for p in workspace.library.originals_dir.rglob("*") if p.is_file()} == kept


def test_a_folder_or_pipe_named_txt_is_refused_for_what_it_is(workspace, tmp_path):
    import os

    (tmp_path / "notes.txt").mkdir()
    os.mkfifo(tmp_path / "pipe.txt")
    results = workspace.library.import_files([tmp_path / "notes.txt", tmp_path / "pipe.txt"])
    messages = [r.message for r in results]
    assert "this is a folder, not a file" in messages[0]
    assert "this is a pipe, not a document file" in messages[1]
    assert workspace.library.count() == 0


def test_a_password_protected_pdf_says_so_and_pypdf_prints_nothing(workspace, tmp_path,
                                                                   capfd):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf(["Secret page"]))))
    writer.encrypt("open sesame")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    torn = tmp_path / "torn.pdf"
    torn.write_bytes(minimal_pdf(["Torn page"]).replace(b"%%EOF", b""))
    [refused, torn_result] = workspace.library.import_files([locked, torn])
    assert "password-protected" in refused.message
    assert torn_result.status in ("imported", "refused")
    assert "EOF marker" not in capfd.readouterr().err


def test_a_word_found_40000_times_in_one_document_answers_at_once(workspace, tmp_path):
    """FTS5's snippet() worked in the square of a word's occurrences (seven minutes for
    120,000 in one document); snippets are now made after ranking, from the first match."""
    import time

    (tmp_path / "flood.txt").write_text("Flood\n\n" + "capex cloud " * 40_000, encoding="utf-8")
    (tmp_path / "quiet.txt").write_text("Quiet\n\nOne mention of capex here.", encoding="utf-8")
    workspace.library.import_files([tmp_path / "flood.txt", tmp_path / "quiet.txt"])
    started = time.monotonic()
    hits = workspace.library.search("capex")
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"{elapsed:.1f} s"
    assert {h.document.title for h in hits} == {"Flood", "Quiet"}
    quiet = next(h for h in hits if h.document.title == "Quiet")
    assert f"{HIT_START}capex{HIT_END}" in quiet.snippet and "One mention of" in quiet.snippet


def test_a_cancelled_search_stops_and_returns_nothing(workspace, tmp_path):
    notes(tmp_path, 3)
    workspace.library.import_files(sorted(tmp_path.glob("*.txt")))
    assert workspace.library.search("note", cancelled=lambda: True) == []
    assert workspace.library.search("note")  # the same search, not cancelled


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends
