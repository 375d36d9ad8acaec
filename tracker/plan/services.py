"""Assigning units to tasks and marking milestones done: changes a plan's tasks take in the app."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit.services import record
from tracker.extensions import db
from tracker.plan.models import ROLE_LEAD, ROLE_PARTNER, Assignment, Milestone, Task
from tracker.units.models import Unit


class AssignmentRefused(ValueError):
    """The assignment cannot be saved; the message says why."""


def set_assignments(
    actor,
    task: Task,
    primary_lead_id: int | None,
    co_lead_ids: list[int],
    partner_ids: list[int],
    partners_report: bool,
    now,
) -> None:
    """Replace a task's lead and partner units (e.g. assign IV.10's unassigned tasks)."""
    co_lead_ids = [uid for uid in dict.fromkeys(co_lead_ids) if uid != primary_lead_id]
    partner_ids = list(dict.fromkeys(partner_ids))
    if co_lead_ids and not primary_lead_id:
        raise AssignmentRefused(_("Choose the lead unit that answers for the task before adding other lead units."))
    leads = ([primary_lead_id] if primary_lead_id else []) + co_lead_ids
    both = set(leads) & set(partner_ids)
    if both:
        names = ", ".join(sorted(u.name for u in db.session.scalars(select(Unit).where(Unit.id.in_(both)))))
        raise AssignmentRefused(
            _("A unit cannot be both a lead and a partner of the same task: %(units)s.", units=names)
        )
    wanted_ids = leads + partner_ids
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(wanted_ids)))} if wanted_ids else {}
    if any(units.get(uid) is None or units[uid].ward_id != task.plan.ward_id for uid in wanted_ids):
        raise AssignmentRefused(_("Choose units of this ward."))
    before = [(a.unit.code, a.role, a.is_primary) for a in task.assignments]
    existing = {a.unit_id: a for a in task.assignments}
    result = []
    for order, uid in enumerate(wanted_ids):
        assignment = existing.pop(uid, None) or Assignment(unit=units[uid])
        assignment.role = ROLE_LEAD if uid in leads else ROLE_PARTNER
        assignment.is_primary = uid == primary_lead_id
        assignment.sort_order = order
        result.append(assignment)
    task.assignments = result
    task.partners_report = partners_report
    record(
        actor,
        "task.assign",
        now,
        task,
        task=task.code,
        before=before,
        after=[
            (units[uid].code, ROLE_LEAD if uid in leads else ROLE_PARTNER, uid == primary_lead_id) for uid in wanted_ids
        ],
    )


def mark_milestone_done(actor, milestone: Milestone, done_on, now) -> None:
    milestone.done_on = done_on
    record(actor, "milestone.done", now, milestone, task=milestone.task.code, title=milestone.title)
