"""What an operation changed, so the one place that refreshes views knows which to.

Every write in the window reports a ``Changes``: the kinds of things it touched and the
ids it knows (theses, metrics). The window refreshes exactly the views showing them.
A write from outside (the command line, another process) is seen only as "the
database changed", which is ``Changes.outside()``: everything may have.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

THESIS = "thesis"  # title, claim, status, conviction, tags, archived, flag
PILLAR = "pillar"  # a pillar's statement or state
JOURNAL = "journal"
EVIDENCE = "evidence"
DOCUMENT = "document"
METRIC = "metric"  # a metric's details, or its links to theses
OBSERVATION = "observation"
RULE = "rule"
ALERT = "alert"  # fired, acknowledged, snoozed
POSITION = "position"
PRICE = "price"
KINDS = frozenset({THESIS, PILLAR, JOURNAL, EVIDENCE, DOCUMENT, METRIC, OBSERVATION, RULE,
                   ALERT, POSITION, PRICE})


@dataclass(frozen=True)
class Changes:
    kinds: frozenset[str] = frozenset()
    theses: frozenset[int] = frozenset()  # theses known to be touched
    metrics: frozenset[int] = frozenset()  # metrics known to be touched
    everything: bool = False  # an outside write: any view may be stale

    @classmethod
    def of(cls, *kinds: str, theses: Iterable[int | None] = (),
           metrics: Iterable[int | None] = ()) -> Changes:
        unknown = set(kinds) - KINDS
        if unknown:
            raise ValueError(f"not a kind of change: {sorted(unknown)}")
        return cls(frozenset(kinds), frozenset(t for t in theses if t is not None),
                   frozenset(m for m in metrics if m is not None))

    @classmethod
    def outside(cls) -> Changes:
        return cls(KINDS, everything=True)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.kinds | other.kinds, self.theses | other.theses,
                       self.metrics | other.metrics, self.everything or other.everything)

    def touches(self, *kinds: str) -> bool:
        return self.everything or not self.kinds.isdisjoint(kinds)


def of_fired(theses: Iterable[int], metrics: Iterable[int] = ()) -> Changes:
    """Alerts fired: the inbox and the rules' state changed, and where a rule guards a
    pillar, that pillar, its thesis's flag and journal too (``theses``)."""
    theses = tuple(theses)
    kinds = (ALERT, RULE) + ((THESIS, PILLAR, JOURNAL) if theses else ())
    return Changes.of(*kinds, theses=theses, metrics=metrics)
