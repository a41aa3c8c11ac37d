"""The person's preferences that outlive a window: memo author and paper size, the inbox
folder.

A plain INI file beside the window state (``preferences.ini`` in the config dir), read
by the GUI and the CLI alike, so ``thesis-desk export-memo`` signs memos as the GUI does.
"""

from __future__ import annotations

import configparser
import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

PAGE_SIZES = ("A4", "Letter")


@dataclass(frozen=True)
class Preferences:
    author: str = ""
    page_size: str = "A4"
    memo_folder: str = ""  # where the last memo was saved
    inbox_folder: str = ""  # new files here are imported as they appear (core/inbox.py)


def _file(config_dir: Path) -> Path:
    return Path(config_dir) / "preferences.ini"


def load(config_dir: Path) -> Preferences:
    cp = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(OSError, configparser.Error, UnicodeDecodeError):
        cp.read(_file(config_dir), encoding="utf-8")
    memo = cp["memo"] if cp.has_section("memo") else {}
    size = memo.get("page_size", "A4")
    inbox = cp["inbox"] if cp.has_section("inbox") else {}
    return Preferences(author=memo.get("author", "").strip()[:200],
                       page_size=size if size in PAGE_SIZES else "A4",
                       memo_folder=memo.get("folder", ""),
                       inbox_folder=inbox.get("folder", ""))


def save(config_dir: Path, prefs: Preferences) -> None:
    """Write atomically: a crash mid-write keeps the previous preferences."""
    cp = configparser.ConfigParser(interpolation=None)
    cp["memo"] = {"author": prefs.author, "page_size": prefs.page_size,
                  "folder": prefs.memo_folder}
    cp["inbox"] = {"folder": prefs.inbox_folder}
    path = _file(config_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".ini.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        cp.write(fh)
    os.replace(tmp, path)


def update(config_dir: Path, **changes: str) -> Preferences:
    """Change some preferences, keeping the others as saved (a memo export must not
    forget the inbox folder)."""
    prefs = replace(load(config_dir), **changes)
    save(config_dir, prefs)
    return prefs
