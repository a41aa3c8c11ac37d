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
from typing import Any, NamedTuple

from thesis_desk.core.errors import DatabaseError
from thesis_desk.core.summary import ThesisSummary

Execute = Callable[[str], Sequence[Sequence[Any]]]

_THESES_SQL = (
    "SELECT id, title, claim, direction, status, conviction, horizon, created_at, updated_at,"
    " archived_at IS NOT NULL, flagged_at IS NOT NULL, outcome, closed_on, review_days,"
    " reviewed_at, visibility FROM thesis{where}"
    " ORDER BY updated_at DESC, id DESC{limit}"
)
_INSTRUMENTS_SQL = (
    "SELECT ti.thesis_id, i.symbol FROM thesis_instrument ti"
    " JOIN instrument i ON i.id = ti.instrument_id{where} ORDER BY i.symbol"
)
_TAGS_SQL = (
    "SELECT tt.thesis_id, t.name FROM thesis_tag tt JOIN tag t ON t.id = tt.tag_id{where}"
    " ORDER BY t.name"
)


def as_datetime(value: Any) -> Any:
    """A datetime from a raw SQLite column (text) or as given."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def as_date(value: Any) -> Any:
    """A date from a raw SQLite column (text) or as given."""
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def thesis_summaries(execute: Execute, *, include_archived: bool = True,
                     limit: int | None = None) -> list[ThesisSummary]:
    """All theses as summaries, newest change first, in three plain queries; or only the
    first ``limit`` of them, with their instruments and tags alone."""
    if limit is None:
        rows = execute(_THESES_SQL.format(where="", limit=""))
        symbol_rows = execute(_INSTRUMENTS_SQL.format(where=""))
        tag_rows = execute(_TAGS_SQL.format(where=""))
    else:
        rows = execute(_THESES_SQL.format(
            where="" if include_archived else " WHERE archived_at IS NULL",
            limit=f" LIMIT {int(limit)}"))
        ids = ",".join(str(int(r[0])) for r in rows) or "0"
        symbol_rows = execute(_INSTRUMENTS_SQL.format(where=f" WHERE ti.thesis_id IN ({ids})"))
        tag_rows = execute(_TAGS_SQL.format(where=f" WHERE tt.thesis_id IN ({ids})"))
    symbols: dict[int, list[str]] = {}
    for tid, sym in symbol_rows:
        symbols.setdefault(tid, []).append(sym)
    tags: dict[int, list[str]] = {}
    for tid, name in tag_rows:
        tags.setdefault(tid, []).append(name)
    out = []
    for (tid, title, claim, direction, status, conviction, horizon, created, updated,
         archived, flagged, outcome, closed_on, review_days, reviewed,
         visibility) in rows:
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


class FirstScreen(NamedTuple):
    """What the window shows before the services load: the theses of its first screen,
    newest change first, and how many there are (archived ones included, and not)."""

    theses: list[ThesisSummary]
    total: int  # archived ones included
    active: int  # not archived


def quick_thesis_list(path: Path, *, limit: int | None = None,
                      include_archived: bool = True) -> FirstScreen | None:
    """The thesis list straight from the file, or None when it cannot be read that way
    (new, older or newer schema, damaged): the full open then decides what to say.
    ``limit``: only the first so many, newest change first (the list's own order until a
    header is clicked), so a workspace of 20,000 theses paints as fast as one of 2,000."""
    from thesis_desk.core.migrations import HEAD

    try:
        if read_schema_revision(path) != HEAD:
            return None
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except (DatabaseError, sqlite3.Error):
        return None
    try:
        theses = thesis_summaries(lambda sql: conn.execute(sql).fetchall(),
                                  include_archived=include_archived, limit=limit)
        every, active = conn.execute("SELECT count(*), count(*) - count(archived_at) "
                                     "FROM thesis").fetchone()
        return FirstScreen(theses, every, active)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
