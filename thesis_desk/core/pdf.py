"""PDF through PDFium (pypdfium2): text a person can quote, and the page as printed.

Text: PDFium's reading order and its own spacing between words (pypdf put a tab between
every word of a Qt-written PDF), lines kept as printed, a blank line where the gap
between lines says a paragraph ends, a word hyphenated at a line's end joined, and the
running header or footer that repeats on most pages left out of the text.

The page view needs to go back from the text to the page: every page's text is built
from *segments* (where a run of the page text starts in the document's page text, where
in PDFium's text of that page it comes from, how long it is). Extraction is
deterministic, so the view rebuilds the segments from the original when it opens a
document instead of storing them.

PDFium is not thread-safe: every call into it here holds ``LOCK``. Pure Python, no Qt.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

LOCK = threading.RLock()

MAX_PAGES = 3000
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")
# a soft hyphen ending a line (PDFium's own mark for a hyphenated word is U+FFFE)
_HYPHENS = ("-", "\x02", "\u00ad")
_RUNNING_KEY = re.compile(r"\d+")


class PdfRefused(Exception):
    """Why a PDF cannot be read (the message is for a person)."""


@dataclass
class PageText:
    """One page's text and where each run of it is on the page."""

    text: str
    # (start in ``text``, start in PDFium's text of the page, length)
    segments: list[tuple[int, int, int]] = field(default_factory=list)


@dataclass
class PdfText:
    pages: list[PageText]
    title: str = ""
    author: str = ""
    running: list[str] = field(default_factory=list)  # header/footer lines left out

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def page_offsets(self) -> list[int]:
        offsets, pos = [], 0
        for p in self.pages:
            offsets.append(pos)
            pos += len(p.text) + 2  # the "\n\n" joining pages
        return offsets


@contextmanager
def opened(data: bytes, name: str = "the file") -> Iterator[Any]:
    """A PdfDocument over ``data``. LOCK is held while it is opened and closed, not in
    between: each call into it takes LOCK itself, so an open page view never holds up an
    import on another thread."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a broken install
        raise PdfRefused("PDF import needs the 'pypdfium2' package; reinstall Thesis Desk."
                         ) from exc
    if not data.startswith(b"%PDF"):
        raise PdfRefused(f"{name}: this is not a PDF file (no %PDF header).")
    with LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise PdfRefused(f"{name}: the PDF is password-protected; save an "
                                 "unprotected copy (print to PDF) and import that.") from exc
            raise PdfRefused(f"{name}: the PDF cannot be read ({exc}).") from exc
    try:
        yield pdf
    finally:
        with LOCK:
            pdf.close()


@dataclass
class _Line:
    start: int  # in PDFium's page text
    text: str
    top: float
    bottom: float
    joins: bool = False  # hyphenated at its end: the next line continues the word


def _lines(textpage: Any) -> list[_Line]:
    """The page's lines as printed. PDFium's own breaks are taken, and a "line" whose
    first and last characters sit at different heights (PDFium joins a paragraph's last
    line to the next paragraph's first with a space in some PDFs, Qt's among them) is
    split at the spaces where the height changes."""
    raw = textpage.get_text_range()
    same = len(raw) == textpage.count_chars()
    lines: list[_Line] = []
    pos = 0
    for m in [*_LINE_BREAK.finditer(raw), None]:
        end = m.start() if m is not None else len(raw)
        chunk = raw[pos:end]
        stripped = chunk.strip()
        if stripped:
            start = pos + (len(chunk) - len(chunk.lstrip()))
            if same:  # text and char indices agree (all but rare PDFs): where it sits
                lines += _split_line(textpage, raw, start, start + len(stripped))
            else:
                lines.append(_Line(start, _CONTROL.sub(" ", stripped), 0.0, 0.0))
        if m is None:
            break
        pos = m.end()
    return lines


_BREAK_AT = re.compile("[ \ufffe]")


def _split_line(textpage: Any, raw: str, start: int, end: int) -> list[_Line]:
    """One of PDFium's lines as the lines printed: split at a space where the next
    character sits at another height, and at PDFium's mark (U+FFFE) for a word
    hyphenated at a line's end, which it joins to the next line (the hyphen dropped, the
    word joined)."""
    _l, bottom, _r, top = textpage.get_charbox(start, loose=True)
    _l, _b, _r, last_top = textpage.get_charbox(end - 1, loose=True)
    height = top - bottom
    if "\ufffe" not in raw[start:end] and not (height > 0 and abs(last_top - top) > 0.5 * height):
        return [_Line(start, _CONTROL.sub(" ", raw[start:end]), top, bottom)]
    out: list[_Line] = []
    cut = start
    for m in _BREAK_AT.finditer(raw, start, end):
        i = m.start()
        if i + 1 >= end or raw[i + 1] == " ":
            continue
        hyphen = raw[i] == "\ufffe"
        _l, b, _r, t = textpage.get_charbox(i + 1, loose=True)
        if hyphen or (height > 0 and abs(t - top) > 0.5 * height):  # a new printed line
            out.append(_Line(cut, _CONTROL.sub(" ", raw[cut:i].rstrip()), top, bottom, hyphen))
            cut, top, bottom = i + 1, t, b
            height = top - bottom if top > bottom else height
    out.append(_Line(cut, _CONTROL.sub(" ", raw[cut:end]), top, bottom))
    return [ln for ln in out if ln.text.strip()]


def _running_keys(pages: list[list[_Line]]) -> set[str]:
    """Lines that open or close most pages (digits ignored: page numbers differ, and a
    bare page number is one of them)."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        edge = {_key(ln.text) for ln in [*lines[:2], *lines[-2:]]}
        seen.update(edge)
    need = max(3, int(0.6 * len(pages) + 0.999))
    return {k for k, n in seen.items() if n >= need and k.strip()}


