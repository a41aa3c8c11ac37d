"""Word files and e-mail as quotable text: .docx (paragraphs, headings, tables), .eml and
Outlook .msg (subject, date, sender, body, attachments).

Each returns an ``Extracted``; an e-mail's attachments travel with it as (name, bytes) and
the library imports those of a supported kind as documents of their own, linked to the
e-mail. Pure functions, no database, no Qt.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from thesis_desk.core.extract import Extracted

# A .docx is a zip: what it may inflate to before it is refused (a "zip bomb")
MAX_DOCX_INFLATED = 256 * 1024 * 1024
MAX_ATTACHMENTS = 50
# authors a word processor fills in by itself: never a document's author
_GENERIC_AUTHOR = re.compile(r"^\s*(?:microsoft office user|windows user|user|admin|"
                             r"administrator|owner|author|unknown|python-docx)\s*$", re.I)


def _refused(message: str) -> Exception:
    from thesis_desk.core.extract import ImportRefused

    return ImportRefused(message)


# ---------------------------------------------------------------- Word


def docx(path: Path, data: bytes) -> Extracted:
    """Paragraphs in order, headings as their own lines, tables a row a line with its
    cells between " | "; title, author and date from the file's properties where they
    are real (a template's "Microsoft Office User" is not an author)."""
    from thesis_desk.core.extract import Extracted, guess_metadata, is_generator_title

    _check_zip(path, data)
    try:
        from docx import Document as WordDocument
        from docx.table import Table

        word = WordDocument(io.BytesIO(data))
    except ImportError as exc:  # pragma: no cover - a broken install
        raise _refused("Word import needs the 'python-docx' package; reinstall Thesis Desk."
                       ) from exc
    except Exception as exc:  # noqa: BLE001 - not a Word file, or a damaged one
        raise _refused(f"{path.name}: this is not a Word document that can be read "
                       f"({type(exc).__name__}: {exc}). Save it again from Word as .docx."
                       ) from exc
    lines: list[str] = []
    heading = ""
    for block in word.iter_inner_content():
        if isinstance(block, Table):
            if lines and lines[-1]:
                lines.append("")
            for row in block.rows:
                cells = _row_cells(row)
                if any(cells):
                    lines.append(" | ".join(cells))
            lines.append("")
            continue
        text = " ".join(block.text.split())
        if not text:
            continue
        style = (block.style.name if block.style is not None else "") or ""
        if style == "Title" or style.startswith("Heading"):
            heading = heading or text
            if lines and lines[-1]:
                lines.append("")
            lines += [text, ""]
        else:
            lines.append(text)
    doc = Extracted(kind="docx", text="\n".join(lines).strip())
    props = word.core_properties
    title = (props.title or "").strip()
    doc.title = (heading if is_generator_title(title, path) else title)[:400]
    author = (props.author or "").strip()
    doc.author = "" if _GENERIC_AUTHOR.match(author) else author[:200]
    guess_metadata(doc)
    if doc.published_on is None and props.created is not None:
        doc.published_on = props.created.date()
    return doc


def _row_cells(row) -> list[str]:  # noqa: ANN001 - a python-docx row
    """A row's cells once each (a merged cell is the same cell in several places)."""
    seen: list[int] = []
    cells: list[str] = []
    for cell in row.cells:
        if id(cell._tc) in seen:
            continue
        seen.append(id(cell._tc))
        cells.append(" ".join(cell.text.split()))
    return cells


def _check_zip(path: Path, data: bytes) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refused(f"{path.name}: this is not a Word .docx file (it is not a zip "
                       "archive). An old .doc must be saved as .docx first.") from None
    with z:
        inflated = sum(i.file_size for i in z.infolist())
        if inflated > MAX_DOCX_INFLATED:
            raise _refused(f"{path.name}: it unpacks to {inflated / 1e6:.0f} MB, more than a "
                           "Word document holds; it is refused as a likely zip bomb.")
        if "word/document.xml" not in z.namelist():
            raise _refused(f"{path.name}: this zip has no Word document inside "
                           "(word/document.xml is missing).")


# ---------------------------------------------------------------- e-mail


def eml(path: Path, data: bytes) -> Extracted:
    """An RFC 822 e-mail: Subject as title, Date as date, From as author and its
    Organization (else its domain) as publisher, the body as the text (the plain part,
    else the HTML part as text), attachments along."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(data)
    except Exception as exc:  # noqa: BLE001
        raise _refused(f"{path.name}: this e-mail cannot be read ({exc}).") from exc
    if not isinstance(msg, EmailMessage) or not (msg["from"] or msg["subject"]):
        raise _refused(f"{path.name}: this is not an e-mail (it has no From or Subject).")
    body_text = ""
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = _content(body)
        body_text = (_html_text(content) if body.get_content_subtype() == "html"
                     else content)
    attachments = []
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        if not name:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            attachments.append((name, payload))
    name, address = (getaddresses([str(msg["from"] or "")]) or [("", "")])[0]
    when = None
    if msg["date"]:
        try:
            when = parsedate_to_datetime(str(msg["date"])).date()
        except (TypeError, ValueError):
            when = None
    return _mail(path, kind="eml", subject=str(msg["subject"] or ""), sender=name,
                 address=address, organisation=str(msg["organization"] or ""), when=when,
                 body=body_text, attachments=attachments)


def _content(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):  # an unknown or wrong charset: read it anyway
        raw = part.get_payload(decode=True) or b""
        return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def msg(path: Path, data: bytes) -> Extracted:
    """An Outlook .msg (through extract-msg), read as an .eml is."""
    try:
        import extract_msg
    except ImportError as exc:  # pragma: no cover - a broken install
        raise _refused("Outlook import needs the 'extract-msg' package; reinstall Thesis "
                       "Desk.") from exc
    try:
        message = extract_msg.openMsg(data)
    except Exception as exc:  # noqa: BLE001 - extract-msg raises many kinds
        raise _refused(f"{path.name}: this Outlook message cannot be read "
                       f"({type(exc).__name__}: {exc}).") from exc
    try:
        body = message.body or ""
        if not body.strip() and getattr(message, "htmlBody", None):
            html = message.htmlBody
            body = _html_text(html.decode("utf-8", errors="replace")
                              if isinstance(html, bytes) else str(html))
        name, address = (getaddresses([str(message.sender or "")]) or [("", "")])[0]
        when = message.date.date() if isinstance(message.date, dt.datetime) else None
        if when is None and message.header is not None and message.header.get("date"):
            try:  # an unsent or odd message: the transport headers' Date
                when = parsedate_to_datetime(str(message.header.get("date"))).date()
            except (TypeError, ValueError):
                when = None
        attachments = []
        for att in message.attachments:
            filename = getattr(att, "longFilename", None) or getattr(att, "shortFilename", "")
            payload = getattr(att, "data", None)
            if filename and isinstance(payload, bytes):
                attachments.append((str(filename), payload))
        return _mail(path, kind="msg", subject=str(message.subject or ""), sender=name,
                     address=address, organisation="", when=when, body=body,
                     attachments=attachments)
    finally:
        message.close()


def _mail(path: Path, *, kind: str, subject: str, sender: str, address: str,
          organisation: str, when: dt.date | None, body: str,
          attachments: list[tuple[str, bytes]]) -> Extracted:
    from thesis_desk.core.extract import Extracted, _normalise

    text = _normalise(body).strip()
    doc = Extracted(kind=kind, text=text)
    doc.title = " ".join(subject.split())[:400]
    doc.author = (sender.strip().strip('"') or address)[:200]
    doc.publisher = (organisation.strip() or mail_domain(address))[:200]
    doc.published_on = when
    doc.attachments = attachments[:MAX_ATTACHMENTS]
    if len(attachments) > MAX_ATTACHMENTS:
        doc.notes.append(f"Only the first {MAX_ATTACHMENTS} of {len(attachments)} "
                         "attachments were taken.")
    return doc


def mail_domain(address: str) -> str:
    """The sender's organisation as its address says it: the domain, without a mail
    host's own prefix ("mail.", "email.", "research.")."""
    domain = address.rpartition("@")[2].strip().lower()
    return re.sub(r"^(?:mail|email|e-mail|smtp|mx|research|news|newsletter)\.", "", domain)


def _html_text(source: str) -> str:
    from thesis_desk.core.extract import _html

    return _html(source).text
