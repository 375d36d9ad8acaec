"""The steering committee's view of the whole plan."""

from dataclasses import replace

from flask import Blueprint, abort, current_app, render_template, request

from tracker.alerts.queries import escalations_by_unit, open_alert_counts
from tracker.core.page_cache import Stamp
from tracker.core.pagination import Page
from tracker.core.time import ward_today
from tracker.dashboard import queries
from tracker.discussion import queries as discussion
from tracker.pages.loaders import load_plan, read_filters
from tracker.periods.queries import plan_periods
from tracker.periods.services import round_of
from tracker.progress.status import IN_PROGRESS_OVERDUE, STATUSES
from tracker.reports.queries import open_rounds, rows_for
from tracker.standing import listing
from tracker.standing.stored import current_standings
from tracker.units.queries import ward_units

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
    """Counts, roll-ups and the worst lists, aggregated in SQL from the stored standings; the body
    is kept rendered until the next write (tracker.core.page_cache)."""
    stamp = Stamp("dashboard")
    plan = load_plan(plan_id)
    body = stamp.body(lambda: _body(plan))
    return render_template("dashboard/index.html", plan=plan, body=body)


def _body(plan) -> str:
    today = ward_today()
    filters = read_filters(plan)
    stored = current_standings(plan, today)
    chosen = listing.task_filter(filters)
    narrowed = filters["section"] or filters["status"] or filters["flag"]
    periods, period = _chosen_period(plan, today)
    round_ = round_of(periods, period) if period else None
    reporting = rows_for(plan, listing.owed_in_rounds(plan, [round_]), today) if round_ else []
    # The overdue among the tasks matched: none when another status is chosen.
    overdue_chosen = replace(chosen, status=IN_PROGRESS_OVERDUE)
    overdue = (
        listing.task_page(plan, overdue_chosen, listing.ORDER_LATE, 1, queries.OVERDUE_SHOWN)
        if chosen.status in (None, IN_PROGRESS_OVERDUE)
        else Page([], 1, queries.OVERDUE_SHOWN, 0)
    )
    blocked = listing.task_page(plan, chosen, listing.ORDER_PLAN, 1, queries.OVERDUE_SHOWN, blocked_only=True)
    return render_template(
        "dashboard/_body.html",
        plan=plan,
        today=today,
        stored=stored,
        sections=listing.section_figures(plan),
        units=ward_units(plan.ward_id),
        filters=filters,
        total=listing.count_tasks(plan, chosen),
        counts=listing.status_counts(plan, chosen),
        flags=listing.flag_counts(plan, chosen),
        overdue=overdue,
        blocked=queries.blocked_tasks(blocked.items),
        blocked_total=blocked.total,
        feed=queries.latest_updates(
            plan,
            task_ids=listing.matching_ids(plan, chosen) if narrowed else None,
            unit_id=chosen.unit_id,
        ),
        periods=periods,
        period=period,
        round=round_,
        reporting=[row for row in reporting if chosen.unit_id is None or row.unit.id == chosen.unit_id],
        questions=discussion.plan_questions(plan, open_only=True),
        overdue_directives=discussion.overdue_directives(plan, today),
        statuses=STATUSES,
        flag_names=queries.FLAGS,
        alert_counts=open_alert_counts(plan.id),
        escalations=escalations_by_unit(plan.id),
    )


@bp.get("/tasks")
def tasks(plan_id: int):
    """The tasks behind a number on the dashboard: one page of them, read from the stored standings."""
    plan = load_plan(plan_id)
    today = ward_today()
    filters = read_filters(plan)
    order = request.args.get("order") or listing.ORDER_PLAN
    if order not in listing.ORDERS:
        abort(404)
    current_standings(plan, today)
    chosen = listing.task_filter(filters)
    return render_template(
        "dashboard/tasks.html",
        plan=plan,
        today=today,
        page=listing.task_page(
            plan, chosen, order, request.args.get("page", type=int), current_app.config["LIST_PAGE_SIZE"]
        ),
        order=order,
        orders=listing.ORDERS,
        filters=filters,
    )
