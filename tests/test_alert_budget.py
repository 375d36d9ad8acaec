"""The alert budget, over Bắc Kạn's whole 2026–2030 calendar with the scan run every day.

Two wards are simulated, in-process, through the app's own services:
- a ward where every unit updates each task monthly, sends its reports on time and the secretariat
  accepts them, marks milestones done and assigns a unit to every task nobody answers for: the
  chair must receive nothing at all;
- a ward where nobody does anything: the chair receives at most one message a day, each officer at
  most one message a day, and each unit that owes a report gets exactly 3 reminders and 1
  missing-report alert per deadline, two periods on one deadline included.

What a person receives is what the bell shows: their notifications as messages, one a day, grouped
by unit (tracker.alerts.messages.messages_of). The figures are printed and quoted in the README.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.helpers import at
from tracker.accounts.models import ROLE_OFFICER, User
from tracker.accounts.services import create_user
from tracker.alerts import services as alerts
from tracker.alerts.messages import messages_of
from tracker.alerts.models import ESCALATION, REPORT_DUE, REPORT_MISSING, Alert, Notification
from tracker.core.actor import Actor
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.plan import services as plan_services
from tracker.plan.models import Plan, Task
from tracker.progress.models import STATE_DONE, STATE_WORKING
from tracker.progress.services import UpdateInput, post_update
from tracker.progress.status import expected_percent
from tracker.reports import services as reports
from tracker.reports.queries import owed_reports
from tracker.standing.queries import plan_snapshot
from tracker.units.models import Unit
from tracker.wards.models import Ward

FIRST, LAST = date(2026, 1, 1), date(2030, 12, 31)

# Five years of daily scans: minutes, not seconds, on a busy two-core machine.
pytestmark = [pytest.mark.xdist_group("alert-budget"), pytest.mark.timeout(1800)]


def days():
    day = FIRST
    while day <= LAST:
        yield day
        day += timedelta(days=1)


def officers_everywhere(plan: Plan) -> dict[int, User]:
    """An officer account for every real unit, so that what each unit is told is counted."""
    ward = db.session.get(Ward, plan.ward_id)
    officers = {}
    for unit in db.session.scalars(select(Unit).where(Unit.ward_id == ward.id, Unit.is_group.is_(False))):
        user = db.session.scalar(select(User).where(User.unit_id == unit.id))
        if user is None or ROLE_OFFICER not in user.role_codes:
            user = create_user(
                f"canbo.{unit.code}", PASSWORD, f"Cán bộ {unit.name}", [ROLE_OFFICER], ward=ward, unit=unit
            )
        officers[unit.id] = user
    db.session.commit()
    return officers


@dataclass
class Budget:
    messages: dict[int, Counter] = field(default_factory=dict)  # user id -> messages per day
    escalations: int = 0
    chair_messages: int = 0
    report_alerts: Counter = field(default_factory=Counter)  # (round id, unit id, kind) -> alerts


def measure(plan: Plan, chair: User) -> Budget:
    budget = Budget()
    notifications = db.session.scalars(select(Notification)).all()
    by_user: dict[int, list] = {}
    for notification in notifications:
        by_user.setdefault(notification.user_id, []).append(notification)
    for user_id, items in by_user.items():
        budget.messages[user_id] = Counter(m.day for m in messages_of(items))
    budget.chair_messages = sum(budget.messages.get(chair.id, Counter()).values())
    budget.escalations = db.session.query(Alert).filter(Alert.kind == ESCALATION).count()
    for alert in db.session.scalars(select(Alert).where(Alert.kind.in_((REPORT_DUE, REPORT_MISSING)))):
        budget.report_alerts[(alert.period_id, alert.unit_id, alert.kind)] += 1
    return budget


def run_calendar(plan: Plan, each_day) -> None:
    """Every day of the plan: what the ward does that day, then the morning's scan, one commit."""
    for day in days():
        each_day(day)
        alerts.scan(db.session.get(Plan, plan.id), day, at(day, "07:00"))
        db.session.commit()


@pytest.fixture
def chair(user_of):
    return user_of("chair")


