"""The status rule and the progress roll-up: the one place that decides how a task stands.

Every view, export, alert and report asks these functions; none derives status on its own.

Status (derived, never typed in), judged on the primary lead unit's updates:
- not_started           no update and no accepted report section yet, and not past its own due date
- in_progress_on_time   progress reported, its own due date not passed (or it has none)
- in_progress_overdue   "quá hạn": the task's OWN due date has passed and it is not done. A
                        continuous task ("thường xuyên", no dates) is never overdue.
- done_on_time          reported done by the due date (or a continuous task reported done)
- done_late             reported done after the due date

Flags, beside the status and never changing it:
- blocked       the lead's latest update says so
- stale         no lead update and no accepted report section for STALE_AFTER_DAYS (never for a
                task nobody answers for: that is `unassigned`)
- late_report   "chậm báo cáo N ngày (hạn dd/mm/yyyy)": the primary lead's report of a period
                that covers the task is past its unit deadline and not sent
- unassigned    "chưa phân công": no unit answers for the task

The schedule rating compares reported with expected progress (the gap), and is red past the task's
own due date: it never contradicts the figures shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
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
AMBER_FROM = -10  # a gap below this is amber
RED_FROM = -25  # a gap below this is red

BLOCKED, STALE, LATE_REPORT, UNASSIGNED = "blocked", "stale", "late_report", "unassigned"
FLAGS = (BLOCKED, STALE, LATE_REPORT, UNASSIGNED)


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
    reported_on: date | None = None  # ward date of the latest accepted report section on the task
    late_report_due: date | None = None  # earliest unit deadline passed without the lead's report
    unassigned: bool = False  # no unit answers for the task


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
    stale_since: date | None = None  # the last sign of life a stale task had (update, report or start)
    late_report_due: date | None = None  # the deadline of the report not sent
    late_report_days: int = 0
    unassigned: bool = False
    overdue_since: date | None = None  # the first day the task was overdue (the day after its due date)

    @property
    def is_overdue(self) -> bool:
        return self.status == IN_PROGRESS_OVERDUE

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def late_report(self) -> bool:
        return self.late_report_due is not None

    @property
    def on_track(self) -> bool:
        """Done, or rated green: what the league table's "on track" share counts."""
        return self.is_done or self.rating == GREEN

    def has_flag(self, flag: str) -> bool:
        if flag in RATINGS:
            return self.rating == flag
        return {BLOCKED: self.blocked, STALE: self.stale, LATE_REPORT: self.late_report, UNASSIGNED: self.unassigned}[
            flag
        ]


def expected_percent(window_start: date, window_end: date, today: date) -> Decimal:
    """The share of a time window that has elapsed by the end of `today`, in percent."""
    if today < window_start:
        return Decimal(0)
    total = (window_end - window_start).days + 1
    elapsed = min((today - window_start).days + 1, total)
    return (Decimal(elapsed) * 100 / Decimal(total)).quantize(Decimal("0.1"))


def schedule_rating(gap: Decimal, overdue: bool) -> str:
    """Red past the task's own due date; otherwise from the gap alone."""
    if overdue or gap < RED_FROM:
        return RED
    if gap < AMBER_FROM:
        return AMBER
    return GREEN


def behind_schedule(percent: Decimal, expected: Decimal) -> bool:
    """Whether reported progress is behind the expected (amber or worse): the progress bars' colour."""
    return schedule_rating(Decimal(percent) - Decimal(expected), False) != GREEN


def task_standing(facts: TaskFacts, today: date, stale_after_days: int) -> TaskStanding:
    done = facts.latest_state == STATE_DONE
    percent = Decimal(100) if done else Decimal(facts.latest_percent or 0)
    expected = expected_percent(facts.window_start, facts.window_end, today)
    overdue_from = None
    if done:
        finished = facts.done_on or facts.latest_on
        late = facts.due_on is not None and finished is not None and finished > facts.due_on
        status = DONE_LATE if late else DONE_ON_TIME
        days_overdue = (finished - facts.due_on).days if late else 0
    elif facts.due_on is not None and today > facts.due_on:
        status, days_overdue = IN_PROGRESS_OVERDUE, (today - facts.due_on).days
        overdue_from = facts.due_on + timedelta(days=1)
    else:
        # Work a unit reported on (an update, or an accepted report section) is under way.
        started = facts.latest_percent is not None or facts.reported_on is not None
        status, days_overdue = (IN_PROGRESS_ON_TIME if started else NOT_STARTED), 0
    gap = percent - expected
    # The last sign of life: an update, an accepted report section, or else the task's start.
    signs = [d for d in (facts.latest_on, facts.reported_on) if d is not None]
    reference = max(signs) if signs else (facts.start_on or facts.window_start)
    stale = not done and not facts.unassigned and today >= reference and (today - reference).days >= stale_after_days
    late_report_due = None if done else facts.late_report_due
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
        stale_since=reference if stale else None,
        late_report_due=late_report_due,
        late_report_days=(today - late_report_due).days if late_report_due else 0,
        unassigned=facts.unassigned,
        overdue_since=overdue_from,
    )


def weighted_mean(values: list[tuple[Decimal, Decimal]]) -> Decimal:
    """The roll-up: the mean of (value, weight) pairs with the weights normalised to sum 1.
    An empty list rolls up to 0."""
    total_weight = sum((weight for _value, weight in values), Decimal(0))
    if total_weight == 0:
        return Decimal(0)
    return (sum((value * weight for value, weight in values), Decimal(0)) / total_weight).quantize(Decimal("0.1"))
