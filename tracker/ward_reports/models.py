"""The ward's periodic report (6-month, annual, mid-term, final), compiled for the secretariat."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.types import UTCDateTime
from tracker.extensions import db

NARRATIVE_SECTIONS = ("situation", "assessment", "next_tasks", "proposals")
SIGNATURE_FIELDS = ("on_behalf", "authority", "title", "name")


class WardReport(db.Model):
    """The secretariat's draft of the ward's report for one period: the figures are compiled from
    the app's records each time; the narrative sections and the document's particulars are kept here."""

    __tablename__ = "ward_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), unique=True)
    number: Mapped[str | None] = mapped_column(String(64))  # e.g. "125/BC-UBND"
    report_date: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    narrative: Mapped[dict] = mapped_column(JSON, default=dict)  # section -> text
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    signature: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    period = relationship("ReportingPeriod")
    updated_by = relationship("User")
