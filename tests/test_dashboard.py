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
- "Quá hạn" (in_progress_overdue) is only ever past a task's OWN due date: a continuous task is
  never overdue. A unit report not sent by its unit deadline is the separate flag `late_report`
  ("Report N days late (due dd/mm/yyyy)") on each task the report covers.
- A task nobody answers for is `unassigned`, never stale; an accepted report section counts as an
  update for stale (45 days).
- The plan runs 2026-01-01..2030-12-31: 1826 days (2028 is a leap year). A continuous task's
  expected progress on day D is (D - 2026-01-01 + 1) / 1826, in percent to 0.1.
- six_month 2026: unit deadline 2026-06-05; annual 2026: unit deadline 2026-11-10. A unit sends ONE
  report per reporting round, with a section for each task it leads.

Who leads the 36 (primary lead, plan order): Đảng ủy IV.1; UBND IV.3, IV.6; MTTQ IV.2, IV.5,
VI.8.1-3; Phòng XD-NN-MT IV.4.4, IV.7, IV.9, VI.1.1-6; Phòng Kinh tế VI.2.1-2; Phòng VH-XH IV.4.1,
IV.4.2, IV.8, VI.3.1-6; Văn phòng IV.4.5, VI.4; Trung tâm DVTH VI.5; Trạm Y tế IV.4.3, VI.6; NHCSXH
VI.7; BHXH VI.10; Công an VI.11: 12 units owe a report each round.
"""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import event, func, select

from tests import helpers
from tests.helpers import at
from tracker.accounts.models import User
from tracker.alerts.messages import group_by_unit
from tracker.alerts.models import ESCALATION, Alert
from tracker.alerts.queries import escalations_by_unit, open_alerts
from tracker.alerts.services import scan as alert_scan
from tracker.core.actor import Actor
from tracker.dashboard import queries
from tracker.discussion import services as discussion
from tracker.extensions import db
from tracker.plan.models import Assignment, Task
from tracker.progress.services import UpdateInput, post_update
from tracker.reports import services as reports
from tracker.standing.queries import plan_snapshot
from tracker.units.models import Unit

signed_in = partial(helpers.signed_in, language="en")
page = helpers.page
plain = helpers.plain
send_unit_report = helpers.send_unit_report


D = Decimal

# The 45 leaves in plan order.
LEAVES_IV = [
    "IV.1",
    "IV.2",
    "IV.3",
    "IV.4.1",
    "IV.4.2",
    "IV.4.3",
    "IV.4.4",
    "IV.4.5",
    "IV.5",
    "IV.6",
    "IV.7",
    "IV.8",
    "IV.9",
    "IV.10.1",
    "IV.10.2",
    "IV.10.3",
    "IV.10.4",
    "IV.10.5",
]
LEAVES_VI = [
    "VI.1.1",
    "VI.1.2",
    "VI.1.3",
    "VI.1.4",
    "VI.1.5",
    "VI.1.6",
    "VI.2.1",
    "VI.2.2",
    "VI.3.1",
    "VI.3.2",
    "VI.3.3",
    "VI.3.4",
    "VI.3.5",
    "VI.3.6",
    "VI.4",
    "VI.5",
    "VI.6",
    "VI.7",
    "VI.8.1",
    "VI.8.2",
    "VI.8.3",
    "VI.9",
    "VI.10",
    "VI.11",
    "VI.12",
    "VI.13.1",
    "VI.13.2",
]
LEAVES = LEAVES_IV + LEAVES_VI
UNASSIGNED = ["IV.10.1", "IV.10.2", "IV.10.3", "IV.10.4", "IV.10.5"]
NO_REAL_LEAD = UNASSIGNED + ["VI.9", "VI.12", "VI.13.1", "VI.13.2"]
LED = [c for c in LEAVES if c not in NO_REAL_LEAD]  # the 36 a unit answers for
VHXH_TASKS = ["IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
YTE_TASKS = ["IV.4.3", "VI.6"]
XD = "Phòng Xây dựng, Nông nghiệp và Môi trường"
OWING_UNITS = [  # the 12 units that owe a report each round in 2026, in the plan's order
    "Đảng ủy phường",
    "UBND phường",
    "Ủy ban MTTQ Việt Nam phường",
    XD,
    "Phòng Kinh tế",
    "Phòng Văn hóa – Xã hội",
    "Văn phòng HĐND-UBND phường",
    "Trung tâm Dịch vụ tổng hợp phường",
    "Trạm Y tế phường",
    "Phòng Giao dịch Ngân hàng Chính sách xã hội Bắc Kạn",
    "Bảo hiểm xã hội cơ sở Bắc Kạn",
    "Công an phường",
]


# --- helpers ----------------------------------------------------------------------------------


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def progress(
    user,
    task,
    unit_code: str,
    percent: int,
    state: str,
    when: datetime,
    role: str = "lead",
    difficulties: str | None = None,
    proposals: str | None = None,
    results: str | None = None,
):
    update, _files = post_update(
        Actor.for_user(user),
        task,
        unit(unit_code).id,
        role,
        UpdateInput(percent, state, results or f"Kết quả {percent}%", difficulties, proposals),
        files=[],
        now=when,
    )
    return update


def by_code(snapshot) -> dict:
    return {v.task.code: v for v in snapshot.leaves}


def freeze(app, moment: str) -> None:
    app.config["FROZEN_NOW"] = moment


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by the heading with this id."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


def tiles(html: str, heading_id: str = "status-heading") -> dict[str, tuple[int, str]]:
    """The number tiles of a dashboard section: label -> (number, link). "key-heading" is the first
    screen (overdue, units late, blocked, red, stale, unassigned); "status-heading" has a tile per
    status and per flag."""
    found = re.findall(
        r'<a class="stat-tile" href="([^"]+)"><div class="stat-number[^"]*">(\d+)</div><div class="small">([^<]+)</div></a>',
        section(html, heading_id),
    )
    result = {label: (int(number), htmllib.unescape(href)) for href, number, label in found}
    assert len(result) == len(found), "two tiles with the same label"
    return result


def numbers(found: dict[str, tuple[int, str]]) -> dict[str, int]:
    return {label: n for label, (n, _href) in found.items()}


def listed_tasks(html: str) -> list[str]:
    """The task codes of the dashboard's task list, in order, with the count in its heading."""
    heading = re.search(r'<span class="badge text-bg-secondary">(\d+)</span></h1>', html)
    items = html.split('<ul class="list-group">', 1)[1].split("</ul>", 1)[0]
    codes = re.findall(r'<span class="task-code">([^<]+)</span>', items)
    assert heading and int(heading.group(1)) == len(codes)
    return codes


def task_item(html: str, code: str) -> str:
    """The text of one task's item in the dashboard's task list."""
    items = html.split('<ul class="list-group">', 1)[1].split("</ul>", 1)[0]
    item = next(
        i for i in re.findall(r"<li[^>]*>(.*?)</li>", items, re.S) if f'<span class="task-code">{code}</span>' in i
    )
    return plain(item)


def card_of(html: str, unit_code: str) -> str:
    """The text of a unit's card in the league table."""
    match = re.search(rf'<div class="card[^"]*" data-unit="{re.escape(unit_code)}">(.*?)</dl>', html, re.S)
    assert match, unit_code
    return plain(match.group(1))


