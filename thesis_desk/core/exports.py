"""CSV and Excel exports of observations and evidence.

Text that came from documents or was typed may begin with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return; a spreadsheet would run such a cell as a formula (CSV/DDE
injection). Every text cell is neutralised with a leading apostrophe, as OWASP advises;
numbers and dates stay numbers and dates. Files are written to a temporary name and
renamed, so a failed export leaves no half file and an earlier file untouched.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thesis_desk.core.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from thesis_desk.core.evidence import EvidenceService
    from thesis_desk.core.metrics import MetricService

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = (".csv", ".xlsx")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made inert; anything else as is."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def observations_frame(metrics: MetricService, metric_id: int) -> pd.DataFrame:
    import pandas as pd

    info = metrics.get(metric_id)
    rows = metrics.observations(metric_id)
    return pd.DataFrame({
        "metric": [info.name] * len(rows),
        "date": [o.date for o in rows],
        "value": [o.value for o in rows],
        "unit": [info.unit] * len(rows),
        "note": [o.note for o in rows],
    })


def evidence_frame(evidence: EvidenceService, thesis_id: int) -> pd.DataFrame:
    import pandas as pd

    items = evidence.for_thesis(thesis_id)
    return pd.DataFrame({
        "thesis": [e.thesis_title for e in items],
        "pillar": [e.pillar_text for e in items],
        "stance": [e.stance for e in items],
        "weight": [e.weight for e in items],
        "date": [e.observed_on for e in items],
        "quote": [e.quote for e in items],
        "source": [e.source for e in items],
        "page": [e.page for e in items],
        "note": [e.note for e in items],
    })


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` as CSV (UTF-8 with BOM, which Excel reads right) or .xlsx."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{path.name}: export to .csv or .xlsx.")
    import pandas as pd

    if suffix == ".xlsx":
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        def cell(v: Any) -> Any:  # also drop control characters a worksheet cannot hold
            return neutralise(ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
    else:
        cell = neutralise
    safe = df.copy()
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col]):  # object or str dtype
            safe[col] = safe[col].map(cell)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if suffix == ".csv":
            safe.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            safe.to_excel(tmp, index=False, engine="openpyxl")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}. Nothing was written; "
                        "choose another folder or free some space.") from exc
    return path
