"""The document library: import, keep originals by hash, edit metadata, full-text search.

Files are imported in batches, one transaction each: a refused file is refused before
anything of it is written, so it leaves nothing behind and never costs the others.
Originals are written to a temporary name and renamed, so a crash never leaves half a
file under a hash name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import contextlib
import logging
import os
import re
import time
from typing import Any
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from thesis_desk.core.db import Database, bulk_rows, dialect_sql
from thesis_desk.core.errors import NotFoundError, UserError, ValidationError
from thesis_desk.core.extract import Extracted
from thesis_desk.core.import_worker import Prepared, Refused, prepare, prepare_all, watch_parent
from thesis_desk.core.models import Document, Evidence, OriginalFile
from thesis_desk.core.records import (
    HIT_END,
    HIT_START,
    DocumentInfo,
    DocumentMeta,
    DocumentText,
    ImportResult,
    SearchHit,
    citation,
)
from thesis_desk.core.snapshot import as_date, as_datetime
from thesis_desk.core.timeutil import utcnow

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # done, total, current file name
Cancelled = Callable[[], bool]


# What document_info reads: listing documents never needs to load their text.
DOCUMENT_INFO_COLUMNS = (Document.id, Document.title, Document.publisher, Document.author,
                         Document.published_on, Document.url, Document.kind, Document.sha256,
                         Document.original_name, Document.size_bytes, Document.imported_at,
                         Document.page_offsets, Document.parent_id)


def document_info(d: Document) -> DocumentInfo:
    return DocumentInfo(
        id=d.id, title=d.title, publisher=d.publisher, author=d.author,
        published_on=d.published_on, url=d.url, kind=d.kind, sha256=d.sha256,
        original_name=d.original_name, size_bytes=d.size_bytes, imported_at=d.imported_at,
        pages=len(d.page_offsets or ()), parent_id=d.parent_id,
    )


SNIPPET_SCAN = 2_000_000  # characters of a document searched for its snippet
SNIPPET_CONTEXT = 70  # characters shown either side of the chosen passage


def make_snippet(text: str, words: Sequence[str]) -> str:
    """The passage with the most query words (``_best_match``), every query word in it
    marked (HIT_START ... HIT_END). The work is bounded by SNIPPET_MATCHES, not by how
    often a word occurs, and a 50 MB line is read once at most."""
    if not words:
        return ""
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                         re.IGNORECASE)
    m = _best_match(pattern, text, {w.casefold() for w in words})
    if m is None:  # a title match, or a spelling FTS5 folds (diacritics): the opening
        return " ".join(text[:2 * SNIPPET_CONTEXT].split()) + ("…" if len(text) > 140 else "")
    start = max(0, m[0] - SNIPPET_CONTEXT)
    end = min(len(text), m[1] + SNIPPET_CONTEXT)
    # whole words at the edges
    if start > 0:
        space = text.find(" ", start, m[0])
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", m[1], end)
        end = space if space >= 0 else end
    window = " ".join(text[start:end].split())
    marked = pattern.sub(lambda x: f"{HIT_START}{x.group(0)}{HIT_END}", window)
    return ("…" if start > 0 else "") + marked + ("…" if end < len(text) else "")


SNIPPET_MATCHES = 5000  # matches weighed for the best passage: bounded work per document


def _best_match(pattern: re.Pattern[str], text: str, wanted: set[str],
                ) -> tuple[int, int] | None:
    """Where the passage with the most distinct query words starts and ends (the first
    such, within SNIPPET_CONTEXT characters), weighing at most SNIPPET_MATCHES matches and
    stopping at the first passage that has every word."""
    window: deque[tuple[int, int, str]] = deque()
    best: tuple[int, int, int] | None = None  # (distinct words, start, end)
    for n, m in enumerate(pattern.finditer(text)):
        window.append((m.start(), m.end(), m.group(0).casefold()))
        while window[0][0] < m.start() - SNIPPET_CONTEXT:
            window.popleft()
        distinct = len({w for _s, _e, w in window} & wanted)
        if best is None or distinct > best[0]:
            best = (distinct, window[0][0], m.end())
            if distinct == len(wanted):
                break
        if n >= SNIPPET_MATCHES:
            break
    return None if best is None else (best[1], best[2])


@contextmanager
def _interruptible(s: Session, cancelled: Cancelled | None) -> Iterator[Callable[[], bool]]:
    """While inside, SQLite asks ``cancelled`` every few thousand steps and stops the
    statement (OperationalError "interrupted") once it says yes."""
    if cancelled is None or s.get_bind().dialect.name != "sqlite":
        yield cancelled or (lambda: False)  # a server's search is asked after it ran
        return
    raw = s.connection().connection.dbapi_connection
    raw.set_progress_handler(lambda: 1 if cancelled() else 0, 20_000)
    try:
        yield cancelled
    finally:
        raw.set_progress_handler(None, 0)


def fts_query(user_query: str) -> str:
    """A person's query as a safe FTS5 expression: every word quoted, all required.

    Quotes, ``*``, ``-``, ``:`` and parentheses are searched as words, never parsed
    as FTS syntax, so no query can raise.
    """
    return " ".join('"' + w.replace('"', '""') + '"' for w in query_words(user_query))


def query_words(user_query: str) -> list[str]:
    """The words a query is made of: what FTS5 is asked for and what a snippet marks."""
    return re.findall(r"\w+", user_query)


class LibraryService:
    def __init__(self, db: Database, originals_dir: Path):
        self.db = db
        self.originals_dir = originals_dir
        self._originals_str = str(originals_dir)

    # -- import

    def import_file(self, path: Path, meta: DocumentMeta | None = None) -> ImportResult:
        """Import one file; never raises for a bad file, the result says what happened."""
        if meta is not None:
            errors = meta.validate()
            if errors:
                raise ValidationError(errors)
        prepared = prepare(Path(path), self._originals_str)
        with self.db.write() as s:
            return _record(_Writer(s, self._originals_str), prepared, meta)

    def import_files(self, paths: Iterable[Path], progress: Progress | None = None,
                     cancelled: Cancelled | None = None,
                     batch_seconds: float = 0.5) -> list[ImportResult]:
        """Import many files, committing in batches of about ``batch_seconds``.

        A bad file is refused before anything of it is written, so it costs only
        itself. A result says "imported" only once its batch has committed; if a batch
        fails as a whole (disk full), it and the files after it are reported as not
        imported and the import stops, leaving every earlier batch in place.

        From PROCESS_MIN_FILES files on, two helper processes read, hash and extract the
        files and keep their originals while this one inserts (2,500-3,200 documents a
        second on tmpfs against ~2,000 with threads, which the interpreter lock held
        back); a file's original is on disk before its row is written.
        """
        paths = [p if isinstance(p, Path) else Path(p) for p in paths]
        results: list[ImportResult] = []
        source = (_prepared_in_process(paths, self._originals_str)
                  if len(paths) >= PROCESS_MIN_FILES
                  else (prepare(p, self._originals_str) for p in paths))
        i = 0
        try:
            while i < len(paths) and not (cancelled is not None and cancelled()):
                batch: list[ImportResult] = []
                kept: list[str] = []  # originals this batch wrote: gone if it rolls back
                began = time.monotonic()
                try:
                    with self.db.write() as s:
                        writer = _Writer(s, self._originals_str)
                        while i < len(paths) and (
                                not batch or time.monotonic() - began < batch_seconds):
                            if cancelled is not None and cancelled():
                                break
                            if progress is not None:
                                progress(i, len(paths), paths[i].name)
                            item = next(source)
                            kept += _written(item)
                            batch.append(_record(writer, item, None))
                            i += 1
                except Exception as exc:  # the batch was rolled back whole
                    log.error("import batch failed: %s", exc)
                    self._forget_originals(kept)  # "nothing was changed" must be true
                    why = (f"not imported: the import helper process stopped ({exc})"
                           if isinstance(exc, BrokenProcessPool) else
                           f"not imported: {exc}" if isinstance(exc, UserError) else
                           f"not imported: the database refused the batch ({exc})")
                    results += [r if r.status != "imported" else
                                ImportResult(r.path, "refused", f"{Path(r.path).name}: {why}")
                                for r in batch]
                    results += [ImportResult(str(p), "refused", f"{p.name}: {why}")
                                for p in paths[i:]]
                    return results
                results += batch
        finally:
            source.close()  # a helper process stops with what it has in hand
        if progress is not None:
            progress(len(results), len(paths), "")
        return results

    def _forget_originals(self, rels: Sequence[str]) -> None:
        """Remove originals a rolled-back batch had kept (no row refers to them)."""
        for rel in rels:
            with contextlib.suppress(OSError):
                (self.originals_dir / rel).unlink()

    def original_path(self, document_id: int) -> Path:
        with self.db.read() as s:
            d = _get(s, document_id)
            return self.originals_dir / d.original_path

    # -- reading

    def original(self, document_id: int) -> Path:
        """The document's original file on this machine, to open: the kept copy, else
        (a team server) fetched from the database into the originals folder once."""
        with self.db.read() as s:
            d = _get(s, document_id)
            path = self.originals_dir / d.original_path if d.original_path else None
            if path is not None and path.is_file():
                return path
            data = (s.scalar(select(OriginalFile.data).where(OriginalFile.sha256 == d.sha256))
                    if self.db.is_server else None)
            title = d.title
        if path is None or data is None:
            raise NotFoundError(f"The original file of “{title}” is not on this machine"
                                + ("" if self.db.is_server else
                                   " (a backup of the workspace has it)") + ".")
        from thesis_desk.core.import_worker import keep_original

        keep_original(str(self.originals_dir), str(path.relative_to(self.originals_dir)),
                      data)
        return path

    def check_originals(self, *, hashes: bool = True) -> tuple[list[str], list[str]]:
        """(missing, damaged): documents whose kept original is gone, or (``hashes``)
        no longer has the SHA-256 it was imported with. Neither is fatal: the text that
        evidence quotes is in the database. On a team server the originals are the
        database's: a document without one there is missing."""
        missing: list[str] = []
        damaged: list[str] = []
        if self.db.is_server:
            with self.db.read() as s:
                rows = s.execute(
                    select(Document.id, Document.title, Document.original_path)
                    .outerjoin(OriginalFile, OriginalFile.sha256 == Document.sha256)
                    .where(OriginalFile.sha256.is_(None))).all()
            return [f"document {i} “{t}”: original file not in the team database ({r})"
                    for i, t, r in rows], []
        with self.db.read() as s:
            rows = s.execute(select(Document.id, Document.title, Document.sha256,
                                    Document.original_path)).all()
        for doc_id, title, digest, rel in rows:
            path = self.originals_dir / rel if rel else None
            if path is None or not path.is_file():
                missing.append(f"document {doc_id} “{title}”: original file missing ({rel})")
                continue
            if hashes:
                h = hashlib.sha256()
                with open(path, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                if h.hexdigest() != digest:
                    damaged.append(f"document {doc_id} “{title}”: original file changed "
                                   f"since import (SHA-256 differs) ({rel})")
        return missing, damaged

    def check_texts(self) -> list[str]:
        """Documents whose stored text no longer has the SHA-256 taken at import (bytes
        changed inside the database, which SQLite's own check does not see). Read as
        bytes: altered text may no longer even be UTF-8."""
        damaged = []
        with self.db.read() as s:
            for doc_id, title, digest, blob in bulk_rows(
                    s, "SELECT id, title, text_sha256, TEXTBYTES(text) FROM document", ()):
                if digest and hashlib.sha256(blob or b"").hexdigest() != digest:
                    damaged.append(f"document {doc_id} “{title}”: its stored text has changed "
                                   "since import (SHA-256 differs); restore a backup")
        return damaged

    def list(self, *, publisher: str = "", date_from: dt.date | None = None,
             date_to: dt.date | None = None, limit: int | None = None,
             offset: int = 0) -> list[DocumentInfo]:
        """Documents, newest first, a window of them when ``limit`` is given (the view
        pages through a large library rather than loading it whole). Plain SQL without
        the text: ORM objects for 20,000 rows took 0.7 s."""
        where, params = _doc_filters("", publisher, date_from, date_to)
        with self.db.read() as s:
            sql = (f"SELECT {_INFO_COLUMNS} FROM document WHERE "
                   f"{' AND '.join(['1 = 1', *where])} "
                   # NULLs sort lowest in SQLite, so undated documents come last, and the
                   # published_on index (rowid included) serves this order without a sort.
                   "ORDER BY published_on DESC, id DESC")
            if limit is not None:
                sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
            rows = s.execute(text(sql), params).all()
        return [_info_from_row(r) for r in rows]

    def choices(self) -> list[tuple[int, str]]:
        """Every document as (id, "title, publisher, date"), by title, for a picker: four
        plain columns (the whole list of 20,000 as DocumentInfo took 0.27 s)."""
        with self.db.read() as s:
            rows = bulk_rows(s, "SELECT id, title, publisher, published_on FROM document "
                                "ORDER BY lower(title), id")
        return [(i, citation(title, publisher, str(day or "")[:10]))
                for i, title, publisher, day in rows]

    def get(self, document_id: int) -> DocumentText:
        with self.db.read() as s:
            try:
                d = _get(s, document_id)
                parent = s.get(Document, d.parent_id) if d.parent_id else None
                children = s.scalars(select(Document).where(Document.parent_id == d.id)
                                     .order_by(Document.id)).all()
                return DocumentText(document_info(d), d.text,
                                    tuple(d.page_offsets) if d.page_offsets else None,
                                    extraction_note=d.extraction_note,
                                    parent=document_info(parent) if parent else None,
                                    attachments=tuple(document_info(c) for c in children))
            except OperationalError as exc:
                if "decode" not in str(exc).lower():
                    raise
                raise UserError(
                    f"The stored text of document {document_id} is damaged (it is no longer "
                    "readable text). Restore a backup (File > Backups…, or thesis-desk "
                    "restore); thesis-desk check lists every damaged document.") from exc

    def info(self, document_id: int) -> DocumentInfo:
        with self.db.read() as s:
            return document_info(_get(s, document_id))

    def publishers(self) -> list[str]:
        with self.db.read() as s:
            return list(s.scalars(select(Document.publisher).where(Document.publisher != "")
                                  .distinct().order_by(Document.publisher)))

    def count(self, *, publisher: str = "", date_from: dt.date | None = None,
              date_to: dt.date | None = None) -> int:
        where, params = _doc_filters("", publisher, date_from, date_to)
        with self.db.read() as s:
            return s.execute(text("SELECT count(*) FROM document WHERE "
                                  + " AND ".join(["1 = 1", *where])), params).scalar_one()

    def resolve(self, ref: str) -> int:
        text_ = str(ref).strip()
        with self.db.read() as s:
            if text_.isdigit() and s.get(Document, int(text_)) is not None:
                return int(text_)
            ids = s.scalars(select(Document.id).where(Document.title == text_)).all()
        if len(ids) == 1:
            return ids[0]
        raise NotFoundError(f"No single document has the id or exact title '{text_}'.")

    # -- search

    def search(self, query: str, *, publisher: str = "", date_from: dt.date | None = None,
               date_to: dt.date | None = None, limit: int = 50,
               cancelled: Cancelled | None = None) -> list[SearchHit]:
        """Ranked (bm25) full-text search over titles and text, with snippets.

        Ranked and cut first, snippets made after for the few kept: FTS5's snippet()
        ran for every match before the LIMIT, and within a document its work grew with
        the square of a word's occurrences (a word 120,000 times in one document took
        almost seven minutes). ``cancelled`` is asked every few thousand steps of SQLite's
        work, so a superseded search stops (it returns no hits)."""
        expr = fts_query(query)
        if not expr:
            return []
        filters, params = _doc_filters("d.", publisher, date_from, date_to)
        if self.db.is_server:  # the generated tsvector (0009): every word required
            where = ["d.search @@ q", *filters]
            params.update(q=" ".join(query_words(query)), limit=limit)
            sql = ("SELECT d.id, -ts_rank(d.search, q) AS r FROM document d, "
                   "websearch_to_tsquery('english', :q) q WHERE " + " AND ".join(where)
                   + " ORDER BY r, d.id LIMIT :limit")
        else:
            # Rank and cut in FTS5 alone, then fetch the few documents kept: joining (or
            # a subquery, which SQLite then runs 10x slower) cost far more than the search.
            where = ["document_fts MATCH :q", *filters]
            params.update(q=expr, limit=limit)
            sql = (
                "SELECT document_fts.rowid, bm25(document_fts, 5.0, 1.0) AS r FROM document_fts "
                + ("JOIN document d ON d.id = document_fts.rowid " if len(where) > 1 else "")
                + "WHERE " + " AND ".join(where) + " ORDER BY r LIMIT :limit"
            )
        with self.db.read() as s, _interruptible(s, cancelled) as stopped:
            try:
                hits = s.execute(text(sql), params).all()
                if not hits or stopped():  # superseded while it ranked: no snippets
                    return []
                ids = ",".join(str(int(h[0])) for h in hits)
                # each kept document's details and the head of its text, in one read
                docs = {r[0]: r for r in s.execute(text(
                    f"SELECT {_INFO_COLUMNS}, substr(text, 1, {SNIPPET_SCAN}) FROM document "
                    f"WHERE id IN ({ids})"))}
            except OperationalError:
                if stopped():
                    return []
                raise
        # The same bounded snippet maker on a team server: ts_headline over the kept
        # documents made search 2.3x the raw tsvector query (p95 72 ms against 31 ms,
        # benchmarks/team.py), past the 1.5x the server's search is held to.
        words = query_words(query)
        return [SearchHit(_info_from_row(docs[i][:-1]), make_snippet(docs[i][-1] or "", words),
                          rank) for i, rank in hits]

    # -- writing

    def update_meta(self, document_id: int, meta: DocumentMeta) -> DocumentInfo:
        errors = meta.validate()
        if errors:
            raise ValidationError(errors)
        with self.db.write() as s:
            d = _get(s, document_id)
            d.title, d.publisher, d.author = meta.title.strip(), meta.publisher.strip(), meta.author.strip()
            d.published_on, d.url = meta.published_on, meta.url.strip()
            s.flush()
            return document_info(d)

    def delete(self, document_id: int) -> None:
        """Remove a document that no evidence quotes (the original file stays on disk)."""
        with self.db.write() as s:
            d = _get(s, document_id)
            used = s.scalar(select(func.count()).select_from(Evidence)
                            .where(Evidence.document_id == document_id))
            if used:
                raise UserError(f"“{d.title}” is quoted by {used} evidence "
                                f"{'item' if used == 1 else 'items'}; delete those first.")
            # its attachments stay, as documents of their own (no reference constraint)
            s.execute(Document.__table__.update().where(Document.parent_id == document_id)
                      .values(parent_id=None))
            s.delete(d)


def _doc_filters(prefix: str, publisher: str, date_from: dt.date | None,
                 date_to: dt.date | None) -> tuple[list[str], dict[str, object]]:
    """SQL conditions (and their parameters) for the library's publisher/date filters."""
    where: list[str] = []
    params: dict[str, object] = {}
    if publisher:
        where.append(f"{prefix}publisher = :publisher")
        params["publisher"] = publisher
    if date_from:
        where.append(f"{prefix}published_on >= :date_from")
        params["date_from"] = date_from.isoformat()
    if date_to:
        where.append(f"{prefix}published_on <= :date_to")
        params["date_to"] = date_to.isoformat()
    return where, params


_INFO_COLUMNS = ("id, title, publisher, author, published_on, url, kind, sha256, original_name, "
                 "size_bytes, imported_at, coalesce(json_array_length(page_offsets), 0), "
                 "parent_id")


PROCESS_MIN_FILES = 400  # fewer: the helper process's start (~0.3 s) costs more than it saves
_CHUNK = 32  # files per task handed to the helper process
_WORKERS = 2  # on this disk two overlap their file I/O (3.6x raw against 4.8-5.7x with one)
_AHEAD = 4  # chunks in flight: bounds the memory held by prepared texts


def _prepared_in_process(paths: list[Path], originals: str) -> Generator[Prepared | Refused]:
    """Prepared files in order, from helper processes (spawned: no fork of a process
    that runs Qt threads)."""
    import multiprocessing

    pool = ProcessPoolExecutor(max_workers=_WORKERS, initializer=watch_parent,
                               mp_context=multiprocessing.get_context("spawn"))
    try:
        chunks = [paths[i:i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
        pending = deque(pool.submit(prepare_all, c, originals) for c in chunks[:_AHEAD])
        for n in range(len(chunks)):
            done = pending.popleft().result()
            if n + _AHEAD < len(chunks):
                pending.append(pool.submit(prepare_all, chunks[n + _AHEAD], originals))
            yield from done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _written(item: Prepared | Refused) -> list[str]:
    """The originals a prepared file (and its attachments) wrote now."""
    if not isinstance(item, Prepared):
        return []
    return ([item.rel] if item.wrote else []) + [r for a in item.attachments for r in _written(a)]


def _record(w: _Writer, item: Prepared | Refused, meta: DocumentMeta | None,
            parent_id: int | None = None) -> ImportResult:
    """A prepared file into the library (in the caller's transaction), or why not; an
    e-mail's attachments after it, linked to it."""
    if isinstance(item, Refused):
        return ImportResult(str(item.path), "refused", item.message)
    name = item.path.name
    # Through the write transaction: it sees this batch's earlier rows too.
    existing = w.by_hash(item.digest)
    if existing is not None:
        written = os.path.normcase(os.path.normpath(os.path.join(w.originals, item.rel)))
        kept = os.path.normcase(os.path.normpath(
            os.path.join(w.originals, w.original_path(existing.id))))
        if item.wrote and written != kept:
            # the same bytes under another suffix: the copy made for it belongs to nobody
            with contextlib.suppress(OSError):
                os.remove(written)
        if parent_id is not None and existing.parent_id is None:
            w.link(existing.id, parent_id)  # the same attachment first imported on its own
        return ImportResult(str(item.path), "duplicate", f"{name}: already in the "
                            f"library as “{existing.title}”.", existing)
    doc = item.doc
    if meta is not None:
        _apply_meta(doc, meta)
    values = dict(
        title=doc.title, publisher=doc.publisher, author=doc.author,
        published_on=doc.published_on, url=doc.url, kind=doc.kind, sha256=item.digest,
        text=doc.text, text_sha256=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
        page_offsets=doc.page_offsets, original_name=name,
        original_path=item.rel, size_bytes=item.size, imported_at=utcnow(),
        extractor="pdfium" if doc.kind == "pdf" else "", parent_id=parent_id,
    )
    new_id = w.insert(values)
    w.keep_original(item.digest, item.rel)
    info = DocumentInfo(
        id=new_id, title=doc.title, publisher=doc.publisher, author=doc.author,
        published_on=doc.published_on, url=doc.url, kind=doc.kind, sha256=item.digest,
        original_name=name, size_bytes=item.size, imported_at=values["imported_at"],
        pages=len(doc.page_offsets or ()), parent_id=parent_id)
    attached = tuple(_record(w, a, None, new_id) for a in item.attachments)
    note = " ".join(doc.notes)
    if attached:
        taken = [Path(a.path).name for a in attached if a.status != "refused"]
        note = (f"With {len(taken)} attachment{'' if len(taken) == 1 else 's'}"
                + (f" ({', '.join(taken)})" if taken else "") + ". "
                + " ".join(a.message for a in attached if a.status == "refused") + " " + note)
    return ImportResult(str(item.path), "imported", f"{name}: imported. {note}".strip(), info,
                        attached)


class _Writer:
    """Document rows written through the driver's cursor of a write transaction.

    A document is three statements (hash check, row, search row). Through SQLAlchemy's
    execute each cost ~0.1 ms of Python around ~0.05 ms of SQLite, more than the
    insert itself; the values still go through the columns' own SQLAlchemy type
    processors, so they are stored exactly as an ORM insert would store them.
    The search row is inserted here, not by a trigger (see migration 0003).
    """

    _COLUMNS = ("title", "publisher", "author", "published_on", "url", "kind", "sha256",
                "text", "text_sha256", "page_offsets", "original_name", "original_path",
                "size_bytes", "imported_at", "extractor", "parent_id")
    _INSERT = (f"INSERT INTO document ({', '.join(_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(_COLUMNS))})")

    def __init__(self, s: Session, originals: str):
        self.originals = originals
        dialect = s.get_bind().dialect
        self.server = dialect.name == "postgresql"
        self.sql = lambda q: dialect_sql(dialect.name, q)  # noqa: E731
        self.binders = [Document.__table__.c[c].type.bind_processor(dialect)
                        for c in self._COLUMNS]
        self.cursor = s.connection().connection.cursor()

    def _one(self, sql: str, args: tuple) -> Any:
        self.cursor.execute(self.sql(sql), args)
        return self.cursor.fetchone()

    def by_hash(self, digest: str) -> DocumentInfo | None:
        row = self._one(f"SELECT {_INFO_COLUMNS} FROM document WHERE sha256 = ?", (digest,))
        return _info_from_row(row) if row is not None else None

    def original_path(self, document_id: int) -> str:
        row = self._one("SELECT original_path FROM document WHERE id = ?", (document_id,))
        return str(row[0]) if row else ""

    def keep_original(self, digest: str, rel: str) -> None:
        """On a server, the original's bytes go into the database too (once per hash),
        so every analyst can open it; locally the file under originals/ is the copy."""
        if not self.server:
            return
        with open(os.path.join(self.originals, rel), "rb") as fh:
            data = fh.read()
        self._execute("INSERT INTO original_file (sha256, data) VALUES (?, ?) "
                      "ON CONFLICT (sha256) DO NOTHING", (digest, data))

    def _execute(self, sql: str, args: tuple) -> None:
        self.cursor.execute(self.sql(sql), args)

    def link(self, document_id: int, parent_id: int) -> None:
        self._execute("UPDATE document SET parent_id = ? WHERE id = ?", (parent_id, document_id))

    def insert(self, values: dict[str, object]) -> int:
        params = [f(values[c]) if f is not None else values[c]
                  for c, f in zip(self._COLUMNS, self.binders, strict=True)]
        if self.server:  # the server keeps the search column itself (migration 0009)
            from psycopg.types.json import Json

            at = self._COLUMNS.index("page_offsets")
            if params[at] is not None:  # psycopg would send a list as an array
                params[at] = Json(params[at])
            return int(self._one(self._INSERT + " RETURNING id", tuple(params))[0])
        new_id = self.cursor.execute(self._INSERT, params).lastrowid
        self.cursor.execute("INSERT INTO document_fts(rowid, title, text) VALUES (?, ?, ?)",
                            (new_id, values["title"], values["text"]))
        return int(new_id)  # type: ignore[arg-type]


def _info_from_row(r: Sequence[object]) -> DocumentInfo:
    return DocumentInfo(
        id=r[0], title=r[1], publisher=r[2], author=r[3], published_on=as_date(r[4]),  # type: ignore[arg-type]
        url=r[5], kind=r[6], sha256=r[7], original_name=r[8], size_bytes=r[9],  # type: ignore[arg-type]
        imported_at=as_datetime(r[10]), pages=r[11], parent_id=r[12])  # type: ignore[arg-type]


def _apply_meta(doc: Extracted, meta: DocumentMeta) -> None:
    doc.title, doc.publisher, doc.author = meta.title, meta.publisher, meta.author
    doc.published_on, doc.url = meta.published_on, meta.url


def _get(s, document_id: int) -> Document:  # noqa: ANN001
    d = s.get(Document, document_id)
    if d is None:
        raise NotFoundError(f"Document {document_id} does not exist.")
    return d
