"""The whole data model, as SQLAlchemy 2 typed ORM classes.

Later features add behaviour (services), not tables: every table of the design is
here from the first migration. Times are naive UTC; dates are calendar dates.
Enumerated values are plain strings checked by the services (see ``enums``), which
keeps SQLite batch migrations simple.

Tags use one association table per tagged kind (thesis_tag, document_tag,
metric_tag) rather than one polymorphic ``tagging`` table: real foreign keys mean a
deleted thesis can never leave dangling tag rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from thesis_desk.core.timeutil import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _fk(target: str, ondelete: str = "CASCADE") -> ForeignKey:
    return ForeignKey(target, ondelete=ondelete)


thesis_instrument = Table(
    "thesis_instrument",
    Base.metadata,
    Column("thesis_id", Integer, _fk("thesis.id"), primary_key=True),
    Column("instrument_id", Integer, _fk("instrument.id"), primary_key=True),
)

thesis_tag = Table(
    "thesis_tag",
    Base.metadata,
    Column("thesis_id", Integer, _fk("thesis.id"), primary_key=True),
    Column("tag_id", Integer, _fk("tag.id"), primary_key=True),
)

document_tag = Table(
    "document_tag",
    Base.metadata,
    Column("document_id", Integer, _fk("document.id"), primary_key=True),
    Column("tag_id", Integer, _fk("tag.id"), primary_key=True),
)

metric_tag = Table(
    "metric_tag",
    Base.metadata,
    Column("metric_id", Integer, _fk("metric.id"), primary_key=True),
    Column("tag_id", Integer, _fk("tag.id"), primary_key=True),
)


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Instrument(Base):
    __tablename__ = "instrument"
    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    exchange: Mapped[str] = mapped_column(String(40), default="")
    currency: Mapped[str] = mapped_column(String(8), default="")
    kind: Mapped[str] = mapped_column(String(16), default="equity")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Thesis(Base):
    __tablename__ = "thesis"
    __table_args__ = (
        # the list's order, newest change first: start-up reads its first screen (0018)
        Index("ix_thesis_updated", "updated_at", "id"),
        {"sqlite_autoincrement": True},  # ids never reused (0005)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # one more with every change through the app; a save names the one it was made on
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    title: Mapped[str] = mapped_column(String(200))
    claim: Mapped[str] = mapped_column(Text, default="")
    narrative: Mapped[str] = mapped_column(Text, default="")
    direction: Mapped[str] = mapped_column(String(8), default="long")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    conviction: Mapped[int] = mapped_column(Integer, default=50)
    horizon: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Set when a kill criterion fires; cleared by the person.
    flagged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # the analyst's database role on a server (its default, migration 0010); "" locally
    author: Mapped[str] = mapped_column(String(63), server_default="")
    # "team" (everyone on a team server sees it) or "private" (its author only; 0015)
    visibility: Mapped[str] = mapped_column(String(8), default="team", server_default="team")
    # How it ended (right / wrong / mixed), set when it is closed; cleared on reopening.
    outcome: Mapped[str | None] = mapped_column(String(8))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    postmortem_happened: Mapped[str] = mapped_column(Text, default="", server_default="")
    postmortem_missed: Mapped[str] = mapped_column(Text, default="", server_default="")
    postmortem_again: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The positions' blended return on ``closed_on``, as a fraction (None: no positions).
    realised_return: Mapped[float | None] = mapped_column(Float)
    # Days between reviews (None: the default of its status, see enums.REVIEW_DAYS).
    review_days: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    instruments: Mapped[list[Instrument]] = relationship(
        secondary=thesis_instrument, order_by=Instrument.symbol
    )
    tags: Mapped[list[Tag]] = relationship(secondary=thesis_tag, order_by=Tag.name)
    pillars: Mapped[list[Pillar]] = relationship(
        back_populates="thesis",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Pillar.position, Pillar.id",
    )


class Pillar(Base):
    __tablename__ = "pillar"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused (0005)
    id: Mapped[int] = mapped_column(primary_key=True)
    # one more with every change through the app; a save names the one it was made on
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    thesis_id: Mapped[int] = mapped_column(_fk("thesis.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="pillar")
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="intact")
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    thesis: Mapped[Thesis] = relationship(back_populates="pillars")


class Document(Base):
    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(400))
    publisher: Mapped[str] = mapped_column(String(200), default="", index=True)
    author: Mapped[str] = mapped_column(String(200), default="")
    published_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    url: Mapped[str] = mapped_column(String(2000), default="")
    kind: Mapped[str] = mapped_column(String(16), default="text")
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of ``text`` as UTF-8, taken at import: `check` finds bytes altered since
    text_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # Character offset where each PDF page starts in ``text`` (None for other kinds).
    page_offsets: Mapped[list[int] | None] = mapped_column(JSON)
    original_name: Mapped[str] = mapped_column(String(400), default="")
    original_path: Mapped[str] = mapped_column(String(1000), default="")
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # what turned the file into ``text``: "pdfium" for PDFs now; "pypdf" for one kept
    # from before 0017 because a quote on it could not be placed in PDFium's text
    extractor: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # what a re-extraction did, for the person (the reader and `documents show` say it)
    extraction_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the e-mail an attachment came with (no reference constraint: see migration 0017)
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)

    tags: Mapped[list[Tag]] = relationship(secondary=document_tag, order_by=Tag.name)


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused (0005)
    id: Mapped[int] = mapped_column(primary_key=True)
    # one more with every change through the app; a save names the one it was made on
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    thesis_id: Mapped[int] = mapped_column(_fk("thesis.id"), index=True)
    pillar_id: Mapped[int | None] = mapped_column(_fk("pillar.id", "SET NULL"), index=True)
    document_id: Mapped[int | None] = mapped_column(
        _fk("document.id", "RESTRICT"), index=True
    )
    quote: Mapped[str] = mapped_column(Text)
    start_offset: Mapped[int | None] = mapped_column(Integer)
    end_offset: Mapped[int | None] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    # Free-text source for evidence that has no document.
    source_text: Mapped[str] = mapped_column(String(1000), default="")
    stance: Mapped[str] = mapped_column(String(16), default="supports")
    weight: Mapped[int] = mapped_column(Integer, default=2)
    note: Mapped[str] = mapped_column(Text, default="")
    observed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # the analyst's database role on a server (its default, migration 0010); "" locally
    author: Mapped[str] = mapped_column(String(63), server_default="")


class Metric(Base):
    __tablename__ = "metric"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    unit: Mapped[str] = mapped_column(String(40), default="")
    frequency: Mapped[str] = mapped_column(String(16), default="irregular")
    # "generic" or "price" (an instrument's price series).
    kind: Mapped[str] = mapped_column(String(16), default="generic")
    instrument_id: Mapped[int | None] = mapped_column(
        _fk("instrument.id", "SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    tags: Mapped[list[Tag]] = relationship(secondary=metric_tag, order_by=Tag.name)


class Observation(Base):
    __tablename__ = "observation"
    __table_args__ = (
        UniqueConstraint("metric_id", "date", name="uq_observation_metric_date"),
        # the few observations citing evidence, by metric (a chart's evidence marks);
        # partial on the local file only, as migration 0004 builds it (a postgresql_where
        # here would also import SQLAlchemy's PostgreSQL dialect at every start: 60 ms)
        Index("ix_observation_metric_evidence", "metric_id", "evidence_id",
              sqlite_where=text("evidence_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(_fk("metric.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(_fk("document.id", "SET NULL"))
    evidence_id: Mapped[int | None] = mapped_column(_fk("evidence.id", "SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # the analyst's database role on a server (its default, migration 0010); "" locally
    author: Mapped[str] = mapped_column(String(63), server_default="")


class ThesisMetric(Base):
    __tablename__ = "thesis_metric"
    thesis_id: Mapped[int] = mapped_column(_fk("thesis.id"), primary_key=True)
    metric_id: Mapped[int] = mapped_column(_fk("metric.id"), primary_key=True)
    expected_direction: Mapped[str] = mapped_column(String(8), default="none")


class AlertRule(Base):
    __tablename__ = "alert_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(_fk("metric.id"), index=True)
    # above / below / crosses / change_pct / zscore / stale
    kind: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[float | None] = mapped_column(Float)
    window: Mapped[int | None] = mapped_column(Integer)
    # "observations" or "days" for change_pct windows.
    window_unit: Mapped[str] = mapped_column(String(16), default="observations")
    hysteresis: Mapped[float] = mapped_column(Float, default=0.0)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pillar_id: Mapped[int | None] = mapped_column(_fk("pillar.id", "SET NULL"), index=True)
    # State the tied pillar takes when the rule fires: at_risk or broken.
    pillar_state_on_fire: Mapped[str] = mapped_column(String(16), default="broken")
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Edge detection: True while the condition holds; the rule re-arms when it clears.
    triggered: Mapped[bool] = mapped_column(Boolean, default=False)
    # The highest observation id judged (every observation up to it has been seen).
    last_observation_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Alert(Base):
    __tablename__ = "alert"
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(_fk("alert_rule.id"), index=True)
    fired_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    observation_id: Mapped[int | None] = mapped_column(_fk("observation.id", "SET NULL"))
    observed_on: Mapped[dt.date | None] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    # new / acknowledged / snoozed
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    snoozed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # raised late: by an observation older than the newest its rule had seen
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)


class JournalEntry(Base):
    __tablename__ = "journal_entry"
    __table_args__ = (Index("ix_journal_thesis_at", "thesis_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    thesis_id: Mapped[int] = mapped_column(_fk("thesis.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # created / edited / conviction / status / pillar_state / pillar / evidence /
    # alert / archived / note / outcome (closed or reopened) / review
    kind: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(40), default="")
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    pillar_id: Mapped[int | None] = mapped_column(_fk("pillar.id", "SET NULL"))
    evidence_id: Mapped[int | None] = mapped_column(_fk("evidence.id", "SET NULL"))
    alert_id: Mapped[int | None] = mapped_column(_fk("alert.id", "SET NULL"))
    # the analyst's database role on a server (its default, migration 0010); "" locally
    author: Mapped[str] = mapped_column(String(63), server_default="")


class InboxFile(Base):
    """A file the inbox folder has seen, imported or refused: each is taken once."""

    __tablename__ = "inbox_file"
    __table_args__ = (UniqueConstraint("folder", "name", "size", "mtime_ns"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    folder: Mapped[str] = mapped_column(String(1000))
    name: Mapped[str] = mapped_column(String(400))
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # ImportResult.status
    message: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(_fk("document.id", "SET NULL"))
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Dismissal(Base):
    """A suggested passage a person said does not bear on a pillar: not suggested again."""

    __tablename__ = "suggestion_dismissal"
    __table_args__ = (UniqueConstraint("pillar_id", "document_id", "start_offset"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pillar_id: Mapped[int] = mapped_column(_fk("pillar.id"), index=True)
    document_id: Mapped[int] = mapped_column(_fk("document.id"))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SeriesPack(Base):
    """A metric's whole series (observation ids, days, values, in date order) packed as
    arrays, so judging a history reads one row instead of thousands (``core/packs.py``).
    Kept on the local file only; any write to the metric's observations replaces or
    removes it in the same transaction."""

    __tablename__ = "series_pack"
    metric_id: Mapped[int] = mapped_column(_fk("metric.id"), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    ids: Mapped[bytes] = mapped_column(LargeBinary)
    days: Mapped[bytes] = mapped_column(LargeBinary)
    vals: Mapped[bytes] = mapped_column(LargeBinary)


class OriginalFile(Base):
    """An imported file's bytes on a team server, shared by every document with its hash
    (a local workspace keeps them as files under originals/)."""

    __tablename__ = "original_file"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Comment(Base):
    """A discussion thread's entry on a thesis, or on one of its evidence items."""

    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    thesis_id: Mapped[int] = mapped_column(_fk("thesis.id"), index=True)
    evidence_id: Mapped[int | None] = mapped_column(_fk("evidence.id"))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(63), server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Position(Base):
    __tablename__ = "position"
    id: Mapped[int] = mapped_column(primary_key=True)
    thesis_id: Mapped[int] = mapped_column(_fk("thesis.id"), index=True)
    instrument_id: Mapped[int] = mapped_column(_fk("instrument.id", "RESTRICT"), index=True)
    side: Mapped[str] = mapped_column(String(8), default="long")
    quantity: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float | None] = mapped_column(Float)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    entry_price: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(8), default="")
    exit_date: Mapped[dt.date | None] = mapped_column(Date)
    exit_price: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
