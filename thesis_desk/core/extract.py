"""Turning a file into text a person can quote: plain text, Markdown, HTML and PDF.

Pure functions, no database. Anything that cannot become trustworthy text is refused
with ``ImportRefused`` naming the reason (binary data, empty, unreadable PDF, too big).
Newlines are normalised to ``\\n`` so character offsets mean the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from thesis_desk.core.errors import UserError

MAX_FILE_BYTES = 64 * 1024 * 1024  # a broker note is KBs; 64 MB is a mistake or a dump
TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx",
                 ".eml": "eml", ".msg": "msg"}


class ImportRefused(UserError):
    pass


@dataclass
class Extracted:
    kind: str
    text: str
    page_offsets: list[int] | None = None
    title: str = ""
    publisher: str = ""
    author: str = ""
    published_on: dt.date | None = None
    url: str = ""
    notes: list[str] = field(default_factory=list)
    # an e-mail's attached files (name, bytes): imported as documents linked to it
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def kind_for(path: Path) -> str:
    kind = TEXT_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ImportRefused(
            f"{path.name}: '{path.suffix or 'no extension'}' files are not supported. "
            "Import plain text (.txt), Markdown (.md), HTML (.html), PDF (.pdf), Word "
            "(.docx) or e-mail (.eml, Outlook .msg)."
        )
    return kind


def extract(path: Path, data: bytes) -> Extracted:
    kind = kind_for(path)
    if not data.strip():
        raise ImportRefused(f"{path.name}: the file is empty.")
    if kind == "pdf":
        result = _pdf(path, data)
    elif kind in ("docx", "eml", "msg"):
        from thesis_desk.core import formats

        result = getattr(formats, kind)(path, data)
    else:
        text = _normalise(decode_text(path, data))
        if kind == "html":
            result = _html(text)
        else:
            result = Extracted(kind=kind, text=text)
            guess_metadata(result)
    if not result.text.strip():
        raise ImportRefused(f"{path.name}: no text could be found in it.")
    if result.title and is_generator_title(result.title, path):
        result.title = ""
        guess_metadata(result)  # the first heading or line
    if not result.title:
        result.title = path.stem
    return result


# ---------------------------------------------------------------- text


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with BOM), else cp1252; refuse binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused(f"{path.name}: it says it is UTF-16 but is not valid UTF-16.") from None
    sample = data[:65536]
    if b"\x00" in sample:
        if _looks_utf16_without_bom(sample):
            return data.decode("utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be",
                               errors="replace")
        raise ImportRefused(f"{path.name}: this is binary data, not text (it contains NUL bytes).")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    # Control bytes are single bytes in UTF-8 and cp1252 alike: counted on the bytes
    # (bytes.translate deletes them at C speed; a regex over the text took 25 us a file).
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > max(8, len(sample) // 100):
        raise ImportRefused(f"{path.name}: this looks like binary data, not text.")
    return text


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)])


def _looks_utf16_without_bom(sample: bytes) -> bool:
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) / 2
    return max(even_zeros, odd_zeros) > half * 0.6 and min(even_zeros, odd_zeros) < half * 0.05


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


# Matched line by line from each line's start (re.M made every pattern try every
# position of the head: four scans of 4,000 characters per document).
_DATE_LINE = re.compile(
    r"\s*(?:Published|Updated|Date)\s*:?\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", re.I)
_ISO_DATE_LINE = re.compile(r"\s*(?:Published|Updated|Date)\s*:?\s*(\d{4})-(\d{2})-(\d{2})",
                            re.I)
_COPYRIGHT = re.compile(r"\s*©\s*([A-Z][\w .&-]{1,60}?)\.?\s*$")
_NAME = r"[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}"
# "By Mei Lin Chow", "By Mei Lin Chow, Asia Markets Daily", "By A. Lee | Reuters"
_BY_LINE = re.compile(rf"\s*By\s+({_NAME}(?:\s+and\s+{_NAME})?)"
                      r"(?:\s*(?:,|\||\u2014|\u2013|\s-\s|\sfor\s)\s*([A-Z][\w .&'-]{1,80}?))?\s*$")


def _first_line_match(pattern: re.Pattern[str], lines: list[str]) -> re.Match[str] | None:
    for line in lines:
        m = pattern.match(line)
        if m:
            return m
    return None


def guess_metadata(doc: Extracted) -> None:
    """Fill title, date, publisher and author from the text where it states them."""
    if not doc.title:
        for line in doc.text.splitlines():
            line = line.strip().lstrip("#").strip()
            if line:
                doc.title = line[:400]
                break
    head = doc.text[:4000].split("\n")
    if doc.published_on is None:
        m = _first_line_match(_ISO_DATE_LINE, head)
        if m:
            doc.published_on = _safe_date(int(m[1]), int(m[2]), int(m[3]))
        else:
            m = _first_line_match(_DATE_LINE, head)
            if m:
                a, b, year = int(m[1]), int(m[2]), int(m[3])
                # Day first unless that is impossible (as most non-US sources write it).
                day, month = (b, a) if a <= 12 < b else (a, b)
                doc.published_on = _safe_date(year, month, day)
                if a <= 12 and b <= 12 and a != b:
                    doc.notes.append(f"Read the date {m[1]}/{m[2]}/{m[3]} as day/month; "
                                     "edit it if the source writes month/day.")
    byline = _first_line_match(_BY_LINE, head[:40])
    if not doc.author and byline:
        doc.author = byline[1].strip()
    if not doc.publisher:
        if byline and byline[2]:
            doc.publisher = byline[2].strip()
        else:
            m = _first_line_match(_COPYRIGHT, head)
            if m:
                doc.publisher = m[1].strip()


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# ---------------------------------------------------------------- HTML

_SKIP = {"script", "style", "nav", "header", "footer", "aside", "noscript", "form", "svg",
         "iframe", "button", "template", "head"}
_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
          "article", "blockquote", "pre", "ul", "ol", "table", "figcaption", "dd", "dt"}
_AD_LINE = re.compile(r"^\s*(advertisements?|sponsored( content)?|ad|subscribe now|"
                      r"share this article|post comment|latest comments)\s*$", re.I)


# An element whose id or class says it is a cookie or consent banner: left out whole.
_BANNER = re.compile(r"cookie|consent|gdpr|\bcmp\b|onetrust|didomi|privacy-banner", re.I)
# ... and a line that is one, where the markup did not say so
_BANNER_LINE = re.compile(
    r"\b(?:we|this (?:web)?site) uses? cookies\b|\baccept (?:all )?cookies\b|"
    r"\bcookie (?:policy|settings|preferences)\b|\bmanage (?:your )?consent\b", re.I)
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.title = ""
        self.h1 = ""
        self.in_h1 = False
        self.meta: dict[str, str] = {}
        self.json_ld: list[str] = []
        self.in_json_ld = False
        self.banner: list[str] = []  # the banner element's tag, once per nested same tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
            return
        if tag in _VOID:
            if tag == "br" and not self.banner:
                self.parts.append("\n")
            return
        if self.banner:
            if tag == self.banner[0]:
                self.banner.append(tag)
            return
        if _BANNER.search(a.get("id", "") + " " + a.get("class", "")) or \
                a.get("aria-label", "").lower().startswith("cookie"):
            self.banner.append(tag)
            return
        if tag == "script" and "ld+json" in a.get("type", "").lower():
            self.in_json_ld = True
            self.json_ld.append("")
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip_depth += 1
        if tag == "h1":
            self.in_h1 = True
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.banner:
            if tag == self.banner[0]:
                self.banner.pop()
            return
        if tag == "script":
            self.in_json_ld = False
        if tag == "title":
            self.in_title = False
        if tag in _SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag == "h1":
            self.in_h1 = False
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.banner:
            return
        if self.in_json_ld:
            self.json_ld[-1] += data
            return
        if self.in_title:
            self.title += data
            return
        if self.skip_depth:
            return
        if self.in_h1:
            self.h1 += data
        self.parts.append(data)


def _linked_data(blocks: list[str]) -> dict[str, str]:
    """headline, author, publisher and datePublished from schema.org JSON-LD: the first
    object that has any of them (an @graph searched too)."""
    import json

    found: dict[str, str] = {}

    def name(value: object) -> str:
        if isinstance(value, list):
            return ", ".join(n for n in (name(v) for v in value[:4]) if n)
        if isinstance(value, dict):
            return str(value.get("name") or "")
        return str(value or "") if not str(value or "").startswith("http") else ""

    def visit(obj: object) -> None:
        if isinstance(obj, list):
            for o in obj:
                visit(o)
            return
        if not isinstance(obj, dict):
            return
        if "@graph" in obj:
            visit(obj["@graph"])
        for key, field_ in (("headline", "headline"), ("author", "author"),
                            ("publisher", "publisher"), ("datePublished", "date")):
            if key in obj and field_ not in found:
                got = " ".join((name(obj[key]) if key in ("author", "publisher")
                                else str(obj[key] or "")).split())
                if got:
                    found[field_] = got

    for block in blocks:
        try:
            visit(json.loads(block))
        except (ValueError, RecursionError):
            continue
    return found


def _html(source: str) -> Extracted:
    p = _TextParser()
    p.feed(source)
    p.close()
    raw = "".join(p.parts)
    lines = []
    for line in raw.split("\n"):
        line = " ".join(line.split())
        if not line or _AD_LINE.match(line) or (len(line) < 400 and _BANNER_LINE.search(line)):
            if lines and lines[-1] != "":
                lines.append("")
            continue
        lines.append(line)
    text = "\n".join(lines).strip()
    doc = Extracted(kind="html", text=text)
    ld = _linked_data(p.json_ld)
    doc.title = " ".join((p.meta.get("og:title") or ld.get("headline") or p.h1 or p.title
                          ).split())[:400]
    doc.publisher = (p.meta.get("og:site_name") or ld.get("publisher") or "")[:200]
    author = p.meta.get("author") or ld.get("author") or p.meta.get("article:author", "")
    doc.author = "" if author.startswith("http") else " ".join(author.split())[:200]
    url = p.meta.get("og:url", "").strip()
    # only a web address is kept: a page may say javascript:, file: or markup there
    doc.url = url if re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE) else ""
    when = (p.meta.get("article:published_time") or p.meta.get("date")
            or p.meta.get("datepublished") or ld.get("date") or "")
    if when:
        try:
            doc.published_on = dt.date.fromisoformat(when[:10])
        except ValueError:
            pass
    guess_metadata(doc)
    return doc


# ---------------------------------------------------------------- PDF


def _pdf(path: Path, data: bytes) -> Extracted:
    from thesis_desk.core import pdf

    try:
        got = pdf.extract_text(data, path.name)
    except pdf.PdfRefused as exc:
        raise ImportRefused(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure means "unreadable"
        raise ImportRefused(f"{path.name}: the PDF cannot be read ({type(exc).__name__}: "
                            f"{exc}).") from exc
    doc = Extracted(kind="pdf", text=got.text, page_offsets=got.page_offsets)
    doc.title, doc.author = got.title, got.author  # a generator's title: see extract()
    if got.running:
        doc.notes.append("Left out the running header/footer: "
                         + "; ".join(f"“{line[:60]}”" for line in got.running[:3]) + ".")
    guess_metadata(doc)
    return doc


# What a generator writes where a title belongs: never a document's title.
_GENERATOR_TITLE = re.compile(
    r"^\s*(?:microsoft (?:word|powerpoint|excel) - .*|enscript output|untitled(?: document)?"
    r"|document\d*|presentation\d*|powerpoint presentation|slide \d+|title|print|"
    r"new document|no title|\(anonymous\)|pdf|untitled-\d+)\s*$", re.IGNORECASE)
_FILE_NAME = re.compile(r"^[^\s/\\]+\.(?:docx?|pdf|txt|rtf|html?|md|eml|msg|xlsx?|pptx?|"
                        r"odt|ps|indd|qxp|tex|dvi)$", re.IGNORECASE)


def is_generator_title(title: str, path: Path | None = None) -> bool:
    """True when ``title`` is what a program put there, not what the document is
    called: "Microsoft Word - note.docx", "Enscript Output", "untitled", a file name."""
    t = " ".join(title.split())
    if not t:
        return True
    if path is not None and t.casefold() in {path.name.casefold(), path.stem.casefold()}:
        return True
    return bool(_GENERATOR_TITLE.match(t) or _FILE_NAME.match(t))


def page_of(offset: int, page_offsets: list[int] | None) -> int | None:
    """1-based page number holding ``offset`` (None when the document has no pages)."""
    if not page_offsets:
        return None
    import bisect

    return bisect.bisect_right(page_offsets, offset)
