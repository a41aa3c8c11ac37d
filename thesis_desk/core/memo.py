"""A thesis memo as plain data, as of any date, and its Markdown and HTML.

The memo is the decision record that leaves the app, so it is assembled here, without
Qt: the same ``Memo`` feeds the PDF (``thesis_desk.render.memo_pdf``), the Markdown export and
the tests. As of a past date, conviction, status and pillar states are replayed from the
journal; evidence, observations, alerts and journal entries after that date are left out.

Everything a person typed or imported is escaped before it becomes HTML, and the
Markdown of a narrative is rendered by a small converter that knows no raw HTML and no
images, so nothing in a memo can load a file or reach the network.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from thesis_desk import APP_NAME, __version__
from thesis_desk.core.enums import (
    PILLAR_STATE_LABELS,
    PILLAR_STATE_LABELS_BY_KIND,
    pillar_state_label,
)
from thesis_desk.core.errors import NotFoundError, UserError
from thesis_desk.core.records import CommentInfo, PillarLabels
from thesis_desk.core.verdict import (
    MemoBalance,
    MemoVerdict,
    blended_return,
    build_verdict,
    default_since,
)
from thesis_desk.core.verdict import num as _num  # one way to print a figure

if TYPE_CHECKING:
    from thesis_desk.core.alerts import AlertService
    from thesis_desk.core.evidence import EvidenceService
    from thesis_desk.core.metrics import MetricService
    from thesis_desk.core.portfolio import PortfolioService
    from thesis_desk.core.comments import CommentService
    from thesis_desk.core.library import LibraryService
    from thesis_desk.core.records import DocumentInfo, EvidenceInfo, JournalInfo
    from thesis_desk.core.theses import ThesisService

# A memo's PDF title: "<thesis> — thesis memo as of <day>". The library knows a memo
# imported back by it (core/suggest.py leaves memos out: analysis, not research).
MEMO_TITLE = "{title} — thesis memo as of {day:%Y-%m-%d}"
MEMO_TITLE_MARK = " — thesis memo as of "

_STATE_OF_LABEL = {label: state for labels in (PILLAR_STATE_LABELS,
                                               *PILLAR_STATE_LABELS_BY_KIND.values())
                   for state, label in labels.items()}
_MEMO_JOURNAL_KINDS = {"created", "conviction", "status", "pillar_state", "alert", "archived",
                       "note", "outcome", "review"}
STANCE_LABELS = {"supports": "Supports", "contradicts": "Contradicts", "context": "Context"}


@dataclass(frozen=True)
class MemoEvidence:
    quote: str
    stance: str
    weight: int
    note: str
    date: dt.date | None
    source_no: int  # number in the source list
    page: int | None


@dataclass(frozen=True)
class MemoPillar(PillarLabels):
    id: int | None  # None: the group of evidence tied to no pillar
    kind: str
    text: str
    state: str
    due_date: dt.date | None
    evidence: tuple[MemoEvidence, ...] = ()


@dataclass(frozen=True)
class MemoMetric:
    id: int
    name: str
    unit: str
    expected: str  # up / down / none
    dates: tuple[dt.date, ...]
    values: tuple[float, ...]
    rules: tuple[str, ...]
    thresholds: tuple[float, ...]
    alert_points: tuple[tuple[dt.date, float], ...]
    evidence_dates: tuple[tuple[dt.date, str], ...]  # (date, stance)

    @property
    def latest(self) -> tuple[dt.date, float] | None:
        return (self.dates[-1], self.values[-1]) if self.dates else None

    def chart_points(self, limit: int = 4000) -> tuple[list[dt.date], list[float]]:
        """The series as a printed chart can show it: a long one reduced to each
        stretch's lowest and highest value (in date order), so a spike still shows; the
        first and last points kept. A 1,600-pixel chart shows no more than this."""
        n = len(self.values)
        if n <= limit:
            return list(self.dates), list(self.values)
        import numpy as np

        ys = np.fromiter(self.values, dtype=float, count=n)
        buckets = limit // 2
        edges = np.linspace(0, n, buckets + 1).astype(int)
        lo, hi = edges[:-1], edges[1:]
        starts = lo[hi > lo]
        stretch = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))

        def first_at(extreme: Any) -> Any:
            """Where each stretch first reaches its ``extreme`` (as argmin/argmax would;
            a loop over 2,000 stretches was most of a chart's preparation)."""
            hit = np.flatnonzero(ys == extreme[stretch])
            return hit[np.r_[True, np.diff(stretch[hit]) != 0]]

        # marked, not np.unique: numpy's unique imports numpy.ma (0.1 s of a first memo)
        keep = np.zeros(n, dtype=bool)
        keep[[0, n - 1]] = True
        keep[first_at(np.minimum.reduceat(ys, starts))] = True
        keep[first_at(np.maximum.reduceat(ys, starts))] = True
        at = np.flatnonzero(keep).tolist()
        return [self.dates[i] for i in at], [self.values[i] for i in at]

    @property
    def change(self) -> tuple[float, float | None] | None:
        """Change from the previous observation: absolute and percent (None from zero)."""
        if len(self.values) < 2:
            return None
        prev, last = self.values[-2], self.values[-1]
        return last - prev, ((last - prev) / abs(prev) * 100 if prev else None)


@dataclass(frozen=True)
class MemoAlert:
    fired_at: dt.datetime
    metric: str
    message: str


@dataclass(frozen=True)
class MemoSource:
    number: int
    citation: str
    url: str


@dataclass(frozen=True)
class MemoPosition:
    """A position behind the thesis, valued as of the memo's date (filled by the portfolio)."""

    symbol: str
    side: str
    quantity: float | None
    weight: float | None
    entry_date: dt.date
    entry_price: float
    currency: str
    price: float | None
    price_date: dt.date | None
    exit_date: dt.date | None
    ret: float | None  # return since entry, as a fraction, sign-adjusted for shorts
    basis: float = 0.0  # what went in (entry value, or weight): how returns are blended


@dataclass(frozen=True)
class Memo:
    thesis_id: int
    title: str
    claim: str
    narrative: str
    instruments: tuple[str, ...]
    direction: str
    status: str
    conviction: int
    horizon: dt.date | None
    author: str
    as_of: dt.date
    historical: bool  # as of a past date, replayed from the journal
    generated_at: dt.datetime
    pillars: tuple[MemoPillar, ...]  # every pillar that existed, in order
    evidence_groups: tuple[MemoPillar, ...]  # pillars with evidence, then "no pillar"
    balance: tuple[int, int, int]  # weighted supports / contradicts / context
    metrics: tuple[MemoMetric, ...]
    alerts: tuple[MemoAlert, ...]
    journal: tuple[JournalInfo, ...]
    sources: tuple[MemoSource, ...]
    positions: tuple[MemoPosition, ...] = field(default=())
    verdict: MemoVerdict | None = None  # the first page's summary
    comments: tuple[CommentInfo, ...] = ()  # the discussion, when asked for
    version: str = __version__

    @property
    def evidence_count(self) -> int:
        return sum(len(g.evidence) for g in self.evidence_groups)


# ---------------------------------------------------------------- assembling


class MemoService:
    """The memo as data, read from the services it draws on (``app.Workspace`` builds
    it; the window, the command line and the PDF writer ask it, not the workspace)."""

    def __init__(self, theses: ThesisService, evidence: EvidenceService,
                 metrics: MetricService, alerts: AlertService,
                 portfolio: PortfolioService, comments: CommentService | None = None,
                 library: LibraryService | None = None) -> None:
        self.theses, self.evidence, self.metrics = theses, evidence, metrics
        self.alerts, self.portfolio, self.comments = alerts, portfolio, comments
        self.library = library

    def build(self, thesis_id: int, *, as_of: dt.date | None = None,
              author: str = "", since: dt.date | None = None,
              comments: bool = False) -> Memo:
        """Everything the memo shows about one thesis, as it stood at the end of
        ``as_of`` (today when not given); "what changed" runs from ``since`` (default:
        the last review, else the last 30 days); ``comments`` adds the discussion."""
        return build_memo(self, thesis_id, as_of=as_of, author=author, since=since,
                          comments=comments)


def build_memo(ws: MemoService, thesis_id: int, *, as_of: dt.date | None = None,
               author: str = "", since: dt.date | None = None,
               comments: bool = False) -> Memo:
    """Everything the memo shows about one thesis, as it stood at the end of ``as_of``."""
    from thesis_desk.core.timeutil import utcnow

    now = utcnow()
    today = now.date()
    as_of = as_of or today
    if as_of > today:
        raise UserError(f"The as-of date {as_of:%Y-%m-%d} is in the future; "
                        "choose today or an earlier day.")
    t = ws.theses.get(thesis_id)
    if as_of < t.created_at.date():
        raise UserError(f"'{t.title}' was created on {t.created_at:%Y-%m-%d}; "
                        f"there is no memo as of {as_of:%Y-%m-%d}. Choose a later date.")
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    historical = as_of < today
    full_journal = sorted(ws.theses.journal(thesis_id), key=lambda j: (j.at, j.id))
    # The memo's journal is the judgement over time; routine edits stay in the app.
    journal = [j for j in full_journal if j.at < end and j.kind in _MEMO_JOURNAL_KINDS]
    conviction = int(_value_as_of(str(t.conviction), full_journal, "conviction", end))
    status = _value_as_of(t.status, full_journal, "status", end)

    pillars = []
    for p in t.pillars:
        added = next((j.at for j in full_journal if j.kind == "pillar" and j.field == "added"
                      and j.pillar_id == p.id), None)
        if added is not None and added >= end:
            continue  # added after the memo's date
        changes = [j for j in full_journal if j.kind == "pillar_state" and j.pillar_id == p.id]
        label = _value_as_of(pillar_state_label(p.kind, p.state), changes, None, end)
        pillars.append(MemoPillar(p.id, p.kind, p.text, _STATE_OF_LABEL.get(label, p.state),
                                  p.due_date))

    evidence = [e for e in ws.evidence.for_thesis(thesis_id) if _evidence_day(e) <= as_of]
    evidence.sort(key=lambda e: (_evidence_day(e), e.id))
    sources: dict[tuple, MemoSource] = {}
    by_pillar: dict[int | None, list[MemoEvidence]] = {}
    balance = {"supports": 0, "contradicts": 0, "context": 0}
    for e in evidence:
        key = ("doc", e.document_id) if e.document else ("text", e.source_text or "(no source)")
        if key not in sources:
            sources[key] = MemoSource(
                len(sources) + 1,
                _cite(ws, e.document) if e.document else (e.source_text or "Source not given"),
                e.document.url if e.document else "")
        by_pillar.setdefault(e.pillar_id, []).append(MemoEvidence(
            e.quote, e.stance, e.weight, e.note, e.observed_on, sources[key].number, e.page))
        balance[e.stance] = balance.get(e.stance, 0) + e.weight
    groups = [MemoPillar(p.id, p.kind, p.text, p.state, p.due_date, tuple(by_pillar[p.id]))
              for p in pillars if p.id in by_pillar]
    shown = {p.id for p in pillars}
    orphans = [ev for pid, items in by_pillar.items() if pid not in shown for ev in items]
    if orphans:
        groups.append(MemoPillar(None, "", "Not tied to a pillar", "", None, tuple(orphans)))

    metrics = []
    every_alert = [a for a in ws.alerts.alerts() if a.fired_at < end]  # one read, for all
    linked = ws.metrics.for_thesis(thesis_id)
    series = ws.metrics.series_of([info.id for info, _ in linked], until=as_of)
    for info, expected in linked:
        dates, values = series[info.id]
        rules = ws.alerts.rules(info.id)
        fired = [a for a in every_alert
                 if a.metric_id == info.id and a.observed_on and a.value is not None]
        marks = [m for m in ws.metrics.evidence_marks(info.id) if m.date <= as_of]
        metrics.append(MemoMetric(
            info.id, info.name, info.unit, expected, tuple(dates), tuple(values),
            tuple(r.description for r in rules),
            tuple(r.threshold for r in rules
                  if r.threshold is not None and r.kind in ("above", "below", "crosses")),
            tuple((a.observed_on, a.value) for a in fired),  # type: ignore[misc]
            tuple((m.date, m.stance) for m in marks)))
    metric_ids = {m.id for m in metrics}
    alerts = sorted(
        (MemoAlert(a.fired_at, a.metric_name, a.message) for a in every_alert
         if thesis_id in a.thesis_ids or a.metric_id in metric_ids),
        key=lambda a: a.fired_at)

    positions = tuple(ws.portfolio.memo_positions(thesis_id, as_of))

    if since is not None and since > as_of:
        raise UserError(f"“What changed since” {since:%Y-%m-%d} is after the memo's date "
                        f"{as_of:%Y-%m-%d}: choose an earlier day.")
    if since is None:
        since, since_label, start = default_since(full_journal, t.created_at.date(), as_of, end)
    else:  # from the start of the day chosen
        since_label, start = "the date chosen", dt.datetime.combine(since, dt.time())
    kill_ids = {p.id for p in pillars if p.kind == "kill"}
    kill_rules: dict[int, list] = {}
    read = {m.id: (m.dates, m.values) for m in metrics}  # linked metrics: read already
    guarding = [r for r in ws.alerts.rules(pillar_ids=kill_ids) if r.enabled] if kill_ids else []
    read.update(ws.metrics.series_of([r.metric_id for r in guarding if r.metric_id not in read],
                                     until=as_of))
    for r in guarding:
        kill_rules.setdefault(r.pillar_id, []).append((r, *read[r.metric_id]))
    verdict = build_verdict(
        t, pillars, full_journal, evidence,
        [a for a in every_alert if thesis_id in a.thesis_ids or a.metric_id in metric_ids],
        kill_rules,
        blended_return([(p.ret, p.basis) for p in positions]),
        as_of=as_of, end=end, since=since, since_label=since_label, start=start,
        conviction_then=int(_value_as_of(str(t.conviction), full_journal, "conviction",
                                         start)))

    return Memo(
        thesis_id=t.id, title=t.title, claim=t.claim, narrative=t.narrative,
        instruments=t.instruments, direction=t.direction, status=status,
        conviction=conviction, horizon=t.horizon, author=author.strip(), as_of=as_of,
        historical=historical, generated_at=now, pillars=tuple(pillars),
        evidence_groups=tuple(groups),
        balance=(balance["supports"], balance["contradicts"], balance["context"]),
        metrics=tuple(metrics), alerts=tuple(alerts), journal=tuple(journal),
        sources=tuple(sorted(sources.values(), key=lambda s: s.number)),
        positions=positions, verdict=verdict,
        comments=tuple(c for c in ws.comments.for_thesis(thesis_id) if c.created_at < end)
        if comments and ws.comments is not None else ())


def _cite(ws: MemoService, doc: DocumentInfo) -> str:
    """A source's citation; an e-mail attachment's names the e-mail it came with."""
    text = doc.citation()
    if doc.parent_id is None or ws.library is None:
        return text
    try:
        mail = ws.library.info(doc.parent_id)
    except NotFoundError:
        return text
    sent = ", ".join(x for x in (mail.author, f"{mail.published_on:%Y-%m-%d}"
                                 if mail.published_on else "") if x)
    return f"{text} (attached to the e-mail “{mail.title}”" + (f", {sent}" if sent else "") + ")"


def _evidence_day(e: EvidenceInfo) -> dt.date:
    return e.observed_on or e.created_at.date()


def _value_as_of(current: str, journal: list[JournalInfo], kind: str | None,
                 end: dt.datetime) -> str:
    """A tracked value at ``end``: the last change before it, else the value the first
    later change started from, else the value now."""
    changes = [j for j in journal if kind is None or j.kind == kind]
    before = [j for j in changes if j.at < end]
    if before:
        return before[-1].new
    after = [j for j in changes if j.at >= end]
    return after[0].old if after else current


# ---------------------------------------------------------------- Markdown in, HTML out

_SAFE_URL = re.compile(r"^(https?://|mailto:)[^\s\"'<>]+$", re.IGNORECASE)


def esc(text: object) -> str:
    """Text as HTML characters: markup typed by a person prints as typed."""
    return html.escape(str(text), quote=True)


def _inline(text: str) -> str:
    """Escape first, then emphasis, code and http(s) links; never images or raw HTML."""
    out = esc(text)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: f"<b>{m.group(1) or m.group(2)}</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?!\w)",
                 lambda m: f"<i>{m.group(1) or m.group(2)}</i>", out)

    def link(m: re.Match[str]) -> str:
        label, url = m.group(1), html.unescape(m.group(2))
        if _SAFE_URL.match(url):
            return f'<a href="{esc(url)}">{label}</a>'
        return m.group(0)  # not a web link: left as the characters typed

    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", link, out)


