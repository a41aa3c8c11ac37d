"""Theses, their pillars, and the journal that records every change of judgement.

Each public method is one unit of work (one transaction) and returns plain frozen
dataclasses, so the GUI and the CLI never hold a database session. Every change of
conviction, status or pillar state needs a reason and writes a journal entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from thesis_desk.core.db import Database
from thesis_desk.core.enums import STATUSES, pillar_state_label
from thesis_desk.core.errors import (
    EditConflict,
    NotFoundError,
    UserError,
    ValidationError,
    conflict,
    raise_if,
)
from thesis_desk.core.models import Instrument, JournalEntry, Pillar, Tag, Thesis
from thesis_desk.core.records import (  # noqa: F401 (re-exported for callers)
    JournalInfo,
    PillarInfo,
    PillarInput,
    ThesisDetail,
    ThesisInput,
    ThesisSummary,
    describe,
    split_list,
)
from thesis_desk.core.snapshot import thesis_summaries
from thesis_desk.core.timeutil import utcnow

# ---------------------------------------------------------------- service


_TRACKED = ("conviction", "status")
_PLAIN_FIELDS = ("title", "claim", "narrative", "direction", "horizon", "review_days",
                 "visibility")
_CLOSE_HOW = ("Close it with Thesis > Close Thesis… (or `thesis-desk theses close`): that "
              "records its outcome.")


class ThesisService:
    def __init__(self, db: Database):
        self.db = db

    # -- reading

    def list(self, *, include_archived: bool = True) -> list[ThesisSummary]:
        with self.db.read() as s:
            return thesis_summaries(lambda sql: s.execute(text(sql)).all(),
                                    include_archived=include_archived)

    def get(self, thesis_id: int) -> ThesisDetail:
        with self.db.read() as s:
            return _detail(_load(s, thesis_id))

    def resolve(self, ref: str | int) -> int:
        """A thesis id from an id or an exact title (how the CLI names theses)."""
        text = str(ref).strip()
        with self.db.read() as s:
            if text.isdigit():
                if s.get(Thesis, int(text)) is not None:
                    return int(text)
            ids = s.scalars(select(Thesis.id).where(Thesis.title == text)).all()
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise UserError(
                f"{len(ids)} theses are titled '{text}' (ids {', '.join(map(str, ids))}); "
                "name one by its id."
            )
        raise NotFoundError(f"No thesis has the id or exact title '{text}'. "
                            "List them with: thesis-desk theses list")

    def journal(self, thesis_id: int) -> list[JournalInfo]:
        with self.db.read() as s:
            _load(s, thesis_id, light=True)
            q = (
                select(JournalEntry, Pillar.text)
                .outerjoin(Pillar, Pillar.id == JournalEntry.pillar_id)
                .where(JournalEntry.thesis_id == thesis_id)
                .order_by(JournalEntry.at.desc(), JournalEntry.id.desc())
            )
            return [_journal_info(e, ptext) for e, ptext in s.execute(q)]

    def instrument_symbols(self) -> list[str]:
        with self.db.read() as s:
            return list(s.scalars(select(Instrument.symbol).order_by(Instrument.symbol)))

    def tag_names(self) -> list[str]:
        with self.db.read() as s:
            return list(s.scalars(select(Tag.name).order_by(Tag.name)))

    def counts(self) -> dict[str, int]:
        with self.db.read() as s:
            rows = s.execute(
                select(Thesis.status, Thesis.archived_at.is_(None), func.count())
                .group_by(Thesis.status, Thesis.archived_at.is_(None))
            ).all()
        out = {"theses": 0, "archived": 0, **{st: 0 for st in STATUSES}}
        for status, live, n in rows:
            out["theses"] += n
            if live:
                out[status] = out.get(status, 0) + n
            else:
                out["archived"] += n
        return out

    # -- writing

    def create(self, data: ThesisInput, *, reason: str = "",
               restore_id: int | None = None) -> ThesisDetail:
        """Create a thesis; ``restore_id`` recreates one under its old id (redo after undo)."""
        data = _checked(data)
        if data.status == "closed":
            raise ValidationError({"status": "A new thesis cannot start closed. " + _CLOSE_HOW})
        with self.db.write() as s:
            now = utcnow()
            t = Thesis(
                title=data.title, claim=data.claim, narrative=data.narrative,
                direction=data.direction, status=data.status, conviction=data.conviction,
                horizon=data.horizon, review_days=data.review_days,
                visibility=data.visibility, created_at=now, updated_at=now,
            )
            if restore_id is not None and s.get(Thesis, restore_id) is None:
                t.id = restore_id  # else taken by another writer since: a new id
            t.instruments = _instruments(s, data.instruments)
            t.tags = _tags(s, data.tags)
            s.add(t)
            s.flush()
            _journal(s, t.id, "created", new=f"{data.status}, conviction {data.conviction}",
                     reason=reason)
            s.flush()
            return _detail(t)

    def update(self, thesis_id: int, data: ThesisInput, *, reason: str = "",
               expect: ThesisInput | None = None,
               seen: ThesisDetail | None = None) -> ThesisDetail:
        """Apply an edit. A change of conviction or status needs a one-line reason.
        ``expect``: what the caller last saw there (an undo step): refused if it differs.
        ``seen``: the thesis as the form opened it: refused (``EditConflict``, saying what
        changed and by whom) if it has a newer version now."""
        data = _checked(data)
        reason = reason.strip()
        with self.db.write() as s:
            t = _load(s, thesis_id)
            _expect_thesis(t, expect)
            if seen is not None and t.version != seen.version:
                current = _detail(t)
                raise EditConflict(changed_since(
                    s, f"“{t.title}”", differences(seen.to_input(), current.to_input()),
                    JournalEntry.thesis_id == t.id), current)
            if t.status != data.status and "closed" in (t.status, data.status):
                raise ValidationError({"status": (
                    _CLOSE_HOW if data.status == "closed" else
                    "A closed thesis is reopened with Thesis > Reopen Thesis… (or "
                    "`thesis-desk theses reopen`), which says why in the journal.")})
            tracked = [f for f in _TRACKED if getattr(t, f) != getattr(data, f)]
            if tracked and not reason:
                raise ValidationError(
                    {"reason": f"Say in one line why the {' and '.join(tracked)} changed."}
                )
            for f in tracked:
                _journal(s, t.id, f, field=f, old=str(getattr(t, f)), new=str(getattr(data, f)),
                         reason=reason)
                setattr(t, f, getattr(data, f))
            edited = [f for f in _PLAIN_FIELDS if getattr(t, f) != getattr(data, f)]
            for f in edited:
                setattr(t, f, getattr(data, f))
            if tuple(i.symbol for i in t.instruments) != tuple(sorted(data.instruments)):
                t.instruments = _instruments(s, data.instruments)
                edited.append("instruments")
            if tuple(g.name for g in t.tags) != tuple(sorted(data.tags)):
                t.tags = _tags(s, data.tags)
                edited.append("tags")
            if edited:
                _journal(s, t.id, "edited", field=", ".join(edited), reason=reason)
            if tracked or edited:
                t.updated_at = utcnow()
            s.flush()
            return _detail(t)

    def record_memo(self, thesis_id: int, as_of: dt.date, file_name: str) -> None:
        """A memo went out: the next one says what changed since it."""
        with self.db.write() as s:
            _load(s, thesis_id, light=True)
            _journal(s, thesis_id, "memo", field="memo", new=as_of.isoformat(),
                     reason=f"Exported {file_name}")

    def set_archived(self, thesis_id: int, archived: bool, *, reason: str = "",
                     expect: ThesisInput | None = None) -> ThesisDetail:
        with self.db.write() as s:
            t = _load(s, thesis_id)
            _expect_thesis(t, expect)
            if (t.archived_at is not None) != archived:
                t.archived_at = utcnow() if archived else None
                t.updated_at = utcnow()
                _journal(s, t.id, "archived", old=str(not archived).lower(),
                         new=str(archived).lower(), reason=reason)
            s.flush()
            return _detail(t)

    def delete(self, thesis_id: int, *, expect: ThesisInput | None = None) -> None:
        """Delete for good, with its pillars, evidence links and journal."""
        with self.db.write() as s:
            t = _load(s, thesis_id, light=expect is None)
            _expect_thesis(t, expect)
            s.delete(t)

    # -- pillars

    def add_pillar(self, thesis_id: int, data: PillarInput, *, reason: str = "",
                   restore_id: int | None = None) -> PillarInfo:
        """Add a pillar; ``restore_id`` puts back a deleted one under its old id (undo)."""
        raise_if(data.validate())
        with self.db.write() as s:
            t = _load(s, thesis_id, light=True)
            pos = s.scalar(select(func.coalesce(func.max(Pillar.position), -1) + 1)
                           .where(Pillar.thesis_id == thesis_id))
            p = Pillar(thesis_id=thesis_id, kind=data.kind, text=data.text.strip(),
                       state=data.state, due_date=data.due_date, position=pos)
            if restore_id is not None and s.get(Pillar, restore_id) is None:
                p.id = restore_id  # else taken by another writer since: a new id
            s.add(p)
            s.flush()
            _journal(s, thesis_id, "pillar", field="added", new=p.text, pillar_id=p.id,
                     reason=reason)
            t.updated_at = utcnow()
            s.flush()
            return _pillar_info(p)

    def update_pillar(self, pillar_id: int, data: PillarInput, *, reason: str = "",
                      expect: PillarInfo | None = None,
                      seen: PillarInfo | None = None) -> PillarInfo:
        """``seen``: the pillar as the form opened it (see ``update``)."""
        raise_if(data.validate())
        reason = reason.strip()
        with self.db.write() as s:
            p = s.get(Pillar, pillar_id)
            if p is None:
                raise NotFoundError(f"Pillar {pillar_id} no longer exists.")
            _expect_pillar(p, expect)
            if seen is not None and p.version != seen.version:
                current = _pillar_info(p)
                raise EditConflict(changed_since(
                    s, "This pillar", differences(seen, current, ("kind", "text", "state",
                                                                   "due_date")),
                    JournalEntry.pillar_id == p.id), current)
            if p.state != data.state:
                if not reason:
                    raise ValidationError({"reason": "Say in one line why the state changed."})
                _journal(s, p.thesis_id, "pillar_state", field="state",
                         old=pillar_state_label(p.kind, p.state),
                         new=pillar_state_label(data.kind, data.state),
                         reason=reason, pillar_id=p.id)
                p.state = data.state
            text = data.text.strip()
            if (p.kind, p.text, p.due_date) != (data.kind, text, data.due_date):
                _journal(s, p.thesis_id, "pillar", field="edited", old=p.text, new=text,
                         reason=reason, pillar_id=p.id)
                p.kind, p.text, p.due_date = data.kind, text, data.due_date
            s.get(Thesis, p.thesis_id).updated_at = utcnow()  # type: ignore[union-attr]
            s.flush()
            return _pillar_info(p)

    def delete_pillar(self, pillar_id: int, *, reason: str = "",
                      expect: PillarInfo | None = None) -> PillarInfo:
        with self.db.write() as s:
            p = s.get(Pillar, pillar_id)
            if p is None:
                raise NotFoundError(f"Pillar {pillar_id} no longer exists.")
            _expect_pillar(p, expect)
            info = _pillar_info(p)
            _journal(s, p.thesis_id, "pillar", field="removed", old=p.text, reason=reason)
            s.delete(p)
            return info


# ---------------------------------------------------------------- helpers


def differences(before: object, after: object, fields: Sequence[str] | None = None) -> list[str]:
    """What moved between two records, as a person reads it: "conviction 60 -> 70"."""
    names = fields or [f for f in vars(before) if not f.startswith("_")]
    out = []
    for f in names:
        a, b = getattr(before, f), getattr(after, f)
        if a != b:
            show = (lambda v: ", ".join(v) if isinstance(v, tuple | list) else str(v))  # noqa: E731
            short = [x if len(x) <= 40 else x[:39] + "…" for x in (show(a), show(b))]
            out.append(f"{f.replace('_', ' ')} {short[0]} -> {short[1]}")
    return out


def changed_since(s: Session, what: str, changes: list[str], where: object) -> str:
    """"… was changed by bob at 15:40 since you opened it (conviction 60 -> 70)": the
    newest journal entry about the row says who and when."""
    last = s.execute(select(JournalEntry.author, JournalEntry.at).where(where)
                     .order_by(JournalEntry.at.desc(), JournalEntry.id.desc()).limit(1)).first()
    who = (f" by {last[0]}" if last and last[0] else " in another window or program")
    when = f" at {last[1]:%Y-%m-%d %H:%M} UTC" if last else ""
    moved = f" ({'; '.join(changes)})" if changes else ""
    return (f"{what} was changed{who}{when} since you opened it{moved}. Nothing was saved. "
            "The form now starts from that newer version with your edit kept: Save again "
            "to apply your edit over it, or Cancel to keep theirs.")


def _expect_thesis(t: Thesis, expect: ThesisInput | None) -> None:
    """The row is still what the step left there: same thesis, nobody's edit since."""
    if expect is not None and _detail(t).to_input() != expect:
        raise conflict(f"Thesis {t.id} (“{t.title}”)")