def csv_rows(response) -> dict[str, list[str]]:
    """A tasks.csv download as {code: row}."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    return {row[0]: row for row in rows[1:]}


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
    progress(
        yte,
        task_of("VI.6"),
        "tram-y-te",
        30,
        "blocked",
        at("2026-02-25"),
        difficulties="Thiếu kinh phí mua thẻ BHYT cho 12 người",
        proposals="Đề nghị Ban Chỉ đạo bổ sung kinh phí",
    )
    # A partner's contribution: Phòng VH-XH is a partner on IV.4.3, led by Trạm Y tế.
    progress(vhxh, task_of("IV.4.3"), "phong-vh-xh", 90, "working", at("2026-02-26"), role="partner")
    db.session.commit()


# --- 1. before any deadline -------------------------------------------------------------------


def test_status_flags_and_roll_up_on_the_first_of_march(spring, plan):
    snapshot = plan_snapshot(plan, date(2026, 3, 1))
    tasks = by_code(snapshot)
    # 2026-03-01 is day 60 of the plan: 60 / 1826 = 3.29% -> 3.3. For VI.3.2 (365 days): 60 / 365 = 16.4.
    expected = {code: D("3.3") for code in LEAVES}
    expected["VI.3.2"] = D("16.4")
    assert {code: v.expected for code, v in tasks.items()} == expected

    iv41, iv42, iv43, iv44, vi6 = (tasks[c] for c in ("IV.4.1", "IV.4.2", "IV.4.3", "IV.4.4", "VI.6"))
    # IV.4.1: 40% working -> on time; gap 40 - 3.3 = 36.7 -> green; updated 19 days ago -> not stale.
    assert (iv41.standing.status, iv41.percent, iv41.standing.gap, iv41.standing.rating) == (
        "in_progress_on_time",
        D(40),
        D("36.7"),
        "green",
    )
    assert not iv41.standing.stale and not iv41.standing.blocked
    assert iv41.standing.last_update_on == date(2026, 2, 10)
    # IV.4.2: done before any due date -> done on time, counts 100, green.
    assert (iv42.standing.status, iv42.percent, iv42.standing.rating) == ("done_on_time", D(100), "green")
    # IV.4.3 follows its primary lead (Trạm Y tế, 20% on 15/01), not the partner's later 90%;
    # 15/01 -> 01/03 is 45 days, so it is stale.
    assert (iv43.standing.status, iv43.percent, iv43.standing.last_update_on) == (
        "in_progress_on_time",
        D(20),
        date(2026, 1, 15),
    )
    assert iv43.standing.stale
    # IV.4.4: updated 16/01, 44 days ago -> not stale yet.
    assert (iv44.standing.status, iv44.percent, iv44.standing.stale) == ("in_progress_on_time", D(10), False)
    # VI.6: blocked at 30%: still in progress on time, flagged blocked, gap 26.7 green.
    assert (vi6.standing.status, vi6.percent, vi6.standing.blocked, vi6.standing.rating) == (
        "in_progress_on_time",
        D(30),
        True,
        "green",
    )
    # VI.3.2 (dated, nothing reported): 0 - 16.4 = -16.4 -> amber.
    assert (tasks["VI.3.2"].standing.status, tasks["VI.3.2"].standing.gap, tasks["VI.3.2"].standing.rating) == (
        "not_started",
        D("-16.4"),
        "amber",
    )
    # An untouched continuous task: not started, 0%, 0 - 3.3 -> green, stale (59 days since 01/01).
    assert (
        tasks["IV.1"].standing.status,
        tasks["IV.1"].percent,
        tasks["IV.1"].standing.rating,
        tasks["IV.1"].standing.stale,
    ) == ("not_started", D(0), "green", True)
    # A task nobody answers for is unassigned, never stale, however long untouched.
    assert (tasks["IV.10.1"].standing.unassigned, tasks["IV.10.1"].standing.stale) == (True, False)
    assert (tasks["VI.13.1"].standing.unassigned, tasks["VI.13.1"].standing.stale) == (True, False)

    # Roll-up. IV.4 = (40*2 + 100 + 20 + 10 + 0) / 6 = 210 / 6 = 35.0 (IV.4.2 done counts 100).
    views = snapshot.figures
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
        "not_started": 40,
        "in_progress_on_time": 4,
        "in_progress_overdue": 0,
        "done_on_time": 1,
        "done_late": 0,
    }
    # Flags: blocked VI.6; stale: the 36 led tasks but IV.4.1 (10/02), IV.4.2 (done), IV.4.4 (16/01)
    # and VI.6 (25/02) -> 32 (the 9 nobody answers for are not stale but unassigned: IV.10.1-5 with
    # no lead, VI.9, VI.12, VI.13.1, VI.13.2 led by groups with no members yet); no report is due yet,
    # so no late report; amber VI.3.2 only.
    assert queries.flag_counts(leaves) == {
        "blocked": 1,
        "stale": 32,
        "late_report": 0,
        "unassigned": 9,
        "green": 44,
        "amber": 1,
        "red": 0,
    }
    assert queries.overdue_worst_first(leaves) == []


def test_the_partner_update_never_moves_the_task_status(spring, plan, user_of, task_of):
    """Even a partner saying "done" leaves IV.4.3 where its lead (Trạm Y tế) put it."""
    progress(user_of("officer"), task_of("IV.4.3"), "phong-vh-xh", 100, "done", at("2026-02-27"), role="partner")
    db.session.commit()
    iv43 = by_code(plan_snapshot(plan, date(2026, 3, 1)))["IV.4.3"]
    assert (iv43.standing.status, iv43.percent) == ("in_progress_on_time", D(20))


def test_stale_starts_45_days_after_the_last_update(spring, plan):
    # 2026-02-14 is 44 days after 2026-01-01: nothing is stale yet.
    assert queries.flag_counts(plan_snapshot(plan, date(2026, 2, 14)).leaves)["stale"] == 0
    # 2026-02-15 is 45 days after: every led task not updated since 01/01 is stale. Updated by then:
    # IV.4.3 (15/01, 31 days), IV.4.4 (16/01), IV.4.1 (10/02) -> 36 - 3 = 33 stale.
    snapshot = plan_snapshot(plan, date(2026, 2, 15))
    stale = [v.task.code for v in queries.matching_tasks(snapshot, flag="stale")]
    assert stale == [c for c in LED if c not in ("IV.4.1", "IV.4.3", "IV.4.4")]
    assert len(stale) == 33
    assert "IV.4.2" in stale and "VI.6" in stale  # their updates come later (20/02, 25/02)
    assert not set(stale) & set(NO_REAL_LEAD)  # unassigned, never stale
    # As it stood on 15/02, IV.4.2 had no update: its later "done" does not count yet.
    assert by_code(snapshot)["IV.4.2"].standing.status == "not_started"


def test_an_accepted_report_section_counts_as_an_update_for_stale(spring, plan, user_of, period_of):
    """Trạm Y tế posts nothing after February, but sends its six-month report on 04/06; once the
    secretariat accepts it (08/06), the report's sections on IV.4.3 and VI.6 are the tasks' last
    sign of life, from the day it was sent."""
    report = send_unit_report(user_of("officer_yte"), period_of("six_month", 2026), at("2026-06-04"))
    db.session.commit()
    on_10th = by_code(plan_snapshot(plan, date(2026, 6, 10)))
    # Submitted but not accepted yet: IV.4.3 (15/01) and VI.6 (25/02) are still stale.
    assert on_10th["IV.4.3"].standing.stale and on_10th["VI.6"].standing.stale
    reports.accept(Actor.for_user(user_of("secretariat")), report, at("2026-06-08"))
    db.session.commit()
    on_10th = by_code(plan_snapshot(plan, date(2026, 6, 10)))
    assert not on_10th["IV.4.3"].standing.stale and not on_10th["VI.6"].standing.stale
    # Its last update still reads as it was; the report is not a progress update.
    assert on_10th["IV.4.3"].standing.last_update_on == date(2026, 1, 15)
    # As the plan stood on 07/06, before the acceptance, they were stale.
    assert by_code(plan_snapshot(plan, date(2026, 6, 7)))["IV.4.3"].standing.stale
    # 45 days after 04/06 (19/07) they are stale again, the report being their last sign of life.
    on_july_19 = by_code(plan_snapshot(plan, date(2026, 7, 19)))
    assert on_july_19["IV.4.3"].standing.stale and on_july_19["IV.4.3"].standing.stale_since == date(2026, 6, 4)
    assert not by_code(plan_snapshot(plan, date(2026, 7, 18)))["IV.4.3"].standing.stale
    # Another unit's tasks are untouched by it: IV.4.4 (Phòng XD-NN-MT, 16/01) is stale all along.
    assert on_10th["IV.4.4"].standing.stale


# --- 2. after the six-month deadline: a late report is a flag, never "overdue" ----------------


def test_after_the_six_month_deadline_a_late_report_is_a_flag_not_overdue(spring, plan, user_of, period_of):
    six = period_of("six_month", 2026)
    send_unit_report(user_of("officer"), six, at("2026-06-03"))  # Phòng VH-XH, on time: its 9 tasks
    send_unit_report(user_of("officer_yte"), six, at("2026-06-12"))  # Trạm Y tế, late: IV.4.3, VI.6
    db.session.commit()

    # On the deadline itself nothing is late.
    on_5th = plan_snapshot(plan, date(2026, 6, 5))
    assert queries.flag_counts(on_5th.leaves)["late_report"] == 0

    # 2026-06-08: every led task whose unit has not sent its report carries the flag, 3 days late,
    # Trạm Y tế's included (its report only comes on 12/06): 36 - Phòng VH-XH's 9 = 27. None is overdue.
    on_8th = plan_snapshot(plan, date(2026, 6, 8))
    late = queries.matching_tasks(on_8th, flag="late_report")
    assert [v.task.code for v in late] == [c for c in LED if c not in VHXH_TASKS]
    assert {(v.standing.late_report_days, v.standing.late_report_due) for v in late} == {(3, date(2026, 6, 5))}
    assert queries.overdue_worst_first(on_8th.leaves) == []
    assert queries.status_counts(on_8th.leaves)["in_progress_overdue"] == 0

    snapshot = plan_snapshot(plan, date(2026, 6, 20))
    tasks = by_code(snapshot)
    late = queries.matching_tasks(snapshot, flag="late_report")
    # 36 - Phòng VH-XH's 9 - Trạm Y tế's 2 = 25 tasks, each 2026-06-20 - 2026-06-05 = 15 days late.
    assert [v.task.code for v in late] == [c for c in LED if c not in VHXH_TASKS + YTE_TASKS]
    assert len(late) == 25
    assert {v.standing.late_report_days for v in late} == {15}
    # Still nothing is overdue: only a task's own due date makes it so, and only VI.3.2 has one (31/12).
    assert queries.overdue_worst_first(snapshot.leaves) == []
    assert all(v.standing.days_overdue == 0 and v.standing.overdue_since is None for v in snapshot.leaves)
    # IV.4.4: 10% posted, report not sent: in progress on time, with the flag; 10 - 9.4 = 0.6 -> green,
    # since the rating comes from the gap, never from the report.
    iv44 = tasks["IV.4.4"].standing
    assert (iv44.status, iv44.late_report, iv44.late_report_due, iv44.rating) == (
        "in_progress_on_time",
        True,
        date(2026, 6, 5),
        "green",
    )
    assert tasks["IV.1"].standing.status == "not_started" and tasks["IV.1"].standing.late_report
    for code in ("IV.4.1", "IV.4.3", "VI.6"):
        assert tasks[code].standing.status == "in_progress_on_time" and not tasks[code].standing.late_report, code
    assert tasks["IV.4.2"].standing.status == "done_on_time"
    # The dated VI.3.2 is judged by its due date (31/12): not started, red by its gap (0 - 46.8).
    assert (tasks["VI.3.2"].standing.status, tasks["VI.3.2"].standing.rating) == ("not_started", "red")
    # Unassigned tasks owe nobody's report: no flag.
    assert not any(tasks[c].standing.late_report for c in NO_REAL_LEAD)
    # Expected on 20/06: day 171 -> 171 / 1826 = 9.4; VI.3.2: 171 / 365 = 46.8.
    assert tasks["IV.4.1"].expected == D("9.4") and tasks["VI.3.2"].expected == D("46.8")
    assert queries.status_counts(snapshot.leaves) == {
        "not_started": 40,
        "in_progress_on_time": 4,
        "in_progress_overdue": 0,
        "done_on_time": 1,
        "done_late": 0,
    }


def test_a_continuous_task_is_never_overdue_even_years_after_a_missed_report(spring, plan):
    """Nothing sent at all, read at the plan's very end: every continuous led task is years behind
    with its reports, and still not overdue. The flag names the first report missed."""
    snapshot = plan_snapshot(plan, date(2030, 12, 30))
    tasks = by_code(snapshot)
    assert [v.task.code for v in queries.overdue_worst_first(snapshot.leaves)] == ["VI.3.2"]  # the one dated task
    iv1 = tasks["IV.1"].standing
    assert (iv1.status, iv1.late_report_due, iv1.days_overdue) == ("not_started", date(2026, 6, 5), 0)
    assert iv1.late_report_days == (date(2030, 12, 30) - date(2026, 6, 5)).days


@pytest.fixture
def dated(spring, task_of):
    """Three more tasks given dates of their own: IV.1 01/01-30/06/2026; IV.4.4 and IV.8
    01/01-30/09/2026 (VI.3.2 already runs 01/01-31/12/2026)."""
    for code, due in (("IV.1", date(2026, 6, 30)), ("IV.4.4", date(2026, 9, 30)), ("IV.8", date(2026, 9, 30))):
        task = task_of(code)
        task.start_on, task.due_on = date(2026, 1, 1), due
    db.session.commit()


def test_overdue_is_listed_worst_first_and_ties_in_plan_order(dated, plan):
    overdue = queries.overdue_worst_first(plan_snapshot(plan, date(2027, 1, 10)).leaves)
    # On 10/01/2027: IV.1 due 30/06 -> 184 + 10 = 194 days; IV.4.4 and IV.8 due 30/09 -> 92 + 10 = 102
    # days each, in the plan's order; VI.3.2 due 31/12 -> 10 days. Every other task is continuous.
    assert [(v.task.code, v.standing.days_overdue) for v in overdue] == [
        ("IV.1", 194),
        ("IV.4.4", 102),
        ("IV.8", 102),
        ("VI.3.2", 10),
    ]
    assert [v.standing.overdue_since for v in overdue] == [
        date(2026, 7, 1),
        date(2026, 10, 1),
        date(2026, 10, 1),
        date(2027, 1, 1),
    ]
    # With or without an update, past its own due date a task is overdue and red.
    assert all(v.standing.status == "in_progress_overdue" and v.standing.rating == "red" for v in overdue)
    # On IV.1's due date itself, nothing is overdue yet; the next day IV.1 is, by 1 day.
    assert queries.overdue_worst_first(plan_snapshot(plan, date(2026, 6, 30)).leaves) == []
    [iv1] = queries.overdue_worst_first(plan_snapshot(plan, date(2026, 7, 1)).leaves)
    assert (iv1.task.code, iv1.standing.days_overdue) == ("IV.1", 1)


def test_a_dated_task_is_overdue_only_after_its_due_date_and_done_late_after_it(spring, plan, user_of, task_of):
    task = task_of("VI.3.2")
    progress(user_of("officer"), task, "phong-vh-xh", 70, "working", at("2026-12-20"))
    db.session.commit()
    on_due_day = by_code(plan_snapshot(plan, date(2026, 12, 31)))["VI.3.2"]
    assert (on_due_day.standing.status, on_due_day.expected) == ("in_progress_on_time", D("100.0"))
    # 70 - 100 = -30 -> red even before it is late.
    assert on_due_day.standing.rating == "red"

    day_after = by_code(plan_snapshot(plan, date(2027, 1, 5)))["VI.3.2"]
    assert (day_after.standing.status, day_after.standing.days_overdue) == ("in_progress_overdue", 5)
    assert day_after.standing.rating == "red"

    progress(user_of("officer"), task, "phong-vh-xh", 100, "done", at("2027-01-10"))
    db.session.commit()
    done = by_code(plan_snapshot(plan, date(2027, 1, 20)))["VI.3.2"]
    # Done 10 days after the due date: done late, no longer overdue, counts 100.
    assert (done.standing.status, done.standing.days_overdue, done.percent) == ("done_late", 10, D(100))
    assert not done.standing.stale and not done.standing.late_report


def test_a_task_done_by_its_due_date_is_done_on_time(spring, plan, user_of, task_of):
    progress(user_of("officer"), task_of("VI.3.2"), "phong-vh-xh", 100, "done", at("2026-12-31", "23:00"))
    db.session.commit()
    done = by_code(plan_snapshot(plan, date(2027, 1, 5)))["VI.3.2"]
    assert (done.standing.status, done.standing.days_overdue) == ("done_on_time", 0)


# --- 3. the dashboard pages -------------------------------------------------------------------


@pytest.fixture
def june(spring, app, plan, user_of, task_of, period_of):
    """The spring updates, then the six-month unit reports of Phòng VH-XH (03/06, on time) and Trạm
    Y tế (12/06, late) and a later update of IV.4.1; the pages are read on 2026-06-20.

    On 20/06 (hand count over the 45 leaves):
    - done on time: IV.4.2
    - in progress on time: IV.4.1 (55%), IV.4.3 (20%), IV.4.4 (10%), VI.6 (30%, blocked)
    - not started: the other 40 (VI.3.2 among them: dated, due 31/12)
    - overdue: none (no task is past its own due date)
    Flags: blocked 1 (VI.6); stale 34 (the 36 led tasks but IV.4.1, updated 10/06, and IV.4.2, done);
    late report 25 (the tasks of the 10 units that sent nothing, 15 days late); unassigned 9;
    red 1 (VI.3.2: 0 - 46.8), amber 0, green 44 (a continuous task at 0% is 9.4 behind: green).
    Units late with the report: 12 owe, 2 sent -> 10.
    """
    six = period_of("six_month", 2026)
    vhxh, yte = user_of("officer"), user_of("officer_yte")
    send_unit_report(vhxh, six, at("2026-06-03"))
    send_unit_report(yte, six, at("2026-06-12"))  # late
    progress(
        vhxh,
        task_of("IV.4.1"),
        "phong-vh-xh",
        55,
        "working",
        at("2026-06-10"),
        results="Giới thiệu việc làm cho 18 lao động",
    )
    db.session.commit()
    freeze(app, "2026-06-20T09:00:00+07:00")


JUNE_LATE = [c for c in LED if c not in VHXH_TASKS + YTE_TASKS]
JUNE_STATUS = {
    "Not started yet": 40,
    "In progress, on time": 4,
    "In progress, overdue": 0,
    "Done on time": 1,
    "Done late": 0,
}
JUNE_FLAGS = {
    "Blocked": 1,
    "No recent update": 34,
    "Report late": 25,
    "Not assigned": 9,
    "On schedule": 44,
    "Behind schedule": 0,
    "Seriously behind": 1,
}


def test_the_first_screen_shows_the_figures_that_matter(june, app, plan):
    client = signed_in(app, "committee")
    html = page(client, f"/plans/{plan.id}/dashboard/")
    first = tiles(html, "key-heading")
    assert numbers(first) == {
        "Tasks overdue": 0,
        "Units late with the report": 10,
        "Blocked": 1,
        "Seriously behind": 1,
        "No recent update": 34,
        "Not assigned": 9,
    }
    # The whole plan's progress comes first: reported / expected by today. Reported: IV.4 = (55*2 +
    # 100 + 20 + 10 + 0) / 6 = 40.0 -> IV = 40 / 10 = 4.0; VI = 30 / 13 = 2.3; plan (4.0 + 2.3) / 2 = 3.2.
    # Expected on 20/06 (day 171): 9.36 everywhere but VI.3.2 (46.8); VI.3 = 15.6; VI = 9.85; plan 9.6.
    assert re.findall(r"<strong>([\d.]+)%</strong> / ([\d.]+)%", section(html, "key-heading")) == [("3.2", "9.6")]
    assert re.findall(r"<strong>([\d.]+)%</strong> / ([\d.]+)%", section(html, "progress-heading")) == [
        ("4", "9.4"),
        ("2.3", "9.9"),
    ]
    # Each task tile opens exactly its tasks; the units tile opens the league table.
    for label, (number, href) in first.items():
        if label == "Units late with the report":
            assert href == f"/plans/{plan.id}/accountability/"
            continue
        assert href.startswith(f"/plans/{plan.id}/dashboard/tasks?"), href
        assert len(listed_tasks(page(client, href))) == number, label
    assert listed_tasks(page(client, first["Tasks overdue"][1])) == []
    assert listed_tasks(page(client, first["Not assigned"][1])) == NO_REAL_LEAD
    assert listed_tasks(page(client, first["Seriously behind"][1])) == ["VI.3.2"]
    # The filters are folded away until one is applied.
    assert re.search(r"<details class=\"mb-3\">\s*<summary", html)
    assert re.search(r"<details class=\"mb-3\" open>", page(client, f"/plans/{plan.id}/dashboard/?section=IV"))


def test_dashboard_numbers_and_the_tasks_behind_each(june, app, plan):
    client = signed_in(app, "committee")
    html = page(client, f"/plans/{plan.id}/dashboard/")
    found = tiles(html)
    assert numbers(found) == {**JUNE_STATUS, **JUNE_FLAGS}
    # Each number opens the list of exactly its tasks.
    for label, (number, href) in found.items():
        assert href.startswith(f"/plans/{plan.id}/dashboard/tasks?"), href
        assert len(listed_tasks(page(client, href))) == number, label
    assert listed_tasks(page(client, found["In progress, overdue"][1])) == []
    assert listed_tasks(page(client, found["Done on time"][1])) == ["IV.4.2"]
    assert listed_tasks(page(client, found["In progress, on time"][1])) == ["IV.4.1", "IV.4.3", "IV.4.4", "VI.6"]
    assert listed_tasks(page(client, found["Blocked"][1])) == ["VI.6"]
    assert listed_tasks(page(client, found["Report late"][1])) == JUNE_LATE
    assert listed_tasks(page(client, found["Not assigned"][1])) == NO_REAL_LEAD
    assert listed_tasks(page(client, found["Seriously behind"][1])) == ["VI.3.2"]
    assert listed_tasks(page(client, found["Behind schedule"][1])) == []
    assert listed_tasks(page(client, found["No recent update"][1])) == [c for c in LED if c not in ("IV.4.1", "IV.4.2")]

    # No task is overdue: the list says so rather than listing tasks whose report is late.
    overdue = section(html, "overdue-heading")
    assert '<span class="badge text-bg-danger">0</span>' in overdue
    assert "No task is overdue." in plain(overdue)
    assert "task-code" not in overdue


def test_a_continuous_task_with_a_late_report_is_never_overdue_on_any_page(june, app, plan):
    """IV.4.4 (Phòng XD-NN-MT, continuous, 10%) and its unit's report of 05/06, not sent: on 20/06 the
    report is 15 days late. Nowhere does the task read overdue; everywhere it shows, the late
    report is named with its deadline."""
    client = signed_in(app, "committee")
    badge = "Report 15 days late (due 05/06/2026)"
    # The dashboard: no overdue task, and IV.4.4 is not in the overdue list.
    dashboard = page(client, f"/plans/{plan.id}/dashboard/")
    assert numbers(tiles(dashboard, "key-heading"))["Tasks overdue"] == 0
    assert "IV.4.4" not in section(dashboard, "overdue-heading")
    # The task list: not among the overdue, but among the late reports, with its badge.
    assert "IV.4.4" not in listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?status=in_progress_overdue"))
    assert "IV.4.4" in listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?flag=late_report"))
    item = task_item(page(client, f"/plans/{plan.id}/dashboard/tasks?unit=phong-xd-nn-mt"), "IV.4.4")
    assert "In progress, on time" in item and badge in item
    assert "overdue" not in item
    # A unit that sent its report: no badge on its tasks.
    assert "Report" not in task_item(page(client, f"/plans/{plan.id}/dashboard/tasks?unit=phong-vh-xh"), "IV.4.1")
    # The task's own page.
    task_page = plain(page(client, f"/plans/{plan.id}/tasks/IV.4.4").split('id="update-heading"')[0])
    assert "In progress, on time" in task_page and badge in task_page
    assert "days overdue" not in task_page and "In progress, overdue" not in task_page
    # The league table: the unit has no overdue task; what is late is its report.
    league = page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/")
    card = card_of(league, "phong-xd-nn-mt")
    assert "Tasks overdue 0 / 9" in card
    assert "Longest late: 6-month report 2026 not sent, 15 days late, since 06/06/2026" in card
    assert "Reports late 1 (since 06/06/2026)" in card
    assert "task IV.4.4" not in card
    # The exports (in Vietnamese): "đang thực hiện trong hạn", 0 days overdue; none is "quá hạn".
    vi = helpers.signed_in(app, "committee")
    rows = csv_rows(vi.get(f"/plans/{plan.id}/exports/tasks.csv"))
    assert rows["IV.4.4"][3] == "Đang thực hiện trong hạn" and rows["IV.4.4"][6] == "0"
    assert not [code for code, row in rows.items() if row[3] == "Đang thực hiện quá hạn" or row[6] != "0"]
    assert csv_rows(vi.get(f"/plans/{plan.id}/exports/tasks.csv?status=in_progress_overdue")) == {}


def test_in_vietnamese_a_late_report_is_chậm_báo_cáo_never_quá_hạn(june, app, plan):
    """design.md: "Quá hạn" is about the work, never about reporting; a report not sent by its unit
    deadline is "chậm báo cáo N ngày (hạn dd/mm/yyyy)". IV.4.4 is not overdue, its unit's report is
    15 days late: the Vietnamese pages must not call either of them "quá hạn"."""
    vi = helpers.signed_in(app, "committee")
    task_html = page(vi, f"/plans/{plan.id}/tasks/IV.4.4")
    top = plain(task_html.split('<div class="row g-4">', 1)[0])
    assert "Đang thực hiện trong hạn" in top and "Chậm báo cáo 15 ngày (hạn 05/06/2026)" in top
    assert "quá hạn" not in top
    # The task's "Period reports" list: Phòng XD-NN-MT's report of the round, not sent.
    task_reports = plain(section(task_html, "reports-heading"))
    assert "Phòng Xây dựng, Nông nghiệp và Môi trường" in task_reports and "15 ngày" in task_reports
    assert "quá hạn" not in task_reports, task_reports
    # The dashboard's reporting list: ten reports not sent, one sent late; none of it "quá hạn".
    reporting = plain(section(page(vi, f"/plans/{plan.id}/dashboard/"), "reporting-heading"))
    assert "15 ngày" in reporting
    assert "quá hạn" not in reporting, reporting


def test_a_dated_task_past_its_due_date_is_overdue_on_every_page(spring, app, plan, user_of, task_of):
    """VI.3.2 (Phòng VH-XH, 01/01-31/12/2026) at 70% on 05/01/2027: 5 days overdue."""
    progress(user_of("officer"), task_of("VI.3.2"), "phong-vh-xh", 70, "working", at("2026-12-20"))
    db.session.commit()
    freeze(app, "2027-01-05T09:00:00+07:00")
    client = signed_in(app, "committee")
    dashboard = page(client, f"/plans/{plan.id}/dashboard/")
    assert numbers(tiles(dashboard, "key-heading"))["Tasks overdue"] == 1
    overdue = section(dashboard, "overdue-heading")
    assert re.findall(r'<span class="task-code">([^<]+)</span>', overdue) == ["VI.3.2"]
    assert "5 days overdue (due 31/12/2026)" in plain(overdue) and "Phòng Văn hóa – Xã hội" in plain(overdue)
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?status=in_progress_overdue")) == ["VI.3.2"]
    item = task_item(page(client, f"/plans/{plan.id}/dashboard/tasks?unit=phong-vh-xh"), "VI.3.2")
    assert "In progress, overdue" in item and "5 days overdue" in item
    task_page = plain(page(client, f"/plans/{plan.id}/tasks/VI.3.2").split('id="update-heading"')[0])
    assert "In progress, overdue" in task_page and "5 days overdue" in task_page
    card = card_of(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/"), "phong-vh-xh")
    assert "Tasks overdue 1 (since 01/01/2027) / 9" in card
    rows = csv_rows(helpers.signed_in(app, "committee").get(f"/plans/{plan.id}/exports/tasks.csv"))
    assert (rows["VI.3.2"][3], rows["VI.3.2"][6]) == ("Đang thực hiện quá hạn", "5")
    assert [code for code, row in rows.items() if row[3] == "Đang thực hiện quá hạn"] == ["VI.3.2"]


def paged_list(html: str) -> tuple[int, list[str], str | None]:
    """The task list's page: (the count in its heading, the codes on this page, the next page's link)."""
    heading = re.search(r'<span class="badge text-bg-secondary">([\d.,]+)</span></h1>', html)
    items = html.split('<ul class="list-group">', 1)[1].split("</ul>", 1)[0]
    following = re.search(r'<a class="btn btn-outline-primary" rel="next" href="([^"]+)"', html)
    return (
        int(re.sub(r"\D", "", heading.group(1))),
        re.findall(r'<span class="task-code">([^<]+)</span>', items),
        htmllib.unescape(following.group(1)) if following else None,
    )


def test_the_task_list_pages_on_keeping_its_filters_and_order(june, app, plan):
    """45 leaves at 10 a page: five pages, "Next" five times at most, every task once, in order."""
    client = signed_in(app, "committee")
    app.config["LIST_PAGE_SIZE"] = 100
    _total, everything, following = paged_list(page(client, f"/plans/{plan.id}/dashboard/tasks"))
    assert len(everything) == 45 and following is None

    app.config["LIST_PAGE_SIZE"] = 10
    url, seen, pages = f"/plans/{plan.id}/dashboard/tasks", [], 0
    while url:
        html = page(client, url)
        total, codes, url = paged_list(html)
        pages += 1
        assert total == 45 and len(codes) == (10 if pages < 5 else 5)
        first = (pages - 1) * 10 + 1
        assert f"{first}–{first + len(codes) - 1} of 45 · page {pages} of 5" in plain(html)
        seen += codes
    assert pages == 5 and seen == everything

    # A page past the end (the list shrank since the link was made) shows the last; a bad one the first.
    assert paged_list(page(client, f"/plans/{plan.id}/dashboard/tasks?page=99"))[1] == everything[40:]
    assert paged_list(page(client, f"/plans/{plan.id}/dashboard/tasks?page=abc"))[1] == everything[:10]
    assert client.get(f"/plans/{plan.id}/dashboard/tasks?order=newest").status_code == 404

    # The next page keeps the filter: the 34 stale tasks, 10 a page.
    _total, stale_first, following = paged_list(page(client, f"/plans/{plan.id}/dashboard/tasks?flag=stale"))
    assert "flag=stale" in following and "page=2" in following
    total, stale_second, _following = paged_list(page(client, following))
    assert total == 34 and not set(stale_first) & set(stale_second)


@pytest.fixture
def late_dozen(spring, task_of):
    """Twelve tasks given dates of their own, each due a day later than the one before it, in
    reverse plan order: on 10/01/2027 the last of them is the most overdue."""
    codes = ["IV.1", "IV.2", "IV.3", "IV.5", "IV.6", "IV.7", "IV.8", "IV.9", "VI.4", "VI.5", "VI.7", "VI.10"]
    for days, code in enumerate(reversed(codes)):
        task = task_of(code)
        task.start_on, task.due_on = date(2026, 1, 1), date(2026, 6, 1) + timedelta(days=days)
    db.session.commit()
    return codes


def test_the_dashboard_lists_the_ten_worst_overdue_and_links_to_all_of_them(late_dozen, app, plan):
    freeze(app, "2027-01-10T09:00:00+07:00")
    client = signed_in(app, "committee")
    html = page(client, f"/plans/{plan.id}/dashboard/")
    overdue = section(html, "overdue-heading")
    # 13 overdue: the twelve and VI.3.2 (due 31/12/2026). The ten worst are shown, worst first.
    worst = list(reversed(late_dozen))
    assert '<span class="badge text-bg-danger">13</span>' in overdue
    assert re.findall(r'<span class="task-code">([^<]+)</span>', overdue) == worst[:10]
    link = re.search(r'<a href="([^"]+)">All 13 overdue tasks, worst first</a>', overdue)
    total, codes, _following = paged_list(page(client, htmllib.unescape(link.group(1))))
    assert total == 13 and codes == worst + ["VI.3.2"]
    # Under a flag (every overdue task is red), the link keeps it: the list is the same thirteen.
    flagged = section(page(client, f"/plans/{plan.id}/dashboard/?flag=red"), "overdue-heading")
    link = htmllib.unescape(re.search(r'<a href="([^"]+)">All 13 overdue tasks, worst first</a>', flagged).group(1))
    assert "flag=red" in link and paged_list(page(client, link))[:2] == (13, worst + ["VI.3.2"])


def test_dashboard_filters_by_section_unit_status_and_flag(june, app, plan):
    client = signed_in(app, "committee")
    # Section IV: 18 leaves. Done IV.4.2; on time IV.4.1, IV.4.3, IV.4.4; the other 14 not started.
    section_iv = tiles(page(client, f"/plans/{plan.id}/dashboard/?section=IV"))
    assert {label: n for label, n in numbers(section_iv).items() if label in JUNE_STATUS} == {
        "Not started yet": 14,
        "In progress, on time": 3,
        "In progress, overdue": 0,
        "Done on time": 1,
        "Done late": 0,
    }
    # Late reports in IV: IV.1 (Đảng ủy), IV.2, IV.5 (MTTQ), IV.3, IV.6 (UBND), IV.4.4, IV.7, IV.9
    # (Phòng XD-NN-MT), IV.4.5 (Văn phòng) -> 9.
    href = section_iv["Report late"][1]
    assert "section=IV" in href and "flag=late_report" in href
    assert listed_tasks(page(client, href)) == [
        "IV.1",
        "IV.2",
        "IV.3",
        "IV.4.4",
        "IV.4.5",
        "IV.5",
        "IV.6",
        "IV.7",
        "IV.9",
    ]
    assert section_iv["Report late"][0] == 9
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=IV")) == LEAVES_IV
    # ...and in VI the other 16.
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=VI&flag=late_report")) == [
        c for c in JUNE_LATE if c.startswith("VI.")
    ]

    # Phòng VH-XH answers for 9: IV.4.1 (on time), IV.4.2 (done), the other 7 not started; its report
    # was sent, so none has the late-report flag.
    mine = tiles(page(client, f"/plans/{plan.id}/dashboard/?unit=phong-vh-xh"))
    assert {label: n for label, n in numbers(mine).items() if label in JUNE_STATUS} == {
        "Not started yet": 7,
        "In progress, on time": 1,
        "In progress, overdue": 0,
        "Done on time": 1,
        "Done late": 0,
    }
    assert mine["Report late"][0] == 0
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?unit=phong-vh-xh")) == VHXH_TASKS
    # IV.4.3, where Phòng VH-XH is only a partner, is not in its list.
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?unit=tram-y-te")) == YTE_TASKS
    # Status and flag together with a section.
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=VI&status=not_started")) == [
        c for c in LEAVES_VI if c != "VI.6"
    ]
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=VI&flag=blocked")) == ["VI.6"]
    assert listed_tasks(page(client, f"/plans/{plan.id}/dashboard/tasks?section=IV&flag=blocked")) == []
    # The dashboard itself narrows by status and flag: with "in progress, on time" chosen, the tiles
    # count only those 3 of section IV, and each tile's link keeps the status and the section.
    on_time_iv = page(client, f"/plans/{plan.id}/dashboard/?section=IV&status=in_progress_on_time")
    on_time_tiles = tiles(on_time_iv)
    assert {label: n for label, n in numbers(on_time_tiles).items() if label in JUNE_STATUS} == {
        "Not started yet": 0,
        "In progress, on time": 3,
        "In progress, overdue": 0,
        "Done on time": 0,
        "Done late": 0,
    }
    # Of those three, IV.4.4 alone has a late report; IV.4.3's report came in on 12/06.
    assert on_time_tiles["Report late"][0] == 1
    assert listed_tasks(page(client, on_time_tiles["Report late"][1])) == ["IV.4.4"]
    assert 'value="in_progress_on_time" selected' in on_time_iv
    assert (
        "status=in_progress_on_time" in on_time_tiles["No recent update"][1]
        and "section=IV" in on_time_tiles["No recent update"][1]
    )
    # ...and with the blocked flag, the only blocked task, VI.6 (on time), is what is counted.
    blocked_tiles = tiles(page(client, f"/plans/{plan.id}/dashboard/?flag=blocked"))
    assert {label: n for label, n in numbers(blocked_tiles).items() if label in JUNE_STATUS and n} == {
        "In progress, on time": 1
    }
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
    discussion.add_comment(
        Actor.for_user(user_of("committee")), task_of("VI.6"), "Nhắc Trạm Y tế cập nhật", at("2026-02-20")
    )
    db.session.commit()
    client = signed_in(app, "committee")
    blocked = section(page(client, f"/plans/{plan.id}/dashboard/"), "blocked-heading")
    assert '<span class="badge text-bg-danger">1</span>' in blocked
    text = plain(blocked)
    assert "VI.6" in text and "Trạm Y tế phường" in text
    assert "Difficulties: Thiếu kinh phí mua thẻ BHYT cho 12 người" in text
    assert "Proposals: Đề nghị Ban Chỉ đạo bổ sung kinh phí" in text
    assert "Waiting for the committee" in text and "Committee has answered" not in text

    response = client.post(
        f"/plans/{plan.id}/tasks/VI.6/comments", data={"body": "Ban Chỉ đạo sẽ bố trí kinh phí trong quý III."}
    )
    assert response.status_code == 302
    text = plain(section(page(client, f"/plans/{plan.id}/dashboard/"), "blocked-heading"))
    assert "Committee has answered" in text and "Waiting for the committee" not in text


def test_latest_updates_feed_lists_the_newest_first(june, app, plan):
    client = signed_in(app, "committee")
    feed = section(page(client, f"/plans/{plan.id}/dashboard/"), "feed-heading")
    codes = re.findall(r'<span class="task-code">([^<]+)</span>', feed)
    # 10/06 IV.4.1, 26/02 IV.4.3 (partner), 25/02 VI.6, 20/02 IV.4.2, 10/02 IV.4.1, 16/01 IV.4.4, 15/01 IV.4.3.
    # The unit reports posted no progress (their sections left percent and state alone).
    assert codes == ["IV.4.1", "IV.4.3", "VI.6", "IV.4.2", "IV.4.1", "IV.4.4", "IV.4.3"]
    text = plain(feed)
    assert text.index("55%") < text.index("90%") < text.index("30%") < text.index("100%") < text.index("40%")
    assert "Giới thiệu việc làm cho 18 lao động" in text


def reporting_rows(html: str) -> dict[str, str]:
    """Unit -> the text of its report's status, from the reporting list (one row per owing unit)."""
    table = section(html, "reporting-heading")
    rows = re.findall(
        r'<li class="list-group-item[^"]*">\s*<a href="[^"]*">([^<]+)</a>\s*<span class="small">(.*?)</span>\s*</li>',
        table,
        re.S,
    )
    return {name: plain(status) for name, status in rows}


