"""Period reports: the unit writes and submits; the secretariat reviews."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tracker.accounts.permissions import can, require
from tracker.core.http import actor
from tracker.core.time import now, ward_today
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.services import reporting_opens_on
from tracker.plan.views import load_plan, load_task_node
from tracker.periods.queries import plan_periods
from tracker.reports import queries, services
from tracker.reports.forms import BulkAcceptForm, ReportForm, ReviewForm
from tracker.reports.models import STATUS_SUBMITTED, PeriodReport

bp = Blueprint("reports", __name__, url_prefix="/plans/<int:plan_id>")


def _load_period(plan, period_id: int) -> ReportingPeriod:
    period = db.get_or_404(ReportingPeriod, period_id)
    if period.plan_id != plan.id:
        abort(404)
    return period


def _load_report(plan, report_id: int) -> PeriodReport:
    report = db.get_or_404(PeriodReport, report_id)
    if report.period.plan_id != plan.id:
        abort(404)
    return report


@bp.route("/periods/<int:period_id>/tasks/<code>/report", methods=["GET", "POST"])
def edit(plan_id: int, period_id: int, code: str):
    plan = load_plan(plan_id)
    period = _load_period(plan, period_id)
    node = load_task_node(plan, code)
    unit_id = current_user.unit_id
    if not can("start_report", plan, unit_id) or not queries.expected_reports(plan, [period], unit_id=unit_id, task_ids={node.task.id}):
        abort(403)
    report = db.session.scalar(
        select(PeriodReport).where(PeriodReport.period_id == period.id, PeriodReport.task_id == node.task.id, PeriodReport.unit_id == unit_id)
    )
    if report is not None and not can("edit_report", report):
        if request.method == "POST":
            flash(_("This report has already been submitted, so what you sent was not saved. It can be changed again only if the secretariat returns it."), "warning")
        return redirect(url_for("reports.detail", plan_id=plan.id, report_id=report.id))
    today = ward_today()
    opens_on = reporting_opens_on(period, current_app.config["REPORT_WINDOW_DAYS"])
    if today < opens_on:
        return render_template("reports/not_open.html", plan=plan, period=period, node=node, opens_on=opens_on), 422 if request.method == "POST" else 200
    form = ReportForm(obj=report) if request.method == "GET" and report else ReportForm()
    if form.validate_on_submit():
        report = report or services.get_or_start(period, node.task, unit_id, now())
        data = services.ReportInput(form.results.data, form.difficulties.data, form.proposals.data)
        try:
            if form.action.data == "submit":
                services.submit(actor(), report, data, now())
            else:
                services.save_draft(actor(), report, data, now())
            db.session.commit()
        except services.TransitionRefused as refused:
            db.session.rollback()
            form.form_errors.append(str(refused))
        else:
            if form.action.data == "submit":
                flash(_("Report submitted to the secretariat."), "success")
                return redirect(url_for("reports.detail", plan_id=plan.id, report_id=report.id))
            flash(_("Draft saved."), "success")
            return redirect(url_for("reports.edit", plan_id=plan.id, period_id=period.id, code=code))
    row = queries.ReportRow(period, node.task, current_user.unit, report, today)
    return render_template(
        "reports/edit.html", plan=plan, period=period, node=node, form=form, row=row,
        latest=services.latest_update(node.task.id, unit_id),
    ), 200 if not (form.errors or form.form_errors) else 422


@bp.get("/reports/<int:report_id>")
def detail(plan_id: int, report_id: int):
    plan = load_plan(plan_id)
    report = _load_report(plan, report_id)
    review_form = None
    if report.status == STATUS_SUBMITTED and can("review_reports", plan):
        review_form = ReviewForm(version=report.version)
    return _render_detail(plan, report, review_form)


def _render_detail(plan, report, review_form, status: int = 200):
    row = queries.ReportRow(report.period, report.task, report.unit, report, ward_today())
    return render_template("reports/detail.html", plan=plan, report=report, row=row, review_form=review_form), status


@bp.post("/reports/<int:report_id>/review")
def review(plan_id: int, report_id: int):
    plan = load_plan(plan_id)
    require("review_reports", plan)
    report = _load_report(plan, report_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_detail(plan, report, form, 422)
    if form.version.data != report.version:
        flash(_("This report was changed by someone else while you were reading it. Check its current state below before deciding."), "warning")
        return redirect(url_for("reports.detail", plan_id=plan.id, report_id=report.id))
    try:
        if form.decision.data == "accept":
            services.accept(actor(), report, now(), form.comment.data)
        else:
            services.return_for_changes(actor(), report, form.comment.data, now())
        db.session.commit()
    except services.TransitionRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    except StaleDataError:
        db.session.rollback()
        flash(_("This report was changed by someone else while you were reading it. Check its current state below before deciding."), "warning")
    else:
        flash(_("Report accepted.") if form.decision.data == "accept" else _("Report returned to the unit."), "success")
        return redirect(url_for("reports.queue", plan_id=plan.id, period=report.period_id))
    return redirect(url_for("reports.detail", plan_id=plan.id, report_id=report.id))


def _chosen_period(plan, waiting: dict[int, int]):
    """The period asked for; by default the earliest one with reports waiting for review, so
    nothing waits unseen behind a newer period; otherwise the latest open for reporting."""
    periods = plan_periods(plan)
    if not periods:
        abort(404)
    chosen = request.args.get("period", type=int)
    if chosen is not None:
        return periods, next((p for p in periods if p.id == chosen), None) or abort(404)
    with_waiting = [p for p in periods if waiting.get(p.id)]
    if with_waiting:
        return periods, with_waiting[0]
    today = ward_today()
    upcoming = [p for p in periods if p.unit_deadline >= today]
    started = queries.open_periods(plan, today)
    return periods, (started[-1] if started else upcoming[0] if upcoming else periods[-1])


@bp.get("/review")
def queue(plan_id: int):
    plan = load_plan(plan_id)
    require("review_reports", plan)
    waiting = queries.waiting_by_period(plan)
    periods, period = _chosen_period(plan, waiting)
    review_queue = queries.ReviewQueue(period, queries.period_report_rows(plan, period, ward_today()))
    return render_template("reports/queue.html", plan=plan, periods=periods, queue=review_queue, bulk_form=BulkAcceptForm(),
                           waiting=waiting)


@bp.post("/review/accept")
def bulk_accept(plan_id: int):
    plan = load_plan(plan_id)
    require("review_reports", plan)
    form = BulkAcceptForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [int(value) for value in request.form.getlist("report_id") if value.isdigit()]
    reports = db.session.scalars(select(PeriodReport).where(PeriodReport.id.in_(ids))).all() if ids else []
    accepted, skipped = 0, 0
    for report in reports:
        if report.period.plan_id != plan.id or report.status != STATUS_SUBMITTED:
            skipped += 1
            continue
        services.accept(actor(), report, now())
        accepted += 1
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Some of these reports were changed by someone else meanwhile; nothing was accepted. Check the list and try again."), "warning")
        return redirect(url_for("reports.queue", plan_id=plan.id, period=request.form.get("period", type=int)))
    if not ids:
        flash(_("Select the reports to accept."), "warning")
    if accepted:
        flash(_("%(num)d reports accepted.", num=accepted), "success")
    if skipped:
        flash(_("%(num)d selected reports were not waiting for review and were left as they are.", num=skipped), "warning")
    return redirect(url_for("reports.queue", plan_id=plan.id, period=request.form.get("period", type=int)))
