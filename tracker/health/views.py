"""/healthz: is this app server fit to serve? For load balancers and monitoring."""

from datetime import timedelta

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import select, text

from tracker.audit.models import AuditEvent
from tracker.core.database import wait_limit
from tracker.core.time import now
from tracker.extensions import db
from tracker.progress import cleanup
from tracker.scheduler.models import SchedulerHeartbeat

bp = Blueprint("health", __name__)

HEARTBEAT_MAX_AGE = timedelta(minutes=5)
HEALTH_WAIT_SECONDS = 2
STORAGE_FULL_RECENT = timedelta(hours=24)


def _expected_heads() -> set[str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())


@bp.get("/healthz")
def healthz():
    """200 when the database answers, its schema is at the latest migration and the scheduler
    has beaten recently; 503 with the reasons otherwise, within a few seconds even when the
    database does not answer at all. The upload folder (full; files no update points at) is
    reported under "warnings" with status "degraded": the app still serves, but the
    administrator must act."""
    with wait_limit(HEALTH_WAIT_SECONDS):
        problems, details, warnings = _check()
    status = 503 if problems else 200
    word = "fail" if problems else "degraded" if warnings else "ok"
    response = jsonify({"status": word, "problems": problems, "warnings": warnings, **details})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _check() -> tuple[list[str], dict, list[str]]:
    problems, details, warnings = [], {}, []
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
        expected = _expected_heads()
        details["migrations"] = {"database": sorted(current), "code": sorted(expected)}
        if current != expected:
            problems.append("database schema is not at the latest migration (run `flask db upgrade`)")
        beat = db.session.scalar(
            select(SchedulerHeartbeat.beat_at).order_by(SchedulerHeartbeat.beat_at.desc()).limit(1)
        )
        details["scheduler_heartbeat"] = beat.isoformat() if beat else None
        if beat is None:
            problems.append("the scheduler has never run (start `flask scheduler run`)")
        elif now() - beat > HEARTBEAT_MAX_AGE:
            problems.append(
                f"the scheduler's last heartbeat is {int((now() - beat).total_seconds() // 60)} minutes old"
            )
        storage = cleanup.storage_report(now())
        details["upload_folder"] = {"free_bytes": storage.free_bytes, "orphan_files": storage.orphan_files}
        warnings.extend(storage.warnings)
        refused = db.session.scalar(
            select(AuditEvent.occurred_at)
            .where(
                AuditEvent.action == "storage.full",
                AuditEvent.occurred_at > now() - STORAGE_FULL_RECENT,
            )
            .order_by(AuditEvent.occurred_at.desc())
            .limit(1)
        )
        if refused is not None:
            warnings.append(
                f"evidence files were refused for lack of room at {refused.isoformat()} (see the audit log)"
            )
    except Exception as error:  # noqa: BLE001 - the point is to report any failure
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - as broken as the database
            pass
        problems.append(f"database unreachable: {type(error).__name__}")
    return problems, details, warnings
