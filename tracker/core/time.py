"""Time: the database stores UTC; deadlines are dates in the ward (Asia/Ho_Chi_Minh).

Views ask `now()` for the current moment and pass it to services, which never read the clock
themselves. Setting FROZEN_NOW (an ISO timestamp) in the configuration freezes the clock; the
browser tests use it to run a scenario on a chosen day.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

WARD_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    frozen = current_app.config.get("FROZEN_NOW") if has_app_context() else None
    if frozen:
        moment = datetime.fromisoformat(frozen)
        return moment if moment.tzinfo else moment.replace(tzinfo=WARD_TZ)
    return utcnow()


def ward_date(moment: datetime) -> date:
    """The calendar date in the ward at a given moment."""
    return moment.astimezone(WARD_TZ).date()


def ward_today() -> date:
    return ward_date(now())


def end_of_day(day: date) -> datetime:
    """The first moment after `day` in the ward, for "as it stood on that day"."""
    return datetime.combine(day + timedelta(days=1), time.min, WARD_TZ)


def aware(moment: datetime | None) -> datetime | None:
    """A moment read from the database as an aware UTC datetime: raw SQL results (an aggregate, a
    window function) skip the column type, and SQLite gives naive UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
