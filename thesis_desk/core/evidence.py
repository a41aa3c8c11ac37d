"""Evidence: a passage quoted from a document (or a free-text source), for or against
a thesis and optionally one of its pillars.

The rule everything else relies on: an evidence item's quote equals its document's
text at its offsets. ``add``/``update`` enforce it and ``verify_quotes`` checks it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from thesis_desk.core.db import Database, bulk_rows
from thesis_desk.core.errors import EditConflict, NotFoundError, ValidationError, conflict
from thesis_desk.core.extract import page_of
from thesis_desk.core.library import DOCUMENT_INFO_COLUMNS as _DOCUMENT_INFO_COLUMNS
from thesis_desk.core.library import document_info
from thesis_desk.core.models import Document, Evidence, JournalEntry, Pillar, Thesis
from thesis_desk.core.records import Balance, EvidenceInfo, EvidenceInput
from thesis_desk.core.timeutil import utcnow


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class EvidenceService:
    def __init__(self, db: Database):
        self.db = db

    # -- writing

    def add(self, data: EvidenceInput, *, restore_id: int | None = None) -> EvidenceInfo:
        """File evidence; the quote is checked against the document text."""
        with self.db.write() as s:
            ev = Evidence(created_at=utcnow())
            # An id another writer has taken since (SQLite reuses the highest free id)
            # is not reclaimed: the evidence comes back under a new id.
            if restore_id is not None and s.get(Evidence, restore_id) is None:
                ev.id = restore_id
            self._apply(s, ev, data)
            s.add(ev)
            s.flush()
            s.add(JournalEntry(thesis_id=ev.thesis_id, at=utcnow(), kind="evidence",
                               field="added", new=f"{ev.stance}: {_short(ev.quote)}",
                               evidence_id=ev.id, pillar_id=ev.pillar_id))
            s.flush()
            return _info(s, ev)

    def update(self, evidence_id: int, data: EvidenceInput, *,
               expect: EvidenceInput | None = None,
               seen: EvidenceInfo | None = None) -> EvidenceInfo:
        """``expect``: what the caller last saw there (an undo step): refused if it differs.
        ``seen``: the item as the form opened it: refused (``EditConflict``) when newer."""
        with self.db.write() as s:
            ev = _get(s, evidence_id)
            _expect(s, ev, expect)
            if seen is not None and ev.version != seen.version:
                from thesis_desk.core.theses import changed_since, differences

                current = _info(s, ev)
                raise EditConflict(changed_since(
                    s, "This evidence item", differences(
                        seen.to_input(), current.to_input(),
                        ("quote", "stance", "weight", "note", "pillar_id", "observed_on")),
                    JournalEntry.evidence_id == ev.id), current)
            old = f"{ev.stance}: {_short(ev.quote)}"
            self._apply(s, ev, data)
            ev.updated_at = utcnow()
            s.add(JournalEntry(thesis_id=ev.thesis_id, at=utcnow(), kind="evidence",
                               field="edited", old=old, new=f"{ev.stance}: {_short(ev.quote)}",
                               evidence_id=ev.id, pillar_id=ev.pillar_id))
            s.flush()
            return _info(s, ev)

    def delete(self, evidence_id: int, *, expect: EvidenceInput | None = None) -> EvidenceInfo:
        with self.db.write() as s:
            ev = _get(s, evidence_id)
            _expect(s, ev, expect)
            info = _info(s, ev)
            s.add(JournalEntry(thesis_id=ev.thesis_id, at=utcnow(), kind="evidence",
                               field="removed", old=f"{ev.stance}: {_short(ev.quote)}",
                               pillar_id=ev.pillar_id))
            s.delete(ev)
            return info

    def _apply(self, s: Session, ev: Evidence, data: EvidenceInput) -> None:
        errors = data.validate()
        thesis = s.get(Thesis, data.thesis_id)
        if thesis is None:
            errors["thesis_id"] = "Choose a thesis that exists."
        if data.pillar_id is not None:
            pillar = s.get(Pillar, data.pillar_id)
            if pillar is None or pillar.thesis_id != data.thesis_id:
                errors["pillar_id"] = "That pillar belongs to another thesis."
        start, end, page, observed = data.start_offset, data.end_offset, None, data.observed_on
        if data.document_id is not None and "quote" not in errors:
            doc = s.get(Document, data.document_id)
            if doc is None:
                errors["document_id"] = "That document is no longer in the library."
            else:
                start, end, problem = locate(doc.text, data.quote, start, end)
                if problem:
                    errors["quote"] = problem
                else:
                    page = page_of(start, doc.page_offsets)  # type: ignore[arg-type]
                    observed = observed or doc.published_on
        if errors:
            raise ValidationError(errors)
        ev.thesis_id, ev.pillar_id, ev.document_id = data.thesis_id, data.pillar_id, data.document_id
        ev.quote = data.quote if data.document_id is not None else data.quote.strip()
        ev.start_offset, ev.end_offset, ev.page = (start, end, page) if data.document_id else (None, None, None)
        ev.source_text = "" if data.document_id else data.source_text.strip()
        ev.stance, ev.weight, ev.note = data.stance, data.weight, data.note.strip()
        ev.observed_on = observed

    # -- reading

    def for_thesis(self, thesis_id: int) -> list[EvidenceInfo]:
        with self.db.read() as s:
            rows = s.scalars(select(Evidence).where(Evidence.thesis_id == thesis_id)
                             .order_by(Evidence.created_at, Evidence.id)).all()
            return _infos(s, rows)

    def choices(self) -> list[tuple[int, str, int | None]]:
        """Every evidence item as (id, "thesis: quote", document id), for a picker
        (an observation citing the passage its value is stated in)."""
        with self.db.read() as s:
            rows = s.execute(select(Evidence.id, Thesis.title, Evidence.quote,
                                    Evidence.document_id)
                             .join(Thesis, Thesis.id == Evidence.thesis_id)
                             .order_by(Thesis.title, Evidence.created_at, Evidence.id)).all()
        return [(eid, f"{title}: “{_short(quote, 80)}”", doc) for eid, title, quote, doc in rows]

    def for_document(self, document_id: int) -> list[EvidenceInfo]:
        with self.db.read() as s:
            rows = s.scalars(select(Evidence).where(Evidence.document_id == document_id)
                             .order_by(Evidence.start_offset)).all()
            return _infos(s, rows)

    def get(self, evidence_id: int) -> EvidenceInfo:
        with self.db.read() as s:
            return _info(s, _get(s, evidence_id))

    def balance(self, thesis_id: int) -> Balance:
        return balance_of(self.for_thesis(thesis_id))

    def count(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(Evidence)) or 0)

    def verify_quotes(self) -> list[str]:
        """Every evidence row whose quote no longer equals its document text at its offsets."""
        problems = []
        with self.db.read() as s:
            # the text as bytes: a damaged one may no longer decode (said, not raised)
            rows = bulk_rows(s, "SELECT e.id, e.quote, e.start_offset, e.end_offset, "
                                "TEXTBYTES(d.text) FROM evidence e "
                                "JOIN document d ON d.id = e.document_id", ())
            for eid, quote, start, end, blob in rows:
                try:
                    doc_text = (blob or b"").decode("utf-8")
                except UnicodeDecodeError:
                    problems.append(f"evidence {eid}: its document's stored text is damaged")
                    continue
                if start is None or end is None or doc_text[start:end] != quote:
                    problems.append(f"evidence {eid}: quote differs from its document at "
                                    f"{start}-{end}")
        return problems


def balance_of(items: list[EvidenceInfo]) -> Balance:
    """Weighted for / against / context, overall and per pillar, of evidence already read."""
    totals = {"supports": 0, "contradicts": 0, "context": 0}
    by_pillar: dict[int | None, list[int]] = {}
    for e in items:
        totals[e.stance] = totals.get(e.stance, 0) + e.weight
        if e.stance in ("supports", "contradicts"):
            slot = by_pillar.setdefault(e.pillar_id, [0, 0])
            slot[0 if e.stance == "supports" else 1] += e.weight
    return Balance(totals["supports"], totals["contradicts"], totals["context"],
                   {k: (v[0], v[1]) for k, v in by_pillar.items()})


def locate(text: str, quote: str, start: int | None, end: int | None) -> tuple[int, int, str]:
    """Offsets of ``quote`` in ``text``: the given ones if they match, else its first
    occurrence. Returns (start, end, problem) with problem "" when found."""
    if start is not None and end is not None:
        if 0 <= start <= end <= len(text) and text[start:end] == quote:
            return start, end, ""
        return 0, 0, "The quote does not match the document text at the selected place."
    at = text.find(quote)
    if at < 0:
        return 0, 0, "This passage is not in the document: quote it exactly as it stands."
    return at, at + len(quote), ""


def _expect(s: Session, ev: Evidence, expect: EvidenceInput | None) -> None:
    """The row is still what the step left there: same item, nobody's edit since."""
    if expect is not None and _info(s, ev).to_input() != expect:
        raise conflict(f"Evidence {ev.id} (“{_short(ev.quote)}”)")


