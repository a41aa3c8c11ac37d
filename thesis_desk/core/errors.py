"""Errors a person can act on. Their message is shown as is, in the GUI and the CLI."""

from __future__ import annotations


class UserError(Exception):
    """Something the person asked for cannot be done; the message says why and what to do."""


class NotFoundError(UserError):
    pass


class ValidationError(UserError):
    """Input refused; ``errors`` maps a field name to the message shown beside that field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def raise_if(errors: dict[str, str]) -> None:
    """Refuse input that ``validate()`` found fault with: one rule for every service."""
    if errors:
        raise ValidationError(errors)


class ConflictError(UserError):
    """A step (an undo or redo) found its row changed or replaced by another writer since:
    it is refused, and nothing is written."""


def conflict(what: str) -> ConflictError:
    return ConflictError(
        f"{what} was changed or replaced by another window or program since this step was "
        "done, so the step is not applied and nothing was written. Edit it by hand if you "
        "still want the change.")


class EditConflict(ConflictError):
    """A save made on an older version of a row than the one stored: another analyst (or
    window) changed it since the form was opened. ``current`` is the row as it is now,
    so the form can take it as its new starting point and let the person save again."""

    def __init__(self, message: str, current: object):
        super().__init__(message)
        self.current = current


class DatabaseError(UserError):
    """The workspace's database cannot be opened or changed as asked."""


class UnreadableError(DatabaseError):
    """A read met a damaged page (a workspace looked at read-only after damage)."""


class NewerDatabaseError(DatabaseError):
    pass


class MigrationError(DatabaseError):
    pass


class StorageError(DatabaseError):
    """A write the disk or SQLite refused (full, read-only, I/O error); nothing was changed."""


class DamagedDatabaseError(DatabaseError):
    """SQLite's quick check found the file damaged; it is left exactly as found."""

    def __init__(self, path: object, problems: list[str]):
        self.path = path
        self.problems = list(problems)
        super().__init__(
            f"The workspace database {path} is damaged: {problems[0]}. Nothing has been "
            "written to it. Restore the latest backup (File > Backups…, or `thesis-desk "
            "restore`), or open it read-only to look at what it still holds.")
