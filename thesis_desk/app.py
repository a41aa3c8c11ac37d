"""The one wiring point: paths -> logging -> database -> services.

The CLI and the GUI both get a ``Workspace`` from here; nothing else builds services.
"""

from __future__ import annotations

import logging
import logging.handlers
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from thesis_desk.core.alerts import AlertService
from thesis_desk.core.backups import BackupService
from thesis_desk.core.comments import CommentService
from thesis_desk.core.db import Database, open_database, open_read_only
from thesis_desk.core.errors import DatabaseError
from thesis_desk.core.evidence import EvidenceService
from thesis_desk.core.library import LibraryService
from thesis_desk.core.metrics import MetricService
from thesis_desk.core.outcomes import OutcomeService
from thesis_desk.core.portfolio import PortfolioService
from thesis_desk.core.theses import ThesisService
from thesis_desk.paths import ENV_DATABASE, WorkspacePaths, resolve_paths

if TYPE_CHECKING:
    from thesis_desk.core.inbox import InboxService
    from thesis_desk.core.memo import MemoService
    from thesis_desk.core.suggest import SuggestionService

log = logging.getLogger("thesis_desk")


_settled: list[bool] = []


def settle_program() -> None:
    """Freeze (``gc.freeze``) what the program has loaded once its workspace is open:
    modules, classes and the services' 200,000 objects live as long as the program, so
    the cycle collector need not walk them again. Left young, a full collection walked
    them for 0.1 s while the window adopted the workspace, and 45-90 ms in the middle of
    a memo's export (which runs in a fresh process). Freezing collects nothing, so it is
    safe on any thread; once a process (a second workspace opened is not the program's)."""
    if _settled:
        return
    _settled.append(True)
    import gc

    gc.freeze()


def setup_logging(paths: WorkspacePaths, *, level: int = logging.INFO) -> None:
    """A rotating log file in the log dir (idempotent: safe to call twice)."""
    # A log write that fails (a full disk) must not print its traceback over the app's
    # own message: logging then drops the record, as production code should.
    logging.raiseExceptions = False
    root = logging.getLogger("thesis_desk")
    target = str(paths.log_file)
    for h in root.handlers:
        if isinstance(h, logging.handlers.RotatingFileHandler) and h.baseFilename == target:
            return
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=2_000_000, backupCount=5, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)


@dataclass
class Workspace:
    paths: WorkspacePaths
    db: Database

    @cached_property
    def theses(self) -> ThesisService:
        return ThesisService(self.db)

    @cached_property
    def comments(self) -> CommentService:
        return CommentService(self.db)

    @cached_property
    def outcomes(self) -> OutcomeService:
        return OutcomeService(self.db)

    @cached_property
    def library(self) -> LibraryService:
        return LibraryService(self.db, self.paths.originals_dir)

    @cached_property
    def evidence(self) -> EvidenceService:
        return EvidenceService(self.db)

    @cached_property
    def metrics(self) -> MetricService:
        return MetricService(self.db)

    @cached_property
    def alerts(self) -> AlertService:
        return AlertService(self.db)

    @cached_property
    def portfolio(self) -> PortfolioService:
        return PortfolioService(self.db, self.metrics)

    @cached_property
    def inbox(self) -> InboxService:
        from thesis_desk.core.inbox import InboxService  # not at start-up: few use it

        return InboxService(self.db, self.library)

    @cached_property
    def suggestions(self) -> SuggestionService:
        from thesis_desk.core.suggest import SuggestionService  # its stemmer: not at start-up

        return SuggestionService(self.db)

    @cached_property
    def memos(self) -> MemoService:
        from thesis_desk.core.memo import MemoService  # at the first memo (10 ms of start-up)

        return MemoService(self.theses, self.evidence, self.metrics, self.alerts,
                           self.portfolio, self.comments, self.library)

    @cached_property
    def backups(self) -> BackupService:
        return BackupService.for_paths(self.paths)

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    def delete_thesis_permanently(self, thesis_id: int) -> tuple[str, object | None]:
        """Delete a thesis for good, after a backup of kind "before-delete" (never thinned)
        that still holds it: no undo can bring it back, that backup can. Returns the
        thesis's title and the backup."""
        title = self.theses.get(thesis_id).title
        if self.db.is_server:  # the server's own backups hold it (its administrator's)
            self.theses.delete(thesis_id)
            log.info("thesis %s deleted for good from %s", thesis_id, self.db.where)
            return title, None
        safety = self.backups.backup("before-delete")
        self.theses.delete(thesis_id)
        log.info("thesis %s deleted for good; it is in %s", thesis_id, safety.name)
        return title, safety

    def is_empty(self) -> bool:
        """Nothing a person has put in: no thesis, document or metric (a workspace of
        imported metrics alone is not offered the demo, nor built into one by --demo)."""
        return (self.theses.counts()["theses"] == 0 and self.library.count() == 0
                and self.metrics.count() == 0)

    def close(self) -> None:
        self.db.close()


def open_workspace(data_dir: str | None = None, *, paths: WorkspacePaths | None = None,
                   read_only: bool = False, database: str | None = None) -> Workspace:
    """Open (creating or upgrading) the workspace; raises DatabaseError with a clear message
    (DamagedDatabaseError when SQLite's quick check fails: then nothing is written).
    ``read_only`` looks into an existing file without any check or write. ``database``
    (else $THESIS_DESK_DATABASE): a PostgreSQL server's URL instead of the folder's
    SQLite file; the folder still keeps this machine's logs, settings and originals."""
    import os

    paths = (paths or resolve_paths(data_dir)).ensure()
    setup_logging(paths)
    database = database if database is not None else os.environ.get(ENV_DATABASE, "")
    if database:
        from thesis_desk.core.db import open_database_url
        from thesis_desk.core.urls import is_database_url

        if not is_database_url(database):
            raise DatabaseError(f"'{database}' is not a database URL: give one like "
                                "postgresql+psycopg://analyst@db.example.com/research")
        db = open_database_url(database)
    elif read_only:
        db = open_read_only(paths.database)
    else:
        db = open_database(paths.database, paths.backup_dir)
    log.info("opened workspace %s", db.where)
    # SQLAlchemy sets up its mappers on the first query: 80 ms. Here, where the window
    # opens the workspace off the GUI thread, not in whichever view asks first.
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    return Workspace(paths=paths, db=db)
