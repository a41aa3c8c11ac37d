"""Closing the loop on theses: how each ended, how well conviction was calibrated, and
which are due a review.

Conviction (0-100) is read as the probability the thesis turns out right. The journal
already records every move of it, so the conviction a thesis was opened with and the
last one before it closed are replayed from the journal, never stored twice.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from thesis_desk.core.db import Database
from thesis_desk.core.enums import REVIEW_DAYS, pillar_state_label
from thesis_desk.core.errors import UserError, ValidationError, raise_if
from thesis_desk.core.models import JournalEntry, Pillar, Thesis
from thesis_desk.core.records import (
    Calibration,
    CalibrationBand,
    CatalystDue,
    CloseInput,
    ClosedThesis,
    ReviewDue,
    ReviewInput,
    ThesisDetail,
    ThesisInput,
)
from thesis_desk.core.theses import _detail, _expect_thesis, _journal, _load
from thesis_desk.core.timeutil import utcnow

# Conviction bands of the calibration chart, and how few theses make a band unreliable.
BANDS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))
FEW_IN_BAND = 3
_PATH_KINDS = ("created", "conviction", "status", "outcome")


class OutcomeService:
    def __init__(self, db: Database):
        self.db = db

    # -- closing and reopening

    def close(self, thesis_id: int, data: CloseInput, *,
              expect: ThesisInput | None = None) -> ThesisDetail:
        """Close with its outcome, post-mortem and the positions' realised return on
        the closing day; journaled (status and outcome)."""
        from thesis_desk.core.portfolio import thesis_return_on

        with self.db.write() as s:
            t = _load(s, thesis_id)
            _expect_thesis(t, expect)
            if t.outcome is not None:
                raise UserError(f"“{t.title}” was closed on {t.closed_on:%Y-%m-%d} as "
                                f"{t.outcome}; reopen it first to close it again.")
            raise_if(data.validate(t.created_at.date()))
            old = t.status
            t.status, t.outcome, t.closed_on = "closed", data.outcome, data.on
            t.postmortem_happened = data.happened.strip()
            t.postmortem_missed = data.missed.strip()
            t.postmortem_again = data.again.strip()
            t.realised_return = thesis_return_on(s, thesis_id, data.on)
            t.updated_at = utcnow()
            if old != "closed":
                _journal(s, t.id, "status", field="status", old=old, new="closed",
                         reason=f"Closed on {data.on:%Y-%m-%d}: {data.outcome}")
            _journal(s, t.id, "outcome", field="outcome", new=data.outcome,
                     reason=_first_line(data.happened))
            s.flush()
            return _detail(t)

    def reopen(self, thesis_id: int, *, reason: str, status: str = "active",
               expect: ThesisInput | None = None) -> ThesisDetail:
        """Back to ``status`` with its outcome cleared (the journal keeps what it was)."""
        if not reason.strip():
            raise ValidationError({"reason": "Say in one line why the thesis is reopened."})
        if status == "closed" or status not in REVIEW_DAYS:
            raise ValidationError({"status": f"Reopen it as one of {', '.join(REVIEW_DAYS)}."})
        with self.db.write() as s:
            t = _load(s, thesis_id)
            _expect_thesis(t, expect)
            if t.status != "closed":
                raise UserError(f"“{t.title}” is not closed (it is {t.status}).")
            _journal(s, t.id, "outcome", field="outcome", old=t.outcome or "not recorded",
                     reason=reason)
            _journal(s, t.id, "status", field="status", old="closed", new=status,
                     reason=reason)
            t.status, t.outcome, t.closed_on, t.realised_return = status, None, None, None
            t.postmortem_happened = t.postmortem_missed = t.postmortem_again = ""
            t.updated_at = utcnow()
            s.flush()
            return _detail(t)

    # -- calibration

    def closed_theses(self) -> list[ClosedThesis]:
        """Every closed thesis (archived ones too), newest close first."""
        with self.db.read() as s:
            theses = s.scalars(select(Thesis).where(Thesis.status == "closed")).all()
            journals = _journals(s, [t.id for t in theses])
            out = []
            for t in theses:
                entries = journals.get(t.id, [])
                path = conviction_path(t.created_at, t.conviction, entries)
                opened = opened_at(t.created_at, entries)
                closing = [j.at for j in entries if j.kind == "outcome" and j.new]
                last = conviction_at(path, closing[-1]) if closing else t.conviction
                out.append(ClosedThesis(t.id, t.title, t.outcome, opened.date(), t.closed_on,
                                        conviction_at(path, opened), last, t.realised_return))
        out.sort(key=lambda c: (c.closed_on or dt.date.min, c.thesis_id), reverse=True)
        return out

    def calibration(self) -> Calibration:
        return calibrate(self.closed_theses())

    def conviction_history(self, thesis_id: int) -> list[tuple[dt.datetime, int]]:
        """(when, conviction) at creation and after every change, oldest first."""
        with self.db.read() as s:
            t = _load(s, thesis_id, light=True)
            return conviction_path(t.created_at, t.conviction, _journals(s, [t.id]).get(t.id, []))

    # -- reviews

    def reviews_due(self, today: dt.date | None = None) -> list[ReviewDue]:
        """Live theses whose review interval has run out by ``today``, most overdue first."""
        today = today or dt.date.today()
        with self.db.read() as s:
            rows = s.execute(select(Thesis.id, Thesis.title, Thesis.status, Thesis.conviction,
                                    Thesis.review_days, Thesis.reviewed_at, Thesis.created_at)
                             .where(Thesis.archived_at.is_(None), Thesis.status != "closed")).all()
        out = []
        for tid, title, status, conviction, own, reviewed, created in rows:
            interval = own or REVIEW_DAYS.get(status)
            if not interval:
                continue
            due_on = (reviewed or created).date() + dt.timedelta(days=interval)
            if due_on <= today:
                out.append(ReviewDue(tid, title, status, conviction,
                                     reviewed.date() if reviewed else None, interval, due_on,
                                     (today - due_on).days))
        out.sort(key=lambda r: (-r.overdue_days, r.title))
        return out

    def catalysts_due(self, today: dt.date | None = None) -> list[CatalystDue]:
        """Catalysts still pending (or slipping) after their due date: a reminder stays
        until the catalyst is marked happened or missed, or given a new date."""
        today = today or dt.date.today()
        with self.db.read() as s:
            rows = s.execute(
                select(Thesis.id, Thesis.title, Pillar.id, Pillar.text, Pillar.due_date,
                       Pillar.state)
                .join(Thesis, Thesis.id == Pillar.thesis_id)
                .where(Pillar.kind == "catalyst", Pillar.state.in_(("intact", "at_risk")),
                       Pillar.due_date < today, Thesis.archived_at.is_(None),
                       Thesis.status != "closed")).all()
        out = [CatalystDue(tid, title, pid, text, due, state, (today - due).days)
               for tid, title, pid, text, due, state in rows]
        out.sort(key=lambda c: (-c.overdue_days, c.title))
        return out

    def review(self, thesis_id: int, data: ReviewInput) -> ThesisDetail:
        """Write a review to the journal: the conviction reaffirmed or changed, the
        pillar states that changed, the note; the thesis counts as reviewed now."""
        raise_if(data.validate())
        note = data.note.strip()
        with self.db.write() as s:
            t = _load(s, thesis_id)
            if t.status == "closed":
                raise UserError(f"“{t.title}” is closed: reopen it to review it.")
            pillars = {p.id: p for p in t.pillars}
            unknown = [pid for pid, _ in data.pillar_states if pid not in pillars]
            if unknown:
                raise UserError(f"Pillar {unknown[0]} is not one of this thesis's "
                                "(removed meanwhile?): reopen the review.")
            moved = 0
            for pid, state in data.pillar_states:
                p = pillars[pid]
                if p.state != state:
                    _journal(s, t.id, "pillar_state", field="state",
                             old=pillar_state_label(p.kind, p.state),
                             new=pillar_state_label(p.kind, state), reason=note, pillar_id=p.id)
                    p.state = state
                    moved += 1
            if data.conviction != t.conviction:
                _journal(s, t.id, "conviction", field="conviction", old=str(t.conviction),
                         new=str(data.conviction), reason=note)
                summary = f"conviction {t.conviction} -> {data.conviction}"
                t.conviction = data.conviction
            else:
                summary = f"conviction {t.conviction} reaffirmed"
            if moved:
                summary += f"; {moved} pillar state{'s' if moved != 1 else ''} changed"
            _journal(s, t.id, "review", field="review", new=summary, reason=note)
            t.reviewed_at = t.updated_at = utcnow()
            s.flush()
            return _detail(t)


# ---------------------------------------------------------------- replaying the journal


def _journals(s: Session, thesis_ids: Sequence[int]) -> dict[int, list[JournalEntry]]:
    """The entries that move conviction or status, per thesis, oldest first."""
    out: dict[int, list[JournalEntry]] = {}
    for start in range(0, len(thesis_ids), 500):
        chunk = list(thesis_ids[start:start + 500])
        for e in s.scalars(select(JournalEntry)
                           .where(JournalEntry.thesis_id.in_(chunk),
                                  JournalEntry.kind.in_(_PATH_KINDS))
                           .order_by(JournalEntry.at, JournalEntry.id)):
            out.setdefault(e.thesis_id, []).append(e)
    return out


def conviction_path(created_at: dt.datetime, current: int,
                    entries: Iterable[JournalEntry]) -> list[tuple[dt.datetime, int]]:
    """Conviction over time: what it started at (the first change's old value, else
    what it is now), then every change."""
    changes = [e for e in entries if e.kind == "conviction"]
    start = _int(changes[0].old, current) if changes else current
    return [(created_at, start)] + [(e.at, _int(e.new, current)) for e in changes]


def opened_at(created_at: dt.datetime, entries: Iterable[JournalEntry]) -> dt.datetime:
    """When the thesis was opened: first made active, else created (a draft that went
    straight to closed was opened when it was written)."""
    for e in entries:
        if e.kind == "status" and e.new == "active":
            return e.at
    return created_at


def conviction_at(path: Sequence[tuple[dt.datetime, int]], when: dt.datetime) -> int:
    value = path[0][1]
    for at, c in path:
        if at <= when:
            value = c
    return value


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[0][:300] if lines else ""


# ---------------------------------------------------------------- scoring


def brier(pairs: Iterable[tuple[int, bool]]) -> float | None:
    """Mean squared gap between conviction (as a probability) and what happened."""
    scores = [(c / 100 - (1.0 if right else 0.0)) ** 2 for c, right in pairs]
    return sum(scores) / len(scores) if scores else None


def calibrate(closed: Sequence[ClosedThesis]) -> Calibration:
    """Brier scores at opening and at the last conviction, and a calibration table by
    the opening conviction's band. Mixed outcomes (and closings without one) are listed
    but not scored."""
    scored = [c for c in closed if c.scored]
    bands = []
    for lo, hi in BANDS:
        inside = [c for c in scored if lo <= c.conviction_open <= hi]
        right = sum(c.outcome == "right" for c in inside)
        rets = [c.realised_return for c in inside if c.realised_return is not None]
        bands.append(CalibrationBand(
            lo, hi, len(inside), right,
            statistics.fmean(c.conviction_open for c in inside) if inside else None,
            right / len(inside) if inside else None,
            statistics.fmean(rets) if rets else None,
            len(inside) < FEW_IN_BAND))
    rets = [c.realised_return for c in scored if c.realised_return is not None]
    held = [c.days_held for c in closed if c.days_held is not None]
    return Calibration(
        theses=tuple(closed), scored=len(scored),
        brier_open=brier((c.conviction_open, c.outcome == "right") for c in scored),
        brier_last=brier((c.conviction_last, c.outcome == "right") for c in scored),
        hit_rate=(sum(c.outcome == "right" for c in scored) / len(scored)) if scored else None,
        avg_return=statistics.fmean(rets) if rets else None,
        median_days_held=statistics.median(held) if held else None,
        bands=tuple(bands))
