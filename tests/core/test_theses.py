"""Theses, pillars and the journal, through the service."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from thesis_desk.core.errors import NotFoundError, UserError, ValidationError
from thesis_desk.core.models import Instrument, JournalEntry, Pillar, Tag, Thesis
from thesis_desk.core.theses import PillarInput, ThesisInput, describe, split_list

ALIBABA = ThesisInput(
    title="Alibaba revaluation hinges on capex allocation",
    claim="Disciplined AI capex re-rates Alibaba.",
    conviction=60,
    status="active",
    instruments=("baba", " 9988.hk ", "BABA"),
    tags=("china", "ai"),
    horizon=dt.date(2026, 12, 31),
)


def count(ws, model) -> int:
    with ws.db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_create_stores_thesis_with_instruments_and_tags_created_inline(workspace):
    t = workspace.theses.create(ALIBABA)
    assert t.title == ALIBABA.title
    assert t.instruments == ("9988.HK", "BABA")  # upper-cased, de-duplicated, sorted
    assert t.tags == ("ai", "china")
    assert t.horizon == dt.date(2026, 12, 31)
    assert count(workspace, Instrument) == 2
    # a second thesis on BABA reuses the instrument row
    workspace.theses.create(ThesisInput(title="Second", instruments=("BABA",), tags=("ai",)))
    assert count(workspace, Instrument) == 2
    assert count(workspace, Tag) == 2
    journal = workspace.theses.journal(t.id)
    assert [e.kind for e in journal] == ["created"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ThesisInput(title="   "), "title"),
        (ThesisInput(title="x" * 201), "title"),
        (ThesisInput(title="ok", conviction=101), "conviction"),
        (ThesisInput(title="ok", conviction=-1), "conviction"),
        (ThesisInput(title="ok", status="maybe"), "status"),
        (ThesisInput(title="ok", direction="sideways"), "direction"),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_saved(workspace, data, field):
    with pytest.raises(ValidationError) as err:
        workspace.theses.create(data)
    assert field in err.value.errors
    assert count(workspace, Thesis) == 0
    assert count(workspace, JournalEntry) == 0


def test_conviction_change_needs_a_reason_and_is_journalled(workspace):
    t = workspace.theses.create(ALIBABA)
    higher = ThesisInput(**{**t.to_input().__dict__, "conviction": 75})
    with pytest.raises(ValidationError) as err:
        workspace.theses.update(t.id, higher)
    assert "reason" in err.value.errors
    assert workspace.theses.get(t.id).conviction == 60  # nothing half-saved

    workspace.theses.update(t.id, higher, reason="Capex guidance cut")
    assert workspace.theses.get(t.id).conviction == 75
    entry = workspace.theses.journal(t.id)[0]
    assert (entry.kind, entry.old, entry.new, entry.reason) == (
        "conviction", "60", "75", "Capex guidance cut")
    assert describe(entry) == ("Conviction", "60 -> 75")


def test_status_and_plain_edits_in_one_update(workspace):
    t = workspace.theses.create(ALIBABA)
    data = ThesisInput(**{**t.to_input().__dict__, "status": "validated",
                          "claim": "New claim.", "instruments": ("BABA",)})
    workspace.theses.update(t.id, data, reason="Re-rating happened")
    got = workspace.theses.get(t.id)
    assert (got.status, got.claim, got.instruments) == ("validated", "New claim.", ("BABA",))
    kinds = {e.kind: e for e in workspace.theses.journal(t.id)}
    assert kinds["status"].old == "active" and kinds["status"].new == "validated"
    assert kinds["edited"].field == "claim, instruments"


def test_unchanged_update_writes_no_journal(workspace):
    t = workspace.theses.create(ALIBABA)
    workspace.theses.update(t.id, t.to_input())
    assert len(workspace.theses.journal(t.id)) == 1


def test_pillar_state_change_needs_reason_and_journal_names_pillar(workspace):
    t = workspace.theses.create(ALIBABA)
    p = workspace.theses.add_pillar(t.id, PillarInput(kind="kill", text="Capex/revenue > 150%"))
    broken = PillarInput(kind="kill", text=p.text, state="broken")
    with pytest.raises(ValidationError):
        workspace.theses.update_pillar(p.id, broken)
    workspace.theses.update_pillar(p.id, broken, reason="Q3 capex 160% of cloud revenue")
    entry = workspace.theses.journal(t.id)[0]
    assert entry.kind == "pillar_state"
    assert entry.subject == "Capex/revenue > 150%"
    assert describe(entry) == ("Pillar state", "Capex/revenue > 150%: Intact -> Broken")


def test_pillar_delete_and_restore_keeps_id(workspace):
    t = workspace.theses.create(ALIBABA)
    p = workspace.theses.add_pillar(t.id, PillarInput(kind="catalyst", text="Q3 results",
                                                      due_date=dt.date(2026, 11, 15)))
    workspace.theses.delete_pillar(p.id)
    assert workspace.theses.get(t.id).pillars == ()
    again = workspace.theses.add_pillar(
        t.id, PillarInput(kind=p.kind, text=p.text, due_date=p.due_date), restore_id=p.id)
    assert again.id == p.id
    assert workspace.theses.get(t.id).pillars[0].due_date == dt.date(2026, 11, 15)


def test_empty_pillar_is_refused(workspace):
    t = workspace.theses.create(ALIBABA)
    with pytest.raises(ValidationError) as err:
        workspace.theses.add_pillar(t.id, PillarInput(kind="pillar", text="  "))
    assert "text" in err.value.errors
    assert count(workspace, Pillar) == 0


def test_archive_hides_from_live_list_and_delete_cascades(workspace):
    t = workspace.theses.create(ALIBABA)
    workspace.theses.add_pillar(t.id, PillarInput(kind="pillar", text="Cloud growth > 20%"))
    workspace.theses.set_archived(t.id, True)
    assert workspace.theses.list(include_archived=False) == []
    assert workspace.theses.list()[0].archived
    assert workspace.theses.counts()["archived"] == 1
    workspace.theses.delete(t.id)
    assert count(workspace, Thesis) == 0
    assert count(workspace, Pillar) == 0
    assert count(workspace, JournalEntry) == 0
    with pytest.raises(NotFoundError):
        workspace.theses.get(t.id)


def test_resolve_by_id_or_exact_title(workspace):
    a = workspace.theses.create(ALIBABA)
    assert workspace.theses.resolve(str(a.id)) == a.id
    assert workspace.theses.resolve(ALIBABA.title) == a.id
    with pytest.raises(NotFoundError):
        workspace.theses.resolve("Alibaba")
    workspace.theses.create(ALIBABA)
    with pytest.raises(UserError, match="name one by its id"):
        workspace.theses.resolve(ALIBABA.title)


def test_counts_by_status(workspace):
    workspace.theses.create(ALIBABA)
    workspace.theses.create(ThesisInput(title="Draft one"))
    c = workspace.theses.counts()
    assert (c["theses"], c["active"], c["draft"]) == (2, 1, 1)


def test_split_list():
    assert split_list(" BABA, 9988.HK ,,") == ("BABA", "9988.HK")


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends


def test_the_first_screen_read_from_the_file_is_the_lists_head(workspace, backend):
    """Start-up reads the list's first screen straight from the file: the newest changes,
    with their own instruments and tags, as the service lists them; counted in full."""
    if backend != "sqlite":
        pytest.skip("the first screen is read from a local file")
    from thesis_desk.core.snapshot import quick_thesis_list

    for i in range(12):
        workspace.theses.create(ThesisInput(title=f"T{i}", instruments=(f"S{i}", "BABA"),
                                            tags=(f"tag{i % 3}",)))
    archived = workspace.theses.resolve("T11")
    workspace.theses.set_archived(archived, True)
    full = workspace.theses.list()
    first = quick_thesis_list(workspace.paths.database, limit=5, include_archived=False)
    assert first is not None
    assert first.theses == [t for t in full if not t.archived][:5]
    assert (first.total, first.active) == (12, 11)
    with_archived = quick_thesis_list(workspace.paths.database, limit=5)
    assert with_archived.theses == full[:5] and with_archived.theses[0].id == archived
    assert quick_thesis_list(workspace.paths.database).theses == full
