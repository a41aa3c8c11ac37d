"""Opening the workspace database: engine, SQLite pragmas, transactions, backups.

Every unit of work runs in one real SQLite transaction: pysqlite's own transaction
handling is switched off (``isolation_level = None``) and ``BEGIN`` is emitted by an
engine event, so DDL is transactional too and a failed migration or import leaves
nothing half-written. Writers use ``BEGIN IMMEDIATE`` so that two processes wanting
to write wait on the busy timeout instead of failing mid-transaction.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from sqlalchemy import exc as sa_exc

from thesis_desk.core.errors import (
    DamagedDatabaseError,
    DatabaseError,
    MigrationError,
    NewerDatabaseError,
    StorageError,
    UnreadableError,
)
from thesis_desk.core.gate import RestoreGate
from thesis_desk.core.snapshot import read_schema_revision
from thesis_desk.core.timeutil import utcnow

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "thesis_desk_begin"


def make_engine(path: Path, *, foreign_keys: bool = True, read_only: bool = False) -> Engine:
    """An engine on one SQLite file with WAL, foreign keys and a busy timeout.

    ``read_only`` opens the file with ``mode=ro``: for looking into a damaged workspace
    without any chance of writing to it."""
    url = f"sqlite:///file:{path}?mode=ro&uri=true" if read_only else f"sqlite:///{path}"
    engine = create_engine(
        url,
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
        if not read_only:
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
    read_only: bool = False

    def __post_init__(self) -> None:
        writer = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        object.__setattr__(self, "_write_factory", sessionmaker(writer, expire_on_commit=False))
        object.__setattr__(self, "_read_factory", sessionmaker(self.engine, expire_on_commit=False))
        object.__setattr__(self, "commits", 0)
        # every write holds the restore gate shared: a restore shuts writers out whole
        object.__setattr__(self, "_gate", RestoreGate(self.path.parent))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed whole when the block ends, rolled back on error.

        A write the file system or SQLite refuses (disk full, read-only folder, I/O
        error) is rolled back and raised as ``StorageError``, whose message says what
        happened and that nothing was changed.
        """
        session: Session = self._write_factory()  # type: ignore[attr-defined]
        try:
            with self._gate.writer(), session.begin():  # type: ignore[attr-defined]
                yield session
        except (sa_exc.DBAPIError, sqlite3.Error) as exc:
            if not _is_storage_failure(exc):
                raise  # constraint violations and bugs are not the disk's fault
            raise storage_error(exc, self.path) from exc
        else:
            object.__setattr__(self, "commits", self.commits + 1)  # type: ignore[attr-defined]
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent read snapshot; nothing is written."""
        session: Session = self._read_factory()  # type: ignore[attr-defined]
        try:
            yield session
        except (sa_exc.DatabaseError, sqlite3.DatabaseError) as exc:
            if not _is_damage(exc):
                raise
            raise UnreadableError(
                "This part of the workspace is damaged and cannot be read "
                f"({_sqlite_words(exc)}). What can be read is shown; restore "
                "a backup (File > Backups…, or thesis-desk restore) to get the rest back."
            ) from exc
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

    def change_marks(self) -> dict:
        """The aggregates that tell which kinds another process changed (see
        ``core/changes.marks``), read in one snapshot on a connection of their own."""
        from thesis_desk.core.changes import marks

        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            conn.execute("BEGIN")
            return marks(conn)
        finally:
            conn.close()

    def close(self) -> None:
        watcher = getattr(self, "_watcher", None)
        if watcher is not None:
            watcher.close()
            object.__setattr__(self, "_watcher", None)
        self.engine.dispose()
        self._gate.close()  # type: ignore[attr-defined]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off while many plain rows are made.

    Each row is a fresh tuple, and ten thousand of them set off collections that walk
    every object the program holds: half the time of reading a long series went there.
    Rows of numbers and strings hold no cycles, so pausing the collector loses nothing.
    """
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def bulk_rows(session: Session, sql: str, args: tuple = ()) -> list[tuple]:
    """Many plain rows through the driver's cursor, with the cycle collector paused."""
    cursor = session.connection().connection.cursor()
    try:
        with collector_paused():
            return cursor.execute(sql, args).fetchall()
    finally:
        cursor.close()


def bulk_insert(session: Session, sql: str, rows: Iterable[tuple]) -> None:
    """``executemany`` through the driver's cursor, fed rows as they are made (no list
    of a million tuples first), with the cycle collector paused."""
    cursor = session.connection().connection.cursor()
    try:
        with collector_paused():
            cursor.executemany(sql, rows)
    finally:
        cursor.close()


COPY_TIMEOUT_S = BUSY_TIMEOUT_MS / 1000


