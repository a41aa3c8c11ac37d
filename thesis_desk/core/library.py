"""The document library: import, keep originals by hash, edit metadata, full-text search.

Files are imported in batches, one transaction each: a refused file is refused before
anything of it is written, so it leaves nothing behind and never costs the others.
Originals are written to a temporary name and renamed, so a crash never leaves half a
file under a hash name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
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
        path = Path(path)
        with self.db.write() as s:
            return self._import_one(_Writer(s), path, meta, lambda: _read_file(path), None)

    def import_files(self, paths: Iterable[Path], progress: Progress | None = None,
                     cancelled: Cancelled | None = None,
                     batch_seconds: float = 0.5) -> list[ImportResult]:
        """Import many files, committing in batches of about ``batch_seconds``.

        A bad file is refused before anything of it is written, so it costs only
        itself. A result says "imported" only once its batch has committed; if a batch
        fails as a whole (disk full), it and the files after it are reported as not
        imported and the import stops, leaving every earlier batch in place.

        Two helper threads read and hash the next files and write the kept originals
        while this thread extracts and inserts (file opens cost ~0.1 ms each here, more
        than the insert); a batch commits only after its originals are on disk.
        """
        paths = [p if isinstance(p, Path) else Path(p) for p in paths]
        results: list[ImportResult] = []
        i = 0
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="import-io") as pool:
            reads: dict[int, Future[list[_Read | Exception | None]]] = {}  # by chunk start
            while i < len(paths) and not (cancelled is not None and cancelled()):
                batch: list[ImportResult] = []
                writes: list[Future[None]] = []
                pending: list[tuple[str, bytes]] = []
                pending_bytes = 0
                began = time.monotonic()
                try:
                    with self.db.write() as s:
                        writer = _Writer(s)
                        while i < len(paths) and (
                                not batch or time.monotonic() - began < batch_seconds):
                            if cancelled is not None and cancelled():
                                break
                            if progress is not None:
                                progress(i, len(paths), paths[i].name)
                            chunk = i - i % _CHUNK
                            for c in (chunk, chunk + _CHUNK):  # this chunk and the next
                                if c < len(paths) and c not in reads:
                                    reads[c] = pool.submit(_read_files, paths[c:c + _CHUNK])
                            got = reads[chunk].result()[i - chunk]
                            if i - chunk == _CHUNK - 1 or i == len(paths) - 1:
                                del reads[chunk]
                            if got is None:  # past the chunk's byte budget: read it now
                                got = _read_files([paths[i]])[0]
                            held = len(pending)
                            batch.append(self._import_one(writer, paths[i], None,
                                                          _given(got), pending))
                            if len(pending) > held:
                                pending_bytes += len(pending[-1][1])
                            if len(pending) >= _CHUNK or pending_bytes >= _CHUNK_BYTES:
                                # at most two chunks of originals wait in memory
                                while sum(not w.done() for w in writes) >= 2:
                                    next(w for w in writes if not w.done()).result()
                                writes.append(pool.submit(self._keep_originals, pending))
                                pending, pending_bytes = [], 0
                            i += 1
                        if pending:
                            writes.append(pool.submit(self._keep_originals, pending))
                        for w in writes:  # an original that cannot be kept fails the batch
                            w.result()
                except Exception as exc:  # the batch was rolled back whole
                    log.exception("import batch failed")
                    why = f"not imported: the database refused the batch ({exc})"
                    if isinstance(exc, OSError):
                        why = ("not imported: the copy of an original could not be kept "
                               f"({exc.strerror or exc})")
                    results += [r if r.status != "imported" else
                                ImportResult(r.path, "refused", f"{Path(r.path).name}: {why}")
                                for r in batch]
                    results += [ImportResult(str(p), "refused", f"{p.name}: {why}")
                                for p in paths[i:]]
                    return results
                results += batch
            for f in reads.values():  # read ahead of a cancel: not needed
                f.cancel()
        if progress is not None:
            progress(len(results), len(paths), "")
        return results

    def _import_one(self, w: _Writer, path: Path, meta: DocumentMeta | None,
                    read: Callable[[], _Read], keep: list[tuple[str, bytes]] | None,
                    ) -> ImportResult:
        """``read`` gives the file's bytes and hash (or raises why not); the original
        joins ``keep``, the originals still to write (None: written here and now)."""
        name = path.name
        try:
            r = read()
            # Through the write transaction: it sees this batch's earlier rows too.
            existing = w.by_hash(r.digest)
            if existing is not None:
                return ImportResult(str(path), "duplicate", f"{name}: already in the "
                                    f"library as “{existing.title}”.", existing)
            doc = extract(path, r.data)
            if meta is not None:
                _apply_meta(doc, meta)
        except ImportRefused as exc:
            return ImportResult(str(path), "refused", str(exc))
        except OSError as exc:
            return ImportResult(str(path), "refused",
                                f"{name}: cannot be read ({exc.strerror or exc}).")
        rel = f"{r.digest[:2]}/{r.digest}{path.suffix.lower()}"
        if keep is not None:
            keep.append((rel, r.data))
        else:
            try:
                self._keep_original(rel, r.data)
            except OSError as exc:
                return ImportResult(str(path), "refused", f"{name}: a copy of the "
                                    f"original could not be kept ({exc.strerror or exc}); "
                                    "nothing was imported. Free some disk space and retry.")
        values = dict(
            title=doc.title, publisher=doc.publisher, author=doc.author,
            published_on=doc.published_on, url=doc.url, kind=doc.kind, sha256=r.digest,
            text=doc.text, page_offsets=doc.page_offsets, original_name=name,
            original_path=rel, size_bytes=len(r.data), imported_at=utcnow(),
        )
        new_id = w.insert(values)
        info = DocumentInfo(
            id=new_id, title=doc.title, publisher=doc.publisher, author=doc.author,
            published_on=doc.published_on, url=doc.url, kind=doc.kind, sha256=r.digest,
            original_name=name, size_bytes=len(r.data), imported_at=values["imported_at"],
            pages=len(doc.page_offsets or ()))
        note = " ".join(doc.notes)
        return ImportResult(str(path), "imported", f"{name}: imported. {note}".strip(),
                            info)

    def _keep_originals(self, todo: list[tuple[str, bytes]]) -> None:
        for rel, data in todo:
            self._keep_original(rel, data)

    def _keep_original(self, rel: str, data: bytes) -> None:
        """Keep the file as imported, by hash. Written to a temporary name and renamed, so
        a crash never leaves half a file under a hash name. Not fsynced one by one (that
        cost 2 ms a file): the database holds the extracted text, which is what evidence
        quotes; `thesis-desk check` reports an original that is missing or damaged."""
        target = os.path.join(self._originals_str, rel)  # strings: pathlib cost more here
        try:
            if os.stat(target).st_size == len(data):
                return
        except FileNotFoundError:
            pass
        tmp = f"{target}.part-{os.getpid()}-{threading.get_ident()}"
        try:
            fh = open(tmp, "wb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:  # its hash folder does not exist yet (or was removed)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fh = open(tmp, "wb")  # noqa: SIM115
        with fh:
            fh.write(data)
        os.replace(tmp, target)

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


# Files are read ahead, and originals written, by helper threads in chunks: a task per
# file cost more in thread hand-overs than the file work it moved. A chunk holds at
# most _CHUNK_BYTES of file data (large PDFs are read when their turn comes instead).
_CHUNK = 32
_CHUNK_BYTES = 32 * 2**20


@dataclass(frozen=True)
class _Read:
    data: bytes
    digest: str


def _read_file(path: Path) -> _Read:
    """The file's bytes and SHA-256, or ImportRefused / OSError saying why not. Runs on
    a helper thread: the syscalls and hashing let go of the interpreter lock."""
    kind_for(path)  # refuse unsupported types before reading anything
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImportRefused(f"{path.name}: no such file.") from None
    if not stat.S_ISREG(st.st_mode):
        raise ImportRefused(f"{path.name}: no such file.")
    if st.st_size > MAX_FILE_BYTES:
        raise ImportRefused(
            f"{path.name}: {st.st_size / 1e6:.0f} MB is larger than the "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB a document may be; split it or "
            "import the part you need.")
    with open(path, "rb") as fh:
        data = fh.read()
    return _Read(data, hashlib.sha256(data).hexdigest())


def _read_files(paths: list[Path]) -> list[_Read | Exception | None]:
    """Each file read (or why not); None for those past the byte budget."""
    out: list[_Read | Exception | None] = []
    held = 0
    for p in paths:
        if held >= _CHUNK_BYTES:
            out.append(None)
            continue
        try:
            r = _read_file(p)
            held += len(r.data)
            out.append(r)
        except (ImportRefused, OSError) as exc:
            out.append(exc)
    return out


def _given(got: _Read | Exception | None) -> Callable[[], _Read]:
    def read() -> _Read:
        if isinstance(got, Exception):
            raise got
        assert got is not None
        return got
    return read


class _Writer:
    """Document rows written through the driver's cursor of a write transaction.

    A document is three statements (hash check, row, search row). Through SQLAlchemy's
    execute each cost ~0.1 ms of Python around ~0.05 ms of SQLite, more than the
    insert itself; the values still go through the columns' own SQLAlchemy type
    processors, so they are stored exactly as an ORM insert would store them.
    The search row is inserted here, not by a trigger (see migration 0003).
    """

    _COLUMNS = ("title", "publisher", "author", "published_on", "url", "kind", "sha256",
                "text", "page_offsets", "original_name", "original_path", "size_bytes",
                "imported_at")
    _INSERT = (f"INSERT INTO document ({', '.join(_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(_COLUMNS))})")

    def __init__(self, s: Session):
        dialect = s.get_bind().dialect
        self.binders = [Document.__table__.c[c].type.bind_processor(dialect)
                        for c in self._COLUMNS]
        self.cursor = s.connection().connection.cursor()

    def by_hash(self, digest: str) -> DocumentInfo | None:
        row = self.cursor.execute(f"SELECT {_INFO_COLUMNS} FROM document WHERE sha256 = ?",
                                  (digest,)).fetchone()
        return _info_from_row(row) if row is not None else None

    def insert(self, values: dict[str, object]) -> int:
        params = [f(values[c]) if f is not None else values[c]
                  for c, f in zip(self._COLUMNS, self.binders, strict=True)]
        new_id = self.cursor.execute(self._INSERT, params).lastrowid
        self.cursor.execute("INSERT INTO document_fts(rowid, title, text) VALUES (?, ?, ?)",
                            (new_id, values["title"], values["text"]))
        return int(new_id)  # type: ignore[arg-type]


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
