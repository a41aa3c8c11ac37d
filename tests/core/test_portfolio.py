"""Returns and weights against values computed by hand from tests/fixtures/prices_small.csv.

AAA: 100 (Jan 2), 104 (Jan 3), 110 (Jan 6). BBB: 50 (Jan 2), 45 (Jan 6). IDX: 1000, 1020.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from thesis_desk.core.errors import UserError, ValidationError
from thesis_desk.core.portfolio import PositionInput
from thesis_desk.core.records import ThesisInput
from thesis_desk.core.tabular import read_table

PRICES = Path(__file__).parents[1] / "fixtures" / "prices_small.csv"
D = dt.date


@pytest.fixture
def book(workspace):
    pf = workspace.portfolio
    plan = pf.plan_prices(read_table(PRICES), date_col="Date", price_col="Close",
                          symbol_col="Symbol")
    assert not plan.rejected
    pf.import_prices(plan)
    long_t = workspace.theses.create(ThesisInput("Long AAA", conviction=80, status="active"))
    short_t = workspace.theses.create(ThesisInput("Short BBB", conviction=30, status="active"))
    pf.add(PositionInput(long_t.id, "aaa", D(2025, 1, 2), 100.0, quantity=10))
    pf.add(PositionInput(short_t.id, "BBB", D(2025, 1, 2), 50.0, side="short", quantity=20))
    return workspace, long_t.id, short_t.id


def _by_title(holdings):
    return {h.title: h for h in holdings}


def test_long_short_returns_and_weights_by_hand(book):
    ws, long_id, short_id = book
    h = _by_title(ws.portfolio.holdings(D(2025, 1, 6), benchmark="IDX"))
    # AAA: 110 / 100 - 1 = +10%; BBB short: -(45 / 50 - 1) = +10%
    assert h["Long AAA"].ret == pytest.approx(0.10)
    assert h["Short BBB"].ret == pytest.approx(0.10)
    # weights by market value: 10 x 110 = 1100, 20 x 45 = 900 -> 55% / 45%
    assert h["Long AAA"].weight == pytest.approx(0.55)
    assert h["Short BBB"].weight == pytest.approx(0.45)
    assert h["Long AAA"].benchmark_ret == pytest.approx(0.02)  # 1020 / 1000 - 1
    # "vs benchmark": what the thesis made beyond IDX over the same days
    assert h["Long AAA"].excess_ret == pytest.approx(0.08)
    assert h["Long AAA"].positions[0].excess_ret == pytest.approx(0.08)
    assert h["Long AAA"].days_held == 4


def test_weight_and_quantity_positions_reconcile_to_the_whole_book(book):
    """A 5% weight position keeps its 5%; the quantity positions share the other 95% by
    market value (1100 : 900), so the book adds to 100%, not 105%."""
    ws, long_id, _short = book
    ws.portfolio.add(PositionInput(long_id, "IDX", D(2025, 1, 2), 1000.0, weight=0.05))
    h = _by_title(ws.portfolio.holdings(D(2025, 1, 6)))
    aaa, idx = h["Long AAA"].positions
    assert idx.weight == pytest.approx(0.05)
    assert aaa.weight == pytest.approx(0.95 * 0.55)
    assert h["Short BBB"].weight == pytest.approx(0.95 * 0.45)
    assert sum(x.weight for x in h.values()) == pytest.approx(1.0)


def test_portfolio_show_json_has_the_excess_return(book, capsys):
    import json

    from thesis_desk.cli import main

    ws, *_ = book
    code = main(["--data-dir", str(ws.paths.data_dir), "portfolio", "show", "--as-of",
                 "2025-01-06", "--benchmark", "IDX", "--json"])
    assert code == 0
    rows = {r["title"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["Long AAA"]["excess_ret"] == pytest.approx(0.08)
    assert rows["Short BBB"]["excess_ret"] == pytest.approx(0.10 - 0.02)


def test_as_of_between_observations_uses_the_latest_price_before(book):
    ws, *_ = book
    # Jan 5 (a Sunday): AAA last priced Jan 3 at 104; BBB last priced Jan 2 at 50
    h = _by_title(ws.portfolio.holdings(D(2025, 1, 5)))
    aaa = h["Long AAA"].positions[0]
    assert (aaa.price, aaa.price_date) == (104, D(2025, 1, 3))
    assert aaa.ret == pytest.approx(0.04)
    assert h["Short BBB"].ret == pytest.approx(0.0)


def test_closed_position_uses_its_exit_and_a_missing_price_is_none_not_zero(book):
    ws, long_id, _ = book
    pf = ws.portfolio
    closed = pf.add(PositionInput(long_id, "AAA", D(2025, 1, 2), 100.0, quantity=5,
                                  exit_date=D(2025, 1, 3), exit_price=103.0))
    pf.add(PositionInput(long_id, "ZZZ", D(2025, 1, 2), 10.0, quantity=1))  # no prices
    h = _by_title(pf.holdings(D(2025, 1, 6)))["Long AAA"]
    values = {v.position.id: v for v in h.positions}
    assert values[closed.id].ret == pytest.approx(0.03) and values[closed.id].closed
    assert values[closed.id].days_held == 1
    zzz = next(v for v in h.positions if v.position.symbol == "ZZZ")
    assert zzz.price is None and zzz.ret is None and zzz.weight is None
    # blended over what has a return, by entry value: (1000 x 10% + 500 x 3%) / 1500
    assert h.ret == pytest.approx((1000 * 0.10 + 500 * 0.03) / 1500)
    dates, rets = pf.return_series(long_id, D(2025, 1, 6))
    assert dates[0] == D(2025, 1, 2) and rets[0] == pytest.approx(0.0)


def test_target_and_stop_become_alert_rules_on_the_price(book):
    ws, long_id, _ = book
    made = ws.portfolio.set_targets(long_id, "AAA", target=120, stop=95)
    assert made == ["target: AAA price above 120", "stop: AAA price below 95"]
    mid = ws.metrics.resolve("AAA price")
    fired = ws.metrics.observe(mid, D(2025, 1, 7), 121).fired
    assert fired == ("AAA price above 120: 121 on 2025-01-07",)
    assert _by_title(ws.portfolio.holdings(D(2025, 1, 7)))["Long AAA"].open_alerts == 1


def test_holdings_import_is_all_or_nothing(workspace, tmp_path):
    t = workspace.theses.create(ThesisInput("Book"))
    good = pd.DataFrame({"Ticker": ["AAA", "BBB"], "Qty": ["10", "-5"],
                         "Cost": ["100", "50"], "Date": ["2025-01-02", "2025-01-02"]})
    mapping = dict(thesis_id=t.id, symbol_col="Ticker", quantity_col="Qty", price_col="Cost",
                   date_col="Date")
    bad = good.copy()
    bad.loc[1, "Qty"] = "lots"
    plan = workspace.portfolio.plan_holdings(bad.astype(str), **mapping)
    assert plan.rejected == [(3, "'lots' is not a number")]
    with pytest.raises(UserError, match="Nothing was imported"):
        workspace.portfolio.import_holdings(plan)
    assert workspace.portfolio.list() == []
    with pytest.raises(UserError, match="no column 'Symbol'"):
        workspace.portfolio.plan_holdings(good, **{**mapping, "symbol_col": "Symbol"})
    n = workspace.portfolio.import_holdings(workspace.portfolio.plan_holdings(good, **mapping))
    assert n == 2
    assert [(p.symbol, p.side, p.quantity) for p in workspace.portfolio.list()] == [
        ("AAA", "long", 10.0), ("BBB", "short", 5.0)]


def test_position_form_rules(workspace):
    t = workspace.theses.create(ThesisInput("Rules"))
    with pytest.raises(ValidationError) as exc:
        workspace.portfolio.add(PositionInput(t.id, "AAA", D(2025, 1, 2), 0.0))
    assert set(exc.value.errors) == {"quantity", "entry_price"}
    with pytest.raises(ValidationError) as exc:
        workspace.portfolio.add(PositionInput(t.id, "AAA", D(2025, 1, 2), 10.0, quantity=1,
                                              exit_date=D(2025, 1, 1), exit_price=9.0))
    assert "before the entry" in exc.value.errors["exit_date"]


def test_price_import_refuses_non_positive_prices_and_writes_nothing(workspace):
    df = pd.DataFrame({"Date": ["2025-01-02", "2025-01-03"], "Close": ["10", "0"]})
    plan = workspace.portfolio.plan_prices(df, date_col="Date", price_col="Close", symbol="AAA")
    with pytest.raises(UserError, match="zero or less"):
        workspace.portfolio.import_prices(plan)
    assert workspace.portfolio.price_symbols() == []


def test_holdings_say_what_they_read_off_the_cells(workspace):
    import pandas as pd

    from thesis_desk.core.records import ThesisInput

    t = workspace.theses.create(ThesisInput("Book"))
    df = pd.DataFrame({"Ticker": ["BABA", "TCEHY"], "Shares": ["1.000", "-50"],
                       "Cost": ["85,25", "40,5"], "Opened": ["Jan 2 2025", "Feb 14 2025"]})
    plan = workspace.portfolio.plan_holdings(df, thesis_id=t.id, symbol_col="Ticker",
                                             quantity_col="Shares", price_col="Cost",
                                             date_col="Opened")
    assert not plan.rejected and plan.detected == "Mon D YYYY"
    assert plan.decimal_reason == "decimal comma: line 2 reads 85,25"
    assert [(d.quantity, d.entry_price) for _, d in plan.rows] == [(1000.0, 85.25), (50.0, 40.5)]


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends
