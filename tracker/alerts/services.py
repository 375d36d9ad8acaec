"""The alert scan: for a given day, every alert that should exist.

`scan(plan, today, now)` works out the alerts the plan's state calls for on `today`, creates the
missing ones (each has a unique key, enforced by the database, so a second run or a concurrent
run creates nothing twice), resolves the open ones whose cause has cleared, escalates to the chair
those open for ESCALATE_AFTER_DAYS, and notifies the people concerned. It writes in the caller's
transaction and never commits: the CLI command and the scheduler job commit once at the end, so
a scan that fails half-way writes nothing.

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
from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from tracker.accounts.models import ROLE_CHAIR, ROLE_OFFICER, ROLE_SECRETARIAT, Role, User, user_role
from tracker.alerts.models import (
    DIRECTIVE_OVERDUE,
    ESCALATING_KINDS,
    ESCALATION,
    MILESTONE_OVERDUE,
    QUESTION_UNANSWERED,
    REPORT_DUE,
    REPORT_MISSING,
    SCANNED_KINDS,
    TASK_OVERDUE,
    TASK_STALE,
    TASK_UNASSIGNED,
    Alert,
    Notification,
    ScanRun,
)
from tracker.core.time import WARD_TZ, end_of_day, ward_date
from tracker.standing.queries import PlanSnapshot, plan_snapshot
from tracker.discussion.models import Directive, Question
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.periods.services import is_past_due
from tracker.plan.models import Plan
from tracker.progress.models import ProgressUpdate
from tracker.reports.queries import first_submissions, owed_reports

REMINDER_DAYS = (7, 3, 1)


@dataclass(frozen=True)
class WantedAlert:
    """An alert the plan's state calls for."""

    key: str
    kind: str
    effective_on: date
    stage: str | None = None
    unit_id: int | None = None
    task_id: int | None = None
    period_id: int | None = None
    milestone_id: int | None = None
    directive_id: int | None = None
    question_id: int | None = None
    due_on: date | None = None
    recipients: frozenset[int] = frozenset()
    # Set for an alert whose moment passed while no scan ran and whose cause has already
    # cleared (a reminder before a deadline now gone): it is recorded, resolved, and not sent.
    cleared_on: date | None = None


@dataclass
class ScanResult:
    scan_date: date
    created: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    notified: int = 0
    caught_up: int = 0  # alerts recorded as already resolved (their moment passed while no scan ran)


# --- who hears about what -------------------------------------------------------------------


class People:
    """The ward's active accounts by role and unit, loaded once per scan."""

    def __init__(self, ward_id: int):
        rows = db.session.execute(
            select(User.id, User.unit_id, Role.code)
            .join(user_role, user_role.c.user_id == User.id)
            .join(Role, Role.id == user_role.c.role_id)
            .where(User.ward_id == ward_id, User.active.is_(True))
        ).all()
        self.officers_of: dict[int, set[int]] = {}
        self.by_role: dict[str, set[int]] = {}
        for user_id, unit_id, role in rows:
            self.by_role.setdefault(role, set()).add(user_id)
            if role == ROLE_OFFICER and unit_id is not None:
                self.officers_of.setdefault(unit_id, set()).add(user_id)

    def officers(self, *unit_ids: int) -> set[int]:
        return set().union(*(self.officers_of.get(u, set()) for u in unit_ids)) if unit_ids else set()

    def role(self, code: str) -> set[int]:
        return set(self.by_role.get(code, set()))


# --- what should exist ----------------------------------------------------------------------


