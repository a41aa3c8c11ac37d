"""Saving over a newer version: refused with what changed and by whom, nothing
overwritten silently, and a save again on the newer version goes through. On both
backends: two connections to one workspace, as two analysts (or two windows)."""

from __future__ import annotations

import pytest

from thesis_desk.app import open_workspace
from thesis_desk.core.errors import EditConflict
from thesis_desk.core.records import EvidenceInput, PillarInput, ThesisInput

pytestmark = pytest.mark.both_backends


@pytest.fixture
def other(workspace):
    """A second writer on the same workspace."""
    ws = (open_workspace(paths=workspace.paths, database=workspace.db.url)
          if workspace.db.is_server else open_workspace(paths=workspace.paths))
    yield ws
    ws.close()


def _input(t, **kw) -> ThesisInput:
    return ThesisInput(**{**t.to_input().__dict__, **kw})


def test_a_thesis_saved_over_a_newer_version_is_refused_then_reapplied(workspace, other):
    t = workspace.theses.create(ThesisInput("Baidu robotaxi scales", conviction=50))
    seen = workspace.theses.get(t.id)
    other.theses.update(t.id, _input(seen, conviction=70), reason="Wuhan fleet doubled")
    with pytest.raises(EditConflict) as e:
        workspace.theses.update(t.id, _input(seen, title="Baidu robotaxi scales in 2027"),
                                seen=seen)
    msg = str(e.value)
    assert "“Baidu robotaxi scales” was changed" in msg and "conviction 50 -> 70" in msg
    if workspace.db.is_server:
        assert " by td_admin at " in msg  # the other connection's role
    assert "Nothing was saved" in msg
    now = workspace.theses.get(t.id)
    assert (now.title, now.conviction) == ("Baidu robotaxi scales", 70)  # theirs intact
    current = e.value.current
    assert current.version == now.version > seen.version
    # saved again on the newer version (the form keeps the person's field, theirs the rest)
    done = workspace.theses.update(t.id, _input(current, title="Baidu robotaxi scales in 2027"),
                                   seen=current)
    assert (done.title, done.conviction, done.version) == (
        "Baidu robotaxi scales in 2027", 70, current.version + 1)


def test_pillars_and_evidence_refuse_a_save_over_a_newer_version(workspace, other):
    t = workspace.theses.create(ThesisInput("Versions"))
    p = workspace.theses.add_pillar(t.id, PillarInput("pillar", "Margins expand"))
    other.theses.update_pillar(p.id, PillarInput("pillar", "Margins expand", "at_risk"),
                               reason="Q3 miss")
    with pytest.raises(EditConflict) as e:
        workspace.theses.update_pillar(p.id, PillarInput("pillar", "Gross margins expand"),
                                       seen=p)
    assert "state intact -> at_risk" in str(e.value)
    assert workspace.theses.get(t.id).pillars[0].state == "at_risk"
    ev = workspace.evidence.add(EvidenceInput(t.id, "Margins up 2pp", source_text="Call"))
    other.evidence.update(ev.id, EvidenceInput(t.id, "Margins up 2pp", source_text="Call",
                                               weight=3))
    with pytest.raises(EditConflict) as e:
        workspace.evidence.update(ev.id, EvidenceInput(t.id, "Margins up 2pp",
                                                       source_text="Call", note="mine"),
                                  seen=ev)
    assert "weight 2 -> 3" in str(e.value)
    [after] = workspace.evidence.for_thesis(t.id)
    assert (after.weight, after.note) == (3, "")
