"""The roadmap's arithmetic: totals and the estimated cost computed from unit costs."""
from __future__ import annotations

from decimal import Decimal


def estimated_cost(supports: dict[str, Decimal | None], unit_costs: dict[str, Decimal]) -> Decimal:
    """Cost of one year's supports: each support that counts in the estimate times its unit
    cost (housing is funded by the province's programme and is left out by the plan)."""
    return sum(
        ((supports.get(code) or Decimal(0)) * cost for code, cost in unit_costs.items()),
        Decimal(0),
    )


def column_totals(rows: list[dict[str, Decimal | None]], codes: list[str]) -> dict[str, Decimal]:
    return {code: sum(((row.get(code) or Decimal(0)) for row in rows), Decimal(0)) for code in codes}
