"""The vectorised judge raises exactly what walking the rule one observation at a time
raises, on random series and every kind of rule (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from thesis_desk.core.judge import fires, walk

KINDS = ("above", "below", "crosses", "change_pct", "zscore")


@st.composite
def series_and_rule(draw):  # noqa: ANN001, ANN201
    n = draw(st.integers(0, 60))
    gaps = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    days = np.cumsum(gaps, dtype=np.int64) + 19_000
    # values on a coarse grid hit thresholds exactly now and then; floats do not
    grid = draw(st.booleans())
    if grid:
        values = [float(v) for v in draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n))]
    else:
        values = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=64),
                               min_size=n, max_size=n))
    kind = draw(st.sampled_from(KINDS))
    threshold = float(draw(st.integers(-20, 20))) if grid else draw(st.floats(-1e3, 1e3))
    if kind in ("change_pct", "zscore"):
        threshold = abs(threshold)
    hysteresis = float(draw(st.integers(0, 5))) if kind in ("above", "below", "crosses") else 0.0
    window = draw(st.integers(3, 8)) if kind in ("change_pct", "zscore") else None
    unit = draw(st.sampled_from(("observations", "days"))) if kind == "change_pct" else "observations"
    start = draw(st.integers(0, n)) if n else 0
    triggered = draw(st.booleans())
    return kind, threshold, hysteresis, window, unit, days, values, start, triggered


@settings(max_examples=2000, deadline=None)
@given(series_and_rule())
def test_the_vectorised_judge_fires_as_the_walk_does(case):  # noqa: ANN001
    kind, threshold, hysteresis, window, unit, days, values, start, triggered = case
    want, want_state = walk(kind, threshold, hysteresis, window, unit, list(days), values,
                            start, triggered)
    got, got_state = fires(kind, threshold, hysteresis, window, unit, days, values, start,
                           triggered)
    assert list(got) == want
    assert got_state == want_state


def test_a_level_rule_fires_on_the_edge_and_rearms_past_its_band():
    values = [90, 101, 105, 99, 96, 94, 102]  # above 100, re-armed 5 back (at 95)
    got, state = fires("above", 100, 5, None, "observations", list(range(7)), values, 0, False)
    assert list(got) == [1, 6] and state is True


def test_a_window_of_days_looks_back_by_date():
    days = [0, 10, 20, 35, 40]
    values = [100, 100, 100, 130, 100]  # +30% over 15 days at day 35 (base: day 20)
    got, _ = fires("change_pct", 25, 0, 15, "days", days, values, 0, False)
    assert list(got) == [3]


@st.composite
def many_series_one_rule_kind(draw):  # noqa: ANN001, ANN201
    """Series of one kind of rule (one window), each with its own threshold, band and
    state: as the whole-history pass judges a chunk of metrics at once."""
    kind = draw(st.sampled_from(KINDS))
    window = draw(st.integers(3, 8)) if kind in ("change_pct", "zscore") else None
    unit = draw(st.sampled_from(("observations", "days"))) if kind == "change_pct" else "observations"
    series, rules = [], []
    for _ in range(draw(st.integers(0, 6))):
        n = draw(st.integers(0, 25))
        gaps = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
        days = np.cumsum(gaps, dtype=np.int64) + draw(st.integers(-5_000, 30_000))
        grid = draw(st.booleans())
        if grid:
            values = [float(v) for v in draw(st.lists(st.integers(-20, 20), min_size=n,
                                                      max_size=n))]
        else:
            values = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=64),
                                   min_size=n, max_size=n))
        threshold = float(draw(st.integers(-20, 20))) if grid else draw(st.floats(-1e3, 1e3))
        if kind in ("change_pct", "zscore"):
            threshold = abs(threshold)
        hysteresis = (float(draw(st.integers(0, 5))) if kind in ("above", "below", "crosses")
                      else 0.0)
        series.append((days, np.array(values, dtype=float)))
        rules.append((threshold, hysteresis, draw(st.booleans())))
    return kind, window, unit, series, rules


@settings(max_examples=1500, deadline=None)
@given(many_series_one_rule_kind())
def test_many_series_judged_at_once_fire_as_each_judged_alone(case):  # noqa: ANN001
    from thesis_desk.core.judge import fires_many

    kind, window, unit, series, rules = case
    got = fires_many(kind, window, unit, series, rules)
    assert len(got) == len(series)
    for (days, values), (threshold, hysteresis, triggered), (at, after) in zip(
            series, rules, got, strict=True):
        want, want_after = fires(kind, threshold, hysteresis, window, unit, days, values, 0,
                                 triggered)
        assert list(at) == list(want)
        assert after == want_after


def test_a_series_judged_with_others_looks_back_only_within_itself():
    """A rise of 30% from the end of the series before it is no change of its own."""
    from thesis_desk.core.judge import fires_many

    first = (np.array([0, 1, 2]), np.array([100.0, 100.0, 100.0]))
    second = (np.array([3, 4, 5]), np.array([130.0, 130.0, 130.0]))
    got = fires_many("change_pct", 2, "observations", [first, second],
                     [(25.0, 0.0, False), (25.0, 0.0, False)])
    assert [list(at) for at, _ in got] == [[], []]
    got = fires_many("crosses", None, "observations", [first, second],
                     [(120.0, 0.0, False), (120.0, 0.0, False)])
    assert [list(at) for at, _ in got] == [[], []]
