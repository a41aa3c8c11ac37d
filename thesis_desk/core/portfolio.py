"""Positions behind theses, prices as metrics of kind "price", returns and weights.

A price series is an ordinary metric (kind ``price``, linked to its instrument), so the
CSV/Excel import, the charts and the alert engine all work on prices unchanged; a
thesis's target and stop prices are alert rules on that metric.

Returns use the latest price on or before the date asked about; where there is none the
value is ``None`` and the UI says "no price", never zero. A short position's return is
the price return with its sign turned. Weights: a position entered as a portfolio weight
keeps it; one entered as a quantity weighs its market value (quantity x price on the
date) against the market value of all quantity positions priced that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from thesis_desk.core.db import Database
from thesis_desk.core.errors import NotFoundError, UserError, ValidationError, raise_if
from thesis_desk.core.metrics import MetricService, ensure_instrument
from thesis_desk.core.models import (
    Alert,
    AlertRule,
    Evidence,
    Instrument,
    JournalEntry,
    Metric,
    Observation,
    Position,
    Thesis,
    ThesisMetric,
)
from thesis_desk.core.records import (
    HoldingsPlan,
    PositionInfo,
    PositionInput,
    PositionValue,
    ThesisHolding,
)
from thesis_desk.core.timeutil import utcnow
from thesis_desk.core.verdict import blended_return

def price_metric_name(symbol: str) -> str:
    return f"{symbol.strip().upper()} price"


def positive_prices(plan):  # noqa: ANN001, ANN201 - an ImportPlan, its bad prices rejected
    """A price of zero or less is no price: those rows become rejected rows."""
    bad = [i for i, v in enumerate(plan.values) if v <= 0]
    if bad:
        for i in reversed(bad):
            plan.rejected.append((plan.lines[i], f"a price of {plan.values[i]:g}: prices are "
                                                 "above zero"))
            for column in (plan.lines, plan.names, plan.days, plan.values):
                del column[i]
        plan.rejected.sort()
    return plan


class PortfolioService:
    def __init__(self, db: Database, metrics: MetricService):
        self.db, self.metrics = db, metrics

    # -- positions

    def add(self, data: PositionInput, *, restore_id: int | None = None) -> PositionInfo:
        raise_if(data.validate())
        with self.db.write() as s:
            free = restore_id is not None and s.get(Position, restore_id) is None
            p = Position(id=restore_id) if free else Position()
            self._apply(s, p, data)
            s.add(p)
            s.flush()
            s.add(JournalEntry(thesis_id=data.thesis_id, at=utcnow(), kind="position",
                               field="added", new=_describe(data)))
            return _info(s, p)

    def update(self, position_id: int, data: PositionInput) -> PositionInfo:
        raise_if(data.validate())
        with self.db.write() as s:
            p = _get(s, position_id)
            self._apply(s, p, data)
            s.add(JournalEntry(thesis_id=data.thesis_id, at=utcnow(), kind="position",
                               field="edited", new=_describe(data)))
            s.flush()
            return _info(s, p)

    def delete(self, position_id: int) -> PositionInfo:
        with self.db.write() as s:
            p = _get(s, position_id)
            info = _info(s, p)
            s.add(JournalEntry(thesis_id=p.thesis_id, at=utcnow(), kind="position",
                               field="removed", old=_describe(info.to_input())))
            s.delete(p)
            return info

    def _apply(self, s: Session, p: Position, data: PositionInput) -> None:
        if s.get(Thesis, data.thesis_id) is None:
            raise NotFoundError(f"Thesis {data.thesis_id} does not exist.")
        p.thesis_id = data.thesis_id
        p.instrument_id = ensure_instrument(s, data.symbol).id
        p.side, p.quantity, p.weight = data.side, data.quantity, data.weight
        p.entry_date, p.entry_price = data.entry_date, data.entry_price
        p.currency = data.currency.strip().upper()[:8]
        p.exit_date, p.exit_price, p.note = data.exit_date, data.exit_price, data.note.strip()

    def list(self, thesis_id: int | None = None) -> list[PositionInfo]:
        with self.db.read() as s:
            q = select(Position).order_by(Position.thesis_id, Position.entry_date, Position.id)
            if thesis_id is not None:
                q = q.where(Position.thesis_id == thesis_id)
            return _infos(s, s.scalars(q))

    def get(self, position_id: int) -> PositionInfo:
        with self.db.read() as s:
            return _info(s, _get(s, position_id))

    # -- prices

    def price_symbols(self) -> list[str]:
        """Instruments that have a price series."""
        with self.db.read() as s:
            return list(s.scalars(select(Instrument.symbol).join(
                Metric, Metric.instrument_id == Instrument.id).where(Metric.kind == "price")
                .order_by(Instrument.symbol).distinct()))

    def price_series(self, symbol: str) -> tuple[list[dt.date], list[float]]:
        with self.db.read() as s:
            mid = _price_metric(s, symbol)
        return self.metrics.series(mid) if mid is not None else ([], [])

    def plan_prices(self, df, *, date_col: str, price_col: str, symbol: str | None = None,  # noqa: ANN001
                    symbol_col: str | None = None, date_format: str | None = None,
                    replace: bool = False, decimal: str | None = None):  # -> ImportPlan
        """Judge a price file (one symbol, or a long file with a symbol column)."""
        if (symbol is None) == (symbol_col is None):
            raise UserError("Give the symbol, or the column that holds symbols (not both).")
        if symbol_col is not None and symbol_col not in df.columns:
            raise UserError(f"There is no column '{symbol_col}'. The columns are: "
                            f"{', '.join(map(str, df.columns))}.")
        df = df.copy()
        if symbol_col is not None:
            df[symbol_col] = [price_metric_name(x) if str(x).strip() else ""
                              for x in df[symbol_col].fillna("").astype(str)]
        return self.metrics.plan_import(
            df, date_col=date_col, value_col=price_col,
            metric=price_metric_name(symbol) if symbol else None, metric_col=symbol_col,
            date_format=date_format, replace=replace, decimal=decimal)

    def stream_prices(self, path, *, date_col: str, price_col: str,  # noqa: ANN001
                      symbol: str | None = None, symbol_col: str | None = None,
                      **options: object):  # -> Iterator[ImportPlan]
        """A price file judged a chunk at a time (see ``tabular.stream_plans``); a price
        of zero or less is a rejected row."""
        from thesis_desk.core.tabular import stream_plans

        if (symbol is None) == (symbol_col is None):
            raise UserError("Give the symbol, or the column that holds symbols (not both).")

        def rename(col):  # noqa: ANN001, ANN202
            return col.map(lambda x: price_metric_name(x) if str(x).strip() else "")

        plans = stream_plans(path, date_col=date_col, value_col=price_col,
                             metric=price_metric_name(symbol) if symbol else None,
                             metric_col=symbol_col, rename=rename,
                             existing=self.metrics.existing_dates, **options)  # type: ignore[arg-type]
        return (positive_prices(p) for p in plans)

    def import_price_stream(self, plans, **options: object) -> dict[str, object]:  # noqa: ANN001
        return self.metrics.import_stream(plans, price_symbols=lambda n: n[: -len(" price")],
                                          **options)  # type: ignore[arg-type]

    def import_prices(self, plan, *, replace: bool = False) -> dict[str, object]:  # noqa: ANN001
        names = {n: n[: -len(" price")] for n in plan.metrics}
        bad = [(line, v) for line, v in zip(plan.lines, plan.values, strict=True) if v <= 0]
        if bad:
            raise UserError(f"{len(bad)} rows have a price of zero or less (first: line "
                            f"{bad[0][0]}, {bad[0][1]:g}). Nothing was imported.")
        return self.metrics.import_plan(plan, replace=replace, price_symbols=names)

    # -- holdings file

    def plan_holdings(self, df, *, thesis_id: int, symbol_col: str, quantity_col: str,  # noqa: ANN001
                      price_col: str, date_col: str, side_col: str | None = None,
                      date_format: str | None = None,
                      decimal: str | None = None) -> HoldingsPlan:
        from thesis_desk.core.tabular import (
            parse_day,
            parse_number,
            resolve_date_format,
            resolve_decimal,
        )

        for col in (symbol_col, quantity_col, price_col, date_col, side_col):
            if col is not None and col not in df.columns:
                raise UserError(f"There is no column '{col}'. The columns are: "
                                f"{', '.join(map(str, df.columns))}.")
        date_format, detected = resolve_date_format(df[date_col], date_format)
        decimal, decimal_reason = resolve_decimal(df[quantity_col], df[price_col], decimal=decimal)
        plan = HoldingsPlan([], [], detected, decimal_reason)
        for i in range(len(df)):
            line = i + 2
            cells = {c: ("" if df[c].iat[i] is None else str(df[c].iat[i]).strip())
                     for c in (symbol_col, quantity_col, price_col, date_col, side_col) if c}
            if cells.get(symbol_col, "") in ("", "nan") and all(
                    v in ("", "nan") for v in cells.values()):
                continue  # a blank line
            try:
                symbol = cells[symbol_col]
                if not symbol or symbol == "nan":
                    raise ValueError("no symbol")
                qty = parse_number(cells[quantity_col], decimal)
                side = "short" if qty < 0 else "long"
                if side_col:
                    side = cells[side_col].lower() or side
                data = PositionInput(thesis_id, symbol, parse_day(cells[date_col], date_format),
                                     parse_number(cells[price_col], decimal), side, abs(qty))
            except ValueError as exc:
                plan.rejected.append((line, str(exc)))
                continue
            errors = data.validate()
            if errors:
                plan.rejected.append((line, " ".join(errors.values())))
            else:
                plan.rows.append((line, data))
        return plan

    def import_holdings(self, plan: HoldingsPlan, *, skip_invalid: bool = False) -> int:
        """All rows or none: a holdings file with any bad row writes nothing, unless
        ``skip_invalid`` (the person saw the rejected rows and chose to go on)."""
        if plan.rejected and not skip_invalid:
            line, why = plan.rejected[0]
            raise UserError(f"{len(plan.rejected)} rows cannot be read (line {line}: {why}). "
                            "Nothing was imported; correct the file and import it again.")
        if not plan.rows:
            raise UserError("The file holds no positions.")
        with self.db.write() as s:
            for _line, data in plan.rows:
                p = Position()
                self._apply(s, p, data)
                s.add(p)
            s.add(JournalEntry(thesis_id=plan.rows[0][1].thesis_id, at=utcnow(), kind="position",
                               field="imported", new=f"{len(plan.rows)} positions from a file"))
        return len(plan.rows)

    # -- targets and stops

    def set_targets(self, thesis_id: int, symbol: str, *, target: float | None = None,
                    stop: float | None = None) -> list[str]:
        """Target and stop prices become alert rules on the instrument's price series."""
        from thesis_desk.core.alerts import AlertService, RuleInput

        if target is None and stop is None:
            raise ValidationError({"target": "Give a target price, a stop price or both."})
        with self.db.write() as s:
            if s.get(Thesis, thesis_id) is None:
                raise NotFoundError(f"Thesis {thesis_id} does not exist.")
            mid = _price_metric(s, symbol)
            if mid is None:
                m = Metric(name=price_metric_name(symbol), kind="price", frequency="daily",
                           instrument_id=ensure_instrument(s, symbol).id)
                s.add(m)
                s.flush()
                mid = m.id
            if s.get(ThesisMetric, (thesis_id, mid)) is None:
                s.add(ThesisMetric(thesis_id=thesis_id, metric_id=mid, expected_direction="none"))
        alerts = AlertService(self.db)
        made = []
        for kind, level, what in (("above", target, "target"), ("below", stop, "stop")):
            if level is not None:
                rule = alerts.add_rule(RuleInput(mid, kind, threshold=level,
                                                 note=f"{what} price of thesis {thesis_id}"))
                made.append(f"{what}: {price_metric_name(symbol)} {rule.description}")
        return made

    # -- valuation

    def holdings(self, as_of: dt.date | None = None,
                 benchmark: str | None = None) -> list[ThesisHolding]:
        """Every live thesis with its positions valued on ``as_of`` (default today)."""
        as_of = as_of or dt.date.today()
        with self.db.read() as s:
            theses = s.execute(select(Thesis.id, Thesis.title, Thesis.conviction, Thesis.status)
                               .where(Thesis.archived_at.is_(None))
                               .where(Thesis.status.notin_(("closed",)))
                               .order_by(Thesis.title)).all()
            positions = _infos(s, s.scalars(
                select(Position).where(Position.entry_date <= as_of)
                .order_by(Position.entry_date, Position.id)))
            prices = _prices_on(s, (p.symbol for p in positions), as_of)
            latest_ev = dict(s.execute(
                select(Evidence.thesis_id,
                       func.max(func.coalesce(Evidence.observed_on, func.date(Evidence.created_at))))
                .group_by(Evidence.thesis_id)).all())
            alerts = _open_alerts_by_thesis(s)
            bench = {}
            if benchmark:
                days = {p.entry_date for p in positions} | {_end(p, as_of) for p in positions}
                level = {d: _price_on(s, benchmark, d) for d in days}  # one read per day
                for p in positions:
                    start, end = level[p.entry_date], level[_end(p, as_of)]
                    bench[p.id] = (end[1] / start[1] - 1) if start and end else None
        values = [_value(p, prices.get(p.symbol), as_of, bench.get(p.id)) for p in positions]
        _assign_weights(values)
        by_thesis: dict[int, list[PositionValue]] = {}
        for v in values:
            by_thesis.setdefault(v.position.thesis_id, []).append(v)
        out = []
        for tid, title, conviction, status in theses:
            vs = by_thesis.get(tid, [])
            latest = latest_ev.get(tid)
            if isinstance(latest, str):
                latest = dt.date.fromisoformat(latest[:10])
            ret = _blend(vs, "ret")
            bench_ret = _blend(vs, "benchmark_ret")
            out.append(ThesisHolding(
                tid, title, conviction, status,
                _sum([v.weight for v in vs if not v.closed]) if vs else None,
                ret, bench_ret,
                max((v.days_held for v in vs), default=None), latest, alerts.get(tid, 0),
                tuple(vs), excess_ret=_excess(ret, bench_ret)))
        return out

    def return_series(self, thesis_id: int, as_of: dt.date | None = None,
                      ) -> tuple[list[dt.date], list[float]]:
        """The thesis's blended return since its first entry, on every price date."""
        import pandas as pd

        as_of = as_of or dt.date.today()
        positions = [p for p in self.list(thesis_id) if p.entry_date <= as_of]
        frames = []
        for p in positions:
            dates, values = self.price_series(p.symbol)
            if not dates:
                continue
            ser = pd.Series(values, index=pd.to_datetime(dates))
            end = _end(p, as_of)
            ser = ser[(ser.index >= pd.Timestamp(p.entry_date)) & (ser.index <= pd.Timestamp(end))]
            if p.exit_date and p.exit_date <= as_of:
                ser[pd.Timestamp(p.exit_date)] = p.exit_price
            r = ser / p.entry_price - 1
            frames.append(((-r if p.side == "short" else r), _basis(p)))
        if not frames:
            return [], []
        index = sorted(set().union(*[f.index for f, _ in frames]))
        total = pd.Series(0.0, index=index)
        basis = pd.Series(0.0, index=index)
        for r, b in frames:
            r = r[~r.index.duplicated(keep="last")].reindex(index).ffill()
            live = r.notna()
            total[live] += r[live] * b
            basis[live] += b
        blended = (total / basis).dropna()
        return [d.date() for d in blended.index], blended.tolist()

    def memo_positions(self, thesis_id: int, as_of: dt.date) -> list:
        """One thesis's positions valued on ``as_of`` (no portfolio-wide weights needed)."""
        from thesis_desk.core.memo import MemoPosition

        positions = [p for p in self.list(thesis_id) if p.entry_date <= as_of]
        with self.db.read() as s:
            prices = _prices_on(s, (p.symbol for p in positions), as_of)
        out = []
        for p in positions:
            v = _value(p, prices[p.symbol], as_of, None)
            out.append(MemoPosition(p.symbol, p.side, p.quantity, p.weight, p.entry_date,
                                    p.entry_price, p.currency, v.price, v.price_date,
                                    p.exit_date if v.closed else None, v.ret, _basis(p)))
        return out


