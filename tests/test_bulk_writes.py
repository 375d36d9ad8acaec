"""Writing many rows at once (tracker.core.database.insert_rows), as the alert scan and the stored
standings do, on SQLite and on PostgreSQL (TEST_DATABASE_URL): every value is stored as given,
whatever the batch boundaries, and a row that exists already is skipped, not an error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from tests.conftest import ON_POSTGRES
from tests.helpers import at
from tracker.alerts import services
from tracker.alerts.models import Alert
from tracker.core import database
from tracker.core.database import insert_rows
from tracker.extensions import db
from tracker.plan.models import Task
from tracker.standing.models import StoredStanding


def _alert_row(plan, task, key: str, **values) -> dict:
    return {
        "plan_id": plan.id,
        "key": key,
        "kind": "task_stale",
        "stage": None,
        "unit_id": None,
        "task_id": task.id,
        "period_id": None,
        "milestone_id": None,
        "directive_id": None,
        "question_id": None,
        "parent_id": None,
        "effective_on": date(2026, 8, 1),
        "due_on": None,
        "created_at": datetime(2026, 8, 1, 0, 5, tzinfo=UTC),
        "details": {"text": "Ủy ban MTTQ Việt Nam phường – “đôn đốc”", "periods": [[1, 2]]},
    } | values


def test_many_rows_are_written_in_batches_with_every_value_as_given_and_those_that_exist_skipped(
    app, plan, monkeypatch
):
    monkeypatch.setattr(database, "INSERT_BATCH_ROWS", 3)  # seven rows: three statements
    tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.id).limit(7)).all()
    existing = insert_rows(Alert.__table__, [_alert_row(plan, tasks[0], "bulk:0")], returning=("key", "id"))
    assert [key for key, _id in existing] == ["bulk:0"]
    rows = [
        _alert_row(plan, task, f"bulk:{n}", due_on=date(2026, 12, 31) if n % 2 else None)
        for n, task in enumerate(tasks)
    ]
    rows[3]["created_at"] = datetime(2026, 8, 1, 9, 30, tzinfo=UTC)
    created = insert_rows(Alert.__table__, rows, unique=["key"], returning=("key", "id"))
    assert sorted(key for key, _id in created) == [f"bulk:{n}" for n in range(1, 7)], "the existing row is skipped"
    db.session.commit()
    db.session.expire_all()
    stored = {a.key: a for a in db.session.scalars(select(Alert).where(Alert.key.like("bulk:%")))}
    assert len(stored) == 7
    for n, task in enumerate(tasks):
        alert = stored[f"bulk:{n}"]
        assert alert.task_id == task.id and alert.plan_id == plan.id and alert.unit_id is None
        assert alert.due_on == (date(2026, 12, 31) if n % 2 else None)
        assert alert.details == {"text": "Ủy ban MTTQ Việt Nam phường – “đôn đốc”", "periods": [[1, 2]]}
    assert stored["bulk:3"].created_at == datetime(2026, 8, 1, 9, 30, tzinfo=UTC)
    assert stored["bulk:4"].created_at == datetime(2026, 8, 1, 0, 5, tzinfo=UTC)
    assert dict(created) == {key: alert.id for key, alert in stored.items() if key != "bulk:0"}


def test_the_stored_standings_keep_their_decimals_and_empty_values(app, plan):
    """The standings are written by the same bulk insert: percents stay exact, a parent's empty
    status stays empty."""
    from tracker.standing.stored import refresh_standings

    snapshot = refresh_standings(plan, date(2026, 12, 1))
    db.session.commit()
    stored = {s.task_id: s for s in db.session.scalars(select(StoredStanding).where(StoredStanding.plan_id == plan.id))}
    assert len(stored) == len(snapshot.figures)
    for task_id, figure in snapshot.figures.items():
        assert stored[task_id].percent == Decimal(figure.percent).quantize(Decimal("0.1"))
        assert stored[task_id].is_leaf == figure.is_leaf
        assert (stored[task_id].status is None) == (not figure.is_leaf)


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's planner statistics")
def test_a_scan_that_fills_the_alerts_table_takes_the_planners_statistics_again(app, plan, monkeypatch):
    """PostgreSQL plans by statistics taken when the alerts table was small; a scan that writes
    many alerts takes them again in its own transaction, so its lookups use the indexes."""
    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", 10)

    def estimated() -> float:
        return db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'alert'"))

    assert estimated() <= 0, "the template's alerts table has no statistics yet"
    services.scan_all(date(2027, 2, 15), at("2027-02-15", 7))
    written = db.session.scalar(select(db.func.count(Alert.id)))
    assert written > 20
    assert estimated() >= written / 2, "the statistics were taken after the table grew"
    db.session.rollback()
