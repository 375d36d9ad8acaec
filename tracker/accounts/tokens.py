"""A person's API tokens (tracker.api): made, named and revoked by the person on the profile page.

A token stands for its person and never for more: every call made with it goes through the same
permission rules as the pages, as that person. Only a digest is stored; the token itself is shown
once, when it is made. Its last use (when, from where) is recorded, at most once a minute, so that
a script reading every few seconds does not write at every call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.accounts.models import User
from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.core.types import UTCDateTime
from tracker.extensions import db

PREFIX = "bkt_"  # tells a token apart from a password in a log or a leaked file
NAME_LENGTH = 80
MAX_TOKENS = 10  # live tokens per person: enough for a few scripts, few enough to keep track of
LAST_USE_EVERY = timedelta(minutes=1)


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # The first characters of the token, shown in the list so a person can tell which one a script holds.
    hint: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_from: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class TokenRefused(ValueError):
    """The token cannot be made; the message says why."""


def digest_of(secret: str) -> str:
    # A token is 32 random bytes: a fast digest is enough, no password hashing is needed.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def live_tokens(user_id: int) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_token(actor: Actor, user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """Make a token for `user`: the row and the token itself, which is shown once and never again."""
    from flask_babel import gettext as _

    name = " ".join((name or "").split())[:NAME_LENGTH]
    if not name:
        raise TokenRefused(_("Give the token a name, such as the script or the computer that will use it."))
    count = db.session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if count >= MAX_TOKENS:
        raise TokenRefused(
            _("You already have %(count)d tokens. Revoke one you no longer use first.", count=MAX_TOKENS)
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, hint=secret[: len(PREFIX) + 6], digest=digest_of(secret), created_at=now
    )
    db.session.add(token)
    record(actor, "api_token.create", now, token, name=name)
    return token, secret


def revoke_token(actor: Actor, token: ApiToken, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        record(actor, "api_token.revoke", now, token, name=token.name)


def revoke_all(actor: Actor, user: User, now: datetime) -> None:
    """A new password, or a disabled account, ends the person's tokens as it ends their sessions:
    a token made from a stolen session does not outlive the reset."""
    for token in live_tokens(user.id):
        revoke_token(actor, token, now)


def token_user(secret: str | None, now: datetime, remote_addr: str | None) -> User | None:
    """The person a live token stands for, if the person's account is active; their last use is
    recorded (in the caller's transaction) when the last record is a minute old."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 128:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.digest == digest_of(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_EVERY:
        token.last_used_at = now
        token.last_used_from = (remote_addr or "")[:64] or None
    return token.user