def test_a_ward_that_does_nothing_gives_one_message_a_day_at_most(app, plan, chair, capsys):
    officers = officers_everywhere(plan)
    run_calendar(plan, lambda day: None)
    budget = measure(plan, chair)

    # The chair: one summary a day at most, grouped by unit; each officer: one message a day at most.
    assert budget.chair_messages > 0
    assert max(budget.messages[chair.id].values()) == 1
    for officer in officers.values():
        if officer.id in budget.messages:
            assert max(budget.messages[officer.id].values()) == 1, officer.username
    # Per unit, not per task: each unit that owes a report gets exactly 3 reminders and 1
    # missing-report alert per deadline, the two periods of 2028 and of 2030 included.
    rounds = plan_rounds(plan)
    owed = owed_reports(plan, rounds)
    assert len({o.round.id for o in owed}) == 10
    for o in owed:
        assert budget.report_alerts[(o.round.id, o.unit_id, REPORT_DUE)] == 3, (o.round.primary, o.unit_id)
        assert budget.report_alerts[(o.round.id, o.unit_id, REPORT_MISSING)] == 1, (o.round.primary, o.unit_id)
    assert sum(budget.report_alerts.values()) == 4 * len(owed)
    # The nine tasks nobody answers for are "not assigned" (to the secretariat, passed to the chair
    # once), never "stale".
    snapshot = plan_snapshot(plan, LAST)
    unassigned = [v for v in snapshot.leaves if v.standing.unassigned]
    assert sorted(v.task.code for v in unassigned) == [
        "IV.10.1",
        "IV.10.2",
        "IV.10.3",
        "IV.10.4",
        "IV.10.5",
        "VI.12",
        "VI.13.1",
        "VI.13.2",
        "VI.9",
    ]
    assert not any(v.standing.stale for v in unassigned)
    with capsys.disabled():
        print(
            f"\nNobody acts, 2026-2030: the chair gets {budget.chair_messages} messages ({budget.escalations} items passed to the chair), "
            f"officers at most {max(max(c.values()) for c in budget.messages.values())} a day."
        )


def test_a_ward_that_reports_on_time_and_updates_monthly_gives_the_chair_nothing(app, plan, chair, capsys):
    officers = officers_everywhere(plan)
    secretariat = Actor.for_user(db.session.scalar(select(User).where(User.username == "thuongtruc")))
    rounds = plan_rounds(plan)
    owed = owed_reports(plan, rounds)
    deliveries = {}
    for o in owed:
        deliveries.setdefault(o.round.unit_deadline - timedelta(days=3), []).append(o)
    fallback = db.session.scalar(select(Unit).where(Unit.code == "phong-xd-nn-mt"))

    # (task id, start, due, unit id, [(milestone id, due)]) read once every task has a lead: the
    # simulation itself must not cost a query per task per day.
    plan_tasks: list[tuple] = []
    done: set[int] = set()

    def each_day(day: date):
        moment = at(day, "09:00")
        if day == FIRST:
            # The secretariat gives every task nobody answers for a lead unit on the first day.
            for view in plan_snapshot(plan, day).leaves:
                if view.standing.unassigned:
                    plan_services.set_assignments(secretariat, view.task, fallback.id, [], [], False, moment)
            db.session.flush()
            plan_tasks.extend(
                (
                    v.task.id,
                    v.task.start_on,
                    v.task.due_on,
                    v.primary_units[0].id,
                    [(m.id, m.due_on) for m in v.task.milestones],
                )
                for v in plan_snapshot(plan, day).leaves
            )
        for task_id, start_on, due_on, unit_id, milestones in plan_tasks:
            finishing = due_on is not None and day == due_on
            posting = task_id not in done and (start_on is None or day >= start_on) and (day.day == 1 or finishing)
            due_milestones = [mid for mid, due in milestones if due == day]
            if not (posting or due_milestones):
                continue
            officer = Actor.for_user(officers[unit_id])
            task = db.session.get(Task, task_id)
            if posting:
                percent = 100 if finishing else int(expected_percent(start_on or FIRST, due_on or LAST, day))
                post_update(
                    officer,
                    task,
                    unit_id,
                    "lead",
                    UpdateInput(percent, STATE_DONE if finishing else STATE_WORKING, f"Kết quả đến {day.isoformat()}"),
                    [],
                    moment,
                )
                if finishing:
                    done.add(task_id)
            for milestone in task.milestones:
                if milestone.id in due_milestones:
                    plan_services.mark_milestone_done(officer, milestone, day, moment)
        for o in deliveries.get(day, []):
            officer = Actor.for_user(officers[o.unit_id])
            report = reports.start(o.round, o.unit_id, o.tasks, moment)
            data = reports.ReportInput(sections=[reports.SectionInput(t, results=f"Kết quả {t.code}") for t in o.tasks])
            reports.submit(officer, report, data, moment, roles=o.roles)
            reports.accept(secretariat, report, at(day, "15:00"))

    run_calendar(plan, each_day)
    budget = measure(plan, chair)
    assert budget.escalations == 0
    assert budget.chair_messages == 0
    assert not db.session.scalars(select(Alert).where(Alert.kind == REPORT_MISSING)).all()
    with capsys.disabled():
        print(
            f"\nEveryone reports on time and updates monthly, 2026-2030: the chair gets {budget.chair_messages} messages."
        )
