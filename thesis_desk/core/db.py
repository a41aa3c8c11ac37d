"""Opening the workspace database: engine, SQLite pragmas, transactions, backups.

Every unit of work runs in one real SQLite transaction: pysqlite's own transaction
handling is switched off (``isolation_level = None``) and ``BEGIN`` is emitted by an
engine event, so DDL is transactional too and a failed migration or import leaves
nothing half-written. Writers use ``BEGIN IMMEDIATE`` so that two processes wanting
to write wait on the busy timeout instead of failing mid-transaction.

A team workspace is a PostgreSQL database named by a URL (``open_database_url``): the
same services and units of work, with the server's own transactions; what only a file
has (the restore gate, the online backup, SQLite's integrity check) does not apply.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from sqlalchemy import exc as sa_exc

from thesis_desk.core.errors import (
    ConflictError,
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
from thesis_desk.core.urls import redacted

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


def make_pg_engine(url: str) -> Engine:
    """An engine on a PostgreSQL server: connections checked before use (a server
    restarted, a laptop woken), a connect timeout, times kept as UTC."""
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         connect_args={"connect_timeout": 10,
                                       "options": "-c timezone=UTC"})


class _NoGate:
    """A server database has no restore gate: the server orders its writers."""

    @contextmanager
    def writer(self) -> Iterator[None]:
        yield

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Database:
    """An open workspace database. Services take one and open a scope per unit of work.
    ``path`` is the SQLite file; a server database has ``url`` instead."""

    path: Path | None
    engine: Engine
    read_only: bool = False
    url: str = ""

    def __post_init__(self) -> None:
        writer = (self.engine if self.is_server
                  else self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}))
        object.__setattr__(self, "_write_factory", sessionmaker(writer, expire_on_commit=False))
        object.__setattr__(self, "_read_factory", sessionmaker(self.engine, expire_on_commit=False))
        object.__setattr__(self, "commits", 0)
        # every write holds the restore gate shared: a restore shuts writers out whole
        object.__setattr__(self, "_gate", _NoGate() if self.is_server
                           else RestoreGate(self.path.parent))  # type: ignore[union-attr]

    @property
    def is_server(self) -> bool:
        """A PostgreSQL server's database, not a local SQLite file."""
        return self.engine.dialect.name == "postgresql"

    @property
    def where(self) -> str:
        """The database as a person reads it: the file, or the server URL (no password)."""
        return redacted(self.url) if self.is_server else str(self.path)

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
        except StaleDataError as exc:  # a row's version moved between read and write
            raise ConflictError(
                "Another analyst saved a change to this while yours was being saved. "
                "Nothing of yours was written: reopen it and apply your edit again.") from exc
        except (sa_exc.DBAPIError, sqlite3.Error) as exc:
            if self.is_server:
                refused = server_error(exc)
                if refused is None:
                    raise
                raise refused from exc
            if not _is_storage_failure(exc):
                raise  # constraint violations and bugs are not the disk's fault
            raise storage_error(exc, self.path) from exc  # type: ignore[arg-type]
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
        except sa_exc.OperationalError as exc:
            if not self.is_server:
                if not _is_damage(exc):
                    raise
                raise UnreadableError(_damaged_read(exc)) from exc
            first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
            raise DatabaseError(
                f"The team's database server did not answer ({first}). Check the connection "
                "(VPN, server address); what is on screen stays as it was.") from exc
        except (sa_exc.DatabaseError, sqlite3.DatabaseError) as exc:
            if not _is_damage(exc):
                raise
            raise UnreadableError(_damaged_read(exc)) from exc
        finally:
            session.close()  # rolls back: a read scope never commits

    def data_version(self) -> int:
        """Changes whenever another connection commits: another process, or this one's
        own writes (they go through the pool, not the watcher). Cheap to poll.

        It must be asked on one and the same connection each time, so a private
        read-only connection is kept for it. SQLite's only: a server's changes arrive as
        notices (``listen``) and are told apart by ``change_marks``.
        """
        watcher = getattr(self, "_watcher", None)
        if watcher is None:
            watcher = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                      check_same_thread=False)
            object.__setattr__(self, "_watcher", watcher)
        return int(watcher.execute("PRAGMA data_version").fetchone()[0])

    def listen(self, notice: Callable[[str], None], stopped: Callable[[], bool]) -> None:
        """A server's change notices (migration 0011): ``notice(table)`` for every
        statement another connection commits, until ``stopped()`` (asked each second).
        Runs on a thread of its own; a lost connection is tried again every few seconds."""
        import psycopg

        url = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        while not stopped():
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute("LISTEN thesis_desk")
                    while not stopped():
                        for n in conn.notifies(timeout=1.0):
                            notice(n.payload)
            except psycopg.Error as exc:
                log.warning("change notices from %s paused: %s", self.where, exc)
                for _ in range(5):
                    if stopped():
                        return
                    time.sleep(1)

    def change_marks(self) -> dict:
        """The aggregates that tell which kinds another process changed (see
        ``core/changes.marks``), read in one snapshot on a connection of their own."""
        from thesis_desk.core.changes import marks

        if self.is_server:
            with self.engine.connect() as c:
                raw = c.connection.dbapi_connection
                return marks(raw)  # type: ignore[arg-type]
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


_DAYNUM = re.compile(r"DAYNUM\(([\w.]+)\)")
_EPOCHSECS = re.compile(r"EPOCHSECS\(([\w.]+)\)")
_TEXTBYTES = re.compile(r"TEXTBYTES\(([\w.]+)\)")