def _expect_pillar(p: Pillar, expect: PillarInfo | None) -> None:
    if expect is None:
        return
    if ((p.thesis_id, p.kind, p.text, p.state, p.due_date)
            != (expect.thesis_id, expect.kind, expect.text, expect.state, expect.due_date)):
        raise conflict(f"Pillar {p.id} (“{p.text[:60]}”)")


def _checked(data: ThesisInput) -> ThesisInput:
    data = data.normalized()
    raise_if(data.validate())
    return data


def _load(s: Session, thesis_id: int, *, light: bool = False) -> Thesis:
    if light:
        t = s.get(Thesis, thesis_id)
    else:
        t = s.scalars(
            select(Thesis)
            .where(Thesis.id == thesis_id)
            .options(selectinload(Thesis.instruments), selectinload(Thesis.tags),
                     selectinload(Thesis.pillars))
        ).one_or_none()
    if t is None:
        raise NotFoundError(f"Thesis {thesis_id} does not exist (it may have been deleted).")
    return t


def _named(s: Session, model: type, column: str, names: Sequence[str]) -> list:
    """Rows of ``model`` whose ``column`` is one of ``names``, created where missing."""
    if not names:
        return []
    col = getattr(model, column)
    found = {getattr(r, column): r for r in s.scalars(select(model).where(col.in_(names)))}
    for name in names:
        if name not in found:
            found[name] = model(**{column: name})
            s.add(found[name])
    return [found[n] for n in sorted(names)]