def _report_alerts(plan: Plan, today: date, people: People, snapshot: PlanSnapshot) -> list[WantedAlert]:
    """Per unit, not per task: for each unit report owed and not sent, reminders 7, 3 and 1 days
    before the unit deadline, then one missing-report alert. A round (two periods on one
    deadline) is one report: reminded and counted once."""
    rounds = [r for r in plan_rounds(plan) if r.unit_deadline - timedelta(days=max(REMINDER_DAYS)) <= today]
    if not rounds:
        return []
    sent = first_submissions(rounds, end_of_day(today))
    secretariat = people.role(ROLE_SECRETARIAT)
    wanted = []
    for owed in owed_reports(plan, rounds, structure=snapshot):
        round_, unit_id = owed.round, owed.unit_id
        if (round_.id, unit_id) in sent:
            continue
        subject = f"{round_.id}:{unit_id}"
        common = dict(unit_id=unit_id, period_id=round_.id, due_on=round_.unit_deadline)
        past_deadline = is_past_due(round_, today)
        if past_deadline:
            wanted.append(WantedAlert(f"{REPORT_MISSING}:{subject}", REPORT_MISSING, round_.unit_deadline + timedelta(days=1),
                                      recipients=frozenset(people.officers(unit_id) | secretariat), **common))
        for days in REMINDER_DAYS:
            fires_on = round_.unit_deadline - timedelta(days=days)
            if today >= fires_on:
                wanted.append(WantedAlert(
                    f"{REPORT_DUE}:{subject}:d{days}", REPORT_DUE, fires_on, stage=f"d{days}",
                    recipients=frozenset(people.officers(unit_id)),
                    cleared_on=round_.unit_deadline + timedelta(days=1) if past_deadline else None, **common,
                ))
    return wanted


def _task_alerts(snapshot: PlanSnapshot, today: date, people: People) -> list[WantedAlert]:
    """Overdue (past the task's own due date), stale, unassigned, and overdue milestones. A late
    report is the unit's report alert, not a task's."""
    secretariat = people.role(ROLE_SECRETARIAT)
    stale_after = current_app.config["STALE_AFTER_DAYS"]
    plan_start = date(snapshot.plan.start_year, 1, 1)
    wanted = []
    for view in snapshot.leaves:
        task, standing = view.task, view.standing
        unit_ids = [u.id for u in view.primary_units]
        first_unit = unit_ids[0] if unit_ids else None
        if standing.unassigned:
            # Nobody can answer for it: one alert to the secretariat, never a stale one.
            wanted.append(WantedAlert(
                f"{TASK_UNASSIGNED}:{task.id}", TASK_UNASSIGNED, max(task.start_on or plan_start, plan_start),
                task_id=task.id, recipients=frozenset(secretariat),
            ))
        if standing.is_overdue:
            wanted.append(WantedAlert(
                f"{TASK_OVERDUE}:{task.id}:{task.due_on.isoformat()}", TASK_OVERDUE, standing.overdue_since,
                unit_id=first_unit, task_id=task.id, due_on=task.due_on,
                recipients=frozenset(people.officers(*unit_ids) | secretariat),
            ))
        if standing.stale:
            since = standing.stale_since
            wanted.append(WantedAlert(
                f"{TASK_STALE}:{task.id}:{since.isoformat()}", TASK_STALE, since + timedelta(days=stale_after),
                unit_id=first_unit, task_id=task.id, recipients=frozenset(people.officers(*unit_ids)),
            ))
        for milestone in task.milestones:
            if milestone.done_on is None and milestone.due_on < today:
                wanted.append(WantedAlert(
                    f"{MILESTONE_OVERDUE}:{milestone.id}:{milestone.due_on.isoformat()}", MILESTONE_OVERDUE,
                    milestone.due_on + timedelta(days=1), unit_id=first_unit, task_id=task.id, milestone_id=milestone.id,
                    due_on=milestone.due_on, recipients=frozenset(people.officers(*unit_ids) | secretariat),
                ))
    return wanted


