"""The reporting calendar's rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from tracker.audit.services import record
from tracker.periods.models import ANNUAL, FINAL, MID_TERM, SIX_MONTH, ReportingPeriod

# A round's periods in the order its report names them; the first is the one the report is filed under.
KIND_ORDER = {SIX_MONTH: 0, ANNUAL: 1, MID_TERM: 2, FINAL: 3}
REVIEW_KINDS = (MID_TERM, FINAL)
FIGURE_KINDS = (SIX_MONTH, ANNUAL)


def unit_deadline_for(ward_deadline, days_before: int):
    """The calendar rule: units report `days_before` days before the ward's deadline."""
    return ward_deadline - timedelta(days=days_before)


@dataclass(frozen=True)
class ReportingRound:
    """The periods that share a unit deadline: a unit sends ONE report for them (the annual report
    of 2028 with the mid-term review, 2030 with the final review), owed, reminded and counted once."""

    periods: tuple[ReportingPeriod, ...]

    @property
    def primary(self) -> ReportingPeriod:
        """The period the round's unit reports are filed under."""
        return self.periods[0]

    @property
    def id(self) -> int:
        return self.primary.id

    @property
    def unit_deadline(self) -> date:
        return self.primary.unit_deadline

    @property
    def ward_deadline(self) -> date:
        return max(p.ward_deadline for p in self.periods)

    @property
    def starts_on(self) -> date:
        return min(p.starts_on for p in self.periods)

    @property
    def ends_on(self) -> date:
        return max(p.ends_on for p in self.periods)

    @property
    def period_ids(self) -> list[int]:
        return [p.id for p in self.periods]

    @property
    def figures_period(self) -> ReportingPeriod | None:
        """The period whose indicator figures the report carries (a review has none of its own)."""
        return next((p for p in self.periods if p.kind in FIGURE_KINDS), None)

    @property
    def review_period(self) -> ReportingPeriod | None:
        """The mid-term or final review the report also answers, with its own part."""
        return next((p for p in self.periods if p.kind in REVIEW_KINDS), None)

    def __contains__(self, period: ReportingPeriod) -> bool:
        return any(p.id == period.id for p in self.periods)


def plan_years(plan) -> tuple[int, int]:
    """The years a date of the plan's reporting calendar may fall in: the plan's own, and the next
    one (the final report of a plan ending in December is due after it)."""
    return plan.start_year, plan.end_year + 1


def within_plan_years(plan, day: date) -> bool:
    first, last = plan_years(plan)
    return first <= day.year <= last


def usable(period: ReportingPeriod, plan) -> bool:
    """A period whose dates all fall in the plan's years. One that does not (a year typed as "26"
    and stored as 0026) is left out of every count and alert until the secretariat fixes it, and
    the reporting calendar's page says so."""
    return all(
        within_plan_years(plan, day)
        for day in (period.starts_on, period.ends_on, period.unit_deadline, period.ward_deadline)
    )


def reporting_rounds(periods: list[ReportingPeriod]) -> list[ReportingRound]:
    """The plan's periods grouped by unit deadline, in calendar order."""
    by_deadline: dict[date, list[ReportingPeriod]] = {}
    for period in periods:
        by_deadline.setdefault(period.unit_deadline, []).append(period)
    return [
        ReportingRound(tuple(sorted(group, key=lambda p: (KIND_ORDER.get(p.kind, 9), p.year, p.id))))
        for _deadline, group in sorted(by_deadline.items())
    ]


def round_of(periods: list[ReportingPeriod], period: ReportingPeriod) -> ReportingRound:
    """The round a period belongs to, among the plan's periods."""
    return next(r for r in reporting_rounds(periods) if period in r)


def reporting_opens_on(period: ReportingPeriod | ReportingRound, window_days: int) -> date:
    """Units can write a period's reports from `window_days` before its unit deadline on; a
    report not sent by the deadline stays owed (and late) until it is sent."""
    return period.unit_deadline - timedelta(days=window_days)


def is_open_for_reporting(period: ReportingPeriod | ReportingRound, today: date, window_days: int) -> bool:
    return today >= reporting_opens_on(period, window_days)


def is_past_due(period: ReportingPeriod | ReportingRound, today: date) -> bool:
    """A period's reports are due on its unit deadline, that day included: from the next day on,
    a report not sent is missing (late), and the period counts in rates and the plan to date."""
    return today > period.unit_deadline


def days_late(period: ReportingPeriod | ReportingRound, today: date) -> int:
    """Days since the unit deadline for a report still not sent (0 until it is past due)."""
    return max(0, (today - period.unit_deadline).days)


def period_subject(period: ReportingPeriod, plan) -> str:
    """The report's subject line, as a Vietnamese administrative report names it."""
    span = f"{plan.start_year}-{plan.end_year}"
    if period.kind == SIX_MONTH:
        return _("Results of sustainable poverty reduction in the first 6 months of %(year)s", year=period.year)
    if period.kind == ANNUAL:
        return _("Results of sustainable poverty reduction in %(year)s", year=period.year)
    if period.kind == "mid_term":
        return _("Mid-term review of the sustainable poverty reduction plan %(span)s", span=span)
    return _("Final review of the sustainable poverty reduction plan %(span)s", span=span)


def change_deadlines(actor, period: ReportingPeriod, unit_deadline: date, ward_deadline: date, now) -> None:
    before = {"unit_deadline": period.unit_deadline.isoformat(), "ward_deadline": period.ward_deadline.isoformat()}
    period.unit_deadline, period.ward_deadline = unit_deadline, ward_deadline
    record(
        actor,
        "period.change",
        now,
        period,
        before=before,
        after={"unit_deadline": unit_deadline.isoformat(), "ward_deadline": ward_deadline.isoformat()},
    )
