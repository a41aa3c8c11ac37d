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


def other_process(workspace, code: str) -> None:  # noqa: ANN001
    """Run ``code`` in another Python process with ``ws``, the same workspace, open."""
    prelude = ("from dataclasses import replace\n"
               "from thesis_desk.app import open_workspace\n"
               f"ws = open_workspace({str(workspace.paths.data_dir)!r})\n")
    subprocess.run([sys.executable, "-c", prelude + code], check=True, timeout=120,
                   capture_output=True, text=True)


def test_undo_refuses_a_thesis_another_process_edited_since(qtbot, window, workspace):
    window.qtbot = qtbot
    tv = window.theses_view
    messages: list[str] = []
    tv.message.connect(messages.append)
    cmd = undo.CreateThesis(ThesisInput("Made in the window", claim="Window claim"),
                            *tv._cmd_args())
    window.undo_stack.push(cmd)
    made = cmd.thesis_id
    before = workspace.theses.get(made).to_input()
    from dataclasses import replace

    window.undo_stack.push(undo.EditThesis(made, before, replace(before, title="Edited in the "
                                           "window"), "", *tv._cmd_args()))
    other_process(workspace, f"t = ws.theses.get({made})\n"
                             "ws.theses.update(t.id, replace(t.to_input(), claim='Their claim'))")
    step(window, "undo")  # would put back the window's title over their claim: refused
    theirs = workspace.theses.get(made)
    assert (theirs.title, theirs.claim) == ("Edited in the window", "Their claim")
    assert any("changed or replaced by another window or program" in m for m in messages)
    # a thesis made by the command line meanwhile gets its own id, never the window's
    step(window, "undo")  # the create's undo: refused too, their edit is on that row
    cli_made = cli(workspace, "theses", "add", "--title", "Written by the CLI")
    assert cli_made["id"] > made and workspace.theses.get(made).claim == "Their claim"


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
    other_process(workspace, f"e = ws.evidence.get({first.id})\n"
                             "ws.evidence.update(e.id, replace(e.to_input(), stance='contradicts'))")
    other = cli(workspace, "evidence", "add", str(t.id), "--quote", "CLI quote", "--source",
                "CLI", "--stance", "contradicts")
    step(window, "undo")  # the edit undone only if the row is as the window left it: not
    step(window, "undo")  # nor is the add undone over their change
    mine = workspace.evidence.get(first.id)
    assert (mine.note, mine.stance) == ("window note", "contradicts")
    assert workspace.evidence.get(other["id"]).quote == "CLI quote"
    assert sum("changed or replaced by another window or program" in m for m in messages) == 2