def copy_database(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """SQLite's online backup of ``source`` into ``target``, in one step, giving up with
    "database is locked" after COPY_TIMEOUT_S of the source or target being busy.

    Python's ``Connection.backup`` retries a busy step for ever, inside C, where not even
    a signal gets through: a database held busy by another connection froze the caller
    (the window closing, a test run) for good."""
    timeout_s = COPY_TIMEOUT_S
    deadline = time.monotonic() + timeout_s

    def progress(status: int, _remaining: int, _total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) \
                and time.monotonic() > deadline:
            raise sqlite3.OperationalError(
                f"database is locked (busy for more than {timeout_s:g} s)")

    source.backup(target, progress=progress, sleep=0.05)


def backup_file(src: Path, dest: Path) -> Path:
    """Copy a live database with SQLite's online backup API (safe under WAL, unlike cp)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    # A short busy wait per step: copy_database's own retries make up the timeout.
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=0.2)
    try:
        target = sqlite3.connect(tmp)
        try:
            copy_database(source, target)
            # A self-contained file: no -wal/-shm beside it, readable from a read-only place.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    except BaseException:
        # a failed copy leaves nothing behind: the file, nor its journal (a full disk
        # stops SQLite half-way through writing both)
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-journal", "-wal",
                                                                       "-shm"))):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    tmp.replace(dest)
    return dest


_BUSY = ("another program has held the workspace busy for more than "
         f"{BUSY_TIMEOUT_MS // 1000} s. Try again in a moment")
_READ_ONLY = ("the workspace folder or file is read-only. Check its permissions (or the "
              "disk's) and try again")
# SQLite's words -> what to tell the person; the first match wins.
_STORAGE_HINTS = (
    (("disk is full",), "the disk is full. Free some space and try again"),
    (("readonly", "read-only"), _READ_ONLY),
    (("unable to open",), "the database file cannot be opened for writing. Check that the "
                          "workspace folder still exists and is writable"),
    (("disk i/o error",), "the disk reported an input/output error. Check the disk, then "
                          "try again; `thesis-desk check` tells whether the workspace is intact"),
    (("locked", "busy"), _BUSY),
    (("malformed",), "the database file is damaged. Close Thesis Desk and restore a backup "
                     "(File > Backups…, or `thesis-desk restore`)"),
)


def _is_storage_failure(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.OperationalError):
        return True
    return isinstance(orig, sqlite3.DatabaseError) and "malformed" in str(orig).lower()


def _sqlite_words(exc: BaseException) -> str:
    """What SQLite itself said (SQLAlchemy wraps it as ``orig``)."""
    return str(getattr(exc, "orig", None) or exc)


def _is_damage(exc: BaseException) -> bool:
    """SQLite saying a page it read is not what it should be."""
    low = _sqlite_words(exc).lower()
    return "malformed" in low or "not a database" in low or "corrupt" in low


def storage_advice(exc: BaseException) -> str | None:
    """What to tell the person about a refused write or copy, if SQLite's words say."""
    low = _sqlite_words(exc).lower()
    return next((advice for needles, advice in _STORAGE_HINTS
                 if any(n in low for n in needles)), None)


def storage_error(exc: BaseException, path: Path) -> DatabaseError:
    """A refused write as a message a person can act on; unknown errors keep SQLite's text."""
    text = _sqlite_words(exc)
    advice = storage_advice(exc)
    if advice is not None:
        return StorageError(f"Not saved: {advice}. Nothing was changed ({text}).")
    return StorageError(f"Not saved: the database refused the change ({text}). "
                        "Nothing was changed.")


def check_integrity(path: Path, *, quick: bool = True) -> list[str]:
    """SQLite's own check of a file (``quick_check`` or the full ``integrity_check``):
    an empty list when the file is sound, else what SQLite found (first 20 lines)."""
    if not path.exists() or path.stat().st_size == 0:
        return []
    pragma = "quick_check" if quick else "integrity_check"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}(20)")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def open_database(path: Path, backup_dir: Path, *, script_location: Path | None = None) -> Database:
    """Open (creating or upgrading as needed) the workspace database at ``path``.

    A database written by a newer Thesis Desk is refused before anything touches it.
    Before an upgrade of an existing database, an online backup is taken; the upgrade
    runs in one transaction, so a failure leaves the file exactly as it was.
    """
    from thesis_desk.core import migrations

    path.parent.mkdir(parents=True, exist_ok=True)
    # A read-only folder or file makes SQLite's own check fail too ("unable to open"):
    # say read-only, not damaged, which would invite restoring over a healthy file.
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StorageError(
            f"The workspace at {path.parent} is read-only: Thesis Desk must be able to write "
            "its database and journal files there. Nothing was changed, and the file is not "
            "known to be damaged. Check the folder's and the file's permissions (or the "
            "disk's), or copy the folder somewhere writable and open that (--data-dir).")
    problems = check_integrity(path)
    # Not SQLite at all is a wrong file, not a damaged workspace: read_schema_revision says so.
    if problems and problems != ["file is not a database"]:
        raise DamagedDatabaseError(path, problems)
    current = read_schema_revision(path)
    if current != migrations.HEAD or script_location is not None:
        migrations.check_known(current, script_location)
        if current is not None:
            stamp = utcnow().strftime("%Y%m%dT%H%M%S")
            backup = backup_dir / f"pre-upgrade-{current}-{stamp}.sqlite3"
            try:
                backup_file(path, backup)
            except (OSError, sqlite3.Error) as exc:
                advice = storage_advice(exc) or f"it could not be written ({exc})"
                raise StorageError(
                    f"The workspace was not upgraded: the backup taken before every upgrade "
                    f"could not be written to {backup_dir}: {advice}. Nothing was changed; "
                    "the workspace opens once the backup can be taken.") from exc
            log.info("backed up %s to %s before upgrading", path, backup)
        migrate_engine = make_engine(path, foreign_keys=False)
        try:
            migrations.upgrade(migrate_engine, script_location)
        finally:
            migrate_engine.dispose()
    return Database(path=path, engine=make_engine(path))


def open_read_only(path: Path) -> Database:
    """A look into a workspace that must not be written (damaged, or kept as evidence):
    no integrity gate, no upgrade, every write refused by SQLite itself."""
    if not path.is_file():
        raise DatabaseError(f"{path} does not exist.")
    return Database(path=path, engine=make_engine(path, read_only=True), read_only=True)


__all__ = [
    "DamagedDatabaseError",
    "Database",
    "DatabaseError",
    "StorageError",
    "check_integrity",
    "open_read_only",
    "MigrationError",
    "NewerDatabaseError",
    "backup_file",
    "make_engine",
    "open_database",
    "read_schema_revision",
]