def _key(line: str) -> str:
    return _RUNNING_KEY.sub("#", line.casefold()).strip()


def _page_text(lines: list[_Line], running: set[str]) -> PageText:
    if running:
        edge = {id(ln) for ln in [*lines[:2], *lines[-2:]]}
        lines = [ln for ln in lines if not (id(ln) in edge and _key(ln.text) in running)]
    parts: list[str] = []
    segments: list[tuple[int, int, int]] = []
    pos = 0
    prev: _Line | None = None
    joined = False  # the previous line ended in a hyphen joined to this one
    for i, ln in enumerate(lines):
        text = ln.text
        if prev is not None and not joined:
            height = prev.top - prev.bottom
            gap = prev.bottom - ln.top
            sep = "\n\n" if height > 0 and (gap > 0.6 * height or ln.top > prev.top + height) \
                else "\n"
            parts.append(sep)
            pos += len(sep)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        joined = nxt is not None and (ln.joins or (
            len(text) > 1 and text[-1] in _HYPHENS[1:] and text[-2].isalpha()))
        if joined and not ln.joins:
            text = text[:-1]
        parts.append(text)
        segments.append((pos, ln.start, len(text)))
        pos += len(text)
        prev = ln
    return PageText("".join(parts), segments)


def read_text(pdf: Any, name: str = "the file") -> PdfText:
    """The document's text page by page (call with the PdfDocument from ``opened``)."""
    with LOCK:
        count = len(pdf)
        if count > MAX_PAGES:
            raise PdfRefused(f"{name}: {count} pages is more than the {MAX_PAGES} pages "
                             "Thesis Desk imports; split the file.")
        page_lines: list[list[_Line]] = []
        for i in range(count):
            page = pdf[i]
            textpage = page.get_textpage()
            try:
                page_lines.append(_lines(textpage))
            finally:
                textpage.close()
                page.close()
        meta = pdf.get_metadata_dict(skip_empty=True)
    running = _running_keys(page_lines)
    pages = [_page_text(lines, running) for lines in page_lines]
    shown: dict[str, str] = {}  # one line for each running line (its page numbers aside)
    for lines in page_lines:
        for ln in [*lines[:2], *lines[-2:]]:
            if _key(ln.text) in running:
                shown.setdefault(_key(ln.text), ln.text)
    return PdfText(pages, title=str(meta.get("Title", "")).strip()[:400],
                   author=str(meta.get("Author", "")).strip()[:200],
                   running=list(shown.values())[:20])


def extract_text(data: bytes, name: str = "the file") -> PdfText:
    with opened(data, name) as pdf:
        return read_text(pdf, name)


# ---------------------------------------------------------------- the page view


@dataclass(frozen=True)
class Rect:
    """A rectangle in PDF units (points), origin at the page's bottom left."""

    left: float
    bottom: float
    right: float
    top: float


