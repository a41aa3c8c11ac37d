"""Test setup: no display, and nothing written outside a temporary folder.

Set before Qt or the app is imported: an offscreen Qt platform, and HOME / XDG dirs
pointing into a throwaway folder, so a test can never touch the real $HOME.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SANDBOX = Path(tempfile.mkdtemp(prefix="thesis-desk-tests-"))
for _name in ("home", "config", "cache", "data", "state", "runtime"):
    (_SANDBOX / _name).mkdir(mode=0o700)
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["HOME"] = str(_SANDBOX / "home")
os.environ["XDG_CONFIG_HOME"] = str(_SANDBOX / "config")
os.environ["XDG_CACHE_HOME"] = str(_SANDBOX / "cache")
os.environ["XDG_DATA_HOME"] = str(_SANDBOX / "data")
os.environ["XDG_STATE_HOME"] = str(_SANDBOX / "state")
os.environ["XDG_RUNTIME_DIR"] = str(_SANDBOX / "runtime")
os.environ.pop("THESIS_DESK_DATA_DIR", None)

import pytest  # noqa: E402

from thesis_desk.app import Workspace, open_workspace  # noqa: E402
from thesis_desk.paths import ENV_DATA_DIR, WorkspacePaths, resolve_paths  # noqa: E402


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace folder; also the default for anything that reads the env."""
    d = tmp_path / "workspace"
    monkeypatch.setenv(ENV_DATA_DIR, str(d))
    return d


@pytest.fixture(scope="session")
def migrated_template() -> Path:
    """One freshly migrated database, copied for each test (migrating takes ~0.2 s)."""
    from thesis_desk.core.db import open_database

    folder = _SANDBOX / "template"
    db = open_database(folder / "template.sqlite3", folder / "backups")
    db.close()
    return folder / "template.sqlite3"


@pytest.fixture
def paths(data_dir: Path, migrated_template: Path) -> WorkspacePaths:
    p = resolve_paths(data_dir).ensure()
    shutil.copyfile(migrated_template, p.database)
    return p


@pytest.fixture
def workspace(paths: WorkspacePaths) -> Iterator[Workspace]:
    ws = open_workspace(paths=paths)
    yield ws
    ws.close()