# ---------------------------------------------------------------- helpers


def _get(s: Session, position_id: int) -> Position:
    p = s.get(Position, position_id)
    if p is None:
        raise NotFoundError(f"Position {position_id} no longer exists.")
    return p


def _infos(s: Session, positions: Iterable[Position]) -> list[PositionInfo]:
    """Many positions with their symbols and theses' titles read in two queries, not two
    a position (500 positions were 1,000 round trips to a team server)."""
    positions = list(positions)
    symbols = dict(s.execute(select(Instrument.id, Instrument.symbol).where(
        Instrument.id.in_({p.instrument_id for p in positions}))).all()) if positions else {}
    titles = dict(s.execute(select(Thesis.id, Thesis.title).where(
        Thesis.id.in_({p.thesis_id for p in positions}))).all()) if positions else {}
    return [_info(s, p, symbols.get(p.instrument_id, ""), titles.get(p.thesis_id, ""))
            for p in positions]


def _info(s: Session, p: Position, symbol: str | None = None,
          title: str | None = None) -> PositionInfo:
    if symbol is None:
        symbol = s.scalar(select(Instrument.symbol).where(Instrument.id == p.instrument_id)) or ""
    if title is None:
        title = s.scalar(select(Thesis.title).where(Thesis.id == p.thesis_id)) or ""
    return PositionInfo(p.id, p.thesis_id, title, symbol, p.side, p.quantity, p.weight,
                        p.entry_date, p.entry_price, p.currency, p.exit_date, p.exit_price, p.note)


