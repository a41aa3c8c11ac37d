"""An inbox folder: files that appear in it are imported into the library, each once.

A file is taken when it has stopped changing (its modification time at least
``SETTLE_SECONDS`` old, so a download or copy still being written is left for the next
look) and it has not been seen before under the same name, size and modification time.
Every file taken is remembered with what became of it (imported, already in the library,
refused and why), so a refusal is reported once, not at every look; a file saved again
(a new size or time) is a new arrival. Temporary and hidden files are not looked at.
Pure Python and SQLAlchemy: the window's timer and ``thesis-desk inbox`` both call it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from thesis_desk.core.db import Database
from thesis_desk.core.errors import UserError
from thesis_desk.core.library import LibraryService
from thesis_desk.core.models import InboxFile
from thesis_desk.core.records import ImportResult, InboxEntry
from thesis_desk.core.timeutil import utcnow

SETTLE_SECONDS = 2.0
# partial downloads and editors' lock files: never a document
_TEMPORARY = (".part", ".crdownload", ".download", ".tmp", ".temp", ".partial", ".swp")


def _candidate(name: str) -> bool:
    lower = name.lower()
    return not (name.startswith((".", "~$", "~")) or lower.endswith(_TEMPORARY))


class InboxService:
    def __init__(self, db: Database, library: LibraryService):
        self.db = db
        self.library = library

    @staticmethod
    def check_folder(folder: Path) -> Path:
        """The folder as it will be watched, or a UserError saying what is wrong."""
        path = Path(folder).expanduser()
        if not path.exists():
            raise UserError(f"The inbox folder {path} does not exist; create it or choose "
                            "another.")
        if not path.is_dir():
            raise UserError(f"{path} is a file, not a folder; choose the folder documents "
                            "are saved into.")
        if not os.access(path, os.R_OK | os.X_OK):
            raise UserError(f"The inbox folder {path} cannot be read (permissions).")
        return path.resolve()

    def _waiting(self, folder: Path, now: float) -> list[tuple[Path, int, int]]:
        """Files in the folder not yet taken and no longer changing, oldest first: (path,
        size, modification time in ns) as seen now."""
        with self.db.read() as s:
            seen = set(s.execute(select(InboxFile.name, InboxFile.size, InboxFile.mtime_ns)
                                 .where(InboxFile.folder == str(folder))).all())
        found = []
        with os.scandir(folder) as it:
            for entry in it:
                if not _candidate(entry.name):
                    continue
                try:
                    if not entry.is_file():
                        continue
                    st = entry.stat()
                except OSError:
                    continue
                if (entry.name, st.st_size, st.st_mtime_ns) in seen:
                    continue
                if now - st.st_mtime < SETTLE_SECONDS:
                    continue  # still being written: next time
                found.append((st.st_mtime_ns, entry.name, Path(entry.path), st.st_size))
        return [(p, size, mtime) for mtime, _n, p, size in sorted(found)]

    def take(self, folder: Path, *, progress: Callable[[int, int, str], None] | None = None,
             cancelled: Callable[[], bool] | None = None) -> list[ImportResult]:
        """Import what is waiting in the folder and remember each file taken."""
        folder = self.check_folder(folder)
        waiting = self._waiting(folder, time.time())
        if not waiting:
            return []
        stats = {p.name: (size, mtime) for p, size, mtime in waiting}
        results = self.library.import_files([p for p, _s, _m in waiting],
                                            progress=progress, cancelled=cancelled)
        with self.db.write() as s:
            known = set(s.execute(select(InboxFile.name, InboxFile.size, InboxFile.mtime_ns)
                                  .where(InboxFile.folder == str(folder))).all())
            for r in results:
                name = Path(r.path).name
                size, mtime = stats[name]
                if (name, size, mtime) in known:
                    continue  # another window took it at the same moment
                if r.status == "refused" and "not imported:" in r.message:
                    continue  # a batch the database refused: tried again next time
                s.add(InboxFile(folder=str(folder), name=name, size=size, mtime_ns=mtime,
                                status=r.status, message=r.message,
                                document_id=r.document.id if r.document else None,
                                seen_at=utcnow()))
        return results

    def recent(self, limit: int = 50) -> list[InboxEntry]:
        """What arrived last, newest first."""
        with self.db.read() as s:
            rows = s.scalars(select(InboxFile).order_by(InboxFile.seen_at.desc(),
                                                        InboxFile.id.desc()).limit(limit))
            return [InboxEntry(r.id, r.folder, r.name, r.status, r.message, r.document_id,
                               r.seen_at) for r in rows]
