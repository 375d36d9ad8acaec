"""The overview of many wards' plans (a province's, or every ward's): one row per plan from its
stored standing (tracker.standing.models.PlanStanding), sorted and paginated in SQL, the totals
summed in SQL, and the indicators the plans share added up year by year. What a page costs is
bounded by the page, not by the number of wards."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Float, and_, cast, delete, exists, func, insert, literal, nulls_last, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased

from tracker.accountability.services import share_percent
from tracker.core.changes import INDICATORS, current_version
from tracker.core.pagination import Page, page_number
from tracker.extensions import db
from tracker.overview.models import SharedTotal
from tracker.periods.models import ANNUAL, SIX_MONTH, ReportingPeriod
from tracker.plan.models import Plan
from tracker.standing.models import PlanStanding
from tracker.targets.models import ACTUAL_VALUE, Indicator, IndicatorValue, Target
from tracker.wards.models import Ward, name_order

# The indicators a province adds up over its wards: households leaving poverty and the supports of
# the roadmap by year, and the budget.
SHARED_CATEGORIES = ("roadmap", "budget")


def _share(part, whole):
    return cast(part, Float) / func.nullif(whole, 0)


# Each order: its expression and whether the worst (what needs a look first) comes first ascending.
# The overdue and stale orders compare shares of each plan's tasks: wards' plans differ in size.
SORTS = {
    "ward": (name_order, True),
    "progress": (lambda: PlanStanding.percent, True),
    "gap": (lambda: PlanStanding.percent - PlanStanding.expected, True),
    "overdue": (lambda: _share(PlanStanding.overdue, PlanStanding.tasks), False),
    "stale": (lambda: _share(PlanStanding.stale, PlanStanding.tasks), False),
    "reporting": (lambda: _share(PlanStanding.reports_sent, PlanStanding.reports_owed), True),
    "on_time": (lambda: _share(PlanStanding.reports_on_time, PlanStanding.reports_owed), True),
}
DEFAULT_SORT = "ward"


@dataclass(frozen=True)
class PlanRow:
    """One plan of the overview; `standing` is None until its standings were first computed."""

    plan: Plan
    ward: Ward
    standing: PlanStanding | None

    @property
    def reporting_rate(self) -> Decimal | None:
        return share_percent(self.standing.reports_sent, self.standing.reports_owed) if self.standing else None

    @property
    def on_time_rate(self) -> Decimal | None:
        return share_percent(self.standing.reports_on_time, self.standing.reports_owed) if self.standing else None


@dataclass(frozen=True)
class Totals:
    """The scope's plans added up: counts summed, rates from the summed counts (never averaged)."""

    plans: int
    computed: int  # plans whose standings were computed
    percent: Decimal | None  # the mean of the plans' progress
    tasks: int
    on_track: int
    overdue: int
    stale: int
    reports_owed: int
    reports_sent: int
    reports_on_time: int

    @property
    def reporting_rate(self) -> Decimal | None:
        return share_percent(self.reports_sent, self.reports_owed)

    @property
    def on_time_rate(self) -> Decimal | None:
        return share_percent(self.reports_on_time, self.reports_owed)


def _scope(province: str | None) -> list:
    """The five-year plans (not their yearly plans) of the province's wards, or of every ward."""
    conditions = [Plan.parent_id.is_(None)]
    if province is not None:
        conditions.append(Ward.province == province)
    return conditions


