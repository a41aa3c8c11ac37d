"""What an operation changed, so the one place that refreshes views knows which to.

Every write in the window reports a ``Changes``: the kinds of things it touched and the
ids it knows (theses, metrics). The window refreshes exactly the views showing them.
A write from outside (the command line, another process) is seen as "the database
changed"; ``marks`` and ``outside_changes`` then tell which kinds: cheap aggregates per
table (counts, the newest id, the last edit), compared with the last ones seen. Where
nothing they watch moved (an edit they cannot see), it is ``Changes.outside()``:
everything may have. Where only series packs moved (another process packed a series it
read), nothing any view shows changed.
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


# What the aggregates watch, per kind of change: one SELECT of scalar subqueries, each
# answered from an index or a small table (observation: the newest id only; a count of
# millions of rows would not be cheap).
_MARKS = {
    (THESIS,): "SELECT count(*), max(id), max(updated_at), max(archived_at), "
               "max(flagged_at) FROM thesis",
    (PILLAR,): "SELECT count(*), max(id) FROM pillar",
    (THESIS, PILLAR, JOURNAL): "SELECT count(*), max(id) FROM journal_entry",
    (JOURNAL, THESIS): "SELECT count(*), max(id) FROM comment",  # a thesis's discussion
    (EVIDENCE,): "SELECT count(*), max(id), max(updated_at) FROM evidence",
    (DOCUMENT,): "SELECT count(*), max(id) FROM document",
    (METRIC,): "SELECT (SELECT count(*) FROM metric), (SELECT max(id) FROM metric), "
               "(SELECT count(*) FROM thesis_metric)",
    (OBSERVATION, PRICE): "SELECT max(id) FROM observation",
    # (sums of CASE, not SQLite's total(): the same text runs on a PostgreSQL server)
    (RULE,): "SELECT count(*), max(id), sum(CASE WHEN triggered THEN 1 ELSE 0 END), "
             "sum(CASE WHEN enabled THEN 1 ELSE 0 END) FROM alert_rule",
    (ALERT,): "SELECT count(*), max(id), sum(CASE WHEN state = 'new' THEN 1 ELSE 0 END), "
              "sum(CASE WHEN state = 'snoozed' THEN 1 ELSE 0 END) FROM alert",
    (POSITION,): "SELECT count(*), max(id) FROM position",
    # a series packed (a memo's export, a history judged): nothing any view shows
    (): "SELECT count(*), sum(rows) FROM series_pack",
}


def marks(connection) -> dict[tuple[str, ...], tuple]:  # noqa: ANN001 - a DB-API connection
    """The aggregates ``outside_changes`` compares (a few milliseconds at fund size)."""
    cur = connection.cursor()
    try:
        out = {}
        for kinds, sql in _MARKS.items():
            cur.execute(sql)
            out[kinds] = tuple(cur.fetchone())
        return out
    finally:
        cur.close()


def outside_changes(before: dict, after: dict) -> Changes:
    """The kinds whose aggregates moved between two ``marks``; everything when none did
    (an edit in place they do not watch) or when there is nothing to compare with."""
    if not before:
        return Changes.outside()
    moved = [key for key, value in after.items() if before.get(key) != value]
    if not moved:
        return Changes.outside()
    return Changes.of(*{k for key in moved for k in key})  # none: only series packed
