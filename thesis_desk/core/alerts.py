"""Alert rules on metrics, fired on the edge: once per crossing, re-armed when clear.

A rule judges every observation it has not seen (its ``last_observation_id`` is the
highest observation id judged) in date order, a whole stretch at once (``core/judge.py``,
numpy), in the transaction that records them: one new value, an import of a million
and the catch-up pass are the same code. An observation older than the newest the rule
has seen (a backfill) is judged in its place: the series is judged with and without
what the rule had not seen, and the alerts only the first raises (on dates not alerted
before) are raised, those dated before the newest it had seen marked ``backfilled``.
A new or changed rule judges from the newest observation on (history it did not judge
raises nothing, though a backfill into it is judged), unless asked to judge history.
A rule tied to a pillar is a kill criterion: when it fires, the pillar's state changes,
the thesis is flagged and the journal says which rule, which observation and which value.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from thesis_desk.core.db import Database, bulk_insert, bulk_rows, collector_paused
from thesis_desk.core.enums import pillar_state_label
from thesis_desk.core.errors import NotFoundError, ValidationError
from thesis_desk.core.models import (
    Alert,
    AlertRule,
    JournalEntry,
    Metric,
    Observation,
    Pillar,
    Thesis,
    ThesisMetric,
)
from thesis_desk.core.records import AlertInfo, PillarChoice, RuleInfo, RuleInput
from thesis_desk.core.snapshot import as_date
from thesis_desk.core.timeutil import utcnow

_SEVERITY_ORDER = {"intact": 0, "confirmed": 0, "at_risk": 1, "broken": 2}


def describe_rule(kind: str, threshold: float | None, window: int | None,
                  window_unit: str = "observations", hysteresis: float = 0.0) -> str:
    band = f" (re-arms {hysteresis:g} back)" if hysteresis else ""
    if kind == "above":
        return f"above {threshold:g}{band}"
    if kind == "below":
        return f"below {threshold:g}{band}"
    if kind == "crosses":
        return f"crosses {threshold:g}{band}"
    if kind == "change_pct":
        return f"moves {threshold:g}% or more over {window} {window_unit}"
    if kind == "zscore":
        return f"moves {threshold:g} standard deviations from the last {window} observations"
    return f"no new observation for {window} days"


class AlertService:
    def __init__(self, db: Database):
        self.db = db

    def add_rule(self, data: RuleInput, *, judge_history: bool = False) -> RuleInfo:
        """A new rule judges what arrives from now on; with ``judge_history`` it judges
        the metric's whole history first, raising the alerts that history holds (kill
        criteria break their pillars), in the same transaction."""
        with self.db.write() as s:
            _check_rule(s, data)
            r = AlertRule(metric_id=data.metric_id)
            _set_rule(r, data)
            s.add(r)
            s.flush()
            raised: list[Alert] = []
            if judge_history:
                r.last_observation_id, r.triggered = None, False
                from thesis_desk.core import packs

                if data.kind == "stale":
                    raised = _check_stale(s, dt.date.today(), [r])
                else:
                    found = _Raised()
                    _evaluate(s, r.metric_id, [r], found, keep=packs.kept(s))
                    raised = found.write(s)
            else:
                _judge_from_now(s, r)
            return replace(_rule_info(s, r), history_alerts=tuple(a.message for a in raised))

    def update_rule(self, rule_id: int, data: RuleInput) -> RuleInfo:
        """Change a rule's condition, level, window or pillar. Like a new rule, the
        changed one judges what arrives from now on (its alerts so far stay)."""
        with self.db.write() as s:
            r = _rule(s, rule_id)
            _check_rule(s, data)
            if data.metric_id != r.metric_id:
                raise ValidationError({"metric_id": "A rule stays with its metric; add a "
                                                    "new rule to watch another one."})
            _set_rule(r, data)
            _judge_from_now(s, r)
            return _rule_info(s, r)

    def set_rule_enabled(self, rule_id: int, enabled: bool) -> RuleInfo:
        """A disabled rule judges nothing; enabled again, it judges from then on (what
        arrived meanwhile is not fired late)."""
        with self.db.write() as s:
            r = _rule(s, rule_id)
            if enabled and not r.enabled:
                _judge_from_now(s, r)
            r.enabled = enabled
            return _rule_info(s, r)

    def delete_rule(self, rule_id: int) -> RuleInfo:
        """Remove a rule and the alerts it fired; journal entries that name them stay."""
        with self.db.write() as s:
            r = _rule(s, rule_id)
            info = _rule_info(s, r)
            s.delete(r)
            return info

    def pillar_choices(self, metric_id: int | None = None) -> list[PillarChoice]:
        """What a rule of ``metric_id`` can be tied to: every pillar of a thesis not
        archived, kill criteria and the theses tracking the metric first."""
        with self.db.read() as s:
            tracking = set() if metric_id is None else set(s.scalars(
                select(ThesisMetric.thesis_id).where(ThesisMetric.metric_id == metric_id)))
            rows = s.execute(select(Pillar.id, Pillar.thesis_id, Thesis.title, Pillar.kind,
                                    Pillar.text)
                             .join(Thesis, Thesis.id == Pillar.thesis_id)
                             .where(Thesis.archived_at.is_(None))
                             .order_by(Thesis.title, Pillar.position, Pillar.id)).all()
        choices = [PillarChoice(i, t, title, kind, text, t in tracking)
                   for i, t, title, kind, text in rows]
        return sorted(choices, key=lambda c: (not c.tracks_metric, c.kind != "kill"))

    def rules(self, metric_id: int | None = None, *,
              pillar_ids: Iterable[int] | None = None) -> list[RuleInfo]:
        """Rules, of one metric or guarding some pillars when asked; what each names
        (metric, pillar, thesis) read in batches, not a query or three per rule (5,000
        rules were 9,000 round trips: minutes to a team server 20 ms away)."""
        with self.db.read() as s:
            q = select(AlertRule).order_by(AlertRule.id)
            if metric_id is not None:
                q = q.where(AlertRule.metric_id == metric_id)
            if pillar_ids is not None:
                wanted = list(pillar_ids)
                if not wanted:
                    return []
                q = q.where(AlertRule.pillar_id.in_(wanted))
            found = list(s.scalars(q))
            held = _named_by(s, found)  # noqa: F841 - kept: the session holds them weakly
            return [_rule_info(s, r) for r in found]

    def check_all(self, today: dt.date | None = None) -> list[AlertInfo]:
        """The catch-up pass: every enabled rule over what it has not seen; staleness.
        The cycle collector paused: a whole history raises tens of thousands of plain
        rows and results, whose collections walked every object held (0.1 s of 1.3).
        What is unseen is looked for before the write begins: that looks at every
        metric's newest observation (0.4 s over 5,000,000), and other programs' writes
        waited for it while this held the file's write lock. A metric that gains rows in
        between is judged by the next pass."""
        with self.db.read() as s:
            unseen = _metrics_with_unseen_observations(s)
        with self.db.write() as s, collector_paused():
            fired = evaluate_metrics(s, unseen)
            fired += _check_stale(s, today or dt.date.today())
            _wake_due(s, utcnow())
            s.flush()
            return _alert_infos(s, fired)

    def alerts(self, *, state: str | None = None,
               metric_id: int | None = None) -> list[AlertInfo]:
        with self.db.read() as s:
            # columns, not Alert objects: an ORM instance per row was most of the time
            q = select(Alert.id, Alert.rule_id, Alert.fired_at, Alert.observed_on, Alert.value,
                       Alert.message, Alert.state, Alert.snoozed_until, Alert.backfilled
                       ).order_by(Alert.fired_at.desc(), Alert.id.desc())
            if state:
                q = q.where(Alert.state == state)
            if metric_id is not None:
                q = q.join(AlertRule, AlertRule.id == Alert.rule_id).where(
                    AlertRule.metric_id == metric_id)
            return _alert_infos(s, s.execute(q).all())

    def count(self, state: str = "new") -> int:
        """How many alerts are in a state (the unread badge): one query, no details."""
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(Alert)
                            .where(Alert.state == state)) or 0

    def snooze(self, alert_id: int, until: dt.datetime) -> None:
        """Hide an alert from the unread count until ``until`` (UTC); it comes back then."""
        self.snooze_many([alert_id], until)

    def snooze_many(self, alert_ids: Iterable[int], until: dt.datetime) -> None:
        self._set_state(alert_ids, "snoozed", until)

    def _set_state(self, alert_ids: Iterable[int], state: str,
                   until: dt.datetime | None) -> None:
        """Many alerts in one transaction (a hundred acknowledged: one write, not 100)."""
        ids = list(alert_ids)
        with self.db.write() as s:
            found = s.scalars(select(Alert).where(Alert.id.in_(ids))).all()
            if len(found) != len(set(ids)):
                missing = sorted(set(ids) - {a.id for a in found})
                raise NotFoundError(f"Alert {missing[0]} does not exist.")
            for a in found:
                a.state, a.snoozed_until = state, until

    def wake_snoozed(self, now: dt.datetime | None = None) -> int:
        """Snoozed alerts whose time has come are new again; returns how many."""
        with self.db.write() as s:
            return _wake_due(s, now or utcnow())

    def acknowledge(self, alert_id: int) -> None:
        self.acknowledge_many([alert_id])

    def acknowledge_many(self, alert_ids: Iterable[int]) -> None:
        self._set_state(alert_ids, "acknowledged", None)


def guarded_theses(s: Session, fired: Iterable[Alert]) -> tuple[int, ...]:
    """Theses whose pillar a fired alert's rule guards: their pillar state, flag and
    journal changed with it (the window refreshes them)."""
    out: set[int] = set()
    for chunk in _id_chunks({a.rule_id for a in fired}):  # one query, not two an alert
        out.update(s.scalars(select(Pillar.thesis_id)
                             .join(AlertRule, AlertRule.pillar_id == Pillar.id)
                             .where(AlertRule.id.in_(chunk))))
    return tuple(sorted(out))


def _rule(s: Session, rule_id: int) -> AlertRule:
    r = s.get(AlertRule, rule_id)
    if r is None:
        raise NotFoundError(f"Alert rule {rule_id} does not exist (another window or the "
                            "command line may have removed it).")
    return r


def _check_rule(s: Session, data: RuleInput) -> None:
    errors = data.validate()
    if s.get(Metric, data.metric_id) is None:
        errors["metric_id"] = "Choose a metric that exists."
    if data.pillar_id is not None and s.get(Pillar, data.pillar_id) is None:
        errors["pillar_id"] = "That pillar does not exist."
    if errors:
        raise ValidationError(errors)


def _set_rule(r: AlertRule, data: RuleInput) -> None:
    """The input's fields on the row; a level or window the kind takes none of is not kept."""
    r.kind = data.kind
    r.threshold = None if data.kind == "stale" else data.threshold
    r.window = data.window if data.kind in ("change_pct", "zscore", "stale") else None
    r.window_unit = data.window_unit if data.kind == "change_pct" else (
        "days" if data.kind == "stale" else "observations")
    r.hysteresis = data.hysteresis if data.kind in ("above", "below", "crosses") else 0.0
    r.pillar_id = data.pillar_id
    r.pillar_state_on_fire = data.pillar_state_on_fire
    r.severity = data.severity
    r.note = data.note.strip()


