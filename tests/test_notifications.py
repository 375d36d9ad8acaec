"""The bell and the notifications page, and the alerts on the unit's home page and the committee's
dashboard, as the people concerned see them after the morning scan.

People are told per unit, not per task: what a person was told on one day (in the ward) is ONE
message, its alerts grouped by the unit they are about, each unit in one line ("Phòng X: 3 reports
late, the longest 12 days, since dd/mm/yyyy") with its items one click away. The bell counts the
unread messages, not the alerts.

Pages are shown in English, the language of the source strings, so that the assertions do not
depend on the state of the Vietnamese catalogue; the texts are those of tracker.alerts.messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select

from tests import helpers
from tests.helpers import at
from tracker.accountability.queries import late_reports
from tracker.alerts import services
from tracker.alerts.messages import alert_text
from tracker.alerts.models import (
    ESCALATION,
    REPORT_DUE,
    REPORT_MISSING,
    TASK_STALE,
    TASK_UNASSIGNED,
    Alert,
    Notification,
)
from tracker.core.time import ward_date
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.periods.services import days_late
from tracker.standing.queries import plan_snapshot
from tracker.units.models import Unit

signed_in = partial(helpers.signed_in, language="en")
page = partial(helpers.page, follow_redirects=True)
plain = helpers.plain


WARD = ZoneInfo("Asia/Ho_Chi_Minh")
BELL = re.compile(r'data-testid="bell-count">\s*(\d+)\s*<')


# --- helpers ----------------------------------------------------------------------------------


def scan(plan, day: str, hour: int = 7, minute: int = 0) -> services.ScanResult:
    """The scan of a ward day, run at hour:minute in the ward (the scheduler runs it at 07:00)."""
    result = services.scan(plan, date.fromisoformat(day), at(day, hour, minute))
    db.session.commit()
    return result


def freeze(app, day: str, hour: int = 9) -> None:
    """The pages are read on that day in the ward."""
    app.config["FROZEN_NOW"] = at(day, hour).isoformat()


def bell(html: str) -> int:
    found = BELL.findall(html)
    assert len(found) == 1, "one bell in the navbar"
    return int(found[0])


def text_of(alert: Alert) -> str:
    """The alert as an English page shows it (HTML-escaped)."""
    with current_app.test_request_context(), force_locale("en"):
        return str(escape(alert_text(alert)))


def words_of(alert: Alert) -> str:
    """The alert's text as a reader sees it."""
    with current_app.test_request_context(), force_locale("en"):
        return alert_text(alert)


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    query = select(Notification).join(Alert, Alert.id == Notification.alert_id).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Alert.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def unread(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def unread_days(user) -> set[date]:
    """The ward days on which the person was told something still unread: their unread messages."""
    return {ward_date(n.created_at) for n in notifications_of(user) if n.read_at is None}


def six_month_round(period_of):
    period = period_of("six_month", 2026)
    return next(r for r in plan_rounds(period.plan) if period in r)


def missing_report(user, period_of) -> Alert:
    """The unit's missing-report alert of the six-month round of 2026 (about the unit, no task)."""
    round_ = six_month_round(period_of)
    return db.session.scalar(
        select(Alert).where(
            Alert.kind == REPORT_MISSING,
            Alert.unit_id == user.unit_id,
            Alert.period_id == round_.id,
            Alert.task_id.is_(None),
        )
    )


def notification_about(user, alert: Alert) -> Notification:
    return db.session.scalar(
        select(Notification).where(Notification.user_id == user.id, Notification.alert_id == alert.id)
    )


def unit_named(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


# --- reading the bell page as a person does ------------------------------------------------------


@dataclass
class Group:
    summary: str  # the unit's line
    items: list[tuple[int, str]] = field(default_factory=list)  # (notification id, text), each a form that opens it


@dataclass
class Message:
    day: str  # dd/mm/yyyy, as the page shows it
    unread: bool
    can_mark_read: str | None  # the form's action, if the message can be marked read
    groups: list[Group] = field(default_factory=list)


SECTION = re.compile(r'<section class="card[^"]*" aria-label="([^"]+)">(.*?)</section>', re.S)
HEADING = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)
DETAILS = re.compile(r"<details[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>", re.S)
ITEM = re.compile(r'<form method="post" action="/notifications/(\d+)/open"[^>]*>.*?<button[^>]*>(.*?)</button>', re.S)
DAY_FORM = re.compile(r'<form method="post" action="(/notifications/day/[^"]+/read)"')


def messages_on(html: str) -> list[Message]:
    """The messages of the notifications page, newest first, as a reader sees them."""
    found = []
    for day, body in SECTION.findall(html):
        heading = plain(HEADING.search(body).group(1))
        form = DAY_FORM.search(body)
        message = Message(day, "unread" in heading, form.group(1) if form else None)
        for summary, items in DETAILS.findall(body):
            message.groups.append(Group(plain(summary), [(int(i), plain(text)) for i, text in ITEM.findall(items)]))
        found.append(message)
    return found


# --- 1. the bell counts messages -------------------------------------------------------------------


def test_the_bell_counts_unread_messages_not_alerts_on_every_page(app, plan, user_of):
    officer = user_of("officer")
    signed = signed_in(app, "officer")
    assert bell(page(signed, f"/plans/{plan.id}/my-unit")) == 0

    scan(plan, "2026-05-29")  # the first reminder of the six-month report, and the unit's stale tasks
    assert unread(officer) > 1
    for url in (
        "/",
        f"/plans/{plan.id}/my-unit",
        f"/plans/{plan.id}/dashboard/",
        f"/plans/{plan.id}/tasks/IV.4.1",
        "/notifications/",
        "/profile",
    ):
        assert bell(page(signed, url)) == 1, url  # many alerts, one message

    scan(plan, "2026-06-02")  # the second reminder: a new day, a new message
    assert unread_days(officer) == {date(2026, 5, 29), date(2026, 6, 2)}
    assert bell(page(signed, "/notifications/")) == 2
    # Someone who was told nothing sees an empty bell.
    assert bell(page(signed_in(app, "committee"), "/")) == 0


def test_the_alerts_of_a_day_form_one_message_grouped_by_unit(app, plan, user_of):
    """The secretariat hears of every unit's missing report and of every task nobody answers for:
    one message, a line per unit in the plan's order (what no unit answers for last), each line
    holding exactly the items about that unit."""
    scan(plan, "2026-06-13")
    freeze(app, "2026-06-13")
    secretariat = user_of("secretariat")
    mine = notifications_of(secretariat)
    assert len(mine) > 12 and {n.alert.kind for n in mine} == {REPORT_MISSING, TASK_UNASSIGNED}

    html = page(signed_in(app, "secretariat"), "/notifications/")
    assert bell(html) == 1
    [message] = messages_on(html)
    assert message.day == "13/06/2026" and message.unread

    units = sorted({n.alert.unit for n in mine if n.alert.unit is not None}, key=lambda u: u.sort_order)
    assert len(units) == 12
    assert [g.summary.split(":")[0] for g in message.groups] == [u.name for u in units] + ["No unit assigned"]
    for group, unit in zip(message.groups, units + [None]):
        expected = {(n.id, words_of(n.alert)) for n in mine if n.alert.unit == unit}
        assert set(group.items) == expected, group.summary
    assert sum(len(g.items) for g in message.groups) == len(mine)  # every item once
    # Each group is a <details>: the line first, the items on opening it.
    assert html.count("<details") == len(message.groups)


def test_a_message_is_a_day_in_the_ward_not_in_utc(app, plan, user_of):
    """A scan at 23:30 on 12/06 and one at 00:30 on 13/06 in the ward are the same day in UTC
    (16:30 and 17:30 on 12/06): the chair gets two messages, one per ward day."""
    chair = user_of("chair")
    scan(plan, "2026-06-12", 23, 30)  # the stale tasks and the tasks nobody answers for, passed to the chair
    scan(plan, "2026-06-13", 0, 30)  # the missing reports, a week old, passed to the chair
    moments = {n.created_at for n in notifications_of(chair)}
    assert {m.astimezone(WARD).date() for m in moments} == {date(2026, 6, 12), date(2026, 6, 13)}
    assert {m.astimezone(ZoneInfo("UTC")).date() for m in moments} == {date(2026, 6, 12)}

    freeze(app, "2026-06-13")
    html = page(signed_in(app, "chair"), "/notifications/")
    assert bell(html) == 2
    newest, oldest = messages_on(html)
    assert (newest.day, oldest.day) == ("13/06/2026", "12/06/2026")
    missing = {n.id for n in notifications_of(chair) if n.alert.parent.kind == REPORT_MISSING}
    assert {i for g in newest.groups for i, _text in g.items} == missing
    assert not missing & {i for g in oldest.groups for i, _text in g.items}

    # Marking the message of 13/06 read leaves the one of 12/06 (the same day in UTC) unread.
    signed = signed_in(app, "chair")
    assert signed.post(newest.can_mark_read).status_code == 302
    assert unread_days(chair) == {date(2026, 6, 12)}
    assert all(n.read_at is None for n in notifications_of(chair) if n.id not in missing)
    assert bell(page(signed, "/notifications/")) == 1


# --- 2. the unit's line ----------------------------------------------------------------------------


LINE = re.compile(r"^(?P<unit>.+?): 2 reports late, the longest (?P<days>\d+) days, since 06/06/2026$")


def test_a_units_line_says_how_many_reports_are_late_the_longest_and_since_when(app, plan, user_of):
    """Nothing ran from before the six-month deadline until 17/11: both reports of 2026 are late,
    and each unit is one line: "Phòng X: 2 reports late, the longest N days, since 06/06/2026"."""
    scan(plan, "2026-11-17")
    freeze(app, "2026-11-17")
    message = messages_on(page(signed_in(app, "secretariat"), "/notifications/"))[0]
    units = [g for g in message.groups if not g.summary.startswith("No unit assigned")]
    assert len(units) == 12
    for group in units:
        found = LINE.match(group.summary)
        assert found, group.summary
        # ...and under the line, the two reports by name.
        assert len(group.items) == 2
        assert all(
            text.startswith(found["unit"] + ": the unit's ") and "has not been sent" in text for _i, text in group.items
        )
    [nobody] = [g for g in message.groups if g.summary.startswith("No unit assigned")]
    assert re.fullmatch(
        r"No unit assigned: \d+ tasks with no unit assigned, the longest \d+ days, since 01/01/2026", nobody.summary
    )


def test_the_days_late_in_a_units_line_are_those_the_rest_of_the_tracker_shows(app, plan, user_of, task_of, period_of):
    """A report due on 05/06 and not sent by 17/11 is 165 days late wherever the tracker says so
    (the task's late-report flag, the unit's report list, the league table): the bell's line says
    the same number, not one less."""
    today = date(2026, 11, 17)
    scan(plan, today.isoformat())
    freeze(app, today.isoformat())
    round_ = six_month_round(period_of)
    expected = days_late(round_, today)
    standing = plan_snapshot(plan, today).figures[task_of("IV.4.1").id].standing
    assert standing.late_report_days == expected == 165
    vhxh = unit_named("phong-vh-xh")
    league = late_reports(plan, [round_], today)[vhxh.id]
    assert [item.days for item in league] == [expected]

    message = messages_on(page(signed_in(app, "secretariat"), "/notifications/"))[0]
    line = next(g.summary for g in message.groups if g.summary.startswith(unit_named("phong-vh-xh").name + ":"))
    assert int(LINE.match(line)["days"]) == expected, line


# --- 3. opening items, marking messages read ------------------------------------------------------


def test_opening_a_report_item_marks_it_read_and_leads_to_the_units_report(app, plan, user_of, period_of):
    scan(plan, "2026-06-06")
    freeze(app, "2026-06-06")
    officer = user_of("officer")
    signed = signed_in(app, "officer")
    [message] = messages_on(page(signed, "/notifications/"))
    notification = notification_about(officer, missing_report(officer, period_of))
    assert notification.id in {i for g in message.groups for i, _text in g.items}

    response = signed.post(f"/notifications/{notification.id}/open")
    assert response.status_code == 302
    report_url = f"/plans/{plan.id}/periods/{six_month_round(period_of).id}/report"
    assert response.headers["Location"] == report_url
    assert signed.get(report_url).status_code == 200
    assert notification.read_at is not None
    # The rest of the day's message is unread: still one unread message.
    assert bell(page(signed, "/notifications/")) == 1

    # Opening it again changes nothing and still leads there.
    read_at = notification.read_at
    again = signed.post(f"/notifications/{notification.id}/open")
    assert again.headers["Location"] == report_url
    assert notification.read_at == read_at

    # Once every item of the message is opened, the message is read and the bell is empty.
    for other in notifications_of(officer):
        if other.read_at is None:
            assert signed.post(f"/notifications/{other.id}/open").status_code == 302
    html = page(signed, "/notifications/")
    assert bell(html) == 0
    [message] = messages_on(html)
    assert not message.unread and message.can_mark_read is None


def test_opening_a_task_item_leads_to_the_task(app, plan, user_of):
    scan(plan, "2026-06-06")
    officer = user_of("officer")
    notification = notifications_of(officer, TASK_STALE)[0]
    signed = signed_in(app, "officer")
    response = signed.post(f"/notifications/{notification.id}/open")
    assert response.headers["Location"] == f"/plans/{plan.id}/tasks/{notification.alert.task.code}"
    assert notification.read_at is not None


def test_the_secretariat_opening_a_missing_report_goes_to_the_review_queue(app, plan, user_of, period_of):
    scan(plan, "2026-06-06")
    secretariat = user_of("secretariat")
    alert = missing_report(user_of("officer"), period_of)
    notification = notification_about(secretariat, alert)
    response = signed_in(app, "secretariat").post(f"/notifications/{notification.id}/open")
    assert response.headers["Location"] == f"/plans/{plan.id}/review?period={alert.period_id}"


def test_marking_a_message_read_marks_that_days_items_and_no_others(app, plan, user_of):
    scan(plan, "2026-05-29")
    scan(plan, "2026-06-02")
    freeze(app, "2026-06-02")
    officer = user_of("officer")
    first_day = [n for n in notifications_of(officer) if ward_date(n.created_at) == date(2026, 5, 29)]
    second_day = [n for n in notifications_of(officer) if ward_date(n.created_at) == date(2026, 6, 2)]
    assert len(first_day) > 1 and second_day
    secretariat_before = unread(user_of("secretariat"))
    assert secretariat_before > 0

    signed = signed_in(app, "officer")
    newest, oldest = messages_on(page(signed, "/notifications/"))
    assert oldest.can_mark_read == "/notifications/day/2026-05-29/read"
    response = signed.post(oldest.can_mark_read)
    assert response.status_code == 302 and response.headers["Location"] == "/notifications/"

    assert all(n.read_at is not None for n in first_day)
    assert all(n.read_at is None for n in second_day)
    html = page(signed, "/notifications/")
    assert bell(html) == 1
    newest, oldest = messages_on(html)
    assert newest.unread and not oldest.unread and oldest.can_mark_read is None
    # The read message stays listed, whole.
    assert sum(len(g.items) for g in oldest.groups) == len(first_day)
    # Other people's messages of that day are theirs to read.
    assert unread(user_of("secretariat")) == secretariat_before


@pytest.mark.parametrize("bad", ["29-05-2026", "2026-02-30", "hôm-qua"])
def test_marking_a_malformed_day_read_is_not_found(app, plan, user_of, bad):
    scan(plan, "2026-05-29")
    before = unread(user_of("officer"))
    response = signed_in(app, "officer").post(f"/notifications/day/{bad}/read")
    assert response.status_code == 404
    assert unread(user_of("officer")) == before


def test_marking_one_and_then_all_read_empties_the_bell(app, plan, user_of):
    scan(plan, "2026-05-29")
    scan(plan, "2026-06-02")
    officer = user_of("officer")
    signed = signed_in(app, "officer")
    first = next(n for n in notifications_of(officer) if ward_date(n.created_at) == date(2026, 5, 29))

    response = signed.post(f"/notifications/{first.id}/read")
    assert response.headers["Location"] == "/notifications/"
    assert first.read_at is not None
    assert bell(page(signed, "/notifications/")) == 2  # the rest of that day is still unread

    response = signed.post("/notifications/read-all", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert bell(html) == 0
    assert "Mark all read" not in html
    assert unread(officer) == 0
    # Read notifications stay listed.
    listed = {i for m in messages_on(html) for g in m.groups for i, _text in g.items}
    assert listed == {n.id for n in notifications_of(officer)}
    # Another person's bell is untouched.
    assert unread(user_of("secretariat")) > 0


def test_marking_all_read_leaves_other_people_alone(app, plan, user_of):
    scan(plan, "2026-06-06")
    secretariat_before = unread(user_of("secretariat"))
    signed_in(app, "officer").post("/notifications/read-all")
    assert unread(user_of("secretariat")) == secretariat_before


@pytest.mark.parametrize("action", ["open", "read"])
def test_nobody_can_open_another_persons_notification(app, plan, user_of, period_of, action):
    scan(plan, "2026-06-06")
    alert = missing_report(user_of("officer"), period_of)
    theirs = notification_about(user_of("secretariat"), alert)
    response = signed_in(app, "officer").post(f"/notifications/{theirs.id}/{action}")
    assert response.status_code == 404
    assert theirs.read_at is None
    assert signed_in(app, "officer").post(f"/notifications/{theirs.id + 100000}/{action}").status_code == 404


def test_the_notification_pages_need_a_signed_in_user(client, plan):
    scan(plan, "2026-06-06")
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    some = db.session.scalar(select(Notification).limit(1))
    response = client.post(f"/notifications/{some.id}/open")
    assert response.status_code in (302, 401, 403)
    response = client.post(f"/notifications/day/{ward_date(some.created_at).isoformat()}/read")
    assert response.status_code in (302, 401, 403)
    assert db.session.get(Notification, some.id).read_at is None


# --- 4. the home page and the dashboard ----------------------------------------------------------


def test_the_units_home_page_shows_its_open_alerts_and_only_its_own(app, plan, user_of, period_of):
    scan(plan, "2026-06-06")
    freeze(app, "2026-06-06")
    officer = user_of("officer")
    signed = signed_in(app, "officer")
    html = page(signed, f"/plans/{plan.id}/my-unit")
    assert "Alerts for your unit" in html
    missing = missing_report(officer, period_of)
    assert text_of(missing) in html
    report_url = f"/plans/{plan.id}/periods/{missing.period_id}/report"
    assert f'href="{report_url}"' in html
    health = unit_named("tram-y-te")
    others = db.session.scalars(select(Alert).where(Alert.unit_id == health.id)).all()
    assert others and not any(text_of(a) in html for a in others)

    # The unit sends its report; after the next scan the alert is gone from its page.
    helpers.send_unit_report(officer, missing.period, at("2026-06-06", 10))
    db.session.commit()
    scan(plan, "2026-06-07")
    assert not missing.is_open
    assert text_of(missing) not in page(signed, f"/plans/{plan.id}/my-unit")


def open_count(kind: str) -> int:
    return db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == kind, Alert.resolved_at.is_(None)))


