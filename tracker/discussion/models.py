"""The committee's comments and questions, and the chair's directives."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.types import UTCDateTime
from tracker.extensions import db


class Comment(db.Model):
    """A remark on a task, or on one of its updates."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("progress_update.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    task = relationship("Task")
    update = relationship("ProgressUpdate")
    author = relationship("User")


class Question(db.Model):
    """A question from the committee that a unit must answer."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task = relationship("Task")
    unit = relationship("Unit")
    asked_by = relationship("User", foreign_keys=[asked_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class Directive(db.Model):
    """An instruction from the chair to a unit (ý kiến chỉ đạo), with a due date and a reply."""

    __tablename__ = "directive"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The unit marks the directive done; timeliness is judged on this date against due_on.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task = relationship("Task")
    unit = relationship("Unit")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    replied_by = relationship("User", foreign_keys=[replied_by_id])

    # When a directive is overdue, in Python and in SQL side by side: not done, and its due date
    # (the ward's calendar) has passed. Pages, the alert scan and the league table all ask these.
    def is_overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_on < today

    @classmethod
    def overdue_on(cls, today: date):
        return and_(cls.done_at.is_(None), cls.due_on < today)
