"""The alert scan: for a given day, every alert that should exist.

`scan(plan, today, now)` works out the alerts the plan's state calls for on `today` from the
plan's stored standings of that day (tracker.standing.stored), creates the
missing ones (each has a unique key, enforced by the database, so a second run or a concurrent
run creates nothing twice), resolves the open ones whose cause has cleared, escalates to the chair
those open for ESCALATE_AFTER_DAYS, and notifies the people concerned. It writes in the caller's
transaction and never commits: the CLI command and the scheduler job commit once at the end, so
a scan that fails half-way writes no alert (the standings `scan_all` brought to the day first stay:
they are right either way).

Because it computes what should exist on `today` rather than what changed since yesterday, a scan
after days of downtime catches up: each missed alert is created once, with `effective_on` set to
the day it should have fired, and escalation counts from that day. Missed reminders of a deadline
that has since passed are recorded too, already resolved at the deadline and sent to nobody (the
missing-report alert speaks for them), so the record is the same as a scanner that never stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import selectinload

from tracker.accounts.models import ROLE_CHAIR
from tracker.alerts.models import (
    DIRECTIVE_OVERDUE,
    ESCALATING_KINDS,
    ESCALATION,
    QUESTION_UNANSWERED,
    REPORT_DUE,
    REPORT_MISSING,
    SCANNED_KINDS,
    TASK_OVERDUE,
    TASK_STALE,
    Alert,
    Notification,
    ScanRun,
)
from tracker.alerts.wanted import People, WantedAlert, wanted_alerts
from tracker.core.changes import current_version, versions_added
from tracker.core.database import insert_rows
from tracker.core.time import WARD_TZ
from tracker.extensions import db
from tracker.periods.queries import plan_periods, plan_rounds
from tracker.periods.services import usable
from tracker.plan.models import ROLE_LEAD, Plan
from tracker.progress.models import ProgressUpdate
from tracker.reports.queries import first_submissions
from tracker.standing.stored import refresh_all, standings_of_day

# Values per IN (...): far under PostgreSQL's 65,535 bound parameters.
BATCH_VALUES = 10000
# Alerts a scan writes before the planner's statistics are taken again, at the least.
ANALYZE_AFTER_ROWS = 1000


def _chunks(values: list, size: int = BATCH_VALUES):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class ScanResult:
    scan_date: date
    created_ids: list[int] = field(default_factory=list)  # every alert the scan created
    created: list[Alert] = field(default_factory=list)  # the same, loaded (scan(..., load_created=True))
    resolved: list[Alert] = field(default_factory=list)
    notified: int = 0
    problems: list[str] = field(default_factory=list)  # rows left out of the scan, to be fixed
    caught_up: int = 0  # alerts recorded as already resolved (their moment passed while no scan ran)
    run_id: int | None = None


def _record_cleared(plan: Plan, cleared: list[WantedAlert], now: datetime) -> int:
    """Alerts a scanner that never stopped would have created and since resolved: created once,
    already resolved at the moment their cause cleared, and nobody is notified."""
    recorded = {
        key
        for chunk in _chunks([w.key for w in cleared])
        for key in db.session.scalars(select(Alert.key).where(Alert.key.in_(chunk)))
    }  # by an earlier scan: a rerun writes nothing (an INSERT of rows that all exist still costs its statement)
    rows = [
        _row(plan, w, now) | {"resolved_at": datetime.combine(w.cleared_on, time.min, WARD_TZ)}
        for w in cleared
        if w.key not in recorded
    ]
    return len(_insert_new(Alert, rows, ["key"], Alert.key))


# --- writing --------------------------------------------------------------------------------


def _insert_new(model, rows: list[dict], unique: list[str], returning) -> list[tuple]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: the database, not this process, decides what
    exists; what this call created comes back as (`returning`, id) pairs."""
    return insert_rows(model.__table__, rows, unique=unique, returning=(returning.key, "id"))


