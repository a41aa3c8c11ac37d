"""Schema migrations (Alembic), run when a workspace opens.

``HEAD`` lets a workspace that is already current open without importing Alembic
(a start-up cost of its own); a test keeps it equal to the scripts' real head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from thesis_desk.core.errors import MigrationError, NewerDatabaseError

if TYPE_CHECKING:
    from sqlalchemy import Engine

HEAD = "0018"
SCRIPT_LOCATION = Path(__file__).resolve().parent


def _config(script_location: Path | None):  # -> alembic.config.Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or SCRIPT_LOCATION))
    return cfg


def script_head(script_location: Path | None = None) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(script_location)).get_current_head() or ""


def check_known(revision: str | None, script_location: Path | None = None) -> None:
    """Refuse a database whose revision this version of the program does not know."""
    if revision is None:
        return
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(_config(script_location))
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise NewerDatabaseError(
            f"This workspace was written by a newer version of Thesis Desk (schema "
            f"{revision}). Install that version or newer to open it; the file has not "
            "been changed."
        )


def upgrade(engine: Engine, script_location: Path | None = None) -> None:
    """Bring the schema to head in one transaction: all of it, or none of it."""
    from alembic import command

    cfg = _config(script_location)
    try:
        with engine.connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            # SQLite checked its foreign keys off during the upgrade; a server never does
            broken = (conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                      if conn.dialect.name == "sqlite" else [])
            if broken:
                raise MigrationError(
                    f"The upgrade would leave {len(broken)} broken references; "
                    "it was rolled back."
                )
    except MigrationError:
        raise
    except Exception as exc:  # any failure inside a migration script
        raise MigrationError(
            f"Upgrading the workspace failed and was rolled back; the database is "
            f"unchanged. Details: {exc}"
        ) from exc