def _get(s: Session, evidence_id: int) -> Evidence:
    ev = s.get(Evidence, evidence_id)
    if ev is None:
        raise NotFoundError(f"Evidence {evidence_id} does not exist.")
    return ev


def _infos(s: Session, rows: Sequence[Evidence]) -> list[EvidenceInfo]:
    """Related rows read once per kind, not once per item: the session keeps objects
    weakly, so a get per item went back to the database every time (200 items: 0.2 s)."""
    def by_id(model: type, ids: set[int | None], *cols: object) -> dict[int, object]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        q = select(model).where(model.id.in_(wanted))  # type: ignore[attr-defined]
        if cols:
            q = q.options(load_only(*cols))  # type: ignore[arg-type]
        return {o.id: o for o in s.scalars(q)}  # type: ignore[attr-defined]

    docs = by_id(Document, {ev.document_id for ev in rows}, *_DOCUMENT_INFO_COLUMNS)
    pillars = by_id(Pillar, {ev.pillar_id for ev in rows})
    theses = by_id(Thesis, {ev.thesis_id for ev in rows})
    return [_info_from(ev, docs, pillars, theses) for ev in rows]


def _info(s: Session, ev: Evidence) -> EvidenceInfo:
    return _infos(s, [ev])[0]


def _info_from(ev: Evidence, docs: dict, pillars: dict, theses: dict) -> EvidenceInfo:
    doc = docs.get(ev.document_id)
    pillar = pillars.get(ev.pillar_id)
    thesis = theses.get(ev.thesis_id)
    return EvidenceInfo(
        id=ev.id, thesis_id=ev.thesis_id, thesis_title=thesis.title if thesis else "",  # type: ignore[attr-defined]
        pillar_id=ev.pillar_id, pillar_text=pillar.text if pillar else "",  # type: ignore[attr-defined]
        document_id=ev.document_id, document=document_info(doc) if doc else None,  # type: ignore[arg-type]
        quote=ev.quote, start_offset=ev.start_offset, end_offset=ev.end_offset, page=ev.page,
        source_text=ev.source_text, stance=ev.stance, weight=ev.weight, note=ev.note,
        observed_on=ev.observed_on, created_at=ev.created_at, author=ev.author or "",
        version=ev.version or 0,
    )
