"""The migration to unit reports keeps every old per-task report's content and history.

The fixture `data/demo-activity-per-task-reports.json` holds every row of a database filled by
`flask demo activity` on the schema before unit reports (revision cd86fe19c713): six per-task reports
of Phòng Văn hóa – Xã hội, three accepted, one returned with a reason and sent again, one late. The
test loads it at that revision (SQLite or PostgreSQL), upgrades, and reads the same history back.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, Boolean, Date, DateTime, MetaData, Numeric, insert, select, text

from tests import helpers
from tests.conftest import _postgres, drop_database, make_app
from tracker.extensions import db
from tracker.reports.models import UnitReport

FIXTURE = Path(__file__).parent / "data" / "demo-activity-per-task-reports.json"
BEFORE = "cd86fe19c713"


def _value(column, value):
    """A row's value from the SQLite dump, as the column's type takes it on either database."""
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, JSON):
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(column.type, Boolean):
        return bool(value)
    if isinstance(column.type, Numeric):
        return value
    return value


def _load_fixture(connection) -> None:
    dump = json.loads(FIXTURE.read_text())
    assert dump["revision"] == BEFORE
    metadata = MetaData()
    metadata.reflect(connection)
    for table in metadata.sorted_tables:
        if table.name not in dump["tables"]:
            continue
        content = dump["tables"][table.name]
        rows = [
            {name: _value(table.c[name], value) for name, value in zip(content["columns"], row)}
            for row in content["rows"]
        ]
        connection.execute(insert(table), rows)
    if connection.dialect.name == "postgresql":
        for table in metadata.sorted_tables:
            if "id" in table.c and table.name in dump["tables"]:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT MAX(id) FROM \"{table.name}\"))"
                    )
                )


@pytest.fixture
def old_database(tmp_path):
    """A database at the revision before unit reports, holding the demo activity of that time."""
    database = (
        _postgres.create(f"tracker_test_{uuid.uuid4().hex[:12]}") if _postgres is not None else tmp_path / "old.db"
    )
    app = make_app(database)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            _load_fixture(connection)
        yield app
        db.session.remove()
        db.engine.dispose()
    drop_database(database)


def _old_history(connection) -> list[dict]:
    """Each old report as a reader saw it: which task and unit, its words, its outcome and steps."""
    reports = (
        connection.execute(
            text(
                "SELECT r.id, t.code AS task, u.code AS unit, p.kind, p.year, r.status, r.results, r.difficulties, r.proposals, "
                "r.review_comment, r.first_submitted_at FROM period_report r JOIN task t ON t.id = r.task_id "
                "JOIN unit u ON u.id = r.unit_id JOIN reporting_period p ON p.id = r.period_id ORDER BY r.id"
            )
        )
        .mappings()
        .all()
    )
    events = (
        connection.execute(
            text("SELECT report_id, action, actor_id, comment, occurred_at FROM period_report_event ORDER BY id")
        )
        .mappings()
        .all()
    )
    history = []
    for report in reports:
        entry = dict(report)
        entry["events"] = [
            (e["action"], e["actor_id"], e["comment"], str(e["occurred_at"])[:19])
            for e in events
            if e["report_id"] == report["id"]
        ]
        history.append(entry)
    return history


def test_the_migration_keeps_every_old_reports_content_and_history(old_database):
    with db.engine.connect() as connection:
        old = _old_history(connection)
    assert len(old) == 6
    assert {r["status"] for r in old} == {"accepted", "submitted"}
    assert any(e[0] == "returned" for r in old for e in r["events"])

    upgrade()
    db.session.expire_all()
    reports = db.session.scalars(select(UnitReport)).all()
    # Six per-task reports of one unit in one period: one unit report.
    assert len(reports) == 1
    report = reports[0]
    assert report.unit.code == "phong-vh-xh" and (report.period.kind, report.period.year) == ("six_month", 2026)
    # Some sections were waiting for review: so is the report; it was sent from the first submission.
    assert report.status == "submitted"
    assert report.first_submitted_at.replace(tzinfo=None) == min(
        datetime.fromisoformat(str(r["first_submitted_at"])[:19]) for r in old
    )
    for entry in old:
        section = next(s for s in report.sections if s.task.code == entry["task"])
        assert (section.results, section.difficulties, section.proposals) == (
            entry["results"],
            entry["difficulties"],
            entry["proposals"],
        )
        assert section.outcome == (entry["status"] if entry["status"] in ("accepted", "returned") else None)
        if entry["status"] == "accepted":
            assert section.outcome_comment == entry["review_comment"]
        moved = [
            (e.action, e.actor_id, e.comment, e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"))
            for e in report.events
            if e.task_id == section.task_id
        ]
        assert moved == entry["events"], entry["task"]
    assert len(report.events) == sum(len(r["events"]) for r in old)


def test_the_same_history_reads_the_same_on_the_page_after_the_upgrade(old_database):
    with db.engine.connect() as connection:
        old = _old_history(connection)
    upgrade()
    report_id = db.session.scalar(select(UnitReport.id))
    plan_id = db.session.scalar(text("SELECT id FROM plan"))
    from tracker.accounts.models import User

    user = db.session.scalar(select(User).where(User.username == "demo.thuongtruc"))
    user.set_password("a long enough password")
    db.session.commit()
    client = old_database.test_client()
    assert (
        client.post("/login", data={"username": "demo.thuongtruc", "password": "a long enough password"}).status_code
        == 302
    )
    html = helpers.page(client, f"/plans/{plan_id}/reports/{report_id}")
    shown = helpers.plain(html)
    for entry in old:
        for words in (entry["results"], entry["difficulties"], entry["proposals"]):
            if words:
                assert helpers.plain(words) in shown, words[:40]
    returned = next(e for r in old for e in r["events"] if e[0] == "returned")
    assert returned[2] in shown  # the secretariat's reason


def test_downgrade_is_refused_clearly_once_unit_reports_exist(old_database, capfd):
    upgrade()
    with pytest.raises(SystemExit):  # `flask db downgrade` logs the reason and exits with 1
        downgrade(revision=BEFORE)
    said = capfd.readouterr().err
    assert "Downgrade refused" in said and "Restore the backup taken before the upgrade" in said
    db.session.expire_all()
    assert db.session.scalar(select(UnitReport.id)) is not None


def test_an_empty_database_downgrades_and_upgrades_again(empty_app):
    downgrade(revision=BEFORE)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM period_report")).scalar() == 0
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM unit_report")).scalar() == 0
