"""The bell and the notifications page, and the alerts on the unit's home page and the committee's
dashboard, as the people concerned see them after the morning scan.

Pages are shown in English, the language of the source strings, so that the assertions do not
depend on the state of the Vietnamese catalogue; the texts are those of tracker.alerts.messages.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select

from tests import helpers
from tracker.alerts import services
from tracker.alerts.messages import alert_text
from tracker.alerts.models import ESCALATION, REPORT_MISSING, TASK_STALE, Alert, Notification
from tracker.audit.services import Actor
from tracker.extensions import db
from tracker.reports import services as reports
from tracker.units.models import Unit


signed_in = partial(helpers.signed_in, language="en")
page = partial(helpers.page, follow_redirects=True)


WARD = ZoneInfo("Asia/Ho_Chi_Minh")
BELL = re.compile(r'data-testid="bell-count">\s*(\d+)\s*<')


# --- helpers ----------------------------------------------------------------------------------


def at(day: str, hour: int = 7, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), WARD)


def scan(plan, day: str) -> None:
    services.scan(plan, date.fromisoformat(day), at(day))
    db.session.commit()


def bell(html: str) -> int:
    found = BELL.findall(html)
    assert len(found) == 1, "one bell in the navbar"
    return int(found[0])


def text_of(alert: Alert) -> str:
    """The alert as an English page shows it (HTML-escaped)."""
    with current_app.test_request_context(), force_locale("en"):
        return str(escape(alert_text(alert)))


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    query = select(Notification).join(Alert, Alert.id == Notification.alert_id).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Alert.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def unread(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def missing_report(user, task_of, period_of) -> Alert:
    return db.session.scalar(select(Alert).where(
        Alert.kind == REPORT_MISSING, Alert.unit_id == user.unit_id, Alert.task_id == task_of("IV.4.1").id,
        Alert.period_id == period_of("six_month", 2026).id,
    ))


def notification_about(user, alert: Alert) -> Notification:
    return db.session.scalar(select(Notification).where(Notification.user_id == user.id, Notification.alert_id == alert.id))


# --- 1. the bell and the notifications page ----------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(app, plan, user_of):
    signed = signed_in(app, "officer")
    assert bell(page(signed, f"/plans/{plan.id}/my-unit")) == 0

    scan(plan, "2026-06-06")
    count = unread(user_of("officer"))
    assert count > 0
    for url in ("/", f"/plans/{plan.id}/my-unit", f"/plans/{plan.id}/dashboard/", f"/plans/{plan.id}/tasks/IV.4.1",
                "/notifications/", "/profile"):
        assert bell(page(signed, url)) == count, url
    # Someone who was told nothing sees an empty bell.
    assert bell(page(signed_in(app, "committee"), "/")) == 0


def test_the_notifications_page_lists_each_notification_with_its_text(app, plan, user_of):
    scan(plan, "2026-06-06")
    officer = user_of("officer")
    html = page(signed_in(app, "officer"), "/notifications/")
    mine = notifications_of(officer)
    assert mine
    for notification in mine:
        assert text_of(notification.alert) in html
        assert f'action="/notifications/{notification.id}/open"' in html
    assert "Mark all read" in html
    # Nothing meant for others.
    others = db.session.scalars(select(Alert).where(Alert.unit_id != officer.unit_id, Alert.kind == REPORT_MISSING)).all()
    assert others and not any(text_of(alert) in html for alert in others)


def test_opening_a_report_notification_marks_it_read_and_leads_to_the_units_report(app, plan, user_of, task_of, period_of):
    scan(plan, "2026-06-06")
    officer = user_of("officer")
    signed = signed_in(app, "officer")
    before = bell(page(signed, "/notifications/"))
    notification = notification_about(officer, missing_report(officer, task_of, period_of))

    response = signed.post(f"/notifications/{notification.id}/open")
    assert response.status_code == 302
    report_url = f"/plans/{plan.id}/periods/{period_of('six_month', 2026).id}/tasks/IV.4.1/report"
    assert response.headers["Location"] == report_url
    assert signed.get(report_url).status_code == 200
    assert notification.read_at is not None
    assert bell(page(signed, "/notifications/")) == before - 1

    # Opening it again changes nothing and still leads there.
    again = signed.post(f"/notifications/{notification.id}/open")
    assert again.headers["Location"] == report_url
    assert bell(page(signed, "/notifications/")) == before - 1


def test_opening_a_task_notification_leads_to_the_task(app, plan, user_of):
    scan(plan, "2026-06-06")
    officer = user_of("officer")
    notification = notifications_of(officer, TASK_STALE)[0]
    signed = signed_in(app, "officer")
    response = signed.post(f"/notifications/{notification.id}/open")
    assert response.headers["Location"] == f"/plans/{plan.id}/tasks/{notification.alert.task.code}"
    assert notification.read_at is not None


def test_the_secretariat_opening_a_missing_report_goes_to_the_review_queue(app, plan, user_of, task_of, period_of):
    scan(plan, "2026-06-06")
    secretariat = user_of("secretariat")
    alert = missing_report(user_of("officer"), task_of, period_of)
    notification = notification_about(secretariat, alert)
    response = signed_in(app, "secretariat").post(f"/notifications/{notification.id}/open")
    assert response.headers["Location"] == f"/plans/{plan.id}/review?period={alert.period_id}"


def test_marking_one_and_then_all_read_empties_the_bell(app, plan, user_of):
    scan(plan, "2026-06-06")
    officer = user_of("officer")
    signed = signed_in(app, "officer")
    count = unread(officer)
    first = notifications_of(officer)[0]

    response = signed.post(f"/notifications/{first.id}/read")
    assert response.headers["Location"] == "/notifications/"
    assert bell(page(signed, "/notifications/")) == count - 1

    response = signed.post("/notifications/read-all", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert bell(html) == 0
    assert "Mark all read" not in html
    assert unread(officer) == 0
    # Read notifications stay listed.
    assert all(text_of(n.alert) in html for n in notifications_of(officer))
    # Another person's bell is untouched.
    assert unread(user_of("secretariat")) > 0


def test_marking_all_read_leaves_other_people_alone(app, plan, user_of):
    scan(plan, "2026-06-06")
    secretariat_before = unread(user_of("secretariat"))
    signed_in(app, "officer").post("/notifications/read-all")
    assert unread(user_of("secretariat")) == secretariat_before


@pytest.mark.parametrize("action", ["open", "read"])
def test_nobody_can_open_another_persons_notification(app, plan, user_of, task_of, period_of, action):
    scan(plan, "2026-06-06")
    alert = missing_report(user_of("officer"), task_of, period_of)
    theirs = notification_about(user_of("secretariat"), alert)
    response = signed_in(app, "officer").post(f"/notifications/{theirs.id}/{action}")
    assert response.status_code == 404
    assert theirs.read_at is None
    assert signed_in(app, "officer").post(f"/notifications/{theirs.id + 100000}/{action}").status_code == 404


def test_the_notification_pages_need_a_signed_in_user(client, plan):
    scan(plan, "2026-06-06")
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    some = db.session.scalar(select(Notification.id))
    response = client.post(f"/notifications/{some}/open")
    assert response.status_code in (302, 401, 403)
    assert db.session.get(Notification, some).read_at is None


# --- 2. the home page and the dashboard ----------------------------------------------------------


def test_the_units_home_page_shows_its_open_alerts_and_only_its_own(app, plan, user_of, task_of, period_of):
    scan(plan, "2026-06-06")
    officer = user_of("officer")
    signed = signed_in(app, "officer")
    html = page(signed, f"/plans/{plan.id}/my-unit")
    assert "Alerts for your unit" in html
    missing = missing_report(officer, task_of, period_of)
    assert text_of(missing) in html
    report_url = f"/plans/{plan.id}/periods/{missing.period_id}/tasks/IV.4.1/report"
    assert f'href="{report_url}"' in html
    health = db.session.scalar(select(Unit).where(Unit.code == "tram-y-te"))
    others = db.session.scalars(select(Alert).where(Alert.unit_id == health.id)).all()
    assert others and not any(text_of(a) in html for a in others)

    # The unit sends the report; after the next scan the alert is gone from its page.
    moment = at("2026-06-06", 10)
    report = reports.get_or_start(missing.period, missing.task, officer.unit_id, moment)
    reports.submit(Actor.for_user(officer), report, reports.ReportInput(results="Đã tư vấn việc làm cho 12 lao động."), moment)
    db.session.commit()
    scan(plan, "2026-06-07")
    assert text_of(missing) not in page(signed, f"/plans/{plan.id}/my-unit")


def open_count(kind: str) -> int:
    return db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == kind, Alert.resolved_at.is_(None)))


def test_the_dashboard_shows_the_alerts_escalated_to_the_chair(app, plan, user_of, task_of, period_of):
    scan(plan, "2026-06-06")
    missing = missing_report(user_of("officer"), task_of, period_of)
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/dashboard/")
    assert "Open alerts" in html
    assert f"Report missing: {open_count(REPORT_MISSING)}" in html
    assert "Escalated to the chair: " + text_of(missing) not in html  # a day late is not yet the chair's business

    scan(plan, "2026-06-13")
    escalation = db.session.scalar(select(Alert).where(Alert.kind == ESCALATION, Alert.parent_id == missing.id))
    assert text_of(escalation) == "Escalated to the chair: " + text_of(missing)
    oldest = db.session.scalars(
        select(Alert).where(Alert.kind == ESCALATION, Alert.resolved_at.is_(None)).order_by(Alert.effective_on, Alert.id).limit(10)
    ).all()
    for role in ("chair", "committee"):
        html = page(signed_in(app, role), f"/plans/{plan.id}/dashboard/")
        assert f"Escalated to the chair: {open_count(ESCALATION)}" in html, role  # how many, of every kind
        assert all(text_of(a) in html for a in oldest), role  # the oldest, by name
    # The chair has every one of them under the bell.
    assert text_of(escalation) in page(signed_in(app, "chair"), "/notifications/")


def test_a_co_lead_units_home_page_shows_the_task_alerts_filed_under_the_first_lead(app, plan, user_of, task_of):
    """IV.4.2 led by Phòng VH-XH and, as a second primary lead, Trạm Y tế: a task alert is filed
    under the first lead, and the health station's officers, who were told of it, see it too."""
    from tracker.plan.models import Assignment

    health = db.session.scalar(select(Unit).where(Unit.code == "tram-y-te"))
    task = task_of("IV.4.2")
    task.assignments.append(Assignment(unit_id=health.id, role="lead", is_primary=True, sort_order=9))
    db.session.commit()
    scan(plan, "2026-06-06")
    stale = db.session.scalar(select(Alert).where(Alert.kind == TASK_STALE, Alert.task_id == task.id))
    assert stale.unit.code == "phong-vh-xh"

    home = page(signed_in(app, "officer_yte"), f"/plans/{plan.id}/my-unit")
    assert text_of(stale) in home
    # ...and not the alerts of tasks the health station has nothing to do with.
    other = db.session.scalar(select(Alert).join(Alert.task).where(Alert.kind == TASK_STALE, Alert.unit_id != health.id,
                                                                   Alert.task_id != task.id).limit(1))
    assert text_of(other) not in home
