"""The steering committee's dashboard: every task's status, flags and roll-up on a given day, the
tasks behind each number, and pages whose SQL does not grow with the data.

The expected figures are worked out by hand in the comments from the plan's facts:

- 45 leaf tasks: 18 in section IV (IV.1, IV.2, IV.3, IV.4.1-IV.4.5, IV.5-IV.9, IV.10.1-IV.10.5) and
  27 in section VI (VI.1.1-6, VI.2.1-2, VI.3.1-6, VI.4, VI.5, VI.6, VI.7, VI.8.1-3, VI.9, VI.10,
  VI.11, VI.12, VI.13.1-2). Section IV has 10 children (IV.1-IV.10), section VI 13 (VI.1-VI.13).
- Every task has weight 1 unless a test changes it.
- IV.10.1-5 name no lead (unassigned). VI.9, VI.12, VI.13.1 and VI.13.2 are led by unit groups with
  no members yet, so no real unit answers for them either. That leaves 36 leaves with a primary
  lead; all are continuous except VI.3.2 (2026-01-01 to 2026-12-31).
- The plan runs 2026-01-01..2030-12-31: 1826 days (2028 is a leap year). A continuous task's
  expected progress on day D is (D - 2026-01-01 + 1) / 1826, in percent to 0.1.
- six_month 2026: unit deadline 2026-06-05; annual 2026: unit deadline 2026-11-10.
"""
from __future__ import annotations

import html as htmllib
import re
from datetime import date, datetime
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import event, func, select

from tests import helpers
from tracker.accounts.models import User
from tracker.alerts.models import Alert
from tracker.alerts.services import scan as alert_scan
from tracker.audit.services import Actor
from tracker.dashboard import queries
from tracker.discussion import services as discussion
from tracker.extensions import db
from tracker.plan.models import Assignment, Task
from tracker.progress.services import UpdateInput, post_update
from tracker.reports import services as reports
from tracker.units.models import Unit


signed_in = partial(helpers.signed_in, language="en")
page = helpers.page
plain = helpers.plain


D = Decimal

# The 45 leaves in plan order.
LEAVES_IV = ["IV.1", "IV.2", "IV.3", "IV.4.1", "IV.4.2", "IV.4.3", "IV.4.4", "IV.4.5", "IV.5", "IV.6", "IV.7",
             "IV.8", "IV.9", "IV.10.1", "IV.10.2", "IV.10.3", "IV.10.4", "IV.10.5"]
LEAVES_VI = ["VI.1.1", "VI.1.2", "VI.1.3", "VI.1.4", "VI.1.5", "VI.1.6", "VI.2.1", "VI.2.2", "VI.3.1", "VI.3.2",
             "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6", "VI.4", "VI.5", "VI.6", "VI.7", "VI.8.1", "VI.8.2", "VI.8.3",
             "VI.9", "VI.10", "VI.11", "VI.12", "VI.13.1", "VI.13.2"]
LEAVES = LEAVES_IV + LEAVES_VI
UNASSIGNED = ["IV.10.1", "IV.10.2", "IV.10.3", "IV.10.4", "IV.10.5"]
NO_REAL_LEAD = UNASSIGNED + ["VI.9", "VI.12", "VI.13.1", "VI.13.2"]


# --- helpers ----------------------------------------------------------------------------------


def at(day: str, clock: str = "09:00") -> datetime:
    """A moment in the ward (UTC+7)."""
    return datetime.fromisoformat(f"{day}T{clock}:00+07:00")


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def progress(user, task, unit_code: str, percent: int, state: str, when: datetime, role: str = "lead",
             difficulties: str | None = None, proposals: str | None = None, results: str | None = None):
    update, _files = post_update(
        Actor.for_user(user), task, unit(unit_code).id, role,
        UpdateInput(percent, state, results or f"Kết quả {percent}%", difficulties, proposals), files=[], now=when,
    )
    return update


def send_report(user, period, task, unit_code: str, when: datetime):
    report = reports.get_or_start(period, task, unit(unit_code).id, when)
    reports.submit(Actor.for_user(user), report, reports.ReportInput(results="Kết quả của kỳ"), when)
    return report


def by_code(snapshot) -> dict:
    return {v.task.code: v for v in snapshot.leaves}


def freeze(app, moment: str) -> None:
    app.config["FROZEN_NOW"] = moment


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by the heading with this id."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


def tiles(html: str) -> dict[str, tuple[int, str]]:
    """The dashboard's number tiles: label -> (number, link)."""
    found = re.findall(r'<a class="stat-tile" href="([^"]+)"><div class="stat-number">(\d+)</div><div class="small">([^<]+)</div></a>', html)
    return {label: (int(number), htmllib.unescape(href)) for href, number, label in found}


def listed_tasks(html: str) -> list[str]:
    """The task codes of the dashboard's task list, in order, with the count in its heading."""
    heading = re.search(r'<span class="badge text-bg-secondary">(\d+)</span></h1>', html)
    items = html.split('<ul class="list-group">', 1)[1].split("</ul>", 1)[0]
    codes = re.findall(r'<span class="task-code">([^<]+)</span>', items)
    assert heading and int(heading.group(1)) == len(codes)
    return codes


# --- the prepared data ------------------------------------------------------------------------


@pytest.fixture
def spring(app, plan, user_of, task_of):
    """Updates posted in January and February 2026, nothing reported yet.

    IV.4.1 has weight 2 (its siblings 1), to show that the roll-up normalises the weights."""
    vhxh, yte, xd = user_of("officer"), user_of("officer_yte"), user_of("secretariat")
    task_of("IV.4.1").weight = D(2)
    progress(yte, task_of("IV.4.3"), "tram-y-te", 20, "working", at("2026-01-15"))
    progress(xd, task_of("IV.4.4"), "phong-xd-nn-mt", 10, "working", at("2026-01-16"))
    progress(vhxh, task_of("IV.4.1"), "phong-vh-xh", 40, "working", at("2026-02-10"))
    progress(vhxh, task_of("IV.4.2"), "phong-vh-xh", 100, "done", at("2026-02-20"))
    progress(yte, task_of("VI.6"), "tram-y-te", 30, "blocked", at("2026-02-25"),
             difficulties="Thiếu kinh phí mua thẻ BHYT cho 12 người", proposals="Đề nghị Ban Chỉ đạo bổ sung kinh phí")
    # A partner's contribution: Phòng VH-XH is a partner on IV.4.3, led by Trạm Y tế.
    progress(vhxh, task_of("IV.4.3"), "phong-vh-xh", 90, "working", at("2026-02-26"), role="partner")
    db.session.commit()


