"""The steering committee's view of the whole plan."""

from flask import Blueprint, abort, current_app, render_template, request

from tracker.alerts.models import ESCALATION
from tracker.alerts.queries import open_alert_counts, open_alerts
from tracker.core.pagination import paginate
from tracker.core.time import ward_today
from tracker.dashboard import queries
from tracker.discussion import queries as discussion
from tracker.pages.loaders import load_plan, read_filters
from tracker.periods.queries import plan_periods
from tracker.periods.services import round_of
from tracker.progress.status import STATUSES
from tracker.reports.queries import open_rounds, round_report_rows
from tracker.standing.queries import plan_snapshot

bp = Blueprint("dashboard", __name__, url_prefix="/plans/<int:plan_id>/dashboard")


def _chosen_period(plan, today):
    periods = plan_periods(plan)
    chosen = request.args.get("period", type=int)
    if chosen:
        period = next((p for p in periods if p.id == chosen), None)
        if period is None:
            abort(404)
        return periods, period
    started = open_rounds(plan, today)
    return periods, (started[-1].primary if started else (periods[0] if periods else None))


@bp.get("/")
def index(plan_id: int):
    plan = load_plan(plan_id)
    today = ward_today()
    filters = read_filters(plan)
    snapshot = plan_snapshot(plan, today)
    unit_id = filters["unit"].id if filters["unit"] else None
    matched = queries.matching_tasks(
        snapshot, section=filters["section"], unit_id=unit_id, status=filters["status"], flag=filters["flag"]
    )
    narrowed = filters["section"] or filters["status"] or filters["flag"]
    periods, period = _chosen_period(plan, today)
    round_ = round_of(periods, period) if period else None
    reporting = round_report_rows(plan, round_, today) if round_ else []
    return render_template(
        "dashboard/index.html",
        plan=plan,
        today=today,
        snapshot=snapshot,
        matched=matched,
        filters=filters,
        counts=queries.status_counts(matched),
        flags=queries.flag_counts(matched),
        overdue=queries.overdue_worst_first(matched),
        overdue_shown=queries.OVERDUE_SHOWN,
        blocked=queries.blocked_tasks(matched),
        feed=queries.latest_updates(
            plan,
            task_ids=[v.task.id for v in matched] if narrowed else None,
            unit_id=unit_id,
        ),
        periods=periods,
        period=period,
        round=round_,
        reporting=[row for row in reporting if unit_id is None or row.unit.id == unit_id],
        questions=discussion.plan_questions(plan, open_only=True),
        overdue_directives=discussion.overdue_directives(plan, today),
        statuses=STATUSES,
        flag_names=queries.FLAGS,
        alert_counts=open_alert_counts(plan.id),
        escalations=open_alerts(plan.id, kinds=(ESCALATION,)),
    )


@bp.get("/tasks")
def tasks(plan_id: int):
    """The tasks behind a number on the dashboard."""
    plan = load_plan(plan_id)
    today = ward_today()
    filters = read_filters(plan)
    snapshot = plan_snapshot(plan, today)
    matched = queries.matching_tasks(
        snapshot,
        section=filters["section"],
        unit_id=filters["unit"].id if filters["unit"] else None,
        status=filters["status"],
        flag=filters["flag"],
    )
    order = request.args.get("order") or queries.ORDER_PLAN
    if order not in queries.ORDERS:
        abort(404)
    if order == queries.ORDER_LATE:
        matched = queries.worst_first(matched)
    return render_template(
        "dashboard/tasks.html",
        plan=plan,
        today=today,
        page=paginate(matched, request.args.get("page", type=int), current_app.config["LIST_PAGE_SIZE"]),
        order=order,
        orders=queries.ORDERS,
        filters=filters,
        snapshot=snapshot,
    )
