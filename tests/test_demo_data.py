"""`flask demo activity`: a small invented six-month reporting round of 2026 for the demo accounts.

What the command writes, as of 12/06/2026 (the units' deadline is 05/06):
- demo.canbo (Phòng Văn hóa – Xã hội) posts 7 updates from 09/02 to 29/05 on IV.4.1 (twice), VI.3.2
  (twice), VI.3.4, IV.8 (blocked, with a difficulty and a proposal) and IV.4.2;
- the unit writes ONE six-month report with a section for each of the 9 tasks it leads: a draft on
  02/06, submitted on 03/06 (on time); demo.thuongtruc returns it on 04/06 pointing at the section
  on VI.3.2, with the reason; the unit resubmits on 05/06; demo.thuongtruc accepts it on 08/06
  ("Báo cáo đầy đủ, đúng hạn."). The other units have no demo account: their reports are missing;
- demo.bancd asks about IV.8 (answered); demo.truongban directs the unit on IV.8, due 10/06, not done;
- the alert scan of 12/06.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import docx
import openpyxl
import pytest
from sqlalchemy import func, select

from tests.conftest import PLAN_FILE
from tests.helpers import database_snapshot, page, plain
from tracker.accounts.models import User
from tracker.alerts.models import Alert, Notification, ScanRun
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.core.time import ward_date
from tracker.discussion.models import Directive, Question
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.queries import plan_rounds
from tracker.plan.models import Plan, Task
from tracker.progress.models import ProgressUpdate
from tracker.progress.services import UpdateInput, post_update
from tracker.reports.models import UnitReport
from tracker.reports.queries import owed_reports
from tracker.reports.services import is_on_time
from tracker.targets.models import IndicatorValue
from tracker.units.models import Unit

JUNE_12 = "2026-06-12T09:00:00+07:00"
DEMO_PASSWORD = "demo password for the tests"
FEED = ["VI.3.2", "IV.4.1", "IV.4.2", "IV.8", "VI.3.4", "VI.3.2", "IV.4.1"]  # newest first
# The tasks Phòng Văn hóa – Xã hội leads and reports on in the six-month report of 2026, in the plan's order.
VHXH_SECTIONS = ["IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
RETURNED_AT = "VI.3.2"  # the section the secretariat's return points at
ACCEPT_COMMENT = "Báo cáo đầy đủ, đúng hạn."
# Text of the section on VI.3.2 as first submitted, then as resubmitted after the return.
FIRST_VI_3_2 = "Đã rà soát lao động thuộc hộ nghèo, hộ cận nghèo; đang xây dựng kế hoạch hỗ trợ việc làm."
FIXED_VI_3_2 = "tổ dân phố khu vực trung tâm 28 lao động"


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
    return db.session.scalar(
        select(ReportingPeriod).where(ReportingPeriod.kind == "six_month", ReportingPeriod.year == 2026)
    )


def round_2026():
    return next(r for r in plan_rounds(the_plan()) if six_month_2026() in r)


def the_report() -> UnitReport:
    """The one unit report of the demo."""
    [report] = db.session.scalars(select(UnitReport)).all()
    return report


def owing_units() -> set[str]:
    """The codes of the units that owe a six-month report of 2026, as the app counts them."""
    units = {u.id: u.code for u in db.session.scalars(select(Unit))}
    return {units[o.unit_id] for o in owed_reports(the_plan(), [round_2026()])}


def league_card(html: str, unit_code: str) -> dict[str, str]:
    """A unit's card in the league table: "Longest late" or "Nothing late", and each figure by its
    label ("Reports sent", "Reports late", ...), as the reader sees them."""
    card = re.search(rf'<div class="card[^"]*" data-unit="{re.escape(unit_code)}">(.*?)</dl>', html, re.S)
    assert card, unit_code
    figures = {plain(dt): plain(dd) for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", card.group(1), re.S)}
    longest = re.search(r'<p class="small mb-1[^"]*">(.*?)</p>', card.group(1), re.S)
    figures["late"] = plain(longest.group(1)) if longest else ""
    return figures


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
    post_update(
        Actor.for_user(officer),
        task,
        officer.unit_id,
        "lead",
        UpdateInput(10, "working", "Kết quả thật"),
        files=[],
        now=datetime.fromisoformat("2026-03-02T08:00:00+07:00"),
    )
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

    # One report, by the unit, with a section for each of the nine tasks it leads; every section says something.
    period = six_month_2026()
    secretariat = user("demo.thuongtruc")
    report = the_report()
    assert (report.unit.code, report.period_id) == ("phong-vh-xh", period.id)  # nobody else has a demo account
    assert [s.task.code for s in report.sections] == VHXH_SECTIONS
    assert all(s.results and s.results.strip() for s in report.sections)
    blocked_section = report.section_for(blocked[0].task_id)
    assert blocked_section.state == "blocked" and blocked_section.difficulties and blocked_section.proposals
    # Sent on time on 03/06, returned at VI.3.2 with the reason, sent again on 05/06, accepted on 08/06.
    assert ward_date(report.first_submitted_at) == date(2026, 6, 3) and is_on_time(report.first_submitted_at, period)
    assert ward_date(report.submitted_at) == date(2026, 6, 5)
    steps = [
        (e.action, e.task.code if e.task else None, ward_date(e.occurred_at), e.actor.username) for e in report.events
    ]
    assert steps == [
        ("saved", None, date(2026, 6, 2), "demo.canbo"),
        ("submitted", None, date(2026, 6, 3), "demo.canbo"),
        ("returned", RETURNED_AT, date(2026, 6, 4), "demo.thuongtruc"),
        ("resubmitted", None, date(2026, 6, 5), "demo.canbo"),
        ("accepted", None, date(2026, 6, 8), "demo.thuongtruc"),
    ]
    assert report.events[2].comment
    assert (report.status, report.reviewed_by_id, report.review_comment) == ("accepted", secretariat.id, ACCEPT_COMMENT)
    assert {s.outcome for s in report.sections} == {"accepted"}
    # Both submissions are kept: only the section the return pointed at changed between them.
    assert [v.number for v in report.versions] == [1, 2]
    first, second = ({s["code"]: s for s in v.content["sections"]} for v in report.versions)
    assert list(first) == list(second) == VHXH_SECTIONS
    assert first[RETURNED_AT]["results"] == FIRST_VI_3_2
    assert FIXED_VI_3_2 in second[RETURNED_AT]["results"]
    assert second[RETURNED_AT]["results"] == report.section_for(report.events[2].task_id).results
    assert {code for code in VHXH_SECTIONS if first[code] != second[code]} == {RETURNED_AT}

    question = db.session.scalar(select(Question))
    assert (question.asked_by_id, question.answered_by_id, question.task.code) == (
        user("demo.bancd").id,
        officer.id,
        "IV.8",
    )
    directive = db.session.scalar(select(Directive))
    assert (directive.issued_by_id, directive.unit.code, directive.due_on, directive.done_at) == (
        user("demo.truongban").id,
        "phong-vh-xh",
        date(2026, 6, 10),
        None,
    )
    assert db.session.scalar(select(func.count(IndicatorValue.id))) == 2

    # Every step is in the audit log, by its demo account, on the story's day (never "now").
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.username.like("demo.%"))).all()
    assert len(events) >= len(updates) + len(report.events)
    assert [(e.action, e.username) for e in events if e.target_type == "unit_report"] == [
        ("report.save", "demo.canbo"),
        ("report.submit", "demo.canbo"),
        ("report.return", "demo.thuongtruc"),
        ("report.resubmit", "demo.canbo"),
        ("report.accept", "demo.thuongtruc"),
    ]
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


def test_review_queue_has_the_accepted_report_and_the_missing_ones(demo, empty_app):
    plan = the_plan()
    client = sign_in(empty_app, "demo.thuongtruc")
    html = page(client, f"/plans/{plan.id}/review")
    text = plain(html)
    late = len(owing_units()) - 1  # every unit but Phòng Văn hóa – Xã hội
    assert late > 0
    assert "Waiting for review: 0" in text
    assert f"Late: {late}" in text
    assert "Accepted: 1" in text
    report = the_report()
    accepted = html.split('<h2 class="h5">Accepted', 1)[1].split("</section>", 1)[0]
    assert f'/plans/{plan.id}/reports/{report.id}"' in accepted
    assert "Phòng Văn hóa – Xã hội" in plain(accepted) and "9 tasks" in plain(accepted)

    # The report's page: nine sections, the history of the return at VI.3.2, the comment on acceptance.
    detail = page(client, f"/plans/{plan.id}/reports/{report.id}")
    assert [c.split(". ", 1)[1] for c in task_codes(detail)] == VHXH_SECTIONS
    history = plain(detail.split(">History</h2>", 1)[1])
    assert f"returned for changes ({RETURNED_AT})" in history and report.events[2].comment in history
    assert ACCEPT_COMMENT in history
    assert FIXED_VI_3_2 in plain(detail) and FIRST_VI_3_2 not in plain(detail)
    # The first version, as it was sent before the return.
    first = page(client, f"/plans/{plan.id}/reports/{report.id}/versions/1")
    assert FIRST_VI_3_2 in plain(first) and FIXED_VI_3_2 not in plain(first)


def test_league_table_shows_the_units_reporting_rate(demo, empty_app):
    plan = the_plan()
    league = page(sign_in(empty_app, "demo.truongban"), f"/plans/{plan.id}/accountability/")
    card = league_card(league, "phong-vh-xh")
    assert card["Reports sent"] == "1/1 · on time 1/1"  # its one report of the period, first sent on 03/06
    assert card["Reports late"] == "0"
    other = league_card(league, "tram-y-te")
    assert other["Reports sent"] == "0/1 · on time 0/1"
    assert other["Reports late"] == "1 (since 06/06/2026)"  # the day after the deadline of 05/06
    assert other["late"] == "Longest late: 6-month report 2026 not sent, 7 days late, since 06/06/2026"


def test_the_bell_and_the_league_table_give_the_same_lateness(demo, empty_app):
    """The chair reads how late the unit's directive is in the morning message and on the league
    table: the same number of days since the same day."""
    plan = the_plan()
    client = sign_in(empty_app, "demo.truongban")
    card = league_card(page(client, f"/plans/{plan.id}/accountability/"), "phong-vh-xh")
    league = re.search(r"overdue (\d+) days, since (\d\d/\d\d/\d{4})", card["late"])
    assert league, card["late"]
    bell = re.search(
        r"Phòng Văn hóa – Xã hội: 1 directive overdue, the longest (\d+) days?, since (\d\d/\d\d/\d{4})",
        plain(page(client, "/notifications/")),
    )
    assert bell
    assert bell.groups() == league.groups()


def test_the_chair_and_the_officer_have_notifications(demo, empty_app):
    chair, officer = user("demo.truongban"), user("demo.canbo")
    for person in (chair, officer):
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == person.id)) > 0
    kinds = set(db.session.scalars(select(Alert.kind)))
    assert {"report_missing", "directive_overdue", "escalation"} <= kinds
    # One missing-report alert per unit that has not sent its report (not one per task); none for the unit that sent it.
    missing = db.session.scalars(select(Alert).where(Alert.kind == "report_missing")).all()
    assert sorted(a.unit.code for a in missing) == sorted(owing_units() - {"phong-vh-xh"})
    assert {a.task_id for a in missing} == {None}
    assert not db.session.scalar(
        select(func.count(Notification.id))
        .join(Alert)
        .where(Notification.user_id == officer.id, Alert.kind == "report_missing")
    )
    text = plain(page(sign_in(empty_app, "demo.truongban"), "/notifications/"))
    assert "the directive “Phòng Văn hóa – Xã hội chủ trì" in text and "is not done" in text
    assert "Passed to the chair" in text


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
    assert "Tư vấn, giới thiệu việc làm cho 18 lao động" in text  # the accepted report is quoted
    assert FIXED_VI_3_2 in text  # with the section as resubmitted
    assert FIRST_VI_3_2 not in text  # not as it was returned

    # The spreadsheet's reporting by unit: the one report sent, first on 03/06, and the units that sent none.
    response = client.get(url + "/report.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data()))["Reporting by unit"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = ["Unit", "Tasks in the report", "Report", "First sent", "Days late"]
    start = next(
        i for i, row in enumerate(rows) if row[: len(header)] == header
    )  # under the sheet's title lines, if any
    by_unit = {row[0]: row[1 : len(header)] for row in rows[start + 1 :] if row[0]}
    first_sent = by_unit["Phòng Văn hóa – Xã hội"][2]
    assert by_unit["Phòng Văn hóa – Xã hội"][:2] == [len(VHXH_SECTIONS), "Accepted"]
    assert (first_sent.date() if isinstance(first_sent, datetime) else first_sent) == date(2026, 6, 3)
    assert not by_unit["Phòng Văn hóa – Xã hội"][3]
    assert len(by_unit) == len(owing_units())
    assert by_unit["Trạm Y tế phường"][2] is None and by_unit["Trạm Y tế phường"][3] == 7  # 12/06 is 7 days after 05/06


# --- 3. after the scheduler has scanned a later day -------------------------------------------


def test_a_later_scan_is_not_rewound(demo_runner):
    """`make run` starts the scheduler, which scans today; the demo then scans that day again
    instead of going back to 12/06."""
    assert demo_runner.invoke(args=["alerts", "scan", "--date", "2026-11-26"]).exit_code == 0
    result = demo_runner.invoke(args=["demo", "activity"])
    assert result.exit_code == 0, result.output
    assert "2026-11-26" in result.output
    assert sorted(db.session.scalars(select(ScanRun.scan_date))) == [date(2026, 11, 26), date(2026, 11, 26)]
    # The scan of 26/11 before the demo found every six-month report of 2026 missing; the one the
    # unit then sent (on time) cleared its alert, the other units' stay open.
    period = six_month_2026()
    missing = db.session.scalars(
        select(Alert).where(Alert.kind == "report_missing", Alert.period_id == period.id)
    ).all()
    by_unit = {a.unit.code: a for a in missing}
    assert sorted(by_unit) == sorted(owing_units())
    assert by_unit["phong-vh-xh"].resolved_at is not None
    assert {code for code, a in by_unit.items() if a.resolved_at is None} == owing_units() - {"phong-vh-xh"}
