"""/healthz: is this app server fit to serve? For load balancers and monitoring."""
from datetime import timedelta

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import select, text

from tracker.core.time import now
from tracker.extensions import db
from tracker.scheduler.models import SchedulerHeartbeat

bp = Blueprint("health", __name__)

HEARTBEAT_MAX_AGE = timedelta(minutes=5)


def _expected_heads() -> set[str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())


@bp.get("/healthz")
def healthz():
    """200 when the database answers, its schema is at the latest migration and the scheduler
    has beaten recently; 503 with the reasons otherwise."""
    problems, details = [], {}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
        expected = _expected_heads()
        details["migrations"] = {"database": sorted(current), "code": sorted(expected)}
        if current != expected:
            problems.append("database schema is not at the latest migration (run `flask db upgrade`)")
        beat = db.session.scalar(select(SchedulerHeartbeat.beat_at).order_by(SchedulerHeartbeat.beat_at.desc()).limit(1))
        details["scheduler_heartbeat"] = beat.isoformat() if beat else None
        if beat is None:
            problems.append("the scheduler has never run (start `flask scheduler run`)")
        elif now() - beat > HEARTBEAT_MAX_AGE:
            problems.append(f"the scheduler's last heartbeat is {int((now() - beat).total_seconds() // 60)} minutes old")
    except Exception as error:  # noqa: BLE001 - the point is to report any failure
        db.session.rollback()
        problems.append(f"database unreachable: {type(error).__name__}")
    status = 503 if problems else 200
    response = jsonify({"status": "fail" if problems else "ok", "problems": problems, **details})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


