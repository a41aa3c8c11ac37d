"""Reading a workspace file with the standard library alone.

Used at start-up, so the window can list theses before SQLAlchemy has loaded, and by
the thesis service itself (one query shape, two connections), so both agree.
Nothing here writes: files are opened read-only.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from thesis_desk.core.errors import DatabaseError
from thesis_desk.core.records import ThesisSummary

Execute = Callable[[str], Sequence[Sequence[Any]]]

_THESES_SQL = (
    "SELECT id, title, claim, direction, status, conviction, horizon, created_at, updated_at,"
    " archived_at IS NOT NULL, flagged_at IS NOT NULL, outcome, closed_on, review_days,"
    " reviewed_at, visibility FROM thesis"
    " ORDER BY updated_at DESC, id DESC"
)
_INSTRUMENTS_SQL = (
    "SELECT ti.thesis_id, i.symbol FROM thesis_instrument ti"
    " JOIN instrument i ON i.id = ti.instrument_id ORDER BY i.symbol"
)
_TAGS_SQL = (
    "SELECT tt.thesis_id, t.name FROM thesis_tag tt JOIN tag t ON t.id = tt.tag_id"
    " ORDER BY t.name"
)


def as_datetime(value: Any) -> Any:
    """A datetime from a raw SQLite column (text) or as given."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def as_date(value: Any) -> Any:
    """A date from a raw SQLite column (text) or as given."""
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def thesis_summaries(execute: Execute, *, include_archived: bool = True) -> list[ThesisSummary]:
    """All theses as summaries, newest change first, in three plain queries."""
    symbols: dict[int, list[str]] = {}
    for tid, sym in execute(_INSTRUMENTS_SQL):
        symbols.setdefault(tid, []).append(sym)
    tags: dict[int, list[str]] = {}
    for tid, name in execute(_TAGS_SQL):
        tags.setdefault(tid, []).append(name)
    out = []
    for (tid, title, claim, direction, status, conviction, horizon, created, updated,
         archived, flagged, outcome, closed_on, review_days, reviewed,
         visibility) in execute(_THESES_SQL):
        if archived and not include_archived:
            continue
        out.append(ThesisSummary(
            id=tid, title=title, claim=claim, direction=direction, status=status,
            conviction=conviction, horizon=as_date(horizon), instruments=tuple(symbols.get(tid, ())),
            tags=tuple(tags.get(tid, ())), created_at=as_datetime(created), updated_at=as_datetime(updated),
            archived=bool(archived), flagged=bool(flagged), outcome=outcome,
            closed_on=as_date(closed_on), review_days=review_days,
            reviewed_at=as_datetime(reviewed), visibility=visibility or "team",
        ))
    return out


def read_schema_revision(path: Path) -> str | None:
    """The Alembic revision stored in a database file, read without writing to it.

    Returns None for a new or empty file. Raises DatabaseError for a file that is
    not SQLite or not a Thesis Desk database.
    """
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"Cannot open {path}: {exc}.") from exc
    try:
        tables = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "alembic_version" not in tables:
            if tables:
                raise DatabaseError(
                    f"{path} is an SQLite file but not a Thesis Desk workspace "
                    "(it has no schema version). Choose another data folder."
                )
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"{path} is not a readable database ({exc}). If it is damaged, restore a "
            "backup; nothing has been changed."
        ) from exc
    finally:
        conn.close()


def quick_thesis_list(path: Path) -> list[ThesisSummary] | None:
    """The thesis list straight from the file, or None when it cannot be read that way
    (new, older or newer schema, damaged): the full open then decides what to say."""
    from thesis_desk.core.migrations import HEAD

    try:
        if read_schema_revision(path) != HEAD:
            return None
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except (DatabaseError, sqlite3.Error):
        return None
    try:
        return thesis_summaries(lambda sql: conn.execute(sql).fetchall())
    except sqlite3.Error:
        return None
    finally:
        conn.close()
