from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

SIX_MONTH, ANNUAL, MID_TERM, FINAL = "six_month", "annual", "mid_term", "final"
PERIOD_KINDS = (SIX_MONTH, ANNUAL, MID_TERM, FINAL)


class ReportingPeriod(db.Model):
    """A reporting period of the plan's section VII calendar."""

    __tablename__ = "reporting_period"
    __table_args__ = (
        UniqueConstraint("plan_id", "kind", "year"),
        CheckConstraint("kind IN ('six_month', 'annual', 'mid_term', 'final')", name="kind_known"),
        CheckConstraint("starts_on <= ends_on", name="dates_ordered"),
        CheckConstraint("unit_deadline <= ward_deadline", name="unit_before_ward"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # The date a unit's input is due at the secretariat; timeliness is measured against it.
    unit_deadline: Mapped[date] = mapped_column(Date)
    # The date the ward's report is due (section VII of the plan).
    ward_deadline: Mapped[date] = mapped_column(Date)

    plan = relationship("Plan")

    def __repr__(self) -> str:
        return f"<ReportingPeriod {self.kind} {self.year}>"
