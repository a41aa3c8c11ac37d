"""The open workspace as the window lives with it: opening (off the GUI thread, upgrade
and quick check included), a damaged file, read-only looks, backups and restores, and
the watch on other processes' writes; the window and the views listen to its signals.

Views take the session in their constructor and ask it for services when they need
them (``session.workspace.metrics``), so a restored workspace, reopened under them, is
the one they read next; nobody hands them services afterwards.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from thesis_desk.core.changes import RULE, Changes, of_fired
from thesis_desk.paths import WorkspacePaths
from thesis_desk.ui.ops import Reads
from thesis_desk.ui.tasks import TaskRunner
from thesis_desk.ui.widgets import plural

if TYPE_CHECKING:
    from thesis_desk.app import Workspace
    from thesis_desk.core.backups import BackupInfo, BackupService

log = logging.getLogger(__name__)

POLL_MS = 2000  # how often another process's writes are looked for
STALENESS_MS = 3600 * 1000  # how often "no new observation for N days" rules are judged


class SessionService:
    """A view's attribute giving the session's service of that name as the GUI calls it
    (on the edits worker), or None while no workspace is open: ``metrics =
    SessionService("metrics")`` in a view that has ``self.session``."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, view: Any, owner: type | None = None) -> Any:
        if view is None:
            return self
        return view.session.service(self.name)


