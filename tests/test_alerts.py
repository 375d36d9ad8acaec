"""The alert scan: each kind of alert appears on the right day for the right people, once; it is
escalated to the chair when it stays open, resolved when its cause clears (with the time it
cleared), survives a second or a concurrent scan without duplicates, catches up after downtime,
and a scan that fails writes nothing.

Reports are owed per unit, not per task: a unit sends ONE report per reporting round, so it is
reminded 7, 3 and 1 days before the unit deadline and told once that the report is missing, however
many tasks the report covers (the alerts name the unit and the round, not a task). "Quá hạn" is
about a task's own due date: a continuous task is never overdue, its unit's late report is the
unit's missing-report alert. A task nobody answers for raises one alert to the secretariat, never a
stale one.

The six-month report of 2026 is due from the units on 2026-06-05. Phòng Văn hóa – Xã hội (the
"officer" test user's unit) leads IV.4.1 (continuous) and VI.3.2 (2026-01-01..2026-12-31);
Phòng XD, NN và MT leads VI.1.6, whose mid-term milestone is due 2028-11-15. Section IV.10 names no
lead. Each scan runs as the scheduler would: on a given ward day, at 07:00 in the ward.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.conftest import Database, clone_database, current_database, drop_database, make_app
from tests.helpers import at, database_snapshot, send_unit_report
from tracker import ROOT
from tracker.accounts.models import User
from tracker.alerts import services
from tracker.alerts.models import (
    DIRECTIVE_OVERDUE,
    ESCALATION,
    MILESTONE_OVERDUE,
    QUESTION_UNANSWERED,
    REPORT_DUE,
    REPORT_MISSING,
    TASK_OVERDUE,
    TASK_STALE,
    TASK_UNASSIGNED,
    Alert,
    Notification,
    ScanRun,
)
from tracker.core.actor import Actor
from tracker.discussion import services as discussion
from tracker.extensions import babel, db
from tracker.periods.queries import plan_rounds
from tracker.plan.models import Plan
from tracker.plan.services import mark_milestone_done, set_assignments
from tracker.progress.services import UpdateInput, post_update
from tracker.reports import queries as reports_queries
from tracker.reports.queries import owed_reports
from tracker.standing import queries as standing_queries
from tracker.standing.queries import plan_snapshot
from tracker.standing.stored import standing_differences
from tracker.units.models import Unit

WARD = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT_DEADLINE = date(2026, 6, 5)  # six-month report 2026, from the units
CATALOGUE = ROOT / "tracker" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


# --- helpers ----------------------------------------------------------------------------------


def day(value: str | date) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def scan_on(plan, value: str | date, now: datetime | None = None) -> services.ScanResult:
    """The morning scan of a day, committed as the CLI command and the scheduler do."""
    result = services.scan(plan, day(value), now or at(value, 7))
    db.session.commit()
    return result


def find(kind: str, **match) -> list[Alert]:
    """The alerts of a kind about a subject (task, unit, period, stage, parent...)."""
    query = select(Alert).where(Alert.kind == kind)
    for name, value in match.items():
        column = getattr(Alert, name)
        query = query.where(column.is_(None) if value is None else column == value)
    return db.session.scalars(query.order_by(Alert.id)).all()


def only(kind: str, **match) -> Alert:
    found = find(kind, **match)
    assert len(found) == 1, f"expected one {kind} alert for {match}, found {len(found)}"
    return found[0]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def told(alert: Alert) -> set[str]:
    """The usernames notified of an alert."""
    return set(
        db.session.scalars(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.alert_id == alert.id)
        )
    )


def notifications_of(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id))


def assert_fires(plan, before: date, on: date, kind: str, **match) -> Alert:
    """Scanned the day before its trigger there is no such alert; on the trigger day there is
    one, effective that day; the day after it is still there, still once."""
    scan_on(plan, before)
    assert find(kind, **match) == [], f"{kind} already on {before}"
    scan_on(plan, on)
    alert = only(kind, **match)
    assert alert.is_open and alert.effective_on == on
    scan_on(plan, on + timedelta(days=1))
    assert only(kind, **match).id == alert.id
    assert alert.is_open
    return alert


def unit_report(period, user, value: str | date, hour=8, minute=30):
    """The officer's unit sends its (whole) report of the period's round at a given moment in the
    ward; returns the moment."""
    moment = at(value, hour, minute)
    send_unit_report(user, period, moment)
    db.session.commit()
    return moment


def round_of(plan, period):
    """The reporting round (periods sharing a unit deadline) the period belongs to."""
    return next(r for r in plan_rounds(plan) if period in r)


def of_report(period, unit_id: int) -> dict:
    """What a report alert is about: the unit and the round (filed under the round's first
    period), and no task."""
    return dict(unit_id=unit_id, period_id=round_of(period.plan, period).id, task_id=None)


def lead_update(task, user, moment: datetime, percent=40, state="working") -> None:
    post_update(Actor.for_user(user), task, user.unit_id, "lead", UpdateInput(percent=percent, state=state), [], moment)
    db.session.commit()


@pytest.fixture
def vietnamese(app, tmp_path):
    """Both apps speak the Vietnamese catalogue as it stands in messages.po (the compiled .mo is a
    build artefact that `make` refreshes and may lag behind). Yields the catalogue."""
    folder = tmp_path / "translations"
    (folder / "vi" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    with open(CATALOGUE, "rb") as source:
        catalogue = read_po(source)
    with open(folder / "vi" / "LC_MESSAGES" / "messages.mo", "wb") as target:
        write_mo(target, catalogue)
    apps = (app, current_app._get_current_object())
    before = [each.extensions["babel"].translation_directories for each in apps]
    for each in apps:
        each.extensions["babel"].translation_directories = [str(folder)]
    babel.domain_instance.cache.clear()
    yield catalogue
    for each, directories in zip(apps, before):
        each.extensions["babel"].translation_directories = directories
    babel.domain_instance.cache.clear()


# --- 1. each kind fires on its day ------------------------------------------------------------


@pytest.mark.parametrize(
    "stage, fires_on",
    [
        ("d7", date(2026, 5, 29)),
        ("d3", date(2026, 6, 2)),
        ("d1", date(2026, 6, 4)),
    ],
)
def test_report_reminders_fire_7_3_and_1_days_before_the_unit_deadline(plan, period_of, stage, fires_on):
    period, vhxh = period_of("six_month", 2026), unit("phong-vh-xh").id
    alert = assert_fires(
        plan, fires_on - timedelta(days=1), fires_on, REPORT_DUE, stage=stage, **of_report(period, vhxh)
    )
    assert alert.due_on == UNIT_DEADLINE
    assert alert.key == f"report_due:{period.id}:{vhxh}:{stage}"


def test_a_report_not_sent_by_the_unit_deadline_is_missing_the_next_day(plan, period_of):
    period, vhxh = period_of("six_month", 2026), unit("phong-vh-xh").id
    alert = assert_fires(plan, UNIT_DEADLINE, date(2026, 6, 6), REPORT_MISSING, **of_report(period, vhxh))
    assert alert.due_on == UNIT_DEADLINE
    assert alert.key == f"report_missing:{period.id}:{vhxh}"
    # The reminders stop once the deadline has passed: they are resolved, not left hanging.
    reminders = find(REPORT_DUE, **of_report(period, vhxh))
    assert reminders and not any(r.is_open for r in reminders)


def test_each_unit_is_reminded_three_times_and_told_once_of_its_missing_report_not_once_per_task(
    plan, period_of, user_of
):
    """Scanned every morning around the deadline: per unit that owes the report, exactly the d7,
    d3 and d1 reminders and one missing-report alert, however many tasks its report covers."""
    period = period_of("six_month", 2026)
    round_ = round_of(plan, period)
    scan_day = date(2026, 5, 27)
    while scan_day <= date(2026, 6, 8):
        scan_on(plan, scan_day)
        scan_day += timedelta(days=1)

    owed = owed_reports(plan, [round_])
    assert len(owed) > 1 and max(len(o.tasks) for o in owed) > 1  # several units; reports of several tasks
    for o in owed:
        reminders = find(REPORT_DUE, unit_id=o.unit_id)
        assert [(a.stage, a.effective_on, a.key) for a in reminders] == [
            ("d7", date(2026, 5, 29), f"report_due:{round_.id}:{o.unit_id}:d7"),
            ("d3", date(2026, 6, 2), f"report_due:{round_.id}:{o.unit_id}:d3"),
            ("d1", date(2026, 6, 4), f"report_due:{round_.id}:{o.unit_id}:d1"),
        ], o.unit_id
        missing = only(REPORT_MISSING, unit_id=o.unit_id)
        assert (missing.key, missing.effective_on, missing.due_on) == (
            f"report_missing:{round_.id}:{o.unit_id}",
            date(2026, 6, 6),
            UNIT_DEADLINE,
        )
        assert all(a.task_id is None and a.period_id == round_.id for a in reminders + [missing])
    # Nothing more: no alert per task, none for a unit that owes no report.
    assert len(find(REPORT_DUE)) == 3 * len(owed)
    assert len(find(REPORT_MISSING)) == len(owed)
    assert {a.unit_id for a in find(REPORT_DUE) + find(REPORT_MISSING)} == {o.unit_id for o in owed}

    # The officer, whose unit reports on several tasks, heard of four things about the report.
    officer = user_of("officer")
    vhxh = next(o for o in owed if o.unit_id == officer.unit_id)
    assert len(vhxh.tasks) > 1
    heard = db.session.scalars(
        select(Alert.kind)
        .join(Notification, Notification.alert_id == Alert.id)
        .where(Notification.user_id == officer.id, Alert.kind.in_([REPORT_DUE, REPORT_MISSING]))
    ).all()
    assert sorted(heard) == [REPORT_DUE] * 3 + [REPORT_MISSING]


def test_the_annual_report_2028_and_the_mid_term_review_are_one_report_reminded_and_missed_once(
    plan, period_of, user_of
):
    annual, review = period_of("annual", 2028), period_of("mid_term", 2028)
    assert annual.unit_deadline == review.unit_deadline
    deadline = annual.unit_deadline
    round_ = round_of(plan, annual)
    assert review in round_ and len(round_.periods) == 2
    for scan_day in (
        deadline - timedelta(days=8),
        deadline - timedelta(days=7),
        deadline - timedelta(days=3),
        deadline - timedelta(days=1),
        deadline,
        deadline + timedelta(days=1),
        deadline + timedelta(days=2),
    ):
        scan_on(plan, scan_day)

    owed = owed_reports(plan, [round_])
    assert owed
    for o in owed:
        reminders = find(REPORT_DUE, unit_id=o.unit_id, due_on=deadline)
        assert [a.stage for a in reminders] == ["d7", "d3", "d1"], o.unit_id
        assert only(REPORT_MISSING, unit_id=o.unit_id, due_on=deadline).key == f"report_missing:{round_.id}:{o.unit_id}"
    assert len(find(REPORT_DUE, due_on=deadline)) == 3 * len(owed)
    assert len(find(REPORT_MISSING, due_on=deadline)) == len(owed)
    # All filed under the round's first period; nothing separately about the review.
    assert {a.period_id for a in find(REPORT_DUE, due_on=deadline) + find(REPORT_MISSING, due_on=deadline)} == {
        annual.id
    }
    assert find(REPORT_DUE, period_id=review.id) == find(REPORT_MISSING, period_id=review.id) == []

    # One report answers both: sent (from the review's page as well as the annual one's), it clears the alert.
    officer = user_of("officer")
    missing = only(REPORT_MISSING, unit_id=officer.unit_id, due_on=deadline)
    sent_at = unit_report(review, officer, deadline + timedelta(days=3), 9, 0)
    scan_on(plan, deadline + timedelta(days=4))
    assert missing.resolved_at == sent_at
    assert all(a.is_open for a in find(REPORT_MISSING, due_on=deadline) if a.unit_id != officer.unit_id)


def test_a_reminder_of_a_combined_round_names_the_report_as_its_page_does(plan, period_of):
    """The unit's report of the annual 2028 round is "Annual report 2028 and Mid-term review 2028"
    (its page, the review queue, the league table): the reminder names it the same way, so the unit
    knows the review's part is due with it."""
    from flask_babel import force_locale

    from tracker.alerts.messages import alert_text
    from tracker.core.labels import round_name

    annual = period_of("annual", 2028)
    scan_on(plan, annual.unit_deadline - timedelta(days=7))
    reminder = only(REPORT_DUE, unit_id=unit("phong-vh-xh").id, due_on=annual.unit_deadline)
    with current_app.test_request_context(), force_locale("en"):
        assert round_name(round_of(plan, annual)) in alert_text(reminder)


