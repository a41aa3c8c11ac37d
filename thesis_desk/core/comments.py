"""A thesis's discussion: comments on the thesis and on its evidence items, each with its
author (an analyst's role on a team server) and time. Append-only: a comment is answered,
not rewritten."""

from __future__ import annotations

from sqlalchemy import select

from thesis_desk.core.db import Database
from thesis_desk.core.errors import NotFoundError, ValidationError
from thesis_desk.core.models import Comment, Evidence, Thesis
from thesis_desk.core.records import COMMENT_MAX, CommentInfo
from thesis_desk.core.timeutil import utcnow


class CommentService:
    def __init__(self, db: Database):
        self.db = db

    def add(self, thesis_id: int, body: str, *, evidence_id: int | None = None) -> CommentInfo:
        body = body.strip()
        if not body:
            raise ValidationError({"body": "Write the comment first."})
        if len(body) > COMMENT_MAX:
            raise ValidationError({"body": f"Keep a comment under {COMMENT_MAX:,} characters "
                                           "(several comments make a thread)."})
        with self.db.write() as s:
            if s.get(Thesis, thesis_id) is None:
                raise NotFoundError(f"Thesis {thesis_id} does not exist.")
            quote = ""
            if evidence_id is not None:
                ev = s.get(Evidence, evidence_id)
                if ev is None or ev.thesis_id != thesis_id:
                    raise ValidationError({"evidence_id": f"Evidence {evidence_id} is not one "
                                                          "of this thesis's items."})
                quote = ev.quote
            c = Comment(thesis_id=thesis_id, evidence_id=evidence_id, body=body,
                        created_at=utcnow())
            s.add(c)
            s.flush()
            return _info(c, quote)

    def for_thesis(self, thesis_id: int) -> list[CommentInfo]:
        """The thread, oldest first (with the quote of the item a comment is on)."""
        with self.db.read() as s:
            rows = s.execute(select(Comment, Evidence.quote)
                             .outerjoin(Evidence, Evidence.id == Comment.evidence_id)
                             .where(Comment.thesis_id == thesis_id)
                             .order_by(Comment.created_at, Comment.id)).all()
            return [_info(c, quote or "") for c, quote in rows]


def _info(c: Comment, quote: str) -> CommentInfo:
    return CommentInfo(c.id, c.thesis_id, c.evidence_id, quote, c.body, c.author or "",
                       c.created_at)