@functools.lru_cache(maxsize=512)
def dialect_sql(dialect: str, sql: str) -> str:
    """Driver SQL written once for both backends: ``?`` parameters (psycopg's are
    ``%s``), ``DAYNUM(col)`` (a date column as whole days since 1970-01-01) and
    ``TEXTBYTES(col)`` (a text column as its UTF-8 bytes, read even when damaged),
    ``EPOCHSECS(col)`` (a date as UTC seconds, a float: a chart's date axis)."""
    if dialect == "postgresql":
        sql = _EPOCHSECS.sub(r"CAST((\1 - DATE '1970-01-01') * 86400 AS float8)", sql)
        sql = _DAYNUM.sub(r"(\1 - DATE '1970-01-01')", sql)
        sql = _TEXTBYTES.sub(r"convert_to(\1, 'UTF8')", sql)
        return sql.replace("%", "%%").replace("?", "%s")
    sql = _EPOCHSECS.sub(r"(julianday(\1) - 2440587.5) * 86400.0", sql)
    sql = _DAYNUM.sub(r"CAST(julianday(\1) - 2440587.5 AS INTEGER)", sql)
    return _TEXTBYTES.sub(r"CAST(\1 AS BLOB)", sql)


def driver_sql(session: Session, sql: str) -> str:
    return dialect_sql(session.get_bind().dialect.name, sql)


def bulk_rows(session: Session, sql: str, args: tuple = ()) -> list[tuple]:
    """Many plain rows through the driver's cursor, with the cycle collector paused."""
    sql = driver_sql(session, sql)
    cursor = session.connection().connection.cursor()
    try:
        with collector_paused():
            cursor.execute(sql, args)
            return cursor.fetchall()
    finally:
        cursor.close()


def bulk_insert(session: Session, sql: str, rows: Iterable[tuple]) -> None:
    """``executemany`` through the driver's cursor, fed rows as they are made (no list
    of a million tuples first), with the cycle collector paused."""
    sql = driver_sql(session, sql)
    cursor = session.connection().connection.cursor()
    try:
        with collector_paused():
            cursor.executemany(sql, rows)
    finally:
        cursor.close()


def bulk_copy(session: Session, table: str, columns: tuple[str, ...],
              rows: Iterable[tuple]) -> None:
    """Many rows into ``table``: PostgreSQL's COPY on a server (several times faster than
    an INSERT a row), ``executemany`` on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        bulk_insert(session, f"INSERT INTO {table} ({', '.join(columns)}) "
                             f"VALUES ({', '.join('?' * len(columns))})", rows)
        return
    cursor = session.connection().connection.cursor()
    try:
        with collector_paused(), cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
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


# SQLSTATE classes and codes -> what to tell the person about a write the server refused
_SERVER_HINTS = (
    ("42501", "your database role may read this workspace but not change it. Ask the "
              "team's administrator for the analyst role if you should"),
    ("08", "the database server cannot be reached. Check the connection (VPN, server "
           "address) and try again"),
    ("57P", "the database server is shutting down or restarting. Try again in a moment"),
    ("53", "the database server is out of resources (disk, memory or connections). Tell "
           "the team's administrator"),
    ("40", "another analyst's change collided with this one. Try again"),
)


def server_error(exc: BaseException) -> DatabaseError | None:
    """A write the server refused, as a message a person can act on (by SQLSTATE); None
    for what is not the server's doing (constraint violations, bugs)."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None) or ""
    if not code and isinstance(exc, sa_exc.OperationalError):
        code = "08"  # no answer at all: the connection failed
    advice = next((a for prefix, a in _SERVER_HINTS if code.startswith(prefix)), None)
    if advice is None:
        return None
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return StorageError(f"Not saved: {advice}. Nothing was changed ({first}).")


def _is_storage_failure(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.OperationalError):
        return True
    return isinstance(orig, sqlite3.DatabaseError) and "malformed" in str(orig).lower()


def _sqlite_words(exc: BaseException) -> str:
    """What SQLite itself said (SQLAlchemy wraps it as ``orig``)."""
    return str(getattr(exc, "orig", None) or exc)


def _damaged_read(exc: BaseException) -> str:
    return ("This part of the workspace is damaged and cannot be read "
            f"({_sqlite_words(exc)}). What can be read is shown; restore "
            "a backup (File > Backups…, or thesis-desk restore) to get the rest back.")


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


def open_database_url(url: str) -> Database:
    """Open a workspace on a PostgreSQL server, creating or upgrading its schema (one
    transaction: all of it, or none)."""
    from thesis_desk.core import migrations

    engine = make_pg_engine(url)
    try:
        with engine.connect() as conn:
            current = conn.exec_driver_sql(
                "SELECT version_num FROM alembic_version"
            ).scalar() if conn.dialect.has_table(conn, "alembic_version") else None
    except sa_exc.OperationalError as exc:
        engine.dispose()
        raise DatabaseError(f"Cannot reach the database server at {redacted(url)}: "
                            f"{str(exc.orig).strip().splitlines()[0]}. Check the address, "
                            "the user and that the server is running.") from exc
    if current != migrations.HEAD:
        migrations.check_known(current)
        try:
            migrations.upgrade(engine)
        except MigrationError as exc:
            engine.dispose()
            if "permission denied" in str(exc) or "must be owner" in str(exc):
                raise MigrationError(
                    f"The team database at {redacted(url)} needs this version's schema "
                    f"({migrations.HEAD}, it has {current or 'none'}), and your role may not "
                    "change it. Ask the team's administrator to run: thesis-desk team init "
                    "--database ADMIN_URL") from exc
            raise
    with engine.connect() as conn:  # a reader's role may not write: the window says so
        can_write = bool(conn.exec_driver_sql(
            "SELECT has_table_privilege(current_user, 'thesis', 'INSERT')").scalar())
    return Database(path=None, engine=engine, url=url, read_only=not can_write)


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