# --- 1. before any deadline -------------------------------------------------------------------


def test_status_flags_and_roll_up_on_the_first_of_march(spring, plan):
    snapshot = queries.plan_snapshot(plan, date(2026, 3, 1))
    tasks = by_code(snapshot)
    # 2026-03-01 is day 60 of the plan: 60 / 1826 = 3.29% -> 3.3. For VI.3.2 (365 days): 60 / 365 = 16.4.
    expected = {code: D("3.3") for code in LEAVES}
    expected["VI.3.2"] = D("16.4")
    assert {code: v.expected for code, v in tasks.items()} == expected

    iv41, iv42, iv43, iv44, vi6 = (tasks[c] for c in ("IV.4.1", "IV.4.2", "IV.4.3", "IV.4.4", "VI.6"))
    # IV.4.1: 40% working -> on time; gap 40 - 3.3 = 36.7 -> green; updated 19 days ago -> not stale.
    assert (iv41.standing.status, iv41.percent, iv41.standing.gap, iv41.standing.rating) == ("in_progress_on_time", D(40), D("36.7"), "green")
    assert not iv41.standing.stale and not iv41.standing.blocked
    assert iv41.standing.last_update_on == date(2026, 2, 10)
    # IV.4.2: done before any due date -> done on time, counts 100, green.
    assert (iv42.standing.status, iv42.percent, iv42.standing.rating) == ("done_on_time", D(100), "green")
    # IV.4.3 follows its primary lead (Trạm Y tế, 20% on 15/01), not the partner's later 90%;
    # 15/01 -> 01/03 is 45 days, so it is stale.
    assert (iv43.standing.status, iv43.percent, iv43.standing.last_update_on) == ("in_progress_on_time", D(20), date(2026, 1, 15))
    assert iv43.standing.stale
    # IV.4.4: updated 16/01, 44 days ago -> not stale yet.
    assert (iv44.standing.status, iv44.percent, iv44.standing.stale) == ("in_progress_on_time", D(10), False)
    # VI.6: blocked at 30%: still in progress on time, flagged blocked, gap 26.7 green.
    assert (vi6.standing.status, vi6.percent, vi6.standing.blocked, vi6.standing.rating) == ("in_progress_on_time", D(30), True, "green")
    # VI.3.2 (dated, nothing reported): 0 - 16.4 = -16.4 -> amber.
    assert (tasks["VI.3.2"].standing.status, tasks["VI.3.2"].standing.gap, tasks["VI.3.2"].standing.rating) == ("not_started", D("-16.4"), "amber")
    # An untouched continuous task: not started, 0%, 0 - 3.3 -> green, stale (59 days since 01/01).
    assert (tasks["IV.1"].standing.status, tasks["IV.1"].percent, tasks["IV.1"].standing.rating, tasks["IV.1"].standing.stale) == ("not_started", D(0), "green", True)

    # Roll-up. IV.4 = (40*2 + 100 + 20 + 10 + 0) / 6 = 210 / 6 = 35.0 (IV.4.2 done counts 100).
    views = snapshot.views
    iv4 = next(v for v in views.values() if v.task.code == "IV.4")
    iv10 = next(v for v in views.values() if v.task.code == "IV.10")
    assert iv4.percent == D("35.0")
    # IV.10's five unassigned tasks count 0.
    assert iv10.percent == D(0)
    # Section IV: (0+0+0+35+0+0+0+0+0+0) / 10 = 3.5. Section VI: VI.6 30 / 13 children = 2.3.
    sections = {s.task.code: s for s in snapshot.sections}
    assert sections["IV"].percent == D("3.5")
    assert sections["VI"].percent == D("2.3")
    # Whole plan: (3.5 + 2.3) / 2 = 2.9.
    assert snapshot.percent == D("2.9")
    # Expected: IV is 3.3 everywhere; VI.3 = (5*3.3 + 16.4) / 6 = 5.5, VI = (12*3.3 + 5.5) / 13 = 3.5;
    # the plan (3.3 + 3.5) / 2 = 3.4.
    assert sections["IV"].expected == D("3.3")
    assert next(v for v in views.values() if v.task.code == "VI.3").expected == D("5.5")
    assert sections["VI"].expected == D("3.5")
    assert snapshot.expected == D("3.4")

    leaves = snapshot.leaves
    assert len(leaves) == 45
    # Statuses of the 45 leaves: on time IV.4.1, IV.4.3, IV.4.4, VI.6; done IV.4.2; the other 40 not started.
    assert queries.status_counts(leaves) == {
        "not_started": 40, "in_progress_on_time": 4, "in_progress_overdue": 0, "done_on_time": 1, "done_late": 0,
    }
    # Flags: blocked VI.6; stale = the 40 untouched + IV.4.3 = 41; unassigned: IV.10.1-5 (no lead) and
    # VI.9, VI.12, VI.13.1, VI.13.2 (led by groups with no members yet: nobody answers); amber VI.3.2 only.
    assert queries.flag_counts(leaves) == {
        "blocked": 1, "stale": 41, "unassigned": 9, "green": 44, "amber": 1, "red": 0,
    }
    assert queries.overdue_worst_first(leaves) == []


def test_the_partner_update_never_moves_the_task_status(spring, plan, user_of, task_of):
    """Even a partner saying "done" leaves IV.4.3 where its lead (Trạm Y tế) put it."""
    progress(user_of("officer"), task_of("IV.4.3"), "phong-vh-xh", 100, "done", at("2026-02-27"), role="partner")
    db.session.commit()
    iv43 = by_code(queries.plan_snapshot(plan, date(2026, 3, 1)))["IV.4.3"]
    assert (iv43.standing.status, iv43.percent) == ("in_progress_on_time", D(20))


