"""Passages suggested for each pillar: ranked from the library, filed and dismissed ones
left out, one document against every thesis, the command line; the demo's figure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thesis_desk.core import demo
from thesis_desk.core.records import EvidenceInput, PillarInput, ThesisInput
from thesis_desk.core.suggest import SuggestionService, overlaps, passages, terms

pytestmark = pytest.mark.both_backends

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _rebuilt(ws, which: int = 0):  # noqa: ANN001, ANN202
    """The demo, and one of its theses again without its evidence."""
    demo.build_demo(ws, SEEDS)
    d = demo.THESES[which]
    t = ws.theses.create(ThesisInput(title=d.thesis.title, claim=d.thesis.claim,
                                     narrative=d.thesis.narrative))
    pid = {key: ws.theses.add_pillar(t.id, PillarInput(p.kind, p.text)).id
           for key, p in d.pillars.items()}
    return d, t, pid


def test_suggestions_are_passages_of_the_library_per_pillar_best_first(workspace):
    d, t, pid = _rebuilt(workspace)
    got = workspace.suggestions.for_thesis(t.id, limit=10)
    assert {g.pillar_id for g in got} == set(pid.values())
    for p in pid.values():
        mine = [g for g in got if g.pillar_id == p]
        assert 0 < len(mine) <= 10
        assert [g.score for g in mine] == sorted((g.score for g in mine), reverse=True)
    for g in got:  # each is the document's own words at its offsets
        assert workspace.library.get(g.document.id).text[g.start:g.end] == g.passage


def test_the_demo_figure_holds(workspace):
    """The README's figure: 7 of the Alibaba thesis's 10 hand-filed quotes are among the
    top 10 of their pillar (benchmarks/suggest.py prints it)."""
    d, t, pid = _rebuilt(workspace)
    got = workspace.suggestions.for_thesis(t.id, limit=10)
    docs = {x.title: x.id for x in workspace.library.list()}
    seed = {e["file"]: docs[e["title"]] for e in demo.manifest(SEEDS)}
    found = 0
    for q in d.quotes:
        text = workspace.library.get(seed[q.seed]).text
        a = text.index(q.text)
        found += any(g.pillar_id == pid[q.pillar] and g.document.id == seed[q.seed]
                     and overlaps(g.start, g.end, a, a + len(q.text)) >= len(q.text) / 2
                     for g in got)
    assert found == 7


def test_a_filed_passage_and_a_dismissed_one_are_not_suggested_again(workspace):
    d, t, pid = _rebuilt(workspace)
    first, second = workspace.suggestions.for_thesis(t.id, limit=2)[:2]
    workspace.evidence.add(EvidenceInput(t.id, quote=first.passage,
                                         document_id=first.document.id,
                                         start_offset=first.start, end_offset=first.end,
                                         pillar_id=first.pillar_id))
    workspace.suggestions.dismiss(second.pillar_id, second.document.id, second.start,
                                  second.end)
    again = SuggestionService(workspace.db).for_thesis(t.id, limit=10)  # a new session
    spans = {(g.document.id, g.start) for g in again if g.pillar_id == first.pillar_id}
    assert (first.document.id, first.start) not in spans
    assert (second.document.id, second.start) not in {
        (g.document.id, g.start) for g in again if g.pillar_id == second.pillar_id}
    workspace.suggestions.undismiss(second.pillar_id, second.document.id, second.start)
    assert (second.document.id, second.start) in {
        (g.document.id, g.start) for g in workspace.suggestions.for_thesis(t.id, limit=10)
        if g.pillar_id == second.pillar_id}


def test_a_new_document_is_weighed_against_every_active_thesis(workspace, tmp_path):
    demo.build_demo(workspace, SEEDS)
    note = tmp_path / "note.txt"
    note.write_text("Broker note. Alibaba's capital expenditure on AI data centres keeps "
                    "rising while cloud revenue growth lags behind it.\n\nUnrelated: the "
                    "weather in Hangzhou was mild this week, the office reports.")
    doc = workspace.library.import_file(note).document
    found = workspace.suggestions.for_document(doc.id)
    active = {t.id for t in workspace.theses.list() if t.status in ("active", "draft")}
    assert found and set(found) <= active
    assert all(g.document.id == doc.id for gs in found.values() for g in gs)
    baba = workspace.theses.resolve(demo.THESES[0].thesis.title)
    assert any("capital expenditure" in g.passage for g in found[baba])


def test_the_command_line_suggests_for_a_thesis_and_a_document(workspace, capsys,
                                                                 monkeypatch):
    from thesis_desk.cli import main

    monkeypatch.setenv("THESIS_DESK_DATA_DIR", str(workspace.paths.data_dir))
    d, t, pid = _rebuilt(workspace)
    assert main(["suggest", str(t.id), "--limit", "3", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert len(got) == 3 * len(pid)
    doc = got[0]["document"]["id"]
    assert main(["suggest", str(t.id), "--document", str(doc), "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert f"[{doc}:" in out and "pillar" in out


def test_passages_are_sentences_with_offsets_and_run_together_sentences_split():
    text = ("Capital expenditure rose again in the quarter. Cloud revenue grew 26% in "
            "ChinaThis indicates that demand is real.\n\nDeepSeek and OpenAI ranked highly "
            "in China this year, the survey said.")
    ps = passages(1, text)
    assert [p.text for p in ps] == [
        "Capital expenditure rose again in the quarter.",
        "Cloud revenue grew 26% in China",  # "this" is a word of the text: a new sentence
        "This indicates that demand is real.",
        "DeepSeek and OpenAI ranked highly in China this year, the survey said."]
    assert all(text[p.start:p.end] == p.text for p in ps)


def test_terms_join_what_analysts_write_several_ways():
    assert terms("Capital expenditures rose") == terms("capex rose")
    assert terms("the P/E ratio") == terms("price-to-earnings ratio")
    assert terms("allocation of valuations") == terms("allocate valuation")


def test_the_thesis_restated_word_for_word_is_not_suggested_as_its_evidence(workspace,
                                                                           tmp_path):
    """A memo of the thesis in the library repeats each pillar: that is not evidence."""
    t = workspace.theses.create(ThesisInput(title="Capex pays", status="active"))
    p = workspace.theses.add_pillar(t.id, PillarInput(
        "pillar", "AI capex earns a return: spending turns into cloud revenue growth"))
    note = tmp_path / "memo.txt"
    note.write_text("Thesis memo.\n\nPillar: AI capex earns a return: spending turns into "
                    "cloud revenue growth (intact).\n\nCloud revenue growth picked up as AI "
                    "capex reached customers, the company said.")
    doc = workspace.library.import_file(note).document
    got = workspace.suggestions.for_thesis(t.id, document_id=doc.id)
    assert [g.passage for g in got if g.pillar_id == p.id] == [
        "Cloud revenue growth picked up as AI capex reached customers, the company said."]


def test_a_thesis_memo_imported_back_is_not_research(workspace, tmp_path):
    """The app's memo of a thesis repeats its claim, pillars and quotes: left out."""
    t = workspace.theses.create(ThesisInput(title="Capex pays", status="active"))
    workspace.theses.add_pillar(t.id, PillarInput("pillar", "Cloud revenue growth picks up"))
    memo = tmp_path / "memo.txt"
    memo.write_text("Capex pays — thesis memo as of 2026-12-01\n\nCloud revenue growth "
                    "picked up strongly in the quarter, the memo says.")
    doc = workspace.library.import_file(memo).document
    assert doc.title == "Capex pays — thesis memo as of 2026-12-01"
    assert workspace.suggestions.for_thesis(t.id, document_id=doc.id) == []
