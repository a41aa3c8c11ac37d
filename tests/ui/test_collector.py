"""The GUI thread's cycle collector walks the oldest generation only as CPython would:
once what reached it since the last walk is a quarter of what lived through that. Between,
the younger generations are walked, and the survivors of the last walk stay frozen."""

from __future__ import annotations

import gc
import weakref


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_the_oldest_generation_is_walked_whole_only_when_a_quarter_more_reached_it(
        qapp, monkeypatch):
    from thesis_desk.ui.tasks import collect_on_gui_thread

    collector = collect_on_gui_thread(qapp)
    frozen_before = gc.get_freeze_count()
    monkeypatch.setattr(collector, "thresholds", (0, 0, 0))  # every generation due now
    try:
        old = Node()
        gone_old = weakref.ref(old)
        gc.collect()
        gc.freeze()  # as after a whole walk: the survivors frozen
        frozen = gc.get_freeze_count()
        del old  # garbage now, but among the frozen: only a whole walk finds it
        young = Node()
        gone_young = weakref.ref(young)
        del young
        collector.collect()
        assert gone_young() is None  # a young cycle: found by the lesser walk
        assert gone_old() is not None  # the frozen one: not walked
        assert gc.get_freeze_count() >= frozen

        kept = [[] for _ in range(frozen // 4 + 1_000)]  # a quarter more grows old
        gc.collect(1)
        collector.collect()
        assert gone_old() is None  # walked whole: the old cycle found too
        # and its survivors frozen again: none of them left for the next walk to count
        assert len(gc.get_objects(2)) < len(kept) <= gc.get_freeze_count()
    finally:
        if not frozen_before:
            gc.unfreeze()


def test_the_collector_looks_more_often_while_collections_are_due(qapp, monkeypatch):
    """Ten times a second while the young generations fill (each walk stays short),
    twice a second once nothing is due (an idle window is not woken for it)."""
    from thesis_desk.ui.tasks import GuiThreadCollector, collect_on_gui_thread

    collector = collect_on_gui_thread(qapp)
    timer = collector._timer
    monkeypatch.setattr(collector, "thresholds", (0, 0, 0))  # every generation due now
    kept = [Node() for _ in range(100)]
    collector.collect()
    assert timer.interval() == GuiThreadCollector.BUSY_MS < GuiThreadCollector.IDLE_MS
    monkeypatch.setattr(collector, "thresholds", (10**9, 10**9, 10**9))  # nothing due
    collector.collect()
    assert timer.interval() == GuiThreadCollector.IDLE_MS and timer.isActive()
    del kept
