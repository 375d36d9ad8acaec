"""The versions of a plan: each adopted change (a plan file loaded, a document adopted, a yearly plan
made, units reassigned) keeps the whole plan as a plan file, with its reason."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.types import UTCDateTime
from tracker.extensions import db


class PlanVersion(db.Model):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the plan
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str | None] = mapped_column(String(64))  # as it was then ("command line" when None)
    content: Mapped[str] = mapped_column(Text)  # the plan as a plan file (tracker.planfile.writer)
