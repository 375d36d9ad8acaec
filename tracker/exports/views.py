"""CSV and XLSX downloads of what the committee views show, with the same filters."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from tracker.accounts.models import User
from tracker.alerts.messages import alert_text
from tracker.alerts.models import Alert
from tracker.alerts.queries import alert_loads
from tracker.core.formatting import format_date
from tracker.core.labels import label
from tracker.core.time import now, ward_today
from tracker.exports import jobs
from tracker.exports.models import DONE, ExportJob
from tracker.exports.spreadsheets import (
    DATE_FORMAT,
    NUMBER_FORMAT,
    add_sheet,
    csv_response,
    new_workbook,
    xlsx_response,
)
from tracker.extensions import db
from tracker.pages.loaders import load_plan, read_filters
from tracker.plan.models import Task
from tracker.progress.models import ProgressUpdate
from tracker.standing import listing
from tracker.standing.stored import current_standings
from tracker.units.models import Unit

bp = Blueprint("exports", __name__, url_prefix="/plans/<int:plan_id>/exports")

FORMATS = ("csv", "xlsx")
EXPORT_BATCH = 1000  # rows read from the database at a time


def _respond(plan, what: str, name: str, fmt: str, header: list[str], rows, formats=None, count=None):
    """`rows`, any iterable, written one by one: an export of any size keeps memory flat. With
    more than EXPORT_INLINE_ROWS rows (`count`, asked first), the export is queued for the
    scheduler and the person sent to its page."""
    if count is not None and not jobs.in_background():
        found = count()
        if found > current_app.config["EXPORT_INLINE_ROWS"]:
            job = jobs.queue(plan, current_user, request.endpoint, fmt, request.args.to_dict(), found, now())
            return redirect(url_for("exports.job", plan_id=plan.id, job_id=job.id), 303)
    if fmt == "csv":
        return csv_response(f"{name}.csv", header, rows)
    workbook = new_workbook()
    heading = [plan.ward.name, plan.title, _("%(what)s, as of %(date)s", what=what, date=format_date(ward_today()))]
    add_sheet(workbook, name, header, rows, formats=formats, heading=heading)
    return xlsx_response(f"{name}.xlsx", workbook)


def _listed_task_ids(plan, filters):
    """The tasks an update or alert must be about to follow the filters: those of the dashboard's
    task list when a section, status or flag is chosen, as a subquery of the stored standings (None,
    any task, otherwise). A unit alone selects by who posted the update or whom the alert is about,
    as the dashboard's feed does."""
    if not (filters["section"] or filters["status"] or filters["flag"]):
        return None
    current_standings(plan, ward_today())
    return listing.matching_ids(plan, listing.task_filter(filters))


class _labels(dict):
    """A kind's labels, each looked up once (an export names the same few values on every row)."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def __missing__(self, code):
        self[code] = label(self.kind, code)
        return self[code]


@bp.get("/tasks.<fmt>")
def tasks(plan_id: int, fmt: str):
    """The dashboard's task list, with its filters (section, unit, status, flag)."""
    if fmt not in FORMATS:
        abort(404)
    plan = load_plan(plan_id)
    current_standings(plan, ward_today())
    chosen = listing.task_filter(read_filters(plan))
    listed = listing.every_task(plan, chosen)
    header = [
        _("Code"),
        _("Task"),
        _("Lead unit"),
        _("Status"),
        _("Progress (%)"),
        _("Expected (%)"),
        _("Days overdue"),
        _("Report late (days)"),
        _("Blocked"),
        _("No recent update"),
        _("Last update"),
    ]
    rows = (
        [
            v.task.code,
            v.task.title,
            ", ".join(u.name for u in v.primary_units) or _("Not assigned"),
            label("task_status", v.standing.status),
            v.percent,
            v.standing.expected,
            v.standing.days_overdue,
            v.standing.late_report_days or None,
            _("Yes") if v.standing.blocked else "",
            _("Yes") if v.standing.stale else "",
            v.standing.last_update_on,
        ]
        for v in listed
    )
    return _respond(
        plan,
        _("Tasks"),
        "nhiem-vu",
        fmt,
        header,
        rows,
        {4: NUMBER_FORMAT, 5: NUMBER_FORMAT, 10: DATE_FORMAT},
        count=lambda: listing.count_tasks(plan, chosen),
    )


