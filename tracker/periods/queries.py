"""Reading the reporting calendar."""
from __future__ import annotations

from sqlalchemy import select

from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.services import ReportingRound, reporting_rounds
from tracker.plan.models import Plan


def plan_periods(plan: Plan) -> list[ReportingPeriod]:
    """The plan's reporting periods in calendar order (by unit deadline)."""
    return db.session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.plan_id == plan.id).order_by(ReportingPeriod.unit_deadline, ReportingPeriod.id)
    ).all()


def plan_rounds(plan: Plan) -> list[ReportingRound]:
    """The plan's reporting rounds (periods that share a unit deadline), in calendar order."""
    return reporting_rounds(plan_periods(plan))