def test_stale_starts_45_days_after_the_last_update(spring, plan):
    # 2026-02-14 is 44 days after 2026-01-01: nothing is stale yet.
    assert queries.flag_counts(queries.plan_snapshot(plan, date(2026, 2, 14)).leaves)["stale"] == 0
    # 2026-02-15 is 45 days after: every task not updated since 01/01 is stale. Updated by then:
    # IV.4.3 (15/01, 31 days), IV.4.4 (16/01), IV.4.1 (10/02) -> 45 - 3 = 42 stale.
    snapshot = queries.plan_snapshot(plan, date(2026, 2, 15))
    stale = [v.task.code for v in queries.filter_views(snapshot, flag="stale")]
    assert len(stale) == 42
    assert {"IV.4.1", "IV.4.3", "IV.4.4"}.isdisjoint(stale)
    assert "IV.4.2" in stale and "VI.6" in stale  # their updates come later (20/02, 25/02)
    # As it stood on 15/02, IV.4.2 had no update: its later "done" does not count yet.
    assert by_code(snapshot)["IV.4.2"].standing.status == "not_started"


# --- 2. after the six-month deadline ----------------------------------------------------------


# The 36 leaves with a primary lead minus VI.3.2 (dated) are the 35 continuous tasks a unit answers for.
CONTINUOUS_LED = [c for c in LEAVES if c not in NO_REAL_LEAD and c != "VI.3.2"]


def test_overdue_after_the_six_month_deadline(spring, plan, user_of, task_of, period_of):
    six = period_of("six_month", 2026)
    send_report(user_of("officer"), six, task_of("IV.4.1"), "phong-vh-xh", at("2026-06-03"))  # on time
    send_report(user_of("officer_yte"), six, task_of("VI.6"), "tram-y-te", at("2026-06-12"))  # late
    db.session.commit()
    assert len(CONTINUOUS_LED) == 35

    # On the deadline itself nothing is overdue yet.
    assert queries.overdue_worst_first(queries.plan_snapshot(plan, date(2026, 6, 5)).leaves) == []

    # 2026-06-08: every continuous led task without a report is 3 days overdue, VI.6 included
    # (its report only comes on 12/06); IV.4.2 is done, IV.4.1 reported.
    on_8th = queries.overdue_worst_first(queries.plan_snapshot(plan, date(2026, 6, 8)).leaves)
    assert "VI.6" in [v.task.code for v in on_8th]
    assert {v.standing.days_overdue for v in on_8th} == {3}

    snapshot = queries.plan_snapshot(plan, date(2026, 6, 20))
    tasks = by_code(snapshot)
    overdue = queries.overdue_worst_first(snapshot.leaves)
    # 35 - IV.4.2 (done) - IV.4.1 (sent on time) - VI.6 (sent late, but sent) = 32 tasks,
    # each 2026-06-20 - 2026-06-05 = 15 days overdue.
    expected_codes = [c for c in CONTINUOUS_LED if c not in ("IV.4.1", "IV.4.2", "VI.6")]
    assert sorted(v.task.code for v in overdue) == sorted(expected_codes)
    assert len(overdue) == 32
    assert {v.standing.days_overdue for v in overdue} == {15}
    assert tasks["IV.4.4"].standing.status == "in_progress_overdue"  # 10% posted, no report
    assert tasks["IV.4.4"].standing.rating == "red"
    for code in ("IV.4.1", "VI.6"):
        assert tasks[code].standing.status == "in_progress_on_time", code
    assert tasks["IV.4.2"].standing.status == "done_on_time"
    # The dated VI.3.2 is judged by its due date (31/12), not by reports.
    assert tasks["VI.3.2"].standing.status == "not_started"
    # Unassigned tasks owe nobody's report, so they cannot be overdue.
    assert all(tasks[c].standing.status == "not_started" for c in NO_REAL_LEAD)
    # Expected on 20/06: day 171 -> 171 / 1826 = 9.4; VI.3.2: 171 / 365 = 46.8.
    assert tasks["IV.4.1"].expected == D("9.4") and tasks["VI.3.2"].expected == D("46.8")


def test_overdue_is_listed_worst_first(spring, plan, user_of, task_of, period_of):
    six, annual = period_of("six_month", 2026), period_of("annual", 2026)
    vhxh = user_of("officer")
    for code in ("IV.4.1", "IV.8"):
        send_report(vhxh, six, task_of(code), "phong-vh-xh", at("2026-06-04"))
    send_report(vhxh, annual, task_of("IV.4.1"), "phong-vh-xh", at("2026-11-05"))
    db.session.commit()
    overdue = queries.overdue_worst_first(queries.plan_snapshot(plan, date(2026, 11, 26)).leaves)
    days = {v.task.code: v.standing.days_overdue for v in overdue}
    # Missing the six-month report: overdue since 05/06 -> 25 + 31 + 31 + 30 + 31 + 26 = 174 days.
    # IV.8 sent that one but not the annual report: overdue since 10/11 -> 16 days, so it comes last.
    assert [v.task.code for v in overdue][-1] == "IV.8"
    assert days["IV.8"] == 16
    assert days["VI.3.1"] == 174 and days["IV.1"] == 174
    assert "IV.4.1" not in days and "IV.4.2" not in days  # both reports sent / done
    assert len(overdue) == 35 - 2  # IV.4.1 reported both times, IV.4.2 done
    assert [v.standing.days_overdue for v in overdue] == sorted(days.values(), reverse=True)


def test_tasks_equally_overdue_are_listed_in_plan_order(spring, plan, user_of, task_of, period_of):
    send_report(user_of("officer"), period_of("six_month", 2026), task_of("IV.4.1"), "phong-vh-xh", at("2026-06-03"))
    db.session.commit()
    overdue = queries.overdue_worst_first(queries.plan_snapshot(plan, date(2026, 6, 20)).leaves)
    # All 33 are 15 days overdue; the chair reads them in the plan's order.
    assert [v.task.code for v in overdue] == [c for c in CONTINUOUS_LED if c not in ("IV.4.1", "IV.4.2")]


def test_a_dated_task_is_overdue_only_after_its_due_date_and_done_late_after_it(spring, plan, user_of, task_of):
    task = task_of("VI.3.2")
    progress(user_of("officer"), task, "phong-vh-xh", 70, "working", at("2026-12-20"))
    db.session.commit()
    on_due_day = by_code(queries.plan_snapshot(plan, date(2026, 12, 31)))["VI.3.2"]
    assert (on_due_day.standing.status, on_due_day.expected) == ("in_progress_on_time", D("100.0"))
    # 70 - 100 = -30 -> red even before it is late.
    assert on_due_day.standing.rating == "red"

    day_after = by_code(queries.plan_snapshot(plan, date(2027, 1, 5)))["VI.3.2"]
    assert (day_after.standing.status, day_after.standing.days_overdue) == ("in_progress_overdue", 5)
    assert day_after.standing.rating == "red"

    progress(user_of("officer"), task, "phong-vh-xh", 100, "done", at("2027-01-10"))
    db.session.commit()
    done = by_code(queries.plan_snapshot(plan, date(2027, 1, 20)))["VI.3.2"]
    # Done 10 days after the due date: done late, no longer overdue, counts 100.
    assert (done.standing.status, done.standing.days_overdue, done.percent) == ("done_late", 10, D(100))
    assert not done.standing.stale