@bp.get("/updates.<fmt>")
def updates(plan_id: int, fmt: str):
    """The plan's progress updates, newest first, with the task list's filters: ?unit=CODE gives the
    unit's own updates; ?section=, ?status= and ?flag= the updates on the tasks the list shows. Read
    as plain rows a batch at a time and written as they come."""
    if fmt not in FORMATS:
        abort(404)
    plan = load_plan(plan_id)
    filters = read_filters(plan)
    corrected = aliased(ProgressUpdate)
    query = (
        select(
            ProgressUpdate.created_at,
            Task.code,
            Unit.name,
            ProgressUpdate.role,
            User.full_name,
            ProgressUpdate.percent,
            ProgressUpdate.state,
            ProgressUpdate.results,
            ProgressUpdate.difficulties,
            ProgressUpdate.proposals,
            corrected.created_at,
        )
        .join(Task, Task.id == ProgressUpdate.task_id)
        .join(Unit, Unit.id == ProgressUpdate.unit_id)
        .join(User, User.id == ProgressUpdate.author_id)
        .outerjoin(corrected, corrected.id == ProgressUpdate.corrects_id)
        .where(Task.plan_id == plan.id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
    )
    task_ids = _listed_task_ids(plan, filters)
    if task_ids is not None:
        query = query.where(ProgressUpdate.task_id.in_(task_ids))
    if filters["unit"]:
        query = query.where(ProgressUpdate.unit_id == filters["unit"].id)
    header = [
        _("When"),
        _("Task"),
        _("Unit"),
        _("Role"),
        _("Author"),
        _("Percent complete"),
        _("State"),
        _("Results achieved"),
        _("Difficulties"),
        _("Proposals"),
        _("Corrects the update of"),
    ]
    roles, states = _labels("role"), _labels("update_state")
    rows = (
        [when, code, unit, roles[role], author, percent, states[state], *texts, corrects]
        for when, code, unit, role, author, percent, state, *texts, corrects in _batches(db.session.execute, query)
    )
    return _respond(
        plan, _("Progress updates"), "cap-nhat-tien-do", fmt, header, rows, {5: NUMBER_FORMAT}, count=_counter(query)
    )


@bp.get("/alerts.<fmt>")
def alerts(plan_id: int, fmt: str):
    """The plan's alerts: open ones, or all with ?show=all; with the task list's filters: ?unit=CODE
    gives the alerts about the unit; ?section=, ?status= and ?flag= those about the tasks the list shows."""
    if fmt not in FORMATS:
        abort(404)
    plan = load_plan(plan_id)
    filters = read_filters(plan)
    query = select(Alert).where(Alert.plan_id == plan.id).options(*alert_loads()).order_by(Alert.effective_on, Alert.id)
    if request.args.get("show") != "all":
        query = query.where(Alert.resolved_at.is_(None))
    if filters["unit"]:
        query = query.where(Alert.unit_id == filters["unit"].id)
    task_ids = _listed_task_ids(plan, filters)
    if task_ids is not None:
        query = query.where(Alert.task_id.in_(task_ids))
    header = [_("Alert"), _("Unit"), _("Task"), _("Since"), _("Deadline"), _("Created"), _("Resolved"), _("Details")]
    rows = (
        [
            label("alert_kind", a.kind),
            a.unit.name if a.unit else "",
            a.task.code if a.task else "",
            a.effective_on,
            a.due_on,
            a.created_at,
            a.resolved_at,
            alert_text(a),
        ]
        for a in _batches(db.session.scalars, query)
    )
    return _respond(
        plan, _("Alerts"), "canh-bao", fmt, header, rows, {3: DATE_FORMAT, 4: DATE_FORMAT}, count=_counter(query)
    )


def _batches(execute, query):
    """The query's results read a batch at a time, from the first time they are asked for (an
    export queued for later reads nothing now)."""
    yield from execute(query.execution_options(yield_per=EXPORT_BATCH))


def _counter(query):
    return lambda: db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


@bp.get("/jobs/<int:job_id>")
def job(plan_id: int, job_id: int):
    """A queued export: waiting, being written, ready to download, or failed. Only its owner sees it."""
    plan = load_plan(plan_id)
    found = _own_job(plan, job_id)
    return render_template("exports/job.html", plan=plan, job=found)


@bp.get("/jobs/<int:job_id>/file")
def job_file(plan_id: int, job_id: int):
    plan = load_plan(plan_id)
    found = _own_job(plan, job_id)
    path = jobs.path_of(found)
    if found.status != DONE or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=found.file_name or path.name)


def _own_job(plan, job_id: int) -> ExportJob:
    found = db.session.get(ExportJob, job_id)
    if found is None or found.plan_id != plan.id or found.user_id != current_user.id:
        abort(404)
    return found
