"""An export too large to be written while the person waits: written by the scheduler, downloaded
from its own page (tracker.exports.jobs)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.types import UTCDateTime
from tracker.extensions import db

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class ExportJob(db.Model):
    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(64))  # the export's page: "exports.updates"
    fmt: Mapped[str] = mapped_column(String(8))
    args: Mapped[dict] = mapped_column(JSON, default=dict)  # its filters, as the page was asked
    locale: Mapped[str | None] = mapped_column(String(8))  # the language the page was read in
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)  # counted when asked
    size: Mapped[int | None] = mapped_column(Integer)  # bytes, once written
    file_name: Mapped[str | None] = mapped_column(String(200))  # the name it downloads under
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
