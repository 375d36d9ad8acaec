"""A plan document read into a draft, kept until the secretariat adopts it (or drops it)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.types import UTCDateTime
from tracker.extensions import db


class PlanDraft(db.Model):
    __tablename__ = "plan_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The draft as read, with the secretariat's edits (tracker.planimport.stored): tasks with their
    # titles, texts and units as written, the calendar, and the source lines they came from.
    data: Mapped[dict] = mapped_column(JSON)
    adopted_plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"))
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
