"""/healthz, the load balancer's question: is this app server fit to serve? 200 only when the
database answers, its schema is at the latest migration and the scheduler beat less than five
minutes ago; 503 with the reasons otherwise, always as JSON, never a stack trace."""

from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.conftest import make_app
from tracker import ROOT
from tracker.core.time import now
from tracker.extensions import db
from tracker.scheduler.models import SchedulerHeartbeat

MIGRATIONS = ROOT / "migrations" / "versions"


def revisions() -> tuple[str, str]:
    """The head revision and the one before it, read from the migration files."""
    parents = {}
    for path in MIGRATIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision\s*=\s*['\"]([0-9a-f]+)['\"]", source, re.M).group(1)
        down = re.search(r"^down_revision\s*=\s*(?:['\"]([0-9a-f]+)['\"]|None)", source, re.M).group(1)
        parents[revision] = down
    [head] = set(parents) - set(parents.values())
    assert parents[head], "the head has no previous revision"
    return head, parents[head]


def beat(minutes_ago: float = 0) -> None:
    row = db.session.get(SchedulerHeartbeat, 1) or SchedulerHeartbeat(id=1)
    row.beat_at, row.host, row.pid = now() - timedelta(minutes=minutes_ago), "scheduler-host", 4242
    db.session.add(row)
    db.session.commit()


def health(app):
    """GET /healthz as a load balancer does: no sign-in, no cookies."""
    response = app.test_client(use_cookies=False).get("/healthz")
    assert response.is_json, response.get_data(as_text=True)[:300]
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body
    return response, response.get_json()


def test_healthy_when_the_database_answers_at_the_head_and_the_scheduler_beats(app):
    head, _previous = revisions()
    beat(0)
    response, answer = health(app)
    assert response.status_code == 200
    assert answer["status"] == "ok"
    assert answer["problems"] == []
    assert answer["migrations"] == {"database": [head], "code": [head]}
    assert answer["scheduler_heartbeat"] is not None
    assert response.headers["Cache-Control"] == "no-store"


def test_a_heartbeat_four_minutes_old_is_still_healthy(app):
    beat(4)
    response, answer = health(app)
    assert response.status_code == 200 and answer["status"] == "ok"


def test_unhealthy_when_the_scheduler_has_never_run(app):
    response, answer = health(app)
    assert response.status_code == 503
    assert answer["status"] == "fail"
    assert answer["scheduler_heartbeat"] is None
    [problem] = answer["problems"]
    assert "scheduler" in problem and "never" in problem


def test_unhealthy_when_the_heartbeat_is_ten_minutes_old(app):
    beat(10)
    response, answer = health(app)
    assert response.status_code == 503
    assert answer["status"] == "fail"
    [problem] = answer["problems"]
    assert "scheduler" in problem and "10 minutes" in problem
    # The scheduler comes back: healthy again.
    beat(0)
    response, answer = health(app)
    assert response.status_code == 200 and answer["problems"] == []


def test_unhealthy_when_the_database_is_at_an_older_migration(app):
    head, previous = revisions()
    beat(0)
    db.session.execute(text("UPDATE alembic_version SET version_num = :old"), {"old": previous})
    db.session.commit()
    try:
        response, answer = health(app)
        assert response.status_code == 503
        assert answer["status"] == "fail"
        assert answer["migrations"] == {"database": [previous], "code": [head]}
        [problem] = answer["problems"]
        assert "migration" in problem and "flask db upgrade" in problem
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    response, answer = health(app)
    assert response.status_code == 200, answer


def test_every_problem_is_listed_at_once(app):
    _head, previous = revisions()
    beat(30)
    db.session.execute(text("UPDATE alembic_version SET version_num = :old"), {"old": previous})
    db.session.commit()
    response, answer = health(app)
    assert response.status_code == 503
    assert len(answer["problems"]) == 2
    assert any("migration" in p for p in answer["problems"]) and any("30 minutes" in p for p in answer["problems"])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nobody listens there once the probe is closed


@pytest.mark.parametrize("where", ["postgresql-closed-port", "sqlite-missing-folder"])
def test_unhealthy_as_json_when_the_database_is_unreachable(app, tmp_path, where):
    if where == "postgresql-closed-port":
        url = f"postgresql+psycopg://tracker@127.0.0.1:{closed_port()}/tracker?connect_timeout=3"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'tracker.db'}"
    unreachable = make_app(url, UPLOAD_DIR=str(tmp_path / "uploads"))
    try:
        response, answer = health(unreachable)
        assert response.status_code == 503
        assert answer["status"] == "fail"
        [problem] = answer["problems"]
        assert problem.startswith("database unreachable")
        assert "OperationalError" in problem
        # Only the kind of error: no host names, no passwords, no SQL.
        assert "127.0.0.1" not in response.get_data(as_text=True) and "SELECT" not in response.get_data(as_text=True)
    finally:
        with unreachable.app_context():
            db.engine.dispose()
    assert not (tmp_path / "no-such-folder").exists(), "the health check created the database's folder"
