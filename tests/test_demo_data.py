"""`flask demo activity`: a small invented six-month reporting round of 2026 for the demo accounts.

What the command writes, as of 12/06/2026 (the units' deadline is 05/06):
- demo.canbo (Phòng Văn hóa – Xã hội) posts 7 updates from 09/02 to 29/05 on IV.4.1 (twice), VI.3.2
  (twice), VI.3.4, IV.8 (blocked, with a difficulty and a proposal) and IV.4.2;
- of its 9 six-month reports it sends 6: IV.4.1, IV.4.2, VI.3.1 on time and accepted; VI.3.2 on time,
  returned and sent again; IV.8 on time; VI.3.4 late (09/06). VI.3.3, VI.3.5, VI.3.6 are not sent;
- demo.bancd asks about IV.8 (answered); demo.truongban directs the unit on IV.8, due 10/06, not done;
- the alert scan of 12/06.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import docx
import pytest
from sqlalchemy import func, select

from tests.conftest import PLAN_FILE
from tests.helpers import database_snapshot, page, plain
from tracker.accounts.models import User
from tracker.alerts.models import Alert, Notification, ScanRun
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor
from tracker.core.time import ward_date
from tracker.discussion.models import Directive, Question
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.plan.models import Plan, Task
from tracker.progress.models import ProgressUpdate
from tracker.progress.services import UpdateInput, post_update
from tracker.reports.models import PeriodReport
from tracker.reports.services import is_on_time
from tracker.targets.models import IndicatorValue
from tracker.units.models import Unit

JUNE_12 = "2026-06-12T09:00:00+07:00"
DEMO_PASSWORD = "demo password for the tests"
FEED = ["VI.3.2", "IV.4.1", "IV.4.2", "IV.8", "VI.3.4", "VI.3.2", "IV.4.1"]  # newest first
ACCEPTED = ["IV.4.1", "IV.4.2", "VI.3.1"]
WAITING = ["IV.8", "VI.3.2", "VI.3.4"]


@pytest.fixture
def runner(empty_app):
    """A database with the plan and no accounts, as after `flask plan load`."""
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["plan", "load", str(PLAN_FILE)]).exit_code == 0
    return runner


@pytest.fixture
def demo_runner(runner):
    """The demo accounts too, as after the setup of `make run`."""
    assert runner.invoke(args=["users", "create-demo"]).exit_code == 0
    return runner


@pytest.fixture
def demo(demo_runner, empty_app):
    """The demo activity added; the pages are read on 12/06/2026 with known passwords."""
    result = demo_runner.invoke(args=["demo", "activity"])
    assert result.exit_code == 0, result.output
    empty_app.config["FROZEN_NOW"] = JUNE_12
    for user in db.session.scalars(select(User).where(User.username.like("demo.%"))):
        user.set_password(DEMO_PASSWORD)
    db.session.commit()
    return result


def the_plan() -> Plan:
    return db.session.scalar(select(Plan))


def six_month_2026() -> ReportingPeriod:
    return db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.kind == "six_month", ReportingPeriod.year == 2026))


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def sign_in(app, username: str):
    """A browser reading English pages, signed in as a demo account."""
    client = app.test_client()
    client.get("/language/en")
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    return client


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


def task_codes(html: str) -> list[str]:
    return re.findall(r'<span class="task-code">([^<]+)</span>', html)


def assert_refused(runner, *args: str, saying: str = "") -> None:
    """The command fails, says `saying`, and the database is as it was."""
    db.session.commit()
    before = database_snapshot()
    result = runner.invoke(args=["demo", "activity", *args])
    assert result.exit_code != 0
    assert saying in result.output
    db.session.commit()
    assert database_snapshot() == before


# --- 1. it refuses, and writes nothing --------------------------------------------------------


def test_refused_without_the_demo_accounts(runner):
    assert_refused(runner, saying="create-demo")


def test_refused_with_real_accounts_only(app):
    """The test database has accounts for every role, but none made by `flask users create-demo`."""
    assert_refused(app.test_cli_runner(), saying="create-demo")


def test_refused_when_the_plan_already_has_an_update(demo_runner):
    officer = user("demo.canbo")
    task = db.session.scalar(select(Task).where(Task.code == "IV.4.1"))
    post_update(Actor.for_user(officer), task, officer.unit_id, "lead", UpdateInput(10, "working", "Kết quả thật"), files=[],
                now=datetime.fromisoformat("2026-03-02T08:00:00+07:00"))
    db.session.commit()
    assert_refused(demo_runner, saying="KH-GNBV-2026-2030")


def test_refused_the_second_time(demo, demo_runner):
    assert_refused(demo_runner)


def test_refused_for_an_unknown_ward(demo_runner):
    assert_refused(demo_runner, "--ward", "no-such-ward")


# --- 2. what it writes ------------------------------------------------------------------------


def test_the_story_is_written_by_the_demo_accounts_in_the_first_half_of_2026(demo):
    assert "DEMO" in demo.output.upper()
    officer = user("demo.canbo")
    updates = db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.created_at.desc())).all()
    assert [u.task.code for u in updates] == FEED
    assert {u.author_id for u in updates} == {officer.id}
    assert {u.unit.code for u in updates} == {"phong-vh-xh"}
    assert all(date(2026, 2, 1) <= ward_date(u.created_at) <= date(2026, 5, 31) for u in updates)
    blocked = [u for u in updates if u.state == "blocked"]
    assert [u.task.code for u in blocked] == ["IV.8"]
    assert blocked[0].difficulties and blocked[0].proposals

    period = six_month_2026()
    reports = {r.task.code: r for r in db.session.scalars(select(PeriodReport))}
    assert sorted(reports) == sorted(ACCEPTED + WAITING)
    assert {r.unit.code for r in reports.values()} == {"phong-vh-xh"}  # nobody else has a demo account
    assert sorted(c for c, r in reports.items() if r.status == "accepted") == ACCEPTED
    assert sorted(c for c, r in reports.items() if r.status == "submitted") == WAITING
    assert [c for c, r in reports.items() if not is_on_time(r.first_submitted_at, period)] == ["VI.3.4"]
    returned = reports["VI.3.2"]
    assert [e.action for e in sorted(returned.events, key=lambda e: e.occurred_at)] == ["submitted", "returned", "resubmitted"]
    assert returned.events[1].comment and returned.events[1].actor_id == user("demo.thuongtruc").id
    assert all(r.reviewed_by_id == user("demo.thuongtruc").id for c, r in reports.items() if c in ACCEPTED)

    question = db.session.scalar(select(Question))
    assert (question.asked_by_id, question.answered_by_id, question.task.code) == (user("demo.bancd").id, officer.id, "IV.8")
    directive = db.session.scalar(select(Directive))
    assert (directive.issued_by_id, directive.unit.code, directive.due_on, directive.done_at) == (
        user("demo.truongban").id, "phong-vh-xh", date(2026, 6, 10), None)
    assert db.session.scalar(select(func.count(IndicatorValue.id))) == 2

    # Every step is in the audit log, by its demo account, on the story's day (never "now").
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.username.like("demo.%"))).all()
    assert len(events) >= len(updates) + len(reports)
    assert all(date(2026, 2, 1) <= ward_date(e.occurred_at) <= date(2026, 6, 12) for e in events)
    # The alert scan of 12/06.
    assert db.session.scalars(select(ScanRun.scan_date)).all() == [date(2026, 6, 12)]


def test_dashboard_shows_the_updates_and_the_blocked_task(demo, empty_app):
    plan = the_plan()
    html = page(sign_in(empty_app, "demo.bancd"), f"/plans/{plan.id}/dashboard/")
    feed = section(html, "feed-heading")
    assert task_codes(feed) == FEED
    assert "Lũy kế 6 tháng: tư vấn, giới thiệu việc làm cho 18 lao động" in plain(feed)
    assert task_codes(section(html, "blocked-heading")) == ["IV.8"]


def test_review_queue_has_the_submitted_reports(demo, empty_app):
    plan = the_plan()
    html = page(sign_in(empty_app, "demo.thuongtruc"), f"/plans/{plan.id}/review")
    waiting = html.split('id="waiting-heading"', 1)[1].split("</section>", 1)[0]
    assert sorted(task_codes(waiting)) == WAITING
    assert "Waiting for review: 3" in plain(html)
    assert "Accepted: 3" in plain(html)


def test_league_table_shows_the_units_reporting_rate(demo, empty_app):
    plan = the_plan()
    league = page(sign_in(empty_app, "demo.truongban"), f"/plans/{plan.id}/accountability/")
    row = plain(re.search(r'<th scope="row"><a[^>]*>Phòng Văn hóa – Xã hội</a></th>.*?</tr>', league, re.S).group(0))
    assert "66.7% (6/9)" in row  # reporting rate: 6 of the 9 reports owed
    assert "55.6% (5/9)" in row  # on time: VI.3.4 came late
    other = plain(re.search(r'<th scope="row"><a[^>]*>Trạm Y tế phường</a></th>.*?</tr>', league, re.S).group(0))
    assert "0% (0/2)" in other


def test_the_chair_and_the_officer_have_notifications(demo, empty_app):
    chair, officer = user("demo.truongban"), user("demo.canbo")
    for person in (chair, officer):
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == person.id)) > 0
    kinds = set(db.session.scalars(select(Alert.kind)))
    assert {"report_missing", "directive_overdue", "escalation"} <= kinds
    text = plain(page(sign_in(empty_app, "demo.truongban"), "/notifications/"))
    assert "the directive “Phòng Văn hóa – Xã hội chủ trì" in text and "is not done" in text
    assert "Escalated to the chair" in text


def test_ward_report_draft_opens_and_exports(demo, empty_app):
    plan, period = the_plan(), six_month_2026()
    client = sign_in(empty_app, "demo.thuongtruc")
    url = f"/plans/{plan.id}/ward-reports/{period.id}"
    assert client.get(url).status_code == 200
    response = client.get(url + "/report.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(response.get_data()))
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "Tư vấn, giới thiệu việc làm cho 18 lao động" in text  # an accepted report is quoted
    assert "Đã rà soát lao động thuộc hộ nghèo, hộ cận nghèo; đang xây dựng" not in text  # the returned text is not


# --- 3. after the scheduler has scanned a later day -------------------------------------------


def test_a_later_scan_is_not_rewound(demo_runner):
    """`make run` starts the scheduler, which scans today; the demo then scans that day again
    instead of going back to 12/06."""
    assert demo_runner.invoke(args=["alerts", "scan", "--date", "2026-11-26"]).exit_code == 0
    result = demo_runner.invoke(args=["demo", "activity"])
    assert result.exit_code == 0, result.output
    assert "2026-11-26" in result.output
    assert sorted(db.session.scalars(select(ScanRun.scan_date))) == [date(2026, 11, 26), date(2026, 11, 26)]
    # The reports the unit sent cleared their missing-report alerts.
    unit = db.session.scalar(select(Unit).where(Unit.code == "phong-vh-xh"))
    open_missing = db.session.scalars(select(Alert).where(Alert.kind == "report_missing", Alert.unit_id == unit.id,
                                                          Alert.period_id == six_month_2026().id, Alert.resolved_at.is_(None))).all()
    assert sorted(a.task.code for a in open_missing) == ["VI.3.3", "VI.3.5", "VI.3.6"]
