"""Reading the plans: plans, their tasks (with each task's standing, filtered like the
dashboard's lists), units, progress updates and reporting periods."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.accounts.permissions import require, visible_wards
from tracker.api.base import PageArgs, bp, list_page, one_page, page_of, refuse
from tracker.api.schemas import (
    PeriodSchema,
    PlanSchema,
    TaskRefSchema,
    UnitRefSchema,
    UnitSchema,
    UpdateSchema,
    decimal_text,
)
from tracker.core.time import ward_today
from tracker.extensions import db
from tracker.periods.queries import plan_periods
from tracker.plan import queries
from tracker.plan.models import Plan, Task
from tracker.progress.models import ProgressUpdate
from tracker.progress.status import STATUSES
from tracker.standing import listing
from tracker.standing.stored import current_standings
from tracker.units.models import Unit
from tracker.units.queries import ward_units
from tracker.wards.models import Ward


def load_plan(plan_id: int) -> Plan:
    """The plan, if the token's person may read it (every plan-scoped endpoint starts here)."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        refuse(404, _("There is no plan with this id."))
    require("view_plan", plan)
    return plan


def load_task(plan: Plan, code: str) -> queries.TaskNode:
    node = queries.task_subtree(plan, code)
    if node is None:
        refuse(404, _("The plan has no task with the code %(code)s.", code=code))
    return node


def load_unit(plan: Plan, code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.ward_id == plan.ward_id, Unit.code == code))
    if unit is None:
        refuse(404, _("The ward has no unit with the code %(code)s.", code=code))
    return unit


# --- plans ----------------------------------------------------------------------------------


@bp.get("/plans")
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(PlanSchema))
def plans(args):
    """The plans the token's person may read, by ward and code."""
    query = (
        select(Plan)
        .join(Ward, Ward.id == Plan.ward_id)
        .where(visible_wards(current_user))
        .order_by(Plan.ward_id, Plan.code, Plan.id)
    )
    return one_page(query, args)


@bp.get("/plans/<int:plan_id>")
@bp.response(200, PlanSchema)
def plan(plan_id: int):
    """One plan."""
    return load_plan(plan_id)


# --- tasks ----------------------------------------------------------------------------------


class TaskArgs(PageArgs):
    unit = ma.fields.String(metadata={"description": "A unit's code: the tasks it answers for"})
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    flag = ma.fields.String(validate=ma.validate.OneOf(listing.FLAGS))
    section = ma.fields.String(metadata={"description": "A top-level task's code (a section of the plan)"})


class ListedTaskSchema(ma.Schema):
    id = ma.fields.Integer(attribute="task.id", required=True)
    code = ma.fields.String(attribute="task.code", required=True)
    title = ma.fields.String(attribute="task.title", required=True)
    start_on = ma.fields.Date(attribute="task.start_on", allow_none=True)
    due_on = ma.fields.Date(attribute="task.due_on", allow_none=True)
    percent = decimal_text(required=True, metadata={"description": "Reported progress"})
    expected = decimal_text(required=True, metadata={"description": "Share of its time elapsed"})
    status = ma.fields.Function(
        lambda t: t.standing.status if t.standing else None,
        allow_none=True,
        metadata={"type": "string", "enum": list(STATUSES), "description": "null for a heading"},
    )
    status_label = ma.fields.Function(lambda t: _status_label(t), allow_none=True, metadata={"type": "string"})
    days_overdue = ma.fields.Function(
        lambda t: t.standing.days_overdue if t.standing else 0, metadata={"type": "integer"}
    )
    flags = ma.fields.Function(
        lambda t: _flags(t),
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "blocked, stale, late_report, unassigned",
        },
    )
    lead_units = ma.fields.List(ma.fields.Nested(UnitRefSchema), attribute="primary_units", required=True)
    last_update_at = ma.fields.DateTime(allow_none=True)


def _status_label(listed) -> str | None:
    from tracker.core.labels import label

    return label("task_status", listed.standing.status) if listed.standing else None


def _flags(listed) -> list[str]:
    from tracker.progress.status import FLAGS

    standing = listed.standing
    if standing is None:
        return []
    return [flag for flag in FLAGS if standing.has_flag(flag)]


