"""The accountability figures: how each is computed from its counts, in one place."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tracker.units.models import Unit


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage capped at 100; None when nothing was expected."""
    if denominator == 0:
        return None
    return min(Decimal(100), (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1")))


@dataclass
class UnitFigures:
    """One unit's row of the league table, for one period or for the plan to date."""

    unit: Unit
    tasks_led: int = 0
    on_track: int = 0  # led tasks done or rated green
    overdue: int = 0
    days_overdue: int = 0
    stale: int = 0
    reports_expected: int = 0
    reports_sent: int = 0
    reports_on_time: int = 0
    directives_due: int = 0
    directives_on_time: int = 0
    open_questions: int = 0
    percent: Decimal = Decimal(0)
    task_ids: dict[str, list[int]] = field(default_factory=dict)  # which tasks each figure counts

    @property
    def on_track_share(self) -> Decimal | None:
        return rate(self.on_track, self.tasks_led)

    @property
    def reporting_rate(self) -> Decimal | None:
        return rate(self.reports_sent, self.reports_expected)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.reports_on_time, self.reports_expected)

    @property
    def directives_rate(self) -> Decimal | None:
        return rate(self.directives_on_time, self.directives_due)

    @property
    def reports_missing(self) -> int:
        return max(0, self.reports_expected - self.reports_sent)


SORT_KEYS = {
    "unit": lambda f: (f.unit.sort_order, f.unit.name),
    "tasks_led": lambda f: -f.tasks_led,
    "on_track": lambda f: _nulls_last(f.on_track_share),
    "overdue": lambda f: (-f.overdue, -f.days_overdue),
    "days_overdue": lambda f: -f.days_overdue,
    "stale": lambda f: -f.stale,
    "reporting_rate": lambda f: _nulls_last(f.reporting_rate),
    "on_time_rate": lambda f: _nulls_last(f.on_time_rate),
    "directives": lambda f: _nulls_last(f.directives_rate),
    "questions": lambda f: -f.open_questions,
}


def _nulls_last(value: Decimal | None):
    """Worst first: lowest rate first, units with nothing expected last."""
    return (value is None, value if value is not None else Decimal(0))
