from flask import Blueprint, abort, render_template

from tracker.plan import queries as plan_queries
from tracker.plan.views import load_plan
from tracker.units import queries

bp = Blueprint("units", __name__, url_prefix="/plans/<int:plan_id>/units")


@bp.get("/")
def index(plan_id: int):
    plan = load_plan(plan_id)
    work = queries.plan_workload(plan)
    tree = plan_queries.task_tree(plan)
    unassigned = [node for section in tree for node in section.walk() if node.unassigned]
    return render_template("units/index.html", plan=plan, work=list(work.values()), unassigned=unassigned)


@bp.get("/<code>")
def detail(plan_id: int, code: str):
    plan = load_plan(plan_id)
    work = queries.plan_workload(plan)
    entry = next((w for w in work.values() if w.unit.code == code), None)
    if entry is None:
        abort(404)
    return render_template("units/detail.html", plan=plan, entry=entry, work=work)