def test_a_task_done_by_its_due_date_is_done_on_time(spring, plan, user_of, task_of):
    progress(user_of("officer"), task_of("VI.3.2"), "phong-vh-xh", 100, "done", at("2026-12-31", "23:00"))
    db.session.commit()
    done = by_code(queries.plan_snapshot(plan, date(2027, 1, 5)))["VI.3.2"]
    assert (done.standing.status, done.standing.days_overdue) == ("done_on_time", 0)


# --- 3. the dashboard pages -------------------------------------------------------------------


@pytest.fixture
def june(spring, app, plan, user_of, task_of, period_of):
    """The spring updates, then the six-month reports of four tasks and a later update of IV.4.1;
    the pages are read on 2026-06-20.

    On 20/06 (hand count over the 45 leaves):
    - done on time: IV.4.2
    - in progress on time: IV.4.1 (55%, reported), IV.4.3 (20%, reported), VI.6 (30%, blocked, reported late)
    - not started: IV.8 (reported, but no progress posted), VI.3.2 (dated), the 9 tasks no unit leads -> 11
    - overdue: the other 30 continuous led tasks (no six-month report), 15 days each
    Flags: blocked 1; stale 43 (all but IV.4.1 updated 10/06 and IV.4.2 done); unassigned 9 (IV.10.1-5, and
    VI.9, VI.12, VI.13.1, VI.13.2 whose lead groups have no members);
    red = 30 overdue + VI.3.2 (0 - 46.8) = 31; green 14; amber 0.
    """
    six = period_of("six_month", 2026)
    vhxh, yte = user_of("officer"), user_of("officer_yte")
    send_report(vhxh, six, task_of("IV.4.1"), "phong-vh-xh", at("2026-06-03"))
    send_report(yte, six, task_of("IV.4.3"), "tram-y-te", at("2026-06-04"))
    send_report(vhxh, six, task_of("IV.8"), "phong-vh-xh", at("2026-06-05", "22:00"))  # the last evening: on time
    send_report(yte, six, task_of("VI.6"), "tram-y-te", at("2026-06-12"))  # late
    progress(vhxh, task_of("IV.4.1"), "phong-vh-xh", 55, "working", at("2026-06-10"), results="Giới thiệu việc làm cho 18 lao động")
    db.session.commit()
    freeze(app, "2026-06-20T09:00:00+07:00")


JUNE_OVERDUE = [c for c in CONTINUOUS_LED if c not in ("IV.4.1", "IV.4.2", "IV.4.3", "IV.8", "VI.6")]
JUNE_STATUS = {"Not started yet": 11, "In progress, on time": 3, "In progress, overdue": 30, "Done on time": 1, "Done late": 0}
JUNE_FLAGS = {"Blocked": 1, "No recent update": 43, "Not assigned": 9, "On schedule": 14, "Behind schedule": 0, "Seriously behind": 31}


def test_dashboard_numbers_and_the_tasks_behind_each(june, app, plan):
    client = signed_in(app, "committee")
    html = page(client, f"/plans/{plan.id}/dashboard/")
    numbers = tiles(html)
    assert {label: n for label, (n, _href) in numbers.items()} == {**JUNE_STATUS, **JUNE_FLAGS}
    assert len(JUNE_OVERDUE) == 30
    # Each number opens the list of exactly its tasks.
    for label, (number, href) in numbers.items():
        assert href.startswith(f"/plans/{plan.id}/dashboard/tasks?"), href
        codes = listed_tasks(page(client, href))
        assert len(codes) == number, label
    overdue_href = numbers["In progress, overdue"][1]
    assert "status=in_progress_overdue" in overdue_href
    assert listed_tasks(page(client, overdue_href)) == JUNE_OVERDUE
    assert listed_tasks(page(client, numbers["Done on time"][1])) == ["IV.4.2"]
    assert listed_tasks(page(client, numbers["In progress, on time"][1])) == ["IV.4.1", "IV.4.3", "VI.6"]
    assert listed_tasks(page(client, numbers["Blocked"][1])) == ["VI.6"]
    assert listed_tasks(page(client, numbers["Not assigned"][1])) == NO_REAL_LEAD
    assert listed_tasks(page(client, numbers["Seriously behind"][1])) == [c for c in LEAVES if c in JUNE_OVERDUE or c == "VI.3.2"]
    assert listed_tasks(page(client, numbers["Behind schedule"][1])) == []
    assert set(listed_tasks(page(client, numbers["No recent update"][1]))) == set(LEAVES) - {"IV.4.1", "IV.4.2"}

    # The overdue list: 30 rows of 15 days, each naming the unit that answers for it.
    overdue = section(html, "overdue-heading")
    assert '<span class="badge text-bg-danger">30</span>' in overdue
    assert sorted(re.findall(r'<span class="task-code">([^<]+)</span>', overdue)) == sorted(JUNE_OVERDUE)
    assert re.findall(r'<td class="text-end fw-semibold">(\d+)</td>', overdue) == ["15"] * 30
    row = overdue.split('<span class="task-code">IV.4.4</span>')[1].split("</tr>")[0]
    assert "Phòng Xây dựng, Nông nghiệp và Môi trường" in row
    assert "16/01/2026" in row  # IV.4.4's last update
    # Progress bars (reported / expected), whole plan first, then sections IV and VI.
    # Reported: IV.4 = (55*2 + 100 + 20 + 10 + 0) / 6 = 40.0 -> IV = 40 / 10 = 4.0; VI = 30 / 13 = 2.3;
    # plan = (4.0 + 2.3) / 2 = 3.15 -> 3.2.
    # Expected on 20/06 (day 171): 171 / 1826 = 9.36 -> 9.4 everywhere but VI.3.2 (171 / 365 = 46.8);
    # VI.3 = (5*9.36 + 46.85) / 6 = 15.6; VI = (12*9.36 + 15.6) / 13 = 9.85 -> 9.9;
    # plan = (9.36 + 9.85) / 2 = 9.6.
    bars = re.findall(r"<strong>([\d.]+)%</strong> / ([\d.]+)%", section(html, "progress-heading"))
    assert bars == [("3.2", "9.6"), ("4", "9.4"), ("2.3", "9.9")]