def markdown_to_html(text: str, *, heading_base: int = 3) -> str:
    """The Markdown people write in a narrative: headings, lists, emphasis, links, quotes."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush() -> None:
        nonlocal para, items, list_tag
        if para:
            blocks.append(f"<p>{_inline(' '.join(para))}</p>")
            para = []
        if items:
            blocks.append(f"<{list_tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in items)
                          + f"</{list_tag}>")
            items, list_tag = [], ""

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        bullet = re.match(r"^[-*+]\s+(.*)$", line)
        number = re.match(r"^\d+[.)]\s+(.*)$", line)
        if not line:
            flush()
        elif heading:
            flush()
            level = min(6, heading_base + len(heading.group(1)) - 1)
            blocks.append(f"<h{level}>{_inline(heading.group(2).rstrip('#').strip())}</h{level}>")
        elif bullet or number:
            tag = "ul" if bullet else "ol"
            if para or (items and list_tag != tag):
                flush()
            list_tag = tag
            items.append((bullet or number).group(1))  # type: ignore[union-attr]
        elif line.startswith(">"):
            flush()
            blocks.append(f"<blockquote>{_inline(line.lstrip('>').strip())}</blockquote>")
        elif items:
            items[-1] += " " + line  # a wrapped list item
        else:
            para.append(line)
    flush()
    return "\n".join(blocks)


def _metric_summary(m: MemoMetric) -> str:
    if m.latest is None:
        return "no observations by this date"
    day, value = m.latest
    text = f"latest {_num(value)}{(' ' + m.unit) if m.unit else ''} on {day:%Y-%m-%d}"
    change = m.change
    if change is not None:
        delta, pct = change
        text += f"; change {delta:+,.4g}" + (f" ({pct:+.1f}%)" if pct is not None else "")
    return text


_EXPECT = {"up": "thesis expects it to rise", "down": "thesis expects it to fall",
           "none": "tracked without an expected direction"}


def _title_facts(memo: Memo) -> list[tuple[str, str]]:
    return [
        ("Instruments", ", ".join(memo.instruments) or "none"),
        ("Direction", memo.direction),
        ("Status", memo.status),
        ("Conviction", f"{memo.conviction} / 100"),
        ("Horizon", f"{memo.horizon:%Y-%m-%d}" if memo.horizon else "not set"),
        ("Author", memo.author or "not set (Edit > Preferences)"),
        ("As of", f"{memo.as_of:%Y-%m-%d}" + (" (replayed from the journal)"
                                               if memo.historical else "")),
        ("Prepared", f"{memo.generated_at:%Y-%m-%d %H:%M} UTC with {APP_NAME} {memo.version}"),
    ]


def _journal_line(j: JournalInfo) -> str:
    if j.kind == "outcome":
        return f"Closed: {j.new}" if j.new else f"Reopened (was {j.old})"
    if j.kind == "review":
        return f"Review: {j.new}"
    what = {"conviction": "Conviction", "status": "Status", "pillar_state": "Pillar state",
            "created": "Created", "alert": "Alert", "archived": "Archived"}.get(j.kind, j.kind)
    change = f"{j.old} → {j.new}" if j.old and j.new else (j.new or j.old)
    subject = f" ({j.subject})" if j.subject else ""
    return f"{what}{subject}: {change}" if change else f"{what}{subject}"


def _position_cells(p: MemoPosition) -> list[str]:
    size = (f"{p.quantity:,.4g}" if p.quantity is not None
            else f"{p.weight * 100:.1f}% weight" if p.weight is not None else "")
    price = (f"{p.price:,.4g} ({p.price_date:%Y-%m-%d})" if p.price is not None and p.price_date
             else "no price on or before this date")
    ret = f"{p.ret * 100:+.1f}%" if p.ret is not None else "n/a"
    return [p.symbol, p.side, size, p.currency or "not given",
            f"{p.entry_price:,.4g} ({p.entry_date:%Y-%m-%d})",
            price + (f", closed {p.exit_date:%Y-%m-%d}" if p.exit_date else ""), ret]


def _grid(headers: list[str], rows: list[list[str]], widths: list[int] | None = None) -> str:
    """A ruled table; cells arrive as HTML already escaped (``widths``: per cent)."""
    head = "".join(f'<th width="{w}%">{h}</th>' if widths else f"<th>{h}</th>"
                   for h, w in zip(headers, widths or [0] * len(headers), strict=True))
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<table class="grid" cellspacing="0" cellpadding="4" width="100%">'
            f"<tr>{head}</tr>{body}</table>")


POSITION_HEADERS = ["Instrument", "Side", "Size", "Currency", "Entry", "Price", "Return"]


def memo_html(memo: Memo, charts: dict[int, str] | None = None, *,
              chart_width: int = 640, chart_aspect: float | None = None) -> str:
    """The memo as the rich-text HTML QTextDocument understands; ``charts`` maps metric ids to
    image resource names registered on the document."""
    charts = charts or {}
    h: list[str] = []
    h.append(f'<h1 class="title">{esc(memo.title)}</h1>')
    if memo.historical:
        h.append(f'<p class="asof">Point-in-time memo: the thesis as it stood on '
                 f'{memo.as_of:%Y-%m-%d}.</p>')
    h.append('<table class="facts" cellspacing="0" cellpadding="3" width="100%">')
    facts = _title_facts(memo)
    for i in range(0, len(facts), 2):
        h.append("<tr>" + "".join(f'<td class="k">{esc(k)}</td><td>{esc(v)}</td>'
                                  for k, v in facts[i:i + 2]) + "</tr>")
    h.append("</table>")

    h.append("<h2>Verdict</h2>")
    h.append(f'<p class="claim">{esc(memo.claim) if memo.claim else "<i>No claim written.</i>"}</p>')
    if memo.verdict is not None:
        h += _verdict_html(memo, memo.verdict)
    if memo.narrative.strip():
        h.append("<h2>Narrative</h2>")
        h.append(markdown_to_html(memo.narrative))

    h.append("<h2>Pillars and kill criteria</h2>")
    if memo.pillars:
        h.append(_grid(["Kind", "Statement", "State", "Due"], [
            [esc(p.kind_label), esc(p.text),
             f'<span class="state-{esc(p.state)}">{esc(p.state_label)}</span>',
             f"{p.due_date:%Y-%m-%d}" if p.due_date else ""] for p in memo.pillars]))
    else:
        h.append("<p><i>No pillars recorded.</i></p>")

    sup, con, ctx = memo.balance
    h.append("<h2>Evidence</h2>")
    h.append(f"<p>{memo.evidence_count} item{'s' if memo.evidence_count != 1 else ''}; "
             f"weighted balance: supports {sup}, contradicts {con}, context {ctx}.</p>")
    for g in memo.evidence_groups:
        title = g.text if g.id is None else f"{g.kind_label}: {g.text}"
        state = f" ({g.state_label})" if g.id is not None else ""
        h.append(f"<h3>{esc(title)}{esc(state)}</h3>")
        for e in g.evidence:
            page = f", p. {e.page}" if e.page else ""
            date = f"{e.date:%Y-%m-%d} · " if e.date else ""
            quote = esc(e.quote).replace("\n", "<br>")
            note = f" — {esc(e.note)}" if e.note else ""
            # one paragraph per item: the label stays with the quote's first line, and a
            # long quote breaks across pages line by line
            h.append(f'<p class="quote"><span class="{esc(e.stance)}">'
                     f"{esc(STANCE_LABELS.get(e.stance, e.stance)).upper()} · weight {e.weight}"
                     f"</span><br>“{quote}”<br>"
                     f'<span class="cite">{esc(date)}[{e.source_no}]{esc(page)}{note}</span></p>')
    if not memo.evidence_groups:
        h.append("<p><i>No evidence filed by this date.</i></p>")

    if memo.positions:
        h.append("<h2>Positions</h2>")
        h.append(_grid(POSITION_HEADERS, [[esc(c) for c in _position_cells(p)]
                                          for p in memo.positions]))

    h.append("<h2>Metrics</h2>")
    if not memo.metrics:
        h.append("<p><i>No metrics linked to this thesis.</i></p>")
    for m in memo.metrics:
        unit = f" ({esc(m.unit)})" if m.unit else ""
        h.append(f"<h3>{esc(m.name)}{unit}</h3>")
        # the chart right under its heading, which is kept on the page with it; the
        # figures read as its caption
        if m.id in charts and len(m.values) >= 2:
            # both sizes given: laying out the page then never has to load the image
            height = f' height="{round(chart_width * chart_aspect)}"' if chart_aspect else ""
            h.append(f'<p class="chart"><img src="{esc(charts[m.id])}" width="{chart_width}"'
                     f"{height}></p>")
        h.append(f'<p class="caption">{esc(_metric_summary(m))}; '
                 f"{esc(_EXPECT.get(m.expected, ''))}.</p>")
        if len(m.values) < 2:
            h.append('<p class="note">Too few observations to chart.</p>')
        if m.rules:
            h.append("<p>Alert rules: " + "; ".join(esc(r) for r in m.rules) + ".</p>")

    h.append("<h2>Alerts fired</h2>")
    if memo.alerts:
        h.append(_grid(["Fired", "Alert"], [[f"{a.fired_at:%Y-%m-%d %H:%M}", esc(a.message)]
                                            for a in memo.alerts]))
    else:
        h.append("<p><i>No alerts fired by this date.</i></p>")

    h.append("<h2>Journal</h2>")
    if memo.journal:
        h.append(_grid(["When", "Change", "Reason"], [
            [f"{j.at:%Y-%m-%d %H:%M}", esc(_journal_line(j)), esc(j.reason)]
            for j in memo.journal]))

    if memo.comments:
        h.append("<h2>Discussion</h2>")
        h.append(_grid(["When", "By", "Comment"], [
            [f"{c.created_at:%Y-%m-%d %H:%M}", esc(c.author or "—"),
             (f'<span class="cite">On “{esc(c.evidence_quote[:120])}”</span><br>'
              if c.evidence_id is not None else "") + esc(c.body).replace("\n", "<br>")]
            for c in memo.comments], widths=[16, 12, 72]))

    h.append("<h2>Sources</h2>")
    if memo.sources:
        h.append('<table class="sources" cellspacing="0" cellpadding="2">')
        for s in memo.sources:
            url = f'<br><span class="url">{esc(s.url)}</span>' if s.url else ""
            h.append(f'<tr><td class="n">[{s.number}]</td><td>{esc(s.citation)}{url}</td></tr>')
        h.append("</table>")
    else:
        h.append("<p><i>No sources cited.</i></p>")
    return "\n".join(h)


def conviction_line(memo: Memo, v: MemoVerdict) -> str:
    """"Long · conviction 70 / 100, up 10 since 2026-10-01 (the last review) · …"."""
    delta = memo.conviction - v.conviction_then
    move = (f"up {delta}" if delta > 0 else f"down {-delta}" if delta < 0 else "unchanged")
    parts = [memo.direction.capitalize(),
             f"conviction {memo.conviction} / 100, {move} since {v.since:%Y-%m-%d} "
             f"({v.since_label})"]
    if v.positions_return is not None:
        parts.append(f"positions {v.positions_return * 100:+.1f}%")
    return " · ".join(parts)


def outcome_line(v: MemoVerdict) -> str:
    ret = (f"; realised return {v.realised_return * 100:+.1f}%"
           if v.realised_return is not None else "")
    return f"Closed {v.closed_on:%Y-%m-%d} as {str(v.outcome).upper()}{ret}."


def _bar(b: MemoBalance, scale: int) -> str:
    """The pillar's weighted supports (green) and contradictions (red) as one bar."""
    cells = []
    for n, colour in ((b.supports, "#2e8b47"), (b.contradicts, "#c62f2b")):
        if n:
            cells.append(f'<td bgcolor="{colour}" width="{max(1, round(n / scale * 100))}%">'
                         '<span class="bar">&nbsp;</span></td>')
    rest = 100 - round((b.supports + b.contradicts) / scale * 100)
    if rest > 0:
        cells.append(f'<td width="{rest}%"><span class="bar">&nbsp;</span></td>')
    return ('<table class="bar" cellspacing="0" cellpadding="0" width="100%"><tr>'
            + "".join(cells) + "</tr></table>")


