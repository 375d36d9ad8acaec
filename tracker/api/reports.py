"""Unit reports through the API: the plan's reports and each one's sections, read by everyone who
may read the plan; a unit's officer saves the unit's ONE report of a reporting round as a draft
and submits it, with the report page's forms, rules and services (the same audit records).

The report of a round is addressed by any of the round's periods (the annual report of 2028 and
the mid-term review share one), and is always the token's person's own unit's: there is no
address that writes another unit's report.
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.http import quote_etag

from tracker.accounts.permissions import can
from tracker.api.base import (
    IDEMPOTENCY,
    ApiError,
    PageArgs,
    bp,
    check_if_match,
    claim_idempotency_key,
    etag_of,
    one_page,
    page_of,
    posted_fields,
    refuse,
    replayed_id,
    validated_form,
)
from tracker.api.plans import load_plan, load_unit
from tracker.api.schemas import Moment, TaskRefSchema, UnitRefSchema, labelled
from tracker.core.database import commit
from tracker.core.formatting import format_date
from tracker.core.http import actor
from tracker.core.submissions import taken
from tracker.core.time import now, ward_today
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.queries import plan_rounds
from tracker.periods.services import ReportingRound, reporting_opens_on
from tracker.progress.models import STATES
from tracker.reports import queries, services
from tracker.reports.forms import TEXT_LIMIT, SectionForm, UnitReportForm
from tracker.reports.models import REPORT_STATUSES, STATUS_ACCEPTED, UnitReport, UnitReportSection
from tracker.targets.queries import report_figures
from tracker.units.models import Unit

# --- what the answers hold -----------------------------------------------------------------


class ReportPeriodSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    kind_label = labelled("period_kind", "kind")
    year = ma.fields.Integer(required=True)
    unit_deadline = ma.fields.Date(required=True, metadata={"description": "When the units' reports are due"})


def _on_time(report: UnitReport) -> bool | None:
    if report.first_submitted_at is None:
        return None
    return services.is_on_time(report.first_submitted_at, report.period)


class ListedReportSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    period = ma.fields.Nested(
        ReportPeriodSchema, required=True, metadata={"description": "The first period of the round it answers"}
    )
    unit = ma.fields.Nested(UnitRefSchema, required=True)
    status = ma.fields.String(required=True, metadata={"description": "draft, submitted, accepted or returned"})
    status_label = labelled("report_status", "status")
    created_at = Moment(required=True)
    updated_at = Moment(allow_none=True)
    first_submitted_at = Moment(allow_none=True, metadata={"description": "Timeliness counts this submission"})
    submitted_at = Moment(allow_none=True, metadata={"description": "The latest (re)submission"})
    reviewed_at = Moment(allow_none=True)
    on_time = ma.fields.Function(
        _on_time,
        allow_none=True,
        metadata={"description": "First submitted by the unit deadline; null until it is first submitted"},
    )


class ReportSectionSchema(ma.Schema):
    task = ma.fields.Nested(TaskRefSchema, required=True)
    percent = ma.fields.Integer(allow_none=True)
    state = ma.fields.String(allow_none=True, metadata={"description": "working, done or blocked"})
    state_label = labelled("update_state", "state")
    results = ma.fields.String(allow_none=True)
    difficulties = ma.fields.String(allow_none=True)
    proposals = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(allow_none=True, metadata={"description": "accepted, or returned (the section to fix)"})
    outcome_comment = ma.fields.String(allow_none=True)


class ReportSchema(ListedReportSchema):
    version = ma.fields.Integer(required=True, metadata={"description": "Counts the report's writes"})
    assessment = ma.fields.String(allow_none=True, metadata={"description": "The unit's general assessment"})
    proposals = ma.fields.String(allow_none=True, metadata={"description": "Its general proposals"})
    review_part = ma.fields.String(allow_none=True, metadata={"description": "The mid-term or final review's part"})
    review_comment = ma.fields.String(allow_none=True, metadata={"description": "The secretariat's comment or reason"})
    sections = ma.fields.List(ma.fields.Nested(ReportSectionSchema), required=True)


# --- what a unit sends ----------------------------------------------------------------------

_TEXT = {"allow_none": True, "validate": ma.validate.Length(max=TEXT_LIMIT)}


class SectionInputSchema(ma.Schema):
    task = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=32),
        metadata={"description": "The task's code (e.g. IV.4.1): one the report has a section on"},
    )
    percent = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(0, 100))
    state = ma.fields.String(
        allow_none=True,
        validate=ma.validate.OneOf(("", *STATES)),
        metadata={"description": "Needs the percent; done needs 100; blocked needs the difficulties"},
    )
    results = ma.fields.String(**_TEXT, metadata={"description": "Needed to submit: what was done, or why nothing"})
    difficulties = ma.fields.String(**_TEXT)
    proposals = ma.fields.String(**_TEXT)


class ReportInputSchema(ma.Schema):
    assessment = ma.fields.String(**_TEXT)
    proposals = ma.fields.String(**_TEXT)
    review_part = ma.fields.String(**_TEXT, metadata={"description": "Only in a round with a mid-term or final review"})
    sections = ma.fields.List(
        ma.fields.Nested(SectionInputSchema),
        validate=ma.validate.Length(max=500),
        metadata={
            "description": "The sections to write, by task. A section or a field left out keeps what the draft "
            "has (in a report not saved yet: what the unit posted on the task in the period, as the page "
            "pre-fills it); null or an empty text clears it."
        },
    )


def _body(required: bool) -> dict:
    return {"required": required, "content": {"application/json": {"schema": ReportInputSchema}}}


# --- loading --------------------------------------------------------------------------------


def load_round(plan, period_id: int) -> ReportingRound:
    """The reporting round of one of the plan's periods (the periods that share a unit deadline)."""
    period = db.session.get(ReportingPeriod, period_id)
    round_ = next((r for r in plan_rounds(plan) if period in r), None) if period is not None else None
    if period is None or period.plan_id != plan.id or round_ is None:
        refuse(404, _("The plan has no reporting period with this id."))
    return round_