def test_reporting_status_of_the_six_month_round(june, app, plan, period_of):
    client = signed_in(app, "committee")
    html = page(client, f"/plans/{plan.id}/dashboard/")
    table = plain(section(html, "reporting-heading"))
    assert "Reporting status: 6-month report 2026 (units report by 05/06/2026)" in table
    # 12 units owe one report each; Phòng VH-XH sent it on 03/06, Trạm Y tế on 12/06 (late).
    assert "12 units owe a report · sent 2 · on time 1" in table
    rows = reporting_rows(html)
    assert list(rows) == OWING_UNITS
    assert rows["Phòng Văn hóa – Xã hội"] == "Submitted, waiting for review sent on time"
    assert rows["Trạm Y tế phường"] == "Submitted, waiting for review sent late"
    # The 10 others: 20/06 - 05/06 = 15 days late.
    assert {rows[name] for name in OWING_UNITS if name not in ("Phòng Văn hóa – Xã hội", "Trạm Y tế phường")} == {
        "Not started 15 days late (deadline 05/06/2026)"
    }
    # The round can also be chosen: the annual 2026 round has nothing sent yet, and in June nothing
    # of it is late: its reports are due on 10/11, 143 days on.
    annual = period_of("annual", 2026)
    annual_html = page(client, f"/plans/{plan.id}/dashboard/?period={annual.id}")
    annual_rows = reporting_rows(annual_html)
    assert list(annual_rows) == OWING_UNITS
    assert set(annual_rows.values()) == {"Not started 143 days left (deadline 10/11/2026)"}
    assert "late" not in plain(section(annual_html, "reporting-heading"))
    assert numbers(tiles(annual_html, "key-heading"))["Units late with the report"] == 0
    # Narrowed to one unit, the list shows that unit's row alone.
    assert list(reporting_rows(page(client, f"/plans/{plan.id}/dashboard/?unit=tram-y-te"))) == ["Trạm Y tế phường"]