def test_the_dashboard_shows_what_was_passed_to_the_chair_unit_by_unit(app, plan, user_of, period_of):
    scan(plan, "2026-06-06")
    freeze(app, "2026-06-06")
    missing = missing_report(user_of("officer"), period_of)
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/dashboard/")
    assert "Open alerts" in html
    assert f"Report missing: {open_count(REPORT_MISSING)}" in html
    vhxh = unit_named("phong-vh-xh")
    missing_line = f"{escape(vhxh.name)}: 1 report late"
    assert missing_line not in html  # a day late is not yet the chair's business

    scan(plan, "2026-06-13")
    freeze(app, "2026-06-13")
    escalation = db.session.scalar(select(Alert).where(Alert.kind == ESCALATION, Alert.parent_id == missing.id))
    assert text_of(escalation) == "Passed to the chair: " + text_of(missing)
    escalated_units = {
        a.parent.unit
        for a in db.session.scalars(select(Alert).where(Alert.kind == ESCALATION, Alert.resolved_at.is_(None)))
        if a.parent.unit is not None
    }
    assert vhxh in escalated_units and len(escalated_units) > 1
    for role in ("chair", "committee"):
        html = page(signed_in(app, role), f"/plans/{plan.id}/dashboard/")
        assert f"Passed to the chair: {open_count(ESCALATION)}" in html, role  # how many, of every kind
        # One line per unit, leading to the unit's accountability page; not a line per alert.
        for unit in escalated_units:
            assert f'href="/plans/{plan.id}/accountability/units/{unit.code}">{escape(unit.name)}: ' in html, (
                role,
                unit.code,
            )
        assert missing_line in html
        assert text_of(missing) not in html
    # The chair has every one of them under the bell.
    chair_items = {
        i for m in messages_on(page(signed_in(app, "chair"), "/notifications/")) for g in m.groups for i, _t in g.items
    }
    assert notification_about(user_of("chair"), escalation).id in chair_items


