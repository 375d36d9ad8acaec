from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.core.types import UTCDateTime
from tracker.extensions import db

INDICATOR_CATEGORIES = ("baseline", "poverty_reduction", "coverage", "household_group", "roadmap", "budget", "context")
MEASURES = ("households", "percent", "million_vnd", "count")

# How an indicator's actual value is obtained:
ACTUAL_VALUE = "value"  # entered as a number
ACTUAL_FRACTION = "fraction"  # entered as numerator and denominator; the rate is computed
ACTUAL_RATE = "rate"  # computed from two other indicators: actual_from = [numerator, denominator]
ACTUAL_SAME_AS = "same_as"  # the actual of another indicator: actual_from = [code]
ACTUAL_SUM_OF = "sum_of"  # the sum of other indicators' actuals
ACTUAL_DECREASE_OF = "decrease_of"  # last year's figure of another indicator (or its baseline) minus this year's
ACTUAL_RULES = (ACTUAL_VALUE, ACTUAL_FRACTION, ACTUAL_RATE, ACTUAL_SAME_AS, ACTUAL_SUM_OF, ACTUAL_DECREASE_OF)
ENTERED_RULES = (ACTUAL_VALUE, ACTUAL_FRACTION)


class Indicator(db.Model):
    """A number the plan promises or starts from (chỉ tiêu)."""

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    measure: Mapped[str] = mapped_column(String(32))
    source_ref: Mapped[str | None] = mapped_column(String(32))
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    reporting_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # Million VND per support, for the roadmap's supports that count in its cost estimate.
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    in_cost_estimate: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    actual_rule: Mapped[str] = mapped_column(String(16), default=ACTUAL_VALUE, server_default=ACTUAL_VALUE)
    actual_from: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")  # indicator codes the rule reads

    plan = relationship("Plan")
    reporting_unit = relationship("Unit")
    targets = relationship("Target", back_populates="indicator", cascade="all, delete-orphan", order_by="Target.year")


class Target(db.Model):
    """An indicator's target for one year; `value` is empty for a qualitative target."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    text: Mapped[str | None] = mapped_column(Text)

    indicator = relationship("Indicator", back_populates="targets")


class PovertyStandard(db.Model):
    """The national poverty line that applies in a year (income per person per month, VND)."""

    __tablename__ = "poverty_standard"
    __table_args__ = (UniqueConstraint("plan_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    rural_income: Mapped[int] = mapped_column(Integer)
    urban_income: Mapped[int] = mapped_column(Integer)
    legal_basis: Mapped[str | None] = mapped_column(Text)

    plan = relationship("Plan")


class IndicatorValue(db.Model):
    """An indicator's actual value for a reporting period, with where the figure comes from."""

    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("indicator_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    numerator: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    denominator: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    source: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    indicator = relationship("Indicator")
    period = relationship("ReportingPeriod")
    unit = relationship("Unit")
    entered_by = relationship("User")
