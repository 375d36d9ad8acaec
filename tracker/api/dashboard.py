"""The steering committee's dashboard as data: the plan's figures today, its tasks counted by
status and flag, its sections rolled up, the reports of the current reporting round, open alerts
and questions. The same reads as the dashboard page (tracker.dashboard.views), from the stored
standings: it costs what the page costs, whatever the plan's size."""

from __future__ import annotations

import marshmallow as ma

from tracker.alerts.queries import open_alert_counts
from tracker.api.base import bp
from tracker.api.plans import load_plan
from tracker.api.schemas import PeriodSchema, TaskRefSchema, UnitRefSchema, decimal_text
from tracker.core.labels import label
from tracker.core.time import ward_today
from tracker.discussion import queries as discussion
from tracker.progress.status import STATUSES
from tracker.reports.queries import open_rounds, rows_for
from tracker.standing import listing
from tracker.standing.stored import current_standings


class CountSchema(ma.Schema):
    code = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class SectionSchema(ma.Schema):
    task = ma.fields.Nested(TaskRefSchema, required=True)
    percent = decimal_text(required=True)
    expected = decimal_text(required=True)


class ReportingRowSchema(ma.Schema):
    unit = ma.fields.Nested(UnitRefSchema, required=True)
    status = ma.fields.String(required=True, metadata={"description": "not_started, draft, submitted, ..."})
    status_label = ma.fields.String(required=True)
    late = ma.fields.Boolean(required=True, metadata={"description": "Not sent, and the units' deadline has passed"})


class ReportingSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, required=True)
    owed = ma.fields.Integer(required=True, metadata={"description": "Unit reports owed in this round"})
    sent = ma.fields.Integer(required=True)
    late = ma.fields.Integer(required=True)
    units = ma.fields.List(ma.fields.Nested(ReportingRowSchema), required=True)


class DashboardSchema(ma.Schema):
    on_day = ma.fields.Date(required=True, metadata={"description": "The ward's today, for which the figures are"})
    percent = decimal_text(required=True, metadata={"description": "The plan's progress"})
    expected = decimal_text(required=True, metadata={"description": "Where it should be by now"})
    tasks = ma.fields.Integer(required=True, metadata={"description": "Tasks worked on (the plan's leaves)"})
    statuses = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    flags = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    sections = ma.fields.List(ma.fields.Nested(SectionSchema), required=True)
    reporting = ma.fields.Nested(ReportingSchema, allow_none=True, metadata={"description": "The current round"})
    open_alerts = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    open_questions = ma.fields.Integer(required=True)


@bp.get("/plans/<int:plan_id>/dashboard")
@bp.response(200, DashboardSchema)
def dashboard_summary(plan_id: int):
    """The dashboard's figures: what the steering committee's page shows, as numbers."""
    plan = load_plan(plan_id)
    today = ward_today()
    stored = current_standings(plan, today)
    everything = listing.TaskFilter()
    statuses = listing.status_counts(plan, everything)
    flags = listing.flag_counts(plan, everything)
    return {
        "on_day": today,
        "percent": stored.percent,
        "expected": stored.expected,
        "tasks": listing.count_tasks(plan, everything),
        "statuses": [_count("task_status", code, statuses.get(code, 0)) for code in STATUSES],
        "flags": [_count("flag", code, count) for code, count in flags.items()],
        "sections": listing.section_figures(plan),
        "reporting": _reporting(plan, today),
        "open_alerts": [
            _count("alert_kind", code, count) for code, count in sorted(open_alert_counts(plan.id).items())
        ],
        "open_questions": len(discussion.plan_questions(plan, open_only=True)),
    }


def _count(kind: str, code: str, count: int) -> dict:
    return {"code": code, "label": label(kind, code), "count": count}


def _reporting(plan, today) -> dict | None:
    """The round the dashboard shows by default: the latest open for reporting."""
    started = open_rounds(plan, today)
    if not started:
        return None
    round_ = started[-1]
    rows = rows_for(plan, listing.owed_in_rounds(plan, [round_]), today)
    return {
        "period": round_.primary,
        "owed": len(rows),
        "sent": sum(1 for row in rows if row.sent),
        "late": sum(1 for row in rows if row.is_late),
        "units": [
            {
                "unit": row.unit,
                "status": row.status,
                "status_label": label("report_status", row.status),
                "late": row.is_late,
            }
            for row in rows
        ],
    }