def _verdict_html(memo: Memo, v: MemoVerdict) -> list[str]:
    h = [f'<p class="verdict">{esc(conviction_line(memo, v))}</p>']
    if v.outcome is not None:
        h.append(f'<p class="outcome">{esc(outcome_line(v))}</p>')
        h += [f'<p class="post"><b>{esc(head)}:</b> {esc(text)}</p>' for head, text in v.postmortem]
    if v.balance:
        scale = max(b.supports + b.contradicts for b in v.balance) or 1
        h.append("<h3>Evidence balance by pillar</h3>")
        h.append('<table class="balance" cellspacing="0" cellpadding="2" width="100%">')
        for b in v.balance:
            h.append(f'<tr><td width="44%">{esc(b.label)}</td><td width="36%">{_bar(b, scale)}</td>'
                     f'<td width="20%"><span class="supports">+{b.supports}</span> / '
                     f'<span class="contradicts">−{b.contradicts}</span>'
                     + (f' <span class="cite">· {b.context} context</span>' if b.context else "")
                     + "</td></tr>")
        h.append("</table>")
    if v.kills:
        h.append("<h3>Kill criteria</h3>")
        h.append(_grid(["Kill criterion", "State", "Rule", "Latest", "Distance to trigger"], [
            [esc(k.text), f'<span class="state-{esc(k.state)}">{esc(k.state_label)}</span>',
             esc(f"{k.metric}: {k.rule}" if k.rule else "none"), esc(k.latest), esc(k.distance)]
            for k in v.kills], widths=[30, 9, 22, 16, 23]))
    h.append(f"<h2>What changed since {v.since:%Y-%m-%d} ({esc(v.since_label)})</h2>")
    if v.changes:
        h.append(_grid(["Date", "What", "Change"], [
            [f"{c.day:%Y-%m-%d}", esc(c.what), esc(c.text)] for c in v.changes],
            widths=[13, 20, 67]))
    else:
        h.append("<p><i>No new evidence, pillar state, conviction move or alert since then."
                 "</i></p>")
    return h


