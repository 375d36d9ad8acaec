"""Reading the reporting calendar."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.services import ReportingRound, reporting_rounds, usable


def plan_periods(plan) -> list[ReportingPeriod]:
    """The plan's reporting periods in calendar order (by unit deadline)."""
    return db.session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan.id)
        .order_by(ReportingPeriod.unit_deadline, ReportingPeriod.id)
    ).all()


def plan_rounds(plan) -> list[ReportingRound]:
    """The plan's reporting rounds (periods that share a unit deadline), in calendar order. A period
    whose dates fall outside the plan's years is left out (and logged): one bad row never breaks a
    page or the daily scan."""
    periods = []
    for period in plan_periods(plan):
        if usable(period, plan):
            periods.append(period)
        else:
            current_app.logger.warning(
                "Reporting period %s %s of plan %s has dates outside the plan's years: left out until fixed",
                period.kind,
                period.year,
                plan.code,
            )
    return reporting_rounds(periods)
