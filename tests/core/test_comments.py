"""A thesis's discussion: comments on the thesis and on its evidence, in order, with
their authors, refused when empty or on another thesis's item, in the memo on request."""

from __future__ import annotations

import json

import pytest

from thesis_desk.core.errors import ValidationError
from thesis_desk.core.memo import memo_markdown
from thesis_desk.core.records import EvidenceInput, ThesisInput

pytestmark = pytest.mark.both_backends


def test_a_thread_on_the_thesis_and_its_evidence(workspace):
    t = workspace.theses.create(ThesisInput("JD logistics margins", status="active"))
    other = workspace.theses.create(ThesisInput("Another"))
    ev = workspace.evidence.add(EvidenceInput(t.id, "Fulfilment cost per parcel fell 8%",
                                              source_text="Q3 call"))
    workspace.comments.add(t.id, "Is the cost cut one-off?")
    workspace.comments.add(t.id, "Challenge: the 8% includes a subsidy", evidence_id=ev.id)
    thread = workspace.comments.for_thesis(t.id)
    assert [(c.body, c.evidence_id, c.evidence_quote) for c in thread] == [
        ("Is the cost cut one-off?", None, ""),
        ("Challenge: the 8% includes a subsidy", ev.id, "Fulfilment cost per parcel fell 8%")]
    expected_author = "td_admin" if workspace.db.is_server else ""
    assert {c.author for c in thread} == {expected_author}
    with pytest.raises(ValidationError) as e:
        workspace.comments.add(t.id, "   ")
    assert "Write the comment first" in e.value.errors["body"]
    with pytest.raises(ValidationError):
        workspace.comments.add(other.id, "wrong item", evidence_id=ev.id)
    assert len(workspace.comments.for_thesis(t.id)) == 2  # nothing half-written
    md = memo_markdown(workspace.memos.build(t.id, comments=True))
    assert "## Discussion" in md and "Is the cost cut one\\-off?" in md
    assert "## Discussion" not in memo_markdown(workspace.memos.build(t.id))


def test_the_cli_posts_and_lists_comments(workspace, capsys, monkeypatch):
    from thesis_desk.cli import main

    monkeypatch.setenv("THESIS_DESK_DATA_DIR", str(workspace.paths.data_dir))
    t = workspace.theses.create(ThesisInput("CLI thread"))
    assert main(["comments", "add", "CLI thread", "--text", "Check the source"]) == 0
    assert "Comment 1 posted on thesis" in capsys.readouterr().out
    assert main(["comments", "list", str(t.id), "--json"]) == 0
    [c] = json.loads(capsys.readouterr().out)
    assert (c["body"], c["thesis_id"]) == ("Check the source", t.id)
    out = workspace.paths.data_dir / "memo.md"
    assert main(["export-memo", str(t.id), "-o", str(out), "--comments"]) == 0
    assert "## Discussion" in out.read_text() and "Check the source" in out.read_text()
