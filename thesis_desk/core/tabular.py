"""Reading observation tables (CSV, Excel) and judging every row before anything is written.

Nothing here touches the database: ``plan_observations`` turns a table and a column
mapping into the rows that would be imported and the rows that would be rejected,
each with its line number and the reason, so the person sees both before deciding.
Numbers are read the way people write them (thousands separators, %, currency
symbols, (12) for -12), and a trailing total row is recognised, never imported.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from contextlib import contextmanager
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from thesis_desk.core.errors import UserError

MAX_TABLE_BYTES = 512 * 1024 * 1024
# One import is one transaction held in memory (~700 bytes a row at its peak): 2M rows
# peak near 1.5 GB. Longer files are refused before they are parsed, with the way out.
MAX_TABLE_ROWS = 2_000_000


def count_lines(path: Path, limit: int) -> int:
    """Newlines in ``path``, reading in 4 MB blocks, stopping once past ``limit``."""
    n = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(4 << 20), b""):
            n += block.count(b"\n")
            if n > limit:
                break
    return n
# A footer line ("Total", "Grand total", "Summe", "Somme", ...) is recognised, never imported
_TOTAL = re.compile(r"^\s*(grand\s+)?(total|sum|subtotal|average|mean|summe|gesamt|somme"
                    r"|totale|suma|totaal)\b", re.I)
_CURRENCY = re.compile(r"[$€£¥₹]|\b(USD|EUR|GBP|CNY|HKD|JPY|RMB)\b", re.I)


@dataclass
class PlannedRow:
    line: int  # line number in the file, header = 1
    metric: str
    date: dt.date
    value: float


@dataclass
class ImportPlan:
    """Rows that would be imported (kept as columns: a million rows stay cheap) and the
    rows that would not, with the reason."""

    lines: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)  # ISO dates, as SQLite stores them
    values: list[float] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    skipped_blank: int = 0
    detected: str = ""  # the date format read off the cells, and why ("" when given or ISO)
    decimal: str = "."  # the decimal separator the values were read with
    decimal_reason: str = ""  # why a decimal comma was detected ("" when given or a point)

    @property
    def rows(self) -> list[PlannedRow]:
        return [PlannedRow(ln, nm, dt.date.fromisoformat(d), v)
                for ln, nm, d, v in zip(self.lines, self.names, self.days, self.values,
                                        strict=True)]

    @property
    def metrics(self) -> list[str]:
        return sorted(set(self.names))

    @property
    def count(self) -> int:
        """Rows that would be imported."""
        return len(self.lines)

    def first_rows(self) -> Iterator[tuple[int, str, float]]:
        """(line, ISO day, value) of the rows to import, in file order."""
        return zip(self.lines, self.days, self.values, strict=True)


@dataclass
class StreamSummary:
    """A file judged a chunk at a time, as a dry run of ``MetricService.import_stream``
    reports it: the counts, the first reasons and the first rows (the rows themselves
    are read again when imported)."""

    count: int
    rejected: list[tuple[int, str]]  # the first ones
    rejected_count: int
    skipped_blank: int
    detected: str
    decimal_reason: str
    metrics: list[str]
    first: list[tuple[int, str, float]]

    @classmethod
    def of(cls, result: dict) -> StreamSummary:
        return cls(result["imported"], result["rejected_rows"], result["rejected"],
                   result["blank_lines"], result["detected"], result["decimal"],
                   result["metrics"], result["first_rows"])

    def first_rows(self) -> Iterator[tuple[int, str, float]]:
        return iter(self.first)


def read_table(path: Path, numbers: Sequence[str] = (), delimiter: str | None = None,
               cancelled: Callable[[], bool] = lambda: False):  # -> pandas.DataFrame
    """Read CSV or Excel as text cells (parsing is ours, so nothing is guessed silently).

    A CSV's delimiter is sniffed from its first lines unless given (``,`` ``;`` tab
    ``|``); the one used is in ``df.attrs["delimiter"]``. A workbook is measured before
    it is parsed (``core/excel.py``); ``cancelled`` is asked as its rows are read.

    ``numbers`` names CSV columns wanted as numbers: the parser reads those as floats
    when every cell is a plain finite number (a million cells: 0.3 s less than reading
    text and parsing it again), and as text otherwise, for the clean-up and the reasons.
    """

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path.name}: no such file.")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise UserError(f"{path.name}: larger than {MAX_TABLE_BYTES // 2**20} MB; split it.")
    suffix = path.suffix.lower()
    with table_errors(path.name):
        if suffix in (".xlsx", ".xlsm", ".xls"):
            from thesis_desk.core.excel import read_workbook

            df = read_workbook(path, MAX_TABLE_ROWS, cancelled)
        elif suffix in (".csv", ".txt", ".tsv"):
            if count_lines(path, MAX_TABLE_ROWS + 1) > MAX_TABLE_ROWS + 1:
                raise UserError(
                    f"{path.name}: more than {MAX_TABLE_ROWS:,} rows, more than one read "
                    "holds. Import it from the command line (thesis-desk metrics import "
                    "reads any length a chunk at a time), or split it.")
            sep = _delimiter(path) if delimiter is None else delimiter_char(delimiter)
            df = _read_csv(path, sep, numbers)
            df.attrs["delimiter"] = sep
        else:
            raise UserError(f"{path.name}: import CSV (.csv) or Excel (.xlsx) files.")
    _check_header(df, path.name)
    attrs = dict(df.attrs)
    df = df.reset_index(drop=True)
    df.attrs.update(attrs)
    return df


@contextmanager
def table_errors(name: str) -> Iterator[None]:
    """What pandas raises for a file that is not a sound table, as a UserError saying
    what to do. A row with more fields than the header: pandas (with index_col=False,
    so the first column is never shifted into the index) warns that it drops the extra
    fields; that warning is made an error, so no data is lost quietly."""
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            yield
        except UserError:
            raise
        except pd.errors.ParserWarning:
            raise UserError(f"{name}: some rows have more fields than the header names. "
                            "Fix those rows (or name the extra columns) and try again.") from None
        except UnicodeDecodeError:
            raise UserError(f"{name}: not UTF-8 text; save it as UTF-8 CSV and try "
                            "again.") from None
        except pd.errors.EmptyDataError:
            raise UserError(f"{name}: the file is empty.") from None
        except Exception as exc:  # pandas raises many kinds for a broken file
            raise UserError(f"{name}: cannot be read as a table ({type(exc).__name__}: "
                            f"{exc}).") from exc


def _check_header(df, name: str) -> None:  # noqa: ANN001
    df.columns = [str(c).strip() for c in df.columns]
    cols = list(df.columns)
    # pandas renames a repeated header "date" to "date.1"; a person meant one column.
    dupes = sorted({c for c in cols if cols.count(c) > 1} |
                   {c.rsplit(".", 1)[0] for c in cols
                    if re.fullmatch(r".+\.\d+", c) and c.rsplit(".", 1)[0] in cols})
    if dupes:
        raise UserError(f"{name}: the header names a column twice ({', '.join(dupes)}); "
                        "rename one and try again.")


def read_head(path: Path, rows: int, delimiter: str | None = None):  # -> pandas.DataFrame
    """The header and first ``rows`` rows of a CSV as text cells (for the preview of a
    file judged in chunks); ``attrs`` holds the delimiter and the file's row count."""
    import pandas as pd

    path = Path(path)
    sep = _delimiter(path) if delimiter is None else delimiter_char(delimiter)
    with table_errors(path.name):
        df = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, nrows=rows,
                         skip_blank_lines=False, encoding_errors="strict", index_col=False)
    _check_header(df, path.name)
    df.attrs.update(delimiter=sep, rows=count_lines(path, 1 << 62) - 1, stream=str(path))
    return df


