"""Unit reports: who owes one, and the steps of its life.

A unit owes ONE report per reporting round (the periods that share a unit deadline) in which it
leads a running task, or supports one where the plan says partners report. The report has a
section for each such task.

draft → submitted → accepted, or submitted → returned (with a reason, perhaps pointing at a
section) → submitted again. Timeliness counts the first submission against the unit deadline.
Every submission is kept as a version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.core.time import ward_date
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.services import ReportingRound
from tracker.plan.assignments import EffectiveAssignment
from tracker.plan.models import ROLE_LEAD, Task
from tracker.progress.models import STATE_DONE, ProgressUpdate
from tracker.progress.services import UpdateInput, post_update
from tracker.reports.models import (
    STATUS_ACCEPTED,
    STATUS_DRAFT,
    STATUS_RETURNED,
    STATUS_SUBMITTED,
    UnitReport,
    UnitReportEvent,
    UnitReportSection,
    UnitReportVersion,
)


class TransitionRefused(ValueError):
    """The report is not in a state that allows this step; the message says why. `task_ids` names
    the sections concerned, if any."""

    def __init__(self, message: str, task_ids: list[int] | None = None):
        super().__init__(message)
        self.task_ids = task_ids or []


# --- who owes a report ----------------------------------------------------------------------


def task_runs_in_period(task: Task, period: ReportingPeriod | ReportingRound) -> bool:
    """A continuous task runs in every period; a dated one in the periods its dates touch."""
    return (task.start_on is None or task.start_on <= period.ends_on) and (
        task.due_on is None or task.due_on >= period.starts_on
    )


def owes_report(task: Task, is_leaf: bool, assignment: EffectiveAssignment, period: ReportingPeriod) -> bool:
    """The reporting rule, for one task in one period: for each task that is carried out (a leaf)
    and runs in the period, the primary lead unit reports on it; co-leads and partners do when the
    plan's data says so (`partners_report`)."""
    if not is_leaf or not task_runs_in_period(task, period):
        return False
    if assignment.role == ROLE_LEAD and assignment.is_primary:
        return True
    return task.partners_report


def owes_section(task: Task, is_leaf: bool, assignment: EffectiveAssignment, round_: ReportingRound) -> bool:
    """Whether the unit's report of the round has a section on the task: it reports on the task in
    any of the round's periods."""
    return any(owes_report(task, is_leaf, assignment, period) for period in round_.periods)


def is_on_time(first_submitted_at: datetime | None, period: ReportingPeriod | ReportingRound) -> bool:
    return first_submitted_at is not None and ward_date(first_submitted_at) <= period.unit_deadline


# --- what the unit writes -------------------------------------------------------------------


@dataclass
class SectionInput:
    task: Task
    percent: int | None = None
    state: str | None = None
    results: str | None = None
    difficulties: str | None = None
    proposals: str | None = None


@dataclass
class ReportInput:
    sections: list[SectionInput] = field(default_factory=list)
    assessment: str | None = None
    proposals: str | None = None
    review_part: str | None = None


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def start(round_: ReportingRound, unit_id: int, tasks: list[Task], now: datetime) -> UnitReport:
    """A new draft with an empty section for each task, in the plan's order."""
    report = UnitReport(period=round_.primary, unit_id=unit_id, status=STATUS_DRAFT, created_at=now, updated_at=now)
    for order, task in enumerate(tasks):
        report.sections.append(UnitReportSection(task=task, task_id=task.id, sort_order=order))
    db.session.add(report)
    return report


def find(round_: ReportingRound, unit_id: int) -> UnitReport | None:
    """The unit's report of the round (filed under any of its periods, the first one normally)."""
    reports = db.session.scalars(
        select(UnitReport)
        .where(UnitReport.period_id.in_(round_.period_ids), UnitReport.unit_id == unit_id)
        .order_by(UnitReport.first_submitted_at.is_(None), UnitReport.first_submitted_at, UnitReport.id)
    ).all()
    return reports[0] if reports else None


def _event(
    report: UnitReport, action: str, actor: Actor, now: datetime, comment: str | None = None, task_id: int | None = None
) -> None:
    report.events.append(
        UnitReportEvent(action=action, actor_id=actor.user_id, comment=comment, occurred_at=now, task_id=task_id)
    )


def _fill(report: UnitReport, data: ReportInput) -> None:
    """Write what the unit typed; sections of tasks the report no longer covers are kept as they are."""
    by_task = {s.task_id if s.task_id is not None else s.task.id: s for s in report.sections}
    for order, given in enumerate(data.sections):
        section = by_task.get(given.task.id)
        if section is None:
            section = UnitReportSection(task=given.task, task_id=given.task.id, sort_order=order)
            report.sections.append(section)
            by_task[given.task.id] = section
        section.sort_order = order
        section.percent, section.state = given.percent, given.state
        section.results, section.difficulties, section.proposals = (
            _clean(given.results),
            _clean(given.difficulties),
            _clean(given.proposals),
        )
    report.assessment, report.proposals, report.review_part = (
        _clean(data.assessment),
        _clean(data.proposals),
        _clean(data.review_part),
    )


def save_draft(actor: Actor, report: UnitReport, data: ReportInput, now: datetime) -> None:
    if report.status not in (STATUS_DRAFT, STATUS_RETURNED):
        raise TransitionRefused(_("This report has been submitted and can no longer be changed."))
    _fill(report, data)
    report.updated_at = now
    _event(report, "saved", actor, now)
    record(actor, "report.save", now, report, period=report.period_id, unit=report.unit_id)


