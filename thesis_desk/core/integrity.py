"""The full workspace check behind `thesis-desk check` and File > Check Workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from thesis_desk.core.db import check_integrity

if TYPE_CHECKING:
    from thesis_desk.app import Workspace


@dataclass
class CheckReport:
    database: list[str] = field(default_factory=list)  # SQLite integrity_check findings
    missing_originals: list[str] = field(default_factory=list)
    damaged_originals: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)  # evidence no longer at its offsets
    texts: list[str] = field(default_factory=list)  # stored texts changed since import
    documents: int = 0
    evidence: int = 0

    @property
    def ok(self) -> bool:
        return not (self.database or self.missing_originals or self.damaged_originals
                    or self.quotes or self.texts)

    def lines(self) -> list[str]:
        out = [f"Database integrity: {'ok' if not self.database else 'DAMAGED'}"]
        out += [f"  {p}" for p in self.database]
        if self.database:
            return out + ["Originals and evidence quotes were not checked: restore a backup "
                          "first (`thesis-desk backups list`, `thesis-desk restore`)."]
        out.append(f"Originals: {self.documents} documents, "
                   f"{len(self.missing_originals)} missing, "
                   f"{len(self.damaged_originals)} changed")
        out += [f"  {p}" for p in self.missing_originals + self.damaged_originals]
        out.append(f"Stored texts: {self.documents} checked against their import hash, "
                   f"{len(self.texts)} changed")
        out += [f"  {p}" for p in self.texts]
        out.append(f"Evidence quotes: {self.evidence} checked, {len(self.quotes)} differ "
                   "from their document")
        out += [f"  {p}" for p in self.quotes]
        return out


def check_workspace(ws: Workspace, *, hashes: bool = True) -> CheckReport:
    """Database integrity (full), original files and their hashes, evidence quotes."""
    report = CheckReport(database=check_integrity(ws.db.path, quick=False))
    if report.database:
        return report  # the rest reads the damaged file; restore first
    report.missing_originals, report.damaged_originals = ws.library.check_originals(
        hashes=hashes)
    report.documents = ws.library.count()
    report.texts = ws.library.check_texts()
    report.quotes = ws.evidence.verify_quotes()
    report.evidence = ws.evidence.count()
    return report
