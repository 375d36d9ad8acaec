"""Unit reports: the unit writes and submits one per reporting round; the secretariat reviews."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tracker.accounts.permissions import can, require
from tracker.core import submissions
from tracker.core.http import actor
from tracker.core.submissions import taken
from tracker.core.time import now, ward_today
from tracker.extensions import db
from tracker.pages.loaders import load_plan, load_round
from tracker.periods.queries import plan_rounds
from tracker.periods.services import is_past_due, reporting_opens_on
from tracker.reports import documents, queries, services
from tracker.reports.forms import BulkAcceptForm, ReviewForm, SectionForm, UnitReportForm
from tracker.reports.models import STATUS_SUBMITTED, UnitReport
from tracker.standing import listing
from tracker.standing.stored import current_standings
from tracker.targets import services as targets
from tracker.targets.forms import read_figures
from tracker.targets.queries import report_figures

bp = Blueprint("reports", __name__, url_prefix="/plans/<int:plan_id>")


def _load_report(plan, report_id: int) -> UnitReport:
    report = db.get_or_404(UnitReport, report_id)
    if report.period.plan_id != plan.id:
        abort(404)
    return report


def _report_round(plan, report: UnitReport):
    return next(r for r in plan_rounds(plan) if report.period in r)


# --- the unit writes ------------------------------------------------------------------------


def _section_forms(row, report, sources):
    """One form per task the report covers: what the unit typed (on a post), else the saved
    draft, else the pre-fill from the round's progress updates."""
    forms = []
    for task in row.tasks:
        saved = report.section_for(task.id) if report is not None else None
        if request.method == "POST":
            form = SectionForm(prefix=f"s{task.id}")
        elif saved is not None:
            form = SectionForm(
                prefix=f"s{task.id}",
                formdata=None,
                data={
                    "percent": saved.percent,
                    "state": saved.state or "",
                    "results": saved.results,
                    "difficulties": saved.difficulties,
                    "proposals": saved.proposals,
                },
            )
        else:
            filled = sources[task.id].prefill(task)
            form = SectionForm(
                prefix=f"s{task.id}",
                formdata=None,
                data={
                    "percent": filled.percent,
                    "state": filled.state or "",
                    "results": filled.results,
                    "difficulties": filled.difficulties,
                    "proposals": filled.proposals,
                },
            )
        forms.append((task, form, sources[task.id], saved))
    return forms


def _report_input(form: UnitReportForm, sections) -> services.ReportInput:
    return services.ReportInput(
        sections=[
            services.SectionInput(
                task, f.percent.data, f.state.data or None, f.results.data, f.difficulties.data, f.proposals.data
            )
            for task, f, _source, _saved in sections
        ],
        assessment=form.assessment.data,
        proposals=form.proposals.data,
        review_part=form.review_part.data,
    )


@bp.route("/periods/<int:period_id>/report", methods=["GET", "POST"])
def edit(plan_id: int, period_id: int):
    """The unit's one report of the round: every task's section, its figures, its assessment."""
    plan = load_plan(plan_id)
    round_ = load_round(plan, period_id)
    unit_id = current_user.unit_id
    today = ward_today()
    row = queries.owed_row(plan, round_, unit_id, today) if can("start_report", plan, unit_id) else None
    if row is None:
        abort(403)
    report = row.report
    elsewhere = _not_editable_here(plan, round_, report, today)
    if elsewhere is not None:
        return elsewhere

    sources = queries.section_sources(round_, unit_id, [t.id for t in row.tasks], now())
    sections = _section_forms(row, report, sources)
    form = UnitReportForm(obj=report) if request.method == "GET" and report else UnitReportForm()
    figures = report_figures(plan, round_.figures_period, unit_id) if round_.figures_period is not None else None
    figure_errors: dict[str, str] = {}
    if request.method == "POST":
        valid = form.validate_on_submit()
        valid = all([f.validate() for _task, f, _s, _saved in sections]) and valid
        figure_rows, figure_errors = read_figures(figures.indicators, request.form) if figures else ([], {})
        if valid and not figure_errors:
            outcome = _save(plan, row, report, form, sections, figure_rows)
            if outcome is not None:
                return outcome
    status = 422 if _has_errors(form, sections, figure_errors) else 200
    return render_template(
        "reports/edit.html",
        plan=plan,
        round=round_,
        row=row,
        report=report,
        form=form,
        sections=sections,
        figures=figures,
        figure_errors=figure_errors,
        typed=dict(request.form) if request.method == "POST" else {},
    ), status