def test_dashboard_filters_by_section_unit_status_and_flag(june, app, plan):
    client = signed_in(app, "committee")
    # Section IV: 18 leaves. Done IV.4.2; on time IV.4.1, IV.4.3; not started IV.8 + IV.10.1-5;
    # overdue IV.1, IV.2, IV.3, IV.4.4, IV.4.5, IV.5, IV.6, IV.7, IV.9.
    section_iv = tiles(page(client, f"/plans/{plan.id}/dashboard/?section=IV"))
    assert {label: n for label, (n, _h) in section_iv.items() if label in JUNE_STATUS} == {
        "Not started yet": 6, "In progress, on time": 2, "In progress, overdue": 9, "Done on time": 1, "Done late": 0,
    }
    href = section_iv["In progress, overdue"][1]
    assert "section=IV" in href and "status=in_progress_overdue" in href
    assert listed_tasks(page(client, href)) == ["IV.1", "IV.2", "IV.3", "IV.4.4", "IV.4.5", "IV.5", "IV.6", "IV.7", "IV.9"]
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=IV")) == LEAVES_IV

    # Phòng VH-XH answers for 9: IV.4.1 (on time), IV.4.2 (done), IV.8 and VI.3.2 (not started),
    # VI.3.1, VI.3.3-VI.3.6 overdue.
    mine = tiles(page(client, f"/plans/{plan.id}/dashboard/?unit=phong-vh-xh"))
    assert {label: n for label, (n, _h) in mine.items() if label in JUNE_STATUS} == {
        "Not started yet": 2, "In progress, on time": 1, "In progress, overdue": 5, "Done on time": 1, "Done late": 0,
    }
    assert listed_tasks(page(client, mine["In progress, overdue"][1])) == ["VI.3.1", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?unit=phong-vh-xh")) == [
        "IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6",
    ]
    # IV.4.3, where Phòng VH-XH is only a partner, is not in its list.
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?unit=tram-y-te")) == ["IV.4.3", "VI.6"]
    # Status and flag together with a section.
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=VI&status=not_started")) == [
        "VI.3.2", "VI.9", "VI.12", "VI.13.1", "VI.13.2",
    ]
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=VI&flag=blocked")) == ["VI.6"]
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=IV&flag=blocked")) == []
    # The dashboard itself narrows by status and flag: with the overdue status chosen, the
    # tiles count only those 9 of section IV, and each tile's link keeps the status.
    overdue_iv = page(client, f"/plans/{plan.id}/dashboard/?section=IV&status=in_progress_overdue")
    overdue_tiles = tiles(overdue_iv)
    assert {label: n for label, (n, _h) in overdue_tiles.items() if label in JUNE_STATUS} == {
        "Not started yet": 0, "In progress, on time": 0, "In progress, overdue": 9, "Done on time": 0, "Done late": 0,
    }
    assert 'value="in_progress_overdue" selected' in overdue_iv
    assert "status=in_progress_overdue" in overdue_tiles["No recent update"][1] and "section=IV" in overdue_tiles["No recent update"][1]
    assert len(re.findall(r'<span class="task-code">', section(overdue_iv, "overdue-heading"))) == 9
    # ...and with the blocked flag, the only blocked task, VI.6 (on time), is what is counted.
    blocked_tiles = tiles(page(client, f"/plans/{plan.id}/dashboard/?flag=blocked"))
    assert {label: n for label, (n, _h) in blocked_tiles.items() if label in JUNE_STATUS and n} == {"In progress, on time": 1}
    assert blocked_tiles["Blocked"][0] == 1 and "flag=blocked" in blocked_tiles["In progress, on time"][1]
    assert client.get(f"/plans/{plan.id}/dashboard/?flag=purple").status_code == 404
    # Unknown filter values are refused, not ignored.
    assert client.get(f"/plans/{plan.id}/dashboard/tasks?status=late").status_code == 404
    assert client.get(f"/plans/{plan.id}/dashboard/tasks?flag=purple").status_code == 404
    assert client.get(f"/plans/{plan.id}/dashboard/tasks?unit=no-such-unit").status_code == 404


def test_the_blocked_list_follows_the_dashboard_filter(june, app, plan):
    client = signed_in(app, "committee")
    html = page(client, f"/plans/{plan.id}/dashboard/?section=IV")
    assert tiles(html)["Blocked"][0] == 0
    blocked = section(html, "blocked-heading")
    assert "VI.6" not in blocked and "No task is blocked." in blocked


def test_blocked_task_waits_for_the_committee_until_a_comment_after_the_block(june, app, plan, user_of, task_of):
    # A comment written before the blocking update (20/02 < 25/02) does not answer it.
    discussion.add_comment(Actor.for_user(user_of("committee")), task_of("VI.6"), "Nhắc Trạm Y tế cập nhật", at("2026-02-20"))
    db.session.commit()
    client = signed_in(app, "committee")
    blocked = section(page(client, f"/plans/{plan.id}/dashboard/"), "blocked-heading")
    assert '<span class="badge text-bg-danger">1</span>' in blocked
    text = plain(blocked)
    assert "VI.6" in text and "Trạm Y tế phường" in text
    assert "Difficulties: Thiếu kinh phí mua thẻ BHYT cho 12 người" in text
    assert "Proposals: Đề nghị Ban Chỉ đạo bổ sung kinh phí" in text
    assert "Waiting for the committee" in text and "Committee has answered" not in text

    response = client.post(f"/plans/{plan.id}/tasks/VI.6/comments", data={"body": "Ban Chỉ đạo sẽ bố trí kinh phí trong quý III."})
    assert response.status_code == 302
    text = plain(section(page(client, f"/plans/{plan.id}/dashboard/"), "blocked-heading"))
    assert "Committee has answered" in text and "Waiting for the committee" not in text