def load_report(plan, report_id: int) -> UnitReport:
    report = db.session.get(
        UnitReport,
        report_id,
        options=[selectinload(UnitReport.sections).selectinload(UnitReportSection.task)],
    )
    if report is None or report.period.plan_id != plan.id:
        refuse(404, _("The plan has no report with this id."))
    return report


# --- reading --------------------------------------------------------------------------------


class ReportArgs(PageArgs):
    period = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A period's id: the reports of its round (periods sharing a unit deadline)"},
    )
    unit = ma.fields.String(metadata={"description": "A unit's code"})
    status = ma.fields.String(validate=ma.validate.OneOf(REPORT_STATUSES))


@bp.get("/plans/<int:plan_id>/reports")
@bp.arguments(ReportArgs, location="query")
@bp.response(200, page_of(ListedReportSchema))
def report_list(args, plan_id: int):
    """The unit reports started on the plan, by round (in calendar order), then unit (in the
    ward's order); narrowed by period, unit and status."""
    plan = load_plan(plan_id)
    query = (
        select(UnitReport)
        .join(ReportingPeriod, ReportingPeriod.id == UnitReport.period_id)
        .join(Unit, Unit.id == UnitReport.unit_id)
        .where(ReportingPeriod.plan_id == plan.id)
        .options(selectinload(UnitReport.unit), selectinload(UnitReport.period))
        .order_by(ReportingPeriod.unit_deadline, ReportingPeriod.id, Unit.sort_order, Unit.id, UnitReport.id)
    )
    if args.get("period") is not None:
        query = query.where(UnitReport.period_id.in_(load_round(plan, args["period"]).period_ids))
    if args.get("unit"):
        query = query.where(UnitReport.unit_id == load_unit(plan, args["unit"]).id)
    if args.get("status"):
        query = query.where(UnitReport.status == args["status"])
    return one_page(query, args)


@bp.get("/plans/<int:plan_id>/reports/<int:report_id>")
@bp.response(200, ReportSchema)
def report_detail(plan_id: int, report_id: int):
    """One unit report: its state, dates, general parts and a section for each task it covers."""
    return load_report(load_plan(plan_id), report_id)


# --- writing: who, when, what ---------------------------------------------------------------


def _owed_row(plan, round_: ReportingRound) -> queries.ReportRow:
    """The token's person's unit's report of the round, as the page finds it (403 as the page)."""
    unit_id = current_user.unit_id
    if not can("start_report", plan, unit_id):
        refuse(403, _("Only an officer of a unit writes and submits the unit's report."))
    row = queries.owed_row(plan, round_, unit_id, ward_today())
    if row is None:
        refuse(403, _("Your unit owes no report for this period."))
    return row


def _check_version(report: UnitReport | None) -> None:
    """If-Match: the report must be as the caller last read it (a report not started has no version)."""
    if report is None:
        if request.if_match:  # even "*": there is nothing yet that it could match
            refuse(412, _("This changed since you read it. Read it again, then send your change with its new ETag."))
        return
    check_if_match(etag_of(ReportSchema().dump(report)))