def _discussion_alerts(plan: Plan, today: date, people: People) -> list[WantedAlert]:
    wanted = []
    chairs = people.role(ROLE_CHAIR)
    for directive in db.session.scalars(
        select(Directive).where(Directive.plan_id == plan.id, Directive.done_at.is_(None), Directive.due_on < today)
    ):
        wanted.append(WantedAlert(
            f"{DIRECTIVE_OVERDUE}:{directive.id}:{directive.due_on.isoformat()}", DIRECTIVE_OVERDUE,
            directive.due_on + timedelta(days=1), unit_id=directive.unit_id, task_id=directive.task_id,
            directive_id=directive.id, due_on=directive.due_on,
            recipients=frozenset(people.officers(directive.unit_id) | chairs | {directive.issued_by_id}),
        ))
    answer_days = current_app.config["QUESTION_ANSWER_DAYS"]
    for question in db.session.scalars(select(Question).where(Question.plan_id == plan.id, Question.answered_at.is_(None))):
        due = ward_date(question.asked_at) + timedelta(days=answer_days)
        if today > due:
            wanted.append(WantedAlert(
                f"{QUESTION_UNANSWERED}:{question.id}", QUESTION_UNANSWERED, due + timedelta(days=1),
                unit_id=question.unit_id, task_id=question.task_id, question_id=question.id, due_on=due,
                recipients=frozenset(people.officers(question.unit_id) | {question.asked_by_id}),
            ))
    return wanted


def wanted_alerts(plan: Plan, today: date, snapshot: PlanSnapshot, people: People) -> dict[str, WantedAlert]:
    """Every alert the plan's state calls for on `today`, open ones and (cleared_on set) ones
    whose moment came and went."""
    wanted = _report_alerts(plan, today, people, snapshot) + _task_alerts(snapshot, today, people) + _discussion_alerts(plan, today, people)
    return {w.key: w for w in wanted}


def _record_cleared(plan: Plan, cleared: list[WantedAlert], now: datetime) -> int:
    """Alerts a scanner that never stopped would have created and since resolved: created once,
    already resolved at the moment their cause cleared, and nobody is notified."""
    if not cleared:
        return 0
    existing = set(db.session.scalars(select(Alert.key).where(Alert.key.in_([w.key for w in cleared]))))
    rows = [
        _row(plan, w, now) | {"resolved_at": datetime.combine(w.cleared_on, time.min, WARD_TZ)}
        for w in cleared if w.key not in existing
    ]
    _insert_ignoring_duplicates(Alert, rows, ["key"])
    return len(rows)


# --- writing --------------------------------------------------------------------------------