def _serialise_scans(plan: Plan, today: date, now: datetime) -> ScanRun:
    """Take the scan lock for the rest of the transaction: two scans at once run one after the
    other, the second seeing what the first committed."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Advisory locks are server-wide: the key names this database and this plan.
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(current_database() || :subject))"),
            {"subject": f"/alert-scan/{plan.id}"},
        )
    # On SQLite the first write takes the database's write lock until commit.
    run = ScanRun(scan_date=today, started_at=now)
    db.session.add(run)
    db.session.flush()
    return run


def _cleared_at(alert: Alert, today: date, now: datetime) -> datetime:
    """When the cause of an alert went away, as near as the records tell; the scan time otherwise."""
    moment = None
    if alert.kind == ESCALATION and alert.parent is not None:
        # An escalation ends when the alert it escalated ends.
        return alert.parent.resolved_at or _cleared_at(alert.parent, today, now)
    if alert.kind in (REPORT_DUE, REPORT_MISSING) and alert.period is not None:
        rounds = [r for r in plan_rounds(alert.period.plan) if alert.period in r]
        moment = first_submissions(rounds).get((rounds[0].id, alert.unit_id)) if rounds else None
        if moment is None and alert.kind == REPORT_DUE and alert.due_on is not None and today > alert.due_on:
            moment = datetime.combine(alert.due_on + timedelta(days=1), time.min, WARD_TZ)  # the deadline passed
    elif alert.kind == DIRECTIVE_OVERDUE and alert.directive is not None:
        moment = alert.directive.done_at
    elif alert.kind == QUESTION_UNANSWERED and alert.question is not None:
        moment = alert.question.answered_at
    elif alert.kind in (TASK_STALE, TASK_OVERDUE) and alert.task_id is not None:
        moment = db.session.scalar(
            select(ProgressUpdate.created_at)
            .where(ProgressUpdate.task_id == alert.task_id, ProgressUpdate.role == ROLE_LEAD)
            .order_by(ProgressUpdate.created_at.desc())
            .limit(1)
        )
        if moment is not None and moment < alert.created_at:
            moment = None
    return moment if moment is not None and moment <= now else now


def _reopen(plan: Plan, keys: list[str]) -> dict[str, int]:
    """A cause that cleared and came back (a task reported done, then corrected) reopens its
    alert, and its people are told again. Returns the reopened alerts (key -> id)."""
    reopened: dict[str, int] = {}
    for chunk in _chunks(keys):
        reopened.update(
            db.session.execute(
                select(Alert.key, Alert.id).where(
                    Alert.plan_id == plan.id, Alert.key.in_(chunk), Alert.resolved_at.is_not(None)
                )
            )
            .tuples()
            .all()
        )
    for chunk in _chunks(list(reopened.values())):
        db.session.execute(update(Alert).where(Alert.id.in_(chunk)).values(resolved_at=None))
        db.session.execute(update(Notification).where(Notification.alert_id.in_(chunk)).values(read_at=None))
    return reopened


def scan(plan: Plan, today: date, now: datetime, load_created: bool = True) -> ScanResult:
    """Create what should exist and does not, reopen what came back, escalate what stayed open,
    resolve what cleared, and tell the people concerned of what is new. The alerts created are
    loaded into the result if `load_created` (scan_all keeps their ids only: the first scan of
    many wards creates hundreds of thousands)."""
    run = _serialise_scans(plan, today, now)
    standings_of_day(plan, today)  # what the alerts are read from (ready unless written meanwhile)
    people = People(plan.ward_id)
    result_problems = _unusable_periods(plan)
    wanted = wanted_alerts(plan, today, people)
    cleared = [w for w in wanted.values() if w.cleared_on is not None]
    wanted = {key: w for key, w in wanted.items() if w.cleared_on is None}
    escalations = _escalations(wanted, today, people)
    result = ScanResult(today, problems=result_problems)

    existing = _open_alerts(plan)
    created = _create_missing(plan, wanted, existing, now)
    created.update(_create_escalations(plan, escalations, existing, now))
    wanted.update(escalations)

    result.caught_up = _record_cleared(plan, cleared, now)
    result.resolved.extend(_resolve_gone(plan, wanted, today, now))
    result.created_ids = sorted(created.values())
    if load_created:
        result.created = [
            alert
            for chunk in _chunks(result.created_ids)
            for alert in db.session.scalars(select(Alert).where(Alert.id.in_(chunk)).order_by(Alert.id))
        ]
    result.notified = _notify(created, wanted, now)
    run.finished_at = now
    run.created, run.resolved = len(result.created_ids) + result.caught_up, len(result.resolved)  # all the scan wrote
    result.run_id = run.id
    return result


def _unusable_periods(plan: Plan) -> list[str]:
    """A problem for each reporting period whose dates fall outside the plan's years."""
    return [
        _(
            "%(plan)s: the reporting period %(period)s has dates outside the plan's years; it is left out until fixed.",
            plan=plan.code,
            period=f"{p.kind} {p.year}",
        )
        for p in plan_periods(plan)
        if not usable(p, plan)
    ]


