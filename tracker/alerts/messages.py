"""How an alert reads and where it leads, for the bell, the pages and the e-mails alike."""
from __future__ import annotations

from flask import Flask, url_for
from flask_babel import gettext as _

from tracker.accounts.models import ROLE_OFFICER
from tracker.alerts.models import (
    DIRECTIVE_OVERDUE,
    ESCALATION,
    MILESTONE_OVERDUE,
    QUESTION_UNANSWERED,
    REPORT_DUE,
    REPORT_MISSING,
    TASK_OVERDUE,
    TASK_STALE,
    Alert,
)
from tracker.core.formatting import format_date
from tracker.core.labels import period_name

# The three groups of the e-mail digest.
DUE_SOON = (REPORT_DUE,)
LATE = (REPORT_MISSING, TASK_OVERDUE, MILESTONE_OVERDUE, DIRECTIVE_OVERDUE, QUESTION_UNANSWERED, TASK_STALE)
ESCALATED = (ESCALATION,)


def alert_text(alert: Alert) -> str:
    if alert.kind == ESCALATION and alert.parent is not None:
        return _("Escalated to the chair: %(text)s", text=alert_text(alert.parent))
    task = alert.task.code if alert.task else ""
    period = period_name(alert.period) if alert.period else ""
    due = format_date(alert.due_on)
    unit = alert.unit.name if alert.unit else ""
    if alert.kind == REPORT_DUE and alert.task is None:
        return _("%(unit)s: the unit's %(period)s is due on %(date)s.", unit=unit, period=period, date=due)
    if alert.kind == REPORT_MISSING and alert.task is None:
        return _("%(unit)s: the unit's %(period)s was due on %(date)s and has not been sent.", unit=unit, period=period, date=due)
    # Alerts raised before reports were sent per unit named a task.
    if alert.kind == REPORT_DUE:
        return _("%(unit)s: %(period)s on task %(task)s is due on %(date)s.", unit=unit, period=period, task=task, date=due)
    if alert.kind == REPORT_MISSING:
        return _("%(unit)s: %(period)s on task %(task)s was due on %(date)s and has not been sent.", unit=unit, period=period, task=task, date=due)
    if alert.kind == TASK_OVERDUE:
        return _("%(unit)s: task %(task)s was due on %(date)s and is not finished.", unit=unit, task=task, date=due)
    if alert.kind == MILESTONE_OVERDUE:
        title = alert.milestone.title if alert.milestone else ""
        return _("%(unit)s: the milestone \u201c%(milestone)s\u201d of %(task)s was due on %(date)s.", unit=unit, milestone=title, task=task, date=due)
    if alert.kind == DIRECTIVE_OVERDUE:
        body = alert.directive.body if alert.directive else ""
        return _("%(unit)s: the directive \u201c%(text)s\u201d was due on %(date)s and is not done.", unit=unit, text=_short(body), date=due)
    if alert.kind == QUESTION_UNANSWERED:
        body = alert.question.body if alert.question else ""
        return _("%(unit)s has not answered the question \u201c%(text)s\u201d (answer expected by %(date)s).", unit=unit, text=_short(body), date=due)
    if alert.kind == TASK_STALE:
        return _("%(unit)s: task %(task)s has had no update for a long time.", unit=unit, task=task)
    return alert.kind


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def alert_url(alert: Alert, viewer=None, external: bool = False) -> str:
    """Where the alert leads: the unit's report, the task, the directive or the question."""
    if alert.kind == ESCALATION and alert.parent is not None:
        return alert_url(alert.parent, viewer, external)
    plan_id = alert.plan_id
    if alert.kind in (REPORT_DUE, REPORT_MISSING) and alert.period_id:
        if viewer is not None and ROLE_OFFICER in viewer.role_codes and viewer.unit_id == alert.unit_id:
            return url_for("reports.edit", plan_id=plan_id, period_id=alert.period_id, _external=external)
        return url_for("reports.queue", plan_id=plan_id, period=alert.period_id, _external=external)
    if alert.kind == DIRECTIVE_OVERDUE:
        return url_for("discussion.directives", plan_id=plan_id, unit=alert.unit_id, show="all", _external=external)
    if alert.kind == QUESTION_UNANSWERED:
        return url_for("discussion.questions", plan_id=plan_id, unit=alert.unit_id, _external=external)
    if alert.task:
        return url_for("plan.task", plan_id=plan_id, code=alert.task.code, _external=external)
    return url_for("dashboard.index", plan_id=plan_id, _external=external)


def register(app: Flask) -> None:
    app.add_template_global(alert_text, "alert_text")
    app.add_template_global(alert_url, "alert_url")