def _check_editable(round_: ReportingRound, report: UnitReport | None) -> None:
    if report is not None and not can("edit_report", report):
        if report.status == STATUS_ACCEPTED:
            message = _(
                "This report has already been accepted, so what you sent was not saved. Put anything new in the next period's report."
            )
        else:
            message = _(
                "This report has already been submitted, so what you sent was not saved. It can be changed again only if the secretariat returns it."
            )
        refuse(409, message, code="report_not_editable")
    opens_on = reporting_opens_on(round_, current_app.config["REPORT_WINDOW_DAYS"])
    if ward_today() < opens_on:
        refuse(
            422,
            _(
                "This period is not open for reporting yet. Reports can be written from %(date)s; the unit deadline is %(deadline)s.",
                date=format_date(opens_on),
                deadline=format_date(round_.unit_deadline),
            ),
            code="reporting_not_open",
        )


def _sent(required: bool) -> dict:
    """The call's fields, checked against ReportInputSchema (types and limits)."""
    if not required and not request.get_data():
        return {}
    fields, _files = posted_fields()
    errors = ReportInputSchema().validate(fields)
    if errors:
        refuse(422, _("Some values are not valid: see errors."), errors)
    return ReportInputSchema().load(fields)


# --- writing: the page's forms --------------------------------------------------------------

GENERAL_FIELDS = ("assessment", "proposals", "review_part")
SECTION_FIELDS = ("percent", "state", "results", "difficulties", "proposals")


def _sections_by_task(row: queries.ReportRow, sent: list[dict], errors: dict) -> dict[int, dict]:
    """Task id -> the fields sent for its section; a task the report has no section on, or one
    given twice, is an error (errors are keyed by the task's code, as the forms' are)."""
    tasks = {task.code: task for task in row.tasks}
    given: dict[int, dict] = {}
    for section in sent:
        task = tasks.get(section["task"])
        if task is None or task.id in given:
            wrong = (
                _("The report has no section on that task.")
                if task is None
                else _("The section on this task is given twice.")
            )
            errors.setdefault("sections", {}).setdefault(section["task"], {})["task"] = [wrong]
        else:
            given[task.id] = {name: value for name, value in section.items() if name != "task"}
    return given


def _as_it_stands(row: queries.ReportRow, report: UnitReport | None) -> dict[int, dict]:
    """Task id -> its section as the page shows it: the saved draft, else the pre-fill from the
    unit's progress updates of the round."""
    saved = {task.id: report.section_for(task.id) if report is not None else None for task in row.tasks}
    missing = [task_id for task_id, section in saved.items() if section is None]
    sources = queries.section_sources(row.round, row.unit.id, missing, now()) if missing else {}
    shown = {}
    for task in row.tasks:
        section = saved[task.id] if saved[task.id] is not None else sources[task.id].prefill(task)
        shown[task.id] = {name: getattr(section, name) for name in SECTION_FIELDS}
    return shown


def _form(form_class, fields: dict, errors: dict, where: str | None = None):
    """The page's form filled with `fields`, or None with its errors added to `errors`."""
    try:
        return validated_form(form_class, fields)
    except ApiError as refused:
        if where is None:
            errors.update(refused.errors or {})
        else:
            errors.setdefault("sections", {}).setdefault(where, {}).update(refused.errors or {})
        return None


def _report_input(row: queries.ReportRow, report: UnitReport | None, sent: dict) -> services.ReportInput:
    """What the report says once the fields sent are written over it, each part checked by the
    page's own form (SectionForm for a task's section, UnitReportForm for the rest): 422 with
    every error at once."""
    errors: dict = {}
    given = _sections_by_task(row, sent.get("sections") or [], errors)
    if row.round.review_period is None and (sent.get("review_part") or "").strip():
        errors["review_part"] = [_("This period has no review part: leave it empty.")]
    general = {name: sent[name] if name in sent else getattr(report, name, None) for name in GENERAL_FIELDS}
    form = _form(UnitReportForm, general, errors)
    shown = _as_it_stands(row, report)
    sections = []
    for task in row.tasks:
        fields = {**shown[task.id], **given.get(task.id, {})}
        fields["state"] = fields.get("state") or ""
        section = _form(SectionForm, fields, errors, task.code)
        if section is not None:
            sections.append(
                services.SectionInput(
                    task,
                    section.percent.data,
                    section.state.data or None,
                    section.results.data,
                    section.difficulties.data,
                    section.proposals.data,
                )
            )
    if errors:
        refuse(422, _("Some values are not valid: see errors."), errors)
    return services.ReportInput(sections, form.assessment.data, form.proposals.data, form.review_part.data)