@pytest.mark.parametrize("moment, due", [("2026-06-05T23:59:00+07:00", False), ("2026-06-06T00:01:00+07:00", True)])
def test_reports_are_late_from_the_day_after_the_unit_deadline_on_every_page(app, plan, moment, due):
    """The dashboard, the league table and the alert scan draw the line on the same day."""
    freeze(app, moment)
    client = signed_in(app, "chair")
    dashboard = page(client, f"/plans/{plan.id}/dashboard/")
    assert reporting_rows(dashboard)["Phòng Văn hóa – Xã hội"] == (
        "Not started 1 day late (deadline 05/06/2026)" if due else "Not started due today (deadline 05/06/2026)"
    )
    assert numbers(tiles(dashboard, "key-heading"))["Units late with the report"] == (12 if due else 0)
    # The league table (plan to date): the round counts once its reports are due.
    card = card_of(page(client, f"/plans/{plan.id}/accountability/"), "phong-vh-xh")
    if due:
        assert "Longest late: 6-month report 2026 not sent" in card and "since 06/06/2026" in card
        assert "Reports late 1 (since 06/06/2026)" in card and "Reports sent 0/1 · on time 0/1" in card
    else:
        assert "Nothing late" in card and "Reports late 0" in card and "Reports sent 0/0" in card
    # Still nothing is overdue on either side of the line.
    assert numbers(tiles(dashboard, "key-heading"))["Tasks overdue"] == 0
    result = alert_scan(plan, date.fromisoformat(moment[:10]), datetime.fromisoformat(moment))
    assert any(a.kind == "report_missing" for a in result.created) is due
    assert not any(a.kind == "task_overdue" for a in result.created)


