"""E-mail: the daily digest and the outbox, against a real SMTP server on 127.0.0.1 (aiosmtpd).

After the scan of 2026-06-13 the six-month reports of 2026 are a week overdue: the units' officers
and the secretariat hear of the missing reports (one per unit, not one per task), the chair of
what was passed to the chair. Each of them gets one digest a day, in their own language, grouped
by unit: one line per unit ("Phòng X: 1 báo cáo chậm, lâu nhất N ngày, từ 06/06/2026"), its items
under it with links into the tracker. An e-mail that cannot be sent stays queued and is retried
later, never sent twice.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select

from tests.conftest import TEST_USERS, Database, current_database, login, make_app
from tests.helpers import at, send_unit_report
from tracker import ROOT
from tracker.accounts.models import User
from tracker.alerts import services as alerts
from tracker.alerts.messages import alert_text
from tracker.alerts.models import ESCALATION, REPORT_MISSING, Alert, Notification
from tracker.extensions import babel, db
from tracker.mail import services as mail
from tracker.mail.models import OutboxMessage
from tracker.periods.queries import plan_rounds

WARD = ZoneInfo("Asia/Ho_Chi_Minh")
SCAN_DAY = date(2026, 6, 13)
BASE_URL = "http://tracker.test"
CATALOGUE = ROOT / "tracker" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


# --- a real SMTP server -----------------------------------------------------------------------


class Inbox:
    """The aiosmtpd handler: keeps every message it accepts; can be made slow."""

    def __init__(self):
        self.envelopes = []
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]

    @property
    def recipients(self) -> list[str]:
        return sorted(address for e in self.envelopes for address in e.rcpt_tos)

    def to(self, address: str) -> email.message.EmailMessage:
        found = [m for e, m in zip(self.envelopes, self.messages) if address in e.rcpt_tos]
        assert len(found) == 1, f"{address} received {len(found)} messages"
        return found[0]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_settings(port: int) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "APP_BASE_URL": BASE_URL, "MAIL_TIMEOUT": 5}


@pytest.fixture
def server(app):
    """An SMTP server on a free port, not started yet; both apps send to it."""
    smtp = SmtpServer(free_port())
    for each in (app, current_app._get_current_object()):
        each.config.update(mail_settings(smtp.port))
    yield smtp
    smtp.stop()


@pytest.fixture
def smtp(server):
    server.start()
    return server


@pytest.fixture
def vietnamese(app, tmp_path):
    """Both apps speak the Vietnamese catalogue as it stands in messages.po (the compiled .mo is a
    build artefact that `make` refreshes and may lag behind). Yields the catalogue."""
    folder = tmp_path / "translations"
    (folder / "vi" / "LC_MESSAGES").mkdir(parents=True)
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


# --- helpers ----------------------------------------------------------------------------------


def address(role: str) -> str:
    return f"{TEST_USERS[role][0]}@phuongbackan.vn"


def give_addresses(user_of) -> None:
    for role in TEST_USERS:
        user_of(role).email = address(role)
    db.session.commit()


def scan(plan, day: date = SCAN_DAY, now: datetime | None = None) -> None:
    alerts.scan(plan, day, now or at(day, 7))
    db.session.commit()


def build(day: date = SCAN_DAY, now: datetime | None = None) -> int:
    queued = mail.build_digests(day, now or at(day, 7, 5))
    db.session.commit()
    return queued


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def unread_open(user) -> int:
    """What the user's digest should count: unread notifications of open alerts."""
    return db.session.scalar(
        select(func.count(Notification.id))
        .join(Alert, Alert.id == Notification.alert_id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None), Alert.resolved_at.is_(None))
    )


def people_told() -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).distinct()))


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def text_in(alert: Alert, locale: str) -> str:
    with current_app.test_request_context(base_url=BASE_URL), force_locale(locale):
        return alert_text(alert)


def msgstr(catalogue, msgid: str) -> str:
    return catalogue[msgid].string


def missing_report_of(user, period_of) -> Alert:
    """The unit's missing-report alert of the six-month round of 2026 (about the unit, no task)."""
    period = period_of("six_month", 2026)
    round_ = next(r for r in plan_rounds(period.plan) if period in r)
    return db.session.scalar(
        select(Alert).where(
            Alert.kind == REPORT_MISSING,
            Alert.unit_id == user.unit_id,
            Alert.period_id == round_.id,
            Alert.task_id.is_(None),
        )
    )