def test_a_co_lead_units_home_page_shows_the_task_alerts_filed_under_the_first_lead(app, plan, user_of, task_of):
    """IV.4.2 led by Phòng VH-XH and, as a second primary lead, Trạm Y tế: a task alert is filed
    under the first lead, and the health station's officers, who were told of it, see it too."""
    from tracker.plan.models import Assignment

    health = unit_named("tram-y-te")
    task = task_of("IV.4.2")
    task.assignments.append(Assignment(unit_id=health.id, role="lead", is_primary=True, sort_order=9))
    db.session.commit()
    scan(plan, "2026-06-06")
    stale = db.session.scalar(select(Alert).where(Alert.kind == TASK_STALE, Alert.task_id == task.id))
    assert stale.unit.code == "phong-vh-xh"

    home = page(signed_in(app, "officer_yte"), f"/plans/{plan.id}/my-unit")
    assert text_of(stale) in home
    # ...and not the alerts of tasks the health station has nothing to do with.
    other = db.session.scalar(
        select(Alert)
        .join(Alert.task)
        .where(Alert.kind == TASK_STALE, Alert.unit_id != health.id, Alert.task_id != task.id)
        .limit(1)
    )
    assert text_of(other) not in home


def test_a_reminder_leads_the_officer_to_the_units_report(app, plan, user_of, period_of):
    scan(plan, "2026-05-29")
    officer = user_of("officer")
    [reminder] = notifications_of(officer, REPORT_DUE)
    assert reminder.alert.task_id is None and reminder.alert.unit_id == officer.unit_id
    response = signed_in(app, "officer").post(f"/notifications/{reminder.id}/open")
    assert response.headers["Location"] == f"/plans/{plan.id}/periods/{six_month_round(period_of).id}/report"