def test_latest_updates_feed_lists_the_newest_first(june, app, plan):
    client = signed_in(app, "committee")
    feed = section(page(client, f"/plans/{plan.id}/dashboard/"), "feed-heading")
    codes = re.findall(r'<span class="task-code">([^<]+)</span>', feed)
    # 10/06 IV.4.1, 26/02 IV.4.3 (partner), 25/02 VI.6, 20/02 IV.4.2, 10/02 IV.4.1, 16/01 IV.4.4, 15/01 IV.4.3.
    assert codes == ["IV.4.1", "IV.4.3", "VI.6", "IV.4.2", "IV.4.1", "IV.4.4", "IV.4.3"]
    text = plain(feed)
    assert text.index("55%") < text.index("90%") < text.index("30%") < text.index("100%") < text.index("40%")
    assert "Giới thiệu việc làm cho 18 lao động" in text


def reporting_rows(html: str) -> dict[str, tuple[int, ...]]:
    """Unit -> (expected, sent, on time, late, missing or not yet due) from the reporting table."""
    table = section(html, "reporting-heading")
    rows = re.findall(r'<tr>\s*<td><a href="[^"]*">([^<]+)</a></td>(.*?)</tr>', table, re.S)
    return {name: tuple(int(plain(cell)) for cell in re.findall(r'<td class="num[^"]*">(.*?)</td>', cells, re.S)) for name, cells in rows}


def test_reporting_status_of_the_six_month_period(june, app, plan, period_of):
    client = signed_in(app, "committee")
    html = page(client, f"/plans/{plan.id}/dashboard/")
    assert "6-month report 2026" in plain(section(html, "reporting-heading"))
    rows = reporting_rows(html)
    # (expected, sent, on time, late, missing). The 36 reports owed, by primary lead:
    # Đảng ủy IV.1; UBND IV.3, IV.6; MTTQ IV.2, IV.5, VI.8.1-3; Phòng XD-NN-MT IV.4.4, IV.7, IV.9,
    # VI.1.1-6; Phòng Kinh tế VI.2.1-2; Phòng VH-XH IV.4.1, IV.4.2, IV.8, VI.3.1-6; Văn phòng IV.4.5,
    # VI.4; Trung tâm DVTH VI.5; Trạm Y tế IV.4.3, VI.6; NHCSXH VI.7; BHXH VI.10; Công an VI.11.
    assert rows == {
        "Đảng ủy phường": (1, 0, 0, 0, 1),
        "UBND phường": (2, 0, 0, 0, 2),
        "Ủy ban MTTQ Việt Nam phường": (5, 0, 0, 0, 5),
        "Phòng Xây dựng, Nông nghiệp và Môi trường": (9, 0, 0, 0, 9),
        "Phòng Kinh tế": (2, 0, 0, 0, 2),
        "Phòng Văn hóa – Xã hội": (9, 2, 2, 0, 7),
        "Văn phòng HĐND-UBND phường": (2, 0, 0, 0, 2),
        "Trung tâm Dịch vụ tổng hợp phường": (1, 0, 0, 0, 1),
        "Trạm Y tế phường": (2, 2, 1, 1, 0),
        "Phòng Giao dịch Ngân hàng Chính sách xã hội Bắc Kạn": (1, 0, 0, 0, 1),
        "Bảo hiểm xã hội cơ sở Bắc Kạn": (1, 0, 0, 0, 1),
        "Công an phường": (1, 0, 0, 0, 1),
    }
    assert sum(r[0] for r in rows.values()) == 36
    assert "<th scope=\"col\" class=\"num\">Missing</th>" in section(html, "reporting-heading")
    # The period can also be chosen: the annual 2026 period has nothing sent yet, and in June
    # nothing of it is missing: its reports are not due before 10/11.
    annual = period_of("annual", 2026)
    annual_html = page(client, f"/plans/{plan.id}/dashboard/?period={annual.id}")
    annual_rows = reporting_rows(annual_html)
    assert annual_rows["Phòng Văn hóa – Xã hội"] == (9, 0, 0, 0, 9)
    assert annual_rows["Trạm Y tế phường"] == (2, 0, 0, 0, 2)
    table = section(annual_html, "reporting-heading")
    assert "Not yet sent (not due)" in table and ">Missing<" not in table and "text-danger" not in table


@pytest.mark.parametrize("moment, due", [("2026-06-05T23:59:00+07:00", False), ("2026-06-06T00:01:00+07:00", True)])
def test_reports_are_missing_from_the_day_after_the_unit_deadline_on_every_page(app, plan, moment, due):
    """The dashboard, the league table and the alert scan draw the line on the same day."""
    freeze(app, moment)
    client = signed_in(app, "chair")
    table = section(page(client, f"/plans/{plan.id}/dashboard/"), "reporting-heading")
    assert ("Reporting status: 6-month report 2026" in plain(table)) and ((">Missing<" in table) is due)
    assert (reporting_rows(page(client, f"/plans/{plan.id}/dashboard/"))["Phòng Văn hóa – Xã hội"][4] == 9)
    # Plan to date: the period counts in the reporting rate only once its reports are due.
    league = page(client, f"/plans/{plan.id}/accountability/")
    row = plain(re.search(r'<th scope="row"><a[^>]*>Phòng Văn hóa – Xã hội</a></th>.*?</tr>', league, re.S).group(0))
    # reporting rate and on-time rate, side by side: 0 of 9 once due, nothing owed before
    assert row.count("0% (0/9)") == (2 if due else 0) and row.count("— (0/0)") == (1 if due else 3)
    result = alert_scan(plan, date.fromisoformat(moment[:10]), datetime.fromisoformat(moment))
    assert any(a.kind == "report_missing" for a in result.created) is due


# --- 4. the SQL a page runs does not grow with the data ---------------------------------------


def person(plan, username: str, unit_obj: Unit | None):
    """An account that only writes in these tests (it never signs in)."""
    user = User(username=username, full_name=username.replace(".", " ").title(), ward_id=plan.ward_id,
                unit_id=unit_obj.id if unit_obj is not None else None, password_hash="!")
    db.session.add(user)
    db.session.flush()
    return user


