from flask import Blueprint, abort, render_template
from sqlalchemy import select

from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.plan import queries
from tracker.plan.models import Plan
from tracker.units.models import Unit
from tracker.units.services import stands_for

bp = Blueprint("plan", __name__, url_prefix="/plans/<int:plan_id>")


def load_plan(plan_id: int) -> Plan:
    return db.get_or_404(Plan, plan_id)


def plan_periods(plan: Plan) -> list[ReportingPeriod]:
    return db.session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.plan_id == plan.id).order_by(ReportingPeriod.ward_deadline)
    ).all()


@bp.get("/")
def overview(plan_id: int):
    plan = load_plan(plan_id)
    tree = queries.task_tree(plan)
    unassigned = [node for section in tree for node in section.walk() if node.unassigned]
    return render_template("plan/overview.html", plan=plan, tree=tree, unassigned=unassigned)


@bp.get("/tasks/<code>")
def task(plan_id: int, code: str):
    plan = load_plan(plan_id)
    tree = queries.task_tree(plan)
    node = queries.find_node(tree, code)
    if node is None:
        abort(404)
    groups = queries.ward_groups(plan.ward_id)
    group_members = stands_for(groups, [a.unit_id for a in node.task.assignments if a.unit_id in groups])
    ancestors = []
    parent = node.task.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    ids = set().union(*group_members.values()) if group_members else set()
    members_by_id = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    return render_template(
        "plan/task.html", plan=plan, node=node, ancestors=ancestors, periods=plan_periods(plan),
        group_members={gid: sorted((members_by_id[m] for m in mids), key=lambda u: u.sort_order) for gid, mids in group_members.items()},
    )
