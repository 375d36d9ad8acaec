from datetime import date
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

ROLE_LEAD = "lead"
ROLE_PARTNER = "partner"


class Plan(db.Model):
    """A plan with its period; yearly plans are children of the five-year plan."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("ward_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(String(300))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    legal_bases: Mapped[str | None] = mapped_column(Text)
    introduction: Mapped[str | None] = mapped_column(Text)
    closing: Mapped[str | None] = mapped_column(Text)
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    signature: Mapped[dict] = mapped_column(JSON, default=dict)
    # Days before the ward deadline by which units owe their input to the secretariat.
    unit_deadline_days_before: Mapped[int] = mapped_column(Integer, default=5)
    # The unit through which the units send their period reports to the ward (the secretariat).
    secretariat_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # The roadmap table's layout (column order, stated totals, cost notes); its figures are targets.
    roadmap: Mapped[dict] = mapped_column(JSON, default=dict)

    ward = relationship("Ward")
    secretariat_unit = relationship("Unit")
    parent = relationship("Plan", remote_side=[id], back_populates="children")
    children = relationship("Plan", back_populates="parent")
    narrative = relationship("PlanNarrative", order_by="PlanNarrative.sort_order", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Plan {self.code}>"


class PlanNarrative(db.Model):
    """A section of the plan's text that is not a task (purposes, targets, situation, funding)."""

    __tablename__ = "plan_narrative"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Task(db.Model):
    """One solution or responsibility of the plan. Top-level tasks are the plan's sections."""

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("start_on IS NULL OR due_on IS NULL OR start_on <= due_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    # "source" when the title is the plan's own heading, "summary" when it names a duty in few words.
    title_source: Mapped[str] = mapped_column(String(16), default="source")
    text: Mapped[str | None] = mapped_column(Text)
    lead_text: Mapped[str | None] = mapped_column(Text)
    partners_text: Mapped[str | None] = mapped_column(Text)
    partners_report: Mapped[bool] = mapped_column(Boolean, default=False)
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 3), default=Decimal(1))
    start_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    plan = relationship("Plan")
    parent = relationship("Task", remote_side=[id], back_populates="children")
    children = relationship("Task", back_populates="parent", order_by="Task.sort_order")
    assignments = relationship(
        "Assignment", back_populates="task", cascade="all, delete-orphan", order_by="Assignment.sort_order"
    )
    milestones = relationship(
        "Milestone", back_populates="task", cascade="all, delete-orphan", order_by="Milestone.sort_order"
    )

    @property
    def is_continuous(self) -> bool:
        """A task without dates is "thường xuyên": judged by its period reports."""
        return self.start_on is None and self.due_on is None

    def __repr__(self) -> str:
        return f"<Task {self.code}>"


class Assignment(db.Model):
    """A unit's role on a task: lead (chủ trì) or partner (phối hợp)."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id"),
        CheckConstraint("role IN ('lead', 'partner')", name="role_known"),
        CheckConstraint("role = 'lead' OR NOT is_primary", name="primary_is_lead"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    task = relationship("Task", back_populates="assignments")
    unit = relationship("Unit")


class Milestone(db.Model):
    """A dated deliverable of a task."""

    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("task_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    # The day the deliverable was done; kept in the app, not in the plan file.
    done_on: Mapped[date | None] = mapped_column(Date)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    task = relationship("Task", back_populates="milestones")

    def is_overdue(self, today: date) -> bool:
        """Not done, and its due date has passed (the ward's calendar): the one rule."""
        return self.done_on is None and self.due_on < today

    @classmethod
    def overdue_clause(cls, today: date):
        """The same rule in SQL."""
        return and_(cls.done_on.is_(None), cls.due_on < today)