STREAM_CHUNK_ROWS = 250_000  # ~60 MB of text cells a chunk; the peak stays near 300 MB


def stream_plans(path: Path, *, date_col: str, value_col: str, metric: str | None = None,
                 metric_col: str | None = None, date_format: str | None = None,
                 decimal: str | None = None, delimiter: str | None = None,
                 existing: Callable[[list[str]], dict[str, set[dt.date]]] = lambda _n: {},
                 replace: bool = False, rename: Callable | None = None,
                 chunk_rows: int | None = None,
                 progress: Callable[[int, int], None] | None = None, rows: int | None = None,
                 cancelled: Callable[[], bool] = lambda: False) -> Iterator[ImportPlan]:
    """A CSV judged a chunk at a time, with no limit on its length: each chunk's plan
    as ``plan_observations`` makes it, lines numbered in the file, duplicates judged
    across the whole file. The date format and decimal separator are settled on the
    first chunk and held for the rest (a later cell that does not fit is rejected, not
    read another way). ``existing`` gives the days stored for metric names as they
    first appear; ``rename`` maps the metric column of each chunk (price series).
    Raises UserError on cancel."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path.name}: no such file.")
    # the row count, for a progress shown (``rows`` when the caller counted them already):
    # a pass over the file a script without progress is spared
    total = 0 if progress is None else rows if rows is not None else count_lines(path, 1 << 62) - 1
    sep = _delimiter(path) if delimiter is None else delimiter_char(delimiter)
    seen: dict[str, list] = {}
    stored: dict[str, set[dt.date]] = {}
    line = 2
    with table_errors(path.name):
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep,
                             skip_blank_lines=False, encoding_errors="strict",
                             index_col=False, chunksize=chunk_rows or STREAM_CHUNK_ROWS)
        with reader:
            for chunk in reader:
                if cancelled():
                    raise UserError("The import was cancelled; nothing was written.")
                _check_header(chunk, path.name)
                if rename is not None and metric_col in chunk.columns:
                    chunk[metric_col] = rename(chunk[metric_col])
                if line == 2:  # the first chunk settles how every cell is read
                    for col in (date_col, value_col):
                        if col not in chunk.columns:
                            raise UserError(f"There is no column '{col}'. The columns "
                                            f"are: {', '.join(map(str, chunk.columns))}.")
                    date_format, detected = resolve_date_format(chunk[date_col], date_format)
                    decimal, decimal_reason = resolve_decimal(chunk[value_col], decimal=decimal)
                names = ([metric] if metric else
                         pd.Index(pd.unique(chunk[metric_col]), dtype=object)
                         .str.strip().unique().tolist()
                         if metric_col in chunk.columns else [])
                new = [n for n in names if n and n not in stored]
                if new:
                    stored.update({n: set() for n in new})
                    stored.update(existing(new))
                plan = plan_observations(
                    chunk.reset_index(drop=True), date_col=date_col, value_col=value_col,
                    metric=metric, metric_col=metric_col, date_format=date_format,
                    decimal=decimal, replace=replace, first_line=line, seen=seen,
                    existing={n: stored[n] for n in names if stored.get(n)})
                plan.detected, plan.decimal_reason = detected, decimal_reason
                line += len(chunk)
                if progress is not None:
                    progress(line - 2, max(total, line - 2))
                yield plan


def _read_csv(path: Path, sep: str, numbers: Sequence[str]):  # -> pandas.DataFrame
    import numpy as np
    import pandas as pd

    def read(dtype: object):  # noqa: ANN202
        return pd.read_csv(path, dtype=dtype, keep_default_na=False, sep=sep,
                           skip_blank_lines=False, encoding_errors="strict", index_col=False)

    if numbers:
        try:
            df = read(defaultdict(lambda: str, {c: "float64" for c in numbers}))
        except ValueError:  # a cell that is not a plain number (or a broken file)
            pass
        else:
            if all(not pd.api.types.is_float_dtype(df[c]) or np.isfinite(df[c].to_numpy()).all()
                   for c in numbers if c in df.columns):
                return df
            # blank (or "nan") cells: read as text, where they are told apart and reported
    return read(str)


DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "|": "|"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def delimiter_char(name: str) -> str:
    """',' ';' 'tab' or '|' as the character a CSV reader takes."""
    try:
        return DELIMITERS[name]
    except KeyError:
        raise UserError(f"The delimiter is one of , ; tab | (not '{name}').") from None


def _delimiter(path: Path) -> str:
    """Comma, semicolon, tab or pipe: the one that splits the header and the first lines
    into the same number of fields (two or more; nine lines in ten), the most winning. The header
    decides where a decimal comma would fool a count ("Date;Close" / "2025-01-02;13,5").
    pandas' own sniffing runs the slow Python parser over the whole file."""
    import csv
    import io

    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        sample = fh.read(65536)
    lines = sample.splitlines()[:50]
    if len(lines) > 1 and len(sample) == 65536:
        lines = lines[:-1]  # the last line may be cut off
    lines = [ln for ln in lines if ln.strip()]
    best, most = ",", 1
    for sep in (",", ";", "\t", "|"):
        try:
            counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)]
        except csv.Error:
            continue
        if counts and counts[0] > most and sum(c == counts[0] for c in counts) >= 0.9 * len(counts):
            best, most = sep, counts[0]
    return best


