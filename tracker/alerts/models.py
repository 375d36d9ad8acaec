"""Alerts: persisted, deduplicated notices that something is late or about to be."""

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.types import UTCDateTime
from tracker.extensions import db

REPORT_DUE = "report_due"
REPORT_MISSING = "report_missing"
TASK_OVERDUE = "task_overdue"
MILESTONE_OVERDUE = "milestone_overdue"
DIRECTIVE_OVERDUE = "directive_overdue"
QUESTION_UNANSWERED = "question_unanswered"
TASK_STALE = "task_stale"
TASK_UNASSIGNED = "task_unassigned"
ESCALATION = "escalation"
CHASE = "chase"  # a unit chased (đôn đốc) by the secretariat or the chair: written by a person, not by the scan
ALERT_KINDS = (
    REPORT_DUE,
    REPORT_MISSING,
    TASK_OVERDUE,
    MILESTONE_OVERDUE,
    DIRECTIVE_OVERDUE,
    QUESTION_UNANSWERED,
    TASK_STALE,
    TASK_UNASSIGNED,
    ESCALATION,
    CHASE,
)
# What the daily scan creates and resolves by itself.
SCANNED_KINDS = tuple(kind for kind in ALERT_KINDS if kind != CHASE)
# Open this long, these go to the chair.
ESCALATING_KINDS = (
    REPORT_MISSING,
    TASK_OVERDUE,
    MILESTONE_OVERDUE,
    DIRECTIVE_OVERDUE,
    QUESTION_UNANSWERED,
    TASK_STALE,
    TASK_UNASSIGNED,
)
# Something late (the digest's "late" group, the summaries' "the longest, since when").
LATE_KINDS = ESCALATING_KINDS


class Alert(db.Model):
    """One alert. `key` (kind, subject, period and stage) is unique in the database, so a second
    scan, or two scans at once, create each alert once."""

    __tablename__ = "alert"
    # A plan's open alerts by kind (the dashboard's counts, the scan's open alerts).
    __table_args__ = (Index("ix_alert_plan_open", "plan_id", "resolved_at", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    stage: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_period.id"))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestone.id"))
    directive_id: Mapped[int | None] = mapped_column(ForeignKey("directive.id"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))  # an escalation's alert
    # The day the alert should have fired; escalation counts from it, so a late scan catches up.
    effective_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)  # the deadline the alert is about
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    unit = relationship("Unit")
    task = relationship("Task")
    period = relationship("ReportingPeriod")
    milestone = relationship("Milestone")
    directive = relationship("Directive")
    question = relationship("Question")
    parent = relationship("Alert", remote_side=[id])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Notification(db.Model):
    """An alert delivered to one person, in the app (the bell)."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("user_id", "alert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alert = relationship("Alert")
    user = relationship("User")


class ScanRun(db.Model):
    """One run of the alert scan: for which day, when, and what it changed."""

    __tablename__ = "scan_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_date: Mapped[date] = mapped_column(Date, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    # The data's version (tracker.core.changes) the scan left, if nobody else wrote meanwhile: a
    # second scan of the same day that finds it unchanged has nothing to do.
    data_version: Mapped[int | None] = mapped_column(BigInteger)
