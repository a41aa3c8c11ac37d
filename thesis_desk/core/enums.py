"""The enumerated values the services accept, in the order the UI lists them."""

from __future__ import annotations

DIRECTIONS = ("long", "short", "watch")
VISIBILITIES = ("team", "private")  # on a team server: shared, or its author's only
STATUSES = ("draft", "active", "validated", "invalidated", "closed")
PILLAR_KINDS = ("pillar", "kill", "catalyst", "risk")
PILLAR_KIND_LABELS = {
    "pillar": "Pillar",
    "kill": "Kill criterion",
    "catalyst": "Catalyst",
    "risk": "Risk",
}
PILLAR_STATES = ("intact", "at_risk", "broken", "confirmed")
PILLAR_STATE_LABELS = {
    "intact": "Intact",
    "at_risk": "At risk",
    "broken": "Broken",
    "confirmed": "Confirmed",
}
# A catalyst or a risk is not "intact": the same four states read as what they mean there.
PILLAR_STATE_LABELS_BY_KIND = {
    "catalyst": {"intact": "Pending", "at_risk": "Slipping", "broken": "Missed",
                 "confirmed": "Happened"},
    "risk": {"intact": "Dormant", "at_risk": "Emerging", "broken": "Materialised",
             "confirmed": "Ruled out"},
}


def pillar_state_label(kind: str, state: str) -> str:
    """A pillar's state as its kind reads it (a catalyst is Pending, not Intact)."""
    return PILLAR_STATE_LABELS_BY_KIND.get(kind, PILLAR_STATE_LABELS).get(
        state, PILLAR_STATE_LABELS.get(state, state))


STANCES = ("supports", "contradicts", "context")
EXPECTED_DIRECTIONS = ("up", "down", "none")
FREQUENCIES = ("irregular", "daily", "weekly", "monthly", "quarterly", "annual")
CONVICTION_RANGE = (0, 100)
# How a closed thesis turned out; "mixed" is listed in calibration but not scored.
OUTCOMES = ("right", "wrong", "mixed")
# Days between reviews, by status, unless a thesis sets its own (a closed one has none).
REVIEW_DAYS = {"draft": 30, "active": 30, "validated": 60, "invalidated": 14}
REVIEW_DAYS_RANGE = (1, 730)
# The journal's reason on each risk a pre-mortem adds.
PREMORTEM_REASON = "Pre-mortem: a year from now this thesis failed"

RULE_KINDS = ("above", "below", "crosses", "change_pct", "zscore", "stale")
SIDES = ("long", "short")