def _judge_from_now(s: Session, r: AlertRule) -> None:
    """A rule new (or changed) judges only what arrives after it, not the whole history:
    it starts at the newest observation, triggered if its condition holds there, every
    observation there now seen."""
    r.last_observation_id = s.scalar(select(func.max(Observation.id))
                                     .where(Observation.metric_id == r.metric_id))
    r.triggered = r.last_observation_id is not None and _holds_now(s, r) == 1


def forget_replaced(s: Session, metric_ids: Iterable[int]) -> None:
    """Observations of these metrics were deleted to be written again (an import that
    replaces): no rule's mark may stay above the highest id left, or a row written with
    an id SQLite hands out again would pass for one already judged."""
    for chunk in _id_chunks(metric_ids):
        s.execute(update(AlertRule).where(AlertRule.metric_id.in_(chunk)).values(
            last_observation_id=select(func.max(Observation.id))
            .where(Observation.metric_id == AlertRule.metric_id).scalar_subquery()))


def _wake_due(s: Session, now: dt.datetime) -> int:
    due = s.scalars(select(Alert).where(Alert.state == "snoozed",
                                        Alert.snoozed_until <= now)).all()
    for a in due:
        a.state, a.snoozed_until = "new", None
    return len(due)


def _metrics_with_unseen_observations(s: Session) -> list[int]:
    """Metrics where some enabled rule has not yet seen the newest observation: the
    catch-up pass walks only those (one aggregate query instead of every series)."""
    marks = s.execute(select(AlertRule.metric_id, AlertRule.last_observation_id)
                      .where(AlertRule.enabled, AlertRule.kind != "stale")).all()
    newest: dict[int, int] = {}
    if any(seen is not None for _mid, seen in marks):  # else every rule judges it all
        newest = dict(s.execute(select(Observation.metric_id, func.max(Observation.id))
                                .group_by(Observation.metric_id)).all())
    # a rule that has seen nothing takes its metric (one without observations judges
    # nothing, quickly)
    return sorted({mid for mid, seen in marks
                   if seen is None or (mid in newest and seen < newest[mid])})