def parse_number(text: str, decimal: str = ".") -> float:
    """'1,234.5' -> 1234.5; '12%' -> 12; with ``decimal=","``: '1.234,5' -> 1234.5.
    Units other than % are refused ('45 bn' is not a number)."""
    t = str(text).strip()
    if not t:
        raise ValueError("empty value")
    negative = t.startswith("(") and t.endswith(")")
    t = t.strip("()").strip()
    t = _CURRENCY.sub("", t).replace("%", "")
    for space in _SPACES:
        t = t.replace(space, "")
    if "_" in t:  # Python's float() reads 1_000; a spreadsheet never writes it
        raise ValueError(f"'{text}' has an underscore in it; write the number without "
                         "(1000 or 1,000)")
    if decimal == ",":
        if _COMMA_THOUSANDS.fullmatch(t):
            t = t.replace(".", "")
        if "." in t:
            raise ValueError(f"'{text}' has a decimal point, but this file's numbers use "
                             "decimal commas")
        t = t.replace(",", ".")
    elif _DOT_THOUSANDS.fullmatch(t):
        t = t.replace(",", "")
    try:
        value = float(t)
    except ValueError:
        hint = (" (decimal commas? choose the decimal separator)"
                if decimal == "." and _COMMA_PROOF.fullmatch(t) else "")
        raise ValueError(f"'{text}' is not a number{hint}") from None
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is not a finite number")
    return -value if negative else value


