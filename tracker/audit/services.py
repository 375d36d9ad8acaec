"""Recording who did what. Every service that writes takes an Actor and records its write here."""

from __future__ import annotations

from datetime import datetime

from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.extensions import db


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
