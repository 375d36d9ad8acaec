from flask import Blueprint, render_template

from tracker.plan.views import load_plan
from tracker.targets import queries

bp = Blueprint("targets", __name__, url_prefix="/plans/<int:plan_id>/targets")


@bp.get("/")
def index(plan_id: int):
    plan = load_plan(plan_id)
    indicators = queries.plan_indicators(plan)
    roadmap = queries.roadmap(plan, indicators)
    return render_template(
        "targets/index.html",
        plan=plan,
        categories=queries.by_category(indicators),
        roadmap=roadmap,
        discrepancies=queries.roadmap_discrepancies(indicators, roadmap),
        groups_total=queries.baseline_total(indicators, "household_group"),
        standards=queries.poverty_standards(plan),
        target_for=queries.target_for,
    )
