"""The ward's periodic report: the secretariat edits the narrative, everyone on the committee
side reads and exports it."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tracker.accounts.permissions import can, require
from tracker.core.http import actor
from tracker.core.time import now, ward_today
from tracker.exports.spreadsheets import xlsx_response
from tracker.extensions import db
from tracker.pages.loaders import load_period, load_plan
from tracker.periods.models import ReportingPeriod
from tracker.periods.queries import plan_periods
from tracker.ward_reports import services
from tracker.ward_reports.docx import build_docx, task_body
from tracker.ward_reports.forms import WardReportForm
from tracker.ward_reports.models import NARRATIVE_SECTIONS, SIGNATURE_FIELDS, WardReport
from tracker.ward_reports.xlsx import build_xlsx

bp = Blueprint("ward_reports", __name__, url_prefix="/plans/<int:plan_id>/ward-reports")


def _report_and_compiled(plan, period):
    """The saved draft (a fresh one, not saved, when there is none yet) and today's figures."""
    today = ward_today()
    report = db.session.scalar(select(WardReport).where(WardReport.period_id == period.id))
    if report is None:
        report = services.get_or_start(plan, period, today, now())
        db.session.expunge(report)  # reading does not create the draft; saving does
    return report, services.compile_report(plan, period, today)


@bp.get("/")
def index(plan_id: int):
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    drafts = {
        r.period_id: r
        for r in db.session.scalars(select(WardReport).join(ReportingPeriod).where(ReportingPeriod.plan_id == plan.id))
    }
    return render_template("ward_reports/index.html", plan=plan, periods=plan_periods(plan), drafts=drafts)


@bp.route("/<int:period_id>", methods=["GET", "POST"])
def edit(plan_id: int, period_id: int):
    """The ward's report of a period with today's figures; the secretariat (who may manage the
    plan) edits its draft here, and a save made meanwhile by someone else is not overwritten."""
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    period = load_period(plan, period_id)
    report, compiled = _report_and_compiled(plan, period)
    form = _edit_form(plan, report)
    if form is not None and form.validate_on_submit():
        saved = db.session.scalar(select(WardReport).where(WardReport.period_id == period.id))
        # The form carries the version it was read at; 0 means "no draft saved yet".
        if (saved.version if saved is not None else 0) != (form.version.data or 0):
            return _saved_meanwhile(plan, period, report, compiled, form)
        saved = saved or services.get_or_start(plan, period, ward_today(), now())
        try:
            _save_draft(saved, form)
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return _saved_meanwhile(plan, period, report, compiled, form)
        flash(_("The report draft is saved."), "success")
        return redirect(url_for("ward_reports.edit", plan_id=plan.id, period_id=period.id))
    status = 422 if form is not None and request.method == "POST" else 200
    return render_template(
        "ward_reports/edit.html", plan=plan, period=period, report=report, compiled=compiled, form=form
    ), status


def _edit_form(plan, report: WardReport) -> WardReportForm | None:
    """The form for those who may manage the plan: filled from the draft on a GET, from what was
    sent on a POST. None for the others, who may only read (403 if they post)."""
    if can("manage_plan", plan):
        if request.method == "GET":
            form = WardReportForm(obj=report)
            form.version.data = report.version if report.id is not None else 0
            for key in NARRATIVE_SECTIONS:
                getattr(form, key).data = (report.narrative or {}).get(key, "")
            form.recipients.data = "\n".join(report.recipients or [])
            for key in SIGNATURE_FIELDS:
                getattr(form, f"sign_{key}").data = (report.signature or {}).get(key, "")
            return form
        return WardReportForm()
    if request.method == "POST":
        abort(403)
    return None


def _saved_meanwhile(plan, period, report: WardReport, compiled, form: WardReportForm):
    """The form again, with what was typed, when someone else saved the report meanwhile (409)."""
    flash(
        _(
            "Someone else saved this report while you were editing it. Your text is below; check the saved version before saving again."
        ),
        "warning",
    )
    return render_template(
        "ward_reports/edit.html", plan=plan, period=period, report=report, compiled=compiled, form=form
    ), 409


def _save_draft(saved: WardReport, form: WardReportForm) -> None:
    services.save_draft(
        actor(),
        saved,
        form.number.data,
        form.report_date.data,
        form.title.data,
        {key: getattr(form, key).data for key in NARRATIVE_SECTIONS},
        (form.recipients.data or "").split("\n"),
        now(),
        signature={key: getattr(form, f"sign_{key}").data for key in SIGNATURE_FIELDS},
    )


def _filename(period, extension: str) -> str:
    return f"bao-cao-giam-ngheo-{period.kind.replace('_', '-')}-{period.year}.{extension}"


@bp.get("/<int:period_id>/report.docx")
def docx(plan_id: int, period_id: int):
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    period = load_period(plan, period_id)
    report, compiled = _report_and_compiled(plan, period)
    return Response(
        build_docx(report, compiled),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="{_filename(period, "docx")}"'},
    )


@bp.get("/<int:period_id>/report.xlsx")
def xlsx(plan_id: int, period_id: int):
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    period = load_period(plan, period_id)
    _report, compiled = _report_and_compiled(plan, period)
    return xlsx_response(_filename(period, "xlsx"), build_xlsx(compiled))


@bp.get("/<int:period_id>/print")
def printable(plan_id: int, period_id: int):
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    period = load_period(plan, period_id)
    report, compiled = _report_and_compiled(plan, period)
    return render_template(
        "ward_reports/print.html",
        plan=plan,
        period=period,
        report=report,
        compiled=compiled,
        sections=services.sections(report, compiled),
        task_body=task_body,
        unreported=services.unreported_line(compiled),
        date_line=services.date_line(report.place, report.report_date),
        status_lines=services.status_lines(compiled),
        unit_lines=services.unit_reporting_lines(compiled),
        issuer_lines=services.issuing_body_lines(plan),
        value_text=services.indicator_value_text,
    )