def test_the_units_home_page_counts_many_alerts_and_lists_the_first_ten(app, plan, user_of, period_of):
    """A unit with many open alerts sees one line that counts them by kind and the ten most
    pressing (its late report first), not a wall of one line per task; each count of tasks leads
    to the task list behind it."""
    scan(plan, "2027-02-15")
    freeze(app, "2027-02-15")
    officer = user_of("officer")
    concerning = db.session.scalars(
        select(Alert).where(
            Alert.plan_id == plan.id,
            Alert.unit_id == officer.unit_id,
            Alert.resolved_at.is_(None),
            Alert.kind != ESCALATION,
        )
    ).all()
    stale = [a for a in concerning if a.kind == TASK_STALE]
    assert len(concerning) > 10 and stale, "the ward's data gives the unit more alerts than the page lists"
    html = page(signed_in(app, "officer"), f"/plans/{plan.id}/my-unit")
    section = html[html.index('id="alerts-heading"') : html.index("</section>", html.index('id="alerts-heading"'))]
    assert re.search(rf'badge text-bg-danger">{len(concerning)}<', section)
    listed = re.findall(r"<li class=\"mb-1\">.*?</li>", section)
    assert len(listed) == 10
    assert text_of(missing_report(officer, period_of)) in listed[0]
    assert f"The first 10 of {len(concerning)} are listed" in section
    assert f"{len(stale)} tasks without a recent update" in plain(section)
    link = re.search(r'href="([^"]*flag=stale[^"]*)"', section)
    assert link, "the stale count leads to the unit's stale tasks"
    tasks = page(signed_in(app, "officer"), link.group(1).replace("&amp;", "&"))
    # The task list counts the unit's stale tasks: one alert each (the unit leads them).
    assert re.search(rf'badge text-bg-secondary">{len(stale)}<', tasks)
