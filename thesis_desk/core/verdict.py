"""The memo's first page: what the thesis is, how sure we are, what would kill it, and
what changed since the last review.

Assembled from what ``build_memo`` has already read (no query of its own but the kill
criteria's series), as plain data the HTML and Markdown writers in ``memo`` lay out.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from thesis_desk.core.records import PillarLabels

if TYPE_CHECKING:
    from thesis_desk.core.memo import MemoPillar
    from thesis_desk.core.records import (
        AlertInfo,
        EvidenceInfo,
        JournalInfo,
        RuleInfo,
        ThesisDetail,
    )

DEFAULT_SINCE_DAYS = 30  # "what changed" covers this much when the thesis was never reviewed
_CHANGE_KINDS = {"conviction": "Conviction", "status": "Status", "pillar_state": "Pillar state",
                 "review": "Review", "outcome": "Outcome"}


@dataclass(frozen=True)
class MemoKill(PillarLabels):
    kind: str
    text: str
    state: str
    rule: str  # "" when no rule watches it
    metric: str
    latest: str  # "112.4 on 2026-11-28", or why there is none
    distance: str  # how far the latest value is from firing


@dataclass(frozen=True)
class MemoBalance:
    label: str  # "Pillar: capex discipline", or "Not tied to a pillar"
    supports: int  # weighted
    contradicts: int
    context: int


@dataclass(frozen=True)
class MemoChange:
    day: dt.date
    what: str
    text: str


@dataclass(frozen=True)
class MemoVerdict:
    since: dt.date
    since_label: str  # "the last review" / "the last 30 days"
    conviction_then: int
    kills: tuple[MemoKill, ...]
    balance: tuple[MemoBalance, ...]
    positions_return: float | None
    changes: tuple[MemoChange, ...]
    outcome: str | None = None  # when closed by the memo's date
    closed_on: dt.date | None = None
    realised_return: float | None = None
    postmortem: tuple[tuple[str, str], ...] = ()  # (heading, text)


def default_since(journal: Sequence[JournalInfo], created: dt.date, as_of: dt.date,
                  end: dt.datetime) -> tuple[dt.date, str, dt.datetime]:
    """(the day shown, its label, the moment changes count from): just after the last
    review or memo before this memo's date (a memo as of an earlier day counts to the end
    of that day), else the start of the day 30 days back (not before the thesis was
    written)."""
    marks: list[tuple[dt.datetime, str]] = []
    for j in journal:
        if j.at >= end:
            continue
        if j.kind == "review":
            marks.append((j.at, "the last review"))
        elif j.kind == "memo":
            try:
                dated = dt.datetime.combine(dt.date.fromisoformat(j.new), dt.time.max)
            except ValueError:
                dated = j.at
            marks.append((min(j.at, dated), "the last memo"))
    if marks:
        at, label = max(marks)
        return at.date(), label, at + dt.timedelta(microseconds=1)
    day = max(created, as_of - dt.timedelta(days=DEFAULT_SINCE_DAYS))
    return day, f"the last {DEFAULT_SINCE_DAYS} days", dt.datetime.combine(day, dt.time())


def trigger_distance(rule: RuleInfo, dates: Sequence[dt.date], values: Sequence[float],
                     as_of: dt.date) -> tuple[str, str]:
    """(the latest value, how far it is from firing) for a kill criterion's rule."""
    if not values:
        return "no observations yet", "cannot tell: nothing observed"
    v, day, t = values[-1], dates[-1], rule.threshold or 0.0
    latest = f"{num(v)} on {day:%Y-%m-%d}"
    if rule.kind in ("above", "below"):
        gap = (t - v) if rule.kind == "above" else (v - t)
        if gap < 0:
            return latest, f"past its trigger ({rule.kind} {num(t)})"
        side = "below" if rule.kind == "above" else "above"
        pct = f" ({gap / abs(t) * 100:.1f}%)" if t else ""
        return latest, f"{num(gap)} {side} its trigger {num(t)}{pct}"
    if rule.kind == "crosses":
        pct = f" ({abs(v - t) / abs(t) * 100:.1f}%)" if t else ""
        side = "above" if v > t else "below"
        return latest, f"{num(abs(v - t))} {side} the level {num(t)}{pct}"
    w = rule.window or 0
    if rule.kind == "change_pct":
        if rule.window_unit == "days":
            older = [i for i, d in enumerate(dates) if (day - d).days >= w]
            base = values[older[-1]] if older else None
            span = f"{w} days"
        else:
            base = values[-1 - w] if len(values) > w else None
            span = f"{w} observations"
        if not base:
            return latest, f"fires at ±{num(t)}% over {span}; too little history yet"
        pct = (v - base) / abs(base) * 100
        return latest, f"{pct:+.1f}% over {span}; fires at ±{num(t)}%"
    if rule.kind == "zscore":
        window = [float(x) for x in values[-1 - w:-1]] if w and len(values) > w else []
        sd = statistics.pstdev(window) if len(window) > 1 else 0.0
        if not sd:
            return latest, f"fires at |z| ≥ {num(t)}; too little history yet"
        z = (v - statistics.fmean(window)) / sd
        return latest, f"z = {z:+.2f} over {w} observations; fires at |z| ≥ {num(t)}"
    if rule.kind == "stale":
        age = (as_of - day).days
        return latest, f"{age} days since the last value; fires after {w} days"
    return latest, ""


