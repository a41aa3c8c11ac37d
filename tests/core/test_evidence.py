"""Evidence: exact quotes at exact offsets, journal entries, balance."""

from __future__ import annotations

import pytest

from thesis_desk.core.errors import ValidationError
from thesis_desk.core.records import EvidenceInput, PillarInput, ThesisInput

TEXT = "Title line\nCapex rose 57% in the June quarter. Cloud revenue grew 26%.\n"


@pytest.fixture
def setup(workspace, tmp_path):
    f = tmp_path / "n.txt"
    f.write_text(TEXT)
    doc = workspace.library.import_file(f).document
    t = workspace.theses.create(ThesisInput(title="Alibaba capex"))
    p = workspace.theses.add_pillar(t.id, PillarInput("pillar", "Capex earns a return"))
    return workspace, doc, t, p


def test_quote_with_offsets_is_filed_and_journalled(setup):
    ws, doc, t, p = setup
    start = TEXT.index("Capex rose")
    quote = "Capex rose 57% in the June quarter."
    e = ws.evidence.add(EvidenceInput(thesis_id=t.id, quote=quote, document_id=doc.id,
                                      start_offset=start, end_offset=start + len(quote),
                                      pillar_id=p.id, stance="supports", weight=3, note="big"))
    assert (e.start_offset, e.pillar_text, e.document.title) == (start, p.text, "Title line")
    assert ws.theses.journal(t.id)[0].kind == "evidence"
    assert ws.evidence.verify_quotes() == []


def test_offsets_that_do_not_match_are_refused(setup):
    ws, doc, t, _ = setup
    with pytest.raises(ValidationError) as err:
        ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Capex rose", document_id=doc.id,
                                      start_offset=0, end_offset=10))
    assert "quote" in err.value.errors
    assert ws.evidence.for_thesis(t.id) == []


def test_quote_without_offsets_is_located_or_refused(setup):
    ws, doc, t, _ = setup
    e = ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Cloud revenue grew 26%.",
                                      document_id=doc.id, stance="contradicts"))
    assert TEXT[e.start_offset:e.end_offset] == "Cloud revenue grew 26%."
    with pytest.raises(ValidationError, match="not in the document"):
        ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Cloud revenue fell",
                                      document_id=doc.id))


def test_evidence_without_document_needs_a_source(setup):
    ws, _, t, _ = setup
    with pytest.raises(ValidationError) as err:
        ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Heard at the conference"))
    assert "source_text" in err.value.errors
    e = ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Heard at the conference",
                                      source_text="Investor day, 2025-03-01"))
    assert e.source == "Investor day, 2025-03-01"


def test_pillar_of_another_thesis_is_refused(setup):
    ws, doc, _, p = setup
    other = ws.theses.create(ThesisInput(title="Other"))
    with pytest.raises(ValidationError) as err:
        ws.evidence.add(EvidenceInput(thesis_id=other.id, quote="Capex rose", document_id=doc.id,
                                      pillar_id=p.id))
    assert "pillar_id" in err.value.errors


def test_balance_weighs_for_and_against_per_pillar(setup):
    ws, doc, t, p = setup
    ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Capex rose", document_id=doc.id,
                                  pillar_id=p.id, weight=3))
    ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Cloud revenue", document_id=doc.id,
                                  pillar_id=p.id, stance="contradicts", weight=1))
    ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="June quarter", document_id=doc.id,
                                  stance="context", weight=2))
    b = ws.evidence.balance(t.id)
    assert (b.supports, b.contradicts, b.context, b.net) == (3, 1, 2, 2)
    assert b.by_pillar == {p.id: (3, 1)}


def test_delete_and_restore_under_same_id(setup):
    ws, doc, t, _ = setup
    e = ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Capex rose", document_id=doc.id))
    gone = ws.evidence.delete(e.id)
    assert ws.evidence.for_thesis(t.id) == []
    back = ws.evidence.add(gone.to_input(), restore_id=gone.id)
    assert back.id == e.id and back.start_offset == e.start_offset


def test_a_quoted_document_cannot_be_deleted(setup):
    from thesis_desk.core.errors import UserError

    ws, doc, t, _ = setup
    ws.evidence.add(EvidenceInput(thesis_id=t.id, quote="Capex rose", document_id=doc.id))
    with pytest.raises(UserError, match="quoted by 1 evidence"):
        ws.library.delete(doc.id)


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends
