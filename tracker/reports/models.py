from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.types import UTCDateTime
from tracker.extensions import db

STATUS_DRAFT = "draft"
STATUS_SUBMITTED = "submitted"
STATUS_ACCEPTED = "accepted"
STATUS_RETURNED = "returned"
REPORT_STATUSES = (STATUS_DRAFT, STATUS_SUBMITTED, STATUS_ACCEPTED, STATUS_RETURNED)


class PeriodReport(db.Model):
    """What one unit owes for one task in one reporting period."""

    __tablename__ = "period_report"
    __table_args__ = (
        UniqueConstraint("period_id", "task_id", "unit_id"),
        CheckConstraint("status IN ('draft', 'submitted', 'accepted', 'returned')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_DRAFT)
    results: Mapped[str | None] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    proposals: Mapped[str | None] = mapped_column(Text)
    # The unit's latest update on the task at the moment of (re)submission.
    update_id: Mapped[int | None] = mapped_column(ForeignKey("progress_update.id"))
    # Timeliness counts the first submission; a resubmission after a return does not reset it.
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Two reviewers acting on the same report at once: the second one's write is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    period = relationship("ReportingPeriod")
    task = relationship("Task")
    unit = relationship("Unit")
    update = relationship("ProgressUpdate")
    reviewed_by = relationship("User")
    events = relationship("PeriodReportEvent", back_populates="report", order_by="PeriodReportEvent.id")


class PeriodReportEvent(db.Model):
    """One step in a report's life: saved, submitted, returned (with the reason), accepted."""

    __tablename__ = "period_report_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("period_report.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    report = relationship("PeriodReport", back_populates="events")
    actor = relationship("User")