def test_a_dated_task_not_done_by_its_due_date_is_overdue_the_day_after(plan, task_of):
    alert = assert_fires(plan, date(2026, 12, 31), date(2027, 1, 1), TASK_OVERDUE, task_id=task_of("VI.3.2").id)
    assert alert.due_on == date(2026, 12, 31)
    assert alert.unit_id == unit("phong-vh-xh").id


def test_a_task_finished_on_time_raises_no_overdue_alert(plan, task_of, user_of):
    lead_update(task_of("VI.3.2"), user_of("officer"), at("2026-12-20", 9), percent=100, state="done")
    scan_on(plan, "2027-01-02")
    assert find(TASK_OVERDUE, task_id=task_of("VI.3.2").id) == []


def test_a_milestone_not_done_by_its_due_date_is_overdue_the_day_after(plan, task_of):
    task = task_of("VI.1.6")
    milestone = next(m for m in task.milestones if m.due_on == date(2028, 11, 15))
    alert = assert_fires(plan, date(2028, 11, 15), date(2028, 11, 16), MILESTONE_OVERDUE, milestone_id=milestone.id)
    assert (alert.task_id, alert.unit_id, alert.due_on) == (task.id, unit("phong-xd-nn-mt").id, date(2028, 11, 15))
    # The 2030 milestone is not late yet.
    later = next(m for m in task.milestones if m.due_on == date(2030, 11, 15))
    assert find(MILESTONE_OVERDUE, milestone_id=later.id) == []


