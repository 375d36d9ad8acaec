"""The committee's side of the plan through the API: the chair's accountability table (who answers
for what is late or unreported), the plan's open alerts, the token's person's own notifications,
and the committee's questions to the units, which a unit's officer answers as on the page (the
page's form and rules, the same service and audit record)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from tracker.accountability import queries as accountability
from tracker.accountability.services import SORT_KEYS
from tracker.accounts.permissions import can, require
from tracker.alerts.messages import alert_text, alert_url
from tracker.alerts.models import ALERT_KINDS, Notification
from tracker.alerts.queries import open_alerts_query, user_notifications
from tracker.api.base import (
    IDEMPOTENCY,
    PageArgs,
    bp,
    claim_idempotency_key,
    list_page,
    one_page,
    page_dict,
    page_of,
    posted_fields,
    refuse,
    validated_form,
)
from tracker.api.plans import load_plan, load_unit
from tracker.api.schemas import Moment, PeriodSchema, TaskRefSchema, UnitRefSchema, labelled
from tracker.core.database import commit
from tracker.core.http import actor
from tracker.core.labels import round_name
from tracker.core.submissions import taken
from tracker.core.time import now, ward_date, ward_today
from tracker.discussion import services as discussion
from tracker.discussion.forms import AnswerForm
from tracker.discussion.models import Question
from tracker.discussion.queries import plan_questions
from tracker.extensions import db
from tracker.periods.queries import plan_periods
from tracker.standing.stored import current_standings

# The longest answer the page's form takes (tracker.discussion.forms.AnswerForm).
ANSWER_MAX = 10000


# --- accountability: the chair's table ------------------------------------------------------


class AccountabilityArgs(ma.Schema):
    period = ma.fields.Integer(
        metadata={"description": "A reporting period's id (GET /plans/{plan_id}/periods); without it, the plan to date"}
    )
    sort = ma.fields.String(
        load_default="longest",
        validate=ma.validate.OneOf(list(SORT_KEYS)),
        metadata={"description": "The order within each group, as on the page: the longest late first by default"},
    )


class LateItemSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"description": "report, task, milestone or directive"})
    name = ma.fields.String(
        required=True, metadata={"description": "The task's code, the report's name or the directive's first words"}
    )
    since = ma.fields.Date(required=True, metadata={"description": "The first late day"})
    days = ma.fields.Integer(required=True, metadata={"description": "Days late"})
    text = ma.fields.Function(
        lambda item: item.describe(), required=True, metadata={"type": "string", "description": "As the page says it"}
    )
    task_code = ma.fields.Function(
        lambda item: item.url_args.get("code"), allow_none=True, metadata={"type": "string", "nullable": True}
    )
    period_id = ma.fields.Function(
        lambda item: item.url_args.get("period"),
        allow_none=True,
        metadata={"type": "integer", "nullable": True, "description": "A late report's round"},
    )


def _rate(description: str):
    # Sent as a string ("66.7"): the OpenAPI type says so (apispec would call a Decimal a number).
    return ma.fields.Decimal(
        places=1,
        as_string=True,
        allow_none=True,
        metadata={"type": "string", "format": "decimal", "example": "66.7", "description": description},
    )


class UnitFiguresSchema(ma.Schema):
    unit = ma.fields.Nested(UnitRefSchema, required=True)
    group = ma.fields.Function(
        lambda f: "outside" if f.outside else "inside",
        required=True,
        metadata={
            "type": "string",
            "enum": ["inside", "outside"],
            "description": "inside: UBND's offices (assigned); outside: bodies UBND requests of",
        },
    )
    tasks_led = ma.fields.Integer(required=True)
    on_track = ma.fields.Integer(required=True, metadata={"description": "Led tasks done or on schedule"})
    overdue = ma.fields.Integer(required=True, metadata={"description": "Led tasks past their own due date"})
    overdue_since = ma.fields.Date(allow_none=True)
    stale = ma.fields.Integer(required=True, metadata={"description": "Led tasks without a recent update"})
    reports_expected = ma.fields.Integer(required=True, metadata={"description": "Unit reports owed"})
    reports_sent = ma.fields.Integer(required=True)
    reports_on_time = ma.fields.Integer(required=True)
    reports_late = ma.fields.Function(
        lambda f: len(f.late_reports),
        required=True,
        metadata={"type": "integer", "description": "Reports past their deadline, not sent"},
    )
    late_reports_since = ma.fields.Date(allow_none=True)
    directives_due = ma.fields.Integer(required=True)
    directives_on_time = ma.fields.Integer(required=True)
    open_questions = ma.fields.Integer(required=True)
    chases = ma.fields.Integer(required=True)
    last_chased = Moment(allow_none=True)
    reporting_rate = _rate("Reports sent / owed, in %, at most 100; null when nothing is owed")
    on_time_rate = _rate("Reports first sent by the unit deadline / owed, in %; null when nothing is owed")
    on_track_share = _rate("Led tasks on track / led, in %; null when the unit leads none")
    directives_rate = _rate("Directives done on time / due, in %; null when none is due")
    longest = ma.fields.Nested(LateItemSchema, allow_none=True, metadata={"description": "The longest-late item"})
    late = ma.fields.List(
        ma.fields.Nested(LateItemSchema),
        required=True,
        metadata={"description": "What is late now, the longest first (of overdue tasks, the longest-overdue)"},
    )


class RoundSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.Function(lambda r: round_name(r), required=True, metadata={"type": "string"})
    unit_deadline = ma.fields.Date(required=True)
    period_ids = ma.fields.List(ma.fields.Integer(), required=True)


class AccountabilitySchema(ma.Schema):
    today = ma.fields.Date(required=True, metadata={"description": "The day the figures are read on (in the ward)"})
    period = ma.fields.Nested(PeriodSchema, allow_none=True, metadata={"description": "null: the plan to date"})
    rounds = ma.fields.List(
        ma.fields.Nested(RoundSchema), required=True, metadata={"description": "The reporting rounds counted"}
    )
    sort = ma.fields.String(required=True)
    units = ma.fields.List(
        ma.fields.Nested(UnitFiguresSchema),
        required=True,
        metadata={"description": "In the page's order: UBND's offices, then the bodies outside its apparatus"},
    )


@bp.get("/plans/<int:plan_id>/accountability")
@bp.arguments(AccountabilityArgs, location="query")
@bp.response(200, AccountabilitySchema)
def accountability_table(args, plan_id: int):
    """The chair's accountability table, as its page shows it: per unit, what is late and since
    when, the reports owed, sent and sent on time, the led tasks overdue and without a recent
    update, the directives done on time, with the rates. For the chair, the committee, the
    secretariat, the administrators and the province."""
    plan = load_plan(plan_id)
    require("view_accountability", plan)
    today = ward_today()
    periods = plan_periods(plan)
    period = None
    if args.get("period") is not None:
        period = next((p for p in periods if p.id == args["period"]), None)
        if period is None:
            refuse(404, _("The plan has no reporting period with this id."))
    current_standings(plan, today)
    scope, rows = accountability.league_table(plan, period, args["sort"], today)
    return {
        "today": today,
        "period": period,
        "rounds": scope.rounds,
        "sort": args["sort"],
        "units": [row for _key, group in accountability.grouped(rows) for row in group],
    }


# --- alerts and notifications ---------------------------------------------------------------


class AlertSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "report_missing, task_overdue, escalation, ..."})
    kind_label = labelled("alert_kind", "kind")
    text = ma.fields.Function(
        lambda a: alert_text(a), required=True, metadata={"type": "string", "description": "As the pages say it"}
    )
    unit = ma.fields.Nested(UnitRefSchema, allow_none=True, metadata={"description": "The unit it is about"})
    task = ma.fields.Nested(TaskRefSchema, allow_none=True)
    period_id = ma.fields.Integer(allow_none=True)
    question_id = ma.fields.Integer(allow_none=True)
    directive_id = ma.fields.Integer(allow_none=True)
    escalates_id = ma.fields.Integer(
        attribute="parent_id", allow_none=True, metadata={"description": "An escalation: the alert passed to the chair"}
    )
    since = ma.fields.Date(
        attribute="effective_on", required=True, metadata={"description": "The day it should have fired"}
    )
    due_on = ma.fields.Date(allow_none=True, metadata={"description": "The deadline it is about"})
    created_at = Moment(required=True)
    resolved_at = Moment(allow_none=True)
    page_url = ma.fields.Function(
        lambda a: alert_url(a, current_user),
        required=True,
        metadata={"type": "string", "description": "Where it leads in the app"},
    )


class AlertArgs(PageArgs):
    unit = ma.fields.String(metadata={"description": "A unit's code: the alerts about it"})
    kind = ma.fields.String(validate=ma.validate.OneOf(ALERT_KINDS))


@bp.get("/plans/<int:plan_id>/alerts")
@bp.arguments(AlertArgs, location="query")
@bp.response(200, page_of(AlertSchema))
def alert_list(args, plan_id: int):
    """The plan's open alerts (counted on the dashboard, listed in its export), the oldest first;
    narrowed to the alerts about a unit, or of one kind."""
    plan = load_plan(plan_id)
    unit = load_unit(plan, args["unit"]) if args.get("unit") else None
    kinds = (args["kind"],) if args.get("kind") else None
    return one_page(open_alerts_query(plan.id, kinds, unit.id if unit else None), args)


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    created_at = Moment(required=True)
    day = ma.fields.Function(
        lambda n: ward_date(n.created_at).isoformat(),
        required=True,
        metadata={
            "type": "string",
            "format": "date",
            "description": "The ward's day: a day's notifications are one message on the page",
        },
    )
    read_at = Moment(allow_none=True)
    unread = ma.fields.Function(lambda n: n.read_at is None, required=True, metadata={"type": "boolean"})
    alert = ma.fields.Nested(AlertSchema, required=True)


class NotificationArgs(PageArgs):
    unread = ma.fields.Boolean(metadata={"description": "true: only the unread; false: only those read"})


@bp.get("/notifications")
@bp.arguments(NotificationArgs, location="query")
@bp.response(200, page_of(NotificationSchema))
def alert_notifications(args):
    """The token's person's own notifications, as the bell's page lists them: the unread first,
    then the newest first."""
    user_id = current_user.id
    unread = args.get("unread")
    count = select(func.count(Notification.id)).where(Notification.user_id == user_id)
    unread_total = db.session.scalar(count.where(Notification.read_at.is_(None))) or 0
    total = unread_total if unread else db.session.scalar(count) or 0
    # The read ones come after every unread one in the page's order: skip those.
    skipped = unread_total if unread is False else 0
    total -= skipped
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    if start >= total:
        return page_dict([], page, per_page, total)
    found = user_notifications(user_id, unread_only=bool(unread), limit=skipped + start + per_page)
    return page_dict(found[skipped + start :], page, per_page, total)


# --- questions ------------------------------------------------------------------------------


class QuestionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    unit = ma.fields.Nested(UnitRefSchema, required=True, metadata={"description": "The unit asked"})
    task = ma.fields.Nested(TaskRefSchema, allow_none=True)
    body = ma.fields.String(required=True)
    asked_by = ma.fields.Function(
        lambda q: q.asked_by.full_name if q.asked_by else None,
        allow_none=True,
        metadata={"type": "string", "nullable": True},
    )
    asked_at = Moment(required=True)
    open = ma.fields.Function(
        lambda q: q.is_open, required=True, metadata={"type": "boolean", "description": "Not answered yet"}
    )
    answer = ma.fields.String(allow_none=True)
    answered_by = ma.fields.Function(
        lambda q: q.answered_by.full_name if q.answered_by else None,
        allow_none=True,
        metadata={"type": "string", "nullable": True},
    )
    answered_at = Moment(allow_none=True)


class QuestionArgs(PageArgs):
    open = ma.fields.Boolean(metadata={"description": "true: only the open; false: only the answered"})
    unit = ma.fields.String(metadata={"description": "A unit's code: the questions it was asked"})


@bp.get("/plans/<int:plan_id>/questions")
@bp.arguments(QuestionArgs, location="query")
@bp.response(200, page_of(QuestionSchema))
def question_list(args, plan_id: int):
    """The committee's questions to the units, the newest first."""
    plan = load_plan(plan_id)
    unit = load_unit(plan, args["unit"]) if args.get("unit") else None
    is_open = args.get("open")
    found = plan_questions(plan, open_only=is_open is True, unit_id=unit.id if unit else None)
    if is_open is False:
        found = [q for q in found if not q.is_open]
    return list_page(found, args)


