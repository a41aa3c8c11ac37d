"""Undo and redo never act on a row another writer has taken or changed since: a real
command-line process writes between the window's steps, and the window's steps that
would overwrite its work are refused with a message, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from thesis_desk.core.records import EvidenceInput, ThesisInput
from thesis_desk.ui import undo


def cli(workspace, *args: str) -> dict:  # noqa: ANN001
    env = dict(os.environ, THESIS_DESK_DATA_DIR=str(workspace.paths.data_dir))
    out = subprocess.run([sys.executable, "-m", "thesis_desk", *args, "--json"], env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def step(window, menu: str) -> None:  # noqa: ANN001
    from tests.ui.person import Person

    action = window.undo_action if menu == "undo" else window.redo_action
    Person(window.qtbot).menu(window, "Edit", action.text())


def test_redo_refuses_a_thesis_another_process_took_since(qtbot, window, workspace):
    window.qtbot = qtbot
    tv = window.theses_view
    messages: list[str] = []
    tv.message.connect(messages.append)
    keep = workspace.theses.create(ThesisInput("Kept by the window"))
    cmd = undo.CreateThesis(ThesisInput("Made in the window", claim="Window claim"),
                            *tv._cmd_args())
    window.undo_stack.push(cmd)
    made = cmd.thesis_id
    before = workspace.theses.get(made).to_input()
    from dataclasses import replace

    window.undo_stack.push(undo.EditThesis(made, before, replace(before, title="Edited in the "
                                           "window"), "", *tv._cmd_args()))
    step(window, "undo")
    step(window, "undo")
    assert [t.id for t in workspace.theses.list()] == [keep.id]
    other = cli(workspace, "theses", "add", "--title", "Written by the CLI", "--claim",
                "CLI claim")
    step(window, "redo")  # the window's thesis comes back, under a new id if its was taken
    step(window, "redo")  # the edit addressed the old id: refused if another row is there
    theirs = workspace.theses.get(other["id"])
    assert (theirs.title, theirs.claim) == ("Written by the CLI", "CLI claim")
    titles = sorted(t.title for t in workspace.theses.list())
    assert "Written by the CLI" in titles and "Kept by the window" in titles
    if other["id"] == made:  # the id was reused: the step on it was refused, and said so
        assert any("changed or replaced by another window or program" in m for m in messages)


def test_undo_refuses_evidence_another_process_wrote_over(qtbot, window, workspace):
    window.qtbot = qtbot
    tv = window.theses_view
    messages: list[str] = []
    tv.message.connect(messages.append)
    t = workspace.theses.create(ThesisInput("A thesis"))
    ev_args = (workspace.evidence, tv._after_change, tv.message.emit)
    add = undo.AddEvidence(EvidenceInput(t.id, "Window quote", source_text="Window"), *ev_args)
    window.undo_stack.push(add)
    first = workspace.evidence.get(add.made.id)
    from dataclasses import replace

    window.undo_stack.push(undo.EditEvidence(first, replace(first.to_input(),
                                             note="window note"), *ev_args))
    window.undo_stack.push(undo.DeleteEvidence(workspace.evidence.get(add.made.id), *ev_args))
    # another process files evidence now: SQLite hands it the highest free id, the window's
    other = cli(workspace, "evidence", "add", str(t.id), "--quote", "CLI quote", "--source",
                "CLI", "--stance", "contradicts")
    step(window, "undo")  # the delete undone: the window's evidence back, under a free id
    step(window, "undo")  # the edit undone: only on the window's own row
    step(window, "undo")  # the add undone: only the window's own row goes
    theirs = workspace.evidence.get(other["id"])
    assert (theirs.quote, theirs.note, theirs.stance) == ("CLI quote", "", "contradicts")
    quotes = sorted(e.quote for e in workspace.evidence.for_thesis(t.id))
    assert "CLI quote" in quotes