def issue_directive(plan, user_of, task_of, due: str = "2026-03-10"):
    directive = discussion.issue_directive(
        Actor.for_user(user_of("chair")),
        plan,
        unit("phong-vh-xh"),
        "Báo cáo kết quả rà soát lao động hộ nghèo.",
        day(due),
        at("2026-03-01", 9),
        task=task_of("VI.3.2"),
    )
    db.session.commit()
    return directive


def test_a_directive_not_done_by_its_due_date_is_overdue_the_day_after(plan, user_of, task_of):
    directive = issue_directive(plan, user_of, task_of)
    alert = assert_fires(plan, date(2026, 3, 10), date(2026, 3, 11), DIRECTIVE_OVERDUE, directive_id=directive.id)
    assert (alert.unit_id, alert.due_on) == (unit("phong-vh-xh").id, date(2026, 3, 10))


def ask_question(plan, user_of, task_of, asked: datetime | None = None):
    question = discussion.ask_question(
        Actor.for_user(user_of("committee")),
        plan,
        unit("phong-vh-xh"),
        "Đã giới thiệu việc làm cho bao nhiêu lao động?",
        asked or at("2026-03-02", 9),
        task=task_of("IV.4.1"),
    )
    db.session.commit()
    return question


def test_a_question_unanswered_for_7_days_raises_an_alert(plan, user_of, task_of):
    question = ask_question(plan, user_of, task_of)  # 2026-03-02; an answer is expected by 03-09
    alert = assert_fires(plan, date(2026, 3, 9), date(2026, 3, 10), QUESTION_UNANSWERED, question_id=question.id)
    assert alert.due_on == date(2026, 3, 9)


def test_a_question_asked_early_in_the_morning_counts_from_the_ward_day(plan, user_of, task_of):
    # 06:00 on 03-02 in the ward is 23:00 on 03-01 in UTC; the answer is expected by 03-09 all the same.
    question = ask_question(plan, user_of, task_of, asked=at("2026-03-02", 6, 0))
    assert_fires(plan, date(2026, 3, 9), date(2026, 3, 10), QUESTION_UNANSWERED, question_id=question.id)


def test_a_task_without_a_lead_update_for_45_days_is_stale(plan, task_of, user_of):
    task = task_of("IV.4.1")
    lead_update(task, user_of("officer"), at("2026-03-01", 6))  # 23:00 on 02-28 in UTC: the ward day counts
    alert = assert_fires(plan, date(2026, 4, 14), date(2026, 4, 15), TASK_STALE, task_id=task.id)
    assert alert.unit_id == unit("phong-vh-xh").id


def test_a_task_never_updated_is_stale_45_days_after_the_plan_starts(plan, task_of):
    assert_fires(plan, date(2026, 2, 14), date(2026, 2, 15), TASK_STALE, task_id=task_of("IV.4.1").id)


