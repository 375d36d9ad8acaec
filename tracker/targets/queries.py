"""The plan's numbers as the targets page shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.periods.models import ANNUAL, SIX_MONTH, ReportingPeriod
from tracker.plan.models import Plan
from tracker.targets.models import ENTERED_RULES, Indicator, IndicatorValue, PovertyStandard
from tracker.targets.services import NO_ACTUAL, Actual, actual_of, column_totals, cumulative, estimated_cost, variance


def plan_indicators(plan: Plan) -> list[Indicator]:
    return db.session.scalars(
        select(Indicator)
        .where(Indicator.plan_id == plan.id)
        .options(selectinload(Indicator.targets), selectinload(Indicator.reporting_unit))
        .order_by(Indicator.sort_order, Indicator.id)
    ).all()


def poverty_standards(plan: Plan) -> list[PovertyStandard]:
    return db.session.scalars(
        select(PovertyStandard).where(PovertyStandard.plan_id == plan.id).order_by(PovertyStandard.year)
    ).all()


@dataclass
class RoadmapRow:
    year: int
    values: dict[str, Decimal | None]
    stated_cost: Decimal | None
    computed_cost: Decimal

    @property
    def cost_matches(self) -> bool:
        return self.stated_cost is not None and self.stated_cost == self.computed_cost


@dataclass
class Roadmap:
    columns: list[Indicator]
    cost_indicator: Indicator | None
    rows: list[RoadmapRow] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    stated_totals: dict[str, Decimal] = field(default_factory=dict)
    computed_cost_total: Decimal = Decimal(0)
    stated_cost_total: Decimal = Decimal(0)
    unit_label: str | None = None
    cost_notes: str | None = None

    def total_matches(self, code: str) -> bool:
        return code not in self.stated_totals or self.stated_totals[code] == self.totals.get(code)


def roadmap(plan: Plan, indicators: list[Indicator]) -> Roadmap | None:
    layout = plan.roadmap or {}
    by_code = {i.code: i for i in indicators}
    codes = [layout.get("households_indicator")] + list(layout.get("support_indicators", []))
    columns = [by_code[code] for code in codes if code in by_code]
    if not columns:
        return None
    cost_indicator = by_code.get(layout.get("cost_indicator"))
    unit_costs = {i.code: i.unit_cost for i in columns if i.in_cost_estimate and i.unit_cost is not None}
    result = Roadmap(
        columns=columns,
        cost_indicator=cost_indicator,
        unit_label=layout.get("unit_label"),
        cost_notes=layout.get("cost_notes"),
        stated_totals={code: Decimal(value) for code, value in layout.get("stated_totals", {}).items()},
    )
    for year in range(plan.start_year, plan.end_year + 1):
        values = {i.code: next((t.value for t in i.targets if t.year == year), None) for i in columns}
        stated = next((t.value for t in cost_indicator.targets if t.year == year), None) if cost_indicator else None
        result.rows.append(RoadmapRow(year, values, stated, estimated_cost(values, unit_costs)))
    result.totals = column_totals([row.values for row in result.rows], [i.code for i in columns])
    result.computed_cost_total = sum((row.computed_cost for row in result.rows), Decimal(0))
    result.stated_cost_total = sum((row.stated_cost or Decimal(0) for row in result.rows), Decimal(0))
    return result


def by_category(indicators: list[Indicator]) -> dict[str, list[Indicator]]:
    groups: dict[str, list[Indicator]] = {}
    for indicator in indicators:
        groups.setdefault(indicator.category, []).append(indicator)
    return groups


def target_for(indicator: Indicator, year: int):
    return next((t for t in indicator.targets if t.year == year), None)


@dataclass
class Discrepancy:
    year: int
    indicator: Indicator
    stated: Decimal
    roadmap_value: Decimal
    stated_text: str | None = None  # the plan's own words for the stated figure
    roadmap_total: Decimal | None = None  # the roadmap's households over the whole plan


def roadmap_discrepancies(indicators: list[Indicator], plan_roadmap: Roadmap | None) -> list[Discrepancy]:
    """Where a poverty-reduction target in households differs from the roadmap's figure for the
    same year. The plan states both; the page shows the difference instead of choosing one."""
    if plan_roadmap is None:
        return []
    households = plan_roadmap.columns[0]
    found = []
    for indicator in indicators:
        if indicator.category != "poverty_reduction" or indicator.measure != "households":
            continue
        for target in indicator.targets:
            roadmap_target = target_for(households, target.year)
            if (
                target.value is not None
                and roadmap_target
                and roadmap_target.value is not None
                and roadmap_target.value != target.value
            ):
                found.append(
                    Discrepancy(
                        target.year,
                        indicator,
                        target.value,
                        roadmap_target.value,
                        target.text,
                        plan_roadmap.totals.get(households.code),
                    )
                )
    return found


def baseline_total(indicators: list[Indicator], category: str) -> Decimal:
    return sum((i.baseline_value or Decimal(0) for i in indicators if i.category == category), Decimal(0))


# --- actuals --------------------------------------------------------------------------------


def entered_values(plan: Plan) -> dict[tuple[str, int], tuple]:
    """(indicator code, year) -> (IndicatorValue, provisional): the annual report's figure for the
    year, or the 6-month one (provisional) until the annual one is in."""
    rows = db.session.execute(
        select(Indicator.code, ReportingPeriod.kind, ReportingPeriod.year, IndicatorValue)
        .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
        .join(ReportingPeriod, ReportingPeriod.id == IndicatorValue.period_id)
        .where(Indicator.plan_id == plan.id, ReportingPeriod.kind.in_((SIX_MONTH, ANNUAL)))
    ).all()
    found: dict[tuple[str, int], tuple] = {}
    for code, kind, year, value in rows:
        if kind == ANNUAL or (code, year) not in found:
            found[(code, year)] = (value, kind != ANNUAL)
    return found


# Categories whose counts are a state at the end of a year (how many poor households, how many
# households in the ward): they do not add up over the years, whatever their measure.
STOCK_CATEGORIES = ("baseline", "context", "household_group")


@dataclass
class IndicatorYear:
    year: int
    target: Decimal | None
    target_text: str | None
    actual: Actual
    # The trajectory, filled in by indicator_rows: for an indicator that adds up, the running
    # totals from the plan's first year to the end of this one; otherwise the change of the
    # actual figure from the year before (from the baseline for the first year).
    cumulative_target: Decimal | None = None
    cumulative_actual: Actual = NO_ACTUAL
    change: Actual = NO_ACTUAL

    @property
    def variance(self) -> Decimal | None:
        return variance(self.actual.value, self.target)


@dataclass
class IndicatorRow:
    indicator: Indicator
    years: list[IndicatorYear]

    @property
    def total_target(self) -> Decimal | None:
        values = [y.target for y in self.years if y.target is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def total_actual(self) -> Decimal | None:
        values = [y.actual.value for y in self.years if y.actual.known]
        return sum(values, Decimal(0)) if values else None

    @property
    def adds_up(self) -> bool:
        """Counts and money delivered in a year add up over the years; rates do not, nor do counts
        of a state at the year's end (the number of poor households)."""
        return self.indicator.measure != "percent" and self.indicator.category not in STOCK_CATEGORIES