# --- reading a digest ------------------------------------------------------------------------


def digest_groups(body: str) -> list[tuple[str, list[str]]]:
    """The unit lines of a text digest, in order, each with the items listed under it (their text,
    without the NEW mark): a line is a unit's when items follow it."""
    lines = body.splitlines()
    groups: list[tuple[str, list[str]]] = []
    for number, line in enumerate(lines):
        if line.startswith("- "):
            groups[-1][1].append(re.sub(r"^- (\[[^\]]+\] )?", "", line))
        elif (
            line.strip() and not line.startswith(" ") and number + 1 < len(lines) and lines[number + 1].startswith("- ")
        ):
            groups.append((line, []))
    return groups


def plural(catalogue, msgid: str) -> str:
    """The Vietnamese form (one for every number) of a plural entry."""
    string = catalogue[msgid].string
    return string[0] if isinstance(string, tuple) else string


def late_line(catalogue, unit_name: str, what: str, since: str) -> re.Pattern:
    """A unit's line in Vietnamese, "<unit>: <what>, lâu nhất N ngày, từ <since>", N any number."""
    longest = msgstr(catalogue, "%(what)s, the longest %(days)d days, since %(date)s") % {
        "what": what,
        "days": 987654,
        "date": since,
    }
    line = msgstr(catalogue, "%(unit)s: %(what)s") % {"unit": unit_name, "what": longest}
    return re.compile("^" + re.escape(line).replace("987654", r"\d+") + "$")


def alerts_told(user) -> list[Alert]:
    """The open alerts the person was told of and has not read: what their digest lists."""
    return db.session.scalars(
        select(Alert)
        .join(Notification, Notification.alert_id == Alert.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None), Alert.resolved_at.is_(None))
        .order_by(Alert.id)
    ).all()


def subject_unit(alert: Alert):
    """The unit an alert is about (an escalation is about its parent's unit)."""
    return (alert.parent if alert.kind == ESCALATION else alert).unit


# --- 1. one digest per person per day, in their language ----------------------------------------


def test_each_person_with_unread_alerts_gets_one_digest_a_day_in_their_language(
    plan, smtp, vietnamese, user_of, period_of
):
    give_addresses(user_of)
    user_of("chair").locale = "en"
    db.session.commit()
    scan(plan)
    told = people_told()
    assert {user_of(r).id for r in ("officer", "officer_yte", "secretariat", "chair")} <= told

    assert build() == len(told)
    assert build(now=at(SCAN_DAY, 18)) == 0  # the same day again: nothing more
    assert mail.send_due(at(SCAN_DAY, 7, 6)) == (len(told), 0)

    assert smtp.inbox.recipients == sorted(db.session.get(User, user_id).email for user_id in told)
    assert all(m["From"] == "tracker@localhost" for m in smtp.inbox.messages)

    # The officer: Vietnamese, a line for the unit, the missing report under it, with a link to the unit's report.
    officer = user_of("officer")
    message = smtp.inbox.to(officer.email)
    subject = msgstr(vietnamese, "Plan tracker: %(num)d items need attention") % {"num": unread_open(officer)}
    assert message["Subject"] == subject
    body = text_of(message)
    missing = missing_report_of(officer, period_of)
    report_link = f"{BASE_URL}/plans/{plan.id}/periods/{missing.period_id}/report"
    assert msgstr(vietnamese, "Hello %(name)s,") % {"name": officer.full_name} in body
    [(line, items)] = digest_groups(body)  # everything the officer hears of is about the unit
    assert line.startswith(f"{officer.unit.name}: " + plural(vietnamese, "%(num)d report late") % {"num": 1})
    vietnamese_text = text_in(missing, "vi")
    assert officer.unit.name in vietnamese_text and "05/06/2026" in vietnamese_text
    assert vietnamese_text in items
    assert "has not been sent" not in body and "due on" not in body and "report late" not in body  # no English
    assert report_link in body
    assert f'href="{report_link}"' in html_of(message)
    assert f"{BASE_URL}/notifications/" in body

    # The secretariat is told of every unit's missing report, with links to the review queue.
    secretariat = smtp.inbox.to(user_of("secretariat").email)
    assert text_in(missing, "vi") in text_of(secretariat)
    assert f"{BASE_URL}/plans/{plan.id}/review?period={missing.period_id}" in text_of(secretariat)

    # The chair reads English: what was passed to the chair, unit by unit.
    chair = user_of("chair")
    message = smtp.inbox.to(chair.email)
    assert message["Subject"] == f"Plan tracker: {unread_open(chair)} items need attention"
    body = text_of(message)
    assert body.startswith(f"Hello {chair.full_name},")
    escalation = db.session.scalar(select(Alert).where(Alert.kind == ESCALATION, Alert.parent_id == missing.id))
    assert text_in(escalation, "en") == "Passed to the chair: " + text_in(missing, "en")
    groups = dict(digest_groups(body))
    line = next(line for line in groups if line.startswith(f"{officer.unit.name}: "))
    assert line.startswith(f"{officer.unit.name}: 1 report late, the longest ")
    assert text_in(escalation, "en") in groups[line]
    assert f"{BASE_URL}/plans/{plan.id}/review?period={missing.period_id}" in body
    assert msgstr(vietnamese, "Hello %(name)s,").split()[0] not in body


def test_the_digest_has_one_line_per_unit_with_its_items_under_it(plan, smtp, vietnamese, user_of):
    """The secretariat hears of every unit's missing report and of the tasks nobody answers for:
    one e-mail, a line per unit (in the plan's order, what no unit answers for last), never a line
    per task."""
    give_addresses(user_of)
    scan(plan)
    build()
    mail.send_due(at(SCAN_DAY, 7, 6))
    secretariat = user_of("secretariat")
    groups = digest_groups(text_of(smtp.inbox.to(secretariat.email)))  # one e-mail, however many units

    alerts = alerts_told(secretariat)
    units = sorted({a.unit for a in alerts if a.unit is not None}, key=lambda u: u.sort_order)
    assert len(units) == 12
    assert len(groups) == len(units) + 1
    one_late = plural(vietnamese, "%(num)d report late") % {"num": 1}
    for (line, items), unit in zip(groups, units):
        assert late_line(vietnamese, unit.name, one_late, "06/06/2026").match(line), line
        assert sorted(items) == sorted(text_in(a, "vi") for a in alerts if a.unit == unit)
    line, items = groups[-1]
    nobody = [a for a in alerts if a.unit is None]
    what = plural(vietnamese, "%(num)d task with no unit assigned") % {"num": len(nobody)}
    assert late_line(vietnamese, msgstr(vietnamese, "No unit assigned"), what, "01/01/2026").match(line), line
    assert sorted(items) == sorted(text_in(a, "vi") for a in nobody)
    # The HTML part has the same lines, as headings.
    html = html_of(smtp.inbox.to(secretariat.email))
    assert [h for h in re.findall(r"<h3>(.*?)</h3>", html)] == [str(escape(line)) for line, _items in groups]


def test_people_told_about_many_units_still_get_one_e_mail_a_day(plan, smtp, user_of):
    give_addresses(user_of)
    scan(plan)
    scan(plan, SCAN_DAY, now=at(SCAN_DAY, 15))  # a second scan that day
    assert build() == len(people_told())
    assert build(now=at(SCAN_DAY, 20)) == 0
    mail.send_due(at(SCAN_DAY, 20, 1))
    for role in ("secretariat", "chair"):
        user = user_of(role)
        assert len({subject_unit(a) for a in alerts_told(user)}) > 5, role
        assert smtp.inbox.recipients.count(user.email) == 1, role
    assert len(smtp.inbox.envelopes) == len(people_told())


def test_the_digest_leaves_out_what_was_read_or_resolved(plan, smtp, vietnamese, user_of, period_of):
    give_addresses(user_of)
    scan(plan)
    officer = user_of("officer")
    missing = missing_report_of(officer, period_of)
    mine = db.session.scalars(
        select(Notification).where(Notification.user_id == officer.id).order_by(Notification.id)
    ).all()
    read = next(n for n in mine if n.alert_id != missing.id)
    read.read_at = at(SCAN_DAY, 6)
    # The unit sends its missing report; a second scan that morning resolves its alert.
    send_unit_report(officer, missing.period, at(SCAN_DAY, 7, 1))
    db.session.commit()
    alerts.scan(plan, SCAN_DAY, at(SCAN_DAY, 7, 2))
    db.session.commit()
    assert not missing.is_open

    build()
    mail.send_due(at(SCAN_DAY, 7, 6))
    message = smtp.inbox.to(officer.email)
    assert message["Subject"] == msgstr(vietnamese, "Plan tracker: %(num)d items need attention") % {
        "num": len(mine) - 2
    }
    body = text_of(message)
    assert text_in(read.alert, "vi") not in body
    assert text_in(missing, "vi") not in body
    # Nor does the unit's line count them.
    [(line, items)] = digest_groups(body)
    assert len(items) == len(mine) - 2
    assert plural(vietnamese, "%(num)d report late") % {"num": 1} not in line


def test_someone_who_has_read_everything_gets_no_digest(plan, smtp, user_of):
    give_addresses(user_of)
    scan(plan)
    officer = user_of("officer")
    for notification in db.session.scalars(select(Notification).where(Notification.user_id == officer.id)):
        notification.read_at = at(SCAN_DAY, 6)
    db.session.commit()
    build()
    mail.send_due(at(SCAN_DAY, 7, 6))
    assert officer.email not in smtp.inbox.recipients
    assert user_of("secretariat").email in smtp.inbox.recipients


def test_the_next_day_brings_a_new_digest(plan, smtp, user_of):
    give_addresses(user_of)
    scan(plan)
    first = build()
    scan(plan, SCAN_DAY + timedelta(days=1))
    assert build(SCAN_DAY + timedelta(days=1)) == first
    assert mail.send_due(at(SCAN_DAY + timedelta(days=1), 7, 6)) == (2 * first, 0)
    assert smtp.inbox.recipients.count(user_of("officer").email) == 2


def test_the_next_digest_marks_what_is_new_since_the_last_one_and_lists_it_first(plan, smtp, vietnamese, user_of):
    give_addresses(user_of)
    officer = user_of("officer")
    scan(plan)
    build()
    mail.send_due(at(SCAN_DAY, 7, 6))
    later = date(2026, 11, 3)  # 7 days before the annual reports' unit deadline: new reminders
    scan(plan, later)
    build(later)
    mail.send_due(at(later, 7, 6))

    new_alerts = db.session.scalars(
        select(Alert)
        .join(Notification, Notification.alert_id == Alert.id)
        .where(
            Notification.user_id == officer.id,
            Notification.created_at == at(later, 7),
            Notification.read_at.is_(None),
            Alert.resolved_at.is_(None),
        )
    ).all()
    assert new_alerts
    first, second = [m for m in smtp.inbox.messages if m["To"].endswith(f"<{officer.email}>")]
    new_mark = f"[{msgstr(vietnamese, 'NEW')}]"
    assert new_mark in text_of(first)  # on the first digest everything is new
    body = text_of(second)
    marked = [line[len(f"- {new_mark} ") :] for line in body.splitlines() if line.startswith(f"- {new_mark} ")]
    assert sorted(marked) == sorted(text_in(a, "vi") for a in new_alerts)
    unmarked = [line for line in body.splitlines() if line.startswith("- ") and new_mark not in line]
    assert unmarked, "what the officer was told before and has not read is still listed, unmarked"
    new_count = vietnamese["%(num)d of them is new since your last summary (marked NEW)."].string
    assert (new_count[0] if isinstance(new_count, tuple) else new_count) % {"num": len(new_alerts)} in body
    # Within each unit's line, the new items come first.
    in_groups = []
    for line in body.splitlines():
        if line.startswith("- "):
            in_groups[-1].append(new_mark in line)
        elif line.strip() and not line.startswith(" "):
            in_groups.append([])
    groups = [marks for marks in in_groups if marks]
    assert groups and sum(len(marks) for marks in groups) == len(marked) + len(unmarked)
    for marks in groups:
        assert marks == sorted(marks, reverse=True), "a new item after an old one"
    # The reminder shows in the unit's line with its deadline.
    [(line, _items)] = digest_groups(body)
    due_soon = msgstr(vietnamese, "%(what)s (due %(date)s)") % {
        "what": plural(vietnamese, "%(num)d report due soon") % {"num": 1},
        "date": "10/11/2026",
    }
    assert due_soon in line


