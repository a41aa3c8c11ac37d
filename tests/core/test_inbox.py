"""The inbox folder: each new file imported once it has stopped changing, refusals
reported once, a file saved again taken again; `thesis-desk inbox` as a person runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from thesis_desk.core.errors import UserError

pytestmark = pytest.mark.both_backends


def _old(path: Path, seconds: float = 10) -> Path:
    t = time.time() - seconds
    os.utime(path, (t, t))
    return path


def _drop(path: Path, content: str | bytes, age: float = 10) -> Path:
    """A file saved ``age`` seconds ago (one that has stopped changing)."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return _old(path, age)


def test_new_files_are_imported_once_and_refusals_reported_once(workspace, tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    _drop(box / "note.txt", "Capex note\n\nAlibaba raised capex again.")
    _drop(box / "sheet.xlsx", b"PK...")
    (box / "download.pdf.part").write_bytes(b"%PDF-1.4 half")
    (box / "fresh.txt").write_text("still being written")  # modified just now
    first = workspace.inbox.take(box)
    assert sorted((Path(r.path).name, r.status) for r in first) == [
        ("note.txt", "imported"), ("sheet.xlsx", "refused")]
    assert [d.title for d in workspace.library.list()] == ["Capex note"]
    assert workspace.inbox.take(box) == []  # nothing new: not again, refusal not again
    _old(box / "fresh.txt")
    assert [(Path(r.path).name, r.status) for r in workspace.inbox.take(box)] == [
        ("fresh.txt", "imported")]
    _drop(box / "note.txt", "Capex note\n\nAlibaba raised capex again, and again.", 5)
    [again] = workspace.inbox.take(box)  # saved again: a new arrival
    assert again.status == "imported"
    recent = workspace.inbox.recent()
    assert [e.name for e in recent][:1] == ["note.txt"]
    assert {e.status for e in recent} == {"imported", "refused"}
    assert len(recent) == 4


def test_a_missing_folder_or_a_file_says_what_is_wrong(workspace, tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        workspace.inbox.take(tmp_path / "nope")
    f = tmp_path / "f.txt"
    f.write_text("x")
    with pytest.raises(UserError, match="is a file, not a folder"):
        workspace.inbox.take(f)


def test_the_command_line_takes_once_and_watches(workspace, tmp_path, capsys, monkeypatch):
    from thesis_desk.cli import main

    monkeypatch.setenv("THESIS_DESK_DATA_DIR", str(workspace.paths.data_dir))
    box = tmp_path / "box"
    box.mkdir()
    _drop(box / "a.txt", "Note A\n\ntext")
    assert main(["inbox", str(box), "--once", "--json"]) == 0
    [r] = json.loads(capsys.readouterr().out)
    assert (r["status"], r["document"]["title"]) == ("imported", "Note A")
    # watching: a process of its own picks up a file saved while it runs
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-m", "thesis_desk", "inbox", str(box),
                             "--interval", "0.2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []  # what it prints, read as it prints it (it says so after committing)
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")),
                              daemon=True)
    reader.start()
    try:
        _drop(box / "b.txt", "Note B\n\nwritten while watched")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("b.txt: imported" in x for x in lines):
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        reader.join(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    out = "".join(lines)
    assert "Watching" in out and "b.txt: imported" in out
    assert sorted(d.title for d in workspace.library.list()) == ["Note A", "Note B"]
