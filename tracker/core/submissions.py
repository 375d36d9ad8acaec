"""What people send through forms is posted once and never lost.

- Posted once: every form that creates a record carries a one-time token (`OnceField`), drawn when
  the form is shown. The first post claims it; a double click, a retry on a slow connection, or
  Back then Post again carries the same token and is recognised: nothing is created twice, and
  the person is taken to what the first post created.
- Never lost: a post that cannot be taken because the session ended (signed out in another tab,
  a password reset) or the form expired keeps what was typed on the server; the page the form was
  on gives it back once the person is signed in again, with a message that says what happened.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import JSON, ForeignKey, String, delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from tracker.core.types import UTCDateTime
from tracker.extensions import db

KEPT_COOKIE = "kept_form"
KEEP_FOR = timedelta(days=2)
TOKEN_LENGTH = 22  # secrets.token_urlsafe(16)


class FormSubmission(db.Model):
    """A one-time form token that has been used, and where its post led."""

    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    result_url: Mapped[str | None] = mapped_column(String(500))
    # What was sent with an API call's Idempotency-Key (tracker.api.base): the same key sent with
    # another call is refused rather than taken for a retry.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class KeptForm(db.Model):
    """What someone typed in a form that could not be taken (session ended, form expired)."""

    __tablename__ = "kept_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    path: Mapped[str] = mapped_column(String(500))  # the page the form was on
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # field name -> values
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# --- posted once ----------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(16)


class OnceField(HiddenField):
    """The form's one-time token: a new one each time the form is shown, sent back with the post."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("default", new_token)
        super().__init__(label, validators, **kwargs)


class AlreadySent(Exception):
    """The form with this token was already taken; `result_url` is where its first post led, and
    `fingerprint` what it sent (for an API call)."""

    def __init__(self, result_url: str | None, fingerprint: str | None = None):
        super().__init__(result_url)
        self.result_url = result_url
        self.fingerprint = fingerprint


# PostgreSQL's "lock_not_available": the lock timeout ran out.
LOCK_NOT_AVAILABLE = "55P03"


def claim(
    token: str | None, user_id: int | None, now: datetime, fingerprint: str | None = None
) -> FormSubmission | None:
    """Record that the form with `token` is being taken, in the caller's transaction. Raises
    AlreadySent if it was taken before (even by a request running at the same moment: the
    database's unique key decides). A form without a token (a script, a page from before the
    tokens) is taken as it is: None.

    The claim is the request's first write: when the key refuses it, the whole transaction is
    rolled back (no savepoint: SQLite's driver commits a savepoint opened outside a transaction,
    which would keep the claim of a post that is then refused)."""
    if not token or len(token) > 64:
        return None
    existing = db.session.scalar(select(FormSubmission).where(FormSubmission.token == token))
    if existing is not None:
        raise AlreadySent(existing.result_url, existing.fingerprint)
    row = FormSubmission(token=token, user_id=user_id, created_at=now, fingerprint=fingerprint)
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        # Another request with the same token got there first and has committed.
        db.session.rollback()
        first = db.session.scalar(select(FormSubmission).where(FormSubmission.token == token))
        raise AlreadySent(first.result_url if first else None, first.fingerprint if first else None) from None
    except OperationalError as error:
        # Another request with the same token holds it and is still saving (a double click on a
        # form with large files) longer than the lock timeout: the first one stands.
        if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        db.session.rollback()
        raise AlreadySent(None) from None
    return row


def already_sent(token: str | None) -> FormSubmission | None:
    """The use of this token, if the form was taken before."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(FormSubmission).where(FormSubmission.token == token))


def taken(submission: FormSubmission | None, result_url: str) -> None:
    """Where the post led, for a repeat of it to go to."""
    if submission is not None:
        submission.result_url = result_url[:500]


# --- never lost -----------------------------------------------------------------------------


def keep(form_data, path: str, user_id: int | None, now: datetime) -> KeptForm | None:
    """Keep what was typed (text fields only: a browser cannot be given files back). Passwords are
    never kept."""
    data = {key: form_data.getlist(key) for key in form_data if key != "csrf_token" and "password" not in key.lower()}
    if not any(value.strip() for values in data.values() for value in values if isinstance(value, str)):
        return None
    db.session.execute(delete(KeptForm).where(KeptForm.created_at < now - KEEP_FOR))
    kept = KeptForm(token=new_token(), user_id=user_id, path=path[:500], data=data, created_at=now)
    db.session.add(kept)
    return kept


def kept_for(path: str, user_id: int) -> KeptForm | None:
    """What this browser kept for this page, if the person signed in may have it back."""
    token = request.cookies.get(KEPT_COOKIE)
    if not token:
        return None
    kept = db.session.scalar(select(KeptForm).where(KeptForm.token == token))
    if kept is None or kept.path != path or (kept.user_id is not None and kept.user_id != user_id):
        return None
    return kept


def fits(kept: KeptForm, field_names: set[str]) -> bool:
    """Whether the kept text belongs to a form with these fields (a page may hold several forms)."""
    names = {name for name in kept.data if name not in ("once", "next")}
    return bool(names) and names <= field_names


def page_of_post(fallback: str | None = None) -> str:
    """The page the form was on: the referring page of this site, else `fallback` (by default
    the address posted to)."""
    from urllib.parse import urlsplit

    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == request.host and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback or request.path


# Marks a post sent again from the 503 page whose files stayed behind (a page cannot hold them).
FILES_LEFT_BEHIND = "files_left_behind"


def resendable_fields(form_data) -> list[tuple[str, str]]:
    """The fields of a post that may be put back into a page to send it again: everything typed
    but passwords (never written into a page) and files (a browser cannot be given them back)."""
    return [(key, value) for key in form_data for value in form_data.getlist(key) if "password" not in key.lower()]


def stale_user_id() -> int | None:
    """Whose session this was, if the browser still says (the session may have been ended)."""
    from flask import session

    user_id = str(session.get("_user_id") or "").partition(":")[0]
    return int(user_id) if user_id.isdigit() else None
