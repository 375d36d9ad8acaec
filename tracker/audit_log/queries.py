"""Reading the audit log."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.accounts.models import User
from tracker.audit.models import AuditEvent
from tracker.core.time import WARD_TZ
from tracker.extensions import db
from tracker.plan.models import Plan


def events(
    user_id: int | None = None,
    unit_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    ward_id: int | None = None,
    limit: int = 500,
) -> list[AuditEvent]:
    """Newest first. Dates are ward dates, both ends included."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    if unit_id:
        query = query.where(AuditEvent.unit_id == unit_id)
    if since:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(since, time.min, WARD_TZ))
    if until:
        query = query.where(AuditEvent.occurred_at < datetime.combine(until + timedelta(days=1), time.min, WARD_TZ))
    if ward_id is not None:
        # Events of this ward's people; failed sign-ins under names nobody has (they cannot be
        # placed in a ward); and command-line events about this ward's accounts or plans.
        no_person = AuditEvent.user_id.is_(None)
        unknown_sign_in = AuditEvent.action.in_(("login.failed", "login.throttled"))
        about_ward = (
            (AuditEvent.target_type == "user_account")
            & AuditEvent.target_id.in_(select(User.id).where(User.ward_id == ward_id))
        ) | (
            (AuditEvent.target_type == "plan")
            & AuditEvent.target_id.in_(select(Plan.id).where(Plan.ward_id == ward_id))
        )
        query = query.outerjoin(User, User.id == AuditEvent.user_id).where(
            (User.ward_id == ward_id) | (no_person & (unknown_sign_in | about_ward))
        )
    return db.session.scalars(query).all()