def _check_complete(data: services.ReportInput) -> None:
    """A report is submitted whole (services.check_complete): 422 naming each section to complete."""
    try:
        services.check_complete(data)
    except services.TransitionRefused as refused:
        errors = {}
        for section in data.sections:
            if section.task.id in refused.task_ids:
                empty = not (section.results or "").strip()
                errors[section.task.code] = (
                    {"results": [_("Write what was done in the period, or why nothing was.")]}
                    if empty
                    else {"percent": [str(refused)]}
                )
        refuse(422, str(refused), {"sections": errors}, code="report_incomplete")


def _commit() -> None:
    """Commit; two writes of the same report at once (two people, two tabs): the second is refused."""
    try:
        commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        refuse(409, _("This changed since you read it. Read it again, then send your change with its new ETag."))


def _start(row: queries.ReportRow, moment) -> UnitReport:
    report = services.start(row.round, row.unit.id, row.tasks, moment)
    report.unit = row.unit  # the answer is written from what the request holds, not read again
    return report


def _answer(plan, report: UnitReport, status: int = 200):
    headers = {"ETag": quote_etag(etag_of(ReportSchema().dump(report)))}
    if status == 201:
        headers["Location"] = url_for("api.report_detail", plan_id=plan.id, report_id=report.id)
    return report, status, headers


# --- writing: the endpoints -----------------------------------------------------------------


@bp.put("/plans/<int:plan_id>/periods/<int:period_id>/report")
@bp.doc(requestBody=_body(required=True))
@bp.response(200, ReportSchema)
@bp.alt_response(201, schema=ReportSchema, description="The report was started by this call, as a draft")
def report_save(plan_id: int, period_id: int):
    """Save the token's person's unit's report of the period's round as a draft (started if it is
    not), as the report page's "Save draft" does. A field or a section left out keeps what the
    draft has; null or an empty text clears it. An officer of a unit that owes the report; a
    draft or a report returned for changes. If-Match (the ETag of the report's read) refuses
    (412) a save over a change made since."""
    plan = load_plan(plan_id)
    round_ = load_round(plan, period_id)
    row = _owed_row(plan, round_)
    report = row.report
    _check_version(report)
    _check_editable(round_, report)
    data = _report_input(row, report, _sent(required=True))
    moment = now()
    started = report is None
    try:
        report = report or _start(row, moment)
        services.save_draft(actor(), report, data, moment)
    except services.TransitionRefused as refused:
        db.session.rollback()
        refuse(409, str(refused), code="report_not_editable")
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        refuse(409, _("This changed since you read it. Read it again, then send your change with its new ETag."))
    _commit()
    return _answer(plan, report, 201 if started else 200)


@bp.post("/plans/<int:plan_id>/periods/<int:period_id>/report/submit")
@bp.doc(parameters=[IDEMPOTENCY], requestBody=_body(required=False))
@bp.response(200, ReportSchema)
def report_submit(plan_id: int, period_id: int):
    """Submit the token's person's unit's report of the period's round to the secretariat (or
    resubmit it after a return), as the report page's "Submit" does: the draft as saved, with
    the fields sent (if any) written over it first. Every section must say what was done (422
    names those that do not). A section whose percent or state differs from the unit's latest
    update on the task posts it as an update. With If-Match, refused (412) if the report changed
    since it was read; sent again with the same Idempotency-Key, answers the report again."""
    plan = load_plan(plan_id)
    round_ = load_round(plan, period_id)
    row = _owed_row(plan, round_)
    sent = _sent(required=False)
    submission, first = claim_idempotency_key()
    if first is not None:
        return _replayed(plan, row, first)
    report = row.report
    _check_version(report)
    _check_editable(round_, report)
    data = _report_input(row, report, sent)
    _check_complete(data)
    moment = now()
    figures = report_figures(plan, round_.figures_period, row.unit.id).snapshot() if round_.figures_period else []
    try:
        report = report or _start(row, moment)
        services.submit(actor(), report, data, moment, roles=row.roles, figures=figures)
    except services.TransitionRefused as refused:
        db.session.rollback()
        refuse(422 if refused.task_ids else 409, str(refused))
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        refuse(409, _("This changed since you read it. Read it again, then send your change with its new ETag."))
    taken(submission, url_for("api.report_detail", plan_id=plan.id, report_id=report.id))
    _commit()
    return _answer(plan, report)


def _replayed(plan, row: queries.ReportRow, first: str):
    """A submission sent again with its Idempotency-Key: the report it submitted, as it is now."""
    return _answer(plan, db.session.get(UnitReport, replayed_id(first)))
