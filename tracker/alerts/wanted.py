"""The alerts the plan's state calls for on a day: what should exist, and who hears of it.

Pure reading: the scan (tracker.alerts.services) compares this with what exists and writes the
difference. Per unit, not per task: a unit's report is reminded 7, 3 and 1 days before its deadline
and missing the day after, once for a round of two periods; a task overdue past its own due date,
stale, unassigned or with an overdue milestone has its alert; so has a directive overdue and a
question left unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from tracker.accounts.models import ROLE_CHAIR, ROLE_OFFICER, ROLE_SECRETARIAT, Role, User, user_role
from tracker.alerts.models import (
    DIRECTIVE_OVERDUE,
    MILESTONE_OVERDUE,
    QUESTION_UNANSWERED,
    REPORT_DUE,
    REPORT_MISSING,
    TASK_OVERDUE,
    TASK_STALE,
    TASK_UNASSIGNED,
)
from tracker.core.time import end_of_day, ward_date
from tracker.discussion.models import Directive, Question
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.periods.services import is_past_due
from tracker.plan.models import Plan
from tracker.reports.queries import first_submissions
from tracker.standing.listing import StoredLeaf, leaves_to_tell, overdue_milestones, owed_in_rounds

REMINDER_DAYS = (7, 3, 1)


@dataclass(frozen=True)
class WantedAlert:
    """An alert the plan's state calls for."""

    key: str
    kind: str
    effective_on: date
    stage: str | None = None
    unit_id: int | None = None
    task_id: int | None = None
    period_id: int | None = None
    milestone_id: int | None = None
    directive_id: int | None = None
    question_id: int | None = None
    due_on: date | None = None
    recipients: frozenset[int] = frozenset()
    # Set for an alert whose moment passed while no scan ran and whose cause has already
    # cleared (a reminder before a deadline now gone): it is recorded, resolved, and not sent.
    cleared_on: date | None = None
    details: tuple = ()  # (key, value) pairs kept with the alert: what its text names


# --- who hears about what -------------------------------------------------------------------


class People:
    """The ward's active accounts by role and unit, loaded once per scan."""

    def __init__(self, ward_id: int):
        rows = db.session.execute(
            select(User.id, User.unit_id, Role.code)
            .join(user_role, user_role.c.user_id == User.id)
            .join(Role, Role.id == user_role.c.role_id)
            .where(User.ward_id == ward_id, User.active.is_(True))
        ).all()
        self.officers_of: dict[int, set[int]] = {}
        self.by_role: dict[str, set[int]] = {}
        for user_id, unit_id, role in rows:
            self.by_role.setdefault(role, set()).add(user_id)
            if role == ROLE_OFFICER and unit_id is not None:
                self.officers_of.setdefault(unit_id, set()).add(user_id)

    def officers(self, *unit_ids: int) -> set[int]:
        return set().union(*(self.officers_of.get(u, set()) for u in unit_ids)) if unit_ids else set()

    def role(self, code: str) -> set[int]:
        return set(self.by_role.get(code, set()))


# --- what should exist ----------------------------------------------------------------------


def _report_alerts(plan: Plan, today: date, people: People) -> list[WantedAlert]:
    """Per unit, not per task: for each unit report owed and not sent, reminders 7, 3 and 1 days
    before the unit deadline, then one missing-report alert. A round (two periods on one
    deadline) is one report: reminded and counted once."""
    rounds = [r for r in plan_rounds(plan) if r.unit_deadline - timedelta(days=max(REMINDER_DAYS)) <= today]
    if not rounds:
        return []
    sent = first_submissions(rounds, end_of_day(today))
    secretariat = people.role(ROLE_SECRETARIAT)
    wanted = []
    for owed in owed_in_rounds(plan, rounds):
        round_, unit_id = owed.round, owed.unit_id
        if (round_.id, unit_id) in sent:
            continue
        subject = f"{round_.id}:{unit_id}"
        common = dict(
            unit_id=unit_id,
            period_id=round_.id,
            due_on=round_.unit_deadline,
            details=(("periods", tuple((p.kind, p.year) for p in round_.periods)),),
        )
        past_deadline = is_past_due(round_, today)
        if past_deadline:
            wanted.append(
                WantedAlert(
                    f"{REPORT_MISSING}:{subject}",
                    REPORT_MISSING,
                    round_.unit_deadline + timedelta(days=1),
                    recipients=frozenset(people.officers(unit_id) | secretariat),
                    **common,
                )
            )
        for days in REMINDER_DAYS:
            fires_on = round_.unit_deadline - timedelta(days=days)
            if today >= fires_on:
                wanted.append(
                    WantedAlert(
                        f"{REPORT_DUE}:{subject}:d{days}",
                        REPORT_DUE,
                        fires_on,
                        stage=f"d{days}",
                        recipients=frozenset(people.officers(unit_id)),
                        cleared_on=round_.unit_deadline + timedelta(days=1) if past_deadline else None,
                        **common,
                    )
                )
    return wanted