# --- 2. who gets no e-mail --------------------------------------------------------------------


def test_no_digest_without_an_address_with_e_mail_turned_off_or_for_a_disabled_account(plan, smtp, user_of):
    give_addresses(user_of)
    scan(plan)
    user_of("officer").email_notifications = False
    user_of("officer_yte").email = None
    user_of("secretariat").active = False
    db.session.commit()

    assert build() == 1
    assert [m.to_address for m in outbox()] == [address("chair")]
    mail.send_due(at(SCAN_DAY, 7, 6))
    assert smtp.inbox.recipients == [address("chair")]


# --- 3. the outbox keeps what it cannot send ----------------------------------------------------


def test_mail_that_cannot_be_sent_stays_queued_and_goes_out_once_the_server_is_back(plan, server, user_of):
    give_addresses(user_of)
    scan(plan)
    queued = build()
    assert queued >= 4
    start = at(SCAN_DAY, 7, 10)

    # Nothing listens on the port: every message fails and waits a minute.
    assert mail.send_due(start) == (0, queued)
    for message in outbox():
        assert message.sent_at is None and message.attempts == 1
        assert message.last_error and "Connection" in message.last_error
        assert message.next_attempt_at == start + timedelta(minutes=1)

    # Before that minute is up, the sender leaves them alone.
    assert mail.send_due(start + timedelta(seconds=30)) == (0, 0)
    assert {m.attempts for m in outbox()} == {1}

    # A second failure waits two minutes.
    second = start + timedelta(minutes=1)
    assert mail.send_due(second) == (0, queued)
    assert {(m.attempts, m.next_attempt_at) for m in outbox()} == {(2, second + timedelta(minutes=2))}

    server.start()
    assert mail.send_due(second + timedelta(minutes=1)) == (0, 0)  # not yet due
    back = second + timedelta(minutes=2, seconds=5)
    assert mail.send_due(back) == (queued, 0)
    assert len(server.inbox.envelopes) == queued
    assert len(set(server.inbox.recipients)) == queued  # one each
    for message in outbox():
        assert (message.sent_at, message.attempts, message.last_error) == (back, 3, None)

    # Nothing is sent twice.
    assert mail.send_due(back + timedelta(hours=1)) == (0, 0)
    assert len(server.inbox.envelopes) == queued


def test_the_delay_between_attempts_doubles_up_to_six_hours():
    minutes = [mail.backoff(attempt) / timedelta(minutes=1) for attempt in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]
    assert mail.backoff(41) == timedelta(hours=6)


def test_a_server_down_for_more_than_a_week_does_not_break_the_sender(plan, server, user_of):
    give_addresses(user_of)
    scan(plan)
    build()
    moment = at(SCAN_DAY + timedelta(days=9), 9)
    for message in outbox():
        message.attempts = 41  # six-hourly attempts since the server went down
        message.next_attempt_at = moment
    db.session.commit()
    queued = len(outbox())
    assert mail.send_due(moment) == (0, queued)
    assert {(m.attempts, m.next_attempt_at) for m in outbox()} == {(42, moment + timedelta(hours=6))}


def test_the_mail_commands_queue_and_send(plan, smtp, cli, vietnamese, user_of):
    give_addresses(user_of)
    scan(plan)
    result = cli.invoke(args=["mail", "digests", "--date", SCAN_DAY.isoformat()])
    assert result.exit_code == 0, result.output
    queued = len(outbox())
    assert queued >= 4
    assert result.output.strip() == msgstr(vietnamese, "%(num)d digests queued.") % {"num": queued}

    result = cli.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == msgstr(vietnamese, "%(sent)d e-mails sent, %(failed)d failed (kept for retry).") % {
        "sent": queued,
        "failed": 0,
    }
    assert len(smtp.inbox.envelopes) == queued


# --- 4. two senders at once ---------------------------------------------------------------------


