"""How dates, numbers and money read in the user's language: 05/06/2026 and 1.234,5 in Vietnamese."""

import functools
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel import numbers
from flask import Flask
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import format_decimal
from flask_babel import gettext as _

from tracker.core.i18n import language

DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "dd/MM/yyyy"}


def format_date(value: date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    pattern = DATE_PATTERNS.get(language(), "dd/MM/yyyy")
    return value.strftime(pattern.replace("dd", "%d").replace("MM", "%m").replace("yyyy", "%Y"))


def format_datetime(value: datetime | None) -> str:
    """A stored UTC time as the ward's local time."""
    if value is None:
        return ""
    return babel_format_datetime(value, "HH:mm dd/MM/yyyy")


def format_number(value, digits: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    locale = language()
    if locale is None:
        return format_decimal(value, format=_number_format(digits))
    return _formatted_number(locale, value, digits)


def _number_format(digits: int) -> str:
    return "#,##0." + "#" * digits if digits else "#,##0"


@functools.lru_cache(maxsize=8192, typed=True)
def _formatted_number(locale: str, value, digits: int) -> str:
    """A number as the locale writes it, remembered: a list of many rows shows the same few
    percents again and again, and Babel takes tens of microseconds to write each one. Typed: equal
    numbers of different types (0 and -0.0, a Decimal and a float) may be written differently."""
    return numbers.format_decimal(value, format=_number_format(digits), locale=locale)


def format_percent(value, digits: int = 2) -> str:
    if value is None:
        return ""
    return format_number(value, digits) + "%"


def format_money(value) -> str:
    """Money is kept and shown in million VND (triệu đồng)."""
    if value is None:
        return ""
    return _("%(amount)s million VND", amount=format_number(value))


def register(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_percent, "percent")
    app.add_template_filter(format_money, "money")


def parse_decimal(text: str) -> Decimal:
    """A number as people type it: "1.234,5" (Vietnamese), "1234.5", "1 234", "12,5".
    Raises ValueError when it is not a number."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if not cleaned or not re.fullmatch(r"-?[\d.,]+", cleaned):
        raise ValueError(text)
    if "," in cleaned and "." in cleaned:
        # Both marks: the last one is the decimal mark ("1.234,5" or "1,234.5").
        decimal, grouping = (",", ".") if cleaned.rfind(",") > cleaned.rfind(".") else (".", ",")
        cleaned = cleaned.replace(grouping, "").replace(decimal, ".")
    elif "," in cleaned:
        # Vietnamese: the comma is the decimal mark.
        cleaned = cleaned.replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "")  # "1.234" is one thousand two hundred thirty-four
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
