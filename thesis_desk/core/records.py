"""Plain records of everything the services hand out, and the rules for valid input.

No SQLAlchemy here: the GUI imports these to paint its first window before the
database layer has loaded, and the services return them so nobody holds a session.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from thesis_desk.core.enums import (
    CONVICTION_RANGE,
    DIRECTIONS,
    FREQUENCIES,
    OUTCOMES,
    PILLAR_KIND_LABELS,
    PILLAR_KINDS,
    PILLAR_STATES,
    REVIEW_DAYS_RANGE,
    RULE_KINDS,
    SIDES,
    STATUSES,
    pillar_state_label,
)
from thesis_desk.core.summary import ThesisSummary

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
    version: int = 0  # as stored (a save names it: see ThesisService.update_pillar)


@dataclass(frozen=True)
class ThesisDetail(ThesisSummary):
    narrative: str = ""
    pillars: tuple[PillarInfo, ...] = ()
    realised_return: float | None = None  # on closing, from its positions (a fraction)
    version: int = 0  # as stored: a save names it, and is refused over a newer one
    author: str = ""  # who wrote it: an analyst's role on a team server, "" locally
    postmortem_happened: str = ""
    postmortem_missed: str = ""
    postmortem_again: str = ""

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
            review_days=self.review_days,
            visibility=self.visibility,
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
    author: str = ""  # who made the change: an analyst's role on a team server


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
    review_days: int | None = None  # None: the default of its status
    visibility: str = "team"  # "private": only its author sees it on a team server

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
        if self.visibility not in ("team", "private"):
            errors["visibility"] = "A thesis is shared with the team or private."
        lo, hi = REVIEW_DAYS_RANGE
        if self.review_days is not None and (
                not isinstance(self.review_days, int) or not lo <= self.review_days <= hi):
            errors["review_days"] = (f"Review every {lo} to {hi} days, or leave it to the "
                                     "status's default.")
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


COMMENT_MAX = 4000


@dataclass(frozen=True)
class CommentInfo:
    id: int
    thesis_id: int
    evidence_id: int | None
    evidence_quote: str  # the item it is on, for display ("" on the thesis itself)
    body: str
    author: str  # an analyst's role on a team server, "" locally
    created_at: dt.datetime


@dataclass(frozen=True)
class CloseInput:
    """How a thesis ended, as the Close Thesis form and `theses close` give it."""

    outcome: str
    on: dt.date
    happened: str = ""  # what happened
    missed: str = ""  # what we missed
    again: str = ""  # what we would do again

    def validate(self, opened: dt.date | None = None,
                 today: dt.date | None = None) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.outcome not in OUTCOMES:
            errors["outcome"] = f"Say how it turned out: {', '.join(OUTCOMES)}."
        today = today or dt.date.today()
        if self.on > today:
            errors["on"] = f"{self.on:%Y-%m-%d} is in the future: close it today or earlier."
        elif opened is not None and self.on < opened:
            errors["on"] = (f"The thesis was created on {opened:%Y-%m-%d}: it cannot close "
                            "before that.")
        return errors


@dataclass(frozen=True)
class ReviewInput:
    """A review: the conviction reaffirmed or changed, pillar states, and a note."""

    conviction: int
    note: str
    pillar_states: tuple[tuple[int, str], ...] = ()  # (pillar id, state) where it changed

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        lo, hi = CONVICTION_RANGE
        if not isinstance(self.conviction, int) or not lo <= self.conviction <= hi:
            errors["conviction"] = f"Conviction is a whole number from {lo} to {hi}."
        if not self.note.strip():
            errors["note"] = "Say in a line what the review found (it goes in the journal)."
        bad = [st for _pid, st in self.pillar_states if st not in PILLAR_STATES]
        if bad:
            errors["pillars"] = f"'{bad[0]}' is not a pillar state ({', '.join(PILLAR_STATES)})."
        return errors


@dataclass(frozen=True)
class ReviewDue:
    thesis_id: int
    title: str
    status: str
    conviction: int
    last_reviewed: dt.date | None  # None: never reviewed (counted from its creation)
    interval_days: int
    due_on: dt.date
    overdue_days: int  # 0: due today


@dataclass(frozen=True)
class CatalystDue:
    """A catalyst whose due date has passed while it is still pending (or slipping)."""

    thesis_id: int
    title: str
    pillar_id: int
    text: str
    due_date: dt.date
    state: str
    overdue_days: int

    @property
    def state_label(self) -> str:
        return pillar_state_label("catalyst", self.state)


@dataclass(frozen=True)
class ClosedThesis:
    """A closed thesis as calibration scores it."""

    thesis_id: int
    title: str
    outcome: str | None  # None: closed before outcomes were recorded (not scored)
    opened_on: dt.date
    closed_on: dt.date | None
    conviction_open: int  # when it was opened (first made active, else created)
    conviction_last: int  # the last before it was closed
    realised_return: float | None

    @property
    def days_held(self) -> int | None:
        return (self.closed_on - self.opened_on).days if self.closed_on else None

    @property
    def scored(self) -> bool:
        return self.outcome in ("right", "wrong")


@dataclass(frozen=True)
class CalibrationBand:
    low: int  # conviction band [low, high]
    high: int
    count: int  # scored theses whose opening conviction falls in it
    right: int
    mean_conviction: float | None  # what the band predicted, 0-100
    hit_rate: float | None  # share right, 0-1
    avg_return: float | None  # of those with a realised return
    few: bool  # fewer than FEW_IN_BAND theses: read with care


@dataclass(frozen=True)
class Calibration:
    theses: tuple[ClosedThesis, ...]  # every closed thesis, scored or not, newest first
    scored: int
    brier_open: float | None
    brier_last: float | None
    hit_rate: float | None
    avg_return: float | None
    median_days_held: float | None
    bands: tuple[CalibrationBand, ...]


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
    "review": "Review",
}


def describe(e: JournalInfo) -> tuple[str, str]:
    """(what happened, the change) for a journal row, as the GUI, CLI and memo show it."""
    if e.kind == "archived":
        return ("Archived" if e.new == "true" else "Restored from archive", "")
    if e.kind == "outcome":
        return ("Closed", f"outcome: {e.new}") if e.new else ("Reopened", f"was {e.old}")
    if e.kind == "memo":
        return "Memo", f"as of {e.new}"
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
    parent_id: int | None = None  # the e-mail this document was attached to

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
    extraction_note: str = ""
    parent: DocumentInfo | None = None  # the e-mail it came with
    attachments: tuple[DocumentInfo, ...] = ()  # an e-mail's attached documents


@dataclass(frozen=True)
class ImportResult:
    path: str
    status: str  # imported / duplicate / refused
    message: str
    document: DocumentInfo | None = None
    attachments: tuple[ImportResult, ...] = ()  # an e-mail's attached documents


@dataclass(frozen=True)
class InboxEntry:
    """A file the inbox folder took, and what became of it."""

    id: int
    folder: str
    name: str
    status: str  # imported / duplicate / refused
    message: str
    document_id: int | None
    seen_at: dt.datetime


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
    author: str = ""  # who filed it: an analyst's role on a team server, "" locally
    version: int = 0  # as stored: a save names it, and is refused over a newer one

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

@dataclass(frozen=True)
class MetricInput:
    name: str
    unit: str = ""
    frequency: str = "irregular"
    instrument: str = ""  # a symbol; created if new
    description: str = ""
    source: str = ""

    def validate(self) -> dict[str, str]:
        errors = {}
        if not self.name.strip():
            errors["name"] = "A metric needs a name."
        elif len(self.name) > 200:
            errors["name"] = "Keep the name under 200 characters."
        if self.frequency not in FREQUENCIES:
            errors["frequency"] = f"Frequency must be one of {', '.join(FREQUENCIES)}."
        return errors


@dataclass(frozen=True)
class MetricInfo:
    id: int
    name: str
    unit: str
    frequency: str
    kind: str
    instrument: str
    description: str
    source: str
    observations: int
    first: dt.date | None
    last: dt.date | None
    last_value: float | None


@dataclass(frozen=True)
class ObservationInfo:
    id: int
    metric_id: int
    date: dt.date
    value: float
    note: str
    document_id: int | None
    evidence_id: int | None
    author: str = ""  # who recorded it: an analyst's role on a team server
    fired: tuple[str, ...] = ()  # messages of alerts this observation fired
    theses_changed: tuple[int, ...] = ()  # theses whose pillar a fired kill criterion changed


@dataclass(frozen=True)
class EvidenceMark:
    """Evidence a metric's observations cite, placed on the chart at its date."""

    evidence_id: int
    date: dt.date
    stance: str
    quote: str


