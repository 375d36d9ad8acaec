"""The chair's accountability view: who answers for what is late or unreported; chasing a late unit."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.accountability import queries, services
from tracker.accountability.models import Chase
from tracker.accountability.services import SORT_KEYS
from tracker.accounts.models import ROLE_OFFICER, Role, User, user_role
from tracker.accounts.permissions import require
from tracker.core.forms import Form
from tracker.core.http import actor, safe_next, sent_once
from tracker.core.submissions import taken
from tracker.core.time import now, ward_today
from tracker.discussion import queries as discussion
from tracker.extensions import db
from tracker.mail.services import queue_message
from tracker.pages.loaders import load_plan
from tracker.periods.queries import plan_periods
from tracker.periods.services import is_past_due
from tracker.standing import listing
from tracker.standing.queries import plan_snapshot
from tracker.standing.stored import current_standings
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
    sort = request.args.get("sort", "longest")
    if sort not in SORT_KEYS:
        abort(404)
    current_standings(plan, today)
    scope, rows = queries.league_table(plan, period, sort, today)
    return render_template(
        "accountability/index.html",
        plan=plan,
        today=today,
        groups=queries.grouped(rows),
        rows=rows,
        periods=periods,
        period=period,
        sort=sort,
        scope=scope,
        form=Form(),
        sort_keys=SORT_KEYS,
    )


def _unit(plan, code: str) -> Unit:
    unit = db.session.scalar(
        select(Unit).where(Unit.ward_id == plan.ward_id, Unit.code == code, Unit.is_group.is_(False))
    )
    if unit is None:
        abort(404)
    return unit


def _unit_figures(plan, unit: Unit, snapshot, scope, today):
    """The unit's figures (every late item listed) on the snapshot's day, or None."""
    led = queries.snapshot_led_figures(snapshot, today)
    figures = queries.unit_figures(plan, list(snapshot.units.values()), led, scope, today)
    return next((f for f in figures if f.unit.id == unit.id), None)


def _figures_now(plan, unit: Unit, today):
    """The unit's figures for the plan to date: what is late now."""
    scope = queries.scope_for(plan_periods(plan), None, today)
    return _unit_figures(plan, unit, plan_snapshot(plan, today), scope, today)


@bp.get("/units/<code>")
def unit(plan_id: int, code: str):
    """One unit's figures period by period, to see whether it is improving; what is late; its chases."""
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    unit = _unit(plan, code)
    today = ward_today()
    current_standings(plan, today)  # the reports owed are read from them
    # Only periods whose reports are due: before that, no rate means anything yet.
    periods = [p for p in plan_periods(plan) if is_past_due(p, today)]
    history = []
    for period in periods:
        # Tasks as they stood at the deadline; reports and directives as they stand today, so a
        # report sent late counts as sent (late).
        snapshot = plan_snapshot(plan, period.unit_deadline)
        scope = queries.scope_for(periods, period, today)
        history.append((period, period.unit_deadline, _unit_figures(plan, unit, snapshot, scope, today)))
    current = plan_snapshot(plan, today)
    to_date = _unit_figures(plan, unit, current, queries.scope_for(plan_periods(plan), None, today), today)
    chases = db.session.scalars(
        select(Chase).where(Chase.plan_id == plan.id, Chase.unit_id == unit.id).order_by(Chase.created_at.desc())
    ).all()
    return render_template(
        "accountability/unit.html",
        plan=plan,
        unit=unit,
        today=today,
        history=history,
        to_date=to_date,
        reports=listing.unit_report_rows(plan, unit.id, today),
        directives=discussion.plan_directives(plan, open_only=False, unit_id=unit.id),
        questions=discussion.plan_questions(plan, open_only=False, unit_id=unit.id),
        snapshot=current,
        chases=chases,
        form=Form(),
    )


def unit_officers(unit: Unit) -> list[User]:
    return (
        db.session.scalars(
            select(User)
            .join(user_role, user_role.c.user_id == User.id)
            .join(Role, Role.id == user_role.c.role_id)
            .where(User.unit_id == unit.id, User.active.is_(True), Role.code == ROLE_OFFICER)
            .order_by(User.id)
        )
        .unique()
        .all()
    )


@bp.post("/units/<code>/chase")
def chase(plan_id: int, code: str):
    """Chase (đôn đốc) a late unit in one action: in the app, by e-mail, and as text for the chat groups."""
    plan = load_plan(plan_id)
    require("chase", plan)
    if not Form().validate_on_submit():
        abort(400)
    unit = _unit(plan, code)
    back = safe_next(request.form.get("next"), url_for("accountability.index", plan_id=plan.id))
    submission, already = sent_once(request.form.get("once"), back)
    if already:
        return already
    today = ward_today()
    figures = _figures_now(plan, unit, today)
    # The address links in messages point to (APP_BASE_URL), not the one the chaser happened to use.
    link = current_app.config["APP_BASE_URL"].rstrip("/") + url_for("units_home.my_unit", plan_id=plan.id)
    moment = now()
    try:
        if figures is None:
            raise services.ChaseRefused(_("%(unit)s has nothing late to be chased for.", unit=unit.name))
        entry = services.chase(
            actor(),
            plan,
            figures,
            unit_officers(unit),
            link,
            moment,
            lambda user, subject, text, key: queue_message(user, subject, text, key, moment),
        )
    except services.ChaseRefused as refused:
        db.session.rollback()
        flash(str(refused), "warning")
        return redirect(safe_next(request.form.get("next"), url_for("accountability.index", plan_id=plan.id)))
    sent_page = url_for("accountability.chase_sent", plan_id=plan.id, chase_id=entry.id, next=back)
    taken(submission, sent_page)
    db.session.commit()
    flash(
        _(
            "%(unit)s was chased: %(told)s, %(emailed)d e-mails queued.",
            unit=unit.name,
            told=services.chase_summary(entry),
            emailed=entry.emailed,
        ),
        "success",
    )
    return redirect(sent_page)


@bp.get("/chases/<int:chase_id>")
def chase_sent(plan_id: int, chase_id: int):
    """The chase as sent, with its text ready to paste in the ward's chat groups."""
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    entry = db.get_or_404(Chase, chase_id)
    if entry.plan_id != plan.id:
        abort(404)
    return render_template(
        "accountability/chase.html",
        plan=plan,
        chase=entry,
        back=safe_next(request.args.get("next"), url_for("accountability.index", plan_id=plan.id)),
    )
