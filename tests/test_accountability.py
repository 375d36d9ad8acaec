"""The chair's league table: who answers for what is late or unreported, with known answers.

Phòng Văn hóa – Xã hội (phong-vh-xh) is the primary lead of 9 leaf tasks: IV.4.1, IV.4.2, IV.8,
VI.3.1-VI.3.6. All run in 2026 (VI.3.2 from 01/01 to 31/12, the others continuously), so it owes 9
reports for the six-month period of 2026 (unit deadline 05/06) and 9 for the annual one (10/11).
Trạm Y tế (tram-y-te) leads IV.4.3 and VI.6: 2 reports per period.

The figures are read on 2026-11-26, when both periods are due. Days overdue: 05/06 -> 26/11 is
25 + 31 + 31 + 30 + 31 + 26 = 174 days; 10/11 -> 26/11 is 16 days. The plan runs 1826 days, so a
continuous task's expected progress on 26/11 (day 330) is 330 / 1826 = 18.1%.
"""
from __future__ import annotations

import html as htmllib
import re
from datetime import date, datetime
from decimal import Decimal
from functools import partial

import pytest
from sqlalchemy import select

from tests import helpers
from tracker.accountability.services import SORT_KEYS, UnitFigures, rate
from tracker.audit.services import Actor
from tracker.discussion import services as discussion
from tracker.discussion.models import Directive
from tracker.extensions import db
from tracker.progress.services import UpdateInput, post_update
from tracker.reports import services as reports
from tracker.units.models import Unit


signed_in = partial(helpers.signed_in, language="en")
page = helpers.page
plain = helpers.plain


D = Decimal
TODAY = "2026-11-26T09:00:00+07:00"
VHXH = "Phòng Văn hóa – Xã hội"
YTE = "Trạm Y tế phường"


# --- helpers ----------------------------------------------------------------------------------


