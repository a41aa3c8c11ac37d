"""CSV/Excel exports: formula injection neutralised, numbers kept as numbers."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from thesis_desk.core.exports import evidence_frame, neutralise, observations_frame, write_table
from thesis_desk.core.errors import UserError
from thesis_desk.core.records import EvidenceInput, ThesisInput

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.mark.parametrize("text", HOSTILE)
def test_each_trigger_is_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("plain") == "plain" and neutralise(-5.0) == -5.0


def _hostile_workspace(workspace):
    t = workspace.theses.create(ThesisInput(title="=cmd|' /C calc'!A0", claim="c"))
    for q in HOSTILE:
        workspace.evidence.add(EvidenceInput(thesis_id=t.id, quote=q, note="@note",
                                             source_text="-source", stance="contradicts"))
    return t


def test_evidence_export_csv_and_xlsx_are_inert(workspace, tmp_path):
    t = _hostile_workspace(workspace)
    df = evidence_frame(workspace.evidence, t.id)
    csv = write_table(df, tmp_path / "ev.csv")
    back = pd.read_csv(csv, encoding="utf-8-sig", keep_default_na=False)
    assert len(back) == len(HOSTILE)
    for col in ("thesis", "note", "source"):
        assert all(v.startswith("'") for v in back[col]), col
    # The form strips surrounding whitespace; the four formula triggers stay and are inert.
    assert sorted(back["quote"]) == sorted(["'" + q for q in HOSTILE[:4]] + ["Tab", "CR"])
    assert back["weight"].tolist() == [2] * len(HOSTILE)  # numbers stay numbers

    xlsx = write_table(df, tmp_path / "ev.xlsx")
    ws = openpyxl.load_workbook(xlsx).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert not any(c.data_type == "f" for c in cells)  # not one formula
    assert all(not (isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")))
               for c in cells)


def test_observation_export_keeps_dates_and_values(workspace, tmp_path):
    from thesis_desk.core.metrics import MetricInput

    mid = workspace.metrics.create(MetricInput(name="-Capex", unit="CNY bn")).id
    workspace.metrics.observe(mid, dt.date(2026, 1, 2), -3.5, note="=bad")
    df = observations_frame(workspace.metrics, mid)
    out = write_table(df, tmp_path / "obs.csv")
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert back.loc[0, "metric"] == "'-Capex" and back.loc[0, "note"] == "'=bad"
    assert back.loc[0, "value"] == -3.5 and back.loc[0, "date"] == "2026-01-02"


def test_export_refuses_other_types_and_leaves_no_part_file(workspace, tmp_path):
    with pytest.raises(UserError, match=".csv or .xlsx"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.txt")
    target = tmp_path / "missing-dir" / "x.csv"
    with pytest.raises(UserError, match="Nothing was written"):
        write_table(pd.DataFrame({"a": [1]}), target)
    assert not list(tmp_path.rglob("*.part"))


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends
