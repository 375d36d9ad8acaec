"""Chasing (đôn đốc) a late unit, as the alerts, the bell and the e-mail see it.

On 13/06/2026 the six-month reports of 2026 (due from the units on 05/06) are a week late. The
secretariat (or the chair) chases Phòng Văn hóa – Xã hội in one action: the chase is recorded and
audited, the unit's officers find it in their day's message under the bell, each officer with an
address and e-mail on gets an e-mail (through a real SMTP server on 127.0.0.1), and the text is
offered ready to paste in the ward's chat groups. A chase is written by a person: the scan never
resolves, reopens or escalates it. Nobody else may chase, and a unit with nothing late cannot be.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests import helpers
from tests.conftest import PASSWORD, TEST_USERS
from tests.helpers import at, database_snapshot
from tests.test_mail import BASE_URL, SmtpServer, free_port, mail_settings
from tests.test_notifications import bell, messages_on, missing_report
from tracker.accountability.models import Chase
from tracker.accounts.models import User
from tracker.accounts.services import create_user
from tracker.alerts import services as alerts
from tracker.alerts.models import CHASE, ESCALATION, Alert, Notification
from tracker.alerts.queries import open_alert_counts
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.mail import services as mail
from tracker.mail.models import OutboxMessage
from tracker.units.models import Unit
from tracker.wards.models import Ward

signed_in = partial(helpers.signed_in, language="en")
page = partial(helpers.page, follow_redirects=True)
plain = helpers.plain

WARD = ZoneInfo("Asia/Ho_Chi_Minh")
LATE_DAY = date(2026, 6, 13)
ISSUER = "UBND phường Bắc Kạn"


# --- helpers ----------------------------------------------------------------------------------


def scan(plan, day: date = LATE_DAY, hour: int = 7) -> alerts.ScanResult:
    result = alerts.scan(plan, day, at(day, hour))
    db.session.commit()
    return result


def freeze(app, moment: datetime) -> None:
    """The web app's clock (the test body passes its moments to the services itself)."""
    app.config["FROZEN_NOW"] = moment.isoformat()


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def chase_url(plan, code: str) -> str:
    return f"/plans/{plan.id}/accountability/units/{code}/chase"


def chase(client, plan, code: str = "phong-vh-xh"):
    return client.post(chase_url(plan, code), data={})


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def the_chase() -> Chase:
    db.session.expire_all()
    [entry] = db.session.scalars(select(Chase)).all()
    return entry


def chase_alert(entry: Chase) -> Alert:
    return db.session.scalar(select(Alert).where(Alert.kind == CHASE, Alert.key == f"chase:{entry.id}"))


def told(alert: Alert) -> set[str]:
    return set(
        db.session.scalars(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.alert_id == alert.id)
        )
    )


def flashes(html: str) -> list[str]:
    return [plain(m) for m in re.findall(r'<div class="alert alert-[a-z]+[^"]*" role="alert">(.*?)</div>', html, re.S)]


def add_officer(username: str, unit_code: str, email: str | None = None, email_on: bool = True) -> User:
    """Another officer account of a unit."""
    ward = db.session.scalar(select(Ward))
    user = create_user(username, PASSWORD, username.title(), ["officer"], ward=ward, unit=unit(unit_code), email=email)
    user.email_notifications = email_on
    db.session.commit()
    return user


