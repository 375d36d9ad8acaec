"""The chair's accountability view: who answers for what is late or unreported."""
from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from tracker.accountability import queries
from tracker.accountability.services import SORT_KEYS
from tracker.accounts.permissions import require
from tracker.core.time import ward_today
from tracker.dashboard.queries import plan_snapshot
from tracker.periods.queries import plan_periods
from tracker.periods.services import is_past_due
from tracker.discussion import queries as discussion
from tracker.extensions import db
from tracker.plan.views import load_plan
from tracker.reports.queries import unit_report_rows
from tracker.units.models import Unit

bp = Blueprint("accountability", __name__, url_prefix="/plans/<int:plan_id>/accountability")


@bp.get("/")
def index(plan_id: int):
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    today = ward_today()
    periods = plan_periods(plan)
    chosen = request.args.get("period", type=int)
    period = None
    if chosen:
        period = next((p for p in periods if p.id == chosen), None)
        if period is None:
            abort(404)
    sort = request.args.get("sort", "overdue")
    if sort not in SORT_KEYS:
        abort(404)
    snapshot = plan_snapshot(plan, today)
    scope = queries.scope_for(periods, period, today)
    rows = sorted(queries.unit_figures(plan, snapshot, scope, today), key=SORT_KEYS[sort])
    return render_template("accountability/index.html", plan=plan, today=today, rows=rows, periods=periods,
                           period=period, sort=sort, scope=scope)


@bp.get("/units/<code>")
def unit(plan_id: int, code: str):
    """One unit's figures period by period, to see whether it is improving."""
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    unit = db.session.scalar(select(Unit).where(Unit.ward_id == plan.ward_id, Unit.code == code, Unit.is_group.is_(False)))
    if unit is None:
        abort(404)
    today = ward_today()
    # Only periods whose reports are due: before that, no rate means anything yet.
    periods = [p for p in plan_periods(plan) if is_past_due(p, today)]
    history = []
    for period in periods:
        # Tasks as they stood at the deadline; reports and directives as they stand today, so a
        # report sent late counts as sent (late).
        snapshot = plan_snapshot(plan, period.unit_deadline)
        figures = queries.unit_figures(plan, snapshot, queries.scope_for(periods, period, today), today)
        history.append((period, period.unit_deadline, next((f for f in figures if f.unit.id == unit.id), None)))
    current = plan_snapshot(plan, today)
    to_date = next((f for f in queries.unit_figures(plan, current, queries.scope_for(plan_periods(plan), None, today), today) if f.unit.id == unit.id), None)
    return render_template(
        "accountability/unit.html", plan=plan, unit=unit, today=today, history=history, to_date=to_date,
        reports=unit_report_rows(plan, unit.id, today),
        directives=discussion.plan_directives(plan, open_only=False, unit_id=unit.id),
        questions=discussion.plan_questions(plan, open_only=False, unit_id=unit.id),
        snapshot=current,
    )
