"""Plain records of theses, pillars and journal entries, and the rules for valid input.

No SQLAlchemy here: the GUI imports these to paint its first window before the
database layer has loaded, and the services return them so nobody holds a session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from thesis_desk.core.enums import (
    CONVICTION_RANGE,
    DIRECTIONS,
    PILLAR_KIND_LABELS,
    PILLAR_KINDS,
    PILLAR_STATES,
    STATUSES,
    pillar_state_label,
)

TITLE_MAX = 200
CLAIM_MAX = 600
SYMBOL_MAX = 32
TAG_MAX = 80


# ---------------------------------------------------------------- plain data


class PillarLabels:
    """Display names of a pillar's kind and state (for anything with ``kind`` and ``state``)."""

    kind: str
    state: str

    @property
    def kind_label(self) -> str:
        return PILLAR_KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return pillar_state_label(self.kind, self.state)


@dataclass(frozen=True)
class PillarInfo(PillarLabels):
    id: int
    thesis_id: int
    kind: str
    text: str
    state: str
    due_date: dt.date | None
    position: int


@dataclass(frozen=True)
class ThesisSummary:
    id: int
    title: str
    claim: str
    direction: str
    status: str
    conviction: int
    horizon: dt.date | None
    instruments: tuple[str, ...]
    tags: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    archived: bool
    flagged: bool


@dataclass(frozen=True)
class ThesisDetail(ThesisSummary):
    narrative: str = ""
    pillars: tuple[PillarInfo, ...] = ()

    def to_input(self) -> ThesisInput:
        return ThesisInput(
            title=self.title,
            claim=self.claim,
            narrative=self.narrative,
            direction=self.direction,
            status=self.status,
            conviction=self.conviction,
            horizon=self.horizon,
            instruments=self.instruments,
            tags=self.tags,
        )


@dataclass(frozen=True)
class JournalInfo:
    id: int
    thesis_id: int
    at: dt.datetime
    kind: str
    field: str
    old: str
    new: str
    reason: str
    pillar_id: int | None
    subject: str  # what the entry is about, for display: a pillar's text, or ""


@dataclass(frozen=True)
class ThesisInput:
    """What a person can set on a thesis; ``validate`` says what is wrong, per field."""

    title: str
    claim: str = ""
    narrative: str = ""
    direction: str = "long"
    status: str = "draft"
    conviction: int = 50
    horizon: dt.date | None = None
    instruments: Sequence[str] = field(default_factory=tuple)
    tags: Sequence[str] = field(default_factory=tuple)

    def normalized(self) -> ThesisInput:
        return replace(
            self,
            title=" ".join(self.title.split()),
            claim=self.claim.strip(),
            instruments=_clean_names(self.instruments, upper=True),
            tags=_clean_names(self.tags, upper=False),
        )

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.title.strip():
            errors["title"] = "A thesis needs a title."
        elif len(self.title) > TITLE_MAX:
            errors["title"] = f"Keep the title under {TITLE_MAX} characters."
        if len(self.claim) > CLAIM_MAX:
            errors["claim"] = f"The claim is one sentence: keep it under {CLAIM_MAX} characters."
        if self.direction not in DIRECTIONS:
            errors["direction"] = f"Direction must be one of {', '.join(DIRECTIONS)}."
        if self.status not in STATUSES:
            errors["status"] = f"Status must be one of {', '.join(STATUSES)}."
        lo, hi = CONVICTION_RANGE
        if not isinstance(self.conviction, int) or not lo <= self.conviction <= hi:
            errors["conviction"] = f"Conviction is a whole number from {lo} to {hi}."
        bad = [s for s in self.instruments if len(s) > SYMBOL_MAX or "," in s]
        if bad:
            errors["instruments"] = f"'{bad[0]}' is not a ticker symbol (max {SYMBOL_MAX} characters)."
        bad = [t for t in self.tags if len(t) > TAG_MAX]
        if bad:
            errors["tags"] = f"Tags are at most {TAG_MAX} characters."
        return errors


@dataclass(frozen=True)
class PillarInput:
    kind: str
    text: str
    state: str = "intact"
    due_date: dt.date | None = None

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.kind not in PILLAR_KINDS:
            errors["kind"] = f"Kind must be one of {', '.join(PILLAR_KINDS)}."
        if not self.text.strip():
            errors["text"] = "Say what must be true (or what would prove the thesis wrong)."
        if self.state not in PILLAR_STATES:
            errors["state"] = f"State must be one of {', '.join(PILLAR_STATES)}."
        return errors


def _clean_names(names: Iterable[str], *, upper: bool) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if upper:
            name = name.upper()
        if name:
            seen.setdefault(name, None)
    return tuple(seen)


def split_list(text: str) -> tuple[str, ...]:
    """'BABA, 9988.HK ,' -> ('BABA', '9988.HK'): how forms and the CLI take lists."""
    return tuple(p.strip() for p in text.split(",") if p.strip())


# ---------------------------------------------------------------- display

_KIND_LABELS = {
    "created": "Created",
    "conviction": "Conviction",
    "status": "Status",
    "edited": "Edited",
    "pillar": "Pillar",
    "pillar_state": "Pillar state",
    "evidence": "Evidence",
    "alert": "Alert",
    "note": "Note",
}


