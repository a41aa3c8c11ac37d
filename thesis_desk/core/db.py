"""Opening the workspace database: engine, SQLite pragmas, transactions, backups.

Every unit of work runs in one real SQLite transaction: pysqlite's own transaction
handling is switched off (``isolation_level = None``) and ``BEGIN`` is emitted by an
engine event, so DDL is transactional too and a failed migration or import leaves
nothing half-written. Writers use ``BEGIN IMMEDIATE`` so that two processes wanting
to write wait on the busy timeout instead of failing mid-transaction.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from thesis_desk.core.errors import DatabaseError, MigrationError, NewerDatabaseError
from thesis_desk.core.snapshot import read_schema_revision
from thesis_desk.core.timeutil import utcnow

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "thesis_desk_begin"


def make_engine(path: Path, *, foreign_keys: bool = True) -> Engine:
    """An engine on one SQLite file with WAL, foreign keys and a busy timeout."""
    engine = create_engine(
        f"sqlite:///{path}",
        # The pool hands a connection to one thread at a time; background tasks need this.
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see below)
        cur = dbapi_conn.cursor()
        # foreign_keys is ignored inside a transaction: set it here, before any BEGIN.
        cur.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed transaction survives a power cut, not only a crash.
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


@dataclass(frozen=True)
class Database:
    """An open workspace database. Services take one and open a scope per unit of work."""

    path: Path
    engine: Engine

    def __post_init__(self) -> None:
        writer = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        object.__setattr__(self, "_write_factory", sessionmaker(writer, expire_on_commit=False))
        object.__setattr__(self, "_read_factory", sessionmaker(self.engine, expire_on_commit=False))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed whole when the block ends, rolled back on error."""
        session: Session = self._write_factory()  # type: ignore[attr-defined]
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent read snapshot; nothing is written."""
        session: Session = self._read_factory()  # type: ignore[attr-defined]
        try:
            yield session
        finally:
            session.close()  # rolls back: a read scope never commits

    def data_version(self) -> int:
        """Changes whenever another connection commits: another process, or this one's
        own writes (they go through the pool, not the watcher). Cheap to poll.

        It must be asked on one and the same connection each time, so a private
        read-only connection is kept for it.
        """
        watcher = getattr(self, "_watcher", None)
        if watcher is None:
            watcher = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                      check_same_thread=False)
            object.__setattr__(self, "_watcher", watcher)
        return int(watcher.execute("PRAGMA data_version").fetchone()[0])

    def backup_to(self, dest: Path) -> Path:
        return backup_file(self.path, dest)

    def close(self) -> None:
        watcher = getattr(self, "_watcher", None)
        if watcher is not None:
            watcher.close()
            object.__setattr__(self, "_watcher", None)
        self.engine.dispose()


def backup_file(src: Path, dest: Path) -> Path:
    """Copy a live database with SQLite's online backup API (safe under WAL, unlike cp)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    tmp.replace(dest)
    return dest


def open_database(path: Path, backup_dir: Path, *, script_location: Path | None = None) -> Database:
    """Open (creating or upgrading as needed) the workspace database at ``path``.

    A database written by a newer Thesis Desk is refused before anything touches it.
    Before an upgrade of an existing database, an online backup is taken; the upgrade
    runs in one transaction, so a failure leaves the file exactly as it was.
    """
    from thesis_desk.core import migrations

    path.parent.mkdir(parents=True, exist_ok=True)
    current = read_schema_revision(path)
    if current != migrations.HEAD or script_location is not None:
        migrations.check_known(current, script_location)
        if current is not None:
            stamp = utcnow().strftime("%Y%m%dT%H%M%S")
            backup = backup_dir / f"pre-upgrade-{current}-{stamp}.sqlite3"
            backup_file(path, backup)
            log.info("backed up %s to %s before upgrading", path, backup)
        migrate_engine = make_engine(path, foreign_keys=False)
        try:
            migrations.upgrade(migrate_engine, script_location)
        finally:
            migrate_engine.dispose()
    return Database(path=path, engine=make_engine(path))


__all__ = [
    "Database",
    "DatabaseError",
    "MigrationError",
    "NewerDatabaseError",
    "backup_file",
    "make_engine",
    "open_database",
    "read_schema_revision",
]