def _task_alerts(plan: Plan, today: date, people: People) -> list[WantedAlert]:
    """Overdue (past the task's own due date), stale, unassigned, and overdue milestones. A late
    report is the unit's report alert, not a task's."""
    secretariat = people.role(ROLE_SECRETARIAT)
    stale_after = current_app.config["STALE_AFTER_DAYS"]
    plan_start = date(plan.start_year, 1, 1)
    milestones = overdue_milestones(plan, today)
    wanted = []
    for leaf in leaves_to_tell(plan, today):
        wanted += _standing_alerts(leaf, people, secretariat, stale_after, plan_start)
        wanted += _milestone_alerts(leaf, milestones.get(leaf.task_id, []), people, secretariat)
    return wanted


def _standing_alerts(
    leaf: StoredLeaf, people: People, secretariat: set[int], stale_after: int, plan_start: date
) -> list[WantedAlert]:
    """The task's alerts for being unassigned, overdue or stale, as its standing says."""
    unit_ids = leaf.unit_ids
    first_unit = unit_ids[0] if unit_ids else None
    wanted = []
    if leaf.unassigned:
        # Nobody can answer for it: one alert to the secretariat, never a stale one.
        wanted.append(
            WantedAlert(
                f"{TASK_UNASSIGNED}:{leaf.task_id}",
                TASK_UNASSIGNED,
                max(leaf.start_on or plan_start, plan_start),
                task_id=leaf.task_id,
                recipients=frozenset(secretariat),
            )
        )
    if leaf.overdue_since is not None:
        wanted.append(
            WantedAlert(
                f"{TASK_OVERDUE}:{leaf.task_id}:{leaf.due_on.isoformat()}",
                TASK_OVERDUE,
                leaf.overdue_since,
                unit_id=first_unit,
                task_id=leaf.task_id,
                due_on=leaf.due_on,
                recipients=frozenset(people.officers(*unit_ids) | secretariat),
            )
        )
    if leaf.stale_since is not None:
        since = leaf.stale_since
        wanted.append(
            WantedAlert(
                f"{TASK_STALE}:{leaf.task_id}:{since.isoformat()}",
                TASK_STALE,
                since + timedelta(days=stale_after),
                unit_id=first_unit,
                task_id=leaf.task_id,
                recipients=frozenset(people.officers(*unit_ids)),
            )
        )
    return wanted


def _milestone_alerts(leaf: StoredLeaf, overdue: list, people: People, secretariat: set[int]) -> list[WantedAlert]:
    """An alert for each of the task's milestones past its due date."""
    unit_ids = leaf.unit_ids
    first_unit = unit_ids[0] if unit_ids else None
    return [
        WantedAlert(
            f"{MILESTONE_OVERDUE}:{milestone.id}:{milestone.due_on.isoformat()}",
            MILESTONE_OVERDUE,
            milestone.due_on + timedelta(days=1),
            unit_id=first_unit,
            task_id=leaf.task_id,
            milestone_id=milestone.id,
            due_on=milestone.due_on,
            recipients=frozenset(people.officers(*unit_ids) | secretariat),
        )
        for milestone in overdue
    ]


def _discussion_alerts(plan: Plan, today: date, people: People) -> list[WantedAlert]:
    wanted = []
    chairs = people.role(ROLE_CHAIR)
    for directive in db.session.scalars(
        select(Directive).where(Directive.plan_id == plan.id, Directive.overdue_on(today))
    ):
        wanted.append(
            WantedAlert(
                f"{DIRECTIVE_OVERDUE}:{directive.id}:{directive.due_on.isoformat()}",
                DIRECTIVE_OVERDUE,
                directive.due_on + timedelta(days=1),
                unit_id=directive.unit_id,
                task_id=directive.task_id,
                directive_id=directive.id,
                due_on=directive.due_on,
                recipients=frozenset(people.officers(directive.unit_id) | chairs | {directive.issued_by_id}),
            )
        )
    answer_days = current_app.config["QUESTION_ANSWER_DAYS"]
    for question in db.session.scalars(
        select(Question).where(Question.plan_id == plan.id, Question.answered_at.is_(None))
    ):
        due = ward_date(question.asked_at) + timedelta(days=answer_days)
        if today > due:
            wanted.append(
                WantedAlert(
                    f"{QUESTION_UNANSWERED}:{question.id}",
                    QUESTION_UNANSWERED,
                    due + timedelta(days=1),
                    unit_id=question.unit_id,
                    task_id=question.task_id,
                    question_id=question.id,
                    due_on=due,
                    recipients=frozenset(people.officers(question.unit_id) | {question.asked_by_id}),
                )
            )
    return wanted


def wanted_alerts(plan: Plan, today: date, people: People) -> dict[str, WantedAlert]:
    """Every alert the plan's state calls for on `today`, open ones and (cleared_on set) ones
    whose moment came and went. Read from the plan's stored standings, which must be those of
    `today` (tracker.standing.stored.standings_of_day)."""
    wanted = (
        _report_alerts(plan, today, people)
        + _task_alerts(plan, today, people)
        + _discussion_alerts(plan, today, people)
    )
    return {w.key: w for w in wanted}
