"""The chair's league table: who answers for what is late, since when, and the records behind it;
chasing (đôn đốc) a late unit. Known answers, worked out by hand.

Per unit the table shows the longest-late item and since when, the reports late (since), the
reports sent and on time, the tasks overdue (past their own due date, since), the tasks without a
recent update, the directives answered on time and the chases received; it never adds up days.
A unit sends ONE report per reporting round. Bodies outside UBND's own apparatus (Đảng ủy, Ủy ban
MTTQ, NHCSXH, BHXH, Công an, Quân sự, the mass organisations) are listed as their own group: UBND
assigns to its offices and requests ("đề nghị") of the others.

Phòng Văn hóa – Xã hội (phong-vh-xh) is the primary lead of 9 leaf tasks: IV.4.1, IV.4.2, IV.8,
VI.3.1-VI.3.6, all continuous but VI.3.2 (01/01-31/12/2026). Trạm Y tế (tram-y-te) leads IV.4.3 and
VI.6, Phòng Kinh tế VI.2.1 and VI.2.2. Twelve units owe a report in each 2026 round: six-month (unit
deadline 05/06) and annual (10/11).

The figures are read on 2026-11-26. Days late: 05/06 -> 26/11 is 25 + 31 + 31 + 30 + 31 + 26 =
174 days (late since 06/06); 10/11 -> 26/11 is 16 days (since 11/11). The plan runs 1826 days, so a
continuous task's expected progress on 26/11 (day 330) is 330 / 1826 = 18.1%.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests import helpers
from tests.helpers import at
from tracker.accountability.models import Chase
from tracker.accountability.services import (
    LATE_REPORT,
    OVERDUE_DIRECTIVE,
    OVERDUE_TASK,
    SORT_KEYS,
    LateItem,
    UnitFigures,
    share_percent,
)
from tracker.alerts.models import Alert, Notification
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.discussion import services as discussion
from tracker.discussion.models import Directive
from tracker.extensions import db
from tracker.progress.services import UpdateInput, post_update
from tracker.units.models import Unit

signed_in = partial(helpers.signed_in, language="en")
page = helpers.page
plain = helpers.plain
send_unit_report = helpers.send_unit_report


D = Decimal
TODAY = "2026-11-26T09:00:00+07:00"
VHXH = "Phòng Văn hóa – Xã hội"
YTE = "Trạm Y tế phường"
VHXH_TASKS = ["IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
# The units with something to answer for in 2026, by group, in the plan's order.
INSIDE = [
    "ubnd",
    "phong-xd-nn-mt",
    "phong-kinh-te",
    "phong-vh-xh",
    "van-phong-hdnd-ubnd",
    "tt-dich-vu-tong-hop",
    "tram-y-te",
]
OUTSIDE = ["dang-uy", "ub-mttq", "nhcsxh", "bhxh", "cong-an"]


# --- helpers ----------------------------------------------------------------------------------


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def progress(user, task, unit_code: str, percent: int, state: str, when: datetime):
    post_update(
        Actor.for_user(user),
        task,
        unit(unit_code).id,
        "lead",
        UpdateInput(percent, state, f"Kết quả {percent}%"),
        files=[],
        now=when,
    )


def card_html(html: str, code: str) -> str:
    """A unit's card in the league table, as HTML."""
    match = re.search(
        rf'<div class="card[^"]*" data-unit="{re.escape(code)}">(.*?)</div>\s*</div>\s*</div>', html, re.S
    )
    assert match, code
    return match.group(1)


def card(html: str, code: str) -> str:
    """A unit's card, as text."""
    return plain(card_html(html, code))


def figure(html: str, code: str, name: str) -> str:
    """One figure of a unit's card: the text of the <dd> after the <dt> called `name`."""
    match = re.search(rf"<dt>{re.escape(name)}</dt>\s*<dd>(.*?)</dd>", card_html(html, code), re.S)
    assert match, (code, name)
    return plain(match.group(1))


def longest(html: str, code: str) -> str:
    text = card(html, code)
    match = re.search(r"Longest late: (.*?) Reports late", text)
    return match.group(1) if match else ("Nothing late" if "Nothing late" in text else "?")


def order(html: str) -> list[str]:
    """The unit codes of the league table's cards, in the order shown."""
    return re.findall(r'<div class="card[^"]*" data-unit="([^"]+)">', html)


def group(html: str, key: str) -> list[str]:
    """The unit codes of a group ("inside": UBND's offices, "outside": the bodies it requests of)."""
    match = re.search(rf'<section[^>]*aria-labelledby="group-{key}"[^>]*>(.*?)</section>', html, re.S)
    assert match, key
    return re.findall(r'data-unit="([^"]+)"', match.group(1))


