"""The chair's league table and each unit's figures over time, aggregated in SQL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select

from tracker.accountability.services import UnitFigures
from tracker.core.time import end_of_day
from tracker.dashboard.queries import PlanSnapshot
from tracker.discussion.models import Directive, Question
from tracker.discussion.services import directive_on_time
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.services import is_past_due
from tracker.plan.models import Plan
from tracker.progress.status import GREEN, weighted_mean
from tracker.reports.models import PeriodReport
from tracker.reports.queries import expected_reports


def report_counts(plan: Plan, periods: list[ReportingPeriod], today: date) -> dict[tuple[int, int], tuple[int, int]]:
    """(unit_id, period_id) -> (reports sent, reports sent by the unit deadline), counting first
    submissions made by the end of `today`."""
    if not periods:
        return {}
    on_time = case(
        *[(and_(PeriodReport.period_id == p.id, PeriodReport.first_submitted_at < end_of_day(p.unit_deadline)), 1) for p in periods],
        else_=0,
    )
    rows = db.session.execute(
        select(PeriodReport.unit_id, PeriodReport.period_id, func.count(PeriodReport.id), func.sum(on_time))
        .where(
            PeriodReport.period_id.in_([p.id for p in periods]),
            PeriodReport.first_submitted_at.is_not(None),
            PeriodReport.first_submitted_at < end_of_day(today),
        )
        .group_by(PeriodReport.unit_id, PeriodReport.period_id)
    )
    return {(unit_id, period_id): (int(sent), int(in_time or 0)) for unit_id, period_id, sent, in_time in rows}


def expected_counts(plan: Plan, periods: list[ReportingPeriod]) -> dict[tuple[int, int], int]:
    counts: dict[tuple[int, int], int] = {}
    for period, _task, unit_id in expected_reports(plan, periods):
        counts[(unit_id, period.id)] = counts.get((unit_id, period.id), 0) + 1
    return counts


def open_questions_by_unit(plan: Plan) -> dict[int, int]:
    return dict(db.session.execute(
        select(Question.unit_id, func.count(Question.id))
        .where(Question.plan_id == plan.id, Question.answered_at.is_(None))
        .group_by(Question.unit_id)
    ).all())


def plan_directives(plan: Plan) -> list[Directive]:
    return db.session.scalars(select(Directive).where(Directive.plan_id == plan.id)).all()


@dataclass
class Scope:
    """What a league table covers: one period, or the plan to date."""

    periods: list[ReportingPeriod]
    directives_from: date | None
    directives_until: date
    period: ReportingPeriod | None = None


def scope_for(all_periods: list[ReportingPeriod], period: ReportingPeriod | None, today: date) -> Scope:
    if period is None:  # the plan to date: every period whose reports are due
        return Scope([p for p in all_periods if is_past_due(p, today)], None, today)
    return Scope([period], period.starts_on, min(period.ends_on, today), period)


def unit_figures(plan: Plan, snapshot: PlanSnapshot, scope: Scope, today: date) -> list[UnitFigures]:
    """One row per unit (unit groups excluded: their members answer)."""
    units = [u for u in sorted(snapshot.units.values(), key=lambda u: (u.sort_order, u.id)) if not u.is_group]
    expected = expected_counts(plan, scope.periods)
    sent = report_counts(plan, scope.periods, today)
    questions = open_questions_by_unit(plan)
    directives = [
        d for d in plan_directives(plan)
        if d.due_on <= scope.directives_until and (scope.directives_from is None or d.due_on >= scope.directives_from)
    ]
    period_ids = [p.id for p in scope.periods]
    rows = []
    for unit in units:
        led = snapshot.led_by(unit.id)
        figures = UnitFigures(unit)
        figures.tasks_led = len(led)
        on_track = [v for v in led if v.standing.is_done or v.standing.rating == GREEN]
        overdue = [v for v in led if v.standing.is_overdue]
        stale = [v for v in led if v.standing.stale]
        figures.on_track, figures.overdue, figures.stale = len(on_track), len(overdue), len(stale)
        figures.days_overdue = sum(v.standing.days_overdue for v in overdue)
        figures.task_ids = {"led": [v.task.id for v in led], "overdue": [v.task.id for v in overdue], "stale": [v.task.id for v in stale]}
        figures.reports_expected = sum(expected.get((unit.id, pid), 0) for pid in period_ids)
        figures.reports_sent = sum(sent.get((unit.id, pid), (0, 0))[0] for pid in period_ids)
        figures.reports_on_time = sum(sent.get((unit.id, pid), (0, 0))[1] for pid in period_ids)
        mine = [d for d in directives if d.unit_id == unit.id]
        figures.directives_due = len(mine)
        figures.directives_on_time = sum(1 for d in mine if directive_on_time(d))
        figures.open_questions = questions.get(unit.id, 0)
        figures.percent = weighted_mean([(v.percent, v.task.weight) for v in led])
        if figures.tasks_led or figures.reports_expected or figures.directives_due or figures.open_questions:
            rows.append(figures)
    return rows


@dataclass
class PeriodStatus:
    """Reporting status of one period for one unit: what the dashboard's table shows."""

    unit_id: int
    due: bool  # the unit deadline has passed (periods.services.is_past_due)
    expected: int
    sent: int
    on_time: int

    @property
    def late(self) -> int:
        return self.sent - self.on_time

    @property
    def unsent(self) -> int:
        return max(0, self.expected - self.sent)

    @property
    def missing(self) -> int:
        """Reports not sent once they are due; before the deadline nothing is missing yet."""
        return self.unsent if self.due else 0

    @property
    def not_yet_due(self) -> int:
        return 0 if self.due else self.unsent


def period_status_by_unit(plan: Plan, period: ReportingPeriod, today: date) -> list[PeriodStatus]:
    expected = expected_counts(plan, [period])
    sent = report_counts(plan, [period], today)
    due = is_past_due(period, today)
    unit_ids = sorted({uid for uid, _pid in expected} | {uid for uid, _pid in sent})
    return [
        PeriodStatus(uid, due, expected.get((uid, period.id), 0), *sent.get((uid, period.id), (0, 0)))
        for uid in unit_ids
    ]
