"""Engine settings that must hold on every connection, and the limits on waiting for PostgreSQL.

A database that does not answer (stopped, frozen, cut off) must not hang a page: on PostgreSQL a
new connection gives up after DATABASE_CONNECT_TIMEOUT_SECONDS, a statement is cancelled by the
server after DATABASE_STATEMENT_TIMEOUT_SECONDS, a request waits at most
DATABASE_POOL_TIMEOUT_SECONDS for a free connection, and the app itself stops waiting for an
answer DATABASE_WAIT_SECONDS after the last byte arrived (a frozen server cannot cancel anything,
so the limit has to be on our side). The page is then the calm 503 page (tracker.core.errors).

Work that legitimately runs long statements (migrations, the alert scan, backups) asks for it
with `long_statements()`.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from tracker.extensions import db

# How long to wait for the database's answer in this context; None: the configured limit.
_wait_limit: ContextVar[float | None] = ContextVar("database_wait_limit", default=None)


def engine_options(app: Flask) -> None:
    """Add the connection limits to the engine options (before Flask-SQLAlchemy builds it)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"])
    statement_ms = int(app.config["DATABASE_STATEMENT_TIMEOUT_SECONDS"] * 1000)
    lock_ms = int(app.config["DATABASE_LOCK_TIMEOUT_SECONDS"] * 1000)
    connect_args.setdefault("options", f"-c statement_timeout={statement_ms} -c lock_timeout={lock_ms}")
    options["connect_args"] = connect_args
    options.setdefault("pool_timeout", app.config["DATABASE_POOL_TIMEOUT_SECONDS"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def configure_engines(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_on_connect)
        elif engine.dialect.name == "postgresql":
            attach_limits(engine, float(app.config["DATABASE_WAIT_SECONDS"]))


def attach_limits(engine, wait_seconds: float) -> None:
    """Make a PostgreSQL engine stop waiting for answers after `wait_seconds` (see above)."""
    event.listen(engine, "do_connect", _timed_connect(wait_seconds))
    event.listen(engine, "handle_error", _no_answer_is_a_disconnect)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # Readers do not block the writer, and a writer waits for a lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


def _timed_connect(default_wait: float):
    import psycopg

    class TimedConnection(psycopg.Connection):
        """A psycopg connection that stops waiting for an answer after a limit (psycopg's own
        wait timeout, which raises an OperationalError)."""

        def wait(self, gen, interval=0.1, timeout=None):
            if timeout is None:
                timeout = _wait_limit.get() or default_wait
            return super().wait(gen, interval, timeout)

    def connect(dialect, connection_record, cargs, cparams):
        return TimedConnection.connect(*cargs, **cparams)

    return connect


def _no_answer_is_a_disconnect(context) -> None:
    """A connection that stopped answering is thrown away, never rolled back (which would wait
    again) nor given to the next request."""
    from psycopg.errors import _WaitTimeout

    if isinstance(context.original_exception, _WaitTimeout):
        context.is_disconnect = True


class CommitOutcomeUnknown(Exception):
    """The connection broke during the commit: the database may or may not have committed."""


def commit() -> None:
    """Commit the session. If the connection breaks during the commit, the commit may have
    reached the database and only its answer been lost: CommitOutcomeUnknown says so, and the
    caller must act as if it may have committed (never delete what the transaction pointed at)."""
    from sqlalchemy.exc import DBAPIError

    try:
        db.session.commit()
    except DBAPIError as error:
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone
            pass
        # The server's own refusals carry an SQLSTATE (a serialization failure, a constraint):
        # those are known not to have committed. A broken connection carries none.
        if error.connection_invalidated or getattr(error.orig, "sqlstate", "") is None:
            raise CommitOutcomeUnknown() from error
        raise


def no_reads_after_commit() -> None:
    """A request builds its answer from what it holds: objects are not reloaded after the commit
    (a reload would fail if the database went away just after committing, and the person would
    be told it failed though it was saved). Set on the request's own session (db.session() is
    the session itself; an attribute set on db.session, the registry, would change nothing) and
    put back when the request ends."""
    db.session().expire_on_commit = False


def reads_after_commit_again(_error=None) -> None:
    db.session().expire_on_commit = True


@contextmanager
def wait_limit(seconds: float):
    """Wait at most this long for the database's answers in this block (e.g. /healthz)."""
    token = _wait_limit.set(seconds)
    try:
        yield
    finally:
        _wait_limit.reset(token)


@contextmanager
def long_statements(minutes: int = 30):
    """Statements in this block may run long (a migration, the alert scan of a big ward): the
    server's statement timeout is raised for the current transaction and the app waits as long."""
    token = _wait_limit.set(minutes * 60 + 5)
    try:
        if db.engine.dialect.name == "postgresql":
            # A long job may also wait long for a lock (two scans one after the other).
            db.session.execute(text(f"SET LOCAL statement_timeout = '{int(minutes)}min'"))
            db.session.execute(text(f"SET LOCAL lock_timeout = '{int(minutes)}min'"))
        yield
    finally:
        _wait_limit.reset(token)


def update_statistics() -> None:
    """Refresh the query planner's statistics (ANALYZE) and commit. The planner picks an index by
    them: without them SQLite reads every progress update of a plan to find its latest fifteen.
    PostgreSQL's autovacuum keeps them by itself, but not right after a bulk load; SQLite never.
    Run after the morning scan and after a plan is loaded."""
    with long_statements():
        db.session.execute(text("ANALYZE"))
    db.session.commit()


# Rows per statement of insert_rows. On SQLite a statement's VALUES list then holds at most 20,000
# parameters (the widest table has 20 columns), under its 32,766; on PostgreSQL it bounds the
# size of the arrays sent at once.
INSERT_BATCH_ROWS = 1000


def insert_rows(table, rows: list[dict], *, session=None, unique: list[str] | None = None, returning=()) -> list[tuple]:
    """Insert many rows of `table` (each a dict with the same keys) in few statements; with
    `unique`, a row whose unique columns exist already is skipped (ON CONFLICT DO NOTHING); the
    `returning` columns of the rows inserted come back.

    On PostgreSQL the rows go as one array per column, unnested by the server (the arrays of one
    SELECT list unnest side by side): a batch in as many parameters as the row has columns, and
    one statement, written once for each shape of insert. A VALUES list with a parameter per
    cell, or a statement per row (psycopg's executemany), costs the client and the server two to
    three times as much: the alerts of a plan of 20,000 tasks took 6.4 s, against 2.2 s. SQLite
    runs one statement for many rows ("insertmanyvalues")."""
    from sqlalchemy.dialects import sqlite

    session = session if session is not None else db.session
    created: list[tuple] = []
    if not rows:
        return created
    columns = tuple(rows[0])
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        statement = _unnest_insert(table, columns, tuple(unique or ()), tuple(returning))
    else:
        statement = sqlite.insert(table)
        if unique:
            statement = statement.on_conflict_do_nothing(index_elements=unique)
        if returning:
            statement = statement.returning(*[table.c[name] for name in returning])
    for start in range(0, len(rows), INSERT_BATCH_ROWS):
        batch = rows[start : start + INSERT_BATCH_ROWS]
        if postgres:
            result = session.execute(statement, {name: [row[name] for row in batch] for name in columns})
        else:
            result = session.execute(statement, batch)
        if returning:
            created.extend(result.tuples().all())
    return created


@functools.cache
def _unnest_insert(table, columns: tuple, unique: tuple, returning: tuple):
    """INSERT INTO t (a, b) SELECT unnest(CAST(:a AS type[])), unnest(CAST(:b AS type[])) [ON
    CONFLICT (u) DO NOTHING] [RETURNING r]: a statement of text, built once and cached (the
    dialect's own INSERT construct has no cache key, and is compiled again on each call)."""
    from sqlalchemy import bindparam
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    preparer = dialect.identifier_preparer
    arrays = ", ".join(f"unnest(CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[]))" for name in columns)
    sql = f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(name) for name in columns)}) SELECT {arrays}"
    if unique:
        sql += f" ON CONFLICT ({', '.join(preparer.quote(name) for name in unique)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(preparer.quote(name) for name in returning)}"
    statement = text(sql).bindparams(*[bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in columns])
    return statement.columns(*[table.c[name] for name in returning]) if returning else statement
