"""Which period reports are owed, and where each one stands."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.queries import plan_periods
from tracker.periods.services import is_open_for_reporting
from tracker.plan.models import Plan, Task
from tracker.plan.queries import TaskNode, plan_tasks
from tracker.reports.models import STATUS_ACCEPTED, STATUS_DRAFT, STATUS_RETURNED, STATUS_SUBMITTED, PeriodReport
from tracker.reports.services import is_on_time, owes_report
from tracker.units.models import Unit
from tracker.units.services import effective_assignments, ward_groups

NOT_STARTED = "not_started"


@dataclass
class ReportRow:
    period: ReportingPeriod
    task: Task
    unit: Unit
    report: PeriodReport | None
    today: date

    @property
    def status(self) -> str:
        return self.report.status if self.report else NOT_STARTED

    @property
    def days_left(self) -> int:
        return (self.period.unit_deadline - self.today).days

    @property
    def sent(self) -> bool:
        return self.report is not None and self.report.first_submitted_at is not None

    @property
    def is_late(self) -> bool:
        """Still not sent and the unit deadline has passed."""
        return not self.sent and self.days_left < 0

    @property
    def on_time(self) -> bool:
        return self.report is not None and is_on_time(self.report.first_submitted_at, self.period)


def waiting_by_period(plan: Plan) -> dict[int, int]:
    """Period id -> reports submitted and waiting for the secretariat's review."""
    return dict(db.session.execute(
        select(PeriodReport.period_id, func.count(PeriodReport.id))
        .join(ReportingPeriod, ReportingPeriod.id == PeriodReport.period_id)
        .where(ReportingPeriod.plan_id == plan.id, PeriodReport.status == STATUS_SUBMITTED)
        .group_by(PeriodReport.period_id)
    ).all())


def open_periods(plan: Plan, today: date) -> list[ReportingPeriod]:
    window = current_app.config["REPORT_WINDOW_DAYS"]
    return [p for p in plan_periods(plan) if is_open_for_reporting(p, today, window)]


def expected_reports(plan: Plan, periods: list[ReportingPeriod], unit_id: int | None = None, task_ids: set[int] | None = None):
    """(period, task, unit_id) for every report owed in the given periods, in plan order."""
    tasks = plan_tasks(plan)
    parents = {t.parent_id for t in tasks}
    task_by_id = {t.id: t for t in tasks}
    assignments = [a for t in tasks for a in t.assignments if task_ids is None or t.id in task_ids]
    effective = effective_assignments(assignments, ward_groups(plan.ward_id))
    order = {t.id: i for i, t in enumerate(tasks)}
    owed = []
    for period in periods:
        for (task_id, owing_unit), assignment in sorted(effective.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
            if unit_id is not None and owing_unit != unit_id:
                continue
            task = task_by_id[task_id]
            if owes_report(task, task.id not in parents, assignment, period):
                owed.append((period, task, owing_unit))
    return owed


def _rows(plan: Plan, owed: list, today: date) -> list[ReportRow]:
    if not owed:
        return []
    period_ids = {period.id for period, _task, _unit in owed}
    reports = {
        (r.period_id, r.task_id, r.unit_id): r
        for r in db.session.scalars(
            select(PeriodReport).where(PeriodReport.period_id.in_(period_ids)).options(selectinload(PeriodReport.events))
        )
    }
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id))}
    return [ReportRow(period, task, units[unit_id], reports.get((period.id, task.id, unit_id)), today) for period, task, unit_id in owed]


def unit_report_rows(plan: Plan, unit_id: int, today: date) -> list[ReportRow]:
    """The unit's reports for the periods open for reporting, newest period first."""
    periods = list(reversed(open_periods(plan, today)))
    return _rows(plan, expected_reports(plan, periods, unit_id=unit_id), today)


def task_report_rows(plan: Plan, node: TaskNode, today: date) -> list[ReportRow]:
    periods = list(reversed(open_periods(plan, today)))
    return _rows(plan, expected_reports(plan, periods, task_ids={node.task.id}), today)


def period_report_rows(plan: Plan, period: ReportingPeriod, today: date) -> list[ReportRow]:
    return _rows(plan, expected_reports(plan, [period]), today)


@dataclass
class ReviewQueue:
    period: ReportingPeriod
    rows: list[ReportRow]

    @property
    def waiting(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status == STATUS_SUBMITTED]

    @property
    def returned(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status == STATUS_RETURNED]

    @property
    def late(self) -> list[ReportRow]:
        return [r for r in self.rows if r.is_late]

    @property
    def not_yet_due(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status in (NOT_STARTED, STATUS_DRAFT) and not r.is_late]

    @property
    def accepted(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status == STATUS_ACCEPTED]