def describe(e: JournalInfo) -> tuple[str, str]:
    """(what happened, the change) for a journal row, as the GUI, CLI and memo show it."""
    if e.kind == "archived":
        return ("Archived" if e.new == "true" else "Restored from archive", "")
    what = _KIND_LABELS.get(e.kind, e.kind.capitalize())
    if e.kind == "edited":
        return what, e.field
    if e.kind == "pillar":
        verb = {"added": "added", "removed": "removed", "edited": "edited"}.get(e.field, e.field)
        text = e.new or e.old
        if e.field == "edited" and e.old and e.new:
            return f"Pillar {verb}", f"{e.old} -> {e.new}"
        return f"Pillar {verb}", text
    if e.kind == "pillar_state":
        return what, f"{e.subject}: {e.old} -> {e.new}" if e.subject else f"{e.old} -> {e.new}"
    if e.old or e.new:
        return what, f"{e.old} -> {e.new}" if e.old else e.new
    return what, ""


# ---------------------------------------------------------------- documents and evidence

WEIGHT_RANGE = (1, 3)
HIT_START, HIT_END = "\ue000", "\ue001"  # marks around search matches in snippets


@dataclass(frozen=True)
class DocumentMeta:
    """What a person can edit about a document."""

    title: str
    publisher: str = ""
    author: str = ""
    published_on: dt.date | None = None
    url: str = ""

    def validate(self) -> dict[str, str]:
        errors = {}
        if not self.title.strip():
            errors["title"] = "A document needs a title."
        elif len(self.title) > 400:
            errors["title"] = "Keep the title under 400 characters."
        if self.url and not self.url.startswith(("http://", "https://")):
            errors["url"] = "A URL starts with http:// or https://."
        return errors


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    title: str
    publisher: str
    author: str
    published_on: dt.date | None
    url: str
    kind: str
    sha256: str
    original_name: str
    size_bytes: int
    imported_at: dt.datetime
    pages: int  # 0 for documents without pages

    @property
    def meta(self) -> DocumentMeta:
        return DocumentMeta(self.title, self.publisher, self.author, self.published_on, self.url)

    def citation(self, page: int | None = None) -> str:
        return citation(self.title, self.publisher,
                        f"{self.published_on:%Y-%m-%d}" if self.published_on else "", page)


def citation(title: str, publisher: str, day: str, page: int | None = None) -> str:
    """"Title, Publisher, YYYY-MM-DD, p. N", leaving out what is not known."""
    return ", ".join([title, *(x for x in (publisher, day, f"p. {page}" if page else "") if x)])


@dataclass(frozen=True)
class DocumentText:
    info: DocumentInfo
    text: str
    page_offsets: tuple[int, ...] | None


@dataclass(frozen=True)
class ImportResult:
    path: str
    status: str  # imported / duplicate / refused
    message: str
    document: DocumentInfo | None = None


@dataclass(frozen=True)
class SearchHit:
    document: DocumentInfo
    snippet: str  # matches wrapped in HIT_START ... HIT_END
    rank: float


@dataclass(frozen=True)
class EvidenceInput:
    thesis_id: int
    quote: str
    stance: str = "supports"
    weight: int = 2
    note: str = ""
    pillar_id: int | None = None
    document_id: int | None = None
    start_offset: int | None = None
    end_offset: int | None = None
    source_text: str = ""
    observed_on: dt.date | None = None

    def validate(self) -> dict[str, str]:
        from thesis_desk.core.enums import STANCES

        errors = {}
        if not self.quote.strip():
            errors["quote"] = "Evidence needs the passage it rests on."
        if self.stance not in STANCES:
            errors["stance"] = f"Stance must be one of {', '.join(STANCES)}."
        lo, hi = WEIGHT_RANGE
        if not isinstance(self.weight, int) or not lo <= self.weight <= hi:
            errors["weight"] = f"Weight is {lo} (slight) to {hi} (strong)."
        if self.document_id is None and not self.source_text.strip():
            errors["source_text"] = "Say where the quote comes from (or pick a document)."
        return errors


@dataclass(frozen=True)
class EvidenceInfo:
    id: int
    thesis_id: int
    thesis_title: str
    pillar_id: int | None
    pillar_text: str
    document_id: int | None
    document: DocumentInfo | None
    quote: str
    start_offset: int | None
    end_offset: int | None
    page: int | None
    source_text: str
    stance: str
    weight: int
    note: str
    observed_on: dt.date | None
    created_at: dt.datetime

    @property
    def source(self) -> str:
        return self.document.citation(self.page) if self.document else self.source_text

    def to_input(self) -> EvidenceInput:
        return EvidenceInput(
            thesis_id=self.thesis_id, quote=self.quote, stance=self.stance, weight=self.weight,
            note=self.note, pillar_id=self.pillar_id, document_id=self.document_id,
            start_offset=self.start_offset, end_offset=self.end_offset,
            source_text=self.source_text, observed_on=self.observed_on,
        )


@dataclass(frozen=True)
class Balance:
    """Weighted evidence for and against: overall and per pillar (None = no pillar)."""

    supports: int
    contradicts: int
    context: int
    by_pillar: dict[int | None, tuple[int, int]]

    @property
    def net(self) -> int:
        return self.supports - self.contradicts
