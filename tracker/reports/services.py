"""Period reports: who owes one, and the steps of its life.

draft → submitted → accepted, or submitted → returned (with a reason) → submitted again.
Timeliness counts the first submission against the period's unit deadline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit.services import Actor, record
from tracker.core.time import ward_date
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.plan.models import ROLE_LEAD, Task
from tracker.progress.models import ProgressUpdate
from tracker.reports.models import (
    STATUS_ACCEPTED,
    STATUS_DRAFT,
    STATUS_RETURNED,
    STATUS_SUBMITTED,
    PeriodReport,
    PeriodReportEvent,
)
from tracker.units.services import EffectiveAssignment


class TransitionRefused(ValueError):
    """The report is not in a state that allows this step; the message says why."""


# --- who owes a report ----------------------------------------------------------------------


def task_runs_in_period(task: Task, period: ReportingPeriod) -> bool:
    """A continuous task runs in every period; a dated one in the periods its dates touch."""
    return (task.start_on is None or task.start_on <= period.ends_on) and (
        task.due_on is None or task.due_on >= period.starts_on
    )


def owes_report(task: Task, is_leaf: bool, assignment: EffectiveAssignment, period: ReportingPeriod) -> bool:
    """The reporting rule: for each task that is carried out (a leaf) and runs in the period, the
    primary lead unit owes a report; co-leads and partners owe one when the plan's data says so
    (`partners_report`)."""
    if not is_leaf or not task_runs_in_period(task, period):
        return False
    if assignment.role == ROLE_LEAD and assignment.is_primary:
        return True
    return task.partners_report


def is_on_time(first_submitted_at: datetime | None, period: ReportingPeriod) -> bool:
    return first_submitted_at is not None and ward_date(first_submitted_at) <= period.unit_deadline


def days_to_deadline(period: ReportingPeriod, today: date) -> int:
    """Days left until the unit deadline; negative when late."""
    return (period.unit_deadline - today).days


# --- the steps ------------------------------------------------------------------------------


@dataclass
class ReportInput:
    results: str | None = None
    difficulties: str | None = None
    proposals: str | None = None


def get_or_start(period: ReportingPeriod, task: Task, unit_id: int, now: datetime) -> PeriodReport:
    report = db.session.scalar(
        select(PeriodReport).where(
            PeriodReport.period_id == period.id, PeriodReport.task_id == task.id, PeriodReport.unit_id == unit_id
        )
    )
    if report is None:
        report = PeriodReport(period=period, task=task, unit_id=unit_id, status=STATUS_DRAFT, created_at=now)
        db.session.add(report)
    return report


def _event(report: PeriodReport, action: str, actor: Actor, now: datetime, comment: str | None = None) -> None:
    report.events.append(PeriodReportEvent(action=action, actor_id=actor.user_id, comment=comment, occurred_at=now))


def _fill(report: PeriodReport, data: ReportInput) -> None:
    report.results = (data.results or "").strip() or None
    report.difficulties = (data.difficulties or "").strip() or None
    report.proposals = (data.proposals or "").strip() or None


def save_draft(actor: Actor, report: PeriodReport, data: ReportInput, now: datetime) -> None:
    if report.status not in (STATUS_DRAFT, STATUS_RETURNED):
        raise TransitionRefused(_("This report has been submitted and can no longer be changed."))
    _fill(report, data)
    _event(report, "saved", actor, now)
    record(actor, "report.save", now, report, period=report.period_id, task=report.task.code)


def latest_update(task_id: int, unit_id: int) -> ProgressUpdate | None:
    return db.session.scalar(
        select(ProgressUpdate)
        .where(ProgressUpdate.task_id == task_id, ProgressUpdate.unit_id == unit_id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
        .limit(1)
    )


def submit(actor: Actor, report: PeriodReport, data: ReportInput, now: datetime) -> None:
    if report.status == STATUS_SUBMITTED:
        raise TransitionRefused(_("This report has already been submitted and is waiting for review."))
    if report.status == STATUS_ACCEPTED:
        raise TransitionRefused(_("This report has already been accepted."))
    _fill(report, data)
    if not (report.results or report.difficulties or report.proposals):
        raise TransitionRefused(_("Write the results, difficulties or proposals of the period before submitting."))
    resubmission = report.status == STATUS_RETURNED
    report.status = STATUS_SUBMITTED
    report.update = latest_update(report.task_id, report.unit_id)
    report.submitted_at = now
    if report.first_submitted_at is None:
        report.first_submitted_at = now
    _event(report, "resubmitted" if resubmission else "submitted", actor, now)
    record(actor, "report.resubmit" if resubmission else "report.submit", now, report, period=report.period_id, task=report.task.code)


def accept(actor: Actor, report: PeriodReport, now: datetime, comment: str | None = None) -> None:
    if report.status != STATUS_SUBMITTED:
        raise TransitionRefused(_("Only a submitted report can be accepted."))
    report.status = STATUS_ACCEPTED
    report.reviewed_at = now
    report.reviewed_by_id = actor.user_id
    report.review_comment = (comment or "").strip() or None
    _event(report, "accepted", actor, now, report.review_comment)
    record(actor, "report.accept", now, report, period=report.period_id, task=report.task.code)


def return_for_changes(actor: Actor, report: PeriodReport, reason: str, now: datetime) -> None:
    if report.status != STATUS_SUBMITTED:
        raise TransitionRefused(_("Only a submitted report can be returned."))
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Say why the report is returned, so the unit knows what to fix."))
    report.status = STATUS_RETURNED
    report.reviewed_at = now
    report.reviewed_by_id = actor.user_id
    report.review_comment = reason
    _event(report, "returned", actor, now, reason)
    record(actor, "report.return", now, report, period=report.period_id, task=report.task.code, reason=reason)