# --- 4. the SQL a page runs does not grow with the data ---------------------------------------


def person(plan, username: str, unit_obj: Unit | None):
    """An account that only writes in these tests (it never signs in)."""
    user = User(
        username=username,
        full_name=username.replace(".", " ").title(),
        ward_id=plan.ward_id,
        unit_id=unit_obj.id if unit_obj is not None else None,
        password_hash="!",
    )
    db.session.add(user)
    db.session.flush()
    return user


def owes(plan, period, unit_id: int) -> bool:
    from tracker.periods.queries import plan_rounds
    from tracker.reports.queries import owed_reports

    round_ = next(r for r in plan_rounds(plan) if period in r)
    return bool(owed_reports(plan, [round_], unit_id=unit_id))


def chase(plan, unit_obj: Unit, by, when: datetime) -> None:
    from tracker.accountability.models import Chase

    db.session.add(
        Chase(plan_id=plan.id, unit_id=unit_obj.id, by_id=by.id, text=f"Đôn đốc {unit_obj.name}", created_at=when)
    )


def small_data(plan, user_of, task_of, period_of):
    """One of everything the pages show, so that both sizes take the same branches."""
    vhxh, yte, committee, chair = user_of("officer"), user_of("officer_yte"), user_of("committee"), user_of("chair")
    secretariat = user_of("secretariat")
    six, annual = period_of("six_month", 2026), period_of("annual", 2026)
    # The ward records its first residential group as a member of "các tổ dân phố".
    first = Unit(ward_id=plan.ward_id, code="to-dan-pho-01", name="Tổ dân phố 01", aliases=[], sort_order=101)
    unit("cac-to-dan-pho").members = [first]
    # A dated task past its due date, so that something is overdue.
    task_of("IV.8").start_on, task_of("IV.8").due_on = date(2026, 1, 1), date(2026, 9, 30)
    progress(vhxh, task_of("IV.4.1"), "phong-vh-xh", 40, "working", at("2026-02-10"))
    progress(yte, task_of("VI.6"), "tram-y-te", 30, "blocked", at("2026-02-25"), difficulties="Thiếu kinh phí")
    progress(vhxh, task_of("IV.4.3"), "phong-vh-xh", 50, "working", at("2026-03-02"), role="partner")
    accepted = send_unit_report(vhxh, six, at("2026-06-03"))
    reports.accept(Actor.for_user(secretariat), accepted, at("2026-06-08"))
    send_unit_report(vhxh, annual, at("2026-11-12"))  # late
    send_unit_report(yte, six, at("2026-06-08"))  # late
    chase(plan, unit("phong-kinh-te"), secretariat, at("2026-06-10"))
    discussion.add_comment(Actor.for_user(committee), task_of("IV.4.1"), "Đề nghị bổ sung số liệu", at("2026-03-01"))
    discussion.ask_question(
        Actor.for_user(committee),
        plan,
        unit("phong-vh-xh"),
        "Bao nhiêu lao động đã được giới thiệu việc làm?",
        at("2026-03-01"),
        task=task_of("IV.4.1"),
    )
    answered = discussion.ask_question(
        Actor.for_user(committee),
        plan,
        unit("phong-vh-xh"),
        "Đã họp với doanh nghiệp chưa?",
        at("2026-03-02"),
        task=task_of("IV.4.1"),
    )
    discussion.answer_question(Actor.for_user(vhxh), answered, "Đã họp ngày 05/03.", at("2026-03-06"))
    discussion.issue_directive(
        Actor.for_user(chair),
        plan,
        unit("phong-vh-xh"),
        "Hoàn thành rà soát lao động",
        date(2026, 4, 30),
        at("2026-03-01"),
        task=task_of("IV.4.1"),
    )
    done = discussion.issue_directive(
        Actor.for_user(chair),
        plan,
        unit("phong-vh-xh"),
        "Gửi danh sách hộ nghèo",
        date(2026, 4, 15),
        at("2026-03-01"),
        task=task_of("IV.4.1"),
    )
    discussion.reply_to_directive(Actor.for_user(vhxh), done, "Đã gửi.", True, at("2026-04-10"))
    db.session.commit()


