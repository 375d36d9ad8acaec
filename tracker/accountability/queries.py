"""The chair's league table and each unit's figures over time, aggregated in SQL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tracker.accountability.services import UnitFigures
from tracker.core.time import end_of_day
from tracker.dashboard.queries import PlanSnapshot
from tracker.discussion.models import Directive, Question
from tracker.discussion.services import directive_on_time
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.queries import plan_periods
from tracker.periods.services import ReportingRound, is_past_due, reporting_rounds, round_of
from tracker.plan.models import Plan
from tracker.progress.status import GREEN, weighted_mean
from tracker.reports.queries import owed_reports, reports_of_rounds
from tracker.reports.services import is_on_time


def report_counts(plan: Plan, rounds: list[ReportingRound], today: date) -> dict[tuple[int, int], tuple[int, int]]:
    """(unit_id, round id) -> (reports sent, reports sent by the unit deadline), counting first
    submissions made by the end of `today`: 0 or 1 each, a unit sends one report per round."""
    found = {}
    for (round_id, unit_id), report in reports_of_rounds(rounds).items():
        if report.first_submitted_at is not None and report.first_submitted_at < end_of_day(today):
            round_ = next(r for r in rounds if r.id == round_id)
            found[(unit_id, round_id)] = (1, 1 if is_on_time(report.first_submitted_at, round_) else 0)
    return found


def expected_counts(plan: Plan, rounds: list[ReportingRound]) -> dict[tuple[int, int], int]:
    """(unit_id, round id) -> 1 for every unit report owed."""
    return {(owed.unit_id, owed.round.id): 1 for owed in owed_reports(plan, rounds)}


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
    """What a league table covers: one period (its round), or the plan to date."""

    rounds: list[ReportingRound]
    directives_from: date | None
    directives_until: date
    period: ReportingPeriod | None = None


def scope_for(all_periods: list[ReportingPeriod], period: ReportingPeriod | None, today: date) -> Scope:
    rounds = reporting_rounds(all_periods)
    if period is None:  # the plan to date: every round whose reports are due
        return Scope([r for r in rounds if is_past_due(r, today)], None, today)
    return Scope([next(r for r in rounds if period in r)], period.starts_on, min(period.ends_on, today), period)


def unit_figures(plan: Plan, snapshot: PlanSnapshot, scope: Scope, today: date) -> list[UnitFigures]:
    """One row per unit (unit groups excluded: their members answer)."""
    units = [u for u in sorted(snapshot.units.values(), key=lambda u: (u.sort_order, u.id)) if not u.is_group]
    expected = expected_counts(plan, scope.rounds)
    sent = report_counts(plan, scope.rounds, today)
    questions = open_questions_by_unit(plan)
    directives = [
        d for d in plan_directives(plan)
        if d.due_on <= scope.directives_until and (scope.directives_from is None or d.due_on >= scope.directives_from)
    ]
    round_ids = [r.id for r in scope.rounds]
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
        figures.reports_expected = sum(expected.get((unit.id, rid), 0) for rid in round_ids)
        figures.reports_sent = sum(sent.get((unit.id, rid), (0, 0))[0] for rid in round_ids if (unit.id, rid) in expected)
        figures.reports_on_time = sum(sent.get((unit.id, rid), (0, 0))[1] for rid in round_ids if (unit.id, rid) in expected)
        mine = [d for d in directives if d.unit_id == unit.id]
        figures.directives_due = len(mine)
        figures.directives_on_time = sum(1 for d in mine if directive_on_time(d))
        figures.open_questions = questions.get(unit.id, 0)
        figures.percent = weighted_mean([(v.percent, v.task.weight) for v in led])
        if figures.tasks_led or figures.reports_expected or figures.directives_due or figures.open_questions:
            rows.append(figures)
    return rows