def _verdict_markdown(memo: Memo, v: MemoVerdict) -> list[str]:
    out = [_md(conviction_line(memo, v)), ""]
    if v.outcome is not None:
        out += [f"**{_md(outcome_line(v))}**", ""]
        out += [f"- **{head}:** {_md(text)}" for head, text in v.postmortem]
        out += [""] if v.postmortem else []
    if v.balance:
        out += ["### Evidence balance by pillar", ""]
        out += [f"- {_md(b.label)}: +{b.supports} / −{b.contradicts}"
                + (f" · {b.context} context" if b.context else "") for b in v.balance]
        out += [""]
    if v.kills:
        out += ["### Kill criteria", ""]
        out += [f"- {_md(k.text)} — **{k.state_label}**; rule: "
                + (_md(f"{k.metric}: {k.rule}") if k.rule else "none")
                + (f"; latest {_md(k.latest)}" if k.latest else "") + f"; {_md(k.distance)}"
                for k in v.kills]
        out += [""]
    out += [f"## What changed since {v.since:%Y-%m-%d} ({v.since_label})", ""]
    out += [f"- {c.day:%Y-%m-%d} {_md(c.what)}: {_md(c.text)}" for c in v.changes]
    out += ["" if v.changes else
            "_No new evidence, pillar state, conviction move or alert since then._", ""]
    return out


