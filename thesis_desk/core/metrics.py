"""Tracked metrics and their dated observations, and the link from theses to metrics.

One observation per metric and date: a second value for the same date is refused
unless the person chooses to replace the first. Alert rules and imports build on this.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import re
from collections.abc import Callable, Iterable
from dataclasses import replace as replace_
from itertools import islice, repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from thesis_desk.core.alerts import (
    day_number,
    evaluate_metric,
    evaluate_metrics,
    forget_replaced,
    guarded_theses,
)
from thesis_desk.core.db import (
    Database,
    bulk_copy,
    bulk_insert,
    bulk_rows,
    collector_paused,
    driver_sql,
)
from thesis_desk.core.enums import EXPECTED_DIRECTIONS
from thesis_desk.core.errors import (
    DatabaseError,
    NotFoundError,
    UserError,
    ValidationError,
    raise_if,
)
from thesis_desk.core.records import EvidenceMark, MetricInfo, MetricInput, ObservationInfo
from thesis_desk.core.models import Evidence, Instrument, Metric, Observation, Thesis, ThesisMetric
from thesis_desk.core.timeutil import utcnow


SERIES_CHUNK = 50_000  # rows made into an array between letting go of the lock
PACK_FROM = 2_000  # a shorter series reads as rows about as fast as from a pack
PACK_BATCH = 1_000_000  # rows read and packed in one write transaction, at most
_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
log = logging.getLogger(__name__)


class MetricService:
    def __init__(self, db: Database):
        self.db = db

    # -- metrics

    def create(self, data: MetricInput) -> MetricInfo:
        raise_if(data.validate())
        with self.db.write() as s:
            if s.scalar(select(Metric.id).where(Metric.name == data.name.strip())):
                raise ValidationError({"name": f"A metric named '{data.name.strip()}' exists."})
            m = Metric(name=data.name.strip(), unit=data.unit.strip(), frequency=data.frequency,
                       description=data.description.strip(), source=data.source.strip(),
                       instrument_id=_instrument_id(s, data.instrument))
            s.add(m)
            s.flush()
            return _info(s, m)

    def update(self, metric_id: int, data: MetricInput) -> MetricInfo:
        raise_if(data.validate())
        with self.db.write() as s:
            m = _get(s, metric_id)
            clash = s.scalar(select(Metric.id).where(Metric.name == data.name.strip(),
                                                     Metric.id != metric_id))
            if clash:
                raise ValidationError({"name": f"A metric named '{data.name.strip()}' exists."})
            m.name, m.unit, m.frequency = data.name.strip(), data.unit.strip(), data.frequency
            m.description, m.source = data.description.strip(), data.source.strip()
            m.instrument_id = _instrument_id(s, data.instrument)
            s.flush()
            return _info(s, m)

    def count(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(Metric)) or 0

    def list(self) -> list[MetricInfo]:
        with self.db.read() as s:
            return _infos(s, list(s.scalars(select(Metric).order_by(Metric.name))))

    def get(self, metric_id: int) -> MetricInfo:
        with self.db.read() as s:
            return _info(s, _get(s, metric_id))

    def resolve(self, ref: str) -> int:
        text = str(ref).strip()
        with self.db.read() as s:
            if text.isdigit() and s.get(Metric, int(text)) is not None:
                return int(text)
            found = s.scalar(select(Metric.id).where(Metric.name == text))
        if found is None:
            raise NotFoundError(f"No metric has the id or name '{text}'. "
                                "List them with: thesis-desk metrics list")
        return found

    # -- observations

    def observe(self, metric_id: int, date: dt.date, value: float, *, note: str = "",
                replace: bool = False, document_id: int | None = None,
                evidence_id: int | None = None) -> ObservationInfo:
        """Record a value; a second value for the same date needs ``replace=True``."""
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValidationError({"value": "The value must be a finite number."})
        with self.db.write() as s:
            _get(s, metric_id)
            existing = s.scalars(select(Observation).where(
                Observation.metric_id == metric_id, Observation.date == date)).one_or_none()
            if existing is not None:
                if not replace:
                    raise ValidationError({"date": (
                        f"There is already a value ({existing.value:g}) for {date:%Y-%m-%d}; "
                        "choose to replace it, or pick another date.")})
                existing.value, existing.note = float(value), note.strip()
                existing.document_id, existing.evidence_id = document_id, evidence_id
                s.flush()
                from thesis_desk.core import packs

                packs.drop(s, [metric_id])
                return _obs(existing)
            o = Observation(metric_id=metric_id, date=date, value=float(value), note=note.strip(),
                            document_id=document_id, evidence_id=evidence_id)
            s.add(o)
            s.flush()
            from thesis_desk.core import packs

            packs.grow(s, metric_id, o.id, day_number(date), float(value))
            # Checked at once, in the same transaction: the value and its alerts land together.
            fired = evaluate_metric(s, metric_id)
            return replace_(_obs(o), fired=tuple(a.message for a in fired),
                            theses_changed=guarded_theses(s, fired))

    def observations(self, metric_id: int, *, until: dt.date | None = None,
                     newest: int | None = None) -> list[ObservationInfo]:
        """In date order; ``newest`` keeps only the latest N (a table of a long series)."""
        with self.db.read() as s:
            _get(s, metric_id)
            q = select(Observation).where(Observation.metric_id == metric_id)
            if until is not None:
                q = q.where(Observation.date <= until)
            if newest is not None:
                rows = list(s.scalars(q.order_by(Observation.date.desc()).limit(newest)))
                return [_obs(o) for o in reversed(rows)]
            return [_obs(o) for o in s.scalars(q.order_by(Observation.date))]

    def series(self, metric_id: int, *, until: dt.date | None = None,
               ) -> tuple[list[dt.date], list[float]]:
        """Dates and values only, for memos, returns and kill criteria (``series_of``)."""
        return self.series_of([metric_id], until=until)[metric_id]

    def series_of(self, metric_ids: Iterable[int], *, until: dt.date | None = None,
                  ) -> dict[int, tuple[list[dt.date], list[float]]]:
        """Several metrics' dates and values. A long series on the local file comes from
        its pack (``core/packs.py``), packed when first read, all in one transaction:
        eight series of 10,000 rows took 0.1 s to read as rows, their packs 10 ms.
        Otherwise plain driver rows and C-level date parsing, no ORM object or per-cell
        type processing (10,000 rows: 12 ms, not 30)."""
        ids = list(dict.fromkeys(metric_ids))
        packed = self._packed(ids)
        out = {}
        for metric_id in ids:
            whole = packed.get(metric_id)
            if whole is not None:
                days, values = _until(whole[1], whole[2], until)
                out[metric_id] = (list(map(dt.date.fromordinal, (days + _EPOCH_DAY).tolist())),
                                  values.tolist())
                continue
            rows = self._series_rows(metric_id, until)
            dates = list(map(itemgetter(0), rows))
            if dates and isinstance(dates[0], str):  # SQLite's driver gives ISO text
                dates = list(map(dt.date.fromisoformat, dates))
            out[metric_id] = (dates, list(map(itemgetter(1), rows)))
        return out

    def _packed(self, metric_ids: list[int]) -> dict[int, Any]:
        """The metrics' whole series from their packs, on the local file, the long ones
        not packed yet packed now. Those missing are read as rows: on a server, short, in
        a read-only look, or refused by the file (reading never fails for want of a
        pack)."""
        if self.db.is_server or not metric_ids:
            return {}
        from thesis_desk.core import packs

        with self.db.read() as s:
            for metric_id in metric_ids:
                _get(s, metric_id)
            found = dict(packs.load(s, metric_ids))
            missing = [m for m in metric_ids if m not in found]
            if not missing or self.db.read_only:
                return found
            rows: dict[int, int] = {}
            for start in range(0, len(missing), 500):
                chunk = missing[start:start + 500]
                rows.update(bulk_rows(s, "SELECT metric_id, count(*) FROM observation WHERE "
                                         f"metric_id IN ({','.join('?' * len(chunk))}) "
                                         "GROUP BY metric_id", tuple(chunk)))
        long = [m for m in missing if rows.get(m, 0) >= PACK_FROM]
        if not long:
            return found
        batches: list[list[int]] = [[]]  # each written in one transaction
        held = 0
        for metric_id in long:
            if batches[-1] and held + rows[metric_id] > PACK_BATCH:
                batches.append([])
                held = 0
            batches[-1].append(metric_id)
            held += rows[metric_id]
        for batch in batches:
            made = {}
            try:
                # read and packed under the write lock: no write lands between the two;
                # a million rows at most (a second or two) keeps other writers waiting
                with self.db.write() as s:
                    made.update(packs.load(s, batch))  # another process may have packed
                    for metric_id in batch:
                        if metric_id not in made:
                            made[metric_id] = packs.read_whole(s, metric_id)
                            packs.store(s, metric_id, *made[metric_id])
            except (DatabaseError, sa_exc.OperationalError) as exc:  # full, read-only, locked
                log.info("series of metrics %s not packed: %s", batch, exc)
                break
            found.update(made)
        return found

    def _series_rows(self, metric_id: int, until: dt.date | None) -> list[tuple]:
        """(ISO date, value) rows in date order, as the driver gives them."""
        sql = "SELECT date, value FROM observation WHERE metric_id = ?"
        args: tuple = (metric_id,)
        if until is not None:
            sql, args = sql + " AND date <= ?", (metric_id, until.isoformat())
        with self.db.read() as s:
            _get(s, metric_id)
            return bulk_rows(s, sql + " ORDER BY date", args)

    def series_arrays(self, metric_id: int, *, until: dt.date | None = None):  # noqa: ANN201
        """Dates (UTC seconds, as a chart's date axis takes them) and values as numpy
        arrays, made where the series is read (off the GUI thread) from rows SQLite
        already gives as numbers, a chunk at a time with the interpreter lock let go
        between chunks: made in one go, a million rows held it (and so the window's
        thread, waiting to paint) for a tenth of a second."""
        import numpy as np

        sql = "SELECT EPOCHSECS(date), value FROM observation WHERE metric_id = ?"
        args: tuple = (metric_id,)
        if until is not None:
            sql, args = sql + " AND date <= ?", (metric_id, until.isoformat())
        parts = []
        with self.db.read() as s:
            _get(s, metric_id)
            if not self.db.is_server:  # packed by judging or a memo: no row to read
                from thesis_desk.core import packs

                whole = dict(packs.load(s, [metric_id])).get(metric_id)
                if whole is not None:
                    days, values = _until(whole[1], whole[2], until)
                    return days * 86400.0, values
            raw = s.connection().connection
            # on a server, a cursor of the server's own: each chunk is fetched as it is
            # made into arrays (the whole million arrived at once held the interpreter
            # lock, and so the window, for a tenth of a second at a time)
            cursor = (raw.cursor(name=f"series_{metric_id}") if self.db.is_server
                      else raw.cursor())
            try:
                with collector_paused():
                    cursor.execute(driver_sql(s, sql + " ORDER BY date"), args)
                    while chunk := cursor.fetchmany(SERIES_CHUNK):
                        parts.append(np.array(chunk, dtype=float))
                        time.sleep(0)  # a thread waiting for the lock takes it here
            finally:
                cursor.close()
        both = np.concatenate(parts) if parts else np.empty((0, 2))
        return np.ascontiguousarray(both[:, 0]), np.ascontiguousarray(both[:, 1])

    # -- tables

    def existing_dates(self, names: list[str]) -> dict[str, set[dt.date]]:
        """Dates already stored, per metric name (for judging an import before writing)."""
        with self.db.read() as s:
            rows = s.execute(select(Metric.name, Observation.date)
                             .join(Observation, Observation.metric_id == Metric.id)
                             .where(Metric.name.in_(names))).all()
        out: dict[str, set[dt.date]] = {}
        for name, day in rows:
            out.setdefault(name, set()).add(day)
        return out

    def plan_import(self, df, **mapping: object):  # -> ImportPlan
        from thesis_desk.core.tabular import plan_observations

        names = ([mapping["metric"]] if mapping.get("metric") else
                 sorted({str(x).strip() for x in df[mapping["metric_col"]].tolist()})
                 if mapping.get("metric_col") in df.columns else [])
        return plan_observations(df, existing=self.existing_dates(names), **mapping)  # type: ignore[arg-type]

    def import_plan(self, plan, *, replace: bool = False,
                    price_symbols: dict[str, str] | None = None) -> dict[str, object]:
        """Write every planned row in one transaction (all of them or none), creating
        metrics that do not exist yet, then check the alert rules of what changed.

        ``price_symbols`` maps metric names to instrument symbols: those metrics are price
        series of their instrument (created with it, in the same transaction)."""
        if not plan.lines:
            raise UserError("Nothing to import: every row was rejected or blank.")
        with self.db.write() as s:
            writer = _PlanWriter(s, replace, price_symbols)
            writer.write(plan)
            return {**writer.finish(), "imported": len(plan.names),
                    "rejected": len(plan.rejected)}

    def import_stream(self, plans: Iterable, *, replace: bool = False, strict: bool = True,
                      dry_run: bool = False, price_symbols: Callable[[str], str] | None = None,
                      keep_rejected: int = 1000) -> dict[str, object]:
        """Write a file judged in chunks (``tabular.stream_plans``) in one transaction:
        all its valid rows, or with ``strict`` none at all when any row is rejected (the
        rows are written as they come and rolled back at the end). ``dry_run`` judges
        every row and writes nothing. ``price_symbols`` gives the symbol of a metric
        name that is a price series. The first ``keep_rejected`` reasons are returned,
        with the count of all of them."""
        result: dict[str, object] = {"imported": 0, "rejected": 0, "rejected_rows": [],
                                     "blank_lines": 0, "detected": "", "decimal": "",
                                     "first_rows": []}
        rejected: list = result["rejected_rows"]  # type: ignore[assignment]
        first: list = result["first_rows"]  # type: ignore[assignment]
        names: set[str] = set()

        def judge(plan) -> None:  # noqa: ANN001
            result["imported"] += len(plan.lines)  # type: ignore[operator]
            result["rejected"] += len(plan.rejected)  # type: ignore[operator]
            result["blank_lines"] += plan.skipped_blank  # type: ignore[operator]
            result["detected"], result["decimal"] = plan.detected, plan.decimal_reason
            rejected.extend(plan.rejected[:max(0, keep_rejected - len(rejected))])
            names.update(plan.metrics)
            if len(first) < 100:  # the first rows as they will be stored (for a preview)
                first.extend(islice(zip(plan.lines, plan.days, plan.values), 100 - len(first)))

        if dry_run:
            for plan in plans:
                judge(plan)
            result["metrics"] = sorted(names)
            return result
        with self.db.write() as s:
            writer = _PlanWriter(s, replace, None)
            for plan in plans:
                judge(plan)
                if price_symbols is not None:
                    writer.price_symbols.update({n: price_symbols(n) for n in plan.metrics})
                writer.write(plan)
            if strict and result["rejected"]:
                raise RejectedRows(result)  # rolls the transaction back: nothing is kept
            if not result["imported"]:  # the reasons go with it, so they can be shown
                if result["rejected"]:
                    raise RejectedRows(result)
                raise UserError("Nothing to import: every row was blank.")
            result.update(writer.finish())
        return result

    # -- links to theses

    def link(self, thesis_id: int, metric_id: int, expected_direction: str = "none") -> None:
        if expected_direction not in EXPECTED_DIRECTIONS:
            raise ValidationError({"expected_direction":
                                   f"Expected direction is one of {', '.join(EXPECTED_DIRECTIONS)}."})
        with self.db.write() as s:
            if s.get(Thesis, thesis_id) is None:
                raise NotFoundError(f"Thesis {thesis_id} does not exist.")
            _get(s, metric_id)
            link = s.get(ThesisMetric, (thesis_id, metric_id))
            if link is None:
                s.add(ThesisMetric(thesis_id=thesis_id, metric_id=metric_id,
                                   expected_direction=expected_direction))
            else:
                link.expected_direction = expected_direction

    def unlink(self, thesis_id: int, metric_id: int) -> None:
        with self.db.write() as s:
            s.execute(delete(ThesisMetric).where(ThesisMetric.thesis_id == thesis_id,
                                                 ThesisMetric.metric_id == metric_id))

    def for_thesis(self, thesis_id: int) -> list[tuple[MetricInfo, str]]:
        """The metrics a thesis tracks, with the direction the thesis expects."""
        with self.db.read() as s:
            rows = s.execute(select(Metric, ThesisMetric.expected_direction)
                             .join(ThesisMetric, ThesisMetric.metric_id == Metric.id)
                             .where(ThesisMetric.thesis_id == thesis_id)
                             .order_by(Metric.name)).all()
            infos = _infos(s, [m for m, _ in rows])
            return [(info, d) for info, (_, d) in zip(infos, rows, strict=True)]

    def evidence_marks(self, metric_id: int) -> list[EvidenceMark]:
        """Evidence linked to the metric through its observations, dated for the chart.

        The evidence's own date wins; without one, the observation's date stands in.
        """
        with self.db.read() as s:
            rows = s.execute(
                select(Evidence.id, Evidence.observed_on, func.min(Observation.date),
                       Evidence.stance, Evidence.quote)
                .join(Observation, Observation.evidence_id == Evidence.id)
                .where(Observation.metric_id == metric_id)
                .group_by(Evidence.id).order_by(Evidence.id)).all()
        return [EvidenceMark(eid, own or first, stance, quote)
                for eid, own, first, stance, quote in rows]


class RejectedRows(UserError):
    """A strict import met rejected rows and wrote nothing; ``result`` says which."""

    def __init__(self, result: dict[str, object]):
        self.result = result
        n, shown = result["rejected"], len(result["rejected_rows"])  # type: ignore[arg-type]
        first = result["rejected_rows"][0] if shown else None  # type: ignore[index]
        super().__init__(f"{n:,} rows cannot be imported"
                         + (f" (line {first[0]}: {first[1]})" if first else "")
                         + "; nothing was written.")


class _PlanWriter:
    """Plans written into one open transaction: metrics created as their names first
    appear, rows by plain executemany, the alert rules checked once at the end."""

    def __init__(self, s: Session, replace: bool, price_symbols: dict[str, str] | None):
        self.s, self.replace = s, replace
        self.price_symbols = dict(price_symbols or {})
        self.ids: dict[str, int] = {}
        self.created: list[str] = []
        self.written: set[str] = set()  # metrics that got rows
        # (days, values) of each metric every row of which came through this writer (it
        # had none before): the alert pass judges these without reading them back
        self.series: dict[int, tuple[Any, Any]] = {}
        self._unknown: set[int] = set()  # metrics that had rows of their own
        # Plain executemany of tuples (a Core insert of a million dicts took 3x longer),
        # binding only what differs per row: the time stamp is ours and the same for
        # every row, so it is written into the statement (checked to be one).
        now = str(utcnow())
        if not re.fullmatch(r"[0-9][0-9 :.-]*", now):
            raise ValueError(f"unexpected time stamp {now!r}")
        self.sql = ("INSERT INTO observation (metric_id, date, value, note, created_at) "
                    f"VALUES (?, ?, ?, '', '{now}')")
        self.now = now

    def _metric_ids(self, names: list[str]) -> None:
        s = self.s
        new = [n for n in names if n not in self.ids]
        if not new:
            return
        self.ids.update(s.execute(select(Metric.name, Metric.id).where(Metric.name.in_(new))).all())
        made = []
        for name in new:
            if name in self.ids:
                continue
            symbol = self.price_symbols.get(name)
            m = Metric(name=name)
            if symbol:
                m.kind, m.frequency = "price", "daily"
                m.instrument_id = ensure_instrument(s, symbol).id
            s.add(m)
            made.append(m)
        s.flush()  # one flush for all of them (a thousand metrics: 0.3 s less)
        self.ids.update((m.name, m.id) for m in made)
        self.created.extend(m.name for m in made)

    def write(self, plan) -> None:  # noqa: ANN001
        from sqlalchemy import tuple_

        if not plan.lines:
            return
        names = plan.metrics  # a set over every row: made once
        self._metric_ids(names)
        ids, s = self.ids, self.s
        only = ids[names[0]] if len(names) == 1 else None

        def metric_ids() -> Iterable[int]:  # per row, made as the rows are written
            return (repeat(only, len(plan.names)) if only is not None
                    else map(ids.__getitem__, plan.names))

        if self.replace:
            keys = [(m, dt.date.fromisoformat(d)) for m, d in zip(metric_ids(), plan.days,
                                                                    strict=True)]
            for start in range(0, len(keys), 400):
                s.execute(delete(Observation).where(
                    tuple_(Observation.metric_id, Observation.date).in_(keys[start:start + 400])))
            forget_replaced(s, {m for m, _ in keys})
        if not self.replace:
            self._keep_series(plan, names, metric_ids)
        rows = zip(metric_ids(), plan.days, plan.values, strict=True)
        if s.get_bind().dialect.name == "postgresql":  # COPY: every column as data
            bulk_copy(s, "observation", ("metric_id", "date", "value", "note", "created_at"),
                      ((m, d, v, "", self.now) for m, d, v in rows))
        else:
            bulk_insert(s, self.sql, rows)
        from thesis_desk.core import packs

        packs.drop(s, [ids[n] for n in names])  # made again when next read whole
        self.written.update(names)

    def _keep_series(self, plan, names: list[str],  # noqa: ANN001
                     metric_ids: Callable[[], Iterable[int]]) -> None:
        """Keep in hand the series of the metrics this writer fills from empty (before
        its rows are written): judging a million imported rows, reading them back cost
        more than judging them."""
        import numpy as np

        fresh = [self.ids[n] for n in names
                 if self.ids[n] not in self.series and self.ids[n] not in self._unknown]
        for start in range(0, len(fresh), 500):
            chunk = fresh[start:start + 500]
            self._unknown.update(self.s.scalars(
                select(Observation.metric_id).where(Observation.metric_id.in_(chunk))
                .distinct()))
        mids = np.fromiter(metric_ids(), dtype=np.int64, count=len(plan.names))
        days = np.array(plan.days, dtype="datetime64[D]").astype(np.int64)
        values = np.asarray(plan.values, dtype=float)
        order = np.argsort(mids, kind="stable")
        mids, days, values = mids[order], days[order], values[order]
        cuts = np.flatnonzero(np.diff(mids)) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(mids)], strict=True):
            m = int(mids[a])
            if m in self._unknown:
                continue
            d, v = days[a:b], values[a:b]
            if m in self.series:  # a later chunk of the same file
                d = np.concatenate([self.series[m][0], d])
                v = np.concatenate([self.series[m][1], v])
            if len(d) > 1 and not (np.diff(d) > 0).all():
                by_day = np.argsort(d, kind="stable")
                d, v = d[by_day], v[by_day]
            self.series[m] = (d, v)

    def finish(self) -> dict[str, object]:
        written = sorted(self.written)
        with collector_paused():  # as the catch-up pass: thousands of plain alert rows
            fired = evaluate_metrics(self.s, [self.ids[n] for n in written], series=self.series)
        return {"metrics": written, "metrics_created": self.created,
                "alerts": [a.message for a in fired],
                "theses_changed": list(guarded_theses(self.s, fired)),
                "metric_ids": sorted({self.ids[n] for n in written})}


def _until(days: Any, values: Any, until: dt.date | None) -> tuple[Any, Any]:
    """A packed series' days and values up to and including ``until``."""
    if until is None:
        return days, values
    import numpy as np

    cut = int(np.searchsorted(days, day_number(until), side="right"))
    return days[:cut], values[:cut]


def _get(s: Session, metric_id: int) -> Metric:
    m = s.get(Metric, metric_id)
    if m is None:
        raise NotFoundError(f"Metric {metric_id} does not exist.")
    return m


def _instrument_id(s: Session, symbol: str) -> int | None:
    symbol = " ".join(symbol.split()).upper()
    if not symbol:
        return None
    if len(symbol) > 32:
        raise UserError(f"'{symbol}' is not a ticker symbol (max 32 characters).")
    inst = s.scalars(select(Instrument).where(Instrument.symbol == symbol)).one_or_none()
    if inst is None:
        inst = Instrument(symbol=symbol)
        s.add(inst)
        s.flush()
    return inst.id


def _info(s: Session, m: Metric) -> MetricInfo:
    return _infos(s, [m])[0]


def _infos(s: Session, metrics: list[Metric]) -> list[MetricInfo]:
    """Summaries of many metrics in two queries (not several per metric: the Metrics
    area re-reads the list after every observation)."""
    ids = [m.id for m in metrics]

    def per_metric(expr, *, newest: bool = False):  # noqa: ANN001, ANN202
        q = select(expr).where(Observation.metric_id == Metric.id).correlate(Metric)
        if newest:
            q = q.order_by(Observation.date.desc()).limit(1)
        return q.scalar_subquery()

    # Per metric through the (metric, date) index: first, last and latest value are
    # index seeks, where GROUP BY walked every observation of every metric twice.
    stats = {mid: (n, first, last, value) for mid, n, first, last, value in s.execute(
        select(Metric.id, per_metric(func.count()), per_metric(func.min(Observation.date)),
               per_metric(func.max(Observation.date)),
               per_metric(Observation.value, newest=True))
        .where(Metric.id.in_(ids)))}
    symbols = dict(s.execute(select(Instrument.id, Instrument.symbol).where(
        Instrument.id.in_({m.instrument_id for m in metrics if m.instrument_id}))).all())
    out = []
    for m in metrics:
        n, first, last, last_value = stats.get(m.id, (0, None, None, None))
        out.append(MetricInfo(
            id=m.id, name=m.name, unit=m.unit, frequency=m.frequency, kind=m.kind,
            instrument=symbols.get(m.instrument_id, "") if m.instrument_id else "",
            description=m.description, source=m.source, observations=n, first=first,
            last=last, last_value=last_value if n else None))
    return out


def ensure_instrument(s: Session, symbol: str) -> Instrument:
    """The instrument with this symbol, created if new (symbols are kept upper-case)."""
    symbol = symbol.strip().upper()
    found = s.scalar(select(Instrument).where(Instrument.symbol == symbol))
    if found is None:
        found = Instrument(symbol=symbol)
        s.add(found)
        s.flush()
    return found


def _obs(o: Observation) -> ObservationInfo:
    return ObservationInfo(id=o.id, metric_id=o.metric_id, date=o.date, value=o.value,
                           note=o.note, document_id=o.document_id, evidence_id=o.evidence_id,
                           author=o.author or "")