# Thousands separators people type: comma (with a decimal point), dot or space (with a
# decimal comma; spaces are removed before these are tried).
_SPACES = (" ", "\u00a0", "\u202f")
_DOT_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")
_COMMA_THOUSANDS = re.compile(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?")
# A number only a decimal comma reads ("13,5", "0,125", "1.234,5", "1.234.567"), and one
# only a decimal point reads ("13.5", "1,234.5", "1,234,567"). "1,234" proves neither.
_COMMA_PROOF = re.compile(r"[-+]?(\d+,\d{1,2}|\d+,\d{4,}|0,\d+|\d{4,},\d+"
                          r"|\d{1,3}(\.\d{3})+,\d+|\d{1,3}(\.\d{3}){2,})")
_DOT_PROOF = re.compile(r"[-+]?(\d+\.\d{1,2}|\d+\.\d{4,}|0\.\d+|\d{4,}\.\d+"
                        r"|\d{1,3}(,\d{3})+\.\d+|\d{1,3}(,\d{3}){2,})")


@dataclass(frozen=True)
class DecimalGuess:
    decimal: str  # "." or ","
    reason: str = ""  # why a decimal comma was chosen ("" for the usual point)


def guess_decimal(*columns) -> DecimalGuess:  # noqa: ANN002 - pandas Series of text
    """Decimal comma when some cells (of any of the columns) can only be read with one
    and none only with a point; anything else stays the decimal point (a mixed file's
    comma cells are then rejected, each with its reason)."""
    import pandas as pd

    proof = None
    for cells in columns:
        if pd.api.types.is_float_dtype(cells):
            continue
        text = cells.iloc[:DATE_SAMPLE * 4].fillna("").astype(str).str.strip()
        text = text[text != ""]
        t = (text.str.strip("()").str.replace(_CURRENCY.pattern, "", regex=True, case=False)
             .str.replace("%", "", regex=False).str.replace(r"[ \u00a0\u202f]", "", regex=True))
        if t.str.fullmatch(_DOT_PROOF.pattern).any():
            return DecimalGuess(".")
        comma = t.str.fullmatch(_COMMA_PROOF.pattern)
        if proof is None and comma.any():
            where = comma.idxmax()
            proof = f"decimal comma: line {int(where) + 2} reads {text[where]}"
    return DecimalGuess(",", proof) if proof else DecimalGuess(".")


def resolve_decimal(*columns, decimal: str | None) -> tuple[str, str]:  # noqa: ANN002
    """The decimal separator to read the columns with and what was detected ("" if
    given)."""
    if decimal:
        if decimal not in (".", ","):
            raise UserError(f"The decimal separator is '.' or ',', not '{decimal}'.")
        return decimal, ""
    guess = guess_decimal(*columns)
    return guess.decimal, guess.reason


def parse_day(text: str, fmt: str | None) -> dt.date:
    t = str(text).strip()
    if not t:
        raise ValueError("empty date")
    if fmt == EXCEL_SERIAL:
        try:
            serial = float(t)
        except ValueError:
            raise ValueError(f"'{t}' is not an Excel day number") from None
        if not EXCEL_SERIALS[0] <= serial <= EXCEL_SERIALS[1]:
            raise ValueError(f"'{t}' is not an Excel day number (from {EXCEL_SERIALS[0]} "
                             f"to {EXCEL_SERIALS[1]})")
        return EXCEL_EPOCH + dt.timedelta(days=int(serial))
    if fmt and fmt != ISO:
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            raise ValueError(f"'{t}' does not match the date format {fmt}") from None
    try:
        if not _ISO_DAY.fullmatch(t):  # "2025-01-06garbage" is no date, whatever it starts with
            raise ValueError(t)
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        raise ValueError(f"'{t}' is not a YYYY-MM-DD date; choose the file's date format") from None


# YYYY-MM-DD with or without a time of day and zone after it: what a file is read as when
# its cells prove no other format (``resolve_date_format``), and what ``None`` means.
ISO = "iso"
# A day, optionally with the time of day a spreadsheet adds ("2025-01-31 00:00:00")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                      r"(?:Z|[+-]\d{2}:?\d{2})?)?")


# Formats tried on a file's date cells when none is given (ISO first, as before).
DATE_CANDIDATES = (
    ("%Y-%m-%d", "YYYY-MM-DD"), ("%Y/%m/%d", "YYYY/MM/DD"),
    ("%d/%m/%Y", "DD/MM/YYYY (day first)"), ("%m/%d/%Y", "MM/DD/YYYY (month first)"),
    ("%d.%m.%Y", "DD.MM.YYYY (day first)"), ("%m.%d.%Y", "MM.DD.YYYY (month first)"),
    ("%d-%m-%Y", "DD-MM-YYYY (day first)"), ("%m-%d-%Y", "MM-DD-YYYY (month first)"),
    ("%b %d %Y", "Mon D YYYY"), ("%b %d, %Y", "Mon D, YYYY"), ("%B %d %Y", "Month D YYYY"),
    ("%B %d, %Y", "Month D, YYYY"), ("%d %b %Y", "D Mon YYYY"), ("%d %B %Y", "D Month YYYY"),
    ("%d-%b-%Y", "DD-Mon-YYYY"), ("%d-%b-%y", "DD-Mon-YY"), ("%b-%d-%Y", "Mon-DD-YYYY"),
)
# A date column a spreadsheet stored as numbers: days since 1899-12-30 (Excel's day 1 is
# 1900-01-01, counting its phantom 29 Feb 1900). Only 1927..2119 are believed, so a
# column of small counts or of years is never taken for dates.
EXCEL_SERIAL = "excel-serial"
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIALS = (10_000, 80_000)
DATE_LABELS = {**dict(DATE_CANDIDATES), EXCEL_SERIAL: "Excel day numbers"}
DATE_SAMPLE = 5000  # cells a guess is made from: the work does not grow with the file


class AmbiguousDates(UserError):
    """A date column two formats read alike: the window shows its first cells both ways."""

    def __init__(self, message: str, candidates: tuple[str, ...],
                 samples: list[tuple[int, str]]):
        super().__init__(message)
        self.candidates = candidates
        self.samples = samples  # (line, cell) of the first dates

    def readings(self) -> list[tuple[int, str, list[str]]]:
        """Each sample line, its cell, and the day each candidate reads it as."""
        out = []
        for line, cell in self.samples:
            days = []
            for fmt in self.candidates:
                try:
                    days.append(f"{parse_day(cell, fmt):%d %b %Y}")
                except ValueError:
                    days.append("not a date")
            out.append((line, cell, days))
        return out


@dataclass(frozen=True)
class DateGuess:
    """The date format a column's cells prove, or the ones it cannot choose between."""

    fmt: str | None  # None with ``candidates``: ambiguous; None alone: nothing fits
    candidates: tuple[str, ...] = ()
    reason: str = ""


def guess_date_format(cells) -> DateGuess:  # noqa: ANN001 - a pandas Series of text
    """Which format reads the column: every candidate is tried on a sample of its cells,
    the ones reading the most (nine in ten, or all but one: a footer may not) are
    kept. Day-first and month-first both fitting (no day over 12) is ambiguous: never
    guessed. The reason names a line that settles it ("line 14 reads 30/09/2025")."""
    import pandas as pd

    # the first cells only (twice the sample, for blanks and footers): the work is the
    # same for a file of a hundred rows or ten million
    text = cells.iloc[:DATE_SAMPLE * 2].fillna("").astype(str).str.strip()
    # a "Total" line is no date in any format: it does not vote
    sample = text[(text != "") & ~text.str.match(_TOTAL.pattern, case=False)].iloc[:DATE_SAMPLE]
    if sample.empty:
        return DateGuess(None)
    iso = pd.to_datetime(sample.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    if iso.notna().mean() >= 0.9:
        return DateGuess("%Y-%m-%d", reason="YYYY-MM-DD")
    serial = pd.to_numeric(sample, errors="coerce")
    if serial.between(*EXCEL_SERIALS).mean() >= 0.9:  # a fraction is the time of day
        first = int(serial.dropna().iat[0])
        return DateGuess(EXCEL_SERIAL, reason=f"Excel day numbers: {first} is "
                         f"{EXCEL_EPOCH + dt.timedelta(days=first):%Y-%m-%d}")
    read = {fmt: pd.to_datetime(sample, format=fmt, errors="coerce").notna()
            for fmt, _label in DATE_CANDIDATES[1:]}
    best = max(int(r.sum()) for r in read.values())
    if best < 0.9 * len(sample) and not (best >= 2 and best >= len(sample) - 1):
        return DateGuess(None)  # (a short file may have one odd line: a footer, a typo)
    fits = [fmt for fmt, r in read.items() if int(r.sum()) == best]
    labels = DATE_LABELS
    if len(fits) > 1:
        return DateGuess(None, tuple(fits), " or ".join(labels[f] for f in fits))
    fmt = fits[0]
    # the cell that settles it: read by this format and not by its day/month mirror
    mirror = {"%d/%m/%Y": "%m/%d/%Y", "%m/%d/%Y": "%d/%m/%Y", "%d.%m.%Y": "%m.%d.%Y",
              "%m.%d.%Y": "%d.%m.%Y", "%d-%m-%Y": "%m-%d-%Y", "%m-%d-%Y": "%d-%m-%Y"}.get(fmt)
    reason = labels[fmt]
    if mirror is not None:
        proof = read[fmt] & ~read[mirror]
        if proof.any():
            where = proof.idxmax()
            reason += f": line {int(where) + 2} reads {sample[where]}"
    return DateGuess(fmt, reason=reason)


def resolve_date_format(cells, date_format: str | None) -> tuple[str, str]:  # noqa: ANN001
    """The format to read a date column with, and what was detected (for the person):
    the one given, else the one its cells prove, else ``ISO``. Two readings possible:
    refused with both named, never guessed."""
    if date_format:
        return date_format, ""
    guess = guess_date_format(cells)
    if guess.fmt in (None, "%Y-%m-%d") and not guess.candidates:
        return ISO, ""  # read as YYYY-MM-DD, a time of day after the date allowed
    if guess.candidates:
        text = cells.iloc[:DATE_SAMPLE].fillna("").astype(str).str.strip()
        raise AmbiguousDates(
            f"The dates could be read two ways: {guess.reason}; no cell settles it. Choose "
            "the date format (in the command line: --date-format "
            + " or ".join(guess.candidates) + ").", guess.candidates,
            [(int(i) + 2, t) for i, t in text[text != ""].iloc[:5].items()])
    return guess.fmt, guess.reason


def plan_observations(df, *, date_col: str, value_col: str, metric: str | None = None,
                      metric_col: str | None = None, date_format: str | None = None,
                      existing: dict[str, set[dt.date]] | None = None,
                      replace: bool = False, decimal: str | None = None,
                      first_line: int = 2,
                      seen: dict[str, list] | None = None) -> ImportPlan:
    """Judge every row. ``existing`` maps metric names to dates already stored: those
    rows are rejected unless ``replace``.

    A file judged in chunks (``stream_plans``) passes each chunk's ``first_line``, and
    ``seen``, the days earlier chunks kept per metric: a day seen there is a duplicate
    here too. Chunks after the first pass the format and decimal the first resolved.

    The common case is judged column-wise with pandas; only rows that fail get the
    row-by-row parse, which says why.
    """
    import numpy as np
    import pandas as pd

    for col in (date_col, value_col, metric_col):
        if col is not None and col not in df.columns:
            raise UserError(f"There is no column '{col}'. The columns are: "
                            f"{', '.join(map(str, df.columns))}.")
    if (metric is None) == (metric_col is None):
        raise UserError("Name the metric, or the column that holds metric names (not both).")
    existing = existing or {}
    n = len(df)
    date_format, detected = resolve_date_format(df[date_col], date_format)
    decimal, decimal_reason = resolve_decimal(df[value_col], decimal=decimal)
    # Parse the columns as they stand first (C speed); only cells that fail get the
    # slower clean-up (thousands separators, %, currency, "(12)", stray spaces).
    d = df[date_col].fillna("").astype(str).astype(object)
    # values read as numbers already (read_table's numbers=) need no parsing here
    numeric = pd.api.types.is_float_dtype(df[value_col])
    v = df[value_col] if numeric else df[value_col].fillna("").astype(str).astype(object)
    # a long file repeats a few names: each distinct one is cleaned and judged once
    codes = np.zeros(n, dtype=np.int64)
    if metric_col:
        raw_codes, uniques = pd.factorize(df[metric_col].fillna("").astype(str))
        clean = pd.Index(uniques, dtype=object).str.strip()
        codes, distinct = pd.factorize(clean)  # " A" and "A" are one metric
        codes = codes[raw_codes] if len(raw_codes) else raw_codes.astype(np.int64)
        names = pd.Series(np.asarray(distinct, dtype=object)[codes], index=df.index,
                          dtype=object)
        total_names = np.asarray(pd.Index(distinct, dtype=object).str.match(
            _TOTAL.pattern, case=False), dtype=bool)[codes]
    else:
        names = pd.Series([metric] * n, dtype=object, index=df.index)
    # numpy compares the object arrays several times faster than pandas does
    d_arr, v_arr, name_arr = d.to_numpy(), v.to_numpy(), names.to_numpy()
    d_empty, unnamed = d_arr == "", name_arr == ""
    v_empty = np.isnan(v_arr) if numeric else v_arr == ""
    blank = pd.Series(d_empty & v_empty & (unnamed if metric_col else True), index=d.index)
    days, as_iso = _dates(d, date_format)
    retry = days.isna().to_numpy() & ~d_empty
    if retry.any():
        days[retry] = _dates(d[retry].str.strip(), date_format)[0]
    if numeric:
        nums = v.astype(float)
    elif decimal == ",":  # "1.234" means 1234 here: no cell is read the usual way
        nums = _clean_numbers(v, ",")
    else:
        nums = pd.to_numeric(v, errors="coerce").astype(float)
        retry = nums.isna().to_numpy() & ~v_empty
        if retry.any():
            nums[retry] = _clean_numbers(v[retry])
    nums = nums.where(np.isfinite(nums))
    total = pd.Series(False, index=d.index)
    undated = days.isna() & ~blank
    if undated.any():
        total[undated] = d[undated].str.match(_TOTAL.pattern, case=False)
    if metric_col:
        total |= total_names
    ok = ~blank & ~total & days.notna() & nums.notna() & ~unnamed
    day_ns = days.to_numpy().astype("datetime64[D]")
    ok_arr = ok.to_numpy()
    # SQLite stores dates as ISO text. A cell that already reads YYYY-MM-DD is kept as it
    # stands; only the others are formatted (numpy formats ~1.5 M dates a second).
    iso = d_arr.copy()
    canonical = as_iso & (np.fromiter(map(len, d_arr), np.int64, n) == 10)
    other = ok_arr & ~canonical
    if other.any():
        iso[other] = np.datetime_as_string(day_ns[other], unit="D")
    # Duplicates judged on integer keys (metric code, day): far faster than on strings;
    # one metric's dates in strictly rising (or falling) order have none to find.
    day_int = day_ns.astype(np.int64)[ok_arr]
    steps = np.diff(day_int)
    dup_arr = np.zeros(n, dtype=bool)
    if metric_col is not None or not (np.all(steps > 0) or np.all(steps < 0)):
        keys = pd.DataFrame({"m": codes[ok_arr], "d": day_int})
        dup_arr[ok_arr] = keys.duplicated(keep="first").to_numpy()
    if seen is not None:  # days earlier chunks of the file kept
        _mark_seen(seen, name_arr, day_ns.astype(np.int64), ok_arr & ~dup_arr, dup_arr)
    dup = pd.Series(dup_arr, index=d.index)
    stored_arr = np.zeros(n, dtype=bool)
    if not replace:
        for name, dates in existing.items():
            if dates:
                have = np.array(sorted(dates), dtype="datetime64[D]")
                stored_arr |= ok_arr & (name_arr == name) & np.isin(day_ns, have)
    stored = pd.Series(stored_arr, index=d.index)
    keep = ok & ~dup & ~stored

    plan = ImportPlan(skipped_blank=int(blank.sum()), detected=detected, decimal=decimal,
                      decimal_reason=decimal_reason)
    idx = np.flatnonzero(keep.to_numpy())
    plan.lines = (idx + first_line).tolist()
    plan.names = name_arr[idx].tolist()
    plan.days = iso[idx].tolist()
    plan.values = nums.to_numpy()[idx].tolist()
    for i in np.flatnonzero((total & ~blank).to_numpy()):
        plan.rejected.append((int(i) + first_line, "a total row, not an observation"))
    for i in np.flatnonzero((~ok & ~blank & ~total).to_numpy()):
        why = _why(d.iat[i], "" if v_empty[i] else str(v.iat[i]), names.iat[i], date_format,
                   decimal)
        plan.rejected.append((int(i) + first_line, why))
    for i in np.flatnonzero(dup.to_numpy()):
        plan.rejected.append((int(i) + first_line, f"{iso[i]} appears twice for "
                                          f"{names.iat[i]} in the file"))
    for i in np.flatnonzero((stored & ~dup).to_numpy()):
        plan.rejected.append((int(i) + first_line, f"{names.iat[i]} already has a value on "
                                          f"{iso[i]} (choose replace to overwrite)"))
    plan.rejected.sort()
    return plan


def _mark_seen(seen: dict[str, list], names, days, candidates, dup) -> None:  # noqa: ANN001
    """Mark in ``dup`` the candidate rows whose (metric, day) an earlier chunk kept, then
    add the rest to ``seen``: per metric, one sorted int32 array of days per chunk (40 MB
    for ten million rows). Rising dates, the usual file, are told apart by the ends."""
    import numpy as np
    import pandas as pd

    rows = np.flatnonzero(candidates)
    if not len(rows):
        return
    codes, uniques = pd.factorize(names[rows])
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for group in np.split(order, bounds):
        at = rows[group]
        day = days[at].astype(np.int32)
        name = uniques[codes[group[0]]]
        hit = np.zeros(len(at), dtype=bool)
        lo, hi = day.min(), day.max()
        for earlier in seen.get(name, ()):
            if len(earlier) and lo <= earlier[-1] and hi >= earlier[0]:
                pos = np.minimum(np.searchsorted(earlier, day), len(earlier) - 1)
                hit |= earlier[pos] == day
        dup[at[hit]] = True
        seen.setdefault(name, []).append(np.sort(day[~hit]))


def _dates(col, date_format: str | None):  # -> (datetime64 Series, numpy bool array)
    """Dates (NaT where not a date), and which cells parsed as ISO dates as they stand
    (those, when ten characters long, are exactly YYYY-MM-DD)."""
    import numpy as np
    import pandas as pd

    if date_format == EXCEL_SERIAL:
        serial = pd.to_numeric(col, errors="coerce")
        serial = serial.where(serial.between(*EXCEL_SERIALS)) // 1
        days = pd.to_datetime(serial, unit="D", origin=pd.Timestamp(EXCEL_EPOCH))
        return days, np.zeros(len(col), dtype=bool)
    if date_format and date_format not in ("%Y-%m-%d", ISO):
        days = pd.to_datetime(col, format=date_format, errors="coerce")
        return days, np.zeros(len(col), dtype=bool)
    days = pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")
    missing = days.isna()
    as_iso = ~missing.to_numpy()
    if missing.any() and date_format in (None, ISO):  # "2025-01-31 00:00:00": the day part
        timed = missing & col.str.fullmatch(_ISO_DAY.pattern).fillna(False).astype(bool)
        days[timed] = pd.to_datetime(col[timed].str.slice(0, 10), format="%Y-%m-%d",
                                     errors="coerce")
    return days, as_iso


def _clean_numbers(col, decimal: str = "."):  # -> float Series: people's number formats
    import pandas as pd

    col = col.str.strip()
    negative = col.str.startswith("(") & col.str.endswith(")")
    t = (col.str.strip("()").str.replace(_CURRENCY.pattern, "", regex=True, case=False)
         .str.replace("%", "", regex=False).str.replace(r"[ \u00a0\u202f]", "", regex=True))
    if decimal == ",":
        thousands = t.str.fullmatch(_COMMA_THOUSANDS.pattern)
        t = t.where(~thousands, t.str.replace(".", "", regex=False))
        t = t.where(~t.str.contains(".", regex=False), "")  # a point in a comma file: no number
        t = t.str.replace(",", ".", regex=False)
    else:
        thousands = t.str.fullmatch(_DOT_THOUSANDS.pattern)
        t = t.where(~thousands, t.str.replace(",", "", regex=False))
    nums = pd.to_numeric(t.where(~t.str.contains("_", regex=False), ""),
                         errors="coerce").astype(float)
    return nums.where(~negative, -nums)


def _why(d: str, v: str, name: str, date_format: str | None, decimal: str = ".") -> str:
    """The reason one row was not accepted, in the person's words."""
    if not name:
        return "no metric name"
    try:
        parse_day(d, date_format)
        parse_number(v, decimal)
    except ValueError as exc:
        return str(exc)
    return "not a valid row"
