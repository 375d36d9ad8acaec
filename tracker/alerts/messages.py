"""How alerts read and where they lead, for the bell, the pages and the e-mails alike.

People are told per unit, not per task: what a person is told in a day is ONE message (the bell's
entry for the day, the day's e-mail), its alerts grouped by unit, each unit in one line
("Phòng X: 3 báo cáo chậm, lâu nhất 12 ngày, từ dd/mm/yyyy"), the tasks one click away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.accounts.models import ROLE_OFFICER
from tracker.alerts.models import (
    CHASE,
    DIRECTIVE_OVERDUE,
    ESCALATION,
    LATE_KINDS,
    MILESTONE_OVERDUE,
    QUESTION_UNANSWERED,
    REPORT_DUE,
    REPORT_MISSING,
    TASK_OVERDUE,
    TASK_STALE,
    TASK_UNASSIGNED,
    Alert,
)
from tracker.core.formatting import format_date
from tracker.core.labels import label, period_name
from tracker.core.time import ward_date


def alert_text(alert: Alert) -> str:
    """The alert in one sentence, naming the unit and what is due or late (an escalation: the
    alert it passed to the chair)."""
    if alert.kind == ESCALATION and alert.parent is not None:
        return _("Passed to the chair: %(text)s", text=alert_text(alert.parent))
    task = alert.task.code if alert.task else ""
    period = _period_text(alert)
    due = format_date(alert.due_on)
    unit = alert.unit.name if alert.unit else ""
    if alert.kind in (REPORT_DUE, REPORT_MISSING):
        return _report_text(alert, unit, period, task, due)
    if alert.kind == TASK_OVERDUE:
        return _("%(unit)s: task %(task)s was due on %(date)s and is not finished.", unit=unit, task=task, date=due)
    if alert.kind == MILESTONE_OVERDUE:
        title = alert.milestone.title if alert.milestone else ""
        return _(
            "%(unit)s: the milestone \u201c%(milestone)s\u201d of %(task)s was due on %(date)s.",
            unit=unit,
            milestone=title,
            task=task,
            date=due,
        )
    if alert.kind in (DIRECTIVE_OVERDUE, QUESTION_UNANSWERED):
        return _discussion_text(alert, unit, due)
    if alert.kind == TASK_STALE:
        return _("%(unit)s: task %(task)s has had no update for a long time.", unit=unit, task=task)
    if alert.kind == TASK_UNASSIGNED:
        return _("Task %(task)s has no unit to answer for it: assign a lead unit.", task=task)
    if alert.kind == CHASE:
        return (alert.details or {}).get("text") or _("%(unit)s was chased.", unit=unit)
    return alert.kind


def _report_text(alert: Alert, unit: str, period: str, task: str, due: str) -> str:
    """A unit report due soon, or missing."""
    if alert.kind == REPORT_DUE and alert.task is None:
        return _("%(unit)s: the unit's %(period)s is due on %(date)s.", unit=unit, period=period, date=due)
    if alert.kind == REPORT_MISSING and alert.task is None:
        return _(
            "%(unit)s: the unit's %(period)s was due on %(date)s and has not been sent.",
            unit=unit,
            period=period,
            date=due,
        )
    # Alerts raised before reports were sent per unit named a task.
    if alert.kind == REPORT_DUE:
        return _(
            "%(unit)s: %(period)s on task %(task)s is due on %(date)s.", unit=unit, period=period, task=task, date=due
        )
    return _(
        "%(unit)s: %(period)s on task %(task)s was due on %(date)s and has not been sent.",
        unit=unit,
        period=period,
        task=task,
        date=due,
    )


def _discussion_text(alert: Alert, unit: str, due: str) -> str:
    """A directive overdue, or a question unanswered."""
    if alert.kind == DIRECTIVE_OVERDUE:
        body = alert.directive.body if alert.directive else ""
        return _(
            "%(unit)s: the directive \u201c%(text)s\u201d was due on %(date)s and is not done.",
            unit=unit,
            text=_short(body),
            date=due,
        )
    body = alert.question.body if alert.question else ""
    return _(
        "%(unit)s has not answered the question \u201c%(text)s\u201d (answer expected by %(date)s).",
        unit=unit,
        text=_short(body),
        date=due,
    )


def _period_text(alert: Alert) -> str:
    """The report's name as its page gives it: a round of two periods names both (kept in the
    alert's details when it was raised)."""
    periods = (alert.details or {}).get("periods")
    if periods:
        names = [f"{label('period_kind', kind)} {year}" for kind, year in periods]
        return (
            names[0]
            if len(names) == 1
            else _("%(first)s and %(second)s", first=", ".join(names[:-1]), second=names[-1])
        )
    return period_name(alert.period) if alert.period else ""


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
    if alert.kind == CHASE and alert.unit is not None:
        if viewer is not None and viewer.unit_id == alert.unit_id:
            return url_for("units_home.my_unit", plan_id=plan_id, _external=external)
        return url_for("accountability.unit", plan_id=plan_id, code=alert.unit.code, _external=external)
    if alert.task:
        return url_for("plan.task", plan_id=plan_id, code=alert.task.code, _external=external)
    return url_for("dashboard.index", plan_id=plan_id, _external=external)


# --- grouped by unit ------------------------------------------------------------------------


def subject_of(alert: Alert) -> Alert:
    """What an alert is about: an escalation is about the alert it passed to the chair."""
    return alert.parent if alert.kind == ESCALATION and alert.parent is not None else alert


