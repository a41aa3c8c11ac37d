"""A team workspace's roles: who may change it (analysts) and who may only read it
(readers: a portfolio manager, compliance). The server enforces them, not the app.

``init`` runs as a superuser (or the database's owner with CREATEROLE): the schema, the
two group roles and their grants, safe to run again and on a second database of the same
server, where the roles already exist. Each person then logs in as a role of their own,
a member of one group: what they write carries that role as its author (migration 0010),
and the journal takes no UPDATE or DELETE from anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from thesis_desk.core.db import Database
from thesis_desk.core.errors import UserError, ValidationError

ANALYST, READER = "thesis_desk_analyst", "thesis_desk_reader"
GROUPS = {"analyst": ANALYST, "reader": READER}
APPEND_ONLY = ("journal_entry", "comment")  # inserted into, never changed nor removed
ADMIN_ONLY = ("alembic_version",)  # the schema's version: only init/upgrade write it


@dataclass(frozen=True)
class TeamUser:
    name: str
    role: str  # analyst / reader
    can_login: bool


def _require_server(db: Database) -> None:
    if not db.is_server:
        raise UserError("A team is set up on a PostgreSQL server: give --database "
                        "postgresql+psycopg://ADMIN@HOST/DATABASE (a local workspace has "
                        "no roles).")


def _ident(name: str) -> str:
    """A role name as a quoted identifier (a name is letters, digits, _ . -)."""
    import re

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]{0,62}", name):
        raise ValidationError({"name": f"'{name}' cannot be a user name: use letters, digits, "
                                       "_ . or -, starting with a letter (at most 63)."})
    return '"' + name + '"'


def init(db: Database) -> list[str]:
    """The group roles and their rights on this database; returns what was done."""
    _require_server(db)
    done = []
    with db.engine.begin() as conn:
        database = conn.exec_driver_sql("SELECT current_database()").scalar()
        for group in (ANALYST, READER):
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_roles WHERE rolname = %(g)s", {"g": group}).scalar()
            if not exists:
                conn.exec_driver_sql(f"CREATE ROLE {group} NOLOGIN")
                done.append(f"created role {group}")
        both = f"{ANALYST}, {READER}"
        for sql in (
            f'GRANT CONNECT ON DATABASE "{database}" TO {both}',
            f"GRANT USAGE ON SCHEMA public TO {both}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {both}",
            f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ANALYST}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ANALYST}",
            *(f"REVOKE UPDATE, DELETE ON {t} FROM {ANALYST}" for t in APPEND_ONLY),
            *(f"REVOKE INSERT, UPDATE, DELETE ON {t} FROM {ANALYST}" for t in ADMIN_ONLY),
            # tables a later upgrade adds get the same rights
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {both}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT INSERT, UPDATE, DELETE ON "
            f"TABLES TO {ANALYST}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES "
            f"TO {ANALYST}",
        ):
            conn.exec_driver_sql(sql)
        done.append(f"granted analysts read and write, readers read, on {database} "
                    f"(the journal append-only)")
    return done


def add_user(db: Database, name: str, role: str, password: str | None = None) -> TeamUser:
    """A login role for one person in the analyst or reader group (moved there if it was
    in the other); a password when given (else the server's own authentication)."""
    _require_server(db)
    if role not in GROUPS:
        raise ValidationError({"role": "The role is analyst or reader."})
    ident = _ident(name)
    with db.engine.begin() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(g)s",
                                    {"g": ANALYST}).scalar():
            raise UserError("This server has no team roles yet: run thesis-desk team init "
                            "--database ADMIN_URL first.")
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(n)s",
                                      {"n": name}).scalar()
        if not exists:
            conn.exec_driver_sql(f"CREATE ROLE {ident} LOGIN")
        if password:  # a utility statement takes no parameter: the driver quotes it
            from psycopg import sql

            conn.connection.driver_connection.execute(  # type: ignore[union-attr]
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name),
                                                           sql.Literal(password)))
        other = READER if GROUPS[role] == ANALYST else ANALYST
        conn.exec_driver_sql(f"REVOKE {other} FROM {ident}")
        conn.exec_driver_sql(f"GRANT {GROUPS[role]} TO {ident}")
    return TeamUser(name, role, True)


def users(db: Database) -> list[TeamUser]:
    """Every member of the two groups, by name."""
    _require_server(db)
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT r.rolname, g.rolname, r.rolcanlogin FROM pg_auth_members m "
            "JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid "
            "WHERE g.rolname IN (%(a)s, %(r)s) ORDER BY r.rolname",
            {"a": ANALYST, "r": READER}).all()
    names = {v: k for k, v in GROUPS.items()}
    return [TeamUser(n, names[g], bool(login)) for n, g, login in rows]


def push(local: Database, server: Database, progress=None,  # noqa: ANN001
         local_originals: Path | None = None) -> dict[str, int]:
    """Copy a local workspace's every row into an empty team database, in one server
    transaction (all of it, or nothing). Rows written locally have no author: they are
    the pusher's (the role connected). Returns the rows copied per table."""
    from sqlalchemy import JSON, func, insert, null, select, text

    from thesis_desk.core.models import Base, Document, Metric, Thesis

    _require_server(server)
    if local.is_server:
        raise UserError("team push copies a local workspace (--data-dir) into the team "
                        "database (--database); both are servers here.")
    with server.engine.connect() as conn:
        held = {t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in (Thesis, Document, Metric)}
    if any(held.values()):
        raise UserError(
            f"The team database is not empty ({held['thesis']} theses, {held['document']} "
            f"documents, {held['metric']} metrics): push only into a new one, so nobody's "
            "work is mixed with another's.")
    copied: dict[str, int] = {}
    # parents before children; not the local file's series packs (core/packs.py: a
    # server keeps none, so nothing there would keep them up to date)
    tables = [t for t in Base.metadata.sorted_tables if t.name != "series_pack"]
    with local.engine.connect() as src, server.engine.begin() as dst:
        me = dst.exec_driver_sql("SELECT current_user").scalar()
        for n, table in enumerate(tables):
            if progress is not None:
                progress(n, len(tables), table.name)
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            for c in table.c:  # a missing JSON value stays SQL NULL, not JSON's null
                if isinstance(c.type, JSON):
                    for r in rows:
                        if r[c.name] is None:
                            r[c.name] = null()
            if "author" in table.c:
                for r in rows:
                    r["author"] = r["author"] or me
            for start in range(0, len(rows), 5000):
                dst.execute(insert(table), rows[start:start + 5000])
            copied[table.name] = len(rows)
            if "id" in table.c and rows:
                # the server's next id follows the copied ones: drawn up to the highest
                # (setval would need a right on the sequence no analyst should have)
                dst.execute(text(
                    f"SELECT count(nextval(pg_get_serial_sequence('{table.name}', 'id'))) "
                    f"FROM generate_series(1, (SELECT max(id) FROM {table.name}))"))
        # the originals' bytes, once per hash, from the local originals folder
        originals = local_originals
        kept = 0
        if originals is not None:
            from thesis_desk.core.models import Document, OriginalFile

            seen: set[str] = set()
            for digest, rel in src.execute(select(Document.sha256, Document.original_path)):
                path = originals / rel if rel else None
                if digest in seen or path is None or not path.is_file():
                    continue
                seen.add(digest)
                dst.execute(insert(OriginalFile.__table__),
                            [{"sha256": digest, "data": path.read_bytes()}])
                kept += 1
        copied["original_file"] = kept
    return copied
