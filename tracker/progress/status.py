"""The status rule and the progress roll-up: the one place that decides how a task stands.

Every view, export, alert and report asks these functions; none derives status on its own.

Status (derived, never typed in), judged on the primary lead unit's updates:
- not_started           no progress yet, and not late
- in_progress_on_time   progress reported, nothing late
- in_progress_overdue   a dated task past its due date and not done, or a continuous task whose
                        lead unit has not sent a period report that is past its unit deadline
- done_on_time          reported done by the due date (or a continuous task reported done)
- done_late             reported done after the due date
Flags: blocked (the lead's latest update says so), stale (no lead update for STALE_AFTER_DAYS),
and a schedule rating comparing reported with expected progress.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tracker.progress.models import STATE_BLOCKED, STATE_DONE

NOT_STARTED = "not_started"
IN_PROGRESS_ON_TIME = "in_progress_on_time"
IN_PROGRESS_OVERDUE = "in_progress_overdue"
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
STATUSES = (NOT_STARTED, IN_PROGRESS_ON_TIME, IN_PROGRESS_OVERDUE, DONE_ON_TIME, DONE_LATE)
DONE_STATUSES = (DONE_ON_TIME, DONE_LATE)

GREEN, AMBER, RED = "green", "amber", "red"
RATINGS = (GREEN, AMBER, RED)
AMBER_FROM = -10  # gap below this is amber
RED_FROM = -25  # gap below this is red


@dataclass(frozen=True)
class TaskFacts:
    """What the rule needs to know about one task (a leaf)."""

    start_on: date | None  # the task's own dates; None for a continuous task
    due_on: date | None
    window_start: date  # the dates progress is expected over: the task's, or the plan's period
    window_end: date
    latest_percent: int | None  # the primary lead's latest update; None when there is none
    latest_state: str | None
    latest_on: date | None  # ward date of that update
    done_on: date | None  # ward date of the first "done" update after the last non-done one
    missed_report_deadline: date | None  # earliest unit deadline passed without the lead's report


@dataclass(frozen=True)
class TaskStanding:
    status: str
    percent: Decimal  # for the roll-up: the reported percent, 100 when done, 0 with no update
    expected: Decimal  # share of the task's time elapsed, in percent
    gap: Decimal  # percent - expected
    rating: str
    blocked: bool
    stale: bool
    days_overdue: int  # 0 unless overdue (or done late: how late it was)
    last_update_on: date | None

    @property
    def is_overdue(self) -> bool:
        return self.status == IN_PROGRESS_OVERDUE

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES


def expected_percent(window_start: date, window_end: date, today: date) -> Decimal:
    """The share of a time window that has elapsed by the end of `today`, in percent."""
    if today < window_start:
        return Decimal(0)
    total = (window_end - window_start).days + 1
    elapsed = min((today - window_start).days + 1, total)
    return (Decimal(elapsed) * 100 / Decimal(total)).quantize(Decimal("0.1"))


def schedule_rating(gap: Decimal, overdue: bool) -> str:
    if overdue or gap < RED_FROM:
        return RED
    if gap < AMBER_FROM:
        return AMBER
    return GREEN


def task_standing(facts: TaskFacts, today: date, stale_after_days: int) -> TaskStanding:
    done = facts.latest_state == STATE_DONE
    percent = Decimal(100) if done else Decimal(facts.latest_percent or 0)
    expected = expected_percent(facts.window_start, facts.window_end, today)
    if done:
        finished = facts.done_on or facts.latest_on
        late = facts.due_on is not None and finished is not None and finished > facts.due_on
        status = DONE_LATE if late else DONE_ON_TIME
        days_overdue = (finished - facts.due_on).days if late else 0
    else:
        overdue_since = None
        if facts.due_on is not None and today > facts.due_on:
            overdue_since = facts.due_on
        elif facts.due_on is None and facts.missed_report_deadline is not None:
            overdue_since = facts.missed_report_deadline
        if overdue_since is not None:
            status, days_overdue = IN_PROGRESS_OVERDUE, (today - overdue_since).days
        else:
            status, days_overdue = (NOT_STARTED if facts.latest_percent is None else IN_PROGRESS_ON_TIME), 0
    gap = percent - expected
    reference = facts.latest_on or facts.start_on or facts.window_start
    stale = not done and today >= reference and (today - reference).days >= stale_after_days
    return TaskStanding(
        status=status,
        percent=percent,
        expected=expected,
        gap=gap,
        rating=GREEN if done else schedule_rating(gap, status == IN_PROGRESS_OVERDUE),
        blocked=facts.latest_state == STATE_BLOCKED,
        stale=stale,
        days_overdue=days_overdue,
        last_update_on=facts.latest_on,
    )


def weighted_mean(values: list[tuple[Decimal, Decimal]]) -> Decimal:
    """The roll-up: the mean of (value, weight) pairs with the weights normalised to sum 1.
    An empty list rolls up to 0."""
    total_weight = sum((weight for _value, weight in values), Decimal(0))
    if total_weight == 0:
        return Decimal(0)
    return (sum((value * weight for value, weight in values), Decimal(0)) / total_weight).quantize(Decimal("0.1"))
