"""A team workspace's rights, enforced by a real PostgreSQL server: analysts write under
their own name, a reader reads everything and is refused every write in one line, the
journal takes no change from anyone, and `team init` is safe to run again."""

from __future__ import annotations

import itertools
import json

import psycopg
import pytest

from thesis_desk.app import open_workspace
from thesis_desk.cli import main
from thesis_desk.core.errors import StorageError
from thesis_desk.core.records import CloseInput, EvidenceInput, ThesisInput
from thesis_desk.paths import resolve_paths

_N = itertools.count(1)


def _as(url: str, user: str) -> str:
    """The same database, logged in as ``user`` (the test server trusts loopback)."""
    return url.replace("td_admin@", f"{user}@", 1)


@pytest.fixture
def team(pg_url, tmp_path, capsys):
    """A team database with one analyst and one reader (role names are the server's,
    shared by every database on it: unique per test)."""
    n = next(_N)
    alice, pm = f"alice_{n}", f"pm_{n}"
    assert main(["team", "init", "--database", pg_url]) == 0
    assert main(["team", "init", "--database", pg_url]) == 0  # again: nothing breaks
    assert main(["team", "add-user", alice, "--role", "analyst", "--database", pg_url]) == 0
    assert main(["team", "add-user", pm, "--role", "reader", "--database", pg_url]) == 0
    capsys.readouterr()
    paths = resolve_paths(tmp_path / "local").ensure()
    opened = []

    def workspace(user: str):
        ws = open_workspace(paths=paths, database=_as(pg_url, user))
        opened.append(ws)
        return ws

    yield pg_url, alice, pm, workspace
    for ws in opened:
        ws.close()


def test_an_analyst_writes_under_their_own_name(team):
    url, alice, _pm, workspace = team
    ws = workspace(alice)
    t = ws.theses.create(ThesisInput("Meituan's take rate holds", status="active"))
    ws.evidence.add(EvidenceInput(t.id, "Take rate flat at 3.1%", source_text="Call notes"))
    assert ws.theses.get(t.id).author == alice
    assert {e.author for e in ws.theses.journal(t.id)} == {alice}
    [e] = ws.evidence.for_thesis(t.id)
    assert e.author == alice
    # and --json says so
    assert main(["theses", "show", str(t.id), "--json", "--database", _as(url, alice)]) == 0


