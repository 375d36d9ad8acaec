"""Finding a ward."""

from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.wards.models import Ward


def chosen_ward(code: str | None) -> Ward | None:
    """The ward a command means: the one with `code`, or without a code the only ward there is.
    None when there is no such ward, or several and no code."""
    wards = db.session.scalars(select(Ward).where(Ward.code == code) if code else select(Ward)).all()
    return wards[0] if len(wards) == 1 else None
