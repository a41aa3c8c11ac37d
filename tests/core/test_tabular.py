"""CSV/Excel import of observations: judged row by row, written all or nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thesis_desk.core.errors import UserError
from thesis_desk.core.metrics import MetricInput
from thesis_desk.core.tabular import parse_number, plan_observations, read_table

PRICES = """Date,Close
2025-01-02,"1,234.50"
2025-01-03,$1250
2025-01-06,12%

2025-01-07,(5)
2025-01-08,n/a
2025-02-30,10
Total,4000
"""


def test_numbers_as_people_write_them():
    assert parse_number("1,234.50") == 1234.5
    assert parse_number("$1250") == 1250
    assert parse_number("12%") == 12
    assert parse_number("(5)") == -5
    assert parse_number(" 3.5 USD ") == 3.5
    for bad in ("", "n/a", "1.2.3", "nan", "inf", "12 bn"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_plan_reports_every_rejected_row_with_its_line(tmp_path):
    f = tmp_path / "prices.csv"
    f.write_text(PRICES)
    plan = plan_observations(read_table(f), date_col="Date", value_col="Close", metric="BABA")
    assert [(r.line, r.value) for r in plan.rows] == [(2, 1234.5), (3, 1250.0), (4, 12.0),
                                                      (6, -5.0)]
    reasons = dict(plan.rejected)
    assert "not a number" in reasons[7]
    assert "not a YYYY-MM-DD date" in reasons[8]
    assert reasons[9] == "a total row, not an observation"
    assert plan.skipped_blank == 1


def test_import_is_all_valid_rows_in_one_go_and_checks_rules(workspace, tmp_path):
    from thesis_desk.core.alerts import RuleInput

    m = workspace.metrics.create(MetricInput("BABA"))
    workspace.alerts.add_rule(RuleInput(m.id, "above", threshold=1240))
    f = tmp_path / "prices.csv"
    f.write_text(PRICES)
    plan = workspace.metrics.plan_import(read_table(f), date_col="Date", value_col="Close",
                                         metric="BABA")
    result = workspace.metrics.import_plan(plan)
    assert result["imported"] == 4 and result["rejected"] == 3
    assert len(result["alerts"]) == 1  # 1250 crossed 1240 once
    assert [o.value for o in workspace.metrics.observations(m.id)] == [1234.5, 1250.0, 12.0, -5.0]
    # again: the dates exist now, so every row is rejected unless replace
    again = workspace.metrics.plan_import(read_table(f), date_col="Date", value_col="Close",
                                          metric="BABA")
    assert again.rows == [] and any("already has a value" in r for _, r in again.rejected)
    with pytest.raises(UserError, match="Nothing to import"):
        workspace.metrics.import_plan(again)
    replaced = workspace.metrics.plan_import(read_table(f), date_col="Date", value_col="Close",
                                             metric="BABA", replace=True)
    assert workspace.metrics.import_plan(replaced, replace=True)["imported"] == 4
    assert len(workspace.metrics.observations(m.id)) == 4


def test_long_file_with_a_metric_column_creates_metrics(workspace, tmp_path):
    f = tmp_path / "long.csv"
    f.write_text("metric,day,value\nBABA,02/01/2025,100\n0700.HK,02/01/2025,300\n"
                 "BABA,03/01/2025,101\nBABA,03/01/2025,102\n")
    plan = workspace.metrics.plan_import(read_table(f), date_col="day", value_col="value",
                                         metric_col="metric", date_format="%d/%m/%Y")
    assert [r.line for r in plan.rows] == [2, 3, 4]
    assert "appears twice" in dict(plan.rejected)[5]
    result = workspace.metrics.import_plan(plan)
    assert sorted(result["metrics_created"]) == ["0700.HK", "BABA"]
    baba = workspace.metrics.resolve("BABA")
    assert [o.date for o in workspace.metrics.observations(baba)] == [
        dt.date(2025, 1, 2), dt.date(2025, 1, 3)]


def test_a_failure_mid_import_writes_nothing(workspace, tmp_path, monkeypatch):
    from thesis_desk.core import metrics as mod

    f = tmp_path / "p.csv"
    f.write_text("Date,Close\n2025-01-02,1\n2025-01-03,2\n")
    plan = workspace.metrics.plan_import(read_table(f), date_col="Date", value_col="Close",
                                         metric="New metric")

    def boom(s, metric_ids, series=None):  # the last step, after the rows: alert evaluation
        raise RuntimeError("disk full")

    monkeypatch.setattr(mod, "evaluate_metrics", boom)
    with pytest.raises(RuntimeError):
        workspace.metrics.import_plan(plan)
    assert workspace.metrics.list() == []  # not even the metric it would have created


@pytest.mark.parametrize("numbers", [(), ("Close",)])
@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"\x00\x01\x02\xff\xfe" * 50, "not UTF-8"), (b"a,b\n1,2\n", "no column 'Date'")],
)
def test_broken_files_and_wrong_columns_are_refused(workspace, tmp_path, content, needle,
                                                     numbers):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    with pytest.raises(UserError, match=needle):
        df = read_table(f, numbers=numbers)
        plan_observations(df, date_col="Date", value_col="Close", metric="X")


def _same_plan(a, b) -> None:
    assert (a.lines, a.names, a.days, a.values) == (b.lines, b.names, b.days, b.values)
    assert (a.rejected, a.skipped_blank) == (b.rejected, b.skipped_blank)


def test_values_read_as_numbers_judge_exactly_as_text(tmp_path):
    """The command line reads the value column as numbers (faster); a plain file then
    gives floats, a messy one falls back to text: the plan is the same either way."""
    clean = tmp_path / "clean.csv"
    clean.write_text("Date,Close\n2025-01-02,1234.5\n2025-01-03,-0.1\n2025-01-06,1e3\n"
                     "2025-01-06,7\n")
    fast = read_table(clean, numbers=["Close"])
    assert str(fast["Close"].dtype) == "float64" and fast["Date"].tolist()[0] == "2025-01-02"
    plan = plan_observations(fast, date_col="Date", value_col="Close", metric="X")
    assert plan.values == [1234.5, -0.1, 1000.0]
    _same_plan(plan, plan_observations(read_table(clean), date_col="Date", value_col="Close",
                                       metric="X"))
    messy = tmp_path / "prices.csv"
    messy.write_text(PRICES)
    assert str(read_table(messy, numbers=["Close"])["Close"].dtype) != "float64"
    for text in ("Date,Close\n2025-01-02,1\n\n2025-01-03,2\n",  # a blank line
                 "Date,Close\n2025-01-02,1\n2025-01-03,\n",  # a blank value
                 "Date,Close\n2025-01-02,nan\n2025-01-03,inf\n", PRICES):
        messy.write_text(text)
        _same_plan(plan_observations(read_table(messy, numbers=["Close"]), date_col="Date",
                                     value_col="Close", metric="X"),
                   plan_observations(read_table(messy), date_col="Date", value_col="Close",
                                     metric="X"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.dates().map(str) | st.text(max_size=10),
                          st.floats().map(str) | st.text(max_size=10)), min_size=1, max_size=8))
def test_any_file_is_judged_the_same_read_as_numbers_or_text(tmp_path, cells):
    import csv

    f = tmp_path / "any.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("Date", "Close"), *cells])
    try:
        text = plan_observations(read_table(f), date_col="Date", value_col="Close", metric="X")
    except UserError as exc:  # then reading as numbers refuses it the same way
        with pytest.raises(UserError, match=re.escape(str(exc))):
            plan_observations(read_table(f, numbers=["Close"]), date_col="Date",
                              value_col="Close", metric="X")
        return
    _same_plan(plan_observations(read_table(f, numbers=["Close"]), date_col="Date",
                                 value_col="Close", metric="X"), text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=8))
def test_any_cells_are_judged_never_crash(tmp_path, cells):
    import pandas as pd

    df = pd.DataFrame(cells or [("", "")], columns=["Date", "Close"])
    plan = plan_observations(df, date_col="Date", value_col="Close", metric="X")
    assert len(plan.rows) + len(plan.rejected) + plan.skipped_blank == len(df)


def test_a_table_over_the_row_limit_is_refused_before_parsing(tmp_path, monkeypatch):
    import thesis_desk.core.tabular as tabular
    from thesis_desk.core.errors import UserError

    monkeypatch.setattr(tabular, "MAX_TABLE_ROWS", 100)
    f = tmp_path / "long.csv"
    f.write_text("date,value\n" + "".join(f"2020-01-01,{i}\n" for i in range(101)))
    with pytest.raises(UserError, match="more than 100 rows.*a chunk at a time.*split it"):
        tabular.read_table(f)
    f.write_text("date,value\n" + "".join(f"2020-01-01,{i}\n" for i in range(100)))
    assert len(tabular.read_table(f)) == 100


def test_rows_with_extra_fields_or_a_doubled_header_are_refused(tmp_path):
    from thesis_desk.core.errors import UserError
    from thesis_desk.core.tabular import read_table

    f = tmp_path / "shifted.csv"
    f.write_text("date,value\n2020-01-01,1,extra\n")
    with pytest.raises(UserError, match="more fields than the header"):
        read_table(f)
    f.write_text("date,date\n2020-01-01,1\n")
    with pytest.raises(UserError, match="names a column twice"):
        read_table(f)


def test_a_date_with_trailing_garbage_is_no_date():
    import pandas as pd

    from thesis_desk.core.tabular import parse_day, plan_observations

    df = pd.DataFrame({"d": ["2025-01-06garbage", "2025-01-07 00:00:00", "2025-01-08"],
                       "v": ["1", "2", "3"]})
    plan = plan_observations(df, date_col="d", value_col="v", metric="m")
    assert plan.days == ["2025-01-07", "2025-01-08"]
    assert plan.rejected == [(2, "'2025-01-06garbage' is not a YYYY-MM-DD date; choose "
                                 "the file's date format")]
    with pytest.raises(ValueError, match="not a YYYY-MM-DD date"):
        parse_day("2025-01-06garbage", None)


@pytest.mark.parametrize(("cells", "fmt"), [
    (["Jan 1 2000", "Feb 1 2000", "Mar 1 2000"], "%b %d %Y"),
    (["01-Jan-2000", "01-Feb-2000"], "%d-%b-%Y"),
    (["January 1, 2000", "February 1, 2000"], "%B %d, %Y"),
    (["1 Jan 2000", "1 Feb 2000"], "%d %b %Y"),
    (["2000/01/31", "2000/02/29"], "%Y/%m/%d"),
    (["01/09/2025", "30/09/2025"], "%d/%m/%Y"),  # a day of 30 proves day-first
    (["09/01/2025", "09/30/2025"], "%m/%d/%Y"),
])
def test_date_formats_are_read_off_the_cells(cells, fmt):
    import pandas as pd

    from thesis_desk.core.tabular import guess_date_format, plan_observations

    guess = guess_date_format(pd.Series(cells))
    assert guess.fmt == fmt
    plan = plan_observations(pd.DataFrame({"d": cells, "v": ["1"] * len(cells)}),
                             date_col="d", value_col="v", metric="m")
    assert len(plan.days) == len(cells) and not plan.rejected


def test_a_date_read_two_ways_is_never_guessed():
    import pandas as pd

    from thesis_desk.core.tabular import guess_date_format, plan_observations

    cells = ["01/02/2025", "03/04/2025"]  # no day over 12: day- or month-first?
    guess = guess_date_format(pd.Series(cells))
    assert guess.fmt is None and set(guess.candidates) == {"%d/%m/%Y", "%m/%d/%Y"}
    with pytest.raises(UserError, match="read two ways.*--date-format"):
        plan_observations(pd.DataFrame({"d": cells, "v": ["1", "2"]}), date_col="d",
                          value_col="v", metric="m")
    proof = guess_date_format(pd.Series(["01/02/2025", "30/09/2025"]))
    assert proof.fmt == "%d/%m/%Y" and "line 3 reads 30/09/2025" in proof.reason


@pytest.mark.parametrize(("sep", "cells", "values", "comma"), [
    (";", ["13,5", "1.234,5", "7"], [13.5, 1234.5, 7.0], "13,5"),  # a European export
    ("\t", ["1 234,5", "0,125", "(2,5)"], [1234.5, 0.125, -2.5], "1 234,5"),  # space thousands
    ("|", ["1,234.5", "13.5", "2"], [1234.5, 13.5, 2.0], None),  # the usual point, pipes
])
def test_delimiter_and_decimal_separator_are_read_off_the_file(tmp_path, sep, cells, values,
                                                               comma):
    f = tmp_path / "export.csv"
    f.write_text(f"Date{sep}Close\n" + "".join(
        f"2025-01-0{i + 1}{sep}{c}\n" for i, c in enumerate(cells)) + f"Total{sep}99\n")
    df = read_table(f, numbers=["Close"])
    assert df.attrs["delimiter"] == sep and list(df.columns) == ["Date", "Close"]
    plan = plan_observations(df, date_col="Date", value_col="Close", metric="X")
    assert plan.values == values
    assert plan.rejected == [(5, "a total row, not an observation")]
    assert plan.decimal_reason == (f"decimal comma: line 2 reads {comma}" if comma else "")


def test_a_forced_decimal_and_an_inconsistent_file_say_what_is_wrong(tmp_path):
    f = tmp_path / "mixed.csv"
    f.write_text("Date;Close\n2025-01-02;13,5\n2025-01-03;1.5\n")
    plan = plan_observations(read_table(f), date_col="Date", value_col="Close", metric="X")
    # one cell proves a point, one a comma: nothing is guessed, the comma row is refused
    assert plan.values == [1.5] and plan.decimal == "."
    assert "'13,5' is not a number (decimal commas? choose the decimal separator)" in \
        dict(plan.rejected)[2]
    forced = plan_observations(read_table(f), date_col="Date", value_col="Close", metric="X",
                               decimal=",")
    assert forced.values == [13.5]
    assert "decimal point, but this file's numbers use decimal commas" in dict(forced.rejected)[3]
    # "1.234" with a decimal comma is one thousand two hundred and thirty-four
    g = tmp_path / "eu.csv"
    g.write_text("Date;Close\n2025-01-02;1.234\n2025-01-03;2,5\n")
    assert plan_observations(read_table(g, numbers=["Close"]), date_col="Date",
                             value_col="Close", metric="X").values == [1234.0, 2.5]


def test_underscored_numbers_get_a_reason(tmp_path):
    with pytest.raises(ValueError, match="underscore"):
        parse_number("1_000")
    f = tmp_path / "u.csv"
    f.write_text("Date,Close\n2025-01-02,1_000\n2025-01-03,5\n")
    plan = plan_observations(read_table(f), date_col="Date", value_col="Close", metric="X")
    assert plan.values == [5.0] and "underscore" in dict(plan.rejected)[2]


def test_excel_day_numbers_are_dates(tmp_path):
    import pandas as pd

    from thesis_desk.core.tabular import guess_date_format

    cells = [str(45688 + i) for i in range(20)] + ["45708.75"]  # a time of day too
    assert "45688 is 2025-01-31" in guess_date_format(pd.Series(cells)).reason
    plan = plan_observations(pd.DataFrame({"d": cells, "v": ["1"] * 21}), date_col="d",
                             value_col="v", metric="m")
    assert plan.days[0] == "2025-01-31" and plan.days[-1] == "2025-02-20"
    assert "Excel day numbers" in plan.detected
    # a column of years or counts is never taken for day numbers
    assert guess_date_format(pd.Series(["2020", "2021", "2022"])).fmt != "excel-serial"


def _streamed(path, **kw):
    from thesis_desk.core.tabular import ImportPlan, stream_plans

    whole = ImportPlan()
    for p in stream_plans(path, **kw):
        for a in ("lines", "names", "days", "values", "rejected"):
            getattr(whole, a).extend(getattr(p, a))
        whole.skipped_blank += p.skipped_blank
        whole.detected, whole.decimal_reason = p.detected, p.decimal_reason
    return whole


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["A", "B", ""]),
                          st.dates(dt.date(2024, 1, 1), dt.date(2024, 1, 20)).map(str)
                          | st.sampled_from(["", "Total", "junk"]),
                          st.floats(-5, 5).map(lambda x: f"{x:.2f}") | st.just("x")),
                min_size=1, max_size=25), st.integers(1, 6))
def test_a_file_judged_in_chunks_is_judged_as_the_whole(tmp_path, rows, chunk):
    """Lines, duplicates across chunks, totals, blanks and reasons: the same as one read."""
    import csv

    f = tmp_path / "any.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("metric", "Date", "Close"), *rows])
    try:
        whole = plan_observations(read_table(f), date_col="Date", value_col="Close",
                                  metric_col="metric")
    except UserError as exc:
        with pytest.raises(UserError, match=re.escape(str(exc))):
            _streamed(f, date_col="Date", value_col="Close", metric_col="metric",
                      chunk_rows=chunk)
        return
    streamed = _streamed(f, date_col="Date", value_col="Close", metric_col="metric",
                         chunk_rows=chunk)
    streamed.rejected.sort()
    _same_plan(streamed, whole)


def test_a_streamed_import_is_one_transaction(workspace, tmp_path):
    """A bad row in the last chunk: the earlier chunks' rows are rolled back with it;
    --skip-invalid's way writes the rest; a day repeated across chunks is caught."""
    from thesis_desk.core.metrics import RejectedRows
    from thesis_desk.core.tabular import stream_plans

    f = tmp_path / "long.csv"
    days = [dt.date(2020, 1, 13) + dt.timedelta(days=i) for i in range(40)]  # 13: day-first
    f.write_text("Date,Close\n" + "".join(f"{d:%d/%m/%Y},{i}\n" for i, d in enumerate(days))
                 + "15/01/2020,99\n" + "31/12/2020,oops\n")

    def plans():
        return stream_plans(f, date_col="Date", value_col="Close", metric="X", chunk_rows=7,
                            existing=workspace.metrics.existing_dates)

    with pytest.raises(RejectedRows) as caught:
        workspace.metrics.import_stream(plans())
    assert caught.value.result["rejected_rows"] == [
        (42, "2020-01-15 appears twice for X in the file"), (43, "'oops' is not a number")]
    assert workspace.metrics.list() == []  # not even the metric
    result = workspace.metrics.import_stream(plans(), strict=False)
    assert result["imported"] == 40 and result["rejected"] == 2
    assert result["detected"].startswith("DD/MM/YYYY (day first)")
    mid = workspace.metrics.resolve("X")
    obs = workspace.metrics.observations(mid)
    assert len(obs) == 40 and obs[2].value == 2  # the first 15/01/2020 kept
    again = workspace.metrics.import_stream(plans(), dry_run=True)
    assert again["imported"] == 0 and again["rejected"] == 42  # stored already, each said
