"""Reading the actual figures a person typed: the indicator figures page and the unit report share it."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext as _

from tracker.core.formatting import parse_decimal
from tracker.targets.models import ACTUAL_FRACTION

# What the database keeps of a figure (Numeric(14, 2)): beyond it PostgreSQL refuses the row and
# SQLite would round it silently.
LARGEST_FIGURE = Decimal("999999999999.99")
HUNDREDTH = Decimal("0.01")


def figure_problem(number: Decimal) -> str | None:
    """Why a figure cannot be kept as typed, or None: negative, too large, or finer than a hundredth."""
    if number < 0:
        return _("The figure cannot be negative.")
    if number > LARGEST_FIGURE:
        return _("The figure is too large: at most 999,999,999,999.99.")
    if number != number.quantize(HUNDREDTH, rounding=ROUND_DOWN):
        return _("At most two decimal places: figures are kept to the hundredth.")
    return None


def figure_field_names(indicator) -> tuple[str, ...]:
    return ("numerator", "denominator") if indicator.actual_rule == ACTUAL_FRACTION else ("value",)


def read_figures(indicators: list, formdata) -> tuple[list[tuple], dict[str, str]]:
    """Rows of (indicator, value, numerator, denominator, source) for `targets.services.save_actuals`,
    and the errors by field name ("value-12", "source-12", ...). Nothing is saved while any error stands."""
    errors: dict[str, str] = {}
    rows = []
    for indicator in indicators:
        fields = figure_field_names(indicator)
        parsed = {}
        for name in fields:
            raw = formdata.get(f"{name}-{indicator.id}", "").strip()
            if not raw:
                parsed[name] = None
                continue
            try:
                parsed[name] = parse_decimal(raw)
            except ValueError:
                errors[f"{name}-{indicator.id}"] = _("Write a number, e.g. 12 or 1.234,5.")
                continue
            problem = figure_problem(parsed[name])
            if problem:
                errors[f"{name}-{indicator.id}"] = problem
        if (
            indicator.actual_rule == ACTUAL_FRACTION
            and not errors.get(f"numerator-{indicator.id}")
            and not errors.get(f"denominator-{indicator.id}")
        ):
            numerator, denominator = parsed.get("numerator"), parsed.get("denominator")
            if (numerator is None) != (denominator is None):
                errors[f"denominator-{indicator.id}"] = _("Give both figures: how many were reached, out of how many.")
            elif numerator is not None and denominator is not None and numerator > denominator:
                errors[f"numerator-{indicator.id}"] = _("The number reached cannot be larger than the total.")
        source = formdata.get(f"source-{indicator.id}", "").strip() or None
        if any(parsed.get(n) is not None for n in fields) and not source:
            errors[f"source-{indicator.id}"] = _("Say where the figure comes from (e.g. the review of 2026).")
        rows.append((indicator, parsed.get("value"), parsed.get("numerator"), parsed.get("denominator"), source))
    return rows, errors
