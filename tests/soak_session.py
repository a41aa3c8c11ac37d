"""A scripted session of UI actions for the soak test and benchmarks/soak.py.

Actions cycle through what a person does all day: open theses and their tabs, switch
areas, search, add evidence (through the view's own refresh path) and delete it through
the undo stack, undo and redo, add observations, and every ``memo_every`` actions export
a memo. Returns the counts so the caller can check the database agrees.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from thesis_desk.core.records import EvidenceInput


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_session(window, workspace, actions: int, out_dir: Path, *, seed: int = 1,
                memo_every: int = 500) -> dict:
    from thesis_desk.ui import undo

    rng = random.Random(seed)
    theses = [t.id for t in workspace.theses.list()]
    metric_ids = [m.id for m in workspace.metrics.list()]
    tv = window.theses_view
    added = deleted = observations = memos = 0
    day = dt.date(1990 + 4 * seed, 1, 1)  # sessions (<= 1,400 observations) never collide
    for n in range(actions):
        kind = n % 10
        tid = rng.choice(theses)
        if kind == 0:
            window.sidebar.setCurrentRow(0)
            window.open_thesis(tid)
        elif kind == 1:
            tabs = tv.detail.tabs
            tabs.setCurrentIndex(rng.randrange(tabs.count()))
        elif kind == 2:
            window.sidebar.setCurrentRow(rng.randrange(5))
        elif kind == 3:
            tv.search.setText(rng.choice(["capex", "AI", "discount", "", "cloud"]))
        elif kind == 4:
            e = workspace.evidence.add(EvidenceInput(
                thesis_id=tid, quote=f"Soak quote {n} (synthetic)", note="soak",
                source_text="soak session (synthetic)", stance=rng.choice(
                    ["supports", "contradicts", "context"])))
            tv._after_change(tid)
            added += 1
        elif kind == 5:
            mine = [e for e in workspace.evidence.for_thesis(tid) if e.note == "soak"]
            if mine:
                window.undo_stack.push(undo.DeleteEvidence(
                    mine[-1], workspace.evidence, tv._after_change, tv.message.emit))
                deleted += 1
        elif kind == 6:
            if window.undo_stack.canUndo() and rng.random() < 0.5:
                window.undo_stack.undo()
                window.undo_stack.redo()
        elif kind == 7 and metric_ids:
            day += dt.timedelta(days=1)
            workspace.metrics.observe(rng.choice(metric_ids), day, rng.random() * 100,
                                      note="soak (synthetic)")
            observations += 1
        elif kind == 8:
            window.refresh_views()
        if memo_every and n % memo_every == memo_every - 1:
            window.export_memo(tid, path=str(out_dir / f"memo-{n}.pdf"))
            memos += 1
        QApplication.processEvents()
        # What the running event loop does between events: widgets replaced with
        # deleteLater() are freed (processEvents() alone leaves them to pile up).
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    window.tasks.wait()
    QApplication.processEvents()
    return {"added": added, "deleted": deleted, "observations": observations, "memos": memos}
