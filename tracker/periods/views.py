"""The reporting calendar: everyone reads it; the secretariat changes deadlines."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tracker.accounts.permissions import require
from tracker.core.http import actor
from tracker.core.time import now
from tracker.extensions import db
from tracker.pages.loaders import load_period, load_plan
from tracker.periods import services
from tracker.periods.forms import PeriodForm
from tracker.periods.queries import plan_periods

bp = Blueprint("periods", __name__, url_prefix="/plans/<int:plan_id>/periods")


def _within_plan(plan, form) -> bool:
    """Deadlines fall in the plan's years: "11/10/26" would otherwise be the year 26."""
    first, last = services.plan_years(plan)
    fine = True
    for field in (form.unit_deadline, form.ward_deadline):
        if not services.within_plan_years(plan, field.data):
            field.errors.append(
                _("The date must fall in the plan's years (%(first)d to %(last)d).", first=first, last=last)
            )
            fine = False
    return fine


@bp.get("/")
def index(plan_id: int):
    plan = load_plan(plan_id)
    return render_template("periods/index.html", plan=plan, periods=plan_periods(plan), period_usable=services.usable)


@bp.route("/<int:period_id>", methods=["GET", "POST"])
def edit(plan_id: int, period_id: int):
    plan = load_plan(plan_id)
    require("manage_plan", plan)
    period = load_period(plan, period_id)
    form = PeriodForm(obj=period) if request.method == "GET" else PeriodForm()
    if form.validate_on_submit() and _within_plan(plan, form):
        services.change_deadlines(actor(), period, form.unit_deadline.data, form.ward_deadline.data, now())
        db.session.commit()
        flash(_("Deadlines saved."), "success")
        return redirect(url_for("periods.index", plan_id=plan.id))
    return render_template("periods/edit.html", plan=plan, period=period, form=form), 200 if not form.errors else 422