def _open_alerts(plan: Plan) -> dict[str, int]:
    """The plan's open scanned alerts, key -> id: only keys and ids are read, whatever the number
    of alerts."""
    return dict(
        db.session.execute(
            select(Alert.key, Alert.id).where(
                Alert.plan_id == plan.id, Alert.kind.in_(SCANNED_KINDS), Alert.resolved_at.is_(None)
            )
        )
        .tuples()
        .all()
    )


def _create_missing(
    plan: Plan, wanted: dict[str, WantedAlert], existing: dict[str, int], now: datetime
) -> dict[str, int]:
    """Reopen or create each wanted alert not open: returns those created (key -> id)."""
    _reopen(plan, [key for key in wanted if key not in existing])
    return dict(
        _insert_new(Alert, [_row(plan, w, now) for key, w in wanted.items() if key not in existing], ["key"], Alert.key)
    )


def _create_escalations(
    plan: Plan, escalations: dict[str, WantedAlert], existing: dict[str, int], now: datetime
) -> dict[str, int]:
    """Reopen or create each escalation not open, under the alert it escalates: returns those
    created (key -> id)."""
    parent_ids = {}
    for chunk in _chunks([key.split(":", 1)[1] for key in escalations if key not in existing]):
        parent_ids.update(
            db.session.execute(select(Alert.key, Alert.id).where(Alert.plan_id == plan.id, Alert.key.in_(chunk)))
            .tuples()
            .all()
        )
    escalation_rows = [
        _row(plan, w, now, parent_id=parent_ids[key.split(":", 1)[1]])
        for key, w in escalations.items()
        if key not in existing and key.split(":", 1)[1] in parent_ids
    ]
    _reopen(plan, [key for key in escalations if key not in existing])
    return dict(_insert_new(Alert, escalation_rows, ["key"], Alert.key))


def _resolve_gone(plan: Plan, wanted: dict[str, WantedAlert], today: date, now: datetime) -> list[Alert]:
    """Resolve what is open and no longer wanted, at the moment its cause went away."""
    resolved = []
    now_open = _open_alerts(plan)
    gone = [alert_id for key, alert_id in now_open.items() if key not in wanted]
    for chunk in _chunks(gone):
        for alert in db.session.scalars(
            select(Alert).where(Alert.id.in_(chunk)).options(selectinload(Alert.parent), selectinload(Alert.period))
        ):
            alert.resolved_at = _cleared_at(alert, today, now)
            resolved.append(alert)
    return resolved


def _notify(created: dict[str, int], wanted: dict[str, WantedAlert], now: datetime) -> int:
    """A notification of each created alert to each of its recipients; returns how many were made."""
    notifications = [
        {"user_id": user_id, "alert_id": alert_id, "created_at": now}
        for key, alert_id in created.items()
        for user_id in sorted(wanted[key].recipients)
    ]
    return len(_insert_new(Notification, notifications, ["user_id", "alert_id"], Notification.user_id))


def _escalations(wanted: dict[str, WantedAlert], today: date, people: People) -> dict[str, WantedAlert]:
    """An escalating alert still open ESCALATE_AFTER_DAYS after it should have fired passes to the
    chair (once: the escalation's key is the alert's)."""
    escalate_after = current_app.config["ESCALATE_AFTER_DAYS"]
    chairs = frozenset(people.role(ROLE_CHAIR))
    return {
        f"{ESCALATION}:{w.key}": WantedAlert(
            f"{ESCALATION}:{w.key}",
            ESCALATION,
            w.effective_on + timedelta(days=escalate_after),
            stage="chair",
            unit_id=w.unit_id,
            task_id=w.task_id,
            period_id=w.period_id,
            milestone_id=w.milestone_id,
            directive_id=w.directive_id,
            question_id=w.question_id,
            due_on=w.due_on,
            recipients=chairs,
            details=w.details,
        )
        for w in wanted.values()
        if w.kind in ESCALATING_KINDS and (today - w.effective_on).days >= escalate_after
    }