# Every ASCII character Markdown gives a meaning to (CommonMark lets any be backslashed).
_MD_ACTIVE = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|&~])")


def _md(text: str) -> str:
    """Typed text for Markdown, shown exactly as typed: no tag, link, image or emphasis
    can come out of it in any viewer."""
    return _MD_ACTIVE.sub(r"\\\1", str(text))


def _md_link(url: str) -> str:
    """A stored URL as a Markdown autolink when it is a plain http(s)/mailto one, else as
    escaped text (an imported page's ``og:url`` may be ``javascript:`` or worse)."""
    return f"<{url}>" if _SAFE_URL.match(url) else _md(url)


def _md_narrative(text: str) -> str:
    """The narrative is Markdown a person wrote: its headings, lists and emphasis stay;
    raw HTML does not (``<`` and ``&`` escaped), images become their alt text, and a link
    stays a link only to http(s) or mailto (else its characters show)."""
    text = re.sub(r"([\\<&])", r"\\\1", text)

    def image(m: re.Match[str]) -> str:
        return _md(f"[image: {m.group(1)}]")

    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", image, text)
    text = re.sub(r"!\[([^\]]*)\]\[[^\]]*\]", image, text)  # reference-style images

    def link(m: re.Match[str]) -> str:
        url = m.group(2).strip().split(" ")[0]
        return m.group(0) if _SAFE_URL.match(url) else _md(m.group(0))

    text = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", link, text)

    def definition(m: re.Match[str]) -> str:  # "[1]: url" reference definitions
        return m.group(0) if _SAFE_URL.match(m.group(2)) else _md(m.group(0))

    return re.sub(r"(?m)^ {0,3}\[([^\]]+)\]:\s*(\S+).*$", definition, text)


