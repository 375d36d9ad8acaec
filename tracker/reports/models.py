"""The unit report: what one unit owes for one reporting period (section VII of the plan).

One report per unit per reporting round (the periods that share a unit deadline: the annual report
of 2028 with the mid-term review, 2030 with the final review), filed under the round's first
period. It holds a section for each task it covers, a general assessment and proposals, and, in a
review year, the review's own part.
"""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.types import UTCDateTime
from tracker.extensions import db

STATUS_DRAFT = "draft"
STATUS_SUBMITTED = "submitted"
STATUS_ACCEPTED = "accepted"
STATUS_RETURNED = "returned"
REPORT_STATUSES = (STATUS_DRAFT, STATUS_SUBMITTED, STATUS_ACCEPTED, STATUS_RETURNED)
# A section's own outcome: the report's decision, or the section a return pointed at.
SECTION_OUTCOMES = (STATUS_ACCEPTED, STATUS_RETURNED)


class UnitReport(db.Model):
    """One unit's report for one reporting round."""

    __tablename__ = "unit_report"
    __table_args__ = (
        UniqueConstraint("period_id", "unit_id"),
        CheckConstraint("status IN ('draft', 'submitted', 'accepted', 'returned')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first period of the round the report answers (the round's other periods share its deadline).
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_DRAFT)
    assessment: Mapped[str | None] = mapped_column(Text)  # the unit's general assessment
    proposals: Mapped[str | None] = mapped_column(Text)  # its general proposals
    review_part: Mapped[str | None] = mapped_column(Text)  # the mid-term or final review's own part
    # Timeliness counts the first submission; a resubmission after a return does not reset it.
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two people acting on the same report at once: the second one's write is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    period = relationship("ReportingPeriod")
    unit = relationship("Unit")
    reviewed_by = relationship("User")
    sections = relationship(
        "UnitReportSection",
        back_populates="report",
        order_by="UnitReportSection.sort_order",
        cascade="all, delete-orphan",
    )
    events = relationship(
        "UnitReportEvent", back_populates="report", order_by="UnitReportEvent.id", cascade="all, delete-orphan"
    )
    versions = relationship(
        "UnitReportVersion", back_populates="report", order_by="UnitReportVersion.number", cascade="all, delete-orphan"
    )

    def section_for(self, task_id: int):
        return next((s for s in self.sections if s.task_id == task_id), None)


class UnitReportSection(db.Model):
    """What the report says about one task."""

    __tablename__ = "unit_report_section"
    __table_args__ = (
        UniqueConstraint("report_id", "task_id"),
        CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent_range"),
        CheckConstraint("state IS NULL OR state IN ('working', 'done', 'blocked')", name="state_known"),
        CheckConstraint("outcome IS NULL OR outcome IN ('accepted', 'returned')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("unit_report.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str | None] = mapped_column(String(16))
    results: Mapped[str | None] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    proposals: Mapped[str | None] = mapped_column(Text)
    # The unit's latest update on the task at the moment of (re)submission.
    update_id: Mapped[int | None] = mapped_column(ForeignKey("progress_update.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_comment: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    report = relationship("UnitReport", back_populates="sections")
    task = relationship("Task")
    update = relationship("ProgressUpdate")


class UnitReportEvent(db.Model):
    """One step in a report's life: saved, submitted, returned (with the reason and, when it points
    at one, the section), accepted."""

    __tablename__ = "unit_report_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("unit_report.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))  # the section concerned, if one
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    report = relationship("UnitReport", back_populates="events")
    task = relationship("Task")
    actor = relationship("User")


class UnitReportVersion(db.Model):
    """The report as it was submitted, each time: every submitted version stays readable."""

    __tablename__ = "unit_report_version"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("unit_report.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    content: Mapped[dict] = mapped_column(JSON, default=dict)

    report = relationship("UnitReport", back_populates="versions")
    submitted_by = relationship("User")
