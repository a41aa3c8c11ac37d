"""Rolling backups of a workspace: the database through SQLite's online backup API and
the imported originals, with thinning and restore.

A backup is one SQLite file in the backup dir, named by its UTC time and reason
(``backup-20261121T093000Z-daily.sqlite3``). Originals are content-addressed and never
change, so they go once into a shared store beside the backups (``originals/``, same
layout as the workspace's); each backup's own ``document`` table says which ones it
needs, and thinning removes the ones no kept backup needs. A backup appears under its
final name only once its database and its originals are complete.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from thesis_desk.core.db import (
    backup_file,
    check_integrity,
    copy_database,
    open_database,
    storage_advice,
)
from thesis_desk.core.errors import DatabaseError, UserError
from thesis_desk.core.gate import RestoreGate
from thesis_desk.core.timeutil import utcnow

log = logging.getLogger(__name__)

_NAME = re.compile(r"^backup-(\d{8}T\d{6})Z-([a-z-]+)\.sqlite3$")
# the copy open_database takes before upgrading a file (db.py names it)
_PRE_UPGRADE = re.compile(r"^pre-upgrade-[0-9a-z_]+-(\d{8}T\d{6})\.sqlite3$")
REASONS = ("manual", "daily", "on-close", "before-restore", "before-delete")
# What a person asked for, or took before undoing something: never thinned away, only
# deleted by the person (Backups dialog, `backups delete`).
KEPT_REASONS = frozenset({"manual", "before-restore", "before-delete"})
DAILY_AFTER = dt.timedelta(days=1)


@dataclass(frozen=True)
class BackupInfo:
    name: str
    path: Path
    created: dt.datetime  # UTC, naive
    reason: str
    size_bytes: int
    theses: int | None  # None when the file cannot be read (or was not counted)
    documents: int | None
    evidence: int | None


def _parse(name: str) -> tuple[dt.datetime, str] | None:
    m = _NAME.match(name)
    if m is not None:
        return dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S"), m.group(2)
    m = _PRE_UPGRADE.match(name)
    if m is not None:
        return dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S"), "pre-upgrade"
    return None


def _info(path: Path, *, counts: bool = True) -> BackupInfo | None:
    """The backup at ``path`` (None if it is not a complete backup's file)."""
    parsed = _parse(path.name)
    if parsed is None or not path.is_file():
        return None
    rows = _counts(path) if counts else (None, None, None)
    return BackupInfo(path.name, path, parsed[0], parsed[1], path.stat().st_size, *rows)


def _counts(path: Path) -> tuple[int | None, int | None, int | None]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[return-value]
                         for t in ("thesis", "document", "evidence"))
        finally:
            conn.close()
    except sqlite3.Error:
        return None, None, None


def _original_paths(db_file: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute(
            "SELECT original_path FROM document WHERE original_path != ''")]
    finally:
        conn.close()


def _copy_atomic(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + f".part-{os.getpid()}")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def _copy_originals(db_file: Path, source: Path, target: Path) -> list[str]:
    """Copy the originals ``db_file``'s library needs from ``source`` into ``target``
    where missing there; the ones ``source`` lacks too are returned."""
    missing = []
    for rel in _original_paths(db_file):
        if (target / rel).is_file():
            continue
        if (source / rel).is_file():
            _copy_atomic(source / rel, target / rel)
        else:
            missing.append(rel)
    return missing


def thinning_plan(backups: list[BackupInfo], now: dt.datetime) -> list[BackupInfo]:
    """The automatic backups to delete: keep the newest of each day for a week, of each
    ISO week for a month, of each month for half a year, and always the newest backup of
    all. Backups a person took (manual) or that were taken before a restore or a
    permanent delete are never thinned, and do not take an automatic one's place: a
    later daily on the same day does not push out the manual one, nor the other way."""
    keep: set[str] = {b.name for b in backups if b.reason in KEPT_REASONS}
    seen: set[tuple[str, object]] = set()
    ordered = sorted(backups, key=lambda b: b.created, reverse=True)
    if ordered:
        keep.add(ordered[0].name)
    for b in ordered:
        if b.reason in KEPT_REASONS:
            continue
        age = now - b.created
        if age <= dt.timedelta(days=7):
            bucket: tuple[str, object] = ("day", b.created.date())
        elif age <= dt.timedelta(days=35):
            bucket = ("week", tuple(b.created.isocalendar()[:2]))
        elif age <= dt.timedelta(days=183):
            bucket = ("month", (b.created.year, b.created.month))
        else:
            continue
        if bucket not in seen:
            seen.add(bucket)
            keep.add(b.name)
    return [b for b in ordered if b.name not in keep]