def memo_markdown(memo: Memo) -> str:
    """The same content as Markdown; typed text is escaped, so it shows as typed."""
    memo = _escaped_for_markdown(memo)
    out = [f"# {memo.title}", ""]
    if memo.historical:
        out += [f"*Point-in-time memo: the thesis as it stood on {memo.as_of:%Y-%m-%d}.*", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in _title_facts(memo)]
    out += ["", "## Verdict", "", memo.claim or "_No claim written._", ""]
    if memo.verdict is not None:
        out += _verdict_markdown(memo, memo.verdict)
    if memo.narrative.strip():
        demoted = re.sub(r"^(#{1,6})(?=\s)", lambda m: "#" * min(6, len(m.group(1)) + 2),
                         memo.narrative.strip(), flags=re.MULTILINE)
        out += ["## Narrative", "", demoted, ""]
    out += ["## Pillars and kill criteria", ""]
    out += [f"- {p.kind_label}: {p.text} — **{p.state_label}**"
            + (f" (due {p.due_date:%Y-%m-%d})" if p.due_date else "") for p in memo.pillars]
    out += ["" if memo.pillars else "_No pillars recorded._", ""]
    sup, con, ctx = memo.balance
    out += ["## Evidence", "", f"{memo.evidence_count} items; weighted balance: supports {sup}, "
            f"contradicts {con}, context {ctx}.", ""]
    for g in memo.evidence_groups:
        title = g.text if g.id is None else f"{g.kind_label}: {g.text} ({g.state_label})"
        out += [f"### {title}", ""]
        for e in g.evidence:
            page = f", p. {e.page}" if e.page else ""
            date = f"{e.date:%Y-%m-%d} · " if e.date else ""
            out += [f"**{STANCE_LABELS.get(e.stance, e.stance)}** · weight {e.weight}", "",
                    *[f"> {line}" for line in e.quote.splitlines() or [""]], "",
                    f"{date}[{e.source_no}]{page}" + (f" — {e.note}" if e.note else ""), ""]
    if memo.positions:
        out += ["## Positions", "", "| " + " | ".join(POSITION_HEADERS) + " |",
                "|" + "---|" * len(POSITION_HEADERS)]
        out += ["| " + " | ".join(_md(c) for c in _position_cells(p)) + " |"
                for p in memo.positions]
        out += [""]
    out += ["## Metrics", ""]
    for m in memo.metrics:
        out += [f"### {m.name}" + (f" ({m.unit})" if m.unit else ""), "",
                f"{_metric_summary(m)}; {_EXPECT.get(m.expected, '')}.", ""]
        if m.rules:
            out += ["Alert rules: " + "; ".join(_md(r) for r in m.rules) + ".", ""]
    if not memo.metrics:
        out += ["_No metrics linked to this thesis._", ""]
    out += ["## Alerts fired", ""]
    out += [f"- {a.fired_at:%Y-%m-%d %H:%M}: {a.message}" for a in memo.alerts]
    out += ["" if memo.alerts else "_No alerts fired by this date._", ""]
    out += ["## Journal", ""]
    out += [f"- {j.at:%Y-%m-%d %H:%M} {_journal_line(j)}" + (f" — {j.reason}" if j.reason else "")
            for j in memo.journal]
    if memo.comments:
        out += ["", "## Discussion", ""]
        out += [f"- {c.created_at:%Y-%m-%d %H:%M} {_md(c.author or '')}: "
                + (f"(on “{_md(c.evidence_quote[:120])}”) " if c.evidence_id is not None else "")
                + _md(" ".join(c.body.split())) for c in memo.comments]
    out += ["", "## Sources", ""]
    out += [f"{s.number}. {s.citation}" + (f" {_md_link(s.url)}" if s.url else "")
            for s in memo.sources]
    return "\n".join(out).rstrip() + "\n"


def _escaped_for_markdown(memo: Memo) -> Memo:
    from dataclasses import replace

    def group(g: MemoPillar) -> MemoPillar:
        return replace(g, text=_md(g.text), evidence=tuple(
            replace(e, quote=_md(e.quote), note=_md(e.note)) for e in g.evidence))

    return replace(
        memo, title=_md(memo.title), claim=_md(memo.claim),
        narrative=_md_narrative(memo.narrative),
        pillars=tuple(replace(p, text=_md(p.text)) for p in memo.pillars),
        evidence_groups=tuple(group(g) for g in memo.evidence_groups),
        metrics=tuple(replace(m, name=_md(m.name), unit=_md(m.unit)) for m in memo.metrics),
        alerts=tuple(replace(a, message=_md(a.message)) for a in memo.alerts),
        journal=tuple(replace(j, old=_md(j.old), new=_md(j.new), reason=_md(j.reason),
                              subject=_md(j.subject)) for j in memo.journal),
        sources=tuple(replace(s, citation=_md(s.citation)) for s in memo.sources))