def _insert_ignoring_duplicates(model, rows: list[dict], unique: list[str]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: the database, not this process, decides what exists."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(rows).on_conflict_do_nothing(index_elements=unique))


def _serialise_scans(plan: Plan, today: date, now: datetime) -> ScanRun:
    """Take the scan lock for the rest of the transaction: two scans at once run one after the
    other, the second seeing what the first committed."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Advisory locks are server-wide: the key names this database and this plan.
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_database() || :subject))"), {"subject": f"/alert-scan/{plan.id}"})
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
            select(ProgressUpdate.created_at).where(ProgressUpdate.task_id == alert.task_id, ProgressUpdate.role == "lead")
            .order_by(ProgressUpdate.created_at.desc()).limit(1)
        )
        if moment is not None and moment < alert.created_at:
            moment = None
    return moment if moment is not None and moment <= now else now


def _reopen(keys: set[str], open_alerts: dict[str, Alert]) -> None:
    """A cause that cleared and came back (a task reported done, then corrected) reopens its
    alert, and its people are told again."""
    if not keys:
        return
    reopened = db.session.scalars(select(Alert).where(Alert.key.in_(list(keys)), Alert.resolved_at.is_not(None))).all()
    for alert in reopened:
        alert.resolved_at = None
        open_alerts[alert.key] = alert
    if reopened:
        db.session.execute(update(Notification).where(Notification.alert_id.in_([a.id for a in reopened])).values(read_at=None))


def scan(plan: Plan, today: date, now: datetime) -> ScanResult:
    run = _serialise_scans(plan, today, now)
    people = People(plan.ward_id)
    snapshot = plan_snapshot(plan, today)
    wanted = wanted_alerts(plan, today, snapshot, people)
    cleared = [w for w in wanted.values() if w.cleared_on is not None]
    wanted = {key: w for key, w in wanted.items() if w.cleared_on is None}
    result = ScanResult(today)

    open_alerts = {a.key: a for a in db.session.scalars(
        select(Alert).where(Alert.plan_id == plan.id, Alert.resolved_at.is_(None), Alert.kind.in_(SCANNED_KINDS)))}
    all_keys = set(db.session.scalars(select(Alert.key).where(Alert.plan_id == plan.id, Alert.key.in_(list(wanted)))).all()) if wanted else set()
    _reopen(all_keys, open_alerts)

    # Escalation: an escalating alert still open ESCALATE_AFTER_DAYS after it should have fired.
    escalate_after = current_app.config["ESCALATE_AFTER_DAYS"]
    chairs = people.role(ROLE_CHAIR)
    escalations = {
        f"{ESCALATION}:{w.key}": w
        for w in wanted.values()
        if w.kind in ESCALATING_KINDS and (today - w.effective_on).days >= escalate_after
    }

    new_rows = [_row(plan, w, now) for key, w in wanted.items() if key not in all_keys]
    _insert_ignoring_duplicates(Alert, new_rows, ["key"])
    parents = {a.key: a for a in db.session.scalars(select(Alert).where(Alert.key.in_([w.key for w in escalations.values()])))} if escalations else {}
    escalation_wanted = {
        key: WantedAlert(key, ESCALATION, w.effective_on + timedelta(days=escalate_after), stage="chair", unit_id=w.unit_id,
                         task_id=w.task_id, period_id=w.period_id, milestone_id=w.milestone_id, directive_id=w.directive_id,
                         question_id=w.question_id, due_on=w.due_on, recipients=frozenset(chairs))
        for key, w in escalations.items()
    }
    existing_escalations = set(db.session.scalars(select(Alert.key).where(Alert.key.in_(list(escalation_wanted))))) if escalation_wanted else set()
    _reopen(existing_escalations, open_alerts)
    _insert_ignoring_duplicates(
        Alert,
        [_row(plan, w, now, parent_id=parents[w.key.split(":", 1)[1]].id) for key, w in escalation_wanted.items() if key not in existing_escalations],
        ["key"],
    )
    wanted.update(escalation_wanted)

    # What this scan created: keys that did not exist before and now do (with this scan's time).
    created_keys = [key for key in wanted if key not in all_keys and key not in existing_escalations]
    result.created = db.session.scalars(
        select(Alert).where(Alert.key.in_(created_keys), Alert.created_at == now)
    ).all() if created_keys else []

    result.caught_up = _record_cleared(plan, cleared, now)

    for key, alert in open_alerts.items():
        if key not in wanted:
            alert.resolved_at = _cleared_at(alert, today, now)
            result.resolved.append(alert)

    notifications = [
        {"user_id": user_id, "alert_id": alert.id, "created_at": now}
        for alert in result.created
        for user_id in sorted(wanted[alert.key].recipients)
    ]
    _insert_ignoring_duplicates(Notification, notifications, ["user_id", "alert_id"])
    result.notified = len(notifications)
    run.finished_at = now
    run.created, run.resolved = len(result.created) + result.caught_up, len(result.resolved)  # all the scan wrote
    return result


def _row(plan: Plan, wanted: WantedAlert, now: datetime, parent_id: int | None = None) -> dict:
    return {
        "plan_id": plan.id, "key": wanted.key, "kind": wanted.kind, "stage": wanted.stage, "unit_id": wanted.unit_id,
        "task_id": wanted.task_id, "period_id": wanted.period_id, "milestone_id": wanted.milestone_id,
        "directive_id": wanted.directive_id, "question_id": wanted.question_id, "parent_id": parent_id,
        "effective_on": wanted.effective_on, "due_on": wanted.due_on, "created_at": now, "details": {},
    }


def scan_all(today: date, now: datetime) -> list[ScanResult]:
    return [scan(plan, today, now) for plan in db.session.scalars(select(Plan).order_by(Plan.id))]


def last_scan_date() -> date | None:
    return db.session.scalar(select(ScanRun.scan_date).where(ScanRun.finished_at.is_not(None)).order_by(ScanRun.scan_date.desc()).limit(1))