def evaluate_metric(s: Session, metric_id: int) -> list[Alert]:
    """Walk each enabled rule of a metric over its unseen observations; fire on edges."""
    return evaluate_metrics(s, [metric_id])


def evaluate_metrics(s: Session, metric_ids: Sequence[int],
                     series: dict[int, tuple[Any, Any]] | None = None) -> list[Alert]:
    """``evaluate_metric`` for many metrics (the catch-up pass, an import of many): their
    rules and metrics read in batches, the rules' new state written once at the end.
    One metric at a time was five statements and a flush each: 2.5x slower when
    hundreds of metrics fire at once. ``series``: a metric's whole series (day numbers,
    values, in date order) where the caller has it in hand (an import into an empty
    metric), judged without reading it back."""
    if not metric_ids:  # the catch-up pass at start, usually: numpy need not load for it
        return []
    from thesis_desk.core import packs

    rules: dict[int, list[AlertRule]] = {}
    names: dict[int, str] = {}  # for the messages: the names alone, not Metric objects
    for chunk in _id_chunks(metric_ids):
        names.update(s.execute(select(Metric.id, Metric.name).where(Metric.id.in_(chunk))).all())
        for r in s.scalars(select(AlertRule).where(AlertRule.metric_id.in_(chunk),
                                                   AlertRule.enabled,
                                                   AlertRule.kind != "stale")):
            rules.setdefault(r.metric_id, []).append(r)
    keep = packs.kept(s)
    raised = _Raised()  # every metric's alerts, written in one go at the end
    with s.no_autoflush:  # the series queries need none of the pending rule updates
        for chunk in _id_chunks(metric_ids):
            # a metric some rule of which has seen nothing is judged whole: from its pack
            whole = [m for m in chunk if keep and any(
                not r.last_observation_id for r in rules.get(m, []))]
            in_hand = dict(packs.load(s, whole)) if whole else {}
            judged = _judge_whole(chunk, rules, in_hand, series or {})
            # the dates already alerted on, for many metrics in one query (one a metric
            # was a quarter of a second for 4,000 metrics firing)
            alerted = _alerted_dates(s, chunk) if len(chunk) > 1 else None
            for mid in chunk:
                _evaluate(s, mid, rules.get(mid, []), raised,
                          known=(series or {}).get(mid), pack=in_hand.pop(mid, None),
                          keep=keep,
                          alerted_on=None if alerted is None else alerted.get(mid, {}),
                          name=names.get(mid), judged=judged)
    fired = raised.write(s)
    _write_marks(s, [r for judged in rules.values() for r in judged])
    return fired