def build_verdict(t: ThesisDetail, pillars: Sequence[MemoPillar], journal: Sequence[JournalInfo],
                  evidence: Sequence[EvidenceInfo], alerts: Sequence[AlertInfo],
                  kill_rules: dict[int, list[tuple[RuleInfo, list[dt.date], list[float]]]],
                  positions_return: float | None, *, as_of: dt.date, end: dt.datetime,
                  conviction_then: int, since: dt.date, since_label: str,
                  start: dt.datetime) -> MemoVerdict:
    """The verdict as of ``as_of`` (``pillars``: as they stood then); what changed is
    what happened from ``start`` to ``end``."""
    kills = []
    for p in pillars:
        if p.kind != "kill":
            continue
        watched = kill_rules.get(p.id, []) if p.id is not None else []
        if not watched:
            kills.append(MemoKill(p.kind, p.text, p.state, "", "", "",
                                  "no rule watches it: judged by hand"))
        for rule, dates, values in watched:
            latest, distance = trigger_distance(rule, dates, values, as_of)
            kills.append(MemoKill(p.kind, p.text, p.state, rule.description, rule.metric_name,
                                  latest, distance))

    weights: dict[int | None, list[int]] = {}
    for e in evidence:
        weights.setdefault(e.pillar_id, [0, 0, 0])[
            {"supports": 0, "contradicts": 1}.get(e.stance, 2)] += e.weight
    shown = {p.id for p in pillars}
    balance = [MemoBalance(f"{p.kind_label}: {p.text}", *weights[p.id])
               for p in pillars if p.id in weights]
    loose = [w for pid, w in weights.items() if pid not in shown]
    if loose:
        balance.append(MemoBalance("Not tied to a pillar", *[sum(x) for x in zip(*loose,
                                                                                  strict=True)]))

    changes = [MemoChange(e.created_at.date(), f"Evidence ({e.stance})",
                          f"“{_short(e.quote)}”"
                          + (f" — {e.document.title}" if e.document else ""))
               for e in evidence if start <= e.created_at < end]
    for j in journal:
        if start <= j.at < end and j.kind in _CHANGE_KINDS:
            if j.kind == "outcome":
                text = f"closed: {j.new}" if j.new else f"reopened (was {j.old})"
            else:
                subject = f"{_short(j.subject, 60)}: " if j.subject else ""
                text = subject + (f"{j.old} → {j.new}" if j.old and j.new else j.new or j.old)
            if j.reason:
                text += f" ({_short(j.reason, 120)})"
            changes.append(MemoChange(j.at.date(), _CHANGE_KINDS[j.kind], text))
    changes += [MemoChange(a.fired_at.date(), "Alert", a.message) for a in alerts
                if start <= a.fired_at < end]
    changes.sort(key=lambda c: c.day)  # stable: a day's evidence, then its journal, alerts

    closed = t.closed_on is not None and t.closed_on <= as_of and t.outcome is not None
    post = tuple((h, text) for h, text in (("What happened", t.postmortem_happened),
                                           ("What we missed", t.postmortem_missed),
                                           ("What we would do again", t.postmortem_again))
                 if text) if closed else ()
    return MemoVerdict(since, since_label, conviction_then, tuple(kills), tuple(balance),
                       positions_return, tuple(changes),
                       outcome=t.outcome if closed else None,
                       closed_on=t.closed_on if closed else None,
                       realised_return=t.realised_return if closed else None, postmortem=post)


def num(v: float) -> str:
    """A figure as the memo prints it: four significant digits, whole above 10,000."""
    return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"


def blended_return(pairs: Sequence[tuple[float | None, float]]) -> float | None:
    """Positions' returns weighted by what went in: (return, basis) pairs."""
    known = [(r, b) for r, b in pairs if r is not None]
    basis = sum(b for _, b in known)
    return sum(r * b for r, b in known) / basis if known and basis else None


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"
