"""The overview of many wards: a province's account sees its province, an installation admin
every ward (or one province)."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from tracker.accounts.permissions import can_view_overview, is_installation_admin
from tracker.core.time import ward_today
from tracker.overview import queries

bp = Blueprint("overview", __name__, url_prefix="/overview")


@bp.get("/")
def index():
    if is_installation_admin(current_user):
        province = request.args.get("province") or None
    else:
        province = current_user.province if current_user.is_authenticated else None
    if not can_view_overview(current_user, province):
        abort(403)
    sort = request.args.get("sort")
    sort = sort if sort in queries.SORTS else queries.DEFAULT_SORT
    years, indicators = queries.shared_indicators(province)  # first: it may commit
    page = queries.plan_page(
        province, sort, request.args.get("page", type=int), current_app.config["OVERVIEW_PAGE_SIZE"]
    )
    args = {"sort": sort}
    if province and is_installation_admin(current_user):
        args["province"] = province
    return render_template(
        "overview/index.html",
        province=province,
        provinces=queries.provinces() if is_installation_admin(current_user) else [],
        sort=sort,
        page=page,
        args=args,
        totals=queries.totals(province),
        years=years,
        indicators=indicators,
        today=ward_today(),
    )