def at(day: str, clock: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+07:00")


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def progress(user, task, unit_code: str, percent: int, state: str, when: datetime):
    post_update(Actor.for_user(user), task, unit(unit_code).id, "lead", UpdateInput(percent, state, f"Kết quả {percent}%"),
                files=[], now=when)


def send_report(user, period, task, unit_code: str, when: datetime):
    report = reports.get_or_start(period, task, unit(unit_code).id, when)
    reports.submit(Actor.for_user(user), report, reports.ReportInput(results="Kết quả của kỳ"), when)


COLUMNS = ("tasks_led", "on_track", "overdue", "days_overdue", "stale", "reporting_rate", "on_time_rate", "directives", "questions")


def league(html: str) -> dict[str, dict[str, str]]:
    """The league table as {unit name: {column: text}}, in the order shown."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        name = plain(re.search(r'<th scope="row">(.*?)</th>', row, re.S).group(1))
        cells = [plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[name] = dict(zip(COLUMNS, cells))
    return rows


def links_of(html: str, unit_name: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if f">{unit_name}</a></th>" in r)
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', row)]


def listed_tasks(html: str) -> list[str]:
    items = html.split('<ul class="list-group">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<span class="task-code">([^<]+)</span>', items)


def cards(html: str) -> list[str]:
    """The question or directive cards of a discussion page, as text."""
    return [plain(c) for c in re.findall(r'<div class="card mb-2[^"]*"><div class="card-body py-2">(.*?)</div></div>', html, re.S)]


# --- 1. the formulas --------------------------------------------------------------------------


def test_rate_is_a_percentage_to_one_decimal_capped_at_100():
    assert rate(5, 9) == D("55.6")
    assert rate(1, 3) == D("33.3")
    assert rate(2, 3) == D("66.7")
    assert rate(9, 9) == D(100)
    assert rate(0, 4) == D(0)
    # More sent than owed (a unit that also reports as partner) never reads above 100%.
    assert rate(12, 10) == D(100)
    # Nothing owed: no rate at all, rather than 0% or 100%.
    assert rate(0, 0) is None
    assert rate(3, 0) is None


def test_unit_figures_properties(app):
    figures = UnitFigures(Unit(code="phong-vh-xh", name=VHXH, sort_order=5), tasks_led=9, on_track=4,
                          reports_expected=18, reports_sent=12, reports_on_time=10, directives_due=3, directives_on_time=1)
    assert figures.on_track_share == D("44.4")
    assert figures.reporting_rate == D("66.7")
    assert figures.on_time_rate == D("55.6")
    assert figures.directives_rate == D("33.3")
    assert figures.reports_missing == 6
    nothing = UnitFigures(Unit(code="bch-quan-su", name="Ban Chỉ huy Quân sự phường", sort_order=12))
    assert (nothing.on_track_share, nothing.reporting_rate, nothing.on_time_rate, nothing.directives_rate) == (None, None, None, None)
    assert nothing.reports_missing == 0
    over = UnitFigures(Unit(code="x", name="x"), reports_expected=2, reports_sent=3, reports_on_time=3)
    assert (over.reporting_rate, over.on_time_rate, over.reports_missing) == (D(100), D(100), 0)


def test_sort_keys_put_the_worst_first_and_nothing_owed_last(app):
    a = UnitFigures(Unit(code="a", name="A", sort_order=1), overdue=2, days_overdue=30, reports_expected=4, reports_sent=4)
    b = UnitFigures(Unit(code="b", name="B", sort_order=2), overdue=2, days_overdue=300, reports_expected=4, reports_sent=1)
    c = UnitFigures(Unit(code="c", name="C", sort_order=3), overdue=5, days_overdue=10)
    rows = [a, b, c]
    assert [f.unit.code for f in sorted(rows, key=SORT_KEYS["overdue"])] == ["c", "b", "a"]
    assert [f.unit.code for f in sorted(rows, key=SORT_KEYS["reporting_rate"])] == ["b", "a", "c"]  # 25%, 100%, none owed
    assert [f.unit.code for f in sorted(rows, key=SORT_KEYS["days_overdue"])] == ["b", "a", "c"]


# --- 2. the prepared data ---------------------------------------------------------------------


@pytest.fixture
def season(app, plan, user_of, task_of, period_of):
    """Updates, reports, directives and questions of 2026, read on 26/11/2026.

    Phòng VH-XH, six-month 2026 (9 owed): on time IV.4.1, IV.4.2, IV.8, VI.3.1 (4); late VI.3.3 (1);
    missing VI.3.2, VI.3.4, VI.3.5, VI.3.6 (4).
    Phòng VH-XH, annual 2026 (9 owed): on time IV.4.1, IV.4.2, IV.8, VI.3.1, VI.3.2, VI.3.5 (6);
    late VI.3.4 (1); missing VI.3.3, VI.3.6 (2).
    Trạm Y tế: both six-month reports on time; annual: IV.4.3 on time, VI.6 missing.
    Directives to Phòng VH-XH: D1 due 31/03 done 25/03 (on time); D2 due 30/04 done 10/05 (late);
    D3 due 15/10, still open (overdue); D4 due 15/12 (not due yet).
    Questions: two open to Phòng VH-XH, one it answered; one Trạm Y tế answered.
    """
    vhxh, yte, chair, committee = user_of("officer"), user_of("officer_yte"), user_of("chair"), user_of("committee")
    six, annual = period_of("six_month", 2026), period_of("annual", 2026)
    # Progress
    progress(vhxh, task_of("IV.4.2"), "phong-vh-xh", 100, "done", at("2026-10-01"))
    progress(vhxh, task_of("VI.3.1"), "phong-vh-xh", 20, "working", at("2026-10-01"))
    progress(vhxh, task_of("IV.8"), "phong-vh-xh", 30, "working", at("2026-10-15"))
    progress(yte, task_of("IV.4.3"), "tram-y-te", 50, "working", at("2026-11-01"))
    progress(vhxh, task_of("IV.4.1"), "phong-vh-xh", 60, "working", at("2026-11-20"))
    # Six-month reports
    for code, day in (("IV.4.1", "2026-06-01"), ("IV.4.2", "2026-06-02"), ("IV.8", "2026-06-03")):
        send_report(vhxh, six, task_of(code), "phong-vh-xh", at(day))
    send_report(vhxh, six, task_of("VI.3.1"), "phong-vh-xh", at("2026-06-05", "21:00"))  # the last evening: on time
    send_report(vhxh, six, task_of("VI.3.3"), "phong-vh-xh", at("2026-06-08"))  # late
    send_report(yte, six, task_of("IV.4.3"), "tram-y-te", at("2026-06-02"))
    send_report(yte, six, task_of("VI.6"), "tram-y-te", at("2026-06-04"))
    # Annual reports
    for code in ("IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.5"):
        send_report(vhxh, annual, task_of(code), "phong-vh-xh", at("2026-11-06"))
    send_report(vhxh, annual, task_of("VI.3.4"), "phong-vh-xh", at("2026-11-12"))  # late
    send_report(yte, annual, task_of("IV.4.3"), "tram-y-te", at("2026-11-05"))
    # Directives
    chair_actor, vhxh_actor = Actor.for_user(chair), Actor.for_user(vhxh)
    vh = unit("phong-vh-xh")
    d1 = discussion.issue_directive(chair_actor, plan, vh, "D1 Báo cáo danh sách lao động cần việc làm", date(2026, 3, 31), at("2026-03-01"))
    d2 = discussion.issue_directive(chair_actor, plan, vh, "D2 Rà soát học sinh hộ nghèo", date(2026, 4, 30), at("2026-04-01"))
    discussion.issue_directive(chair_actor, plan, vh, "D3 Đề xuất mở rộng bảo trợ xã hội", date(2026, 10, 15), at("2026-09-01"))
    discussion.issue_directive(chair_actor, plan, vh, "D4 Chuẩn bị tổng kết năm", date(2026, 12, 15), at("2026-11-20"))
    discussion.reply_to_directive(vhxh_actor, d1, "Đã gửi danh sách", True, at("2026-03-25"))
    discussion.reply_to_directive(vhxh_actor, d2, "Đã rà soát xong", True, at("2026-05-10"))
    # Questions
    committee_actor = Actor.for_user(committee)
    discussion.ask_question(committee_actor, plan, vh, "Q1 Vì sao VI.3.6 chưa có báo cáo?", at("2026-07-01"), task=task_of("VI.3.6"))
    discussion.ask_question(committee_actor, plan, vh, "Q2 Kết quả tư vấn hướng nghiệp?", at("2026-08-01"))
    q3 = discussion.ask_question(committee_actor, plan, vh, "Q3 Số học sinh được hỗ trợ?", at("2026-07-15"))
    discussion.answer_question(vhxh_actor, q3, "124 học sinh", at("2026-07-20"))
    q4 = discussion.ask_question(committee_actor, plan, unit("tram-y-te"), "Q4 Số thẻ BHYT đã cấp?", at("2026-07-15"))
    discussion.answer_question(Actor.for_user(yte), q4, "312 thẻ", at("2026-07-16"))
    db.session.commit()
    app.config["FROZEN_NOW"] = TODAY


def test_league_table_for_the_plan_to_date(season, app, plan):
    """Both 2026 periods are due on 26/11."""
    rows = league(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/"))
    # Phòng VH-XH: 9 tasks led. Overdue: VI.3.3 (six-month sent late, annual missing: since 10/11,
    # 16 days), VI.3.4, VI.3.5, VI.3.6 (six-month missing: since 05/06, 174 days each) -> 4 tasks,
    # 16 + 3*174 = 538 days. VI.3.2 is dated (due 31/12): not overdue.
    # Stale (no lead update since 11/10): VI.3.1 (01/10) and VI.3.2-VI.3.6 (none) -> 6.
    # On track (done or green): IV.4.1 (60 vs 18.1), IV.4.2 (done), IV.8 (30), VI.3.1 (20 vs 18.1) -> 4/9 = 44.4%.
    # Reports: 18 owed, 5 + 7 = 12 sent -> 66.7%; 4 + 6 = 10 on time -> 55.6%.
    # Directives due by today: D1, D2, D3; on time D1 -> 1/3 = 33.3%. Open questions: Q1, Q2.
    assert rows[VHXH] == {
        "tasks_led": "9", "on_track": "44.4%", "overdue": "4", "days_overdue": "538", "stale": "6",
        "reporting_rate": "66.7% (12/18)", "on_time_rate": "55.6% (10/18)", "directives": "33.3% (1/3)", "questions": "2",
    }
    # Trạm Y tế: VI.6 is overdue since 10/11 (annual missing): 1 task, 16 days; VI.6 has no update -> stale.
    # On track: IV.4.3 (50 vs 18.1); VI.6 is red (overdue) -> 1/2 = 50%. Reports 3/4 sent, all on time.
    assert rows[YTE] == {
        "tasks_led": "2", "on_track": "50%", "overdue": "1", "days_overdue": "16", "stale": "1",
        "reporting_rate": "75% (3/4)", "on_time_rate": "75% (3/4)", "directives": "— (0/0)", "questions": "0",
    }
    # A unit that sent nothing: Phòng Kinh tế leads VI.2.1 and VI.2.2, owes 4 reports, both tasks 174 days overdue.
    assert rows["Phòng Kinh tế"] == {
        "tasks_led": "2", "on_track": "0%", "overdue": "2", "days_overdue": "348", "stale": "2",
        "reporting_rate": "0% (0/4)", "on_time_rate": "0% (0/4)", "directives": "— (0/0)", "questions": "0",
    }


def test_league_table_for_one_period(season, app, plan, period_of):
    client = signed_in(app, "chair")
    six, annual = period_of("six_month", 2026), period_of("annual", 2026)
    rows = league(page(client, f"/plans/{plan.id}/accountability/?period={six.id}"))
    # Six-month 2026: 9 owed, 5 sent, 4 on time. Directives due 01/01-30/06: D1 (on time), D2 (late).
    # Task figures are those of today.
    assert rows[VHXH]["reporting_rate"] == "55.6% (5/9)"
    assert rows[VHXH]["on_time_rate"] == "44.4% (4/9)"
    assert rows[VHXH]["directives"] == "50% (1/2)"
    assert (rows[VHXH]["overdue"], rows[VHXH]["days_overdue"], rows[VHXH]["stale"]) == ("4", "538", "6")
    assert rows[YTE]["reporting_rate"] == "100% (2/2)" and rows[YTE]["on_time_rate"] == "100% (2/2)"

    rows = league(page(client, f"/plans/{plan.id}/accountability/?period={annual.id}"))
    # Annual 2026: 7 of 9 sent, 6 on time. Directives due in 2026 up to today: D1, D2, D3 -> 1/3.
    assert rows[VHXH]["reporting_rate"] == "77.8% (7/9)"
    assert rows[VHXH]["on_time_rate"] == "66.7% (6/9)"
    assert rows[VHXH]["directives"] == "33.3% (1/3)"
    assert rows[YTE]["reporting_rate"] == "50% (1/2)" and rows[YTE]["on_time_rate"] == "50% (1/2)"
    # An unknown period is refused.
    assert client.get(f"/plans/{plan.id}/accountability/?period=99999").status_code == 404


def test_directive_timeliness(season, plan):
    directives = {d.body[:2]: d for d in db.session.scalars(select(Directive).where(Directive.plan_id == plan.id))}
    assert discussion.directive_on_time(directives["D1"]) is True
    assert discussion.directive_on_time(directives["D2"]) is False  # done 10 days after its due date
    assert discussion.directive_on_time(directives["D3"]) is False  # never done
    assert discussion.directive_overdue(directives["D3"], date(2026, 11, 26)) is True
    assert discussion.directive_overdue(directives["D4"], date(2026, 11, 26)) is False


# --- 3. sorting and the records behind each figure --------------------------------------------


def test_sort_by_overdue_lists_the_worst_unit_first(season, app, plan):
    rows = league(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/?sort=overdue"))
    # (overdue tasks, days): Phòng XD-NN-MT 9 (IV.4.4, IV.7, IV.9, VI.1.1-6; 9*174 = 1566);
    # MTTQ 5 (IV.2, IV.5, VI.8.1-3; 870); Phòng VH-XH 4 (538); UBND (IV.3, IV.6), Phòng Kinh tế
    # (VI.2.1-2), Văn phòng (IV.4.5, VI.4) 2 each (348); Đảng ủy, Trung tâm DVTH, NHCSXH, BHXH,
    # Công an 1 each (174); Trạm Y tế 1 (16). Ties keep the plan's unit order.
    assert list(rows) == [
        "Phòng Xây dựng, Nông nghiệp và Môi trường",
        "Ủy ban MTTQ Việt Nam phường",
        VHXH,
        "UBND phường",
        "Phòng Kinh tế",
        "Văn phòng HĐND-UBND phường",
        "Đảng ủy phường",
        "Trung tâm Dịch vụ tổng hợp phường",
        "Phòng Giao dịch Ngân hàng Chính sách xã hội Bắc Kạn",
        "Bảo hiểm xã hội cơ sở Bắc Kạn",
        "Công an phường",
        YTE,
    ]
    assert [rows[name]["overdue"] for name in rows] == ["9", "5", "4", "2", "2", "2", "1", "1", "1", "1", "1", "1"]
    assert rows["Phòng Xây dựng, Nông nghiệp và Môi trường"]["days_overdue"] == "1566"
    # The default order is the same.
    assert list(league(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/"))) == list(rows)


def test_sort_by_reporting_rate_lists_the_lowest_first(season, app, plan, period_of):
    client = signed_in(app, "chair")
    rows = league(page(client, f"/plans/{plan.id}/accountability/?sort=reporting_rate"))
    names = list(rows)
    # Everybody else sent nothing (0%), then Phòng VH-XH 66.7%, then Trạm Y tế 75%.
    assert names[-2:] == [VHXH, YTE]
    assert all(rows[n]["reporting_rate"].startswith("0% ") for n in names[:-2])
    assert len(names) == 12
    six = period_of("six_month", 2026)
    rows = league(page(client, f"/plans/{plan.id}/accountability/?period={six.id}&sort=reporting_rate"))
    assert list(rows)[-2:] == [VHXH, YTE]  # 55.6%, then 100%
    # The chosen sort is marked in the header.
    html = page(client, f"/plans/{plan.id}/accountability/?sort=reporting_rate")
    assert re.search(r'sort=reporting_rate" aria-current="true" class="fw-bold">Reporting rate ▾</a>', html)


def test_an_unknown_sort_is_not_found(season, app, plan):
    assert signed_in(app, "chair").get(f"/plans/{plan.id}/accountability/?sort=name_desc").status_code == 404


def test_each_figure_opens_the_records_behind_it(season, app, plan):
    client = signed_in(app, "chair")
    html = page(client, f"/plans/{plan.id}/accountability/")
    vh = unit("phong-vh-xh")
    links = links_of(html, VHXH)
    base = f"/plans/{plan.id}"
    # unit, tasks led, on track (of the tasks led), overdue, days overdue, stale, reporting
    # rate, on-time rate, directives, open questions
    assert links == [
        f"{base}/accountability/units/phong-vh-xh",
        f"{base}/dashboard/tasks?unit=phong-vh-xh",
        f"{base}/dashboard/tasks?unit=phong-vh-xh",
        f"{base}/dashboard/tasks?unit=phong-vh-xh&status=in_progress_overdue",
        f"{base}/dashboard/tasks?unit=phong-vh-xh&status=in_progress_overdue",
        f"{base}/dashboard/tasks?unit=phong-vh-xh&flag=stale",
        f"{base}/accountability/units/phong-vh-xh#reports",
        f"{base}/accountability/units/phong-vh-xh#reports",
        f"{base}/directives?unit={vh.id}&show=all",
        f"{base}/questions?unit={vh.id}",
    ]
    links = [links[0], links[1], links[3], links[5], links[6], links[8], links[9]]  # one of each
    # Tasks led: 9.
    assert listed_tasks(page(client, links[1])) == ["IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
    # Overdue: 4, the tasks counted.
    assert listed_tasks(page(client, links[2])) == ["VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
    overdue_text = plain(page(client, links[2]))
    assert overdue_text.count("174 days overdue") == 3 and overdue_text.count("16 days overdue") == 1
    # Stale: 6.
    assert listed_tasks(page(client, links[3])) == ["VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
    # Reporting rate: the unit's reports of both periods, 12 sent (10 on time, 2 late), 6 missing.
    unit_page = page(client, links[4].split("#")[0])
    reports_section = plain(unit_page.split('id="reports"', 1)[1].split("</section>", 1)[0])
    assert reports_section.count("sent on time") == 10
    assert reports_section.count("sent late") == 2
    assert reports_section.count("174 days late") == 4  # six-month: VI.3.2, VI.3.4, VI.3.5, VI.3.6
    assert reports_section.count("16 days late") == 2  # annual: VI.3.3, VI.3.6
    # Directives: the three that fell due (D1 done, D2 done late, D3 overdue), and D4 not due yet.
    directive_cards = cards(page(client, links[5]))
    bodies = {next(b for b in ("D1", "D2", "D3", "D4") if f" {b} " in f" {c} "): c for c in directive_cards}
    assert sorted(bodies) == ["D1", "D2", "D3", "D4"]
    assert "overdue" in bodies["D3"] and "done" not in bodies["D3"]
    assert "done" in bodies["D1"] and "done" in bodies["D2"]
    assert "overdue" not in bodies["D4"] and "done" not in bodies["D4"]
    # Open questions: 2, the two counted.
    question_cards = cards(page(client, links[6]))
    assert len(question_cards) == 2
    assert any("Q1 Vì sao VI.3.6 chưa có báo cáo?" in c for c in question_cards)
    assert any("Q2 Kết quả tư vấn hướng nghiệp?" in c for c in question_cards)


# --- 4. the unit page, period by period -------------------------------------------------------


def history(html: str) -> dict[str, list[str]]:
    table = html.split('id="history-heading"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_unit_page_shows_each_period_so_the_chair_sees_the_trend(season, app, plan):
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/units/phong-vh-xh")
    rows = history(html)
    # A row per period whose unit deadline has come by 26/11/2026: the two 2026 periods. The mid-term
    # and final reviews started on 01/01/2026 but are not due yet, so they have no row.
    assert list(rows) == ["6-month report 2026", "Annual report 2026"]
    # Columns: as of, tasks led, on track, overdue, days overdue, stale, reporting rate, on-time
    # rate, directives.
    six, annual = rows["6-month report 2026"], rows["Annual report 2026"]
    # Six-month 2026 as of its deadline 05/06: nothing overdue yet; on track all but VI.3.2 (its
    # own dates 01/01-31/12 expect 42.7% by then, 0% reported: red) -> 8 of 9; all 9 stale (no
    # update before October); 4 of 9 sent by the deadline; directives D1 on time, D2 late -> 50%.
    assert six[0] == "05/06/2026"
    assert six[1:6] == ["9", "88.9%", "0", "0", "9"]
    assert six[7] == "44.4%"
    assert six[8] == "50%"
    # Annual 2026 as of 10/11: VI.3.4, VI.3.5, VI.3.6 overdue since 05/06 (158 days each = 474);
    # stale IV.4.1 (its update comes on 20/11) and VI.3.2-VI.3.6 -> 6; 6 of 9 sent on time;
    # directives D1, D2, D3 due -> 1/3.
    # On track: IV.4.2 done, VI.3.1 (20%) and IV.8 (30%) ahead of the 17.1% expected of a task
    # running the whole plan -> 3 of 9.
    assert annual[0] == "10/11/2026"
    assert annual[1:6] == ["9", "33.3%", "3", "474", "6"]
    assert annual[7] == "66.7%"
    assert annual[8] == "33.3%"
    # Improving: the on-time rate went from 44.4% to 66.7%.
    assert D(six[7].rstrip("%")) < D(annual[7].rstrip("%"))
    # The plan-to-date line at the top agrees with the league table.
    top = plain(html.split('id="history-heading"', 1)[0])
    assert "tasks led 9 · overdue 4 · reporting rate 66.7% · on-time rate 55.6%" in top


def test_unit_page_counts_a_late_report_as_sent(season, app, plan):
    rows = history(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/units/phong-vh-xh"))
    assert rows["6-month report 2026"][6] == "55.6% (5/9)"  # as in the league table for that period
    assert rows["6-month report 2026"][7] == "44.4%"
    assert rows["Annual report 2026"][6] == "77.8% (7/9)"


def test_unit_page_does_not_count_reports_that_are_not_due_yet(season, app, plan):
    rows = history(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/units/phong-vh-xh"))
    assert "Mid-term review 2028" not in rows and "Final review 2030" not in rows


def test_unit_page_of_a_unit_group_or_unknown_unit_is_not_found(season, app, plan):
    client = signed_in(app, "chair")
    assert client.get(f"/plans/{plan.id}/accountability/units/cac-to-dan-pho").status_code == 404
    assert client.get(f"/plans/{plan.id}/accountability/units/no-such-unit").status_code == 404