# Each kind's phrase, in the order a unit's line lists them.
_KIND_PHRASES = {
    REPORT_MISSING: lambda n: ngettext("%(num)d report late", "%(num)d reports late", n),
    TASK_OVERDUE: lambda n: ngettext("%(num)d task overdue", "%(num)d tasks overdue", n),
    MILESTONE_OVERDUE: lambda n: ngettext("%(num)d milestone overdue", "%(num)d milestones overdue", n),
    DIRECTIVE_OVERDUE: lambda n: ngettext("%(num)d directive overdue", "%(num)d directives overdue", n),
    QUESTION_UNANSWERED: lambda n: ngettext("%(num)d question unanswered", "%(num)d questions unanswered", n),
    TASK_STALE: lambda n: ngettext("%(num)d task without a recent update", "%(num)d tasks without a recent update", n),
    TASK_UNASSIGNED: lambda n: ngettext("%(num)d task with no unit assigned", "%(num)d tasks with no unit assigned", n),
    REPORT_DUE: lambda n: ngettext("%(num)d report due soon", "%(num)d reports due soon", n),
    CHASE: lambda n: ngettext("chased %(num)d time", "chased %(num)d times", n),
}


# The kinds in the order a unit's line names them.
KIND_ORDER = tuple(_KIND_PHRASES)


def _kind_phrase(kind: str, count: int) -> str:
    phrase = _KIND_PHRASES.get(kind)
    return phrase(count) if phrase else f"{count} {kind}"


@dataclass(frozen=True)
class KindCount:
    """A unit's open alerts of one kind: how many, the first late day of the oldest, the earliest due date."""

    count: int
    since: date | None = None
    due: date | None = None


def unit_summary(name: str, counts: dict[str, KindCount], day: date) -> str:
    """ "Phòng X: 3 reports late, the longest 12 days, since dd/mm/yyyy; 1 task overdue"."""
    parts = []
    for kind in _KIND_PHRASES:
        found = counts.get(kind)
        if not found or not found.count:
            continue
        phrase = _kind_phrase(kind, found.count)
        if kind in LATE_KINDS and found.since is not None:
            # `effective_on` is the first late day (the day after the deadline): days late are
            # counted from the deadline, as everywhere else in the tracker.
            phrase = _(
                "%(what)s, the longest %(days)d days, since %(date)s",
                what=phrase,
                days=max(0, (day - found.since).days + 1),
                date=format_date(found.since),
            )
        elif kind == REPORT_DUE and found.due is not None:
            phrase = _("%(what)s (due %(date)s)", what=phrase, date=format_date(found.due))
        parts.append(phrase)
    return _("%(unit)s: %(what)s", unit=name, what="; ".join(parts))


@dataclass
class UnitGroup:
    """One unit's lines in a message (unit None: what no unit answers for)."""

    unit: object | None
    alerts: list[Alert] = field(default_factory=list)

    @property
    def name(self) -> str:
        return unit_name(self.unit)

    def counts(self) -> dict[str, KindCount]:
        by_kind: dict[str, list[Alert]] = {}
        for alert in self.alerts:
            subject = subject_of(alert)
            by_kind.setdefault(subject.kind, []).append(subject)
        return {
            kind: KindCount(
                len(subjects),
                min((a.effective_on for a in subjects if a.effective_on), default=None),
                min((a.due_on for a in subjects if a.due_on), default=None),
            )
            for kind, subjects in by_kind.items()
        }

    def summary(self, day: date) -> str:
        return unit_summary(self.name, self.counts(), day)


@dataclass
class UnitCounts:
    """A unit's open alerts counted in the database (tracker.alerts.queries.escalations_by_unit)."""

    unit: object | None
    counts: dict[str, KindCount] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return unit_name(self.unit)

    def summary(self, day: date) -> str:
        return unit_summary(self.name, self.counts, day)


def unit_name(unit) -> str:
    return unit.name if unit is not None else _("No unit assigned")


def group_by_unit(alerts: list[Alert]) -> list[UnitGroup]:
    """Alerts grouped by the unit they are about, units in the plan's order, the unassigned last."""
    groups: dict[int | None, UnitGroup] = {}
    for alert in alerts:
        subject = subject_of(alert)
        key = subject.unit_id
        groups.setdefault(key, UnitGroup(subject.unit)).alerts.append(alert)
    return sorted(
        groups.values(), key=lambda g: (g.unit is None, g.unit.sort_order if g.unit else 0, g.unit.id if g.unit else 0)
    )


@dataclass
class Message:
    """What one person was told on one day: one entry in the bell, one e-mail."""

    day: date
    notifications: list = field(default_factory=list)

    @property
    def unread(self) -> bool:
        return any(n.read_at is None for n in self.notifications)

    @property
    def groups(self) -> list[UnitGroup]:
        return group_by_unit([n.alert for n in self.notifications])

    @property
    def escalated(self) -> bool:
        return all(n.alert.kind == ESCALATION for n in self.notifications)


def messages_of(notifications: list) -> list[Message]:
    """A person's notifications as the messages they make: one per day (in the ward), newest first."""
    by_day: dict[date, Message] = {}
    for notification in notifications:
        day = ward_date(notification.created_at)
        by_day.setdefault(day, Message(day)).notifications.append(notification)
    return sorted(by_day.values(), key=lambda m: m.day, reverse=True)


def register(app: Flask) -> None:
    app.add_template_global(alert_text, "alert_text")
    app.add_template_global(alert_url, "alert_url")
    app.add_template_global(group_by_unit, "group_alerts_by_unit")
