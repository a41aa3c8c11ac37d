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
os.environ.pop("THESIS_DESK_DATABASE", None)

import pytest  # noqa: E402

from thesis_desk.render import mirror_qt_lazily  # noqa: E402

mirror_qt_lazily()  # as the app and the memo export import pyqtgraph (before any test does)

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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``both_backends`` runs twice: its workspace on SQLite, then on
    PostgreSQL (the same services, tests and expectations)."""
    if (metafunc.definition.get_closest_marker("both_backends")
            and "backend" in metafunc.fixturenames):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One throwaway PostgreSQL server for the session (tests/pg.py), with a migrated
    template database each test's database is copied from."""
    from tests.pg import Server

    server = Server()
    try:
        server.execute("CREATE DATABASE td_template")
        db = open_workspace(paths=resolve_paths(_SANDBOX / "pg-template").ensure(),
                            database=server.url("td_template"))
        db.close()
        yield server
    finally:
        server.stop()


_PG_DATABASES = iter(range(1, 10**6))


@pytest.fixture
def pg_url(pg_server, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database on the session's server, already migrated (a template copy:
    milliseconds), named for every command by $THESIS_DESK_DATABASE; dropped when the
    test ends (left for the end, 200 databases' 63,000 files took 23 s to delete)."""
    name = f"td_test_{next(_PG_DATABASES)}"
    # copying the files is faster than writing the copy to the WAL (15's default)
    strategy = " STRATEGY FILE_COPY" if pg_server.major >= 15 else ""
    pg_server.execute(f"CREATE DATABASE {name} TEMPLATE td_template{strategy}")
    url = pg_server.url(name)
    monkeypatch.setenv("THESIS_DESK_DATABASE", url)
    yield url
    # FORCE: connections a test left open are ended; a drop that still fails is an error
    pg_server.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def workspace(paths: WorkspacePaths, backend: str,
              request: pytest.FixtureRequest) -> Iterator[Workspace]:
    if backend == "postgresql":
        ws = open_workspace(paths=paths, database=request.getfixturevalue("pg_url"))
    else:
        ws = open_workspace(paths=paths)
    yield ws
    ws.close()


def pytest_unconfigure(config: pytest.Config) -> None:
    """The sandbox goes with the session (every run left its HOME and templates in the
    system's temporary folder). A test's own folders are pytest's ``tmp_path``, which
    keeps the last three runs' for looking at a failure."""
    shutil.rmtree(_SANDBOX, ignore_errors=True)