def _judge_whole(chunk: list[int], rules: dict[int, list[AlertRule]],
                 in_hand: dict[int, tuple[Any, Any, Any]],
                 known: dict[int, tuple[Any, Any]]) -> dict[int, tuple[Any, Any, bool]]:
    """Rules judging a whole series already in hand (a pack, an import's rows), judged
    together, a kind and window at a time across the chunk's metrics (judge.fires_many):
    rule id -> (the days judged, the indices it fires at, its state after). Alone, each
    rule was twenty numpy calls on its thousand values; together, the same arithmetic
    is a few calls a chunk."""
    from thesis_desk.core.judge import fires_many

    groups: dict[tuple, list[tuple[AlertRule, Any, Any]]] = {}
    for mid in chunk:
        mine = rules.get(mid, [])
        if not mine or any(r.last_observation_id for r in mine):
            continue  # only what has seen nothing judges from the first observation
        # the series _evaluate judges: the one in hand first, as it chooses
        days, values = known[mid] if mid in known else in_hand.get(mid, (None,) * 3)[1:]
        if days is None or not len(days):
            continue
        for r in mine:
            groups.setdefault((r.kind, r.window, r.window_unit), []).append((r, days, values))
    out: dict[int, tuple[Any, Any, bool]] = {}
    for (kind, window, unit), members in groups.items():
        results = fires_many(kind, window, unit, [(d, v) for _r, d, v in members],
                             [(r.threshold, r.hysteresis, bool(r.triggered))
                              for r, _d, _v in members])
        for (r, days, _v), (at, after) in zip(members, results, strict=True):
            out[r.id] = (days, at, after)
    return out


def _write_marks(s: Session, rules: list[AlertRule]) -> None:
    """The rules' new marks and states in one executemany, the rule objects then let go:
    through the unit of work, 4,000 rules were a quarter of a second of UPDATEs; left in
    the session, still flagged as modified, the next query's autoflush looked at each."""
    if not rules:
        return
    from sqlalchemy.orm.attributes import set_committed_value

    bulk_insert(s, "UPDATE alert_rule SET last_observation_id = ?, triggered = ? WHERE id = ?",
                ((r.last_observation_id, bool(r.triggered), r.id) for r in rules))
    for r in rules:
        set_committed_value(r, "last_observation_id", r.last_observation_id)
        set_committed_value(r, "triggered", r.triggered)
        s.expunge(r)  # as stored now: a later read in this session reads it afresh


def _alerted_dates(s: Session, metric_ids: list[int]) -> dict[int, dict[int, set[dt.date]]]:
    """metric -> rule -> the dates its alerts were raised on."""
    out: dict[int, dict[int, set[dt.date]]] = {}
    for mid, rid, day in bulk_rows(s, _ALERTED_SQL.format(",".join("?" * len(metric_ids))),
                                   tuple(metric_ids)):
        out.setdefault(mid, {}).setdefault(rid, set()).add(as_date(day))
    return out


def _insert(s: Session, rows: list[dict]) -> list[Any]:
    """Alerts as batched INSERT … RETURNING of plain rows (their id, rule, message…, as
    ``_alert_infos`` reads them), in the order given: through the unit of work each cost
    0.2 ms, and thousands fire when a history is judged."""
    if not rows:
        return []
    t = Alert.__table__
    if s.get_bind().dialect.name == "sqlite":
        return _insert_local(s, rows)
    return list(s.execute(insert(t).returning(
        t.c.id, t.c.rule_id, t.c.fired_at, t.c.observed_on, t.c.value, t.c.message,
        t.c.state, t.c.snoozed_until, t.c.backfilled, sort_by_parameter_order=True), rows))


class _AlertRow(NamedTuple):
    """An alert just inserted, as ``_alert_infos`` reads it."""

    id: int
    rule_id: int
    fired_at: dt.datetime
    observed_on: dt.date | None
    value: float | None
    message: str
    state: str
    snoozed_until: dt.datetime | None
    backfilled: bool


_ALERT_COLUMNS = ("rule_id", "fired_at", "observation_id", "observed_on", "value", "message",
                  "state", "snoozed_until", "backfilled")


def _insert_local(s: Session, rows: list[dict]) -> list[_AlertRow]:
    """``_insert`` on the local file: a plain executemany, the column values stored as
    SQLAlchemy stores them (its own bind processors), the new ids read back after the
    highest before (one writer holds the file: they are ours, in order). Through
    INSERT … RETURNING, 48,000 alerts took 1.0 s; this, a fifth of it."""
    t = Alert.__table__
    dialect = s.get_bind().dialect
    as_stored = {c: t.c[c].type.dialect_impl(dialect).bind_processor(dialect)
                 for c in _ALERT_COLUMNS}
    if any(as_stored[c] for c in ("rule_id", "observation_id", "message", "state")):
        raise RuntimeError("alert columns stored other than as given")  # as written below
    stamp, day, flag = as_stored["fired_at"], as_stored["observed_on"], as_stored["backfilled"]
    number = as_stored["value"]
    stamps: dict[Any, Any] = {}  # a pass's alerts share a handful of times and dates
    days: dict[Any, Any] = {}

    def stored(v: Any, proc: Any, memo: dict) -> Any:
        if v is None or proc is None:
            return v
        if v not in memo:
            memo[v] = proc(v)
        return memo[v]

    before = bulk_rows(s, "SELECT coalesce(max(id), 0) FROM alert")[0][0]
    bulk_insert(s, f"INSERT INTO alert ({', '.join(_ALERT_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(_ALERT_COLUMNS))})",
                ((r["rule_id"], stored(r["fired_at"], stamp, stamps), r["observation_id"],
                  stored(r["observed_on"], day, days),
                  number(r["value"]) if number and r["value"] is not None else r["value"],
                  r["message"], r["state"],
                  stored(r["snoozed_until"], stamp, stamps),
                  flag(r["backfilled"]) if flag else r["backfilled"])
                 for r in rows))
    ids = [i for (i,) in bulk_rows(s, "SELECT id FROM alert WHERE id > ? ORDER BY id", (before,))]
    if len(ids) != len(rows):
        raise RuntimeError(f"{len(rows)} alerts inserted, {len(ids)} found")
    return [_AlertRow(i, r["rule_id"], r["fired_at"], r["observed_on"], r["value"], r["message"],
                      r["state"], r["snoozed_until"], bool(r["backfilled"]))
            for i, r in zip(ids, rows, strict=True)]


