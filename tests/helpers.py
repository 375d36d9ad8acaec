"""Small helpers shared by tests."""
from __future__ import annotations

from sqlalchemy import text

from tracker.extensions import db


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that something changed nothing."""
    snapshot = {}
    for table in sorted(db.metadata.tables):
        rows = db.session.execute(text(f'SELECT * FROM "{table}"')).all()
        snapshot[table] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line number of the n-th line containing `needle`."""
    found = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            found += 1
            if found == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")
