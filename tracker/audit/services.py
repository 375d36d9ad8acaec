"""Recording who did what. Every service that writes takes an Actor and records its write here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.audit.models import AuditEvent
from tracker.extensions import db


@dataclass(frozen=True)
class Actor:
    """The person (or command) behind a write, and where the request came from."""

    user_id: int | None
    username: str | None
    unit_id: int | None = None
    remote_addr: str | None = None

    @classmethod
    def for_user(cls, user, remote_addr: str | None = None) -> Actor:
        return cls(user.id, user.username, user.unit_id, remote_addr)

    @classmethod
    def command_line(cls) -> Actor:
        return cls(None, "cli", None, None)


def record(actor: Actor, action: str, now: datetime, target=None, **detail) -> AuditEvent:
    if target is not None and target.id is None:
        db.session.flush()  # the record needs its id before the log can point at it
    event = AuditEvent(
        occurred_at=now,
        user_id=actor.user_id,
        username=actor.username,
        unit_id=actor.unit_id,
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        detail={key: value for key, value in detail.items() if value is not None},
        remote_addr=actor.remote_addr,
    )
    db.session.add(event)
    return event
