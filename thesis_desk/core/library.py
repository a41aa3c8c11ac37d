"""The document library: import, keep originals by hash, edit metadata, full-text search.

Each file is imported in its own transaction: a failure in one file never loses the
others, and a refused file leaves nothing behind. Originals are written to a temporary
name and renamed, so a crash never leaves half a file under a hash name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from thesis_desk.core.db import Database
from thesis_desk.core.errors import NotFoundError, UserError, ValidationError
from thesis_desk.core.extract import MAX_FILE_BYTES, Extracted, ImportRefused, extract, kind_for
from thesis_desk.core.models import Document, Evidence
from thesis_desk.core.records import (
    HIT_END,
    HIT_START,
    DocumentInfo,
    DocumentMeta,
    DocumentText,
    ImportResult,
    SearchHit,
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
                         Document.page_offsets)


def document_info(d: Document) -> DocumentInfo:
    return DocumentInfo(
        id=d.id, title=d.title, publisher=d.publisher, author=d.author,
        published_on=d.published_on, url=d.url, kind=d.kind, sha256=d.sha256,
        original_name=d.original_name, size_bytes=d.size_bytes, imported_at=d.imported_at,
        pages=len(d.page_offsets or ()),
    )


def fts_query(user_query: str) -> str:
    """A person's query as a safe FTS5 expression: every word quoted, all required.

    Quotes, ``*``, ``-``, ``:`` and parentheses are searched as words, never parsed
    as FTS syntax, so no query can raise.
    """
    words = re.findall(r"\w+", user_query)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


# Built once: constructing a statement per document cost more than running it.
_BY_HASH = select(Document.id, Document.title).where(Document.sha256 == bindparam("digest"))
_INSERT = insert(Document)


class LibraryService:
    def __init__(self, db: Database, originals_dir: Path):
        self.db = db
        self.originals_dir = originals_dir
        self._made_dirs: set[Path] = set()

    # -- import

    def import_file(self, path: Path, meta: DocumentMeta | None = None) -> ImportResult:
        """Import one file; never raises for a bad file, the result says what happened."""
        if meta is not None:
            errors = meta.validate()
            if errors:
                raise ValidationError(errors)
        with self.db.write() as s:
            return self._import_one(s, Path(path), meta)

    def import_files(self, paths: Iterable[Path], progress: Progress | None = None,
                     cancelled: Cancelled | None = None,
                     batch_seconds: float = 0.5) -> list[ImportResult]:
        """Import many files, committing in batches of about ``batch_seconds``.

        A bad file is refused before anything of it is written, so it costs only
        itself. A result says "imported" only once its batch has committed; if a batch
        fails as a whole (disk full), it and the files after it are reported as not
        imported and the import stops, leaving every earlier batch in place.
        """
        paths = [Path(p) for p in paths]
        results: list[ImportResult] = []
        i = 0
        while i < len(paths) and not (cancelled is not None and cancelled()):
            batch: list[ImportResult] = []
            began = time.monotonic()
            try:
                with self.db.write() as s:
                    while i < len(paths) and (
                            not batch or time.monotonic() - began < batch_seconds):
                        if cancelled is not None and cancelled():
                            break
                        if progress is not None:
                            progress(i, len(paths), paths[i].name)
                        batch.append(self._import_one(s, paths[i], None))
                        i += 1
            except Exception as exc:  # the batch was rolled back whole
                log.exception("import batch failed")
                why = f"not imported: the database refused the batch ({exc})"
                results += [r if r.status != "imported" else
                            ImportResult(r.path, "refused", f"{Path(r.path).name}: {why}")
                            for r in batch]
                results += [ImportResult(str(p), "refused", f"{p.name}: {why}")
                            for p in paths[i:]]
                return results
            results += batch
        if progress is not None:
            progress(len(results), len(paths), "")
        return results

    def _import_one(self, s: Session, path: Path, meta: DocumentMeta | None) -> ImportResult:
        try:
            kind_for(path)  # refuse unsupported types before reading anything
            if not path.is_file():
                raise ImportRefused(f"{path.name}: no such file.")
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ImportRefused(
                    f"{path.name}: {size / 1e6:.0f} MB is larger than the "
                    f"{MAX_FILE_BYTES // (1024 * 1024)} MB a document may be; split it or "
                    "import the part you need.")
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            existing = s.execute(_BY_HASH, {"digest": digest}).first()
            if existing is not None:
                return ImportResult(str(path), "duplicate", f"{path.name}: already in the "
                                    f"library as “{existing.title}”.", self.info(existing.id))
            doc = extract(path, data)
            if meta is not None:
                _apply_meta(doc, meta)
            original = self._keep_original(digest, path.suffix.lower(), data)
        except ImportRefused as exc:
            return ImportResult(str(path), "refused", str(exc))
        except OSError as exc:
            return ImportResult(str(path), "refused",
                                f"{path.name}: cannot be read ({exc.strerror or exc}).")
        # A Core insert: an ORM object per document costs more than the insert itself.
        # No savepoint is needed: the write transaction (BEGIN IMMEDIATE) holds the write
        # lock, and the hash check above sees this batch's earlier rows too.
        values = dict(
            title=doc.title, publisher=doc.publisher, author=doc.author,
            published_on=doc.published_on, url=doc.url, kind=doc.kind, sha256=digest,
            text=doc.text, page_offsets=doc.page_offsets, original_name=path.name,
            original_path=str(original.relative_to(self.originals_dir)),
            size_bytes=size, imported_at=utcnow(),
        )
        new_id = s.connection().execute(_INSERT, values).inserted_primary_key[0]
        info = DocumentInfo(
            id=new_id, title=doc.title, publisher=doc.publisher, author=doc.author,
            published_on=doc.published_on, url=doc.url, kind=doc.kind, sha256=digest,
            original_name=path.name, size_bytes=size, imported_at=values["imported_at"],
            pages=len(doc.page_offsets or ()))
        note = " ".join(doc.notes)
        return ImportResult(str(path), "imported", f"{path.name}: imported. {note}".strip(),
                            info)

    def _keep_original(self, digest: str, suffix: str, data: bytes) -> Path:
        """Keep the file as imported, by hash. Written to a temporary name and renamed, so
        a crash never leaves half a file under a hash name. Not fsynced one by one (that
        cost 2 ms a file): the database holds the extracted text, which is what evidence
        quotes; `thesis-desk check` reports an original that is missing or damaged."""
        target = self.originals_dir / digest[:2] / f"{digest}{suffix}"
        if target.exists() and target.stat().st_size == len(data):
            return target
        if target.parent not in self._made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made_dirs.add(target.parent)
        tmp = target.with_name(target.name + f".part-{os.getpid()}")
        tmp.write_bytes(data)
        tmp.replace(target)
        return target

    def original_path(self, document_id: int) -> Path:
        with self.db.read() as s:
            d = _get(s, document_id)
            return self.originals_dir / d.original_path

    # -- reading

    def check_originals(self, *, hashes: bool = True) -> tuple[list[str], list[str]]:
        """(missing, damaged): documents whose kept original is gone, or (``hashes``)
        no longer has the SHA-256 it was imported with. Neither is fatal: the text that
        evidence quotes is in the database."""
        missing: list[str] = []
        damaged: list[str] = []
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

    def list(self, *, publisher: str = "", date_from: dt.date | None = None,
             date_to: dt.date | None = None, limit: int | None = None,
             offset: int = 0) -> list[DocumentInfo]:
        """Documents, newest first, a window of them when ``limit`` is given (the view
        pages through a large library rather than loading it whole). Plain SQL without
        the text: ORM objects for 20,000 rows took 0.7 s."""
        where, params = _doc_filters("", publisher, date_from, date_to)
        with self.db.read() as s:
            sql = (f"SELECT {_INFO_COLUMNS} FROM document WHERE {' AND '.join(['1', *where])} "
                   # NULLs sort lowest in SQLite, so undated documents come last, and the
                   # published_on index (rowid included) serves this order without a sort.
                   "ORDER BY published_on DESC, id DESC")
            if limit is not None:
                sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
            rows = s.execute(text(sql), params).all()
        return [_info_from_row(r) for r in rows]

    def get(self, document_id: int) -> DocumentText:
        with self.db.read() as s:
            d = _get(s, document_id)
            return DocumentText(document_info(d), d.text,
                                tuple(d.page_offsets) if d.page_offsets else None)

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
                                  + " AND ".join(["1", *where])), params).scalar_one()

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
               date_to: dt.date | None = None, limit: int = 50) -> list[SearchHit]:
        """Ranked (bm25) full-text search over titles and text, with snippets."""
        expr = fts_query(query)
        if not expr:
            return []
        # Rank and cut in FTS5 alone, then fetch the few documents kept: joining (or
        # a subquery, which SQLite then runs 10x slower) cost far more than the search.
        filters, params = _doc_filters("d.", publisher, date_from, date_to)
        where = ["document_fts MATCH :q", *filters]
        params.update(q=expr, limit=limit)
        sql = (
            "SELECT document_fts.rowid, bm25(document_fts, 5.0, 1.0) AS r, "
            f"snippet(document_fts, 1, '{HIT_START}', '{HIT_END}', '…', 14) FROM document_fts "
            + ("JOIN document d ON d.id = document_fts.rowid " if len(where) > 1 else "")
            + "WHERE " + " AND ".join(where) + " ORDER BY r LIMIT :limit"
        )
        with self.db.read() as s:
            hits = s.execute(text(sql), params).all()
            if not hits:
                return []
            ids = ",".join(str(int(h[0])) for h in hits)
            docs = {r[0]: r for r in s.execute(text(
                f"SELECT {_INFO_COLUMNS} FROM document WHERE id IN ({ids})"))}
        return [SearchHit(_info_from_row(docs[i]), snip, rank) for i, rank, snip in hits]

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
                raise UserError(f"“{d.title}” is quoted by {used} evidence item(s); delete "
                                "those first.")
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
                 "size_bytes, imported_at, coalesce(json_array_length(page_offsets), 0)")


def _info_from_row(r: Sequence[object]) -> DocumentInfo:
    return DocumentInfo(
        id=r[0], title=r[1], publisher=r[2], author=r[3], published_on=as_date(r[4]),  # type: ignore[arg-type]
        url=r[5], kind=r[6], sha256=r[7], original_name=r[8], size_bytes=r[9],  # type: ignore[arg-type]
        imported_at=as_datetime(r[10]), pages=r[11])  # type: ignore[arg-type]


def _apply_meta(doc: Extracted, meta: DocumentMeta) -> None:
    doc.title, doc.publisher, doc.author = meta.title, meta.publisher, meta.author
    doc.published_on, doc.url = meta.published_on, meta.url


def _get(s, document_id: int) -> Document:  # noqa: ANN001
    d = s.get(Document, document_id)
    if d is None:
        raise NotFoundError(f"Document {document_id} does not exist.")
    return d