def _row(plan: Plan, wanted: WantedAlert, now: datetime, parent_id: int | None = None) -> dict:
    return {
        "plan_id": plan.id,
        "key": wanted.key,
        "kind": wanted.kind,
        "stage": wanted.stage,
        "unit_id": wanted.unit_id,
        "task_id": wanted.task_id,
        "period_id": wanted.period_id,
        "milestone_id": wanted.milestone_id,
        "directive_id": wanted.directive_id,
        "question_id": wanted.question_id,
        "parent_id": parent_id,
        "effective_on": wanted.effective_on,
        "due_on": wanted.due_on,
        "created_at": now,
        "details": {
            key: [list(item) for item in value] if isinstance(value, tuple) else value for key, value in wanted.details
        },
    }


def scan_and_commit(today: date, now: datetime) -> list[ScanResult] | None:
    """The scan of every plan (`scan_all`) in one transaction, committed, or nothing (rolled back,
    and the error raised). None: nothing has been written since the last scan of the day, which
    the scan would only repeat."""
    try:
        version, added = current_version(), versions_added()  # before anything the scan reads
        if _scanned_at(today, version):
            return None
        results = scan_all(today, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    # The version the scan left, unless another write came in meanwhile (then the next scan of the
    # day does it all again): recorded after the commit, as bookkeeping that counts as no write.
    left = version + versions_added() - added
    runs = [r.run_id for r in results]
    for chunk in _chunks(runs):
        db.session.execute(update(ScanRun).where(ScanRun.id.in_(chunk)).values(data_version=left))
    db.session.commit()
    return results


def _scanned_at(today: date, version: int) -> bool:
    """Whether the last scan of `today` left the data at `version`."""
    left = db.session.scalar(
        select(ScanRun.data_version)
        .where(ScanRun.scan_date == today, ScanRun.finished_at.is_not(None))
        .order_by(ScanRun.id.desc())
        .limit(1)
    )
    return left is not None and left == version


def scan_all(today: date, now: datetime) -> list[ScanResult]:
    """Scan every plan, in the caller's transaction (its statements may run longer than a page's).

    Each plan's standings of the day are made ready first, each committed on its own: they are
    derived data, right whether the scan then commits or not, and a plan's standings are not
    locked against the ward's writes for the length of the whole scan."""
    from tracker.core.database import long_statements

    refresh_all(today)  # commits: a SET LOCAL of long_statements() ends with its transaction
    with long_statements():
        statistics = _GrowingTables()
        results = []
        for plan in db.session.scalars(select(Plan).order_by(Plan.id)):
            results.append(scan(plan, today, now, load_created=False))
            statistics.grew(len(results[-1].created_ids) + results[-1].caught_up)
        return results


class _GrowingTables:
    """PostgreSQL plans a statement by the statistics of the tables (and keeps the plan of a
    prepared statement): those of the alerts taken while the table was small make every lookup
    read the whole table once it is large, and one long scan fills it (the first scan of many
    wards writes hundreds of thousands of alerts). So each time the scan has written as many
    alerts as the table held when its statistics were last taken, they are taken again (ANALYZE
    sees the transaction's own rows): a few times in a scan, whatever its size."""

    def __init__(self) -> None:
        self.enabled = db.session.get_bind().dialect.name == "postgresql"
        self.rows = db.session.scalar(select(func.count(Alert.id))) if self.enabled else 0
        self.written = 0

    def grew(self, alerts: int) -> None:
        if not self.enabled:
            return
        self.written += alerts
        if self.written >= max(ANALYZE_AFTER_ROWS, self.rows):
            db.session.execute(text("ANALYZE alert, notification"))
            self.rows += self.written
            self.written = 0


def last_scan_date() -> date | None:
    return db.session.scalar(
        select(ScanRun.scan_date).where(ScanRun.finished_at.is_not(None)).order_by(ScanRun.scan_date.desc()).limit(1)
    )