def _describe(d: PositionInput) -> str:
    size = f"{d.quantity:g}" if d.quantity is not None else f"{(d.weight or 0) * 100:g}%"
    text = f"{d.side} {size} {d.symbol.upper()} at {d.entry_price:g} on {d.entry_date:%Y-%m-%d}"
    if d.exit_date:
        text += f", closed at {d.exit_price:g} on {d.exit_date:%Y-%m-%d}"
    return text


def _price_metric(s: Session, symbol: str) -> int | None:
    return s.scalar(select(Metric.id).join(Instrument, Instrument.id == Metric.instrument_id)
                    .where(Instrument.symbol == symbol.strip().upper(), Metric.kind == "price")
                    .order_by(Metric.id).limit(1))


def _price_on(s: Session, symbol: str, day: dt.date) -> tuple[dt.date, float] | None:
    mid = _price_metric(s, symbol)
    if mid is None:
        return None
    row = s.execute(select(Observation.date, Observation.value)
                    .where(Observation.metric_id == mid, Observation.date <= day)
                    .order_by(Observation.date.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def _prices_on(s: Session, symbols: Iterable[str], day: dt.date,
               ) -> dict[str, tuple[dt.date, float] | None]:
    """``_price_on`` for many symbols in two queries (one a symbol was two round trips
    each: 400 instruments, 800 of them, to a team server)."""
    from sqlalchemy import and_

    wanted = sorted({sym.strip().upper() for sym in symbols})
    out: dict[str, tuple[dt.date, float] | None] = {sym: None for sym in wanted}
    if not wanted:
        return out
    metric_of = dict(s.execute(
        select(Instrument.symbol, func.min(Metric.id))
        .join(Metric, Metric.instrument_id == Instrument.id)
        .where(Instrument.symbol.in_(wanted), Metric.kind == "price")
        .group_by(Instrument.symbol)).all())
    if metric_of:
        latest = (select(Observation.metric_id, func.max(Observation.date).label("d"))
                  .where(Observation.metric_id.in_(list(metric_of.values())),
                         Observation.date <= day)
                  .group_by(Observation.metric_id).subquery())
        found = {mid: (d, v) for mid, d, v in s.execute(
            select(Observation.metric_id, Observation.date, Observation.value)
            .join(latest, and_(Observation.metric_id == latest.c.metric_id,
                               Observation.date == latest.c.d))).all()}
        for sym, mid in metric_of.items():
            out[sym] = found.get(mid)
    return out


def _end(p: PositionInfo, as_of: dt.date) -> dt.date:
    """The last day a position counts on ``as_of``: its exit if closed by then."""
    return p.exit_date if p.exit_date is not None and p.exit_date <= as_of else as_of


def _value(p: PositionInfo, price: tuple[dt.date, float] | None, as_of: dt.date,
           bench: float | None) -> PositionValue:
    closed = p.exit_date is not None and p.exit_date <= as_of
    if closed:
        price = (p.exit_date, p.exit_price)  # type: ignore[assignment]
    ret = None
    if price is not None:
        ret = price[1] / p.entry_price - 1
        if p.side == "short":
            ret = -ret
    return PositionValue(p, price[1] if price else None, price[0] if price else None, ret,
                         bench, None, (_end(p, as_of) - p.entry_date).days, closed,
                         _excess(ret, bench))


def _excess(ret: float | None, bench: float | None) -> float | None:
    """What the position (or thesis) made beyond its benchmark over the same days."""
    return None if ret is None or bench is None else ret - bench


def _assign_weights(values: list[PositionValue]) -> None:
    """Weights that reconcile to the whole book: a position given by weight keeps the
    share it was given; positions given by quantity share what is left (100% less the
    stated weights) in proportion to their market value. Stated weights of 100% or more
    leave nothing to share: quantity positions then weigh 0, and the total shows it."""
    import dataclasses

    open_ = [v for v in values if not v.closed]
    stated = sum(v.position.weight for v in open_ if v.position.weight is not None)
    rest = max(0.0, 1.0 - stated)
    priced = [v for v in open_ if v.position.quantity is not None and v.price is not None]
    total = sum(v.position.quantity * v.price for v in priced)  # type: ignore[operator]
    for i, v in enumerate(values):
        if v.closed:
            continue
        if v.position.weight is not None:
            w = v.position.weight
        elif v in priced and total:
            w = rest * v.position.quantity * v.price / total  # type: ignore[operator]
        else:
            w = None
        values[i] = dataclasses.replace(v, weight=w)


def _basis(p: PositionInfo) -> float:
    return p.quantity * p.entry_price if p.quantity is not None else (p.weight or 0.0)


def _blend(values: list[PositionValue], attr: str) -> float | None:
    """Positions' returns weighted by what went in (entry value, or weight)."""
    return blended_return([(getattr(v, attr), _basis(v.position)) for v in values])


def _sum(ws: list[float | None]) -> float | None:
    known = [w for w in ws if w is not None]
    return sum(known) if known else None


def _open_alerts_by_thesis(s: Session) -> dict[int, int]:
    rows = s.execute(select(ThesisMetric.thesis_id, func.count(Alert.id))
                     .join(AlertRule, AlertRule.metric_id == ThesisMetric.metric_id)
                     .join(Alert, Alert.rule_id == AlertRule.id)
                     .where(Alert.state == "new").group_by(ThesisMetric.thesis_id)).all()
    return dict(rows)


def thesis_return_on(s: Session, thesis_id: int, day: dt.date) -> float | None:
    """The thesis's positions blended into one return on ``day`` (what closing it
    realised): None when it had no position priced by then."""
    positions = _infos(s, s.scalars(
        select(Position).where(Position.thesis_id == thesis_id, Position.entry_date <= day)
        .order_by(Position.entry_date, Position.id)))
    prices = _prices_on(s, (p.symbol for p in positions), day)
    return _blend([_value(p, prices[p.symbol], day, None) for p in positions], "ret")
