"""E-mail: the daily digest, stored in the outbox first, and the sender that empties the outbox.

A message is written to the outbox in the same transaction as whatever caused it. The sender
claims each message before talking to the SMTP server (so two senders never send one message
twice), marks it sent only after the server accepted it, and on failure leaves it queued with a
growing delay before the next attempt. Nothing is lost while the server is down.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from tracker.accounts.models import User
from tracker.alerts.messages import alert_text, alert_url, group_by_unit
from tracker.alerts.models import Alert, Notification
from tracker.alerts.queries import alert_loads
from tracker.core.time import aware
from tracker.extensions import db
from tracker.mail.models import OutboxMessage

MAX_BACKOFF = timedelta(hours=6)
CLAIM_FOR = timedelta(minutes=5)


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def build_digests(day: date, now: datetime) -> int:
    """Queue one digest per person for `day`: their unread notifications of open alerts, grouped
    by unit, in the person's own language. Running it again for the
    same day queues nothing more."""
    if not mail_configured():
        return 0
    rows = db.session.execute(
        select(User, Alert, Notification.created_at)
        .join(Notification, Notification.user_id == User.id)
        .join(Alert, Alert.id == Notification.alert_id)
        .where(
            Notification.read_at.is_(None),
            Alert.resolved_at.is_(None),
            User.active.is_(True),
            User.email_notifications.is_(True),
            User.email.is_not(None),
            User.email != "",
        )
        .options(*alert_loads())
        .order_by(User.id, Alert.effective_on, Alert.id)
    ).all()
    # What each person was told since their previous digest is marked new.
    previous = dict(
        db.session.execute(
            select(OutboxMessage.user_id, func.max(OutboxMessage.created_at))
            .where(OutboxMessage.digest_date < day, OutboxMessage.user_id.is_not(None))
            .group_by(OutboxMessage.user_id)
        ).all()
    )
    by_user: dict[int, tuple[User, list[Alert], set[int]]] = {}
    for user, alert, told_at in rows:
        _user, alerts, new = by_user.setdefault(user.id, (user, [], set()))
        alerts.append(alert)
        since = previous.get(user.id)
        if since is None or aware(told_at) > aware(since):
            new.add(alert.id)
    existing = set(db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.digest_date == day)))
    queued = 0
    for user, alerts, new in by_user.values():
        key = f"digest:{user.id}:{day.isoformat()}"
        if key in existing:
            continue
        subject, text_body, html_body = render_digest(user, alerts, day, new)
        db.session.add(
            OutboxMessage(
                key=key,
                user_id=user.id,
                to_address=user.email,
                subject=subject,
                body_text=text_body,
                body_html=html_body,
                digest_date=day,
                created_at=now,
                next_attempt_at=now,
            )
        )
        queued += 1
    return queued


def render_digest(user: User, alerts: list[Alert], day: date, new: set[int] | None = None) -> tuple[str, str, str]:
    """The digest's subject, text and HTML. Alerts in `new` (ids; all when None) are marked new
    and come first in their group."""
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    base_url = current_app.config["APP_BASE_URL"]
    new = {a.id for a in alerts} if new is None else new
    with current_app.test_request_context(base_url=base_url), force_locale(locale):
        # Per unit, not per task: one line for each unit, its items under it, the new ones first.
        items = [
            (
                group.summary(day),
                [
                    (alert_text(a), alert_url(a, user, external=True), a.id in new)
                    for a in sorted(group.alerts, key=lambda a: (a.id not in new, a.effective_on, a.id))
                ],
            )
            for group in group_by_unit(alerts)
        ]
        subject = _("Plan tracker: %(num)d items need attention", num=len(alerts))
        context = {
            "user": user,
            "groups": items,
            "day": day,
            "new_count": sum(1 for a in alerts if a.id in new),
            "notifications_url": base_url.rstrip("/") + "/notifications/",
        }
        return subject, render_template("mail/digest.txt", **context), render_template("mail/digest.html", **context)


def _claim(message_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + CLAIM_FOR)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _smtp_send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = config["MAIL_FROM"]
    email["To"] = formataddr((message.user.full_name if message.user else "", message.to_address))
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if config["MAIL_USE_SSL"]:
        client = smtplib.SMTP_SSL(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            timeout=config["MAIL_TIMEOUT"],
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    with client:
        if config["MAIL_USE_TLS"]:
            client.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        client.send_message(email)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes between attempts, at most six hours."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 9)), MAX_BACKOFF)  # 2**9 min > 6 h


def send_due(now: datetime, limit: int = 100) -> tuple[int, int]:
    """Send the queued messages whose time has come. Commits per message, so a message sent is
    recorded as sent at once. Returns (sent, failed)."""
    if not mail_configured():
        return 0, 0
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for message_id in ids:
        if not _claim(message_id, now):
            continue  # another sender has it
        message = db.session.get(OutboxMessage, message_id)
        try:
            _smtp_send(message)
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:1000]
            message.next_attempt_at = now + backoff(message.attempts)
            message.claimed_until = None
            failed += 1
        else:
            message.attempts += 1
            message.sent_at = now
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed


def queue_message(user: User, subject: str, text: str, key: str, now: datetime) -> bool:
    """Queue one e-mail now (a chase), if e-mail is set up and the person has an address and wants
    e-mail. Returns whether it was queued; the sender sends it within minutes."""
    if not mail_configured() or not user.active or not user.email or not user.email_notifications:
        return False
    db.session.add(
        OutboxMessage(
            key=key,
            user_id=user.id,
            to_address=user.email,
            subject=subject[:300],
            body_text=text,
            created_at=now,
            next_attempt_at=now,
        )
    )
    return True