def test_a_continuous_task_whose_report_is_late_is_not_overdue(plan, task_of, period_of, user_of):
    """IV.4.1 has no dates ("thường xuyên"): its unit's report being late is a late report (the
    unit's missing-report alert, the task's late_report flag), never "quá hạn"."""
    task, officer = task_of("IV.4.1"), user_of("officer")
    assert (task.start_on, task.due_on) == (None, None)
    scan_on(plan, "2026-06-13")
    standing = plan_snapshot(plan, date(2026, 6, 13)).figures[task.id].standing
    assert (standing.late_report_due, standing.late_report_days) == (UNIT_DEADLINE, 8)
    assert not standing.is_overdue
    assert find(TASK_OVERDUE, task_id=task.id) == []
    # The late report is told once, as the unit's: no alert names the task for it.
    missing = only(REPORT_MISSING, **of_report(period_of("six_month", 2026), officer.unit_id))
    assert find(REPORT_MISSING, task_id=task.id) == [] and find(REPORT_DUE, task_id=task.id) == []
    assert "canbo.vhxh" in told(missing)

    # Months later, with more reports late, the only overdue alerts are about tasks past their own due date.
    scan_on(plan, "2027-01-02")
    overdue = find(TASK_OVERDUE)
    assert overdue, "VI.3.2 (due 31/12/2026) is overdue"
    assert all(a.task.due_on is not None and a.task.due_on < date(2027, 1, 2) for a in overdue)
    assert find(TASK_OVERDUE, task_id=task.id) == []
    assert plan_snapshot(plan, date(2027, 1, 2)).figures[task.id].standing.late_report


def unassigned_tasks(plan) -> list:
    return [v.task for v in plan_snapshot(plan, date(2026, 1, 1)).leaves if v.standing.unassigned]


def test_a_task_nobody_answers_for_raises_one_alert_to_the_secretariat_escalated_to_the_chair_once(
    plan, task_of, user_of
):
    nobody = unassigned_tasks(plan)
    iv10 = [task_of(f"IV.10.{n}") for n in range(1, 6)]
    assert {t.id for t in iv10} <= {t.id for t in nobody}

    scan_on(plan, "2026-01-01")
    for task in nobody:
        alert = only(TASK_UNASSIGNED, task_id=task.id)
        assert (alert.key, alert.unit_id, alert.effective_on) == (f"task_unassigned:{task.id}", None, date(2026, 1, 1))
        assert told(alert) == {"thuongtruc"}
    assert len(find(TASK_UNASSIGNED)) == len(nobody)

    scan_on(plan, "2026-01-07")
    assert find(ESCALATION) == []
    scan_on(plan, "2026-01-08")
    escalations = find(ESCALATION)
    assert sorted(e.parent.task_id for e in escalations) == sorted(t.id for t in nobody)
    assert all(told(e) == {"truongban"} and e.effective_on == date(2026, 1, 8) for e in escalations)

    # Later scans, long after, add nothing: one alert, one escalation, the chair told once.
    for later in ("2026-02-15", "2026-06-13", "2026-11-20"):
        scan_on(plan, later)
    for task in iv10:
        alert = only(TASK_UNASSIGNED, task_id=task.id)
        assert alert.is_open
        escalation = only(ESCALATION, parent_id=alert.id)
        assert told(escalation) == {"truongban"}
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.alert_id == escalation.id)) == 1


def test_a_task_nobody_answers_for_is_never_stale(plan, task_of):
    nobody = {t.id for t in unassigned_tasks(plan)}
    scan_on(plan, "2026-02-15")  # 45 days into the plan: every task led and never updated is stale
    stale = {a.task_id for a in find(TASK_STALE)}
    assert task_of("IV.4.1").id in stale
    assert not stale & nobody
    scan_on(plan, "2026-12-31")
    assert not {a.task_id for a in find(TASK_STALE)} & nobody
    assert find(TASK_STALE, task_id=task_of("IV.10.1").id) == []


def test_assigning_a_lead_clears_the_unassigned_alert(plan, task_of, user_of):
    task = task_of("IV.10.1")
    scan_on(plan, "2026-01-10")
    alert = only(TASK_UNASSIGNED, task_id=task.id)
    escalation = only(ESCALATION, parent_id=alert.id)
    set_assignments(
        Actor.for_user(user_of("secretariat")), task, unit("phong-vh-xh").id, [], [], False, at("2026-01-12", 9)
    )
    db.session.commit()
    result = scan_on(plan, "2026-01-13")
    assert not alert.is_open and not escalation.is_open
    assert {alert.id, escalation.id} <= {a.id for a in result.resolved}
    assert all(a.is_open for a in find(TASK_UNASSIGNED) if a.task_id != task.id)


# --- 2. who hears about it --------------------------------------------------------------------


def test_report_alerts_go_to_the_units_officers_and_missing_reports_also_to_the_secretariat(plan, period_of, user_of):
    subject = of_report(period_of("six_month", 2026), unit("phong-vh-xh").id)
    scan_on(plan, "2026-05-29")
    assert told(only(REPORT_DUE, stage="d7", **subject)) == {"canbo.vhxh"}
    scan_on(plan, "2026-06-06")
    missing = only(REPORT_MISSING, **subject)
    assert told(missing) == {"canbo.vhxh", "thuongtruc"}
    scan_on(plan, "2026-06-13")
    assert told(only(ESCALATION, parent_id=missing.id)) == {"truongban"}

    # The same holds for every report alert of the period, whatever the unit.
    officers_of = {user_of(r).unit_id: user_of(r).username for r in ("officer", "officer_yte")}
    for alert in find(REPORT_DUE) + find(REPORT_MISSING):
        expected = {officers_of[alert.unit_id]} if alert.unit_id in officers_of else set()
        if alert.kind == REPORT_MISSING:
            expected.add("thuongtruc")
        if alert.kind == REPORT_DUE and alert.effective_on > date(2026, 5, 29):
            expected = set()  # 02/06 and 04/06 were not scanned: recorded on 06/06, too late to send
        assert told(alert) == expected, alert.key
    for alert in find(ESCALATION):
        assert told(alert) == {"truongban"}, alert.key
    # Committee members and the administrator hear nothing of these.
    assert notifications_of(user_of("committee")) == 0
    assert notifications_of(user_of("admin")) == 0


