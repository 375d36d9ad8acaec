"""Each task's standing, stored: what the status rule (tracker.progress.status) found on a day.

The rows are derived data. tracker.standing.stored writes them, from the one status rule, in the
same transaction as every write that changes a task's facts and before the daily scan for what
time alone changes; lists, counts and the scan's alerts read them with SQL instead of judging the
whole plan each time.
`flask standings check` recomputes them from scratch and reports any difference.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.types import UTCDateTime
from tracker.extensions import db


class PlanStanding(db.Model):
    """What a plan's stored standings were computed for: the day, and the rule's one setting."""

    __tablename__ = "plan_standing"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    on_day: Mapped[date] = mapped_column(Date)
    stale_after_days: Mapped[int] = mapped_column(Integer)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    expected: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The plan's figures as a province's overview lists them: its leaf tasks, those on track,
    # overdue and without a recent update, and its unit reports owed, sent and sent on time in
    # every round due by `on_day` (the league table's "plan to date").
    tasks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    on_track: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    overdue: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    stale: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The leaf tasks counted by status and by flag or rating (tracker.standing.stored.tally_key):
    # the unfiltered dashboard's counts.
    tallies: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    reports_owed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reports_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reports_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StoredStanding(db.Model):
    """One task's figures on `plan_standing.on_day`; the standing columns are for leaves only."""

    __tablename__ = "task_standing"
    __table_args__ = (
        Index("ix_task_standing_plan_position", "plan_id", "position"),
        # A status's tasks, and the overdue ones most days late first (the overdue list, a page at a time).
        Index("ix_task_standing_status_late", "plan_id", "status", "days_overdue", "position"),
    )

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(Integer)  # the top-level task it belongs to (itself for one)
    position: Mapped[int] = mapped_column(Integer)  # in the plan's order, parents before children
    is_leaf: Mapped[bool] = mapped_column(Boolean)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    expected: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    status: Mapped[str | None] = mapped_column(String(24))
    gap: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    rating: Mapped[str | None] = mapped_column(String(8))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    unassigned: Mapped[bool] = mapped_column(Boolean, default=False)
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)
    last_update_on: Mapped[date | None] = mapped_column(Date)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stale_since: Mapped[date | None] = mapped_column(Date)
    late_report_due: Mapped[date | None] = mapped_column(Date)
    late_report_days: Mapped[int] = mapped_column(Integer, default=0)
    overdue_since: Mapped[date | None] = mapped_column(Date)


class StoredLead(db.Model):
    """A unit that answers for a leaf task (it is, or belongs to, the primary lead), in the order
    the task's page names them."""

    __tablename__ = "task_standing_lead"
    __table_args__ = (Index("ix_task_standing_lead_unit", "unit_id", "task_id"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class StoredOwedReport(db.Model):
    """A unit report owed in a reporting round (`round_id`: the round's first period), with the
    number of tasks its sections cover. What is owed follows from the plan alone (tasks, dates,
    assignments, rounds), so every round's are stored with the standings."""

    __tablename__ = "owed_report"

    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    sections: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer)  # the units' order in the round's list