class PdfPages:
    """An open PDF for the page view: sizes, rendering, the characters' boxes (which the
    view highlights and hit-tests with ``line_boxes`` and ``nearest_char``).

    Holds the PdfDocument (and LOCK for every call). Offsets are the document text's,
    the same as evidence stores; ``pages`` is rebuilt from the original by the same
    extraction the import ran, so they mean the same characters.
    """

    def __init__(self, data: bytes, name: str = "the file"):
        self._cm: Any = opened(data, name)
        self._pdf = self._cm.__enter__()
        try:
            self.text = read_text(self._pdf, name)
            with LOCK:
                self.sizes = [tuple(self._pdf.get_page_size(i)) for i in range(len(self._pdf))]
        except BaseException:
            self.close()
            raise
        self.offsets = self.text.page_offsets

    def close(self) -> None:
        if self._cm is not None:
            self._cm.__exit__(None, None, None)
            self._cm = None

    def __len__(self) -> int:
        return len(self.sizes)

    def render(self, index: int, scale: float) -> tuple[int, int, int, bytes]:
        """(width, height, bytes per line, BGRX pixels) of page ``index`` at ``scale``
        pixels per point."""
        with LOCK:
            page = self._pdf[index]
            try:
                bitmap = page.render(scale=scale, prefer_bgrx=True)
                data = bytes(bitmap.buffer)
                return bitmap.width, bitmap.height, bitmap.stride, data
            finally:
                page.close()

    def page_of(self, offset: int) -> int:
        """0-based page holding the document text's ``offset``."""
        return max(0, bisect.bisect_right(self.offsets, offset) - 1)

    def char_boxes(self, index: int) -> tuple[list[int], list[Rect]]:
        """Every character of page ``index``'s text that is on the page: its document
        offset and its box, in text order (the page view hit-tests and highlights with
        these, without calling into PDFium on the GUI thread)."""
        offsets: list[int] = []
        rects: list[Rect] = []
        base = self.offsets[index]
        with LOCK:
            page = self._pdf[index]
            textpage = page.get_textpage()
            try:
                same = len(textpage.get_text_range()) == textpage.count_chars()
                for out, src, n in self.text.pages[index].segments:
                    for k in range(n):
                        char = src + k if same else _char_index(textpage, src + k)
                        left, bottom, right, top = textpage.get_charbox(char, loose=True)
                        if right > left:
                            offsets.append(base + out + k)
                            rects.append(Rect(left, bottom, right, top))
            finally:
                textpage.close()
                page.close()
        return offsets, rects

    def find(self, needle: str) -> list[tuple[int, int]]:
        """Every (start, end) of ``needle`` in the document text, any case."""
        words = needle.split()
        if not words:
            return []
        pattern = re.compile(r"\s+".join(map(re.escape, words)), re.IGNORECASE)
        return [(m.start(), m.end()) for m in pattern.finditer(self.text.text)]


def _char_index(textpage: Any, text_index: int) -> int:
    import pypdfium2.raw as raw

    i = raw.FPDFText_GetCharIndexFromTextIndex(textpage, text_index)
    return text_index if i < 0 else i


class Relocator:
    """Finds quotes taken from an older extraction of the same document in ``text``:
    compared without whitespace and hyphens, which extractors disagree on."""

    def __init__(self, text: str):
        self.text = text
        self._folded, self._where = _fold(text)

    def find(self, quote: str, near: int | None = None) -> tuple[int, int] | None:
        """(start, end) of ``quote`` in the text; of several places the one nearest
        ``near``. None: it is not there."""
        q = _fold(quote)[0]
        if not q:
            return None
        hits = []
        i = self._folded.find(q)
        while i >= 0 and len(hits) < 1000:
            hits.append(i)
            i = self._folded.find(q, i + 1)
        if not hits:
            return None
        if near is not None:
            hits.sort(key=lambda h: abs(self._where[h] - near))
        h = hits[0]
        return self._where[h], self._where[h + len(q) - 1] + 1


_SKIPPED = frozenset("-\u00ad\x02\u2010\u2011")


def _fold(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, hyphens and control characters, lower case (one
    character for one), with each kept character's offset in ``text``."""
    chars, where = [], []
    for i, c in enumerate(text):
        if c.isspace() or c in _SKIPPED or c < " ":
            continue
        chars.append(c.lower()[:1])
        where.append(i)
    return "".join(chars), where


def _merge(rects: list[Rect]) -> list[Rect]:
    """Boxes on one line merged (Qt writes a PDF a character at a time: a box each)."""
    merged: list[Rect] = []
    for r in rects:
        if merged:
            m = merged[-1]
            overlap = min(m.top, r.top) - max(m.bottom, r.bottom)
            if overlap > 0.5 * min(m.top - m.bottom, r.top - r.bottom) \
                    and r.left <= m.right + 2 * (r.top - r.bottom):
                merged[-1] = widen([m, r])
                continue
        merged.append(r)
    return merged


def line_boxes(offsets: Sequence[int], rects: Sequence[Rect], start: int, end: int
               ) -> list[Rect]:
    """The boxes of the characters with offsets in [start, end), merged line by line:
    what a highlight of that span draws on the page."""
    lo = bisect.bisect_left(offsets, start)
    hi = bisect.bisect_left(offsets, end)
    return _merge(list(rects[lo:hi]))


def nearest_char(offsets: Sequence[int], rects: Sequence[Rect], x: float, y: float
                 ) -> int | None:
    """The offset of the character at page point (x, y), else of the nearest one on the
    line at that height, else None (a margin, a picture)."""
    best: tuple[float, int] | None = None
    for off, r in zip(offsets, rects, strict=True):
        if r.bottom <= y <= r.top:
            if r.left <= x <= r.right:
                return off
            d = r.left - x if x < r.left else x - r.right
            if best is None or d < best[0]:
                best = (d, off)
    return None if best is None else best[1]


def widen(seq: Sequence[Rect]) -> Rect:
    """One rectangle around several."""
    return Rect(min(r.left for r in seq), min(r.bottom for r in seq),
                max(r.right for r in seq), max(r.top for r in seq))
