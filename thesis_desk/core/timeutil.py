"""Time helpers: the database keeps naive UTC datetimes and plain calendar dates."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def parse_date(text: str) -> dt.date:
    """Parse an ISO date (YYYY-MM-DD); raise ValueError with a message a person can act on."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2025-09-01") from None
