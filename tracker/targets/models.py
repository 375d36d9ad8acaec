from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

INDICATOR_CATEGORIES = ("baseline", "poverty_reduction", "coverage", "household_group", "roadmap", "budget")
MEASURES = ("households", "percent", "million_vnd", "count")


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

    plan = relationship("Plan")
    reporting_unit = relationship("Unit")
    targets = relationship(
        "Target", back_populates="indicator", cascade="all, delete-orphan", order_by="Target.year"
    )


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
