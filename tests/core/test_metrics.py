"""Metrics, dated observations, and links from theses."""

from __future__ import annotations

import datetime as dt

import pytest

from thesis_desk.core.errors import NotFoundError, ValidationError
from thesis_desk.core.metrics import MetricInput
from thesis_desk.core.records import ThesisInput

D1, D2 = dt.date(2025, 6, 30), dt.date(2025, 9, 30)


def test_create_observe_and_read_back(workspace):
    m = workspace.metrics.create(MetricInput("Cloud capex / cloud revenue", unit="%",
                                             frequency="quarterly", instrument="baba"))
    assert (m.instrument, m.observations, m.last_value) == ("BABA", 0, None)
    workspace.metrics.observe(m.id, D2, 121, note="June quarter, Jefferies")
    workspace.metrics.observe(m.id, D1, 94.0)
    info = workspace.metrics.get(m.id)
    assert (info.observations, info.first, info.last, info.last_value) == (2, D1, D2, 121.0)
    assert [o.value for o in workspace.metrics.observations(m.id)] == [94.0, 121.0]
    assert [o.value for o in workspace.metrics.observations(m.id, until=D1)] == [94.0]


def test_duplicate_date_is_refused_unless_replaced(workspace):
    m = workspace.metrics.create(MetricInput("P/E"))
    workspace.metrics.observe(m.id, D1, 10)
    with pytest.raises(ValidationError) as err:
        workspace.metrics.observe(m.id, D1, 11)
    assert "already a value (10)" in err.value.errors["date"]
    assert [o.value for o in workspace.metrics.observations(m.id)] == [10.0]
    workspace.metrics.observe(m.id, D1, 11, replace=True)
    assert [o.value for o in workspace.metrics.observations(m.id)] == [11.0]


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_values_are_refused(workspace, value):
    m = workspace.metrics.create(MetricInput("P/E"))
    with pytest.raises(ValidationError):
        workspace.metrics.observe(m.id, D1, value)
    assert workspace.metrics.observations(m.id) == []


def test_names_are_unique_and_required(workspace):
    workspace.metrics.create(MetricInput("P/E"))
    with pytest.raises(ValidationError, match="exists"):
        workspace.metrics.create(MetricInput("P/E"))
    with pytest.raises(ValidationError):
        workspace.metrics.create(MetricInput("  "))
    with pytest.raises(NotFoundError):
        workspace.metrics.resolve("nope")


def test_link_metric_to_thesis_with_expected_direction(workspace):
    t = workspace.theses.create(ThesisInput(title="Alibaba capex"))
    m = workspace.metrics.create(MetricInput("Capex growth"))
    workspace.metrics.link(t.id, m.id, "up")
    workspace.metrics.link(t.id, m.id, "down")  # relinking updates, never duplicates
    [(info, direction)] = workspace.metrics.for_thesis(t.id)
    assert (info.name, direction) == ("Capex growth", "down")
    with pytest.raises(ValidationError):
        workspace.metrics.link(t.id, m.id, "sideways")
    workspace.metrics.unlink(t.id, m.id)
    assert workspace.metrics.for_thesis(t.id) == []


# the same tests on a PostgreSQL server (tests/conftest.py)
pytestmark = pytest.mark.both_backends