def group_heading(html: str, key: str) -> str:
    return plain(re.search(rf'<h2[^>]*id="group-{key}"[^>]*>(.*?)</h2>', html, re.S).group(1))


def links_of(html: str, code: str) -> list[tuple[str, dict]]:
    """The card's links as (path, query) pairs, in order."""
    found = []
    for href in re.findall(r'href="([^"]+)"', card_html(html, code)):
        parts = urlsplit(htmllib.unescape(href))
        found.append(
            (
                parts.path + (f"#{parts.fragment}" if parts.fragment else ""),
                {k: v[0] for k, v in parse_qs(parts.query).items()},
            )
        )
    return found


def chase_forms(html: str) -> list[str]:
    """The unit codes whose card offers a chase button."""
    return re.findall(r'<form method="post" action="/plans/\d+/accountability/units/([^/"]+)/chase">', html)


def listed_tasks(html: str) -> list[str]:
    items = html.split('<ul class="list-group">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<span class="task-code">([^<]+)</span>', items)


def cards(html: str) -> list[str]:
    """The question or directive cards of a discussion page, as text."""
    return [
        plain(c)
        for c in re.findall(r'<div class="card mb-2[^"]*"><div class="card-body py-2">(.*?)</div></div>', html, re.S)
    ]


def days_mentioned(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"(\d+) days?\b", text)}


# --- 1. the formulas --------------------------------------------------------------------------


def test_rate_is_a_percentage_to_one_decimal_capped_at_100():
    assert share_percent(5, 9) == D("55.6")
    assert share_percent(1, 3) == D("33.3")
    assert share_percent(2, 3) == D("66.7")
    assert share_percent(9, 9) == D(100)
    assert share_percent(0, 4) == D(0)
    # More sent than owed never reads above 100%.
    assert share_percent(12, 10) == D(100)
    # Nothing owed: no rate at all, rather than 0% or 100%.
    assert share_percent(0, 0) is None
    assert share_percent(3, 0) is None


def test_unit_figures_properties(app):
    late = [
        LateItem(LATE_REPORT, "6-month report 2026", date(2026, 6, 6), 174),
        LateItem(OVERDUE_TASK, "VI.3.2", date(2027, 1, 1), 20),
        LateItem(LATE_REPORT, "Annual report 2026", date(2026, 11, 11), 16),
    ]
    figures = UnitFigures(
        Unit(code="phong-vh-xh", name=VHXH, sort_order=5),
        tasks_led=9,
        on_track=4,
        overdue=1,
        reports_expected=2,
        reports_sent=1,
        reports_on_time=1,
        directives_due=3,
        directives_on_time=1,
        late=late,
    )
    assert figures.on_track_share == D("44.4")
    assert figures.reporting_rate == D(50)
    assert figures.on_time_rate == D(50)
    assert figures.directives_rate == D("33.3")
    assert figures.longest == late[0]
    assert [i.name for i in figures.late_reports] == ["6-month report 2026", "Annual report 2026"]
    assert figures.late_reports_since == date(2026, 6, 6)  # the earliest, not a sum
    assert figures.overdue_since == date(2027, 1, 1)
    assert figures.is_late
    # The figures keep no sum of days at all.
    assert not hasattr(figures, "days_overdue")
    nothing = UnitFigures(
        Unit(code="bch-quan-su", name="Ban Chỉ huy Quân sự phường", sort_order=12, outside_apparatus=True)
    )
    assert (nothing.on_track_share, nothing.reporting_rate, nothing.on_time_rate, nothing.directives_rate) == (
        None,
        None,
        None,
        None,
    )
    assert (nothing.longest, nothing.late_reports_since, nothing.overdue_since) == (None, None, None)
    assert not nothing.is_late and nothing.outside
    over = UnitFigures(Unit(code="x", name="x"), reports_expected=2, reports_sent=3, reports_on_time=3)
    assert (over.reporting_rate, over.on_time_rate) == (D(100), D(100))


def test_a_late_item_says_what_is_late_since_when_and_how_long():
    assert (
        LateItem(LATE_REPORT, "6-month report 2026", date(2026, 6, 6), 174).describe()
        == "6-month report 2026 not sent, 174 days late, since 06/06/2026"
    )
    assert (
        LateItem(OVERDUE_TASK, "VI.3.2", date(2027, 1, 1), 20).describe()
        == "task VI.3.2 overdue 20 days, since 01/01/2027"
    )
    assert (
        LateItem(OVERDUE_DIRECTIVE, "Gửi danh sách", date(2026, 10, 16), 42).describe()
        == "directive \u201cGửi danh sách\u201d overdue 42 days, since 16/10/2026"
    )