def test_an_inactive_officer_is_not_notified(plan, period_of, user_of):
    user_of("officer").active = False
    db.session.commit()
    scan_on(plan, "2026-06-06")
    assert told(only(REPORT_MISSING, **of_report(period_of("six_month", 2026), unit("phong-vh-xh").id))) == {
        "thuongtruc"
    }
    assert notifications_of(user_of("officer")) == 0


# --- 3. escalation ----------------------------------------------------------------------------


@pytest.mark.parametrize("after_days", [7, 3])
def test_an_alert_still_open_after_the_set_days_is_escalated_to_the_chair(plan, period_of, after_days):
    current_app.config["ESCALATE_AFTER_DAYS"] = after_days
    scan_on(plan, "2026-06-06")
    missing = only(REPORT_MISSING, **of_report(period_of("six_month", 2026), unit("phong-vh-xh").id))
    escalates_on = date(2026, 6, 6) + timedelta(days=after_days)

    scan_on(plan, escalates_on - timedelta(days=1))
    assert find(ESCALATION, parent_id=missing.id) == []

    scan_on(plan, escalates_on)
    escalation = only(ESCALATION, parent_id=missing.id)
    assert escalation.is_open and escalation.effective_on == escalates_on
    assert (escalation.task_id, escalation.unit_id, escalation.period_id) == (
        missing.task_id,
        missing.unit_id,
        missing.period_id,
    )
    assert told(escalation) == {"truongban"}


def test_reminders_before_a_deadline_are_not_escalated(plan):
    current_app.config["ESCALATE_AFTER_DAYS"] = 2
    scan_on(plan, "2026-06-05")  # the d7 reminder is 7 days old
    escalated = [a.parent.kind for a in find(ESCALATION)]
    assert REPORT_DUE not in escalated


# --- 4. resolution when the cause clears ------------------------------------------------------


def test_sending_the_report_resolves_the_missing_alert_at_the_time_it_was_sent(plan, period_of, user_of):
    period, officer = period_of("six_month", 2026), user_of("officer")
    scan_on(plan, "2026-06-13")
    missing = only(REPORT_MISSING, **of_report(period, officer.unit_id))
    escalation = only(ESCALATION, parent_id=missing.id)
    others = [a for a in find(REPORT_MISSING, period_id=period.id) if a.unit_id != officer.unit_id]
    assert others

    sent_at = unit_report(period, officer, "2026-06-14", 8, 30)
    result = scan_on(plan, "2026-06-15")

    assert missing.resolved_at == sent_at
    assert escalation.resolved_at is not None
    assert {missing.id, escalation.id} <= {a.id for a in result.resolved}
    # Other units' missing reports stay open: each unit answers for its own report.
    assert all(a.is_open for a in others)
    assert {a.id for a in result.resolved if a.kind == REPORT_MISSING} == {missing.id}


def test_the_escalation_is_resolved_when_its_cause_cleared(plan, period_of, user_of):
    period, officer = period_of("six_month", 2026), user_of("officer")
    scan_on(plan, "2026-06-13")
    missing = only(REPORT_MISSING, **of_report(period, officer.unit_id))
    escalation = only(ESCALATION, parent_id=missing.id)
    sent_at = unit_report(period, officer, "2026-06-14", 8, 30)
    scan_on(plan, "2026-06-20")  # the scanner was down for a few days
    assert missing.resolved_at == sent_at
    assert escalation.resolved_at == sent_at


def test_a_report_sent_on_time_resolves_the_reminders_when_it_was_sent(plan, period_of, user_of):
    period, officer = period_of("six_month", 2026), user_of("officer")
    scan_on(plan, "2026-06-02")
    reminders = find(REPORT_DUE, **of_report(period, officer.unit_id))
    assert {r.stage for r in reminders} == {"d7", "d3"}
    sent_at = unit_report(period, officer, "2026-06-02", 15, 0)
    scan_on(plan, "2026-06-03")
    assert [r.resolved_at for r in reminders] == [sent_at, sent_at]
    scan_on(plan, "2026-06-06")
    # No d1 reminder after the report went, and no missing-report alert; the other units' are there.
    assert find(REPORT_DUE, **of_report(period, officer.unit_id)) == reminders
    assert find(REPORT_MISSING, **of_report(period, officer.unit_id)) == []
    assert find(REPORT_MISSING, period_id=period.id)


def test_answering_the_question_resolves_its_alert_when_it_was_answered(plan, user_of, task_of):
    question = ask_question(plan, user_of, task_of)
    scan_on(plan, "2026-03-10")
    alert = only(QUESTION_UNANSWERED, question_id=question.id)

    answered_at = at("2026-03-11", 10, 15)
    discussion.answer_question(Actor.for_user(user_of("officer")), question, "Đã giới thiệu 12 lao động.", answered_at)
    db.session.commit()
    scan_on(plan, "2026-03-12")
    assert alert.resolved_at == answered_at


def test_marking_the_directive_done_resolves_its_alert_when_it_was_done(plan, user_of, task_of):
    directive = issue_directive(plan, user_of, task_of)
    scan_on(plan, "2026-03-11")
    alert = only(DIRECTIVE_OVERDUE, directive_id=directive.id)

    # A reply without "done" does not clear it.
    discussion.reply_to_directive(
        Actor.for_user(user_of("officer")), directive, "Đang tổng hợp.", False, at("2026-03-11", 16)
    )
    db.session.commit()
    scan_on(plan, "2026-03-12")
    assert alert.is_open

    done_at = at("2026-03-12", 9, 45)
    discussion.reply_to_directive(Actor.for_user(user_of("officer")), directive, "Đã gửi báo cáo.", True, done_at)
    db.session.commit()
    scan_on(plan, "2026-03-13")
    assert alert.resolved_at == done_at


def test_a_new_lead_update_resolves_the_stale_alert_when_it_was_posted(plan, task_of, user_of):
    task = task_of("IV.4.1")
    scan_on(plan, "2026-02-15")
    alert = only(TASK_STALE, task_id=task.id)
    posted_at = at("2026-03-01", 10)
    lead_update(task, user_of("officer"), posted_at)
    scan_on(plan, "2026-03-02")
    assert alert.resolved_at == posted_at
    assert find(TASK_STALE, task_id=task.id, resolved_at=None) == []