def _not_editable_here(plan, round_, report: UnitReport | None, today: date):
    """Where to go instead of the form, if anywhere: a post already taken leads to what it did; a
    report submitted leads to its page; before the round opens for reporting, a page says when it
    does."""
    if request.method == "POST":
        # A double click or a retry of a post already taken: say so and show what it did.
        first = submissions.already_sent(request.form.get("once"))
        if first is not None:
            flash(_("This was already sent and has not been sent a second time."), "info")
            return redirect(first.result_url or url_for("reports.edit", plan_id=plan.id, period_id=round_.id))
    if report is not None and not can("edit_report", report):
        if request.method == "POST":
            flash(
                _(
                    "This report has already been submitted, so what you sent was not saved. It can be changed again only if the secretariat returns it."
                ),
                "warning",
            )
        return redirect(url_for("reports.detail", plan_id=plan.id, report_id=report.id))
    opens_on = reporting_opens_on(round_, current_app.config["REPORT_WINDOW_DAYS"])
    if today < opens_on:
        return render_template(
            "reports/not_open.html", plan=plan, round=round_, opens_on=opens_on
        ), 422 if request.method == "POST" else 200
    return None


def _has_errors(form: UnitReportForm, sections, figure_errors: dict[str, str]) -> bool:
    return bool(form.errors or form.form_errors or figure_errors or any(f.errors for _t, f, _s, _v in sections))


def _save(plan, row, report, form, sections, figure_rows):
    """Save the draft, or submit; a submission refused for a missing part is kept as a draft."""
    data = _report_input(form, sections)
    moment = now()
    try:
        submission = submissions.claim(form.once.data, current_user.id, moment)
    except submissions.AlreadySent as sent:  # the same post, at the same moment (a double click)
        db.session.rollback()
        flash(_("This was already sent and has not been sent a second time."), "info")
        return redirect(sent.result_url or url_for("reports.edit", plan_id=plan.id, period_id=row.round.id))
    report = report or services.start(row.round, row.unit.id, row.tasks, moment)
    if figure_rows:
        targets.save_actuals(actor(), row.round.figures_period, figure_rows, moment)
    if form.action.data == "submit":
        try:
            snapshot = (
                report_figures(plan, row.round.figures_period, row.unit.id).snapshot()
                if row.round.figures_period
                else []
            )
            services.submit(actor(), report, data, moment, roles=row.roles, figures=snapshot)
        except services.TransitionRefused as refused:
            if not refused.task_ids:
                db.session.rollback()
                form.form_errors.append(str(refused))
                return None
            # A part is missing. Nothing typed is lost: it is saved as a draft, and the page says what to add.
            services.save_draft(actor(), report, data, moment)
            taken(submission, url_for("reports.edit", plan_id=plan.id, period_id=row.round.id))
            db.session.commit()
            form.once.raw_data, form.once.data = None, submissions.new_token()  # the form shown again is a new post
            form.form_errors.append(str(refused) + " " + _("Your text was saved as a draft."))
            for _task, section_form, _source, _saved in sections:
                if _task.id in refused.task_ids:
                    section_form.results.errors.append(_("Write what was done in the period, or why nothing was."))
            return None
        taken(submission, url_for("reports.detail", plan_id=plan.id, report_id=report.id))
        db.session.commit()
        flash(_("Report submitted to the secretariat."), "success")
        return redirect(url_for("reports.detail", plan_id=plan.id, report_id=report.id))
    try:
        services.save_draft(actor(), report, data, moment)
        taken(submission, url_for("reports.edit", plan_id=plan.id, period_id=row.round.id))
        db.session.commit()
    except services.TransitionRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused))
        return None
    flash(_("Draft saved."), "success")
    return redirect(url_for("reports.edit", plan_id=plan.id, period_id=row.round.id))


# --- reading and reviewing ------------------------------------------------------------------


def _review_form(report: UnitReport, form: ReviewForm | None = None) -> ReviewForm:
    form = form or ReviewForm(version=report.version)
    form.section.choices = [("", _("The whole report"))] + [
        (str(s.task_id), f"{s.task.code} {s.task.title}") for s in report.sections
    ]
    return form


def _render_detail(plan, report, review_form, status: int = 200):
    round_ = _report_round(plan, report)
    row = queries.ReportRow(round_, report.unit, [s.task for s in report.sections], report, ward_today())
    figures = report_figures(plan, round_.figures_period, report.unit_id) if round_.figures_period is not None else None
    return render_template(
        "reports/detail.html", plan=plan, report=report, row=row, round=round_, figures=figures, review_form=review_form
    ), status


@bp.get("/reports/<int:report_id>")
def detail(plan_id: int, report_id: int):
    plan = load_plan(plan_id)
    report = _load_report(plan, report_id)
    review_form = _review_form(report) if report.status == STATUS_SUBMITTED and can("review_reports", plan) else None
    return _render_detail(plan, report, review_form)


