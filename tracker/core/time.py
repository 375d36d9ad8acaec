"""Time helpers: the database stores UTC; people see Asia/Ho_Chi_Minh."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

WARD_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def ward_today() -> date:
    """Today's date in the ward, which is what deadlines are measured against."""
    return datetime.now(WARD_TZ).date()