def small_data(plan, user_of, task_of, period_of):
    """One of everything the pages show, so that both sizes take the same branches."""
    vhxh, yte, committee, chair = user_of("officer"), user_of("officer_yte"), user_of("committee"), user_of("chair")
    six, annual = period_of("six_month", 2026), period_of("annual", 2026)
    # The ward records its first residential group as a member of "các tổ dân phố".
    first = Unit(ward_id=plan.ward_id, code="to-dan-pho-01", name="Tổ dân phố 01", aliases=[], sort_order=101)
    unit("cac-to-dan-pho").members = [first]
    progress(vhxh, task_of("IV.4.1"), "phong-vh-xh", 40, "working", at("2026-02-10"))
    progress(yte, task_of("VI.6"), "tram-y-te", 30, "blocked", at("2026-02-25"), difficulties="Thiếu kinh phí")
    progress(vhxh, task_of("IV.4.3"), "phong-vh-xh", 50, "working", at("2026-03-02"), role="partner")
    send_report(vhxh, six, task_of("IV.4.1"), "phong-vh-xh", at("2026-06-03"))
    send_report(vhxh, annual, task_of("IV.8"), "phong-vh-xh", at("2026-11-12"))
    discussion.add_comment(Actor.for_user(committee), task_of("IV.4.1"), "Đề nghị bổ sung số liệu", at("2026-03-01"))
    discussion.ask_question(Actor.for_user(committee), plan, unit("phong-vh-xh"), "Bao nhiêu lao động đã được giới thiệu việc làm?",
                            at("2026-03-01"), task=task_of("IV.4.1"))
    answered = discussion.ask_question(Actor.for_user(committee), plan, unit("phong-vh-xh"), "Đã họp với doanh nghiệp chưa?",
                                       at("2026-03-02"), task=task_of("IV.4.1"))
    discussion.answer_question(Actor.for_user(vhxh), answered, "Đã họp ngày 05/03.", at("2026-03-06"))
    discussion.issue_directive(Actor.for_user(chair), plan, unit("phong-vh-xh"), "Hoàn thành rà soát lao động", date(2026, 4, 30),
                               at("2026-03-01"), task=task_of("IV.4.1"))
    done = discussion.issue_directive(Actor.for_user(chair), plan, unit("phong-vh-xh"), "Gửi danh sách hộ nghèo", date(2026, 4, 15),
                                      at("2026-03-01"), task=task_of("IV.4.1"))
    discussion.reply_to_directive(Actor.for_user(vhxh), done, "Đã gửi.", True, at("2026-04-10"))
    db.session.commit()