def test_a_partners_update_does_not_clear_the_stale_alert(plan, task_of, user_of):
    task = task_of("IV.4.1")
    scan_on(plan, "2026-02-15")
    alert = only(TASK_STALE, task_id=task.id)
    partner = db.session.scalar(select(Unit).where(Unit.code == "ub-mttq"))
    post_update(
        Actor.for_user(user_of("admin")),
        task,
        partner.id,
        "partner",
        UpdateInput(percent=20, state="working"),
        [],
        at("2026-03-01", 10),
    )
    db.session.commit()
    scan_on(plan, "2026-03-02")
    assert alert.is_open


def test_marking_the_milestone_done_resolves_its_alert(plan, task_of, user_of):
    milestone = next(m for m in task_of("VI.1.6").milestones if m.due_on == date(2028, 11, 15))
    scan_on(plan, "2028-11-16")
    alert = only(MILESTONE_OVERDUE, milestone_id=milestone.id)
    mark_milestone_done(Actor.for_user(user_of("secretariat")), milestone, date(2028, 11, 20), at("2028-11-20", 14))
    db.session.commit()
    result = scan_on(plan, "2028-11-21")
    assert not alert.is_open
    assert alert.id in {a.id for a in result.resolved}


def test_finishing_an_overdue_task_resolves_its_alert_when_it_was_reported_done(plan, task_of, user_of):
    task = task_of("VI.3.2")
    scan_on(plan, "2027-01-01")
    alert = only(TASK_OVERDUE, task_id=task.id)
    done_at = at("2027-01-04", 11)
    lead_update(task, user_of("officer"), done_at, percent=100, state="done")
    scan_on(plan, "2027-01-05")
    assert alert.resolved_at == done_at


def test_an_overdue_task_reported_done_by_mistake_is_overdue_again_after_the_correction(plan, task_of, user_of):
    task = task_of("VI.3.2")
    scan_on(plan, "2027-01-01")
    alert = only(TASK_OVERDUE, task_id=task.id)
    lead_update(task, user_of("officer"), at("2027-01-04", 11), percent=100, state="done")
    scan_on(plan, "2027-01-05")
    assert not alert.is_open
    lead_update(task, user_of("officer"), at("2027-01-06", 9), percent=90, state="working")  # "not finished after all"
    scan_on(plan, "2027-01-07")
    assert [a for a in find(TASK_OVERDUE, task_id=task.id) if a.is_open], (
        "the task is overdue again but no alert is open"
    )


# --- 5. idempotence ---------------------------------------------------------------------------


def test_scanning_the_same_day_twice_creates_nothing_the_second_time(plan, user_of):
    first = scan_on(plan, "2026-06-13")
    assert first.created and first.notified
    alerts, notifications, bell = count(Alert), count(Notification), notifications_of(user_of("officer"))

    second = scan_on(plan, "2026-06-13", now=at("2026-06-13", 7, 30))
    assert (second.created, second.resolved, second.notified) == ([], [], 0)
    assert (count(Alert), count(Notification), notifications_of(user_of("officer"))) == (alerts, notifications, bell)


def test_the_database_refuses_a_second_alert_with_the_same_key(plan):
    scan_on(plan, "2026-06-06")
    existing = find(REPORT_MISSING)[0]
    db.session.add(
        Alert(
            plan_id=plan.id,
            key=existing.key,
            kind=existing.kind,
            effective_on=existing.effective_on,
            created_at=at("2026-06-06", 8),
            details={},
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert (
        len(find(REPORT_MISSING, unit_id=existing.unit_id, task_id=existing.task_id, period_id=existing.period_id)) == 1
    )


# --- 6. two scans at once ---------------------------------------------------------------------


def scan_in_own_app(
    database: Database, scan_day: date, barrier: threading.Barrier, results: list, errors: list
) -> None:
    other = make_app(database)
    try:
        with other.app_context():
            barrier.wait(timeout=10)
            found = services.scan_all(scan_day, at(scan_day, 7))
            db.session.commit()
            results.append(sum(len(r.created_ids) + r.caught_up for r in found))
    except Exception as error:  # noqa: BLE001 - reported to the test
        errors.append(error)
    finally:
        with other.app_context():
            db.engine.dispose()


def test_two_scans_at_the_same_moment_create_each_alert_once(plan, tmp_path, template_databases):
    database = current_database()
    barrier = threading.Barrier(2)
    results, errors = [], []
    threads = [
        threading.Thread(target=scan_in_own_app, args=(database, date(2026, 6, 13), barrier, results, errors))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    # One scan created everything, the other found it all there.
    assert sorted(results) == [0, count(Alert)]
    assert count(ScanRun) == 2
    # Each person is told of each alert once: the same as after one scan on a copy of the database.
    pairs = db.session.execute(select(Notification.user_id, Notification.alert_id)).all()
    assert len(pairs) == len(set(pairs))
    assert count(Notification) == reference_scan(template_databases["loaded"], tmp_path, date(2026, 6, 13))


def reference_scan(template: Database, tmp_path: Path, scan_day: date) -> int:
    """The number of notifications a single scan writes on a fresh copy of the plan."""
    database = clone_database(template, tmp_path)
    reference = make_app(database)
    with reference.app_context():
        services.scan_all(scan_day, at(scan_day, 7))
        db.session.commit()
        total = count(Notification)
        db.session.remove()
        db.engine.dispose()
    drop_database(database)
    return total


# --- 7. catching up after downtime -------------------------------------------------------------


def test_a_scan_after_weeks_of_downtime_creates_the_missed_alerts_once_as_of_when_they_should_have_fired(
    plan, period_of, tmp_path, template_databases
):
    period = period_of("six_month", 2026)
    scan_on(plan, "2026-05-01")
    result = scan_on(plan, "2026-07-10")  # nothing ran from 05-02 to 07-09

    missing = find(REPORT_MISSING, period_id=period.id)
    assert missing and {a.effective_on for a in missing} == {date(2026, 6, 6)}
    escalations = {a.parent_id: a for a in find(ESCALATION) if a.parent.kind == REPORT_MISSING}
    assert set(escalations) == {a.id for a in missing}  # 34 days old: every one escalated
    assert {a.effective_on for a in escalations.values()} == {date(2026, 6, 13)}
    # The reminders that should have gone out on 30/05, 02/06 and 04/06 are recorded once each,
    # already resolved when the deadline passed, and sent to nobody after the fact.
    reminders = find(REPORT_DUE, period_id=period.id)
    assert len(reminders) == 3 * len(missing) == result.caught_up
    assert {a.effective_on for a in reminders} == {date(2026, 5, 29), date(2026, 6, 2), date(2026, 6, 4)}
    assert {a.resolved_at for a in reminders} == {at("2026-06-06", 0)}
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.alert_id.in_([a.id for a in reminders]))
        )
        == 0
    )
    assert {a.id for a in result.created} == {a.id for a in missing} | {a.id for a in escalations.values()}

    # The same alerts, open and resolved, effective the same days, as a scanner that never stopped.
    assert every_alert(plan) == every_alert_after_daily_scans(
        template_databases["loaded"], tmp_path, date(2026, 5, 1), date(2026, 7, 10)
    )

    alerts = count(Alert)
    result = scan_on(plan, "2026-07-11")
    assert result.created == [] and count(Alert) == alerts


