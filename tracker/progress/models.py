from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.types import UTCDateTime
from tracker.extensions import db

STATE_WORKING = "working"
STATE_DONE = "done"
STATE_BLOCKED = "blocked"
STATES = (STATE_WORKING, STATE_DONE, STATE_BLOCKED)

# Who may open an evidence file (the rule is accounts.permissions.can_read_evidence). Files may
# hold personal data (lists of poor households), so "restricted" is the default.
VISIBILITY_RESTRICTED = "restricted"  # the task's units, the secretariat, the committee and the chair
VISIBILITY_WARD = "ward"  # everyone signed in to the ward
VISIBILITIES = (VISIBILITY_RESTRICTED, VISIBILITY_WARD)


class ProgressUpdate(db.Model):
    """A unit's report of progress on a task. Immutable: a correction is a new update that
    points at the one it corrects."""

    __tablename__ = "progress_update"
    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
        CheckConstraint("state IN ('working', 'done', 'blocked')", name="state_known"),
        CheckConstraint("role IN ('lead', 'partner')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The unit's role on the task when it posted: a lead update or a partner contribution.
    role: Mapped[str] = mapped_column(String(16))
    percent: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    results: Mapped[str | None] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    proposals: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("progress_update.id"))
    correction_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    task = relationship("Task")
    unit = relationship("Unit")
    author = relationship("User")
    corrects = relationship("ProgressUpdate", remote_side=[id])
    evidence = relationship("Evidence", back_populates="update", order_by="Evidence.id")


class Evidence(db.Model):
    """A file attached to an update. Stored under a random name outside the static files; who may
    open it depends on its visibility, chosen by the officer who posts it."""

    __tablename__ = "evidence"
    __table_args__ = (CheckConstraint("visibility IN ('restricted', 'ward')", name="visibility_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("progress_update.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    visibility: Mapped[str] = mapped_column(
        String(16), default=VISIBILITY_RESTRICTED, server_default=VISIBILITY_RESTRICTED
    )

    update = relationship("ProgressUpdate", back_populates="evidence")

    @property
    def is_restricted(self) -> bool:
        return self.visibility != VISIBILITY_WARD