@dataclass(frozen=True)
class RuleInput:
    metric_id: int
    kind: str
    threshold: float | None = None
    window: int | None = None
    window_unit: str = "observations"
    hysteresis: float = 0.0
    pillar_id: int | None = None
    pillar_state_on_fire: str = "broken"
    severity: str = "warning"
    note: str = ""

    def validate(self) -> dict[str, str]:
        e: dict[str, str] = {}
        if self.kind not in RULE_KINDS:
            e["kind"] = f"Kind is one of {', '.join(RULE_KINDS)}."
            return e
        if self.kind != "stale" and (self.threshold is None or not math.isfinite(self.threshold)):
            e["threshold"] = "Give the level (a number)."
        if self.kind in ("change_pct", "zscore", "stale") and (not self.window or self.window < 1):
            e["window"] = "Give a window of at least 1."
        if self.kind == "zscore" and self.window is not None and self.window < 3:
            e["window"] = "A z-score needs a window of at least 3 observations."
        if self.hysteresis < 0:
            e["hysteresis"] = "Hysteresis is a distance: zero or more."
        if self.window_unit not in ("observations", "days"):
            e["window_unit"] = "The window counts observations or days."
        if self.pillar_state_on_fire not in ("at_risk", "broken"):
            e["pillar_state_on_fire"] = "A fired rule puts its pillar at risk or breaks it."
        return e