def every_alert(plan) -> dict[str, tuple]:
    """Every alert, open or resolved: key -> (the day it took effect, when it was resolved)."""
    return {
        key: (effective_on, resolved_at)
        for key, effective_on, resolved_at in db.session.execute(
            select(Alert.key, Alert.effective_on, Alert.resolved_at).where(Alert.plan_id == plan.id)
        )
    }


def every_alert_after_daily_scans(template: Database, tmp_path: Path, first: date, last: date) -> dict[str, tuple]:
    """Every alert after a scan on every day from `first` to `last`, on a fresh copy of the plan."""
    database = clone_database(template, tmp_path)
    reference = make_app(database)
    with reference.app_context():
        plan = db.session.scalar(select(Plan))
        scan_day = first
        while scan_day <= last:
            services.scan(plan, scan_day, at(scan_day, 7))
            db.session.commit()
            scan_day += timedelta(days=1)
        keys = every_alert(plan)
        db.session.remove()
        db.engine.dispose()
    drop_database(database)
    return keys


def test_after_the_catch_up_only_genuinely_new_alerts_appear(plan, task_of):
    scan_on(plan, "2026-05-01")
    scan_on(plan, "2026-07-10")
    before = count(Alert)
    result = scan_on(plan, "2026-11-11")  # the annual report's unit deadline was 11-10
    assert result.created
    assert {a.kind for a in result.created} <= {REPORT_MISSING, ESCALATION, TASK_OVERDUE}
    assert {a.period.kind for a in result.created if a.kind == REPORT_MISSING} == {"annual"}
    # ...plus the annual period's missed reminders, recorded resolved.
    assert result.caught_up == 3 * len([a for a in result.created if a.kind == REPORT_MISSING])
    assert count(Alert) == before + len(result.created) + result.caught_up


# --- 8. a failed scan writes nothing ----------------------------------------------------------


def test_a_scan_that_fails_half_way_writes_no_alert(plan, cli, monkeypatch):
    scan_on(plan, "2026-05-01")
    before = database_snapshot()
    inserted = []
    original = services._insert_new

    def insert_then_fail(model, rows, unique, returning):
        if model is Notification:
            inserted.append(db.session.scalar(select(func.count(Alert.id))))
            raise RuntimeError("the database went away")
        return original(model, rows, unique, returning)

    monkeypatch.setattr(services, "_insert_new", insert_then_fail)
    result = cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"])

    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert inserted and inserted[0] > count(Alert)  # alerts had been written when it failed...
    db.session.rollback()
    after = database_snapshot()
    derived = ("plan_standing", "task_standing", "task_standing_lead", "owed_report", "data_version")
    assert {k: v for k, v in after.items() if k not in derived} == {
        k: v for k, v in before.items() if k not in derived
    }  # ...and none of them stayed
    # Only the standings the scan read stay, brought to its day: derived data, right either way.
    assert after["plan_standing"][0][1] in ("2026-06-13", date(2026, 6, 13))
    assert standing_differences(plan) == []


def test_a_second_scan_of_the_day_reads_the_stored_standings_and_works_nothing_out_again(
    plan, cli, monkeypatch, user_of
):
    first = cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"])
    assert first.exit_code == 0, first.output
    opened = count(Alert)
    assert opened > 0
    worked_out = []
    # The status rule's facts of a whole plan, and the reports it owes, worked out (by any caller).
    for module, name in ((standing_queries, "_plan_facts"), (reports_queries, "owes_section")):
        original = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda *args, _f=original, _n=name, **kw: worked_out.append(_n) or _f(*args, **kw)
        )
    # Something written that moves no task and no report (an account renamed): the rerun scans.
    user_of("admin").full_name = "Quản trị (đổi tên)"
    db.session.commit()
    again = cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"])
    assert again.exit_code == 0, again.output
    assert worked_out == []  # the day's standings and reports owed, as stored by the first scan
    assert count(Alert) == opened and "tạo mới 0 cảnh báo, 0 cảnh báo đã được giải quyết" in again.output
    # A task reported done in between: the rerun reads it from the standings its post stored.
    officer = user_of("officer")
    late = db.session.scalar(
        select(Alert)
        .where(Alert.kind == TASK_STALE, Alert.unit_id == officer.unit_id, Alert.resolved_at.is_(None))
        .order_by(Alert.id)
        .limit(1)
    )
    assert late is not None
    lead_update(late.task, officer, at("2026-06-13", 10), percent=100, state="done")
    third = cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"])
    assert third.exit_code == 0, third.output
    db.session.expire_all()
    assert late.resolved_at is not None


