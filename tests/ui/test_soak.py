"""A short soak in the suite (benchmarks/soak.py runs 10,000 actions and reports memory):
hundreds of mixed UI actions leave no crash and a database that agrees with them."""

from __future__ import annotations

import pytest

from tests.soak_session import run_session
from thesis_desk.core.demo import build_demo
from thesis_desk.resources import seeds_dir

pytestmark = pytest.mark.slow


def test_a_session_of_mixed_actions_keeps_the_database_consistent(qtbot, window, workspace,
                                                                 tmp_path):
    build_demo(workspace, seeds_dir())
    window.refresh_views()
    before = workspace.evidence.count()
    counts = run_session(window, workspace, 400, tmp_path, memo_every=200)
    qtbot.waitUntil(lambda: len(list(tmp_path.glob("memo-*.pdf"))) == counts["memos"],
                    timeout=30_000)
    soak = [e for t in workspace.theses.list() for e in workspace.evidence.for_thesis(t.id)
            if e.note == "soak"]
    assert counts["added"] == 40 and counts["memos"] == 2
    assert len(soak) == counts["added"] - counts["deleted"]
    assert workspace.evidence.count() == before + len(soak)
    assert window.theses_view.model.rowCount() == 3