@dataclass(frozen=True)
class RuleInfo:
    id: int
    metric_id: int
    metric_name: str
    kind: str
    threshold: float | None
    window: int | None
    window_unit: str
    hysteresis: float
    pillar_id: int | None
    pillar_state_on_fire: str
    enabled: bool
    triggered: bool
    description: str
    note: str = ""
    pillar_kind: str = ""  # the tied pillar's kind ("kill", "pillar", ...), "" when none
    pillar_text: str = ""  # its statement, so a person sees what the rule guards
    thesis_id: int | None = None  # the tied pillar's thesis
    thesis_title: str = ""
    history_alerts: tuple[str, ...] = ()  # raised by judging the history when added


@dataclass(frozen=True)
class PillarChoice:
    """A pillar a rule can be tied to, named by its thesis and its statement."""

    id: int
    thesis_id: int
    thesis_title: str
    kind: str
    text: str
    tracks_metric: bool  # its thesis links the metric: offered first


@dataclass(frozen=True)
class AlertInfo:
    id: int
    rule_id: int
    metric_id: int
    metric_name: str
    fired_at: dt.datetime
    observed_on: dt.date | None
    value: float | None
    message: str
    state: str
    thesis_ids: tuple[int, ...]
    thesis_titles: tuple[str, ...] = ()  # in the order of thesis_ids
    snoozed_until: dt.datetime | None = None  # UTC, while snoozed
    backfilled: bool = False  # raised late: by an observation older than its rule had seen


@dataclass(frozen=True)
class PositionInput:
    thesis_id: int
    symbol: str
    entry_date: dt.date
    entry_price: float
    side: str = "long"
    quantity: float | None = None
    weight: float | None = None  # a fraction of the portfolio: 0.05 is 5%
    currency: str = ""
    exit_date: dt.date | None = None
    exit_price: float | None = None
    note: str = ""

    def validate(self) -> dict[str, str]:
        e: dict[str, str] = {}
        if not self.symbol.strip():
            e["symbol"] = "Give the instrument's symbol."
        elif len(self.symbol.strip()) > 32:
            e["symbol"] = "A symbol has at most 32 characters."
        if self.side not in SIDES:
            e["side"] = "Side is long or short."
        if (self.quantity is None) == (self.weight is None):
            e["quantity"] = "Give a quantity or a portfolio weight (one of them)."
        elif self.quantity is not None and not (math.isfinite(self.quantity) and self.quantity > 0):
            e["quantity"] = "Quantity is a positive number (the side says long or short)."
        elif self.weight is not None and not (math.isfinite(self.weight) and 0 < self.weight <= 1):
            e["weight"] = "Weight is a share of the portfolio between 0 and 100%."
        if not (math.isfinite(self.entry_price) and self.entry_price > 0):
            e["entry_price"] = "Entry price is a positive number."
        if (self.exit_date is None) != (self.exit_price is None):
            e["exit_date"] = "A closed position needs both the exit date and the exit price."
        elif self.exit_date is not None and self.exit_date < self.entry_date:
            e["exit_date"] = "The exit date is before the entry date."
        elif self.exit_price is not None and not (math.isfinite(self.exit_price) and self.exit_price > 0):
            e["exit_price"] = "Exit price is a positive number."
        return e


@dataclass(frozen=True)
class PositionInfo:
    id: int
    thesis_id: int
    thesis_title: str
    symbol: str
    side: str
    quantity: float | None
    weight: float | None
    entry_date: dt.date
    entry_price: float
    currency: str
    exit_date: dt.date | None
    exit_price: float | None
    note: str

    def to_input(self) -> PositionInput:
        return PositionInput(self.thesis_id, self.symbol, self.entry_date, self.entry_price,
                             self.side, self.quantity, self.weight, self.currency,
                             self.exit_date, self.exit_price, self.note)


@dataclass(frozen=True)
class PositionValue:
    """A position valued on a date."""

    position: PositionInfo
    price: float | None  # exit price once closed, else the latest price on or before
    price_date: dt.date | None
    ret: float | None  # since entry, a fraction; sign turned for shorts
    benchmark_ret: float | None  # the benchmark over the same days
    weight: float | None
    days_held: int
    closed: bool
    excess_ret: float | None = None  # ret minus benchmark_ret (fractions), when both known


@dataclass(frozen=True)
class ThesisHolding:
    thesis_id: int
    title: str
    conviction: int
    status: str
    weight: float | None
    ret: float | None
    benchmark_ret: float | None
    days_held: int | None
    latest_evidence: dt.date | None
    open_alerts: int
    positions: tuple[PositionValue, ...]
    excess_ret: float | None = None  # ret minus benchmark_ret (fractions), when both known


@dataclass
class HoldingsPlan:
    rows: list[tuple[int, PositionInput]]  # (file line, position)
    rejected: list[tuple[int, str]]
    detected: str = ""  # the date format read off the cells, and why
    decimal_reason: str = ""  # why a decimal comma was detected