@pytest.fixture
def late(app, plan):
    """The morning of 13/06/2026: the scan has run; people act at 09:00."""
    scan(plan)
    freeze(app, at(LATE_DAY, 9))
    return at(LATE_DAY, 9)


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1; both apps send to it."""
    server = SmtpServer(free_port())
    for each in (app, current_app._get_current_object()):
        each.config.update(mail_settings(server.port))
    server.start()
    yield server
    server.stop()


# --- 1. in the app: part of the officers' day's message ---------------------------------------------


def test_a_chase_reaches_the_units_officers_as_part_of_their_days_message(app, plan, late, user_of):
    second = add_officer("canbo2.vhxh", "phong-vh-xh")
    officer = user_of("officer")
    before = {n.id for n in db.session.scalars(select(Notification).where(Notification.user_id == officer.id))}
    signed = signed_in(app, "officer")
    assert bell(page(signed, "/notifications/")) == 1  # the morning's message

    response = chase(signed_in(app, "secretariat"), plan)
    assert response.status_code == 302
    entry = the_chase()
    assert response.headers["Location"].startswith(f"/plans/{plan.id}/accountability/chases/{entry.id}")
    assert (entry.unit_id, entry.by_id, entry.notified, entry.created_at) == (
        unit("phong-vh-xh").id,
        user_of("secretariat").id,
        2,
        late,
    )
    # The text names what is late and since when, ready to paste with the link.
    assert "6-month report 2026" in entry.text and "since 06/06/2026" in entry.text
    sent_page = plain(page(signed_in(app, "secretariat"), response.headers["Location"]))
    assert entry.text in sent_page

    alert = chase_alert(entry)
    assert (alert.unit_id, alert.task_id, alert.details["text"]) == (unit("phong-vh-xh").id, None, entry.text)
    assert told(alert) == {"canbo.vhxh", "canbo2.vhxh"}  # the unit's officers, nobody else

    # The officer's bell: still ONE message for the day, the chase in the unit's line.
    html = page(signed, "/notifications/")
    assert bell(html) == 1
    [message] = messages_on(html)
    assert message.day == "13/06/2026" and message.unread
    [group] = message.groups
    assert group.summary.startswith(f"{unit('phong-vh-xh').name}: 1 report late")
    assert group.summary.endswith("; chased 1 time")
    mine = {n.id: n for n in db.session.scalars(select(Notification).where(Notification.user_id == officer.id))}
    [new] = set(mine) - before
    assert (new, entry.text) in group.items
    assert {i for i, _text in group.items} == set(mine)

    # Opening it marks it read and leads to the unit's page, where the chase is listed.
    response = signed.post(f"/notifications/{new}/open")
    assert response.headers["Location"] == f"/plans/{plan.id}/my-unit"
    assert db.session.get(Notification, new).read_at is not None
    assert entry.text in plain(page(signed, f"/plans/{plan.id}/my-unit"))

    # The second officer, told of nothing else, has one message: the chase.
    browser = app.test_client()
    browser.get("/language/en")
    assert browser.post("/login", data={"username": second.username, "password": PASSWORD}).status_code == 302
    html = page(browser, "/notifications/")
    assert bell(html) == 1
    [message] = messages_on(html)
    assert [(g.summary, [text for _i, text in g.items]) for g in message.groups] == [
        (f"{unit('phong-vh-xh').name}: chased 1 time", [entry.text])
    ]


def test_the_chair_can_chase_too(app, plan, late, user_of):
    response = chase(signed_in(app, "chair"), plan, "tram-y-te")
    assert response.status_code == 302
    entry = the_chase()
    assert (entry.unit_id, entry.by_id, entry.notified) == (unit("tram-y-te").id, user_of("chair").id, 1)
    assert told(chase_alert(entry)) == {"canbo.yte"}


# --- 2. by e-mail -------------------------------------------------------------------------------------


def test_a_chase_e_mails_each_officer_with_an_address(app, plan, late, smtp, user_of):
    officer = user_of("officer")
    officer.email = "canbo.vhxh@phuongbackan.vn"
    db.session.commit()
    no_address = add_officer("canbo2.vhxh", "phong-vh-xh")
    mail_off = add_officer("canbo3.vhxh", "phong-vh-xh", email="canbo3@phuongbackan.vn", email_on=False)

    assert chase(signed_in(app, "secretariat"), plan).status_code == 302
    entry = the_chase()
    assert (entry.notified, entry.emailed) == (3, 1)
    [queued] = db.session.scalars(select(OutboxMessage)).all()
    assert (queued.key, queued.user_id, queued.to_address, queued.digest_date) == (
        f"chase:{entry.id}:{officer.id}",
        officer.id,
        officer.email,
        None,
    )
    assert {no_address.id, mail_off.id}.isdisjoint({m.user_id for m in db.session.scalars(select(OutboxMessage))})

    assert mail.send_due(at(LATE_DAY, 9, 5)) == (1, 0)
    [envelope] = smtp.inbox.envelopes
    assert envelope.rcpt_tos == [officer.email]
    message = smtp.inbox.to(officer.email)
    assert message["Subject"] == f"Reminder from {ISSUER}: {unit('phong-vh-xh').name}"
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == entry.text
    assert db.session.get(OutboxMessage, queued.id).sent_at is not None


def test_the_chase_e_mail_links_to_the_trackers_address_for_e_mails(app, plan, late, smtp, user_of):
    """APP_BASE_URL is "the address links in e-mails point to" (README): the digest's links use it,
    and so must the chase's, whatever address the chaser's browser used."""
    officer = user_of("officer")
    officer.email = "canbo.vhxh@phuongbackan.vn"
    db.session.commit()
    assert chase(signed_in(app, "secretariat"), plan).status_code == 302
    mail.send_due(at(LATE_DAY, 9, 5))
    body = smtp.inbox.to(officer.email).get_body(preferencelist=("plain",)).get_content()
    assert f"{BASE_URL}/plans/{plan.id}/my-unit" in body, body


def test_a_day_with_a_chase_still_brings_one_digest_per_person(app, plan, late, smtp, user_of):
    for role in TEST_USERS:
        user_of(role).email = f"{TEST_USERS[role][0]}@phuongbackan.vn"
    db.session.commit()
    assert chase(signed_in(app, "secretariat"), plan).status_code == 302
    told_today = set(db.session.scalars(select(Notification.user_id).distinct()))
    assert mail.build_digests(LATE_DAY, at(LATE_DAY, 18)) == len(told_today)
    db.session.commit()
    assert mail.build_digests(LATE_DAY, at(LATE_DAY, 19)) == 0
    digests = db.session.scalars(select(OutboxMessage).where(OutboxMessage.digest_date == LATE_DAY)).all()
    assert sorted(m.user_id for m in digests) == sorted(told_today)  # one each
    # The chase's own e-mail is the only other one, to the unit's officer.
    others = db.session.scalars(select(OutboxMessage).where(OutboxMessage.digest_date.is_(None))).all()
    assert [m.key for m in others] == [f"chase:{the_chase().id}:{user_of('officer').id}"]


# --- 3. the audit log -----------------------------------------------------------------------------


def test_the_chase_is_in_the_audit_log(app, plan, late, user_of):
    assert chase(signed_in(app, "secretariat"), plan).status_code == 302
    entry = the_chase()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit.chase")).all()
    secretariat = user_of("secretariat")
    assert (event.user_id, event.username, event.target_type, event.target_id, event.occurred_at) == (
        secretariat.id,
        secretariat.username,
        "chase",
        entry.id,
        late,
    )
    assert event.detail["unit"] == "phong-vh-xh"
    assert (event.detail["notified"], event.detail["emailed"]) == (entry.notified, entry.emailed)
    # The administrator reads it in the log: who chased, which unit.
    log = plain(page(signed_in(app, "admin"), "/admin/audit/"))
    line = next((part for part in log.split("thuongtruc") if "chased a unit" in part), None)
    assert line is not None, log
    assert "phong-vh-xh" in line


# --- 4. the scan leaves a chase alone --------------------------------------------------------------


def test_the_scan_never_resolves_reopens_or_escalates_a_chase(app, plan, late, user_of, period_of):
    assert chase(signed_in(app, "secretariat"), plan).status_code == 302
    entry = the_chase()
    alert = chase_alert(entry)
    assert alert.resolved_at == late  # a message, not a standing alert: written resolved
    notifications = db.session.scalars(select(Notification).where(Notification.alert_id == alert.id)).all()
    assert notifications and all(n.read_at is None for n in notifications)
    assert CHASE not in open_alert_counts(plan.id)

    # The unit sends its report the next day: the scan resolves the missing report, not the chase.
    officer = user_of("officer")
    missing = missing_report(officer, period_of)
    assert missing.is_open
    helpers.send_unit_report(officer, period_of("six_month", 2026), at(LATE_DAY + timedelta(days=1), 8))
    db.session.commit()
    # One notification read, the others not, and days of scans well past the escalation delay.
    notifications[0].read_at = at(LATE_DAY, 10)
    db.session.commit()
    results = [scan(plan, LATE_DAY + timedelta(days=n)) for n in (1, 2, 7, 8, 20)]

    assert not missing.is_open
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).resolved_at == late
    assert all(alert.id not in {a.id for a in r.resolved} for r in results)
    assert all(CHASE not in {a.kind for a in r.created} for r in results)
    assert count(Alert, Alert.parent_id == alert.id) == 0  # never passed to the chair
    assert all(a.parent.kind != CHASE for a in db.session.scalars(select(Alert).where(Alert.kind == ESCALATION)))
    assert count(Alert, Alert.kind == CHASE) == 1
    after = db.session.scalars(
        select(Notification).where(Notification.alert_id == alert.id).order_by(Notification.id)
    ).all()
    assert [(n.id, n.read_at) for n in after] == [(n.id, n.read_at) for n in notifications]
    assert db.session.get(Notification, notifications[0].id).read_at == at(LATE_DAY, 10)


# --- 5. who may chase, and whom ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "officer_yte", "committee", "admin"])
def test_only_the_chair_and_the_secretariat_may_chase(app, plan, late, role):
    client = signed_in(app, role)
    before = database_snapshot()
    response = chase(client, plan)
    assert response.status_code == 403
    assert database_snapshot() == before
    assert count(Chase) == 0 and count(Alert, Alert.kind == CHASE) == 0


def test_chasing_needs_a_signed_in_user(client, plan, late):
    before = database_snapshot()
    response = chase(client, plan)
    assert response.status_code in (302, 401, 403)
    assert database_snapshot() == before


def test_a_unit_with_nothing_late_cannot_be_chased(app, plan, user_of, period_of):
    """Phòng VH-XH sent its report on time and has nothing overdue: chasing it is refused with a
    message, and nothing is written. Other units, whose reports are late, can still be chased."""
    officer = user_of("officer")
    helpers.send_unit_report(officer, period_of("six_month", 2026), at(date(2026, 6, 4), 15))
    db.session.commit()
    scan(plan)
    freeze(app, at(LATE_DAY, 9))
    secretariat = signed_in(app, "secretariat")
    officer_browser = signed_in(app, "officer")
    page(secretariat, f"/plans/{plan.id}/accountability/")  # the league table, as the day's first page
    before = database_snapshot()

    response = chase(secretariat, plan)
    assert response.status_code == 302
    assert database_snapshot() == before
    assert count(Chase) == 0
    html = page(secretariat, response.headers["Location"])
    assert f"{unit('phong-vh-xh').name} has nothing late to be chased for." in flashes(html)
    assert bell(page(officer_browser, "/notifications/")) == 1  # the morning's message, nothing more

    # A unit that owes nothing at all is refused the same way; an unknown one is not found.
    response = chase(secretariat, plan, "bch-quan-su")
    assert response.status_code == 302
    assert f"{unit('bch-quan-su').name} has nothing late to be chased for." in flashes(
        page(secretariat, response.headers["Location"])
    )
    assert chase(secretariat, plan, "khong-co").status_code == 404
    assert database_snapshot() == before

    # The health station's report is late: it can be chased.
    assert chase(secretariat, plan, "tram-y-te").status_code == 302
    assert the_chase().unit_id == unit("tram-y-te").id
