"""The enumerated values the services accept, in the order the UI lists them."""

from __future__ import annotations

DIRECTIONS = ("long", "short", "watch")
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
STANCES = ("supports", "contradicts", "context")
EXPECTED_DIRECTIONS = ("up", "down", "none")
FREQUENCIES = ("irregular", "daily", "weekly", "monthly", "quarterly", "annual")
CONVICTION_RANGE = (0, 100)