def test_a_late_item_of_one_day_says_day():
    """The day after a deadline, in English: "1 day late", as the badges and lists elsewhere say
    ("Report 1 day late", "1 day overdue")."""
    assert (
        LateItem(LATE_REPORT, "6-month report 2026", date(2026, 6, 6), 1).describe()
        == "6-month report 2026 not sent, 1 day late, since 06/06/2026"
    )
    assert (
        LateItem(OVERDUE_TASK, "VI.3.2", date(2027, 1, 1), 1).describe()
        == "task VI.3.2 overdue 1 day, since 01/01/2027"
    )


def test_sort_keys_put_the_worst_first_and_nothing_owed_last(app):
    def item(days, since, kind=LATE_REPORT):
        return LateItem(kind, "x", since, days)

    a = UnitFigures(
        Unit(code="a", name="A", sort_order=1),
        overdue=2,
        stale=1,
        reports_expected=4,
        reports_sent=4,
        chases=1,
        late=[item(30, date(2026, 10, 27), OVERDUE_TASK), item(30, date(2026, 10, 27), OVERDUE_TASK)],
    )
    b = UnitFigures(
        Unit(code="b", name="B", sort_order=2),
        overdue=2,
        stale=5,
        reports_expected=4,
        reports_sent=1,
        chases=3,
        late=[
            item(300, date(2026, 2, 1)),
            item(200, date(2026, 5, 12), OVERDUE_TASK),
            item(10, date(2026, 11, 16), OVERDUE_TASK),
        ],
    )
    c = UnitFigures(
        Unit(code="c", name="C", sort_order=3), overdue=5, late=[item(100, date(2026, 8, 18), OVERDUE_TASK)] * 5
    )
    d = UnitFigures(Unit(code="d", name="D", sort_order=4), tasks_led=1)  # nothing late
    rows = [a, b, c, d]

    def codes(key):
        return [f.unit.code for f in sorted(rows, key=SORT_KEYS[key])]

    # The default: the longest-late item first (B 300, C 100, A 30), nothing late last.
    assert codes("longest") == ["b", "c", "a", "d"]
    # Most tasks overdue first; equal counts, the one overdue longer ago (B since 12/05) first.
    assert codes("overdue") == ["c", "b", "a", "d"]
    assert codes("late_reports") == ["b", "a", "c", "d"]
    assert codes("reporting_rate") == ["b", "a", "c", "d"]  # 25%, 100%, then nothing owed in plan order
    assert codes("stale") == ["b", "a", "c", "d"]
    assert codes("chases") == ["b", "a", "c", "d"]
    assert codes("unit") == ["a", "b", "c", "d"]
    # There is no sort by a sum of days.
    assert "days_overdue" not in SORT_KEYS


# --- 2. the prepared data ---------------------------------------------------------------------