class WorkspaceSession(QObject):
    """One workspace at a time; ``workspace`` is None until opened and after closing."""

    opened = Signal(object)  # Workspace: adopted (also after a restore)
    closing = Signal()  # about to close: stop using the services
    cannot_open = Signal(str)  # why the file could not be opened at all
    damaged = Signal(object)  # DamagedDatabaseError: the window offers restore or a look
    changed = Signal(object)  # Changes another process (or the alert watch) made
    alerts_fired = Signal(list)  # messages of alerts the watch raised
    message = Signal(str, int)  # a status-bar line and how long to show it (ms)
    failed = Signal(str, str)  # title and text of a background failure worth a box
    _noticed = Signal()  # a server said another connection changed something (any thread)

    def __init__(self, paths: WorkspacePaths, parent: QObject | None = None):
        super().__init__(parent)
        self.paths = paths
        self.workspace: Workspace | None = None
        self.tasks = TaskRunner(self)  # the one writer: imports, backups, checks
        self.missing_originals: list = []
        self._watch_reads = Reads(self)  # the aggregates other processes' writes move
        self._marks: dict = {}
        self._seen_version: int | None = None
        self._commits_backed_up = 0
        self._watch = QTimer(self)
        self._watch.timeout.connect(self.poll)
        self._listener: threading.Thread | None = None  # a server's change notices
        self._listening = threading.Event()  # cleared: the listener stops
        self._noticed.connect(self.poll, Qt.ConnectionType.QueuedConnection)
        self._stale = QTimer(self)
        self._stale.timeout.connect(self._check_alerts)

    def service(self, name: str) -> Any:
        """A service of the open workspace as the GUI calls it: each call on the edits
        worker (``ops.OnWorker``); None while none is open."""
        from thesis_desk.ui.ops import OnWorker

        ws = self.workspace
        return None if ws is None else OnWorker(getattr(ws, name))

    # -- opening

    @property
    def read_only(self) -> bool:
        return self.workspace is None or self.workspace.read_only

    def open_in_background(self, on_opened: Callable[[], None] | None = None) -> None:
        """Import the services and open the workspace on the worker (an upgrade and the
        quick check take seconds on a large file); adopt it here when done."""
        paths = self.paths

        def job(_p: object, _c: object) -> Workspace:
            from thesis_desk.app import open_workspace, settle_program

            ws = open_workspace(paths=paths)
            settle_program()  # else the GUI thread's first collection walks it all
            return ws

        def done(ws: Workspace) -> None:
            self.adopt(ws)
            if on_opened is not None:
                on_opened()

        self.tasks.run(job, on_done=done, on_error=self._open_failed, show_progress=False)

    def open(self, *, read_only: bool = False) -> bool:
        """Open here and now (after a restore, or a read-only look); False when refused
        (``cannot_open`` or ``damaged`` said why)."""
        from thesis_desk.app import open_workspace

        try:
            ws = open_workspace(paths=self.paths, read_only=read_only)
        except Exception as exc:  # noqa: BLE001 - classified and said by _open_failed
            self._open_failed(exc)
            return False
        self.adopt(ws)
        return True

    def _open_failed(self, exc: Exception) -> None:
        from thesis_desk.core.errors import DamagedDatabaseError, DatabaseError

        if isinstance(exc, DamagedDatabaseError):
            log.error("damaged workspace: %s", exc)
            self.damaged.emit(exc)
        elif isinstance(exc, DatabaseError):
            log.error("cannot open workspace: %s", exc)
            self.cannot_open.emit(str(exc))
        else:
            log.exception("opening the workspace failed", exc_info=exc)
            self.cannot_open.emit(f"The workspace could not be opened: {exc}")

    def adopt(self, ws: Workspace, *, watch: bool = True) -> None:
        """Take an open workspace; a writable one is also watched, backed up once a day
        and checked for missing originals (all off the GUI thread) unless ``watch`` is
        False (a test's or a benchmark's workspace, opened elsewhere)."""
        self.workspace = ws
        self._commits_backed_up = ws.db.commits
        self.opened.emit(ws)
        if (ws.read_only and not ws.db.is_server) or not watch:
            return  # (a team's reader still sees the others' changes arrive)
        self.start_watching()
        if not ws.db.is_server:  # a server is backed up by its administrator
            self._daily_backup(ws)
        self._report_missing_originals(ws)

    def _report_missing_originals(self, ws: Workspace) -> None:
        """Say so when kept originals are gone (not fatal: the text is in the database)."""

        def done(result: tuple) -> None:
            self.missing_originals = missing = result[0]
            if missing:
                gone = plural(len(missing), "imported original file is",
                              "imported original files are")
                self.message.emit(
                    f"{gone} missing; documents and evidence are intact. File > Check "
                    "Workspace… lists them; a backup restores them.", 20000)

        self.tasks.run(lambda _p, _c: ws.library.check_originals(hashes=False), on_done=done,
                       on_error=lambda e: None, show_progress=False)

    # -- backups

    def backup_service(self) -> BackupService:
        """Backups of this folder, whether or not its database opened."""
        from thesis_desk.core.backups import BackupService

        return BackupService.for_paths(self.paths)

    def _daily_backup(self, ws: Workspace) -> None:
        def job(_p: object, _c: object) -> Any:  # the folder scan too stays off the GUI thread
            return ws.backups.backup("daily") if ws.backups.due() else None

        self.tasks.run(job, on_done=lambda b: b is not None and self.message.emit(
                           f"Daily backup taken: {b.name}", 6000),
                       on_error=lambda e: self.failed.emit("Backup failed", str(e)),
                       show_progress=False)

    def back_up_now(self, on_done: Callable[[], None] | None = None, *,
                    parent: QWidget | None = None) -> None:
        ws = self.workspace
        if ws is None:
            return

        def done(b: Any) -> None:
            self.message.emit(f"Backed up to {b.path}", 8000)
            if on_done is not None:
                on_done()

        self.tasks.run(lambda _p, _c: ws.backups.backup("manual"), on_done=done,
                       on_error=lambda e: self.failed.emit("Backup failed", str(e)),
                       title="Backing up the workspace…", parent=parent)

    def restore(self, name: str) -> tuple[BackupInfo, BackupInfo]:
        """Close, restore backup ``name`` (the current state is backed up first), reopen;
        raises DatabaseError when the restore fails (the workspace is reopened as it was)."""
        from thesis_desk.core.errors import DatabaseError

        self.close()
        try:
            restored, safety = self.backup_service().restore(name)
        except DatabaseError:
            self.open()
            raise
        if self.open():
            self.changed.emit(Changes.outside())  # everything may differ
        return restored, safety

    # -- watching

    def start_watching(self) -> None:
        """Catch up on alert rules now (off the GUI thread), then keep watching: another
        process's writes (a CLI import or observation) show up without a restart, and
        staleness rules are checked every hour."""
        ws = self.workspace
        if ws is None:
            return
        if not ws.db.is_server:  # a server's version is its marks, read on the worker
            self._seen_version = ws.db.data_version()
        self._watch_reads.query("marks", ws.db.change_marks,
                                lambda m: setattr(self, "_marks", m))
        self._check_alerts()
        self._watch.start(POLL_MS)
        self._stale.start(STALENESS_MS)
        if ws.db.is_server and self._listener is None:
            # another analyst's change shows at once, not at the next poll
            self._listening.set()
            db = ws.db
            self._listener = threading.Thread(
                target=db.listen, name="change-notices", daemon=True,
                args=(lambda _table: self._noticed.emit(),
                      lambda: not self._listening.is_set()))
            self._listener.start()

    def _check_alerts(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        self.tasks.run(lambda _p, _c: ws.alerts.check_all(), on_done=self._alerts_checked,
                       on_error=lambda e: self.message.emit(f"Alert check failed: {e}", 10000),
                       show_progress=False)

    def _alerts_checked(self, fired: list) -> None:
        if fired:
            self.changed.emit(of_fired({t for a in fired for t in a.thesis_ids},
                                       {a.metric_id for a in fired}))
            self.alerts_fired.emit([a.message for a in fired])
        else:
            self.changed.emit(Changes.of(RULE))  # rules' state may have moved

    def poll(self) -> None:
        """Say what another process changed: the cheap version number says that something
        did; the aggregates, read on a worker, say what."""
        ws = self.workspace
        if ws is None:
            return
        if not ws.db.is_server:  # SQLite's version number: free to ask on this thread
            version = ws.db.data_version()
            if version == self._seen_version:
                return
            self._seen_version = version
        from thesis_desk.core.changes import outside_changes

        def compare(after: dict) -> None:
            before, self._marks = self._marks, after
            if ws.db.is_server and before == after:
                return  # a server is asked every time: most times nothing moved
            self.changed.emit(outside_changes(before, after))

        self._watch_reads.query("marks", ws.db.change_marks, compare)

    def mark_seen(self) -> None:
        """The views show this process's own writes: the poll need not report them."""
        ws = self.workspace
        if ws is None:
            return
        if ws.db.is_server:  # the marks as they are now, read on the worker
            self._watch_reads.query("marks", ws.db.change_marks,
                                    lambda m: setattr(self, "_marks", m))
        else:
            self._seen_version = ws.db.data_version()

    # -- closing

    def stop(self) -> None:
        """Stop watching and let running jobs finish (the window's own readers too)."""
        self._watch.stop()
        self._stale.stop()
        if self._listener is not None:
            self._listening.clear()
            self._listener.join(timeout=3)
            self._listener = None
        self.tasks.wait()

    def close(self, *, backup: bool = False) -> None:
        """Close the workspace; with ``backup``, take an "on-close" backup first when this
        session wrote anything (a failed backup never keeps the window open)."""
        self.stop()
        ws = self.workspace
        if ws is None:
            return
        self.closing.emit()
        from thesis_desk.ui.ops import drop_all

        drop_all(self.parent())  # the window's views' reads
        if (backup and not ws.read_only and not ws.db.is_server
                and ws.db.commits > self._commits_backed_up):
            self.message.emit("Backing up the workspace…", 0)
            try:
                ws.backups.backup("on-close")
            except Exception as exc:  # noqa: BLE001
                log.error("backup on close failed: %s", exc)
        ws.close()
        self.workspace = None