def large_data(plan, user_of, task_of, period_of):
    """40 more units (the ward's residential groups) each with its own officer, 60 more tasks in
    section IV, 10 more committee members and 2 deputy chairs, hundreds of updates, about a hundred
    reports, and many comments, questions and directives, written by many different people (so
    that a page loading each author one by one would show)."""
    six, annual = period_of("six_month", 2026), period_of("annual", 2026)
    section_iv = task_of("IV")
    groups = unit("cac-to-dan-pho")
    vhxh_unit = unit("phong-vh-xh")
    new_units = [unit("to-dan-pho-01")] + [
        Unit(ward_id=plan.ward_id, code=f"to-dan-pho-{i:02d}", name=f"Tổ dân phố {i:02d}", aliases=[], sort_order=100 + i)
        for i in range(2, 42)
    ]  # 40 more units
    db.session.add_all(new_units)
    db.session.flush()
    groups.members = list(new_units[:20])  # 20 of them are members of "các tổ dân phố" (a partner on most of IV)
    officers = {u.id: person(plan, f"canbo.{u.code}", u) for u in new_units}
    vhxh_officers = [user_of("officer")] + [person(plan, f"canbo.vhxh{k}", vhxh_unit) for k in range(1, 6)]
    officers[vhxh_unit.id] = vhxh_officers[0]
    members = [person(plan, f"bancd{k}", unit("phong-kinh-te")) for k in range(10)]
    chairs = [user_of("chair"), person(plan, "phochutich1", unit("ubnd")), person(plan, "phochutich2", unit("ubnd"))]

    new_tasks = []
    for i in range(60):
        task = Task(plan_id=plan.id, parent_id=section_iv.id, code=f"IV.{11 + i}", title=f"Nhiệm vụ bổ sung {i + 1}",
                    sort_order=1000 + i, weight=D(1))
        if i % 3 == 0:
            task.start_on, task.due_on = date(2026, 1, 1), date(2026, 9, 30)
        lead = vhxh_unit if i % 10 == 0 else new_units[i % 40]
        partner = new_units[(i + 7) % 40]
        task.assignments = [Assignment(unit_id=lead.id, role="lead", is_primary=True, sort_order=0),
                            Assignment(unit_id=partner.id, role="partner", sort_order=1)]
        if lead is not vhxh_unit:
            task.assignments.append(Assignment(unit_id=vhxh_unit.id, role="partner", sort_order=2))
        db.session.add(task)
        new_tasks.append((task, lead, partner))
    db.session.flush()
    for n, (task, lead, partner) in enumerate(new_tasks):
        author = officers[lead.id]
        for k in range(4):
            state = "blocked" if (n % 7 == 0 and k == 3) else "working"
            post_update(Actor.for_user(author), task, lead.id, "lead",
                        UpdateInput(10 + 20 * k, state, f"Kết quả {k}", "Khó khăn" if state == "blocked" else None, None),
                        files=[], now=at(f"2026-0{k + 2}-1{n % 9}", "%02d:%02d" % (8 + n % 9, n % 60)))
        helper = vhxh_officers[n % 6] if lead is not vhxh_unit else officers[partner.id]
        post_update(Actor.for_user(helper), task, helper.unit_id, "partner", UpdateInput(30, "working", "Phối hợp"),
                    files=[], now=at("2026-05-20"))
        send_report(author, six, task, lead.code, at("2026-06-02") if n % 2 else at("2026-06-15"))
        if n % 3 == 1:
            send_report(author, annual, task, lead.code, at("2026-11-0%d" % (1 + n % 9)))
        if n % 4 == 0:
            discussion.add_comment(Actor.for_user(members[n % 10]), task, f"Góp ý {n}", at("2026-07-01"))
        if n % 3 == 0:
            question = discussion.ask_question(Actor.for_user(members[n % 10]), plan, lead, f"Câu hỏi {n}", at("2026-07-02"), task=task)
            if n % 2:
                discussion.answer_question(Actor.for_user(author), question, f"Trả lời {n}", at("2026-07-05"))
        if n % 3 == 1:
            directive = discussion.issue_directive(Actor.for_user(chairs[n % 3]), plan, lead, f"Chỉ đạo {n}",
                                                   date(2026, 8, 1 + n % 20), at("2026-07-03"), task=task)
            if n % 2:
                discussion.reply_to_directive(Actor.for_user(author), directive, "Đã thực hiện", True, at("2026-07-20"))
    # Much more on the pages that were counted: IV.4.1, Phòng VH-XH and the whole plan.
    iv41 = task_of("IV.4.1")
    for k in range(40):
        post_update(Actor.for_user(vhxh_officers[k % 6]), iv41, vhxh_unit.id, "lead", UpdateInput(40 + k, "working", f"Tiến độ {k}"),
                    files=[], now=at("2026-07-%02d" % (1 + k % 28), "%02d:00" % (8 + k % 9)))
    owners = {"IV.4.3": ("tram-y-te", user_of("officer_yte")), "VI.6": ("tram-y-te", user_of("officer_yte")),
              "IV.4.4": ("phong-xd-nn-mt", user_of("secretariat"))}
    for k, code in enumerate(["IV.4.2", "IV.8", "VI.3.1", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6", "IV.4.3", "VI.6", "IV.4.4"]):
        unit_code, user = owners.get(code, ("phong-vh-xh", vhxh_officers[k % 6]))
        progress(user, task_of(code), unit_code, 20 + k, "blocked" if k % 4 == 0 else "working", at("2026-08-%02d" % (1 + k)),
                 difficulties="Vướng mắc" if k % 4 == 0 else None)
        send_report(user, six, task_of(code), unit_code, at("2026-06-0%d" % (1 + k % 9)))
    for k in range(20):
        discussion.add_comment(Actor.for_user(members[k % 10]), iv41, f"Nhận xét {k}", at("2026-08-%02d" % (1 + k)))
        question = discussion.ask_question(Actor.for_user(members[(k + 3) % 10]), plan, vhxh_unit, f"Hỏi thêm {k}",
                                           at("2026-08-%02d" % (1 + k)), task=iv41)
        if k % 2:
            discussion.answer_question(Actor.for_user(vhxh_officers[k % 6]), question, f"Đáp {k}", at("2026-08-25"))
    for k in range(15):
        directive = discussion.issue_directive(Actor.for_user(chairs[k % 3]), plan, vhxh_unit, f"Chỉ đạo thêm {k}",
                                               date(2026, 9, 1 + k), at("2026-08-20"), task=iv41 if k % 2 else None)
        if k % 3 == 0:
            discussion.reply_to_directive(Actor.for_user(vhxh_officers[k % 6]), directive, "Xong", True, at("2026-08-30"))
    db.session.commit()


COUNTED_PAGES = [
    ("committee", "/plans/{plan}/dashboard/"),
    ("committee", "/plans/{plan}/dashboard/tasks?status=in_progress_overdue"),
    ("committee", "/plans/{plan}/accountability/"),
    ("committee", "/plans/{plan}/accountability/units/phong-vh-xh"),
    ("committee", "/plans/{plan}/tasks/IV.4.1"),
    ("officer", "/plans/{plan}/tasks/IV.4.1"),
    ("officer", "/plans/{plan}/my-unit"),
    ("officer", "/notifications/"),
    ("chair", "/notifications/"),
    ("chair", "/plans/{plan}/dashboard/"),
]


def count_queries(app, plan) -> dict[tuple[str, str], int]:
    clients = {role: signed_in(app, role) for role in ("committee", "officer", "chair")}
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    counts = {}
    event.listen(engine, "before_cursor_execute", record)
    try:
        for role, path in COUNTED_PAGES:
            url = path.format(plan=plan.id)
            page(clients[role], url)  # warm-up
            statements.clear()
            html = page(clients[role], url)
            counts[(role, path)] = len(statements)
            assert "Internal Server Error" not in html
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return counts


def scan_alerts(plan) -> int:
    """The morning scan of the frozen day: alerts, escalations and everyone's bell fill up."""
    result = alert_scan(plan, date(2026, 11, 26), datetime.fromisoformat("2026-11-26T07:00:00+07:00"))
    db.session.commit()
    return db.session.scalar(select(func.count(Alert.id)))


def test_pages_run_the_same_number_of_queries_whatever_the_data(app, plan, user_of, task_of, period_of):
    freeze(app, "2026-11-26T09:00:00+07:00")
    small_data(plan, user_of, task_of, period_of)
    small_alerts = scan_alerts(plan)
    small = count_queries(app, plan)

    large_data(plan, user_of, task_of, period_of)
    # Alerts of every kind, escalations among them, on the bell and the dashboard.
    assert scan_alerts(plan) > small_alerts
    assert db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == "escalation")) > 10
    # The data really grew, and the pages show it.
    committee = signed_in(app, "committee")
    tasks_html = page(committee, f"/plans/{plan.id}/dashboard/tasks")
    assert len(listed_tasks(tasks_html)) == 45 + 60
    assert page(committee, f"/plans/{plan.id}/tasks/IV.4.1").count('class="card mb-2" id="update-') == 41
    large = count_queries(app, plan)

    assert large == small
    assert all(n > 0 for n in small.values())


# --- 5. who sees the committee pages ----------------------------------------------------------


def test_an_officer_reads_the_dashboard_but_not_the_league_table(june, app, plan):
    officer = signed_in(app, "officer")
    response = officer.get(f"/plans/{plan.id}/dashboard/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert tiles(html)["In progress, overdue"][0] == 30
    # Read-only: no form that writes a comment, a question or a directive, and no link to the league table.
    for action in ("/comments", "/questions", "/directives"):
        assert not re.search(rf'<form[^>]*method="post"[^>]*action="[^"]*{action}"', html), action
    assert f"/plans/{plan.id}/accountability/" not in html
    # The reporting table's unit names lead to the public unit pages instead.
    assert f'href="/plans/{plan.id}/units/phong-vh-xh"' in section(html, "reporting-heading")
    assert officer.get(f"/plans/{plan.id}/accountability/").status_code == 403
    assert officer.get(f"/plans/{plan.id}/accountability/units/phong-vh-xh").status_code == 403


@pytest.mark.parametrize("role", ["committee", "chair", "secretariat"])
def test_committee_chair_and_secretariat_see_the_league_table(june, app, plan, role):
    client = signed_in(app, role)
    html = page(client, f"/plans/{plan.id}/accountability/")
    assert "Accountability by unit" in html
    assert "Phòng Văn hóa – Xã hội" in html
    dashboard = page(client, f"/plans/{plan.id}/dashboard/")
    assert f'href="/plans/{plan.id}/accountability/units/phong-vh-xh#reports"' in section(dashboard, "reporting-heading")