def latest_update(task_id: int, unit_id: int) -> ProgressUpdate | None:
    return db.session.scalar(
        select(ProgressUpdate)
        .where(ProgressUpdate.task_id == task_id, ProgressUpdate.unit_id == unit_id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
        .limit(1)
    )


def check_complete(data: ReportInput) -> None:
    """A report is submitted whole: every section says what was done (or why nothing was)."""
    empty = [s.task for s in data.sections if not _clean(s.results)]
    if empty:
        raise TransitionRefused(
            _(
                "Write the results of the period for each task before submitting (if nothing was done, say why): %(codes)s.",
                codes=", ".join(t.code for t in empty),
            ),
            [t.id for t in empty],
        )
    finished_below = [s.task for s in data.sections if s.state == STATE_DONE and s.percent not in (None, 100)]
    if finished_below:
        raise TransitionRefused(
            _("A finished task is 100%% complete: %(codes)s.", codes=", ".join(t.code for t in finished_below)),
            [t.id for t in finished_below],
        )


def _post_changed_progress(actor: Actor, report: UnitReport, roles: dict[int, str], now: datetime) -> None:
    """A section whose percent or state differs from the unit's latest update posts it as an
    update, so the task stands as the report says and nobody types it twice."""
    for section in report.sections:
        latest = latest_update(section.task_id, report.unit_id)
        if (
            section.percent is not None
            and section.state is not None
            and section.task_id in roles
            and (latest is None or (latest.percent, latest.state) != (section.percent, section.state))
        ):
            latest, _stored = post_update(
                actor,
                section.task,
                report.unit_id,
                roles[section.task_id],
                UpdateInput(section.percent, section.state, section.results, section.difficulties, section.proposals),
                files=[],
                now=now,
            )
        section.update = latest


def submit(
    actor: Actor,
    report: UnitReport,
    data: ReportInput,
    now: datetime,
    roles: dict[int, str],
    figures: list[dict] | None = None,
) -> None:
    """Submit (or resubmit after a return). `roles` is the unit's role on each task of the report,
    for the progress a section changes; `figures` the indicator figures as they stand, kept in the
    version."""
    if report.status == STATUS_SUBMITTED:
        raise TransitionRefused(_("This report has already been submitted and is waiting for review."))
    if report.status == STATUS_ACCEPTED:
        raise TransitionRefused(_("This report has already been accepted."))
    check_complete(data)
    _fill(report, data)
    resubmission = report.status == STATUS_RETURNED
    _post_changed_progress(actor, report, roles, now)
    report.status = STATUS_SUBMITTED
    report.submitted_at = report.updated_at = now
    if report.first_submitted_at is None:
        report.first_submitted_at = now
    for section in report.sections:
        if section.outcome == STATUS_RETURNED:
            section.outcome = section.outcome_comment = section.outcome_at = None
    report.versions.append(
        UnitReportVersion(
            number=len(report.versions) + 1,
            submitted_at=now,
            submitted_by_id=actor.user_id,
            content=version_content(report, figures or []),
        )
    )
    _event(report, "resubmitted" if resubmission else "submitted", actor, now)
    record(
        actor,
        "report.resubmit" if resubmission else "report.submit",
        now,
        report,
        period=report.period_id,
        unit=report.unit_id,
        sections=len(report.sections),
    )


def version_content(report: UnitReport, figures: list[dict]) -> dict:
    return {
        "assessment": report.assessment,
        "proposals": report.proposals,
        "review_part": report.review_part,
        "sections": [
            {
                "task_id": s.task_id,
                "code": s.task.code,
                "title": s.task.title,
                "percent": s.percent,
                "state": s.state,
                "results": s.results,
                "difficulties": s.difficulties,
                "proposals": s.proposals,
            }
            for s in report.sections
        ],
        "figures": figures,
    }


def accept(actor: Actor, report: UnitReport, now: datetime, comment: str | None = None) -> None:
    if report.status != STATUS_SUBMITTED:
        raise TransitionRefused(_("Only a submitted report can be accepted."))
    report.status = STATUS_ACCEPTED
    report.reviewed_at = now
    report.reviewed_by_id = actor.user_id
    report.review_comment = _clean(comment)
    for section in report.sections:
        section.outcome, section.outcome_comment, section.outcome_at = STATUS_ACCEPTED, None, now
    _event(report, "accepted", actor, now, report.review_comment)
    record(actor, "report.accept", now, report, period=report.period_id, unit=report.unit_id)


def return_for_changes(
    actor: Actor, report: UnitReport, reason: str, now: datetime, task_id: int | None = None
) -> None:
    """Send the report back with the reason; `task_id` points at the section to fix, if one."""
    if report.status != STATUS_SUBMITTED:
        raise TransitionRefused(_("Only a submitted report can be returned."))
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Say why the report is returned, so the unit knows what to fix."))
    section = report.section_for(task_id) if task_id is not None else None
    if task_id is not None and section is None:
        raise TransitionRefused(_("The report has no section on that task."))
    report.status = STATUS_RETURNED
    report.reviewed_at = now
    report.reviewed_by_id = actor.user_id
    report.review_comment = reason
    if section is not None:
        section.outcome, section.outcome_comment, section.outcome_at = STATUS_RETURNED, reason, now
    _event(report, "returned", actor, now, reason, task_id=task_id)
    record(
        actor,
        "report.return",
        now,
        report,
        period=report.period_id,
        unit=report.unit_id,
        reason=reason,
        task=section.task.code if section is not None else None,
    )
