"""CSV and XLSX downloads of what the committee views show, with the same filters."""
from flask import Blueprint, abort, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.alerts.messages import alert_text
from tracker.alerts.models import Alert
from tracker.alerts.queries import alert_loads
from tracker.core.labels import label
from tracker.core.time import ward_today
from tracker.dashboard import queries as dashboard
from tracker.dashboard.views import read_filters
from tracker.exports.spreadsheets import DATE_FORMAT, NUMBER_FORMAT, add_sheet, csv_response, new_workbook, xlsx_response
from tracker.extensions import db
from tracker.plan.models import Task
from tracker.plan.views import load_plan
from tracker.progress.models import ProgressUpdate

bp = Blueprint("exports", __name__, url_prefix="/plans/<int:plan_id>/exports")

FORMATS = ("csv", "xlsx")


def _respond(name: str, fmt: str, header: list[str], rows: list[list], formats=None):
    if fmt == "csv":
        return csv_response(f"{name}.csv", header, rows)
    workbook = new_workbook()
    add_sheet(workbook, name, header, rows, formats=formats)
    return xlsx_response(f"{name}.xlsx", workbook)


@bp.get("/tasks.<fmt>")
def tasks(plan_id: int, fmt: str):
    """The dashboard's task list, with its filters (section, unit, status, flag)."""
    if fmt not in FORMATS:
        abort(404)
    plan = load_plan(plan_id)
    filters = read_filters(plan)
    snapshot = dashboard.plan_snapshot(plan, ward_today())
    views = dashboard.filter_views(snapshot, section=filters["section"], unit_id=filters["unit"].id if filters["unit"] else None,
                                   status=filters["status"], flag=filters["flag"])
    header = [_("Code"), _("Task"), _("Lead unit"), _("Status"), _("Progress (%)"), _("Expected (%)"), _("Days overdue"),
              _("Blocked"), _("No recent update"), _("Last update")]
    rows = [[
        v.task.code, v.task.title, ", ".join(u.name for u in v.primary_units) or _("Not assigned"), label("task_status", v.standing.status),
        v.percent, v.standing.expected, v.standing.days_overdue, _("Yes") if v.standing.blocked else "", _("Yes") if v.standing.stale else "",
        v.standing.last_update_on,
    ] for v in views]
    return _respond("nhiem-vu", fmt, header, rows, {4: NUMBER_FORMAT, 5: NUMBER_FORMAT, 9: DATE_FORMAT})


@bp.get("/updates.<fmt>")
def updates(plan_id: int, fmt: str):
    """Every progress update of the plan, newest first (optionally one unit's: ?unit=CODE)."""
    if fmt not in FORMATS:
        abort(404)
    plan = load_plan(plan_id)
    filters = read_filters(plan)
    query = (
        select(ProgressUpdate).join(Task, Task.id == ProgressUpdate.task_id).where(Task.plan_id == plan.id)
        .options(selectinload(ProgressUpdate.unit), selectinload(ProgressUpdate.author), selectinload(ProgressUpdate.task))
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
    )
    if filters["unit"]:
        query = query.where(ProgressUpdate.unit_id == filters["unit"].id)
    if filters["section"]:
        query = query.where((Task.code == filters["section"]) | Task.code.startswith(filters["section"] + "."))
    header = [_("When"), _("Task"), _("Unit"), _("Role"), _("Author"), _("Percent complete"), _("State"), _("Results achieved"),
              _("Difficulties"), _("Proposals"), _("Corrects the update of")]
    rows = [[
        u.created_at, u.task.code, u.unit.name, label("role", u.role), u.author.full_name, u.percent, label("update_state", u.state),
        u.results, u.difficulties, u.proposals, u.corrects.created_at if u.corrects else None,
    ] for u in db.session.scalars(query)]
    return _respond("cap-nhat-tien-do", fmt, header, rows)


@bp.get("/alerts.<fmt>")
def alerts(plan_id: int, fmt: str):
    """The plan's alerts: open ones, or all with ?show=all."""
    if fmt not in FORMATS:
        abort(404)
    plan = load_plan(plan_id)
    query = (
        select(Alert).where(Alert.plan_id == plan.id)
        .options(*alert_loads())
        .order_by(Alert.effective_on, Alert.id)
    )
    if request.args.get("show") != "all":
        query = query.where(Alert.resolved_at.is_(None))
    header = [_("Alert"), _("Unit"), _("Task"), _("Since"), _("Deadline"), _("Created"), _("Resolved"), _("Details")]
    rows = [[
        label("alert_kind", a.kind), a.unit.name if a.unit else "", a.task.code if a.task else "", a.effective_on, a.due_on,
        a.created_at, a.resolved_at, alert_text(a),
    ] for a in db.session.scalars(query)]
    return _respond("canh-bao", fmt, header, rows, {3: DATE_FORMAT, 4: DATE_FORMAT})
