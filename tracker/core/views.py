"""Pages that belong to no single feature: the start page and the language switch."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from tracker.extensions import db
from tracker.plan.models import Plan
from tracker.wards.models import Ward

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    plans = db.session.execute(
        select(Plan, Ward).join(Ward, Plan.ward_id == Ward.id).order_by(Ward.name, Plan.start_year, Plan.code)
    ).all()
    if len(plans) == 1:
        return redirect(url_for("plan.overview", plan_id=plans[0].Plan.id))
    return render_template("core/index.html", plans=plans)


@bp.get("/language/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    target = request.args.get("next", "")
    # Only go back to a page of this site.
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = url_for("core.index")
    return redirect(target)
