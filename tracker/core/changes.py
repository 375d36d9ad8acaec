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

The version is not data: a backup leaves it out (tracker.backup), and a restore, which writes every
table, moves it on like any other write.
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
    Column("id", Integer, primary_key=True),  # one row, id 1, inserted by its migration
    Column("version", BigInteger, nullable=False),
)

UNCOUNTED = frozenset({"scheduler_heartbeat", "scan_run", "outbox_message", "form_submission", "kept_form"})

_WROTE = "data_written"  # session.info key: this transaction wrote something
_ADDED = "data_versions_added"  # session.info key: how many versions this session's commits added
_WRITING_TEXT = re.compile(r"\s*(insert|update|delete|merge|truncate)\b", re.IGNORECASE)


def current_version() -> int:
    """The version as committed: read it before the data a page is rendered from, so that the page
    is at least as new as the version it is kept under."""
    return db.session.scalar(select(data_version.c.version).where(data_version.c.id == 1)) or 0


def versions_added() -> int:
    """How many versions the commits of this session (this request, this command) have added: with
    the version read before them, the version they left if nobody else wrote meanwhile."""
    return db.session().info.get(_ADDED, 0)


def _counted(obj) -> bool:
    table = getattr(obj, "__table__", None)
    return table is None or table.name not in UNCOUNTED


@event.listens_for(Session, "after_flush")
def _note_flush(session, _flush_context) -> None:
    # An object is "dirty" once an attribute is set, even to the value it had: only real changes count.
    changed = chain(session.new, session.deleted, (obj for obj in session.dirty if session.is_modified(obj)))
    if any(_counted(obj) for obj in changed):
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    statement = state.statement
    if statement.is_dml:
        table = getattr(statement, "table", None)
        if getattr(table, "name", None) not in UNCOUNTED:
            state.session.info[_WROTE] = True
    elif isinstance(statement, TextClause) and _WRITING_TEXT.match(statement.text):
        state.session.info[_WROTE] = True


@event.listens_for(Session, "before_commit")
def _count_the_write(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer commit counts
    session.flush()  # so that _note_flush has seen every change of the transaction
    if session.info.pop(_WROTE, False):
        # On the connection, not through the session: this statement is not a write to count.
        session.connection().execute(
            update(data_version).where(data_version.c.id == 1).values(version=data_version.c.version + 1)
        )
        session.info[_ADDED] = session.info.get(_ADDED, 0) + 1


@event.listens_for(Session, "after_transaction_end")
def _forget_the_write(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (a savepoint's end keeps the mark)
        session.info.pop(_WROTE, None)
