"""Alembic environment: always handed an open connection inside a transaction."""

from alembic import context

from thesis_desk.core.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` command-line use
    raise RuntimeError("Run migrations through thesis_desk.core.migrations.upgrade().")



def _include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    # The FTS5 virtual table and its shadow tables are managed by hand.
    return not (type_ == "table" and name.startswith("document_fts"))


context.configure(
    connection=connection,
    include_object=_include_object,
    target_metadata=Base.metadata,
    # SQLite: emulate ALTER by table copy, and keep DDL inside our transaction.
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