def send_in_own_app(database: Database, port: int, moment: datetime, barrier, results: list, errors: list) -> None:
    other = make_app(database, **mail_settings(port))
    try:
        with other.app_context():
            barrier.wait(timeout=10)
            results.append(mail.send_due(moment))
    except Exception as error:  # noqa: BLE001 - reported to the test
        errors.append(error)
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_two_senders_at_once_send_each_message_once(plan, smtp, user_of):
    give_addresses(user_of)
    scan(plan)
    queued = build()
    smtp.inbox.delay = 0.3  # a slow server, so that the two senders overlap
    database = current_database()
    barrier, results, errors = threading.Barrier(2), [], []
    moment = at(SCAN_DAY, 7, 10)
    threads = [
        threading.Thread(target=send_in_own_app, args=(database, smtp.port, moment, barrier, results, errors))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(sent for sent, _failed in results) == queued
    assert len(smtp.inbox.envelopes) == queued
    assert len(set(smtp.inbox.recipients)) == queued
    assert {(m.attempts, m.sent_at is not None) for m in outbox()} == {(1, True)}


def test_a_claimed_message_cannot_be_claimed_again_until_the_claim_expires(plan, smtp, user_of):
    give_addresses(user_of)
    scan(plan)
    build()
    message_id = outbox()[0].id
    moment = at(SCAN_DAY, 7, 10)
    assert mail._claim(message_id, moment) is True
    assert mail._claim(message_id, moment + timedelta(minutes=1)) is False  # another sender has it
    # A sender that died while holding it does not block it for ever.
    assert mail._claim(message_id, moment + mail.CLAIM_FOR + timedelta(seconds=1)) is True


# --- 5. without a mail server -------------------------------------------------------------------


def test_without_a_mail_server_nothing_is_queued_or_sent(app, plan, smtp, user_of):
    give_addresses(user_of)
    scan(plan)
    assert build() >= 4  # queued while the server was configured
    for each in (app, current_app):
        each.config["MAIL_SERVER"] = None
    assert build(SCAN_DAY + timedelta(days=1)) == 0
    assert mail.send_due(at(SCAN_DAY, 8)) == (0, 0)
    assert smtp.inbox.envelopes == []
    assert all(m.sent_at is None and m.attempts == 0 for m in outbox())
    assert {m.digest_date for m in outbox()} == {SCAN_DAY}


# --- 6. the profile -----------------------------------------------------------------------------


def test_a_person_turns_e_mail_off_and_changes_language_in_their_profile(app, client, plan, smtp, vietnamese, user_of):
    give_addresses(user_of)
    login(client, "officer")
    page = client.get("/profile").get_data(as_text=True)
    assert msgstr(vietnamese, "Send me a daily e-mail summary of what needs my attention") in page

    response = client.post("/profile", data={"locale": "vi", "email": "vhxh@phuongbackan.vn"}, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert msgstr(vietnamese, "Your settings are saved.") in page
    officer = user_of("officer")
    assert (officer.email, officer.email_notifications) == ("vhxh@phuongbackan.vn", False)

    scan(plan)
    build()
    assert officer.id not in {m.user_id for m in outbox()}
    assert user_of("secretariat").id in {m.user_id for m in outbox()}

    # English, with e-mail back on: the pages and the next digest are in English.
    response = client.post(
        "/profile",
        data={"locale": "en", "email": "vhxh@phuongbackan.vn", "email_notifications": "y"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and "Your settings are saved." in page
    assert user_of("officer").email_notifications is True and user_of("officer").locale == "en"
    later = app.test_client()
    login(later, "officer")  # a new session follows the profile
    page = later.get(f"/plans/{plan.id}/my-unit").get_data(as_text=True)
    assert '<html lang="en">' in page and "My unit" in page

    day = SCAN_DAY + timedelta(days=1)
    scan(plan, day)
    build(day)
    mail.send_due(at(day, 7, 10))
    message = smtp.inbox.to("vhxh@phuongbackan.vn")
    assert message["Subject"].startswith("Plan tracker:")
    [(line, _items)] = digest_groups(text_of(message))
    assert line.startswith(f"{officer.unit.name}: 1 report late, the longest ")


def test_the_profile_refuses_a_malformed_address_and_keeps_what_was_typed(client, vietnamese, user_of):
    login(client, "officer")
    response = client.post("/profile", data={"locale": "vi", "email": "canbo-at-phuong", "email_notifications": "y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert msgstr(vietnamese, "This is not a valid e-mail address.") in page
    assert 'value="canbo-at-phuong"' in page
    assert user_of("officer").email is None