def test_a_scan_of_the_day_with_nothing_written_since_reads_two_rows(plan, cli, app):
    assert cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"]).exit_code == 0
    runs, opened = count(ScanRun), count(Alert)
    statements = []
    record = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        again = cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"])
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert again.exit_code == 0, again.output
    assert "không cần rà soát lại" in again.output
    # The data's version, and the version the last scan of the day left: no plan is read.
    assert len(statements) <= 3, statements
    assert (count(ScanRun), count(Alert)) == (runs, opened)
    # The next day is scanned, though nothing was written.
    assert cli.invoke(args=["alerts", "scan", "--date", "2026-06-14"]).exit_code == 0
    assert count(ScanRun) == 2 * runs


def test_a_write_committed_while_the_scan_ran_is_scanned_by_the_next_scan_of_the_day(plan, cli, monkeypatch, user_of):
    """On PostgreSQL a unit posts while the scan runs; the scan may have read the task before the
    post: the next scan of the day must not take the data for unchanged."""
    original = services.refresh_all
    officer = user_of("officer")

    def refresh_then_someone_writes(today):
        original(today)
        with Session(db.engine) as elsewhere:  # another connection, another transaction
            elsewhere.execute(update(User).where(User.id == officer.id).values(full_name="Cán bộ (đổi tên)"))
            elsewhere.commit()

    monkeypatch.setattr(services, "refresh_all", refresh_then_someone_writes)
    assert cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"]).exit_code == 0
    monkeypatch.setattr(services, "refresh_all", original)
    runs = count(ScanRun)
    again = cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"])
    assert "không cần rà soát lại" not in again.output and "tạo mới 0 cảnh báo" in again.output
    assert count(ScanRun) == 2 * runs
    # That scan saw everything: the one after it has nothing to do.
    assert "không cần rà soát lại" in cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"]).output


# --- 9. the command ---------------------------------------------------------------------------


def msgstr(catalogue, msgid: str) -> str:
    return catalogue[msgid].string


def test_the_scan_command_reports_what_it_did(plan, cli, vietnamese, user_of):
    result = cli.invoke(args=["alerts", "scan", "--date", "2026-06-06"])
    assert result.exit_code == 0, result.output
    line = msgstr(vietnamese, "Scan for %(date)s: %(created)d alerts created, %(resolved)d resolved.")
    caught_up = msgstr(
        vietnamese,
        "%(num)d reminders that should have gone out before a deadline now passed were recorded, already resolved and not sent.",
    )
    reminders = len(find(REPORT_DUE))
    created = count(Alert) - reminders
    assert created > 0 and reminders > 0
    assert result.output.strip().splitlines() == [
        line % {"date": "2026-06-06", "created": created, "resolved": 0},
        caught_up % {"num": reminders},
    ]
    assert db.session.scalar(select(ScanRun.scan_date)) == date(2026, 6, 6)

    result = cli.invoke(args=["alerts", "scan", "--date", "2026-06-06"])
    assert result.exit_code == 0
    nothing = msgstr(
        vietnamese, "Scan for %(date)s: nothing has been written since the last scan of that day; nothing to do."
    )
    assert result.output.strip() == nothing % {"date": "2026-06-06"}
    assert count(Alert) == created + reminders
    # Once something is written, the scan of the day runs again, and finds nothing new to say.
    user_of("admin").full_name = "Quản trị (đổi tên)"
    db.session.commit()
    result = cli.invoke(args=["alerts", "scan", "--date", "2026-06-06"])
    assert result.output.strip() == line % {"date": "2026-06-06", "created": 0, "resolved": 0}
    assert count(Alert) == created + reminders


def test_the_scan_command_scans_today_in_the_ward_by_default(app, plan, cli):
    for each in (app, current_app):  # the command runs in the test body's app context
        each.config["FROZEN_NOW"] = "2026-06-06T00:30:00+07:00"  # still 2026-06-05 in UTC
    result = cli.invoke(args=["alerts", "scan"])
    assert result.exit_code == 0, result.output
    assert "2026-06-06" in result.output
    assert db.session.scalar(select(ScanRun.scan_date)) == date(2026, 6, 6)
    assert find(REPORT_MISSING)  # the deadline of 06-05 has passed in the ward


def test_the_scan_command_does_not_go_back_in_time_unless_asked(plan, cli, vietnamese, task_of, user_of):
    """Scanning 06/06 after 13/06 would resolve the escalations of 13/06, and the next scan would
    reopen them and tell the chair again: refused, unless --rewind."""
    assert cli.invoke(args=["alerts", "scan", "--date", "2026-06-13"]).exit_code == 0
    escalations = find(ESCALATION)
    assert escalations and all(a.is_open for a in escalations)
    before = database_snapshot()

    result = cli.invoke(args=["alerts", "scan", "--date", "2026-06-06"])
    assert result.exit_code == 1
    assert "--rewind" in result.output and "2026-06-13" in result.output
    assert database_snapshot() == before

    result = cli.invoke(args=["alerts", "scan", "--date", "2026-06-06", "--rewind"])
    assert result.exit_code == 0, result.output
    assert count(ScanRun) == 2


@pytest.mark.parametrize("bad", ["06/06/2026", "2026-13-01", "hôm nay"])
def test_the_scan_command_refuses_a_malformed_date(plan, cli, vietnamese, bad):
    result = cli.invoke(args=["alerts", "scan", "--date", bad])
    assert result.exit_code == 2
    assert "--date" in result.output
    assert msgstr(vietnamese, "write the date as YYYY-MM-DD") in result.output
    assert count(ScanRun) == 0 and count(Alert) == 0