class BackupService:
    """Backups of one workspace's database file and originals folder. Needs no open
    ``Database``: restore must work when the workspace cannot be opened at all."""

    def __init__(self, db_path: Path, originals_dir: Path, backup_dir: Path):
        self.db_path = db_path
        self.originals_dir = originals_dir
        self.backup_dir = backup_dir

    @classmethod
    def for_paths(cls, paths: object) -> "BackupService":  # paths: WorkspacePaths
        return cls(paths.database, paths.originals_dir, paths.backup_dir)  # type: ignore[attr-defined]

    @property
    def store(self) -> Path:
        return self.backup_dir / "originals"

    # -- listing

    def _scan(self, *, counts: bool) -> list[BackupInfo]:
        """Complete backups, newest first; ``counts`` opens each file to count its rows
        (for showing them), which thinning and the daily check do not need."""
        if not self.backup_dir.is_dir():
            return []
        found = (_info(p, counts=counts) for p in self.backup_dir.iterdir())
        return sorted((b for b in found if b is not None), key=lambda b: b.created,
                      reverse=True)

    def list(self) -> list[BackupInfo]:
        """Every complete backup with its counts, newest first."""
        return self._scan(counts=True)

    def latest_good(self) -> BackupInfo | None:
        """The newest backup that passes SQLite's quick check."""
        good = next((b for b in self._scan(counts=False) if not check_integrity(b.path)), None)
        return None if good is None else _info(good.path)

    def find(self, name_or_path: str) -> BackupInfo:
        """A backup by its file name (or path), as ``backups list`` prints it."""
        wanted = Path(name_or_path).name
        info = _info(self.backup_dir / wanted)
        if info is None:
            raise UserError(f"No backup called {wanted} in {self.backup_dir}; "
                            "thesis-desk backups list shows the ones there are.")
        return info

    def delete(self, name_or_path: str) -> BackupInfo:
        """Delete one backup (a person's choice), then originals no backup needs."""
        chosen = self.find(name_or_path)
        chosen.path.unlink(missing_ok=True)
        self._collect_originals()
        log.info("backup %s deleted", chosen.name)
        return chosen

    def due(self, now: dt.datetime | None = None) -> bool:
        """A daily backup is due: none yet, or the newest is older than a day."""
        backups = self._scan(counts=False)
        return not backups or (now or utcnow()) - backups[0].created >= DAILY_AFTER

    # -- making

    def backup(self, reason: str = "manual", *, now: dt.datetime | None = None,
               thin: bool = True) -> BackupInfo:
        """Take a backup now (the database and the originals it refers to)."""
        if reason not in REASONS:
            raise ValueError(reason)
        when = (now or utcnow()).replace(microsecond=0)
        # Two in one second: step on, so names never collide and order is by name too.
        while list(self.backup_dir.glob(f"backup-{when:%Y%m%dT%H%M%S}Z-*")):
            when += dt.timedelta(seconds=1)
        name = f"backup-{when:%Y%m%dT%H%M%S}Z-{reason}.sqlite3"
        final = self.backup_dir / name
        staging = self.backup_dir / f".{name}.staging"
        try:
            backup_file(self.db_path, staging)
            missing = _copy_originals(staging, self.originals_dir, self.store)
            if missing:
                log.warning("%d originals are missing; the backup goes without them: %s",
                            len(missing), ", ".join(missing[:5]))
            os.replace(staging, final)
        except (OSError, sqlite3.Error) as exc:
            staging.unlink(missing_ok=True)
            advice = storage_advice(exc)
            if advice is not None:  # busy, read-only, damaged...: SQLite's words say which
                raise DatabaseError(f"No backup was taken: {advice}. Nothing in the workspace "
                                    f"has changed ({exc}).") from exc
            raise DatabaseError(
                f"The backup could not be written to {self.backup_dir} ({exc}). Nothing "
                "in the workspace has changed; free some space or check the folder's "
                "permissions and try again.") from exc
        log.info("backup %s written", final)
        if thin:
            self.thin(now=when)
        return _info(final)  # type: ignore[return-value]

    def thin(self, *, now: dt.datetime | None = None) -> list[str]:
        """Delete the backups the thinning plan drops, then originals no backup needs."""
        gone = []
        for b in thinning_plan(self._scan(counts=False), now or utcnow()):
            b.path.unlink(missing_ok=True)
            gone.append(b.name)
        if gone:
            self._collect_originals()
        return gone

    def _collect_originals(self) -> None:
        if not self.store.is_dir():
            return
        needed: set[str] = set()
        for b in self._scan(counts=False):
            try:
                needed.update(_original_paths(b.path))
            except sqlite3.Error:
                return  # cannot tell what an unreadable backup needs: delete nothing
        for f in self.store.rglob("*"):
            if f.is_file() and f.relative_to(self.store).as_posix() not in needed:
                f.unlink()

    # -- restoring

    def restore(self, name_or_path: str) -> tuple[BackupInfo, BackupInfo]:
        """Put a backup's contents into the workspace. The current state is backed up
        first (returned second), the backup is checked before anything is written, and
        the copy into the live database is one transaction: readers see the old or the
        new state, never a mix. Originals the restored library needs come back from the
        store. A backup from an older version is upgraded as the workspace reopens."""
        chosen = self.find(name_or_path)
        problems = check_integrity(chosen.path, quick=False)
        if problems:
            raise DatabaseError(f"{chosen.name} is damaged ({problems[0]}); choose another "
                                "backup. Nothing has been changed.")
        from thesis_desk.core import migrations
        from thesis_desk.core.snapshot import read_schema_revision

        migrations.check_known(read_schema_revision(chosen.path), None)
        gate = RestoreGate(self.db_path.parent)
        try:
            # No writer between the safety backup and the copy: a write committed there
            # would be in neither. Writers arriving meanwhile wait, or are told why.
            with gate.exclusive():
                if check_integrity(self.db_path):
                    safety = self._set_aside_damaged()
                    try:
                        backup_file(chosen.path, self.db_path)
                    except (OSError, sqlite3.Error) as exc:
                        raise DatabaseError(f"Restoring {chosen.name} failed ({exc}); the "
                                            f"damaged file is kept as {safety.name}.") from exc
                else:
                    safety = self.backup("before-restore", thin=False)
                    self._copy_into_live(chosen, safety)
        finally:
            gate.close()
        missing = _copy_originals(chosen.path, self.store, self.originals_dir)
        if missing:
            log.warning("restored %s without %d originals", chosen.name, len(missing))
        # An older backup is brought to the current schema now, not at the next start.
        open_database(self.db_path, self.backup_dir).close()
        return chosen, safety

    def _copy_into_live(self, chosen: BackupInfo, safety: BackupInfo) -> None:
        src = sqlite3.connect(f"file:{chosen.path}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(self.db_path, timeout=10)
            try:
                copy_database(src, dst)  # one step, one write transaction
            finally:
                dst.close()
        except sqlite3.Error as exc:
            raise DatabaseError(f"Restoring {chosen.name} failed ({exc}); the workspace is "
                                f"as it was, and its state is also in {safety.name}.") from exc
        finally:
            src.close()

    def _set_aside_damaged(self) -> BackupInfo:
        """Move a damaged database (and its WAL) aside, into the backup dir, kept as it
        was: it is never overwritten, and the person may still want something from it."""
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        name = f"damaged-{stamp}Z.sqlite3"
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            src = Path(f"{self.db_path}{suffix}")
            if src.exists():
                os.replace(src, self.backup_dir / f"{name}{suffix}")
        path = self.backup_dir / name
        return BackupInfo(name, path, utcnow(), "damaged", path.stat().st_size if
                          path.exists() else 0, None, None, None)
