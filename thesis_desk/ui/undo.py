"""Undoable edits (Ctrl+Z within a session), each one a call to a service.

A command does its work *before* it is pushed (so a refused edit raises in the
form, where the message can be shown) and only replays on later redo. Undo and
redo go through the same services, so the journal records them too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from thesis_desk.core.errors import UserError
from thesis_desk.core.records import (
    CloseInput,
    EvidenceInfo,
    EvidenceInput,
    PillarInfo,
    PillarInput,
    ThesisDetail,
    ThesisInput,
)

if TYPE_CHECKING:
    from thesis_desk.core.theses import ThesisService

log = logging.getLogger(__name__)

Changed = Callable[[int | None], None]  # told which thesis changed (None: the list)
Report = Callable[[str], None]


def _why(prefix: str, reason: str) -> str:
    return f"{prefix}: {reason}" if reason else prefix


class ServiceCommand(QUndoCommand):
    """Runs ``_do``/``_undo``; reports a failure instead of letting it escape into Qt."""

    def __init__(self, text: str, service: ThesisService, changed: Changed, report: Report):
        super().__init__(text)
        self.service = service
        self.changed = changed
        self.report = report
        self._first = True

    def redo(self) -> None:
        if self._first:  # already done before push
            self._first = False
            return
        self._guarded(self._do)

    def undo(self) -> None:
        self._guarded(self._undo)

    def _guarded(self, fn: Callable[[], int | None]) -> None:
        try:
            self.changed(fn())
        except UserError as exc:
            log.warning("%s failed: %s", self.text(), exc)
            self.report(f"Could not {self.text().lower()}: {exc}")
            self.setObsolete(True)

    def _do(self) -> int | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _undo(self) -> int | None:  # pragma: no cover - abstract
        raise NotImplementedError


class CreateThesis(ServiceCommand):
    def __init__(self, data: ThesisInput, *args: object):
        super().__init__(f"Create thesis '{data.title}'", *args)  # type: ignore[arg-type]
        self.data = data
        made = self.service.create(data)
        self.thesis_id, self.made = made.id, made.to_input()

    def _do(self) -> int:
        made = self.service.create(self.data, reason="Redo", restore_id=self.thesis_id)
        self.thesis_id, self.made = made.id, made.to_input()
        return self.thesis_id

    def _undo(self) -> None:
        self.service.delete(self.thesis_id, expect=self.made)
        return None


class EditThesis(ServiceCommand):
    def __init__(self, thesis_id: int, before: ThesisInput, after: ThesisInput, reason: str,
                 *args: object, seen: ThesisDetail | None = None):
        super().__init__(f"Edit thesis '{after.title}'", *args)  # type: ignore[arg-type]
        self.thesis_id, self.before, self.after, self.reason = thesis_id, before, after, reason
        # what each step leaves there, as the service stored it: the next step expects it;
        # ``seen``: the version the form was opened on (a newer one refuses the save)
        self.after_seen = self.service.update(thesis_id, after, reason=reason,
                                              seen=seen).to_input()
        self.before_seen = before.normalized()

    def _do(self) -> int:
        self.after_seen = self.service.update(self.thesis_id, self.after,
                                              reason=_why("Redo", self.reason),
                                              expect=self.before_seen).to_input()
        return self.thesis_id

    def _undo(self) -> int:
        self.before_seen = self.service.update(self.thesis_id, self.before,
                                               reason=_why("Undo", self.reason),
                                               expect=self.after_seen).to_input()
        return self.thesis_id


class ArchiveThesis(ServiceCommand):
    def __init__(self, thesis_id: int, archived: bool, title: str, *args: object):
        verb = "Archive" if archived else "Restore"
        super().__init__(f"{verb} thesis '{title}'", *args)  # type: ignore[arg-type]
        self.thesis_id, self.archived = thesis_id, archived
        self.seen = self.service.set_archived(thesis_id, archived).to_input()

    def _do(self) -> int:
        self.service.set_archived(self.thesis_id, self.archived, reason="Redo", expect=self.seen)
        return self.thesis_id

    def _undo(self) -> int:
        self.service.set_archived(self.thesis_id, not self.archived, reason="Undo",
                                  expect=self.seen)
        return self.thesis_id


class CloseThesis(ServiceCommand):
    """``service`` here is the OutcomeService; undo reopens it as it was before."""

    def __init__(self, thesis_id: int, data: CloseInput, was_status: str, title: str,
                 *args: object):
        super().__init__(f"Close thesis '{title}'", *args)  # type: ignore[arg-type]
        self.thesis_id, self.data, self.was_status = thesis_id, data, was_status
        self.seen = self.service.close(thesis_id, data).to_input()  # type: ignore[attr-defined]

    def _do(self) -> int:
        self.seen = self.service.close(  # type: ignore[attr-defined]
            self.thesis_id, self.data, expect=self.seen).to_input()
        return self.thesis_id

    def _undo(self) -> int:
        self.seen = self.service.reopen(  # type: ignore[attr-defined]
            self.thesis_id, reason="Undo closing", status=self.was_status,
            expect=self.seen).to_input()
        return self.thesis_id


class ReopenThesis(ServiceCommand):
    """``service`` here is the OutcomeService; undo closes it again as it was."""

    def __init__(self, closed: ThesisDetail, reason: str, status: str, *args: object):
        super().__init__(f"Reopen thesis '{closed.title}'", *args)  # type: ignore[arg-type]
        self.thesis_id, self.reason, self.status = closed.id, reason, status
        self.closing = CloseInput(closed.outcome or "mixed",
                                  closed.closed_on or closed.updated_at.date(),
                                  closed.postmortem_happened, closed.postmortem_missed,
                                  closed.postmortem_again)
        self.seen = self.service.reopen(  # type: ignore[attr-defined]
            self.thesis_id, reason=reason, status=status).to_input()

    def _do(self) -> int:
        self.seen = self.service.reopen(  # type: ignore[attr-defined]
            self.thesis_id, reason=_why("Redo", self.reason), status=self.status,
            expect=self.seen).to_input()
        return self.thesis_id

    def _undo(self) -> int:
        self.seen = self.service.close(  # type: ignore[attr-defined]
            self.thesis_id, self.closing, expect=self.seen).to_input()
        return self.thesis_id


class AddPillar(ServiceCommand):
    def __init__(self, thesis_id: int, data: PillarInput, *args: object, reason: str = ""):
        super().__init__("Add pillar", *args)  # type: ignore[arg-type]
        self.thesis_id, self.data, self.reason = thesis_id, data, reason
        self.made = self.service.add_pillar(thesis_id, data, reason=reason)

    def _do(self) -> int:
        self.made = self.service.add_pillar(self.thesis_id, self.data,
                                            reason=_why("Redo", self.reason),
                                            restore_id=self.made.id)
        return self.thesis_id

    def _undo(self) -> int:
        self.service.delete_pillar(self.made.id, reason="Undo", expect=self.made)
        return self.thesis_id


class EditPillar(ServiceCommand):
    def __init__(self, before: PillarInfo, after: PillarInput, reason: str, *args: object):
        super().__init__("Edit pillar", *args)  # type: ignore[arg-type]
        self.before = before
        self.after, self.reason = after, reason
        self.after_seen = self.service.update_pillar(before.id, after, reason=reason,
                                                     seen=before)
        self.before_seen = before

    def _do(self) -> int:
        self.after_seen = self.service.update_pillar(
            self.before.id, self.after, reason=_why("Redo", self.reason), expect=self.before_seen)
        return self.before.thesis_id

    def _undo(self) -> int:
        b = self.before
        self.before_seen = self.service.update_pillar(
            b.id, PillarInput(kind=b.kind, text=b.text, state=b.state, due_date=b.due_date),
            reason=_why("Undo", self.reason), expect=self.after_seen,
        )
        return b.thesis_id


class DeletePillar(ServiceCommand):
    def __init__(self, pillar: PillarInfo, *args: object):
        super().__init__("Remove pillar", *args)  # type: ignore[arg-type]
        self.pillar = pillar
        self.service.delete_pillar(pillar.id, expect=pillar)

    def _do(self) -> int:
        self.service.delete_pillar(self.pillar.id, reason="Redo", expect=self.pillar)
        return self.pillar.thesis_id

    def _undo(self) -> int:
        p = self.pillar
        self.pillar = self.service.add_pillar(
            p.thesis_id, PillarInput(kind=p.kind, text=p.text, state=p.state, due_date=p.due_date),
            reason="Undo", restore_id=p.id,
        )
        return p.thesis_id


class AddEvidence(ServiceCommand):
    """``service`` here is the EvidenceService."""

    def __init__(self, data: EvidenceInput, *args: object):
        super().__init__("Add evidence", *args)  # type: ignore[arg-type]
        self.data = data
        self.made = self.service.add(data)  # type: ignore[attr-defined]

    def _do(self) -> int:
        self.made = self.service.add(  # type: ignore[attr-defined]
            self.data, restore_id=self.made.id)
        return self.data.thesis_id

    def _undo(self) -> int:
        self.service.delete(self.made.id, expect=self.made.to_input())  # type: ignore[attr-defined]
        return self.data.thesis_id


class EditEvidence(ServiceCommand):
    def __init__(self, before: EvidenceInfo, after: EvidenceInput, *args: object):
        super().__init__("Edit evidence", *args)  # type: ignore[arg-type]
        self.before, self.after = before, after
        done = self.service.update(before.id, after, seen=before)  # type: ignore[attr-defined]
        self.after_seen = done.to_input()
        self.before_seen = before.to_input()

    def _do(self) -> int:
        self.after_seen = self.service.update(  # type: ignore[attr-defined]
            self.before.id, self.after, expect=self.before_seen).to_input()
        return self.after.thesis_id

    def _undo(self) -> int:
        self.before_seen = self.service.update(  # type: ignore[attr-defined]
            self.before.id, self.before.to_input(), expect=self.after_seen).to_input()
        return self.before.thesis_id


class DeleteEvidence(ServiceCommand):
    def __init__(self, info: EvidenceInfo, *args: object):
        super().__init__("Delete evidence", *args)  # type: ignore[arg-type]
        self.info = info
        self.service.delete(info.id, expect=info.to_input())  # type: ignore[attr-defined]

    def _do(self) -> int:
        self.service.delete(self.info.id, expect=self.info.to_input())  # type: ignore[attr-defined]
        return self.info.thesis_id

    def _undo(self) -> int:
        self.info = self.service.add(  # type: ignore[attr-defined]
            self.info.to_input(), restore_id=self.info.id)
        return self.info.thesis_id