def plan_page(province: str | None, sort: str, number: int | None, size: int) -> Page:
    """One page of the plans in `sort` order, the worst first (names from A to Z), nulls last."""
    order, ascending = SORTS.get(sort, SORTS[DEFAULT_SORT])
    expression = order()
    conditions = _scope(province)
    total = db.session.scalar(select(func.count(Plan.id)).join(Ward, Ward.id == Plan.ward_id).where(*conditions))
    number = page_number(number, total, size)
    ordered = nulls_last(expression.asc() if ascending else expression.desc())
    rows = db.session.execute(
        select(Plan, Ward, PlanStanding)
        .join(Ward, Ward.id == Plan.ward_id)
        .outerjoin(PlanStanding, PlanStanding.plan_id == Plan.id)
        .where(*conditions)
        .order_by(ordered, name_order(), Plan.start_year, Plan.id)
        .offset((number - 1) * size)
        .limit(size)
    ).all()
    return Page([PlanRow(plan, ward, standing) for plan, ward, standing in rows], number, size, total)


def totals(province: str | None) -> Totals:
    counts = (
        PlanStanding.tasks,
        PlanStanding.on_track,
        PlanStanding.overdue,
        PlanStanding.stale,
        PlanStanding.reports_owed,
        PlanStanding.reports_sent,
        PlanStanding.reports_on_time,
    )
    row = db.session.execute(
        select(
            func.count(Plan.id),
            func.count(PlanStanding.plan_id),
            func.avg(PlanStanding.percent),
            *(func.coalesce(func.sum(c), 0) for c in counts),
        )
        .select_from(Plan)
        .join(Ward, Ward.id == Plan.ward_id)
        .outerjoin(PlanStanding, PlanStanding.plan_id == Plan.id)
        .where(*_scope(province))
    ).one()
    plans, computed, percent, *sums = row
    mean = Decimal(str(percent)).quantize(Decimal("0.1")) if percent is not None else None
    return Totals(plans, computed, mean, *(int(s) for s in sums))


def provinces() -> list[str]:
    """The provinces named by the installation's wards (for an installation admin's choice)."""
    return db.session.scalars(
        select(Ward.province).where(Ward.province.is_not(None)).distinct().order_by(Ward.province)
    ).all()


# --- the indicators the plans share -----------------------------------------------------------


@dataclass
class SharedYear:
    target: Decimal | None = None
    actual: Decimal | None = None
    provisional: bool = False  # a 6-month figure stands for a ward whose annual one is not in


@dataclass
class SharedIndicator:
    code: str
    name: str
    measure: str
    wards: int  # plans that have the indicator
    values_entered: bool  # its actual is a number entered (others are worked out per ward)
    years: dict[int, SharedYear] = field(default_factory=dict)

    def year(self, year: int) -> SharedYear:
        return self.years.get(year, SharedYear())

    @property
    def total_target(self) -> Decimal | None:
        values = [y.target for y in self.years.values() if y.target is not None]
        return sum(values, Decimal(0)) if values else None


def shared_indicators(province: str | None) -> tuple[list[int], list[SharedIndicator]]:
    """The years and, per indicator code of the shared categories, the wards' targets summed per
    year, and the actual figures entered summed per year (a ward's annual figure, or its 6-month
    one until the annual one is in).

    Kept (tracker.overview.models.SharedTotal) under the indicators' version: read in one query
    until a write changes an indicator, a target, a figure, a period, a plan or a ward; then worked
    out again (_worked_out) and kept by the first reader, who commits (call it before reading
    anything else of the page: a commit expires what the session has read)."""
    scope = province or ""
    version = current_version(INDICATORS)
    kept = db.session.scalar(
        select(SharedTotal).where(SharedTotal.scope == scope).execution_options(populate_existing=True)
    )
    if kept is not None and kept.version == version:
        return _decoded(kept.data)
    years, found = _worked_out(province)
    _keep(scope, version, years, found)
    return years, found


def _keep(scope: str, version: int, years: list[int], found: list[SharedIndicator]) -> None:
    """The totals kept for the scope. Two first readers at once: one keeps them, the other's are
    dropped (the same figures, worked out from the same version)."""
    try:
        db.session.execute(delete(SharedTotal).where(SharedTotal.scope == scope))
        db.session.execute(insert(SharedTotal).values(scope=scope, version=version, data=_encoded(years, found)))
        db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _encoded(years: list[int], found: list[SharedIndicator]) -> dict:
    return {
        "years": years,
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "measure": i.measure,
                "wards": i.wards,
                "values_entered": i.values_entered,
                "years": [[y, _text(v.target), _text(v.actual), v.provisional] for y, v in i.years.items()],
            }
            for i in found
        ],
    }