def _evaluate(s: Session, metric_id: int, rules: list[AlertRule], raised: _Raised,
              known: tuple[Any, Any] | None = None, pack: Any = None,
              keep: bool = False,
              alerted_on: dict[int, set[dt.date]] | None = None,
              name: str | None = None,
              judged: dict[int, tuple[Any, Any, bool]] | None = None) -> None:
    """Each rule over what it has not seen: from its newest seen observation on, or, a
    backfill among what it has not seen, the series with and without it. Its alerts go
    to ``raised``, for the caller to write. ``pack``: the whole series packed (ids, days, values), judged
    without reading a row; ``keep``: a series read whole is packed for next time;
    ``alerted_on``: rule -> dates alerted on, where the caller read them for many;
    ``name``: the metric's, where the caller has it; ``judged``: rule -> (days, fired at,
    state after), the whole series judged already (``_judge_whole``)."""
    import numpy as np  # here, not at start-up: the window opens without numpy

    from thesis_desk.core.judge import fires

    if not rules:
        return
    # per mark (rules of a metric mostly share one): the oldest day it has not seen and
    # the newest it has, as aggregates (no unseen row is fetched for this)
    marks: dict[int, tuple[int | None, int | None, int | None]] = {}
    for mark in {r.last_observation_id or 0 for r in rules}:
        if pack is not None:  # the same aggregates, over the pack
            ids_, days_ = pack[0], pack[1]
            unseen = ids_ > mark
            if not unseen.any():
                marks[mark] = (None, None, None)
                continue
            seen = ~unseen
            marks[mark] = (int(days_[unseen].min()), int(ids_.max()),
                           int(days_[seen].max()) if mark and seen.any() else None)
            continue
        oldest, top = bulk_rows(s, _UNSEEN_SQL, (metric_id, mark))[0]
        newest = bulk_rows(s, _SEEN_SQL, (metric_id, mark))[0][0] if mark and top else None
        marks[mark] = (oldest, top, newest)
    top = max((t for _, t, _ in marks.values() if t is not None), default=None)
    if top is None:
        return
    plans = []  # (rule, its mark, the first day to judge (None: all), the newest seen day)
    for r in rules:
        mark = r.last_observation_id or 0
        oldest, mine, newest = marks[mark]
        r.last_observation_id = max(top, mark)
        if mine is None:
            continue
        backfill = newest is not None and oldest <= newest
        plans.append((r, mark, None if backfill else oldest, newest))
    if not plans:
        return
    # the observations' ids only where a backfill needs them (the rest judge by day and
    # value; an alert's observation is looked up by its day afterwards)
    backfills = any(p[2] is None for p in plans)
    if known is not None and not backfills:  # the whole series, in hand
        ids, (days, values) = None, known
    elif pack is not None:
        ids, days, values = pack
    else:
        # read whole (a backfill, or a rule that has seen nothing): packed for next time
        whole = keep and (backfills or any(mark == 0 for _, mark, _, _ in plans))
        ids, days, values = _series_from(s, metric_id, plans, with_ids=backfills or whole,
                                         whole=whole)
        if whole:
            from thesis_desk.core import packs

            packs.store(s, metric_id, ids, days, values)
    events: list[tuple[AlertRule, int, bool]] = []  # (rule, index, backfilled): raised below

    seen_alerts: dict[int, set[dt.date]] | None = alerted_on

    def alerted(r: AlertRule) -> set[dt.date]:
        """The dates this metric's rules have alerted on (read once, when one fires)."""
        nonlocal seen_alerts
        if seen_alerts is None:
            seen_alerts = _alerted_dates(s, [metric_id]).get(metric_id, {})
        return seen_alerts.get(r.id, set())

    for r, mark, first, newest in plans:
        judge = (r.kind, r.threshold, r.hysteresis, r.window, r.window_unit)
        if first is not None:  # only newer observations: judged from the first of them
            start = int(np.searchsorted(days, first))
            done = (judged or {}).get(r.id)
            if done is not None and done[0] is days and start == 0:  # this very series
                at, r.triggered = done[1], done[2]
            else:
                at, r.triggered = fires(*judge, days, values, start, bool(r.triggered))
            # a date alerted already (a value an import replaced) stays one alert
            seen = alerted(r)
            events += [(r, n, False) for n in at.tolist()
                       if not seen or _date(int(days[n])) not in seen]
            continue
        # a backfill: what the series with it raises that the series without it does not
        had = ids <= mark
        before, state_before = fires(*judge, days[had], values[had], 0, False)
        now, state_now = fires(*judge, days, values, 0, False)
        was = {int(d) for d in days[had][before]}
        events += [(r, int(n), bool(days[n] <= newest)) for n in now
                   if int(days[n]) not in was and _date(days[n]) not in alerted(r)]
        if state_now != state_before:  # the backfill moved where the rule stands now
            r.triggered = state_now
    if not events:
        return
    # the events' days, values and observations as Python numbers, in one step each
    # (a numpy scalar read, converted and hashed an event at a time cost twice as much)
    at = np.fromiter((n for _, n, _ in events), dtype=np.int64, count=len(events))
    on_days, observed = days[at].tolist(), values[at].tolist()
    if ids is None:
        wanted = sorted(set(on_days))
        found: dict[int, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = [_date(d).isoformat() for d in wanted[start:start + 500]]
            found.update(bulk_rows(s, _IDS_SQL.format(",".join("?" * len(chunk))),
                                   (metric_id, *chunk)))
        obs_ids = [found[d] for d in on_days]
    else:
        obs_ids = ids[at].tolist()
    if name is None:
        metric = s.get(Metric, metric_id)
        name = metric.name if metric is not None else f"metric {metric_id}"
    described: dict[AlertRule, str] = {}  # its condition, described once
    now = utcnow()
    for (r, _n, backfilled), oid, day, value in zip(events, obs_ids, on_days, observed,
                                                   strict=True):
        obs = _Obs(oid, _date(day), value)
        if r not in described:
            described[r] = describe_rule(r.kind, r.threshold, r.window, r.window_unit,
                                         r.hysteresis)
        raised.add(r, now, obs, _message(r, obs, name, backfilled=backfilled,
                                         cond=described[r]), backfilled=backfilled)


_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
_UNSEEN_SQL = ("SELECT min(DAYNUM(date)), max(id) "
               "FROM observation WHERE metric_id = ? AND id > ?")
_ALERTED_SQL = ("SELECT r.metric_id, a.rule_id, a.observed_on FROM alert a "
                     "JOIN alert_rule r ON r.id = a.rule_id "
                     "WHERE r.metric_id IN ({}) AND a.observed_on IS NOT NULL")
_SEEN_SQL = ("SELECT max(DAYNUM(date)) FROM observation "
             "WHERE metric_id = ? AND id <= ?")
_SERIES_SQL = ("SELECT {}DAYNUM(date), value FROM observation "
               "WHERE metric_id = ? AND date >= ? ORDER BY date")
_BEFORE_SQL = ("SELECT {}DAYNUM(date), value FROM observation "
               "WHERE metric_id = ? AND date < ? ORDER BY date DESC LIMIT ?")
_IDS_SQL = ("SELECT DAYNUM(date), id FROM observation "
            "WHERE metric_id = ? AND date IN ({})")


def day_number(d: dt.date) -> int:
    """A date as the judge (and the series packs) count days: since 1970-01-01."""
    return d.toordinal() - _EPOCH_DAY


@functools.lru_cache(maxsize=1 << 16)
def _date(day: int) -> dt.date:
    return dt.date.fromordinal(int(day) + _EPOCH_DAY)


def _series_from(s: Session, metric_id: int, plans: list, *,
                 with_ids: bool, whole: bool = False) -> tuple[Any, Any, Any]:
    """The part of the series the plans judge, with as much before it as their windows
    look back (``whole``: all of it): ids (None unless ``with_ids``: a third of the
    read), days and values as arrays, in date order."""
    import numpy as np

    from thesis_desk.core.judge import lookback

    count_back, days_back = 2, 0
    for r, *_ in plans:
        c, d = lookback(r.kind, r.window, r.window_unit)
        count_back, days_back = max(count_back, c), max(days_back, d)
    if whole:
        from thesis_desk.core import packs

        return packs.read_whole(s, metric_id)
    firsts = [first for _, _, first, _ in plans]
    cols = "id, " if with_ids else ""
    if any(f is None for f in firsts):
        rows = bulk_rows(s, _SERIES_SQL.format(cols), (metric_id, "0001-01-01"))
    else:
        cutoff = _date(min(firsts) - days_back).isoformat()
        rows = [*reversed(bulk_rows(s, _BEFORE_SQL.format(cols),
                                    (metric_id, cutoff, count_back))),
                *bulk_rows(s, _SERIES_SQL.format(cols), (metric_id, cutoff))]
    table = np.array(rows, dtype=float).reshape(-1, 3 if with_ids else 2)
    ids = table[:, 0].astype(np.int64) if with_ids else None
    return ids, table[:, -2].astype(np.int64), table[:, -1]


class _Obs(NamedTuple):
    id: int
    date: dt.date
    value: float


def _holds_now(s: Session, rule: AlertRule) -> int:
    """The rule's state at the newest observation (1 holds, -1 cleared, 0 undecided),
    looking back only as far as its window."""
    from thesis_desk.core.judge import condition, lookback

    back, _days = lookback(rule.kind, rule.window, rule.window_unit)
    back = back if rule.window_unit != "days" else 10_000
    rows = list(reversed(s.execute(select(Observation.date, Observation.value)
                                   .where(Observation.metric_id == rule.metric_id)
                                   .order_by(Observation.date.desc())
                                   .limit(max(back, 2))).all()))
    if not rows:
        return 0
    return condition(rule.kind, rule.threshold, rule.hysteresis, rule.window,
                     rule.window_unit, [day_number(d) for d, _ in rows], [v for _, v in rows],
                     len(rows) - 1)


def _check_stale(s: Session, today: dt.date,
                 rules: list[AlertRule] | None = None) -> list[Alert]:
    """"No new observation for N days" rules: each metric's newest date read once (a
    subquery a metric: the (metric, date) index's last entry; grouping walked every
    entry, 0.2 s for 833 metrics of 1,000 days), the newest observation itself only
    where a rule fires."""
    if rules is None:
        rules = list(s.scalars(select(AlertRule).where(AlertRule.enabled,
                                                       AlertRule.kind == "stale")))
    newest: dict[int, dt.date] = {}
    last_day = (select(func.max(Observation.date)).where(Observation.metric_id == Metric.id)
                .scalar_subquery())
    for chunk in _id_chunks({r.metric_id for r in rules}):
        newest.update((mid, day) for mid, day in s.execute(
            select(Metric.id, last_day).where(Metric.id.in_(chunk))) if day is not None)
    raised, now = _Raised(), utcnow()
    for rule in rules:
        day = newest.get(rule.metric_id)
        if day is None:
            continue
        if isinstance(day, str):  # an aggregate of a date column comes back as text
            day = dt.date.fromisoformat(day)
        stale = (today - day).days > (rule.window or 0)
        if stale and not rule.triggered:
            rule.triggered = True
            last = s.scalars(select(Observation).where(Observation.metric_id == rule.metric_id,
                                                       Observation.date == day)).first()
            metric = s.get(Metric, rule.metric_id)
            name = metric.name if metric else f"metric {rule.metric_id}"
            raised.add(rule, now, last,
                       _message(rule, last, name, stale_days=(today - day).days))
        elif not stale and rule.triggered:
            rule.triggered = False
    return raised.write(s)


def _message(rule: AlertRule, obs: Any, name: str, *, stale_days: int = 0,
             backfilled: bool = False, cond: str | None = None) -> str:
    """``cond``: the rule described, when the caller has it (a history raises thousands)."""
    if rule.kind == "stale":
        return f"{name}: no new observation for {stale_days} days (last {obs.date:%Y-%m-%d})"
    if cond is None:
        cond = describe_rule(rule.kind, rule.threshold, rule.window, rule.window_unit,
                             rule.hysteresis)
    return (f"{name} {cond}: {obs.value:g} on {obs.date.isoformat()}"
            + (" (backfilled)" if backfilled else ""))


class _Raised:
    """A pass's alerts as rows, written in one go: those of rules guarding no pillar,
    and kill criteria's with their rules (their effects come with them)."""

    def __init__(self) -> None:
        self.plain: list[dict] = []
        self.kills: list[tuple[AlertRule, dict]] = []

    def add(self, rule: AlertRule, now: dt.datetime, obs: Any, message: str, *,
            backfilled: bool = False) -> None:
        row = {"rule_id": rule.id, "fired_at": now, "observation_id": obs.id,
               "observed_on": obs.date, "value": obs.value, "state": "new",
               "message": message, "backfilled": backfilled, "snoozed_until": None}
        if rule.pillar_id is None:
            self.plain.append(row)
        else:
            self.kills.append((rule, row))

    def write(self, s: Session) -> list[Any]:
        return _fire_kills(s, self.kills) + _insert(s, self.plain)


def _fire_kills(s: Session, kills: list[tuple[AlertRule, dict]]) -> list[Any]:
    """Kill criteria's alerts (rows as ``_insert`` takes them, each with its rule) with
    their effects, in their order: a journal entry naming the alert; the pillar put at
    the rule's state where that is worse than the pillar's, journalled; its thesis
    flagged. The alerts inserted in one go (their ids for the journal), the
    entries too, each pillar and thesis changed once: one alert at a time, each was a
    flush and two lookups (a history judged raised 63,000 in 63 s)."""
    if not kills:
        return []
    rows = _insert(s, [row for _r, row in kills])
    with s.no_autoflush:  # (the rules' pending marks: _write_marks writes them)
        pillars = {p.id: p for p in _loaded(s, Pillar, (r.pillar_id for r, _row in kills))}
        theses = {t.id: t for t in _loaded(s, Thesis, (p.thesis_id for p in pillars.values()))}
    now = utcnow()
    entries: list[dict] = []
    flagged: set[int] = set()
    for (rule, row), alert in zip(kills, rows, strict=True):
        pillar = pillars.get(rule.pillar_id)
        if pillar is None:
            continue
        msg, new_state = row["message"], rule.pillar_state_on_fire
        entry = {"thesis_id": pillar.thesis_id, "at": now, "pillar_id": pillar.id,
                 "evidence_id": None, "alert_id": alert.id}
        entries.append({**entry, "kind": "alert", "field": "fired", "old": "", "new": msg,
                        "reason": f"rule #{rule.id}"})
        if _SEVERITY_ORDER.get(new_state, 0) > _SEVERITY_ORDER.get(pillar.state, 0):
            entries.append({**entry, "kind": "pillar_state", "field": "state",
                            "old": pillar_state_label(pillar.kind, pillar.state),
                            "new": pillar_state_label(pillar.kind, new_state),
                            "reason": f"Alert rule #{rule.id} fired: {msg}"})
            pillar.state = new_state
        flagged.add(pillar.thesis_id)
    if entries:
        s.execute(insert(JournalEntry.__table__), entries)
    for tid in flagged:
        if tid in theses:
            theses[tid].flagged_at = theses[tid].updated_at = now
    return rows


def _loaded(s: Session, model: Any, ids: Iterable[int]) -> list[Any]:
    """The rows of these ids as objects of the session, a query a chunk."""
    return [o for chunk in _id_chunks(sorted(set(ids)))
            for o in s.scalars(select(model).where(model.id.in_(chunk)))]


def _named_by(s: Session, rules: Sequence[AlertRule]) -> list[Any]:
    """The metrics, pillars and theses the rules name, loaded into the session in a few
    queries, so ``_rule_info``'s lookups find them without asking the database."""
    metrics = _loaded(s, Metric, (r.metric_id for r in rules))
    pillars = _loaded(s, Pillar, (r.pillar_id for r in rules if r.pillar_id is not None))
    return [*metrics, *pillars, *_loaded(s, Thesis, (p.thesis_id for p in pillars))]


def _rule_info(s: Session, r: AlertRule) -> RuleInfo:
    metric = s.get(Metric, r.metric_id)
    pillar = s.get(Pillar, r.pillar_id) if r.pillar_id is not None else None
    thesis = s.get(Thesis, pillar.thesis_id) if pillar is not None else None
    return RuleInfo(id=r.id, metric_id=r.metric_id, metric_name=metric.name if metric else "",
                    kind=r.kind, threshold=r.threshold, window=r.window,
                    window_unit=r.window_unit, hysteresis=r.hysteresis, pillar_id=r.pillar_id,
                    pillar_state_on_fire=r.pillar_state_on_fire, enabled=r.enabled,
                    triggered=r.triggered,
                    description=describe_rule(r.kind, r.threshold, r.window, r.window_unit,
                                              r.hysteresis),
                    note=r.note or "",
                    pillar_kind=pillar.kind if pillar else "",
                    pillar_text=pillar.text if pillar else "",
                    thesis_id=thesis.id if thesis else None,
                    thesis_title=thesis.title if thesis else "")


def _alert_infos(s: Session, alerts: Sequence[Any]) -> list[AlertInfo]:
    """Alerts (Alert objects or rows of its columns) with their metric and theses, in a
    handful of queries whatever their number (queries per alert: 25 s for 5,000)."""
    rule_ids = {a.rule_id for a in alerts}
    rules = {r.id: (r.metric_id, r.pillar_id) for r in _in_chunks(
        s, lambda ids: select(AlertRule.id, AlertRule.metric_id, AlertRule.pillar_id)
        .where(AlertRule.id.in_(ids)), rule_ids)}
    metric_ids = {m for m, _p in rules.values()}
    names = dict(_in_chunks(s, lambda ids: select(Metric.id, Metric.name)
                            .where(Metric.id.in_(ids)), metric_ids))
    linked: dict[int, set[int]] = {}
    for mid, tid in _in_chunks(s, lambda ids: select(ThesisMetric.metric_id, ThesisMetric.thesis_id)
                               .where(ThesisMetric.metric_id.in_(ids)), metric_ids):
        linked.setdefault(mid, set()).add(tid)
    pillar_thesis = dict(_in_chunks(
        s, lambda ids: select(Pillar.id, Pillar.thesis_id).where(Pillar.id.in_(ids)),
        {p for _m, p in rules.values() if p is not None}))
    theses_of: dict[int, tuple[int, ...]] = {}
    for rid, (mid, pid) in rules.items():
        ids = set(linked.get(mid, ()))
        if pid in pillar_thesis:
            ids.add(pillar_thesis[pid])
        theses_of[rid] = tuple(sorted(ids))
    titles = dict(_in_chunks(s, lambda ids: select(Thesis.id, Thesis.title)
                             .where(Thesis.id.in_(ids)),
                             {t for ts in theses_of.values() for t in ts}))
    of_rule: dict[int, tuple[int, str, tuple[int, ...], tuple[str, ...]]] = {}
    for rid in rule_ids:  # what every alert of a rule shares, made once a rule
        mid = rules[rid][0] if rid in rules else 0
        theses = theses_of.get(rid, ())
        of_rule[rid] = (mid, names.get(mid, ""), theses, tuple(titles.get(t, "") for t in theses))
    out = []
    for a in alerts:
        mid, name, theses, named = of_rule[a.rule_id]
        out.append(AlertInfo(
            id=a.id, rule_id=a.rule_id, metric_id=mid, metric_name=name,
            fired_at=a.fired_at, observed_on=a.observed_on, value=a.value, message=a.message,
            state=a.state, thesis_ids=theses, thesis_titles=named,
            snoozed_until=a.snoozed_until if a.state == "snoozed" else None,
            backfilled=bool(a.backfilled)))
    return out


IN_CHUNK = 500  # ids bound in one IN (...): SQLite caps the parameters of a statement


def _id_chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """Distinct ids, sorted, IN_CHUNK at a time."""
    ordered = sorted(set(ids))
    for i in range(0, len(ordered), IN_CHUNK):
        yield ordered[i:i + IN_CHUNK]


def _in_chunks(s: Session, query: Callable[[list[int]], Any], ids: Iterable[int]) -> list[Any]:
    """Rows of ``query(ids)`` for any number of ids."""
    return [row for chunk in _id_chunks(ids) for row in s.execute(query(chunk)).all()]
