"""Pages that belong to no single feature: the start page and the language switch."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker.accounts.models import ROLE_CHAIR, ROLE_COMMITTEE, ROLE_OFFICER, ROLE_SECRETARIAT
from tracker.accounts.permissions import can_view_overview, has_role, reads_province, visible_wards
from tracker.core.http import safe_next
from tracker.extensions import db
from tracker.plan.models import Plan
from tracker.wards.models import Ward, name_order

bp = Blueprint("home", __name__)


def visible_plans(limit: int | None = None):
    """The plans the user reads (the wards of can_view_ward), the first `limit` of them."""
    query = (
        select(Plan, Ward)
        .join(Ward, Plan.ward_id == Ward.id)
        .where(visible_wards(current_user))
        .order_by(name_order(), Plan.start_year, Plan.code, Plan.id)
    )
    return db.session.execute(query.limit(limit) if limit else query).all()


@bp.get("/")
def index():
    if reads_province(current_user):
        return redirect(url_for("overview.index"))
    plans = visible_plans(limit=2)
    if len(plans) == 1:
        return redirect(start_page(plans[0].Plan))
    if plans and can_view_overview(current_user):
        return redirect(url_for("overview.index"))
    return render_template("home/index.html", plans=visible_plans())


def register(app) -> None:
    @app.context_processor
    def menu_plan():
        """Pages that belong to no plan (notifications, profile) still show the plan's menu when
        the user has exactly one plan; pages of a plan pass their own."""
        if not current_user.is_authenticated or (request.view_args or {}).get("plan_id") is not None:
            return {}  # signed out, or a page of a plan, which names it
        plans = visible_plans(limit=2)
        return {"plan": plans[0].Plan} if len(plans) == 1 else {}


def start_page(plan: Plan) -> str:
    """Where each user lands: officers on their unit's page, the secretariat on its review queue,
    the chair on the accountability table, the committee on the dashboard."""
    if has_role(current_user, ROLE_OFFICER) and current_user.unit_id:
        return url_for("units_home.my_unit", plan_id=plan.id)
    if has_role(current_user, ROLE_SECRETARIAT):
        return url_for("reports.queue", plan_id=plan.id)
    if has_role(current_user, ROLE_CHAIR):
        return url_for("accountability.index", plan_id=plan.id)
    if has_role(current_user, ROLE_COMMITTEE):
        return url_for("dashboard.index", plan_id=plan.id)
    return url_for("plan.overview", plan_id=plan.id)


@bp.get("/language/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.args.get("next"), url_for("home.index")))