def _load_question(plan, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.plan_id != plan.id:
        refuse(404, _("The plan has no question with this id."))
    return question


@bp.get("/plans/<int:plan_id>/questions/<int:question_id>")
@bp.response(200, QuestionSchema)
def question_detail(plan_id: int, question_id: int):
    """One question, and its answer."""
    return _load_question(load_plan(plan_id), question_id)


class AnswerInputSchema(ma.Schema):
    answer = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=1, max=ANSWER_MAX), ma.validate.Regexp(r"^\s*\S")],
        metadata={"description": "The unit's answer (not only spaces)"},
    )


@bp.post("/plans/<int:plan_id>/questions/<int:question_id>/answer")
@bp.doc(
    parameters=[IDEMPOTENCY],
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": AnswerInputSchema},
            "application/x-www-form-urlencoded": {"schema": AnswerInputSchema},
        },
    },
)
@bp.response(200, QuestionSchema)
@bp.alt_response(409, schema="Error", description="The question has been answered already")
def question_answer(plan_id: int, question_id: int):
    """Answer a question put to the token's person's unit (an officer of that unit), once: a
    question answered already is not answered again (409). Sent again with the same
    Idempotency-Key, it answers the question as the first call left it."""
    plan = load_plan(plan_id)
    question = _load_question(plan, question_id)
    if not can("answer_for_unit", question.unit_id, plan):
        refuse(403, _("Only an officer of the unit asked may answer this question."))
    fields, _files = posted_fields()
    form = validated_form(AnswerForm, fields)
    errors = AnswerInputSchema().validate(fields)
    if errors:
        refuse(422, _("Some values are not valid: see errors."), errors)
    submission, first = claim_idempotency_key()
    if first is not None:  # the same call (claim_idempotency_key): this question
        return question
    try:
        discussion.answer_question(actor(), question, form.answer.data, now())
    except discussion.DiscussionRefused as refused:
        db.session.rollback()
        refuse(409, str(refused))
    db.session.flush()
    # What the answer shows is read now: nothing is read again after the commit.
    _shown = (question.unit, question.task, question.asked_by, question.answered_by)
    taken(submission, url_for("api.question_detail", plan_id=plan.id, question_id=question.id))
    commit()
    return question
