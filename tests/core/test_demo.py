"""The demo workspace: seeds imported, three theses, every quote verbatim from a seed."""

from __future__ import annotations

import pytest

from thesis_desk.core.demo import METRICS, THESES, build_demo, manifest
from thesis_desk.core.errors import UserError
from thesis_desk.resources import seeds_dir


def test_shipped_seeds_match_the_shared_originals():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("no ../shared/seeds beside this checkout")
    for f in shared.glob("*.txt"):
        assert (seeds_dir() / f.name).read_bytes() == f.read_bytes()


def test_demo_builds_grounded_theses(workspace):
    counts = build_demo(workspace, seeds_dir())
    assert counts == {"documents": 5, "theses": 3, "evidence": sum(len(t.quotes) for t in THESES),
                      "metrics": len(METRICS)}
    seeds = {e["file"]: (seeds_dir() / e["file"]).read_text(encoding="utf-8")
             for e in manifest(seeds_dir())}
    titles = {t.title for t in workspace.theses.list()}
    assert "Alibaba revaluation hinges on capex allocation" in titles
    assert "Chinese big tech's structural discount persists" in titles
    for t in workspace.theses.list():
        assert "demo" in t.tags
        detail = workspace.theses.get(t.id)
        assert any(p.kind == "kill" for p in detail.pillars)
        items = workspace.evidence.for_thesis(t.id)
        assert len(items) >= 8
        assert {"supports", "contradicts"} <= {e.stance for e in items}
        for e in items:
            doc_text = workspace.library.get(e.document_id).text
            assert doc_text[e.start_offset:e.end_offset] == e.quote
            assert e.quote in seeds[e.document.original_name]
    assert workspace.evidence.verify_quotes() == []


def test_demo_refuses_a_workspace_with_content(workspace):
    build_demo(workspace, seeds_dir())
    with pytest.raises(UserError, match="empty one"):
        build_demo(workspace, seeds_dir())


def test_demo_refuses_a_workspace_of_metrics_alone(workspace):
    from thesis_desk.core.records import MetricInput

    workspace.metrics.create(MetricInput("Cloud capex / cloud revenue", unit="%"))
    with pytest.raises(UserError, match="theses, documents or metrics"):
        build_demo(workspace, seeds_dir())
    assert workspace.theses.counts()["theses"] == 0 and workspace.library.count() == 0


def test_demo_metrics_hold_only_values_the_seeds_state(workspace):
    build_demo(workspace, seeds_dir())
    texts = {e["file"]: (seeds_dir() / e["file"]).read_text(encoding="utf-8")
             for e in manifest(seeds_dir())}
    assert len(workspace.metrics.list()) == len(METRICS)
    for m in METRICS:
        assert m.passage in texts[m.seed]
        assert f"{m.value:g}" in m.passage  # the number is in the passage it cites
        mid = workspace.metrics.resolve(m.name)
        [obs] = workspace.metrics.observations(mid)
        assert obs.value == m.value and obs.document_id is not None
        tid = workspace.theses.resolve(m.thesis)
        assert [i.name for i, _ in workspace.metrics.for_thesis(tid)].count(m.name) == 1
    ratio = workspace.metrics.observations(
        workspace.metrics.resolve("China cloud capex / cloud revenue"))[0]
    assert ratio.evidence_id is not None  # linked to the filed passage
