"""Chasing (đôn đốc): the secretariat or the chair presses a late unit, in one action."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.types import UTCDateTime
from tracker.extensions import db


class Chase(db.Model):
    """One chase of a unit: what it said, who sent it, and how many people it reached."""

    __tablename__ = "chase"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)  # the message, ready to paste in the ward's chat groups
    notified: Mapped[int] = mapped_column(Integer, default=0)  # officers told in the app
    emailed: Mapped[int] = mapped_column(Integer, default=0)  # e-mails queued
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    unit = relationship("Unit")
    by = relationship("User")
