"""The reporting calendar's rules."""
from datetime import date, timedelta

from tracker.audit.services import record
from tracker.periods.models import ReportingPeriod


def reporting_opens_on(period: ReportingPeriod, window_days: int) -> date:
    """Units can write a period's reports from `window_days` before its unit deadline on; a
    report not sent by the deadline stays owed (and late) until it is sent."""
    return period.unit_deadline - timedelta(days=window_days)


def is_open_for_reporting(period: ReportingPeriod, today: date, window_days: int) -> bool:
    return today >= reporting_opens_on(period, window_days)


def is_past_due(period: ReportingPeriod, today: date) -> bool:
    """A period's reports are due on its unit deadline, that day included: from the next day on,
    a report not sent is missing (late), and the period counts in rates and the plan to date."""
    return today > period.unit_deadline


def change_deadlines(actor, period: ReportingPeriod, unit_deadline: date, ward_deadline: date, now) -> None:
    before = {"unit_deadline": period.unit_deadline.isoformat(), "ward_deadline": period.ward_deadline.isoformat()}
    period.unit_deadline, period.ward_deadline = unit_deadline, ward_deadline
    record(actor, "period.change", now, period, before=before,
           after={"unit_deadline": unit_deadline.isoformat(), "ward_deadline": ward_deadline.isoformat()})
