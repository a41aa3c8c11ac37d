"""Data safety in the core: backups and restore, thinning, the workspace lock, integrity
on open, the full check, and writes the disk refuses."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from thesis_desk.app import open_workspace
from thesis_desk.core.backups import BackupInfo, thinning_plan
from thesis_desk.core.db import check_integrity
from thesis_desk.core.demo import build_demo
from thesis_desk.core.errors import DamagedDatabaseError, DatabaseError, StorageError
from thesis_desk.core.instance import WorkspaceLock, is_locked
from thesis_desk.core.integrity import check_workspace
from thesis_desk.core.records import ThesisInput
from thesis_desk.resources import seeds_dir


def _counts(path: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("thesis", "document", "evidence"))
    finally:
        conn.close()


@pytest.fixture
def demo_ws(workspace):
    build_demo(workspace, seeds_dir())
    return workspace


def test_backup_restore_round_trip_brings_back_rows_and_originals(demo_ws):
    ws = demo_ws
    before = _counts(ws.db.path)
    b = ws.backups.backup("manual")
    assert (b.theses, b.documents, b.evidence) == before
    assert b.path.is_file() and not list(b.path.parent.glob("*.part"))
    stored = list((ws.paths.backup_dir / "originals").rglob("*.*"))
    assert len(stored) == before[1]  # every original is in the store

    # Lose things: a thesis, all evidence, an original file.
    t = ws.theses.list()[0]
    ws.theses.delete(t.id)
    victim = next(ws.paths.originals_dir.rglob("*.*"))
    victim.unlink()
    assert _counts(ws.db.path) != before

    restored, safety = ws.backups.restore(b.name)
    assert restored.name == b.name and safety.reason == "before-restore"
    assert (safety.theses, safety.documents) == (before[0] - 1, before[1])
    assert _counts(ws.db.path) == before
    assert victim.is_file()
    assert check_workspace(ws).ok
    # The live database is still a WAL database the open services can use.
    conn = sqlite3.connect(ws.db.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert ws.theses.get(t.id).title == t.title


def test_restore_refuses_a_damaged_backup_and_changes_nothing(demo_ws):
    ws = demo_ws
    b = ws.backups.backup("manual")
    raw = bytearray(b.path.read_bytes())
    raw[4096 * 2: 4096 * 4] = b"\xff" * 8192  # trash two pages
    b.path.write_bytes(bytes(raw))
    before = _counts(ws.db.path)
    n = len(ws.backups.list())
    with pytest.raises(DatabaseError, match="damaged"):
        ws.backups.restore(b.name)
    assert _counts(ws.db.path) == before
    assert len(ws.backups.list()) == n  # not even a safety backup was needed


def test_restore_over_a_damaged_database_keeps_the_damaged_file_aside(demo_ws):
    from thesis_desk.core.backups import BackupService

    ws = demo_ws
    b = ws.backups.backup("manual")
    before = _counts(ws.db.path)
    paths = ws.paths
    ws.close()
    raw = bytearray(paths.database.read_bytes())
    raw[4096 * 3: 4096 * 6] = b"\x00\x13" * 6144
    paths.database.write_bytes(bytes(raw))
    with pytest.raises(DamagedDatabaseError):
        open_workspace(paths=paths)
    service = BackupService.for_paths(paths)
    assert service.latest_good().name == b.name
    restored, aside = service.restore(b.name)
    assert aside.reason == "damaged" and aside.path.read_bytes() == bytes(raw)
    ws2 = open_workspace(paths=paths)
    try:
        assert _counts(ws2.db.path) == before and check_workspace(ws2).ok
    finally:
        ws2.close()


def test_unknown_backup_name_says_where_to_look(workspace):
    with pytest.raises(DatabaseError.__mro__[1], match="backups list"):
        workspace.backups.find("backup-nope.sqlite3")


def _info(created: dt.datetime, reason: str = "daily") -> BackupInfo:
    name = f"backup-{created:%Y%m%dT%H%M%S}Z-{reason}.sqlite3"
    return BackupInfo(name, Path(name), created, reason, 0, 0, 0, 0)


def test_thinning_keeps_dailies_weeklies_monthlies():
    now = dt.datetime(2026, 11, 21, 12, 0)
    # Two backups a day (open and close) for a year.
    backups = [_info(now - dt.timedelta(days=d, hours=h)) for d in range(365) for h in (1, 9)]
    gone = {b.name for b in thinning_plan(backups, now)}
    kept = sorted((b for b in backups if b.name not in gone), key=lambda b: b.created)
    ages = [(now - b.created).days for b in kept]
    assert sum(a <= 7 for a in ages) in (7, 8)  # one per calendar day of the last week
    assert 3 <= sum(7 < a <= 35 for a in ages) <= 6  # about a month of weeklies
    assert 4 <= sum(35 < a <= 183 for a in ages) <= 7  # about half a year of monthlies
    assert max(ages) <= 183
    assert len(kept) < 25
    # Never the newest, and never a recent before-restore backup.
    newest = max(backups, key=lambda b: b.created)
    extra = _info(now - dt.timedelta(hours=2), "before-restore")
    gone = {b.name for b in thinning_plan(backups + [extra], now)}
    assert newest.name not in gone and extra.name not in gone
    assert thinning_plan([_info(now - dt.timedelta(days=900))], now) == []


def test_backup_thins_and_collects_unneeded_originals(demo_ws):
    ws = demo_ws
    now = dt.datetime(2026, 11, 21, 12, 0)
    old = ws.backups.backup("daily", now=now - dt.timedelta(days=400), thin=False)
    assert old.path.exists()
    ws.backups.backup("daily", now=now)
    names = [b.name for b in ws.backups.list()]
    assert old.name not in names and len(names) == 1
    # The kept backup still needs every original, so none was collected.
    assert len(list((ws.paths.backup_dir / "originals").rglob("*.*"))) == 5


def test_backup_due_after_a_day(workspace):
    now = dt.datetime(2026, 11, 21, 12, 0)
    assert workspace.backups.due(now)
    workspace.backups.backup("daily", now=now)
    assert not workspace.backups.due(now + dt.timedelta(hours=23))
    assert workspace.backups.due(now + dt.timedelta(hours=24))


def test_backup_failure_leaves_no_partial_backup(workspace, monkeypatch):
    import thesis_desk.core.backups as backups

    def boom(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "backup_file", boom)
    with pytest.raises(DatabaseError, match="No space left"):
        workspace.backups.backup("manual")
    assert workspace.backups.list() == []
    assert not [p for p in workspace.paths.backup_dir.iterdir() if p.is_file()]


def test_a_backup_of_a_workspace_held_busy_gives_up_with_a_message(workspace, monkeypatch):
    """SQLite's backup retries a busy database for ever (in C: not even a signal stops
    it); ours gives up after its timeout, says why, and leaves nothing behind."""
    import time

    import thesis_desk.core.db as db

    monkeypatch.setattr(db, "COPY_TIMEOUT_S", 0.5)
    workspace.theses.create(ThesisInput(title="Kept"))
    workspace.close()  # as the window backs up on closing, after its workspace has closed
    other = sqlite3.connect(workspace.paths.database, isolation_level=None)
    try:  # another program holding the file exclusively, readers included
        other.execute("PRAGMA locking_mode = EXCLUSIVE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE thesis SET title = title")
        other.execute("COMMIT")
        began = time.monotonic()
        with pytest.raises(DatabaseError, match="held the workspace busy"):
            workspace.backups.backup("manual")
        assert time.monotonic() - began < 5
    finally:
        other.close()
    assert not [p for p in workspace.paths.backup_dir.iterdir() if p.is_file()]
    assert workspace.backups.backup("manual").theses == 1  # and works once it is free


def test_damaged_database_is_refused_and_left_as_found(paths):
    ws = open_workspace(paths=paths)
    for i in range(300):
        ws.theses.create(ThesisInput(title=f"Thesis {i}", claim="x" * 500))
    ws.close()
    raw = bytearray(paths.database.read_bytes())
    raw[len(raw) // 2: len(raw) // 2 + 8192] = os.urandom(8192)
    paths.database.write_bytes(bytes(raw))
    damaged = paths.database.read_bytes()
    with pytest.raises(DamagedDatabaseError) as err:
        open_workspace(paths=paths)
    assert "damaged" in str(err.value) and "backup" in str(err.value)
    assert paths.database.read_bytes() == damaged  # never replaced, never written
    assert check_integrity(paths.database)


def test_read_only_look_reads_and_refuses_writes(paths):
    ws = open_workspace(paths=paths)
    ws.theses.create(ThesisInput(title="Kept", claim="c"))
    ws.close()
    ro = open_workspace(paths=paths, read_only=True)
    try:
        assert [t.title for t in ro.theses.list()] == ["Kept"]
        with pytest.raises(StorageError, match="read-only"):
            ro.theses.create(ThesisInput(title="New", claim="c"))
    finally:
        ro.close()


def test_a_refused_write_says_why_and_keeps_what_is_stored(workspace):
    workspace.theses.create(ThesisInput(title="Stored", claim="c"))
    from sqlalchemy import event

    def full_disk(_conn):  # what SQLite says when the disk fills at COMMIT
        raise sqlite3.OperationalError("database or disk is full")

    event.listen(workspace.db.engine, "commit", full_disk)
    with pytest.raises(StorageError, match="disk is full.*Nothing was changed"):
        workspace.theses.create(ThesisInput(title="Lost?", claim="c"))
    event.remove(workspace.db.engine, "commit", full_disk)
    assert [t.title for t in workspace.theses.list()] == ["Stored"]
    workspace.theses.create(ThesisInput(title="Later", claim="c"))  # and it keeps working
    assert len(workspace.theses.list()) == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_read_only_data_dir_gives_a_clear_message(workspace):
    workspace.theses.create(ThesisInput(title="Stored", claim="c"))
    d = workspace.paths.data_dir
    os.chmod(workspace.db.path, 0o444)
    try:
        with pytest.raises(StorageError, match="read-only"):
            workspace.theses.create(ThesisInput(title="New", claim="c"))
    finally:
        os.chmod(workspace.db.path, 0o644)
    assert [t.title for t in workspace.theses.list()] == ["Stored"]
    assert d.is_dir()


def test_check_finds_missing_and_changed_originals_and_moved_quotes(demo_ws):
    ws = demo_ws
    report = check_workspace(ws)
    assert report.ok and report.documents == 5 and report.evidence > 0
    files = sorted(ws.paths.originals_dir.rglob("*.*"))
    files[0].unlink()
    files[1].write_bytes(files[1].read_bytes() + b"tampered")
    eid = ws.evidence.for_thesis(ws.theses.list()[0].id)[0].id
    with ws.db.write() as s:  # simulate a damaged row (the service never allows it)
        s.connection().exec_driver_sql(
            f"UPDATE evidence SET start_offset = start_offset + 1 WHERE id = {eid}")
    report = check_workspace(ws)
    assert not report.ok
    assert len(report.missing_originals) == 1 and len(report.damaged_originals) == 1
    assert len(report.quotes) == 1 and f"evidence {eid}" in report.quotes[0]
    assert any("1 missing, 1 changed" in line for line in report.lines())


def test_lock_is_exclusive_and_dies_with_its_process(tmp_path):
    lock = WorkspaceLock(tmp_path)
    assert lock.acquire()
    assert is_locked(tmp_path)
    assert not WorkspaceLock(tmp_path).acquire()
    assert lock.holder_pid() == os.getpid()
    lock.release()
    assert not is_locked(tmp_path)

    # A holder killed with SIGKILL leaves the file behind but holds nothing.
    code = ("import sys, os, time; from thesis_desk.core.instance import WorkspaceLock;"
            f"l = WorkspaceLock({str(tmp_path)!r}); assert l.acquire();"
            "print('held', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        assert is_locked(tmp_path)
        child.kill()
        child.wait()
    finally:
        child.stdout.close()
    assert (tmp_path / "thesis-desk.lock").exists()
    taker = WorkspaceLock(tmp_path)
    assert taker.acquire()  # the stale lock is taken over
    assert taker.holder_pid() == os.getpid()
    taker.release()


def test_ids_are_never_reused_so_an_undo_gets_its_own_back(workspace):
    """A CLI add between a delete and its undo used to take the freed id (SQLite gave a
    new row the highest free one); ids now only grow, so the other writer gets a new id
    and the undo puts the row back under its own."""
    t = workspace.theses.create(ThesisInput(title="T", claim="c"))
    from thesis_desk.core.records import EvidenceInput

    gone = workspace.evidence.add(EvidenceInput(thesis_id=t.id, quote="first", source_text="s"))
    workspace.evidence.delete(gone.id)
    other = workspace.evidence.add(EvidenceInput(thesis_id=t.id, quote="cli", source_text="s"))
    assert other.id > gone.id  # not handed out again
    back = workspace.evidence.add(EvidenceInput(thesis_id=t.id, quote="first", source_text="s"),
                                  restore_id=gone.id)
    assert back.id == gone.id
    assert sorted(e.quote for e in workspace.evidence.for_thesis(t.id)) == ["cli", "first"]
    workspace.theses.delete(t.id)
    assert workspace.theses.create(ThesisInput(title="U")).id > t.id


def test_a_write_arriving_during_a_restore_waits_and_is_never_lost(workspace, monkeypatch):
    """Another writer commits just as the restore has taken its safety backup: the gate
    holds it until the restore is done, so it lands in the restored workspace instead of
    in neither (before the gate, that write was lost)."""
    import threading

    from thesis_desk.app import open_workspace
    from thesis_desk.core.backups import BackupService

    workspace.theses.create(ThesisInput("Before the backup"))
    chosen = workspace.backups.backup("manual")
    workspace.theses.create(ThesisInput("After the backup"))
    other = open_workspace(paths=workspace.paths)  # another writer, its own connections
    done: list[str] = []
    copy = BackupService._copy_into_live

    def copy_with_a_writer_arriving(self, chosen_, safety):  # noqa: ANN001, ANN202
        writer = threading.Thread(target=lambda: done.append(
            other.theses.create(ThesisInput("Written during the restore")).title))
        writer.start()
        writer.join(0.5)  # it would have committed by now, were it not held at the gate
        assert not done
        copy(self, chosen_, safety)
        self._writer = writer

    monkeypatch.setattr(BackupService, "_copy_into_live", copy_with_a_writer_arriving)
    service = BackupService.for_paths(workspace.paths)
    restored, safety = service.restore(chosen.name)
    service._writer.join(10)
    assert done == ["Written during the restore"]
    live = {t.title for t in workspace.theses.list()}
    assert live == {"Before the backup", "Written during the restore"}
    import sqlite3

    kept = {r[0] for r in sqlite3.connect(safety.path).execute("SELECT title FROM thesis")}
    assert kept == {"Before the backup", "After the backup"}
    other.close()


def test_manual_and_before_delete_backups_are_never_thinned(workspace):
    """A thesis backed up by hand, deleted for good, then a later backup the same day:
    the manual backup, and the before-delete one, stay; the thesis is recoverable."""
    import datetime as dt

    from thesis_desk.core.backups import BackupService, thinning_plan

    t = workspace.theses.create(ThesisInput("Keep me"))
    manual = workspace.backups.backup("manual")
    _title, before = workspace.delete_thesis_permanently(t.id)
    assert before.reason == "before-delete"
    workspace.backups.backup("on-close")
    workspace.backups.backup("manual")
    names = {b.name for b in workspace.backups.list()}
    assert {manual.name, before.name} <= names
    # and a year on, automatic ones thin away while these stay
    later = dt.datetime.now() + dt.timedelta(days=400)
    gone = {b.name for b in thinning_plan(BackupService.for_paths(workspace.paths).list(),
                                          later)}
    assert manual.name not in gone and before.name not in gone
    import sqlite3

    assert sqlite3.connect(before.path).execute(
        "SELECT title FROM thesis").fetchall() == [("Keep me",)]
    workspace.backups.delete(manual.name)  # only a person deletes them
    assert manual.name not in {b.name for b in workspace.backups.list()}


def test_bytes_altered_inside_a_stored_text_are_found_by_check(workspace, tmp_path):
    """integrity_check sees the file's structure, not a page's words: the stored text
    keeps its import hash, so check reports the document, reading it says what to do,
    and the evidence check says its document is damaged instead of crashing."""
    from thesis_desk.core.errors import UserError
    from thesis_desk.core.integrity import check_workspace
    from thesis_desk.core.records import EvidenceInput

    (tmp_path / "note.txt").write_text("Note\n\nCapex rose sharply this quarter.")
    [r] = workspace.library.import_files([tmp_path / "note.txt"])
    t = workspace.theses.create(ThesisInput("T"))
    workspace.evidence.add(EvidenceInput(t.id, "Capex rose sharply", document_id=r.document.id))
    assert check_workspace(workspace).ok
    conn = sqlite3.connect(workspace.paths.database)
    conn.execute("UPDATE document SET text = CAST(X'4361706578FF726F7365' AS TEXT)")
    conn.commit()
    conn.close()
    assert not check_integrity(workspace.paths.database, quick=False)  # SQLite sees nothing
    report = check_workspace(workspace)
    assert not report.ok
    assert report.texts and "stored text has changed since import" in report.texts[0]
    assert report.quotes == ["evidence 1: its document's stored text is damaged"]
    with pytest.raises(UserError, match="stored text of document 1 is damaged"):
        workspace.library.get(r.document.id)


def test_disk_full_during_an_import_leaves_no_orphan_original_and_no_traceback(
        workspace, tmp_path, monkeypatch, capfd):
    from thesis_desk.core import library

    files = []
    for i in range(3):
        files.append(tmp_path / f"note{i}.txt")
        files[-1].write_text(f"Note {i}\n\nSome text {i}.")
    calls = {"n": 0}
    real = library._Writer.insert

    def insert(self, values):  # noqa: ANN001, ANN202
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, values)

    monkeypatch.setattr(library._Writer, "insert", insert)
    results = workspace.library.import_files(files)
    assert [r.status for r in results] == ["refused"] * 3
    assert all("disk is full" in r.message for r in results)
    assert workspace.library.count() == 0
    kept = [p for p in workspace.paths.originals_dir.rglob("*") if p.is_file()]
    assert kept == []  # "nothing was changed" is true: no original left behind
    assert "Traceback" not in capfd.readouterr().err


def test_disk_full_during_the_pre_upgrade_backup_says_so_and_leaves_nothing(
        tmp_path, monkeypatch):
    from tests.helpers import database_at_revision
    from thesis_desk.core import db as dbmod
    from thesis_desk.core.db import open_database

    path = tmp_path / "old.sqlite3"
    database_at_revision(path, "0004")
    before = path.read_bytes()

    def full(source, target):  # noqa: ANN001, ANN202 - as SQLite stops when the disk fills
        target.execute("BEGIN")
        target.execute("CREATE TABLE half (x)")
        target.execute("INSERT INTO half VALUES (zeroblob(100000))")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(dbmod, "copy_database", full)
    with pytest.raises(StorageError, match="not upgraded.*disk is full.*Nothing was changed"):
        open_database(path, tmp_path / "backups")
    assert [p.name for p in (tmp_path / "backups").iterdir()] == []
    assert path.read_bytes() == before
