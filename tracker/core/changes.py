"""The data's version: one number that goes up with every committed transaction that wrote anything.

A page kept rendered (tracker.core.page_cache) is kept under the version it was read at, and is
out of date as soon as the version has moved on. Every write counts, whatever it changes, so no
page has to know which of its inputs a write touches: the ORM's flushes, and the statements run
through the session (bulk inserts, updates and deletes, written as constructs or as text), set a
mark on the session, and the commit that carries the mark adds one to the version in the same
transaction. The daily scan and the other processes count alike: the version is in the database.

Bookkeeping that no kept page reads does not count: the scheduler's heartbeat (every minute), the
record of each alert scan, the e-mail outbox's sending state, and a person's own form bookkeeping
(the forms already posted, the text kept when a post was refused), read only by the form pages,
which are never kept.

A second number, the indicators' version (row 2), goes up only with the writes that can change
what the wards' shared indicators add up to (tracker.overview.queries.shared_indicators): their
indicators, targets and figures, the reporting periods, the plans and the wards; a statement of
SQL text moves it on too, unless it names another table plainly (INSERT INTO t, UPDATE t, DELETE
FROM t). A province's totals are kept under it.

The versions are not data: a backup leaves them out (tracker.backup), and a restore, which writes
every table, moves them on like any other write.
"""

from __future__ import annotations

import re
from itertools import chain

from sqlalchemy import BigInteger, Column, Integer, Table, event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from tracker.extensions import db

data_version = Table(
    "data_version",
    db.metadata,
    Column("id", Integer, primary_key=True),  # EVERYTHING and INDICATORS, inserted by the migrations
    Column("version", BigInteger, nullable=False),
)

EVERYTHING, INDICATORS = 1, 2  # the rows of data_version

UNCOUNTED = frozenset(
    {"scheduler_heartbeat", "scan_run", "outbox_message", "form_submission", "kept_form", "shared_total", "api_token"}
)
# What the shared indicators' totals are worked out from.
INDICATOR_TABLES = frozenset({"indicator", "target", "indicator_value", "reporting_period", "plan", "ward"})

_WROTE = "data_written"  # session.info key: this transaction wrote something
_WROTE_INDICATORS = "indicators_written"  # session.info key: ... something the shared totals are made of
_ADDED = "data_versions_added"  # session.info key: how many versions this session's commits added
_WRITING_TEXT = re.compile(r"\s*(insert|update|delete|merge|truncate)\b", re.IGNORECASE)
# The table a statement of text writes, when it says so plainly: INSERT INTO t, UPDATE t, DELETE FROM t.
_WRITTEN_TABLE = re.compile(r'\s*(?:insert\s+into|update|delete\s+from)\s+"?(\w+)"?[\s(]', re.IGNORECASE)


def current_version(which: int = EVERYTHING) -> int:
    """The version as committed: read it before the data a page is rendered from, so that the page
    is at least as new as the version it is kept under."""
    return db.session.scalar(select(data_version.c.version).where(data_version.c.id == which)) or 0


def versions_added() -> int:
    """How many versions the commits of this session (this request, this command) have added: with
    the version read before them, the version they left if nobody else wrote meanwhile."""
    return db.session().info.get(_ADDED, 0)


def _note(session, table_name: str | None) -> None:
    """A write to the table (None: a table not known) in the session's transaction."""
    if table_name not in UNCOUNTED:
        session.info[_WROTE] = True
    if table_name is None or table_name in INDICATOR_TABLES:
        session.info[_WROTE_INDICATORS] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session, _flush_context) -> None:
    # An object is "dirty" once an attribute is set, even to the value it had: only real changes count.
    changed = chain(session.new, session.deleted, (obj for obj in session.dirty if session.is_modified(obj)))
    for obj in changed:
        table = getattr(obj, "__table__", None)
        _note(session, getattr(table, "name", None))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    statement = state.statement
    if statement.is_dml:
        _note(state.session, getattr(getattr(statement, "table", None), "name", None))
    elif isinstance(statement, TextClause) and _WRITING_TEXT.match(statement.text):
        named = _WRITTEN_TABLE.match(statement.text)
        _note(state.session, named.group(1).lower() if named else None)


@event.listens_for(Session, "before_commit")
def _count_the_write(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer commit counts
    session.flush()  # so that _note_flush has seen every change of the transaction
    if session.info.pop(_WROTE_INDICATORS, False):
        _move_on(session, INDICATORS)
    if session.info.pop(_WROTE, False):
        _move_on(session, EVERYTHING)
        session.info[_ADDED] = session.info.get(_ADDED, 0) + 1


def _move_on(session, which: int) -> None:
    # On the connection, not through the session: this statement is not a write to count.
    session.connection().execute(
        update(data_version).where(data_version.c.id == which).values(version=data_version.c.version + 1)
    )


@event.listens_for(Session, "after_transaction_end")
def _forget_the_write(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (a savepoint's end keeps the mark)
        session.info.pop(_WROTE, None)
        session.info.pop(_WROTE_INDICATORS, None)
