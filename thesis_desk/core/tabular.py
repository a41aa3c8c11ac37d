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
from dataclasses import dataclass, field
from pathlib import Path

from thesis_desk.core.errors import UserError

MAX_TABLE_BYTES = 512 * 1024 * 1024
_TOTAL = re.compile(r"^\s*(grand\s+)?(total|sum|subtotal|average|mean)\b", re.I)
_CURRENCY = re.compile(r"[$€£¥₹]|\b(USD|EUR|GBP|CNY|HKD|JPY|RMB)\b", re.I)


@dataclass
class PlannedRow:
    line: int  # line number in the file, header = 1
    metric: str
    date: dt.date
    value: float


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    skipped_blank: int = 0

    @property
    def metrics(self) -> list[str]:
        return sorted({r.metric for r in self.rows})


def read_table(path: Path):  # -> pandas.DataFrame, every cell a string
    """Read CSV or Excel as text cells (parsing is ours, so nothing is guessed silently)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path.name}: no such file.")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise UserError(f"{path.name}: larger than {MAX_TABLE_BYTES // 2**20} MB; split it.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(path, dtype=str, keep_default_na=False)
        elif suffix in (".csv", ".txt", ".tsv"):
            df = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python",
                             skip_blank_lines=False, encoding_errors="strict")
        else:
            raise UserError(f"{path.name}: import CSV (.csv) or Excel (.xlsx) files.")
    except UserError:
        raise
    except UnicodeDecodeError:
        raise UserError(f"{path.name}: not UTF-8 text; save it as UTF-8 CSV and try again.") from None
    except Exception as exc:  # pandas raises many kinds for a broken file
        raise UserError(f"{path.name}: cannot be read as a table ({type(exc).__name__}: "
                        f"{exc}).") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df


def parse_number(text: str) -> float:
    """'1,234.5' -> 1234.5; '12%' -> 12; '$45 bn'? no: units other than % are refused."""
    t = str(text).strip()
    if not t:
        raise ValueError("empty value")
    negative = t.startswith("(") and t.endswith(")")
    t = t.strip("()").strip()
    t = _CURRENCY.sub("", t).replace("%", "").replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is not a finite number")
    return -value if negative else value


def parse_day(text: str, fmt: str | None) -> dt.date:
    t = str(text).strip()
    if not t:
        raise ValueError("empty date")
    if fmt:
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            raise ValueError(f"'{t}' does not match the date format {fmt}") from None
    try:
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        raise ValueError(f"'{t}' is not a YYYY-MM-DD date; choose the file's date format") from None


def _cell(x: object) -> str:
    """A cell as text; pandas gives NaN for a blank line even with keep_default_na off."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x).strip()


def plan_observations(df, *, date_col: str, value_col: str, metric: str | None = None,
                      metric_col: str | None = None, date_format: str | None = None,
                      existing: dict[str, set[dt.date]] | None = None,
                      replace: bool = False) -> ImportPlan:
    """Judge every row. ``existing`` maps metric names to dates already stored: those
    rows are rejected unless ``replace``."""
    for col in (date_col, value_col, metric_col):
        if col is not None and col not in df.columns:
            raise UserError(f"There is no column '{col}'. The columns are: "
                            f"{', '.join(map(str, df.columns))}.")
    if (metric is None) == (metric_col is None):
        raise UserError("Name the metric, or the column that holds metric names (not both).")
    plan = ImportPlan()
    seen: set[tuple[str, dt.date]] = set()
    existing = existing or {}
    dates = df[date_col].tolist()
    values = df[value_col].tolist()
    names = df[metric_col].tolist() if metric_col else None
    for n in range(len(df)):
        line = n + 2
        d, v = _cell(dates[n]), _cell(values[n])
        name = (_cell(names[n]) if names is not None else metric) or ""
        if not d and not v and (names is None or not name):
            plan.skipped_blank += 1
            continue
        if _TOTAL.match(d) or (names is not None and _TOTAL.match(name)):
            plan.rejected.append((line, "a total row, not an observation"))
            continue
        if not name:
            plan.rejected.append((line, "no metric name"))
            continue
        try:
            day = parse_day(d, date_format)
            value = parse_number(v)
        except ValueError as exc:
            plan.rejected.append((line, str(exc)))
            continue
        if (name, day) in seen:
            plan.rejected.append((line, f"{day:%Y-%m-%d} appears twice for {name} in the file"))
            continue
        if day in existing.get(name, set()) and not replace:
            plan.rejected.append((line, f"{name} already has a value on {day:%Y-%m-%d} "
                                        "(choose replace to overwrite)"))
            continue
        seen.add((name, day))
        plan.rows.append(PlannedRow(line, name, day, value))
    return plan