def _decoded(data: dict) -> tuple[list[int], list[SharedIndicator]]:
    found = [
        SharedIndicator(
            i["code"],
            i["name"],
            i["measure"],
            i["wards"],
            i["values_entered"],
            {
                y: SharedYear(_number(target), _number(actual), provisional)
                for y, target, actual, provisional in i["years"]
            },
        )
        for i in data["indicators"]
    ]
    return list(data["years"]), found


def _worked_out(province: str | None) -> tuple[list[int], list[SharedIndicator]]:
    """shared_indicators from the wards' indicators: four grouped queries, whatever the number of wards."""
    scope = _scope(province)
    in_scope = select(Plan.id).join(Ward, Ward.id == Plan.ward_id).where(*scope).scalar_subquery()
    chosen = and_(Indicator.plan_id.in_(in_scope), Indicator.category.in_(SHARED_CATEGORIES))
    found: dict[str, SharedIndicator] = {}
    for code, name, measure, wards, entered in db.session.execute(
        select(
            Indicator.code,
            func.min(Indicator.name),
            func.min(Indicator.measure),
            func.count(func.distinct(Indicator.plan_id)),
            func.min(func.coalesce(Indicator.actual_rule, ACTUAL_VALUE)),
        )
        .where(chosen)
        .group_by(Indicator.code)
        .order_by(func.min(Indicator.category).desc(), func.min(Indicator.sort_order), Indicator.code)
    ):
        found[code] = SharedIndicator(code, name, measure, wards, entered == ACTUAL_VALUE)
    for code, year, value in db.session.execute(
        select(Indicator.code, Target.year, func.sum(Target.value))
        .join(Target, Target.indicator_id == Indicator.id)
        .where(chosen, Target.value.is_not(None))
        .group_by(Indicator.code, Target.year)
    ):
        found[code].years.setdefault(year, SharedYear()).target = value
    _add_actuals(found, chosen)
    years = sorted({y for indicator in found.values() for y in indicator.years})
    return years, list(found.values())


def _add_actuals(found: dict[str, SharedIndicator], chosen) -> None:
    """The entered actuals: the annual figures, then the 6-month figures of the wards (indicators)
    whose annual figure for that year is not in."""
    annual_period = aliased(ReportingPeriod)
    annual_value = aliased(IndicatorValue)
    annual_exists = exists(
        select(literal(1))
        .select_from(annual_value)
        .join(annual_period, annual_period.id == annual_value.period_id)
        .where(
            annual_value.indicator_id == IndicatorValue.indicator_id,
            annual_period.kind == ANNUAL,
            annual_period.year == ReportingPeriod.year,
            annual_value.value.is_not(None),
        )
    )
    entered = and_(chosen, Indicator.actual_rule == ACTUAL_VALUE, IndicatorValue.value.is_not(None))
    base = (
        select(Indicator.code, ReportingPeriod.year, func.sum(IndicatorValue.value))
        .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
        .join(ReportingPeriod, ReportingPeriod.id == IndicatorValue.period_id)
        .group_by(Indicator.code, ReportingPeriod.year)
    )
    for provisional, condition in (
        (False, ReportingPeriod.kind == ANNUAL),
        (True, and_(ReportingPeriod.kind == SIX_MONTH, ~annual_exists)),
    ):
        for code, year, value in db.session.execute(base.where(entered, condition)):
            shared = found[code].years.setdefault(year, SharedYear())
            shared.actual = (shared.actual or Decimal(0)) + value
            shared.provisional = shared.provisional or provisional
