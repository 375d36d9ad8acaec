"""The roadmap's arithmetic: totals and the estimated cost computed from unit costs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from tracker.audit.services import record
from tracker.extensions import db
from tracker.targets.models import IndicatorValue


def estimated_cost(supports: dict[str, Decimal | None], unit_costs: dict[str, Decimal]) -> Decimal:
    """Cost of one year's supports: each support that counts in the estimate times its unit
    cost (housing is funded by the province's programme and is left out by the plan)."""
    return sum(
        ((supports.get(code) or Decimal(0)) * cost for code, cost in unit_costs.items()),
        Decimal(0),
    )


def column_totals(rows: list[dict[str, Decimal | None]], codes: list[str]) -> dict[str, Decimal]:
    return {code: sum(((row.get(code) or Decimal(0)) for row in rows), Decimal(0)) for code in codes}


# --- actual values --------------------------------------------------------------------------


@dataclass(frozen=True)
class Actual:
    """An indicator's actual figure for a year."""

    value: Decimal | None
    provisional: bool = False  # from the 6-month report, or a sum with parts still missing
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def known(self) -> bool:
        return self.value is not None


NO_ACTUAL = Actual(None)


def indicator_rate(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """A percentage recomputed from its numerator and denominator; None when the denominator is
    missing or zero (a rate is never averaged from other rates)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"))


def variance(actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    if actual is None or target is None:
        return None
    return actual - target


def actual_of(code: str, year: int, indicators: dict, entered: dict, _depth: int = 0) -> Actual:
    """The actual of indicator `code` in `year`, following its rule. `indicators` maps codes to
    indicators; `entered` maps (code, year) to (entered value row, provisional)."""
    indicator = indicators.get(code)
    if indicator is None or _depth > 10:
        return NO_ACTUAL
    rule, sources = indicator.actual_rule, list(indicator.actual_from or [])
    if rule in ("value", "fraction"):
        found = entered.get((code, year))
        if found is None:
            return NO_ACTUAL
        row, provisional = found
        if rule == "fraction":
            return Actual(indicator_rate(row.numerator, row.denominator), provisional, row.numerator, row.denominator)
        return Actual(row.value, provisional)
    parts = [actual_of(source, year, indicators, entered, _depth + 1) for source in sources]
    if rule == "decrease_of":
        return decrease(sources[0], year, parts[0], indicators, entered, _depth)
    if rule == "same_as":
        return parts[0] if parts else NO_ACTUAL
    if rule == "rate":
        numerator, denominator = parts
        return Actual(
            indicator_rate(numerator.value, denominator.value),
            numerator.provisional or denominator.provisional,
            numerator.value,
            denominator.value,
        )
    if rule == "sum_of":
        known = [p for p in parts if p.known]
        if not known:
            return NO_ACTUAL
        return Actual(
            sum((p.value for p in known), Decimal(0)), len(known) < len(parts) or any(p.provisional for p in known)
        )
    return NO_ACTUAL


def decrease(code: str, year: int, this_year: Actual, indicators: dict, entered: dict, _depth: int) -> Actual:
    """How far indicator `code` fell in `year`: last year's figure (the baseline, for the year
    after it) minus this year's. The reduction in the poor-household rate is computed so, from
    the rate, itself computed from household counts."""
    source = indicators[code]
    if source.baseline_year is not None and year - 1 == source.baseline_year:
        before = Actual(source.baseline_value)
    else:
        before = actual_of(code, year - 1, indicators, entered, _depth + 1)
    if not (before.known and this_year.known):
        return NO_ACTUAL
    return Actual(before.value - this_year.value, before.provisional or this_year.provisional)


def cumulative(values: list[Decimal | None]) -> list[Decimal | None]:
    """Running totals; None from the first unknown year on."""
    total, result, broken = Decimal(0), [], False
    for value in values:
        if value is None:
            broken = True
        if broken:
            result.append(None)
        else:
            total += value
            result.append(total)
    return result


def save_actuals(actor, period, rows: list[tuple], now) -> int:
    """Save entered figures for a period: rows of (indicator, value, numerator, denominator,
    source). All or nothing: the caller has already checked every field."""
    saved = 0
    for indicator, value, numerator, denominator, source in rows:
        row = db.session.scalar(
            select(IndicatorValue).where(
                IndicatorValue.indicator_id == indicator.id, IndicatorValue.period_id == period.id
            )
        )
        if row is None:
            if value is None and numerator is None and denominator is None:
                continue
            row = IndicatorValue(indicator_id=indicator.id, period_id=period.id)
            db.session.add(row)
        before = {
            "value": _str(row.value),
            "numerator": _str(row.numerator),
            "denominator": _str(row.denominator),
            "source": row.source,
        }
        after = {"value": _str(value), "numerator": _str(numerator), "denominator": _str(denominator), "source": source}
        if before == after:
            continue
        row.value, row.numerator, row.denominator, row.source = value, numerator, denominator, source
        row.unit_id, row.entered_by_id, row.entered_at = actor.unit_id, actor.user_id, now
        record(
            actor,
            "indicator.value",
            now,
            row,
            indicator=indicator.code,
            period=f"{period.kind} {period.year}",
            before=before,
            after=after,
        )
        saved += 1
    return saved


def _str(value) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")