def trajectory(row: IndicatorRow) -> None:
    """Fill in each year's cumulative figures (an indicator that adds up) or its change from the
    year before (a rate, a count at the year's end). A running total stops at the first year
    without a figure; it is provisional (*) when any year in it is."""
    if row.adds_up:
        targets = cumulative([y.target for y in row.years])
        actuals = cumulative([y.actual.value for y in row.years])
        provisional = False
        for year, target, actual in zip(row.years, targets, actuals):
            provisional = provisional or year.actual.provisional
            year.cumulative_target = target
            year.cumulative_actual = Actual(actual, provisional) if actual is not None else NO_ACTUAL
        return
    indicator = row.indicator
    before = None
    if (
        indicator.baseline_value is not None
        and indicator.baseline_year is not None
        and row.years
        and indicator.baseline_year == row.years[0].year - 1
    ):
        before = Actual(indicator.baseline_value)
    for year in row.years:
        if before is not None and before.known and year.actual.known:
            year.change = Actual(year.actual.value - before.value, before.provisional or year.actual.provisional)
        before = year.actual


def indicator_rows(plan: Plan, indicators: list[Indicator]) -> list[IndicatorRow]:
    entered = entered_values(plan)
    by_code = {i.code: i for i in indicators}
    years = list(range(plan.start_year, plan.end_year + 1))
    rows = []
    for indicator in indicators:
        targets = {t.year: t for t in indicator.targets}
        row = IndicatorRow(
            indicator,
            [
                IndicatorYear(
                    year,
                    targets[year].value if year in targets else None,
                    targets[year].text if year in targets else None,
                    actual_of(indicator.code, year, by_code, entered),
                )
                for year in years
            ],
        )
        trajectory(row)
        rows.append(row)
    return rows


# --- a unit's figures in its report ---------------------------------------------------------


@dataclass
class ReportFigures:
    """The indicator figures a unit answers for in one period: what its report carries."""

    period: ReportingPeriod
    indicators: list[Indicator]
    existing: dict[int, IndicatorValue]  # indicator id -> the figure entered for the period

    def snapshot(self) -> list[dict]:
        """The figures as they stand, for a submitted version of the report."""

        def text(value):
            return None if value is None else format(Decimal(value).normalize(), "f")

        rows = []
        for indicator in self.indicators:
            value = self.existing.get(indicator.id)
            rows.append(
                {
                    "code": indicator.code,
                    "name": indicator.name,
                    "measure": indicator.measure,
                    "rule": indicator.actual_rule,
                    "value": text(value.value) if value else None,
                    "numerator": text(value.numerator) if value else None,
                    "denominator": text(value.denominator) if value else None,
                    "source": value.source if value else None,
                }
            )
        return rows


def report_figures(plan: Plan, period: ReportingPeriod, unit_id: int) -> ReportFigures:
    indicators = [i for i in plan_indicators(plan) if i.actual_rule in ENTERED_RULES and i.reporting_unit_id == unit_id]
    existing = (
        {
            v.indicator_id: v
            for v in db.session.scalars(
                select(IndicatorValue).where(
                    IndicatorValue.period_id == period.id, IndicatorValue.indicator_id.in_([i.id for i in indicators])
                )
            )
        }
        if indicators
        else {}
    )
    return ReportFigures(period, indicators, existing)