@bp.get("/plans/<int:plan_id>/tasks")
@bp.arguments(TaskArgs, location="query")
@bp.response(200, page_of(ListedTaskSchema))
def tasks(args, plan_id: int):
    """The plan's tasks that are worked on (the leaves), in the plan's order, with their standing
    today; narrowed as on the dashboard by unit, status, flag and section."""
    plan = load_plan(plan_id)
    unit = load_unit(plan, args["unit"]) if args.get("unit") else None
    chosen = listing.TaskFilter(
        section=args.get("section"), unit_id=unit.id if unit else None, status=args.get("status"), flag=args.get("flag")
    )
    current_standings(plan, ward_today())
    page = listing.task_page(plan, chosen, listing.ORDER_PLAN, args["page"], args["per_page"])
    if args["page"] > page.pages:  # past the end: an empty page, not the last one again
        return {
            "items": [],
            "page": args["page"],
            "per_page": args["per_page"],
            "total": page.total,
            "pages": page.pages,
        }
    return {"items": page.items, "page": page.number, "per_page": page.size, "total": page.total, "pages": page.pages}


class AssignmentSchema(ma.Schema):
    unit = ma.fields.Nested(UnitRefSchema, required=True)
    role = ma.fields.String(required=True, metadata={"description": "lead or partner"})
    is_primary = ma.fields.Boolean(required=True)


class MilestoneSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    due_on = ma.fields.Date(required=True)
    done_on = ma.fields.Date(allow_none=True)


class TaskSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    text = ma.fields.String(allow_none=True)
    start_on = ma.fields.Date(allow_none=True)
    due_on = ma.fields.Date(allow_none=True)
    weight = decimal_text(required=True)
    parent = ma.fields.Nested(TaskRefSchema, allow_none=True)
    children = ma.fields.List(ma.fields.Nested(TaskRefSchema), required=True)
    assignments = ma.fields.List(ma.fields.Nested(AssignmentSchema), required=True)
    milestones = ma.fields.List(ma.fields.Nested(MilestoneSchema), required=True)
    standing = ma.fields.Nested(ListedTaskSchema, allow_none=True, metadata={"description": "Its figures today"})


@bp.get("/plans/<int:plan_id>/tasks/<code>")
@bp.response(200, TaskSchema)
def task(plan_id: int, code: str):
    """One task: its text, dates, units (lead and partners), milestones and its figures today."""
    plan = load_plan(plan_id)
    node = load_task(plan, code)
    today = ward_today()
    current_standings(plan, today)
    found = node.task
    return {
        "id": found.id,
        "code": found.code,
        "title": found.title,
        "text": found.text,
        "start_on": found.start_on,
        "due_on": found.due_on,
        "weight": found.weight,
        "parent": found.parent,
        "children": [child.task for child in node.children],
        "assignments": node.leads + node.partners,
        "milestones": sorted(found.milestones, key=lambda m: (m.sort_order, m.id)),
        "standing": listing.stored_figures(plan, found, today),
    }


# --- units, updates, periods ----------------------------------------------------------------


@bp.get("/plans/<int:plan_id>/units")
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(UnitSchema))
def units(args, plan_id: int):
    """The ward's units and unit groups (with their members), in the ward's order."""
    plan = load_plan(plan_id)
    return list_page(ward_units(plan.ward_id), args)


class UpdateArgs(PageArgs):
    task = ma.fields.String(metadata={"description": "A task's code"})
    unit = ma.fields.String(metadata={"description": "A unit's code: the updates it posted"})


@bp.get("/plans/<int:plan_id>/updates")
@bp.arguments(UpdateArgs, location="query")
@bp.response(200, page_of(UpdateSchema))
def updates(args, plan_id: int):
    """The plan's progress updates, newest first."""
    plan = load_plan(plan_id)
    query = (
        select(ProgressUpdate)
        .join(Task, Task.id == ProgressUpdate.task_id)
        .where(Task.plan_id == plan.id)
        .options(
            selectinload(ProgressUpdate.evidence),
            selectinload(ProgressUpdate.author),
            selectinload(ProgressUpdate.unit),
            selectinload(ProgressUpdate.task),
        )
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
    )
    if args.get("task"):
        query = query.where(ProgressUpdate.task_id == load_task(plan, args["task"]).task.id)
    if args.get("unit"):
        query = query.where(ProgressUpdate.unit_id == load_unit(plan, args["unit"]).id)
    return one_page(query, args)


@bp.get("/plans/<int:plan_id>/periods")
@bp.response(200, PeriodSchema(many=True))
def periods(plan_id: int):
    """The plan's reporting periods (section VII of the plan), in order."""
    return plan_periods(load_plan(plan_id))