@bp.get("/reports/<int:report_id>/versions/<int:number>")
def version(plan_id: int, report_id: int, number: int):
    """A submitted version of the report, as it was sent."""
    plan = load_plan(plan_id)
    report = _load_report(plan, report_id)
    found = next((v for v in report.versions if v.number == number), None)
    if found is None:
        abort(404)
    return render_template(
        "reports/version.html", plan=plan, report=report, version=found, round=_report_round(plan, report)
    )


@bp.get("/reports/<int:report_id>/report.docx")
def docx(plan_id: int, report_id: int):
    """The report as the unit's own administrative document, to sign and send."""
    plan = load_plan(plan_id)
    report = _load_report(plan, report_id)
    round_ = _report_round(plan, report)
    figures = report_figures(plan, round_.figures_period, report.unit_id) if round_.figures_period is not None else None
    content = documents.unit_report_docx(plan, report, round_, figures, ward_today())
    return send_file(
        content,
        as_attachment=True,
        download_name=documents.file_name(report, round_),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@bp.post("/reports/<int:report_id>/review")
def review(plan_id: int, report_id: int):
    plan = load_plan(plan_id)
    require("review_reports", plan)
    report = _load_report(plan, report_id)
    form = _review_form(report, ReviewForm())
    if not form.validate_on_submit():
        return _render_detail(plan, report, form, 422)
    if form.version.data != report.version:
        flash(
            _(
                "This report was changed by someone else while you were reading it. Check its current state below before deciding."
            ),
            "warning",
        )
        return redirect(url_for("reports.detail", plan_id=plan.id, report_id=report.id))
    section = int(form.section.data) if (form.section.data or "").isdigit() else None
    try:
        if form.decision.data == "accept":
            services.accept(actor(), report, now(), form.comment.data)
        else:
            services.return_for_changes(actor(), report, form.comment.data, now(), task_id=section)
        db.session.commit()
    except services.TransitionRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    except StaleDataError:
        db.session.rollback()
        flash(
            _(
                "This report was changed by someone else while you were reading it. Check its current state below before deciding."
            ),
            "warning",
        )
    else:
        flash(_("Report accepted.") if form.decision.data == "accept" else _("Report returned to the unit."), "success")
        return redirect(url_for("reports.queue", plan_id=plan.id, period=report.period_id))
    return redirect(url_for("reports.detail", plan_id=plan.id, report_id=report.id))


def _chosen_round(plan, waiting: dict[int, int]):
    """The round asked for (by any of its periods); by default the earliest one with reports
    waiting for review, so nothing waits unseen behind a newer round; otherwise the latest open
    for reporting."""
    rounds = plan_rounds(plan)
    if not rounds:
        abort(404)
    chosen = request.args.get("period", type=int)
    if chosen is not None:
        return rounds, next((r for r in rounds if chosen in r.period_ids), None) or abort(404)
    with_waiting = [r for r in rounds if waiting.get(r.id)]
    if with_waiting:
        return rounds, with_waiting[0]
    today = ward_today()
    upcoming = [r for r in rounds if not is_past_due(r, today)]
    started = queries.open_rounds(plan, today)
    return rounds, (started[-1] if started else upcoming[0] if upcoming else rounds[-1])


@bp.get("/review")
def queue(plan_id: int):
    plan = load_plan(plan_id)
    require("review_reports", plan)
    waiting = queries.waiting_by_round(plan)
    rounds, round_ = _chosen_round(plan, waiting)
    today = ward_today()
    current_standings(plan, today)
    review_queue = queries.ReviewQueue(round_, queries.rows_for(plan, listing.owed_in_rounds(plan, [round_]), today))
    return render_template(
        "reports/queue.html", plan=plan, rounds=rounds, queue=review_queue, bulk_form=BulkAcceptForm(), waiting=waiting
    )


@bp.post("/review/accept")
def bulk_accept(plan_id: int):
    plan = load_plan(plan_id)
    require("review_reports", plan)
    form = BulkAcceptForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [int(value) for value in request.form.getlist("report_id") if value.isdigit()]
    reports = db.session.scalars(select(UnitReport).where(UnitReport.id.in_(ids))).all() if ids else []
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
        flash(
            _(
                "Some of these reports were changed by someone else meanwhile; nothing was accepted. Check the list and try again."
            ),
            "warning",
        )
        return redirect(url_for("reports.queue", plan_id=plan.id, period=request.form.get("period", type=int)))
    if not ids:
        flash(_("Select the reports to accept."), "warning")
    if accepted:
        flash(_("%(num)d reports accepted.", num=accepted), "success")
    if skipped:
        flash(
            _("%(num)d selected reports were not waiting for review and were left as they are.", num=skipped), "warning"
        )
    return redirect(url_for("reports.queue", plan_id=plan.id, period=request.form.get("period", type=int)))