def _instruments(s: Session, symbols: Sequence[str]) -> list[Instrument]:
    return _named(s, Instrument, "symbol", symbols)


def _tags(s: Session, names: Sequence[str]) -> list[Tag]:
    return _named(s, Tag, "name", names)


def _journal(s: Session, thesis_id: int, kind: str, *, field: str = "", old: str = "",
             new: str = "", reason: str = "", pillar_id: int | None = None) -> None:
    s.add(JournalEntry(thesis_id=thesis_id, at=utcnow(), kind=kind, field=field, old=old,
                       new=new, reason=reason.strip(), pillar_id=pillar_id))


def _pillar_info(p: Pillar) -> PillarInfo:
    return PillarInfo(id=p.id, thesis_id=p.thesis_id, kind=p.kind, text=p.text, state=p.state,
                      due_date=p.due_date, position=p.position, version=p.version or 0)


def _summary_fields(t: Thesis) -> dict:
    return dict(
        id=t.id, title=t.title, claim=t.claim, direction=t.direction, status=t.status,
        conviction=t.conviction, horizon=t.horizon,
        instruments=tuple(i.symbol for i in t.instruments),
        tags=tuple(g.name for g in t.tags),
        created_at=t.created_at, updated_at=t.updated_at,
        archived=t.archived_at is not None, flagged=t.flagged_at is not None,
        outcome=t.outcome, closed_on=t.closed_on, review_days=t.review_days,
        reviewed_at=t.reviewed_at, visibility=t.visibility or "team",
    )


def _detail(t: Thesis) -> ThesisDetail:
    return ThesisDetail(**_summary_fields(t), narrative=t.narrative,
                        pillars=tuple(_pillar_info(p) for p in t.pillars),
                        realised_return=t.realised_return, author=t.author or "",
                        version=t.version or 0,
                        postmortem_happened=t.postmortem_happened or "",
                        postmortem_missed=t.postmortem_missed or "",
                        postmortem_again=t.postmortem_again or "")


def _journal_info(e: JournalEntry, pillar_text: str | None) -> JournalInfo:
    return JournalInfo(id=e.id, thesis_id=e.thesis_id, at=e.at, kind=e.kind, field=e.field,
                       old=e.old, new=e.new, reason=e.reason, pillar_id=e.pillar_id,
                       subject=pillar_text or "", author=e.author or "")
