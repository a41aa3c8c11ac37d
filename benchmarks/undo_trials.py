"""Undo trials: the window's undo and redo with another process writing between steps;
every write of the other process must survive, untouched.

    .venv/bin/python benchmarks/undo_trials.py --rounds 20

Each round, through the window's own undo commands (ui/undo.py) on a QUndoStack:
create a thesis and edit it, file evidence and edit it, then undo all four; meanwhile a
real command-line process adds a thesis, another process files evidence (SQLite used to
hand them the ids just freed), and every other round a process edits the window's thesis
first; then redo all four and undo them again. At the end every row the other processes wrote must hold
exactly what they wrote (overwritten = changed by the window's steps; lost = gone).
Steps refused because their row had changed are counted. Prints figures, never asserts.
Synthetic data only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def cli(data_dir: Path, *args: str) -> dict:
    env = dict(os.environ, THESIS_DESK_DATA_DIR=str(data_dir))
    out = subprocess.run([sys.executable, "-m", "thesis_desk", *args, "--json"], env=env,
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    return json.loads(out.stdout)


def other_edit(data_dir: Path, thesis_id: int, claim: str) -> None:
    code = ("from dataclasses import replace\nfrom thesis_desk.app import open_workspace\n"
            f"ws = open_workspace({str(data_dir)!r})\nt = ws.theses.get({thesis_id})\n"
            f"ws.theses.update(t.id, replace(t.to_input(), claim={claim!r}))\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=ROOT,
                   capture_output=True)


def other_evidence(data_dir: Path, thesis_id: int, quote: str) -> int:
    """Another process files evidence (through the services, as any version has them)."""
    code = ("from thesis_desk.app import open_workspace\n"
            "from thesis_desk.core.records import EvidenceInput\n"
            f"ws = open_workspace({str(data_dir)!r})\n"
            f"print(ws.evidence.add(EvidenceInput({thesis_id}, {quote!r}, stance='context', "
            "source_text='cli')).id)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=ROOT,
                         capture_output=True, text=True)
    return int(out.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QApplication

    from thesis_desk.app import open_workspace
    from thesis_desk.core.records import EvidenceInput, ThesisInput
    from thesis_desk.ui import undo

    app = QApplication.instance() or QApplication([])  # noqa: F841 - the commands are Qt's
    data_dir = Path(tempfile.mkdtemp(prefix="undo-trials-"))
    ws = open_workspace(str(data_dir))
    stack = QUndoStack()
    refused: list[str] = []
    theirs: dict[tuple[str, int], tuple] = {}  # what the other processes wrote
    for n in range(a.rounds):
        args = (ws.theses, lambda _t: None, refused.append)
        ev_args = (ws.evidence, lambda _t: None, refused.append)
        create = undo.CreateThesis(ThesisInput(f"SYNTHETIC window {n}", claim="mine"), *args)
        stack.push(create)
        tid = create.thesis_id
        before = ws.theses.get(tid).to_input()
        stack.push(undo.EditThesis(tid, before, replace(before, claim="mine, edited"), "",
                                   *args))
        add = undo.AddEvidence(EvidenceInput(tid, f"window quote {n}", source_text="w"),
                               *ev_args)
        stack.push(add)
        # (add.evidence_id: the undo commands before they recorded what they made)
        first = ws.evidence.get(add.made.id if hasattr(add, "made") else add.evidence_id)
        stack.push(undo.EditEvidence(first, replace(first.to_input(), note="mine"), *ev_args))
        if n % 2:  # every other round the other process edits the window's thesis first
            other_edit(data_dir, tid, f"their claim {n}")
            theirs[("claim", tid)] = (f"their claim {n}",)
        for _ in range(4):
            stack.undo()
        t = cli(data_dir, "theses", "add", "--title", f"SYNTHETIC cli {n}", "--claim", "cli")
        theirs[("thesis", t["id"])] = (f"SYNTHETIC cli {n}", "cli")
        host = t["id"]
        eid = other_evidence(data_dir, host, f"cli quote {n}")
        theirs[("evidence", eid)] = (f"cli quote {n}", "", "context")
        for _ in range(4):
            stack.redo()
        for _ in range(4):
            stack.undo()
        stack.clear()
    overwritten = lost = 0
    for (kind, ident), want in theirs.items():
        try:
            if kind == "thesis":
                t = ws.theses.get(ident)
                got: tuple = (t.title, t.claim)
            elif kind == "claim":
                got = (ws.theses.get(ident).claim,)
            else:
                e = ws.evidence.get(ident)
                got = (e.quote, e.note, e.stance)
        except Exception:  # noqa: BLE001 - gone
            lost += 1
            continue
        overwritten += got != want
    print(f"{a.rounds} rounds: {len(theirs)} rows written by other processes between the "
          f"window's steps")
    print(f"overwritten: {overwritten}; lost: {lost}; window steps refused because their row "
          f"had changed: {len(refused)}")
    ws.close()


if __name__ == "__main__":
    main()
