"""Loading what a page's URL names, or 404: every plan-scoped page starts with `load_plan`, which
also checks that the user may read the plan."""

from flask import abort, request
from sqlalchemy import select

from tracker.accounts.permissions import require
from tracker.dashboard import queries as dashboard_queries
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.queries import plan_rounds
from tracker.periods.services import ReportingRound
from tracker.plan import queries
from tracker.plan.models import Plan
from tracker.progress.status import STATUSES
from tracker.units.models import Unit


def load_plan(plan_id: int) -> Plan:
    """The plan, if the current user may read it (every plan-scoped view starts here)."""
    plan = db.get_or_404(Plan, plan_id)
    require("view_plan", plan)
    return plan


def load_task_node(plan: Plan, code: str) -> queries.TaskNode:
    node = queries.task_subtree(plan, code)
    if node is None:
        abort(404)
    return node


def load_period(plan: Plan, period_id: int) -> ReportingPeriod:
    """A reporting period of this plan (404 for another plan's)."""
    period = db.get_or_404(ReportingPeriod, period_id)
    if period.plan_id != plan.id:
        abort(404)
    return period


def load_round(plan: Plan, period_id: int) -> ReportingRound:
    """The reporting round the period belongs to (periods sharing a unit deadline form one round)."""
    period = load_period(plan, period_id)
    return next(r for r in plan_rounds(plan) if period in r)


def read_filters(plan):
    """Filters shared by the dashboard and its task list, read from the query string."""
    section = request.args.get("section") or None
    unit_code = request.args.get("unit") or None
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.ward_id == plan.ward_id, Unit.code == unit_code))
        if unit is None:
            abort(404)
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(404)
    flag = request.args.get("flag") or None
    if flag is not None and flag not in dashboard_queries.FLAGS:
        abort(404)
    return {"section": section, "unit": unit, "status": status, "flag": flag}