def test_a_reader_reads_everything_and_is_refused_every_write_in_one_line(team, capsys):
    url, alice, pm, workspace = team
    t = workspace(alice).theses.create(ThesisInput("Readable", status="active"))
    reader = workspace(pm)
    assert reader.read_only and not workspace(alice).read_only  # the window greys editing
    assert [x.title for x in reader.theses.list()] == ["Readable"]
    with pytest.raises(StorageError) as e:
        reader.theses.create(ThesisInput("Not allowed"))
    assert "may read this workspace but not change it" in str(e.value)
    assert "\n" not in str(e.value)
    with pytest.raises(StorageError):
        reader.outcomes.close(t.id, CloseInput("right", t.created_at.date()))
    assert [x.status for x in reader.theses.list()] == ["active"]  # nothing written
    capsys.readouterr()
    assert main(["theses", "add", "--title", "Nope", "--database", _as(url, pm)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("thesis-desk: Not saved: your database role may read")
    assert len(err.strip().splitlines()) == 1


def test_the_journal_is_append_only_for_every_analyst(team):
    url, alice, _pm, workspace = team
    t = workspace(alice).theses.create(ThesisInput("Journaled"))
    raw = _as(url, alice).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE journal_entry SET reason = 'rewritten' WHERE thesis_id = %s",
                         (t.id,))
    with psycopg.connect(raw) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM journal_entry WHERE thesis_id = %s", (t.id,))
    # a thesis deleted for good still takes its journal with it (the server's own cascade)
    ws = workspace(alice)
    assert ws.delete_thesis_permanently(t.id) == ("Journaled", None)
    assert ws.theses.list() == []


def test_users_are_listed_with_their_roles_and_init_works_on_a_second_database(
        team, pg_server, capsys):
    url, alice, pm, _workspace = team
    assert main(["team", "users", "--json", "--database", url]) == 0
    listed = {u["name"]: u["role"] for u in json.loads(capsys.readouterr().out)}
    assert (listed[alice], listed[pm]) == ("analyst", "reader")
    # the roles exist already; a second database of the same server takes them as they are
    pg_server.execute("CREATE DATABASE td_second")
    second = pg_server.url("td_second")
    assert main(["team", "init", "--database", second]) == 0
    assert "Team workspace ready" in capsys.readouterr().out
    # moving the reader to analysts: one group at a time
    assert main(["team", "add-user", pm, "--role", "analyst", "--database", url]) == 0
    capsys.readouterr()
    assert main(["team", "users", "--json", "--database", url]) == 0
    assert {u["name"]: u["role"] for u in json.loads(capsys.readouterr().out)}[pm] == "analyst"


def test_team_commands_refuse_a_local_workspace_and_a_bad_name(data_dir, pg_url, capsys):
    import os

    os.environ.pop("THESIS_DESK_DATABASE", None)
    assert main(["team", "init"]) == 1
    assert "is set up on a PostgreSQL server" in capsys.readouterr().err
    assert main(["team", "add-user", "bob; DROP TABLE thesis", "--role", "analyst",
                 "--database", pg_url]) == 1
    assert "cannot be a user name" in capsys.readouterr().err


def test_an_analyst_cannot_upgrade_the_schema_and_is_told_who_can(team, pg_server):
    from thesis_desk.core.errors import MigrationError

    url, alice, _pm, workspace = team
    pg_server.execute("UPDATE alembic_version SET version_num = '0009'",
                      database=url.rsplit("/", 1)[1])
    with pytest.raises(MigrationError) as e:
        workspace(alice)
    assert "Ask the team's administrator to run: thesis-desk team init" in str(e.value)


def test_push_copies_a_local_workspace_whole_into_an_empty_team_database(
        workspace, team, capsys):
    from thesis_desk.core.demo import build_demo
    from thesis_desk.resources import seeds_dir

    url, alice, _pm, open_as = team
    build_demo(workspace, seeds_dir())
    # a history judged whole packs its series locally (core/packs.py); a server keeps none
    from sqlalchemy import text

    from thesis_desk.core.records import RuleInput

    metric = workspace.metrics.list()[0]
    workspace.alerts.add_rule(RuleInput(metric.id, "above", 0.0), judge_history=True)
    workspace.alerts.check_all()
    with workspace.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM series_pack")).scalar() >= 1
    local = {t.title: t for t in workspace.theses.list()}
    data_dir = str(workspace.paths.data_dir)
    assert main(["team", "push", "--data-dir", data_dir, "--database", _as(url, alice)]) == 0
    assert "Copied 3 theses, 30 evidence items, 5 documents" in capsys.readouterr().out
    ws = open_as(alice)
    with ws.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM series_pack")).scalar() == 0
    assert {t.title: (t.id, t.conviction) for t in ws.theses.list()} == {
        k: (t.id, t.conviction) for k, t in local.items()}
    tid = next(iter(local.values())).id
    assert [e.quote for e in ws.evidence.for_thesis(tid)] == [
        e.quote for e in workspace.evidence.for_thesis(tid)]
    assert ws.evidence.verify_quotes() == []  # every quote still equals its document
    assert {e.author for e in ws.theses.journal(tid)} == {alice}  # the pusher's
    assert ws.library.search("capex")  # the server's own index has the pushed text
    doc = workspace.library.list()[0]  # its original, now the server's, on another machine
    laptop = open_workspace(paths=resolve_paths(workspace.paths.data_dir.parent / "laptop")
                            .ensure(), database=_as(url, alice))
    try:
        assert laptop.library.original(doc.id).read_bytes() == \
            workspace.library.original(doc.id).read_bytes()
    finally:
        laptop.close()
    # the server's ids go on after the copied ones
    new = ws.theses.create(ThesisInput("After the push"))
    assert new.id > max(t.id for t in local.values())
    # a second push would mix two workspaces: refused, nothing written
    assert main(["team", "push", "--data-dir", data_dir, "--database", _as(url, alice)]) == 1
    assert "is not empty (4 theses" in capsys.readouterr().err


def test_a_server_that_does_not_answer_is_said_in_one_line(tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://alice:secret@127.0.0.1:{port}/research"
    assert main(["theses", "list", "--data-dir", str(tmp_path / "d"), "--database", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("thesis-desk: Cannot reach the database server at "
                          f"postgresql+psycopg://alice:***@127.0.0.1:{port}/research")
    assert "secret" not in err and len(err.strip().splitlines()) == 1


def test_a_private_thesis_and_all_of_it_is_hidden_from_the_rest_of_the_team(
        team, pg_server, capsys):
    from thesis_desk.core.errors import NotFoundError

    url, alice, pm, workspace = team
    n = alice.split("_")[1]
    bob = f"bob_{n}"
    assert main(["team", "add-user", bob, "--role", "analyst", "--database", url]) == 0
    mine = workspace(alice)
    secret = mine.theses.create(ThesisInput("Short Li Auto before deliveries", status="active",
                                            visibility="private"))
    mine.evidence.add(EvidenceInput(secret.id, "Orders slowed in week 3", source_text="Channel"))
    mine.comments.add(secret.id, "Sizing: 1% until the print")
    shared = mine.theses.create(ThesisInput("Shared with the team"))
    for other in (workspace(bob), workspace(pm)):
        assert [t.title for t in other.theses.list()] == ["Shared with the team"]
        with pytest.raises(NotFoundError):
            other.theses.get(secret.id)
        assert other.evidence.for_thesis(secret.id) == []
        assert other.comments.for_thesis(secret.id) == []
        assert other.evidence.count() == 0
    assert {t.title for t in mine.theses.list()} == {"Short Li Auto before deliveries",
                                                     "Shared with the team"}
    # nobody else can make another's thesis private
    with pytest.raises(StorageError):
        workspace(bob).theses.update(shared.id, ThesisInput("Shared with the team",
                                                            visibility="private"))
    # shared again: the team sees it, and what it holds
    now = mine.theses.get(secret.id)
    mine.theses.update(secret.id, ThesisInput(**{**now.to_input().__dict__,
                                                 "visibility": "team"}))
    assert len(workspace(bob).evidence.for_thesis(secret.id)) == 1
    capsys.readouterr()
    assert main(["theses", "add", "--title", "CLI private", "--private",
                 "--database", _as(url, alice)]) == 0
    capsys.readouterr()
    assert main(["theses", "list", "--json", "--database", _as(url, bob)]) == 0
    listed = [t["title"] for t in json.loads(capsys.readouterr().out)]
    assert "CLI private" not in listed and "Shared with the team" in listed


def test_a_password_with_quotes_is_set_safely(pg_url, pg_server):
    from thesis_desk.core import team

    ws = open_workspace(paths=resolve_paths(pg_server.root / "pw").ensure(), database=pg_url)
    try:
        team.init(ws.db)
        user = team.add_user(ws.db, f"carol_{next(_N)}", "analyst", password="it's; DROP ROLE x")
        with ws.db.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %(n)s",
                {"n": user.name}).scalar()
    finally:
        ws.close()


def test_originals_live_in_the_team_database_for_every_analyst(team, tmp_path, workspace):
    """Imported on the server by one analyst, opened by another on a machine that never
    had the file; pushed ones too."""
    url, alice, _pm, open_as = team
    n = alice.split("_")[1]
    src = tmp_path / "note.txt"
    src.write_bytes(b"Broker note: capex guidance raised.\n")
    mine = open_as(alice)
    [r] = mine.library.import_files([src])
    assert r.status == "imported"
    # another machine: its own (empty) originals folder, the same team database
    elsewhere = open_workspace(paths=resolve_paths(tmp_path / f"laptop{n}").ensure(),
                               database=_as(url, alice))
    try:
        assert not (elsewhere.paths.originals_dir / "x").exists()
        path = elsewhere.library.original(r.document.id)
        assert path.read_bytes() == src.read_bytes()
        assert elsewhere.library.check_originals() == ([], [])
    finally:
        elsewhere.close()