def large_data(plan, user_of, task_of, period_of):
    """40 more units (the ward's residential groups) each with its own officer, 60 more tasks in
    section IV, 10 more committee members and 2 deputy chairs, hundreds of updates, dozens of unit
    reports (on time, late, missing, accepted), chases, and many comments, questions and
    directives, written by many different people (so that a page loading each author one by one
    would show)."""
    six, annual = period_of("six_month", 2026), period_of("annual", 2026)
    secretariat = user_of("secretariat")
    section_iv = task_of("IV")
    groups = unit("cac-to-dan-pho")
    vhxh_unit = unit("phong-vh-xh")
    new_units = [unit("to-dan-pho-01")] + [
        Unit(
            ward_id=plan.ward_id, code=f"to-dan-pho-{i:02d}", name=f"Tổ dân phố {i:02d}", aliases=[], sort_order=100 + i
        )
        for i in range(2, 42)
    ]  # 40 more units
    db.session.add_all(new_units)
    db.session.flush()
    groups.members = list(new_units[:20])  # 20 of them are members of "các tổ dân phố" (a partner on most of IV)
    officers = {u.id: person(plan, f"canbo.{u.code}", u) for u in new_units}
    vhxh_officers = [user_of("officer")] + [person(plan, f"canbo.vhxh{k}", vhxh_unit) for k in range(1, 6)]
    members = [person(plan, f"bancd{k}", unit("phong-kinh-te")) for k in range(10)]
    chairs = [user_of("chair"), person(plan, "phochutich1", unit("ubnd")), person(plan, "phochutich2", unit("ubnd"))]

    new_tasks = []
    for i in range(60):
        task = Task(
            plan_id=plan.id,
            parent_id=section_iv.id,
            code=f"IV.{11 + i}",
            title=f"Nhiệm vụ bổ sung {i + 1}",
            sort_order=1000 + i,
            weight=D(1),
        )
        if i % 3 == 0:
            task.start_on, task.due_on = date(2026, 1, 1), date(2026, 9, 30)
        lead = vhxh_unit if i % 10 == 0 else new_units[i % 40]
        partner = new_units[(i + 7) % 40]
        task.assignments = [
            Assignment(unit_id=lead.id, role="lead", is_primary=True, sort_order=0),
            Assignment(unit_id=partner.id, role="partner", sort_order=1),
        ]
        if lead is not vhxh_unit:
            task.assignments.append(Assignment(unit_id=vhxh_unit.id, role="partner", sort_order=2))
        db.session.add(task)
        new_tasks.append((task, lead, partner))
    db.session.flush()
    for n, (task, lead, partner) in enumerate(new_tasks):
        author = officers.get(lead.id, vhxh_officers[0])
        for k in range(4):
            state = "blocked" if (n % 7 == 0 and k == 3) else "working"
            post_update(
                Actor.for_user(author),
                task,
                lead.id,
                "lead",
                UpdateInput(10 + 20 * k, state, f"Kết quả {k}", "Khó khăn" if state == "blocked" else None, None),
                files=[],
                now=at(f"2026-0{k + 2}-1{n % 9}", "%02d:%02d" % (8 + n % 9, n % 60)),
            )
        helper = vhxh_officers[n % 6] if lead is not vhxh_unit else officers[partner.id]
        post_update(
            Actor.for_user(helper),
            task,
            helper.unit_id,
            "partner",
            UpdateInput(30, "working", "Phối hợp"),
            files=[],
            now=at("2026-05-20"),
        )
        if n % 4 == 0:
            discussion.add_comment(Actor.for_user(members[n % 10]), task, f"Góp ý {n}", at("2026-07-01"))
        if n % 3 == 0:
            question = discussion.ask_question(
                Actor.for_user(members[n % 10]), plan, lead, f"Câu hỏi {n}", at("2026-07-02"), task=task
            )
            if n % 2:
                discussion.answer_question(Actor.for_user(author), question, f"Trả lời {n}", at("2026-07-05"))
        if n % 3 == 1:
            directive = discussion.issue_directive(
                Actor.for_user(chairs[n % 3]),
                plan,
                lead,
                f"Chỉ đạo {n}",
                date(2026, 8, 1 + n % 20),
                at("2026-07-03"),
                task=task,
            )
            if n % 2:
                discussion.reply_to_directive(Actor.for_user(author), directive, "Đã thực hiện", True, at("2026-07-20"))
    # The new units' reports: one per unit and round; some on time, some late, some missing; a
    # quarter of the six-month ones accepted. Every unit is chased once, every fifth three times.
    for i, new_unit in enumerate(new_units):
        officer = officers[new_unit.id]
        if owes(plan, six, new_unit.id) and i % 5 != 4:
            report = send_unit_report(
                officer, six, at("2026-06-02") if i % 2 else at("2026-06-15"), unit_id=new_unit.id
            )
            if i % 4 == 0:
                reports.accept(Actor.for_user(secretariat), report, at("2026-06-20"))
        if owes(plan, annual, new_unit.id) and i % 3 == 1:
            send_unit_report(
                officer, annual, at("2026-11-0%d" % (1 + i % 9)) if i % 2 else at("2026-11-20"), unit_id=new_unit.id
            )
        for k in range(3 if i % 5 == 0 else 1):
            chase(plan, new_unit, secretariat if k % 2 else chairs[0], at("2026-07-%02d" % (1 + k + i % 20)))
    # Much more on the pages that were counted: IV.4.1, Phòng VH-XH and the whole plan.
    iv41 = task_of("IV.4.1")
    for k in range(40):
        post_update(
            Actor.for_user(vhxh_officers[k % 6]),
            iv41,
            vhxh_unit.id,
            "lead",
            UpdateInput(40 + k, "working", f"Tiến độ {k}"),
            files=[],
            now=at("2026-07-%02d" % (1 + k % 28), "%02d:00" % (8 + k % 9)),
        )
    owners = {
        "IV.4.3": ("tram-y-te", user_of("officer_yte")),
        "VI.6": ("tram-y-te", user_of("officer_yte")),
        "IV.4.4": ("phong-xd-nn-mt", user_of("secretariat")),
    }
    for k, code in enumerate(
        ["IV.4.2", "IV.8", "VI.3.1", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6", "IV.4.3", "VI.6", "IV.4.4"]
    ):
        unit_code, user = owners.get(code, ("phong-vh-xh", vhxh_officers[k % 6]))
        progress(
            user,
            task_of(code),
            unit_code,
            20 + k,
            "blocked" if k % 4 == 0 else "working",
            at("2026-08-%02d" % (1 + k)),
            difficulties="Vướng mắc" if k % 4 == 0 else None,
        )
    send_unit_report(user_of("secretariat"), six, at("2026-06-20"))  # Phòng XD-NN-MT, late
    send_unit_report(user_of("secretariat"), annual, at("2026-11-09"))
    send_unit_report(user_of("officer_yte"), annual, at("2026-11-09"))
    for k in range(20):
        discussion.add_comment(Actor.for_user(members[k % 10]), iv41, f"Nhận xét {k}", at("2026-08-%02d" % (1 + k)))
        question = discussion.ask_question(
            Actor.for_user(members[(k + 3) % 10]),
            plan,
            vhxh_unit,
            f"Hỏi thêm {k}",
            at("2026-08-%02d" % (1 + k)),
            task=iv41,
        )
        if k % 2:
            discussion.answer_question(Actor.for_user(vhxh_officers[k % 6]), question, f"Đáp {k}", at("2026-08-25"))
    for k in range(15):
        directive = discussion.issue_directive(
            Actor.for_user(chairs[k % 3]),
            plan,
            vhxh_unit,
            f"Chỉ đạo thêm {k}",
            date(2026, 9, 1 + k),
            at("2026-08-20"),
            task=iv41 if k % 2 else None,
        )
        if k % 3 == 0:
            discussion.reply_to_directive(
                Actor.for_user(vhxh_officers[k % 6]), directive, "Xong", True, at("2026-08-30")
            )
    db.session.commit()


COUNTED_PAGES = [
    ("committee", "/plans/{plan}/dashboard/"),
    ("committee", "/plans/{plan}/dashboard/tasks?status=in_progress_overdue"),
    ("committee", "/plans/{plan}/dashboard/tasks?flag=late_report"),
    ("committee", "/plans/{plan}/accountability/"),
    ("committee", "/plans/{plan}/accountability/units/phong-vh-xh"),
    ("committee", "/plans/{plan}/tasks/IV.4.1"),
    ("officer", "/plans/{plan}/tasks/IV.4.1"),
    ("officer", "/plans/{plan}/my-unit"),
    ("officer", "/notifications/"),
    ("chair", "/notifications/"),
    ("chair", "/plans/{plan}/dashboard/"),
    ("chair", "/plans/{plan}/accountability/"),
]


def count_queries(app, plan) -> dict[tuple[str, str], int]:
    app.config["PAGE_CACHE_SIZE"] = 0  # the queries of rendering the dashboard, not of a kept one
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
    alert_scan(plan, date(2026, 11, 26), datetime.fromisoformat("2026-11-26T07:00:00+07:00"))
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
    # The dashboard counts the escalations per unit in one grouped query: the same lines as the
    # escalations grouped one by one.
    with app.test_request_context():
        day = date(2026, 11, 26)
        counted = [group.summary(day) for group in escalations_by_unit(plan.id)]
        listed = [group.summary(day) for group in group_by_unit(open_alerts(plan.id, kinds=(ESCALATION,)))]
    assert counted == listed and len(counted) > 3
    # The data really grew, and the pages show it.
    committee = signed_in(app, "committee")
    tasks_html = page(committee, f"/plans/{plan.id}/dashboard/tasks")
    # The list shows one page of the 105 tasks, and its next page the following ones.
    total, first_page, following = paged_list(tasks_html)
    assert (total, len(first_page)) == (45 + 60, 50) and "page=2" in following
    # IV.8 and the 20 new dated tasks (01/01-30/09) are overdue.
    assert len(listed_tasks(page(committee, f"/plans/{plan.id}/dashboard/tasks?status=in_progress_overdue"))) == 1 + 20
    assert page(committee, f"/plans/{plan.id}/tasks/IV.4.1").count('class="card mb-2" id="update-') == 41
    # A card for each of the 41 tổ dân phố: every one was chased, so each has something to answer for
    # (even Tổ dân phố 21 and 31, which lead nothing).
    assert page(committee, f"/plans/{plan.id}/accountability/").count('data-unit="to-dan-pho-') == 41
    large = count_queries(app, plan)

    assert large == small
    assert all(n > 0 for n in small.values())


# --- 5. who sees the committee pages ----------------------------------------------------------


def test_an_officer_reads_the_dashboard_but_not_the_league_table(june, app, plan):
    officer = signed_in(app, "officer")
    response = officer.get(f"/plans/{plan.id}/dashboard/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first = tiles(html, "key-heading")
    assert first["Units late with the report"][0] == 10
    # Read-only: no form that writes a comment, a question or a directive, and no link to the league table.
    for action in ("/comments", "/questions", "/directives"):
        assert not re.search(rf'<form[^>]*method="post"[^>]*action="[^"]*{action}"', html), action
    assert f"/plans/{plan.id}/accountability/" not in html
    # The units tile and the reporting list's unit names lead to what the officer may read instead.
    assert first["Units late with the report"][1] == "#reporting-heading"
    assert f'href="/plans/{plan.id}/units/phong-vh-xh"' in section(html, "reporting-heading")
    assert officer.get(f"/plans/{plan.id}/accountability/").status_code == 403
    assert officer.get(f"/plans/{plan.id}/accountability/units/phong-vh-xh").status_code == 403


@pytest.mark.parametrize("role", ["committee", "chair", "secretariat"])
def test_committee_chair_and_secretariat_see_the_league_table(june, app, plan, role):
    client = signed_in(app, role)
    html = page(client, f"/plans/{plan.id}/accountability/")
    assert "Accountability by unit" in html
    assert 'data-unit="phong-vh-xh"' in html and "Phòng Văn hóa – Xã hội" in html
    dashboard = page(client, f"/plans/{plan.id}/dashboard/")
    assert f'href="/plans/{plan.id}/accountability/units/phong-vh-xh#reports"' in section(
        dashboard, "reporting-heading"
    )
    assert tiles(dashboard, "key-heading")["Units late with the report"][1] == f"/plans/{plan.id}/accountability/"