@pytest.fixture
def season(app, plan, user_of, task_of, period_of):
    """Updates, unit reports, directives and questions of 2026, read on 26/11/2026.

    Phòng VH-XH: six-month report sent 08/06 (3 days late), annual report sent 06/11 (on time).
    Trạm Y tế: six-month report sent 02/06 (on time), annual report not sent (16 days late).
    The other ten units owing reports sent nothing (both 2026 reports late, the first 174 days).
    Directives to Phòng VH-XH: D1 due 31/03 done 25/03 (on time); D2 due 30/04 done 10/05 (late);
    D3 due 15/10, still open (overdue since 16/10: 42 days on 26/11); D4 due 15/12 (not due yet).
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
    # Unit reports
    send_unit_report(vhxh, six, at("2026-06-08"))  # late
    send_unit_report(vhxh, annual, at("2026-11-06"))
    send_unit_report(yte, six, at("2026-06-02"))
    # Directives
    chair_actor, vhxh_actor = Actor.for_user(chair), Actor.for_user(vhxh)
    vh = unit("phong-vh-xh")
    d1 = discussion.issue_directive(
        chair_actor, plan, vh, "D1 Báo cáo danh sách lao động cần việc làm", date(2026, 3, 31), at("2026-03-01")
    )
    d2 = discussion.issue_directive(
        chair_actor, plan, vh, "D2 Rà soát học sinh hộ nghèo", date(2026, 4, 30), at("2026-04-01")
    )
    discussion.issue_directive(
        chair_actor, plan, vh, "D3 Đề xuất mở rộng bảo trợ xã hội", date(2026, 10, 15), at("2026-09-01")
    )
    discussion.issue_directive(chair_actor, plan, vh, "D4 Chuẩn bị tổng kết năm", date(2026, 12, 15), at("2026-11-20"))
    discussion.reply_to_directive(vhxh_actor, d1, "Đã gửi danh sách", True, at("2026-03-25"))
    discussion.reply_to_directive(vhxh_actor, d2, "Đã rà soát xong", True, at("2026-05-10"))
    # Questions
    committee_actor = Actor.for_user(committee)
    discussion.ask_question(
        committee_actor, plan, vh, "Q1 Vì sao VI.3.6 chưa có báo cáo?", at("2026-07-01"), task=task_of("VI.3.6")
    )
    discussion.ask_question(committee_actor, plan, vh, "Q2 Kết quả tư vấn hướng nghiệp?", at("2026-08-01"))
    q3 = discussion.ask_question(committee_actor, plan, vh, "Q3 Số học sinh được hỗ trợ?", at("2026-07-15"))
    discussion.answer_question(vhxh_actor, q3, "124 học sinh", at("2026-07-20"))
    q4 = discussion.ask_question(committee_actor, plan, unit("tram-y-te"), "Q4 Số thẻ BHYT đã cấp?", at("2026-07-15"))
    discussion.answer_question(Actor.for_user(yte), q4, "312 thẻ", at("2026-07-16"))
    db.session.commit()
    app.config["FROZEN_NOW"] = TODAY


def test_league_table_for_the_plan_to_date(season, app, plan):
    """Both 2026 rounds are due on 26/11."""
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/")
    # Phòng VH-XH: both reports sent (2/2), the first late (on time 1/2): no report is late now. No
    # task is overdue: the only dated one, VI.3.2, is due 31/12. Stale (no update since 12/10):
    # VI.3.1 (01/10) and VI.3.2-VI.3.6 (none) -> 6. Directives due by today: D1, D2, D3; on time D1
    # -> 1/3. What is late: D3, overdue since 16/10, 42 days.
    assert (
        longest(html, "phong-vh-xh")
        == "directive \u201cD3 Đề xuất mở rộng bảo trợ xã hội\u201d overdue 42 days, since 16/10/2026"
    )
    assert figure(html, "phong-vh-xh", "Reports late") == "0"
    assert figure(html, "phong-vh-xh", "Reports sent") == "2/2 · on time 1/2"
    assert figure(html, "phong-vh-xh", "Tasks overdue") == "0 / 9"
    assert figure(html, "phong-vh-xh", "No recent update") == "6"
    assert figure(html, "phong-vh-xh", "Directives on time") == "1/3"
    assert figure(html, "phong-vh-xh", "Chased") == "0"
    # Trạm Y tế: six-month on time, annual not sent: late since 11/11, 16 days. VI.6 has no update -> stale.
    assert longest(html, "tram-y-te") == "Annual report 2026 not sent, 16 days late, since 11/11/2026"
    assert figure(html, "tram-y-te", "Reports late") == "1 (since 11/11/2026)"
    assert figure(html, "tram-y-te", "Reports sent") == "1/2 · on time 1/2"
    assert figure(html, "tram-y-te", "Tasks overdue") == "0 / 2"
    assert figure(html, "tram-y-te", "No recent update") == "1"
    assert figure(html, "tram-y-te", "Directives on time") == "0/0"
    # Phòng Kinh tế sent nothing: two reports late, the first since 06/06; its longest-late item is
    # that report, 174 days -- never 174 + 16 = 190.
    assert longest(html, "phong-kinh-te") == "6-month report 2026 not sent, 174 days late, since 06/06/2026"
    assert figure(html, "phong-kinh-te", "Reports late") == "2 (since 06/06/2026)"
    assert figure(html, "phong-kinh-te", "Reports sent") == "0/2 · on time 0/2"
    assert figure(html, "phong-kinh-te", "Tasks overdue") == "0 / 2"
    assert figure(html, "phong-kinh-te", "No recent update") == "2"
    # All 12 have something late: Phòng VH-XH its directive D3, the others a report.
    assert "12 units have something late" in plain(html)


def test_the_league_table_never_adds_up_days(season, app, plan):
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/")
    # On every card the only count of days is that of the longest-late item.
    expected_days = {"phong-vh-xh": {42}, "tram-y-te": {16}, "phong-kinh-te": {174}}
    for code in INSIDE + OUTSIDE:
        assert days_mentioned(card(html, code)) == expected_days.get(code, {174}), code
    # 174 + 16 (Phòng Kinh tế's two reports), 9 * 174 + 9 * 16 (a unit's tasks times the days of
    # its reports): no such sum anywhere on the page.
    text = plain(html)
    for total in (190, 348, 1566, 1710):
        assert not re.search(rf"\b{total}\b", text), total
    assert "Days overdue" not in text and "days overdue" not in text


def test_the_unit_page_lists_everything_late_longest_first(season, app, plan, task_of):
    """Phòng XD-NN-MT's milestone "Sơ kết giữa kỳ" of VI.1.6, brought forward to 30/09/2026 and not
    done, is overdue since 01/10 (31 + 26 = 57 days); its two reports are late 174 and 16 days."""
    milestone = next(m for m in task_of("VI.1.6").milestones if m.due_on == date(2028, 11, 15))
    milestone.due_on = date(2026, 9, 30)
    db.session.commit()
    client = signed_in(app, "chair")
    html = page(client, f"/plans/{plan.id}/accountability/units/phong-xd-nn-mt")
    late = plain(html.split('id="late-heading"', 1)[1].split("</section>", 1)[0]).lstrip("> ")
    assert late == (
        "What is late 3 6-month report 2026 not sent, 174 days late, since 06/06/2026 "
        "milestone of VI.1.6 overdue 57 days, since 01/10/2026 "
        "Annual report 2026 not sent, 16 days late, since 11/11/2026"
    )
    # The card at the top agrees: the longest is the report.
    assert longest(html, "phong-xd-nn-mt") == "6-month report 2026 not sent, 174 days late, since 06/06/2026"


def test_the_longest_late_item_can_be_an_overdue_task(season, app, plan, user_of):
    """On 20/01/2027, once Phòng VH-XH has answered D3 and D4, the one thing it has late is VI.3.2,
    past its own due date (31/12/2026) since 01/01/2027: 20 days."""
    for directive in db.session.scalars(select(Directive).where(Directive.done_at.is_(None))):
        discussion.reply_to_directive(
            Actor.for_user(user_of("officer")), directive, "Đã thực hiện", True, at("2027-01-10")
        )
    db.session.commit()
    app.config["FROZEN_NOW"] = "2027-01-20T09:00:00+07:00"
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/")
    assert longest(html, "phong-vh-xh") == "task VI.3.2 overdue 20 days, since 01/01/2027"
    assert figure(html, "phong-vh-xh", "Tasks overdue") == "1 (since 01/01/2027) / 9"
    assert figure(html, "phong-vh-xh", "Reports late") == "0"


def test_bodies_outside_ubnds_apparatus_are_a_group_of_their_own(season, app, plan):
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/")
    assert group_heading(html, "inside") == "UBND's offices and units (assigned) 7"
    assert group_heading(html, "outside") == "Bodies outside UBND's apparatus (requested) 5"
    assert sorted(group(html, "inside")) == sorted(INSIDE)
    assert sorted(group(html, "outside")) == sorted(OUTSIDE)
    # UBND's offices come first, whatever the order chosen.
    for sort in SORT_KEYS:
        shown = order(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/?sort={sort}"))
        assert sorted(shown[:7]) == sorted(INSIDE) and sorted(shown[7:]) == sorted(OUTSIDE), sort
    # A unit the plan file marks `outside: true` is outside; the offices are not.
    assert (
        unit("cong-an").outside_apparatus
        and unit("dang-uy").outside_apparatus
        and unit("bch-quan-su").outside_apparatus
    )
    assert not unit("phong-vh-xh").outside_apparatus and not unit("ubnd").outside_apparatus


def test_the_default_order_is_the_longest_late_first(season, app, plan):
    client = signed_in(app, "chair")
    html = page(client, f"/plans/{plan.id}/accountability/")
    # Inside: the five that sent nothing (174 days each, in the plan's order), then Phòng VH-XH (42),
    # then Trạm Y tế (16). Outside: all five sent nothing.
    assert (
        order(html)
        == [
            "ubnd",
            "phong-xd-nn-mt",
            "phong-kinh-te",
            "van-phong-hdnd-ubnd",
            "tt-dich-vu-tong-hop",
            "phong-vh-xh",
            "tram-y-te",
        ]
        + OUTSIDE
    )
    assert order(page(client, f"/plans/{plan.id}/accountability/?sort=longest")) == order(html)
    assert re.search(r'<option value="longest" selected>', html)
    # By reporting rate: nothing sent (0%) first, then Trạm Y tế 50%, then Phòng VH-XH 100%.
    by_rate = order(page(client, f"/plans/{plan.id}/accountability/?sort=reporting_rate"))
    assert by_rate[:7] == [
        "ubnd",
        "phong-xd-nn-mt",
        "phong-kinh-te",
        "van-phong-hdnd-ubnd",
        "tt-dich-vu-tong-hop",
        "tram-y-te",
        "phong-vh-xh",
    ]
    # In the plan's order.
    assert (
        order(page(client, f"/plans/{plan.id}/accountability/?sort=unit"))
        == [
            "ubnd",
            "phong-xd-nn-mt",
            "phong-kinh-te",
            "phong-vh-xh",
            "van-phong-hdnd-ubnd",
            "tt-dich-vu-tong-hop",
            "tram-y-te",
        ]
        + OUTSIDE
    )


def test_an_unknown_sort_or_period_is_not_found(season, app, plan):
    client = signed_in(app, "chair")
    assert client.get(f"/plans/{plan.id}/accountability/?sort=name_desc").status_code == 404
    assert client.get(f"/plans/{plan.id}/accountability/?sort=days_overdue").status_code == 404
    assert client.get(f"/plans/{plan.id}/accountability/?period=99999").status_code == 404


def test_league_table_for_one_period(season, app, plan, period_of):
    client = signed_in(app, "chair")
    six, annual = period_of("six_month", 2026), period_of("annual", 2026)
    html = page(client, f"/plans/{plan.id}/accountability/?period={six.id}")
    # Six-month 2026: Phòng VH-XH sent its one report, late. Directives due 01/01-30/06: D1 (on
    # time), D2 (late). What is late is as of today: D3.
    assert figure(html, "phong-vh-xh", "Reports sent") == "1/1 · on time 0/1"
    assert figure(html, "phong-vh-xh", "Directives on time") == "1/2"
    assert longest(html, "phong-vh-xh").startswith("directive \u201cD3")
    assert figure(html, "tram-y-te", "Reports sent") == "1/1 · on time 1/1"
    assert figure(html, "phong-kinh-te", "Reports late") == "1 (since 06/06/2026)"
    assert figure(html, "phong-kinh-te", "Reports sent") == "0/1 · on time 0/1"

    html = page(client, f"/plans/{plan.id}/accountability/?period={annual.id}")
    # Annual 2026: Phòng VH-XH on time; Trạm Y tế's is the one late. Directives due in 2026 up to
    # today: D1, D2, D3 -> 1/3.
    assert figure(html, "phong-vh-xh", "Reports sent") == "1/1 · on time 1/1"
    assert figure(html, "phong-vh-xh", "Directives on time") == "1/3"
    assert figure(html, "tram-y-te", "Reports sent") == "0/1 · on time 0/1"
    assert figure(html, "tram-y-te", "Reports late") == "1 (since 11/11/2026)"
    assert figure(html, "phong-kinh-te", "Reports late") == "1 (since 11/11/2026)"


def test_directive_timeliness(season, plan):
    directives = {d.body[:2]: d for d in db.session.scalars(select(Directive).where(Directive.plan_id == plan.id))}
    assert discussion.directive_on_time(directives["D1"]) is True
    assert discussion.directive_on_time(directives["D2"]) is False  # done 10 days after its due date
    assert discussion.directive_on_time(directives["D3"]) is False  # never done
    assert directives["D3"].is_overdue(date(2026, 11, 26)) is True
    assert directives["D4"].is_overdue(date(2026, 11, 26)) is False


# --- 3. the records behind each figure --------------------------------------------------------


def test_each_figure_opens_the_records_behind_it(season, app, plan):
    client = signed_in(app, "chair")
    html = page(client, f"/plans/{plan.id}/accountability/")
    vh = unit("phong-vh-xh")
    base = f"/plans/{plan.id}"
    links = links_of(html, "phong-vh-xh")
    # unit, reports late, reports sent, tasks overdue, tasks led, no recent update, directives, chases,
    # then the chair's "issue a directive to this unit".
    assert links == [
        (f"{base}/accountability/units/phong-vh-xh", {}),
        (f"{base}/accountability/units/phong-vh-xh#reports", {}),
        (f"{base}/accountability/units/phong-vh-xh#reports", {}),
        (f"{base}/dashboard/tasks", {"unit": "phong-vh-xh", "status": "in_progress_overdue"}),
        (f"{base}/dashboard/tasks", {"unit": "phong-vh-xh"}),
        (f"{base}/dashboard/tasks", {"unit": "phong-vh-xh", "flag": "stale"}),
        (f"{base}/directives", {"unit": str(vh.id), "show": "all"}),
        (f"{base}/accountability/units/phong-vh-xh#chases", {}),
        (f"{base}/directives#issue", {"unit": str(vh.id)}),
    ]

    def url(i):
        path, query = links[i]
        path = path.split("#")[0]
        return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    # Tasks led: 9; overdue: none; no recent update: the 6 counted.
    assert listed_tasks(page(client, url(4))) == VHXH_TASKS
    assert listed_tasks(page(client, url(3))) == []
    assert listed_tasks(page(client, url(5))) == ["VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
    # Reports: the unit's two, both sent, the first late.
    unit_page = page(client, url(1))
    reports_section = plain(unit_page.split('id="reports"', 1)[1].split("</section>", 1)[0])
    assert reports_section.count("sent on time") == 1 and reports_section.count("sent late") == 1
    assert "Annual report 2026 · 9 tasks" in reports_section and "6-month report 2026 · 9 tasks" in reports_section
    # Trạm Y tế's: the annual one not sent, 16 days late.
    yte_reports = plain(
        page(client, f"{base}/accountability/units/tram-y-te").split('id="reports"', 1)[1].split("</section>", 1)[0]
    )
    assert "Annual report 2026 · 2 tasks · Not started 16 days late (deadline 10/11/2026)" in yte_reports
    # Directives: the three that fell due (D1 done, D2 done late, D3 overdue), and D4 not due yet.
    directive_cards = cards(page(client, url(6)))
    bodies = {next(b for b in ("D1", "D2", "D3", "D4") if f" {b} " in f" {c} "): c for c in directive_cards}
    assert sorted(bodies) == ["D1", "D2", "D3", "D4"]
    assert "overdue" in bodies["D3"] and "done" not in bodies["D3"]
    assert "done" in bodies["D1"] and "done" in bodies["D2"]
    assert "overdue" not in bodies["D4"] and "done" not in bodies["D4"]
    # The directive link opens the form with the unit chosen.
    form = page(client, url(8))
    assert re.search(rf'<option selected value="{vh.id}">|<option value="{vh.id}" selected>', form)


# --- 4. chasing a late unit -------------------------------------------------------------------


def test_the_chase_button_is_for_late_units_and_for_the_chair_and_the_secretariat(
    season, app, plan, user_of, period_of
):
    # Trạm Y tế sends its annual report: it has nothing late any more.
    send_unit_report(user_of("officer_yte"), period_of("annual", 2026), at("2026-11-25"))
    db.session.commit()
    for role in ("chair", "secretariat"):
        html = page(signed_in(app, role), f"/plans/{plan.id}/accountability/")
        assert longest(html, "tram-y-te") == "Nothing late"
        # Every unit with something late, and only those.
        assert sorted(chase_forms(html)) == sorted(c for c in INSIDE + OUTSIDE if c != "tram-y-te"), role
        # UBND chases its offices and requests of the bodies outside its apparatus.
        assert re.search(
            r'<button type="submit" class="btn btn-sm btn-danger">Chase</button>', card_html(html, "phong-kinh-te")
        )
        assert re.search(
            r'<button type="submit" class="btn btn-sm btn-danger">Request</button>', card_html(html, "dang-uy")
        )
    # Only the chair issues directives: the secretariat's cards have no such link.
    assert "#issue" in card_html(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/"), "phong-kinh-te")
    assert "#issue" not in page(signed_in(app, "secretariat"), f"/plans/{plan.id}/accountability/")
    # The committee reads the table, but neither chases nor directs.
    committee = page(signed_in(app, "committee"), f"/plans/{plan.id}/accountability/")
    assert chase_forms(committee) == [] and "#issue" not in committee
    assert "Longest late: 6-month report 2026 not sent" in card(committee, "phong-kinh-te")
    # The same on a unit's own page.
    assert chase_forms(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/units/phong-kinh-te")) == [
        "phong-kinh-te"
    ]
    assert chase_forms(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/units/tram-y-te")) == []
    assert chase_forms(page(signed_in(app, "committee"), f"/plans/{plan.id}/accountability/units/phong-kinh-te")) == []


@pytest.mark.parametrize("role", ["committee", "officer", "officer_yte", "admin"])
def test_nobody_else_can_chase(season, app, plan, role):
    response = signed_in(app, role).post(f"/plans/{plan.id}/accountability/units/tram-y-te/chase", data={"next": "/"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Chase.id))) == 0


def test_the_chair_chases_a_late_unit_in_one_action(season, app, plan, user_of):
    chair = signed_in(app, "chair")
    back = f"/plans/{plan.id}/accountability/?sort=unit"
    response = chair.post(f"/plans/{plan.id}/accountability/units/tram-y-te/chase", data={"next": back})
    assert response.status_code == 302
    [chase] = db.session.scalars(select(Chase)).all()
    assert response.headers["Location"].startswith(f"/plans/{plan.id}/accountability/chases/{chase.id}")
    # What was late, in one message, ready to paste in the ward's chat groups, with the link.
    assert chase.text == (
        "UBND phường Bắc Kạn urges Trạm Y tế phường to act on what is late: Annual report 2026 not sent, "
        f"16 days late, since 11/11/2026. Please update the tracker: {app.config['APP_BASE_URL']}/plans/{plan.id}/my-unit"
    )
    assert (chase.unit.code, chase.by.username, chase.notified) == ("tram-y-te", "truongban", 1)
    # Its officer is told in the app.
    [notification] = db.session.scalars(select(Notification).join(Alert).where(Alert.kind == "chase")).all()
    assert notification.user_id == user_of("officer_yte").id
    # The page shows the text to copy, then leads back where the chair was.
    sent = page(chair, response.headers["Location"])
    assert chase.text in htmllib.unescape(sent)
    assert f'href="{back}"' in sent
    # The chase is counted on the unit's card and listed on its page.
    html = page(chair, f"/plans/{plan.id}/accountability/")
    assert figure(html, "tram-y-te", "Chased") == "1 (last 26/11/2026)"
    assert figure(html, "phong-kinh-te", "Chased") == "0"
    unit_page = plain(
        page(chair, f"/plans/{plan.id}/accountability/units/tram-y-te")
        .split('id="chases"', 1)[1]
        .split("</section>", 1)[0]
    )
    assert "Chases received 1" in unit_page and "Annual report 2026 not sent" in unit_page
    # And it is in the audit log.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.chase"))
    assert (event.username, event.target_type, event.target_id) == ("truongban", "chase", chase.id)


def test_the_secretariat_requests_of_a_body_outside_ubnd(season, app, plan):
    response = signed_in(app, "secretariat").post(f"/plans/{plan.id}/accountability/units/dang-uy/chase", data={})
    assert response.status_code == 302
    chase = db.session.scalar(select(Chase))
    assert chase.text.startswith(
        "UBND phường Bắc Kạn requests Đảng ủy phường to act on what is late: "
        "6-month report 2026 not sent, 174 days late, since 06/06/2026; "
        "Annual report 2026 not sent, 16 days late, since 11/11/2026."
    )
    assert chase.by.username == "thuongtruc"


def test_a_unit_with_nothing_late_is_not_chased(season, app, plan, user_of, period_of):
    send_unit_report(user_of("officer_yte"), period_of("annual", 2026), at("2026-11-25"))
    db.session.commit()
    chair = signed_in(app, "chair")
    response = chair.post(f"/plans/{plan.id}/accountability/units/tram-y-te/chase", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert "Trạm Y tế phường has nothing late to be chased for." in plain(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Chase.id))) == 0
    # A unit that answers for nothing at all, a group or an unknown unit: nothing to chase either.
    response = chair.post(f"/plans/{plan.id}/accountability/units/bch-quan-su/chase", data={}, follow_redirects=True)
    assert "has nothing late to be chased for." in plain(response.get_data(as_text=True))
    assert chair.post(f"/plans/{plan.id}/accountability/units/cac-to-dan-pho/chase", data={}).status_code == 404
    assert chair.post(f"/plans/{plan.id}/accountability/units/no-such-unit/chase", data={}).status_code == 404
    assert db.session.scalar(select(func.count(Chase.id))) == 0


# --- 5. the unit page, period by period -------------------------------------------------------


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
    # Columns: as of, tasks led, on track, overdue, stale, reporting rate, on-time rate, directives.
    six, annual = rows["6-month report 2026"], rows["Annual report 2026"]
    # Six-month 2026 as of its deadline 05/06: nothing overdue; on track all but VI.3.2 (its own
    # dates expect 42.7% by then, 0% reported: red; the continuous ones, 0% of 8.5% expected, are
    # green) -> 8 of 9; all 9 stale (no update before October); its one report sent, late;
    # directives D1 on time, D2 late -> 50%.
    assert six == ["05/06/2026", "9", "88.9%", "0", "9", "100% (1/1)", "0%", "50%"]
    # Annual 2026 as of 10/11: on track IV.4.2 (done), VI.3.1 (20%) and IV.8 (30%), ahead of the 17.2%
    # expected of a task running the whole plan -> 3 of 9; nothing overdue (VI.3.2 is due 31/12);
    # stale IV.4.1 (its update comes on 20/11) and VI.3.2-VI.3.6 -> 6; sent on time; D1, D2, D3 due -> 1/3.
    assert annual == ["10/11/2026", "9", "33.3%", "0", "6", "100% (1/1)", "100%", "33.3%"]
    # Improving: the on-time rate went from 0% to 100%.
    assert D(six[6].rstrip("%")) < D(annual[6].rstrip("%"))
    # What is late now, at the top: D3 alone.
    late = plain(html.split('id="late-heading"', 1)[1].split("</section>", 1)[0]).lstrip("> ")
    assert (
        late
        == "What is late 1 directive \u201cD3 Đề xuất mở rộng bảo trợ xã hội\u201d overdue 42 days, since 16/10/2026"
    )


def test_unit_page_does_not_count_reports_that_are_not_due_yet(season, app, plan):
    rows = history(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/units/phong-vh-xh"))
    assert "Mid-term review 2028" not in rows and "Final review 2030" not in rows


def test_unit_page_of_a_unit_group_or_unknown_unit_is_not_found(season, app, plan):
    client = signed_in(app, "chair")
    assert client.get(f"/plans/{plan.id}/accountability/units/cac-to-dan-pho").status_code == 404
    assert client.get(f"/plans/{plan.id}/accountability/units/no-such-unit").status_code == 404
