"""The chair's league table and each unit's figures over time, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from tracker.accountability.models import Chase
from tracker.accountability.services import (
    LATE_REPORT,
    OVERDUE_DIRECTIVE,
    OVERDUE_MILESTONE,
    OVERDUE_TASK,
    LateItem,
    UnitFigures,
)
from tracker.core.labels import round_name
from tracker.core.time import aware, end_of_day
from tracker.discussion.models import Directive, Question
from tracker.discussion.services import directive_on_time
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.services import ReportingRound, is_past_due, reporting_rounds
from tracker.plan.models import Plan
from tracker.reports.queries import OwedReport, first_submissions, owed_reports, report_counts
from tracker.standing import listing
from tracker.standing.queries import PlanSnapshot, TaskFigures
from tracker.units.models import Unit


def expected_counts(owed: list[OwedReport]) -> dict[tuple[int, int], int]:
    """(unit_id, round id) -> 1 for every unit report owed."""
    return {(report.unit_id, report.round.id): 1 for report in owed}


def open_questions_by_unit(plan: Plan) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Question.unit_id, func.count(Question.id))
            .where(Question.plan_id == plan.id, Question.answered_at.is_(None))
            .group_by(Question.unit_id)
        ).all()
    )


def every_directive(plan: Plan) -> list[Directive]:
    """All the plan's directives, done or not (the discussion's `plan_directives` lists them for pages)."""
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


def chases_by_unit(plan: Plan, since: date | None, until: date) -> dict[int, tuple[int, datetime | None]]:
    """Unit id -> (chases received in the scope, the last one)."""
    query = select(Chase.unit_id, func.count(Chase.id), func.max(Chase.created_at)).where(
        Chase.plan_id == plan.id, Chase.created_at < end_of_day(until)
    )
    if since is not None:
        query = query.where(Chase.created_at >= end_of_day(since - timedelta(days=1)))
    return {unit_id: (count, aware(last)) for unit_id, count, last in db.session.execute(query.group_by(Chase.unit_id))}


def late_reports(
    plan: Plan, rounds: list[ReportingRound], today: date, owed: list[OwedReport] | None = None
) -> dict[int, list[LateItem]]:
    """Unit id -> its reports past their deadline and still not sent (`owed`: the reports owed in
    `rounds`, when already worked out)."""
    due = [r for r in rounds if is_past_due(r, today)]
    sent = first_submissions(due, end_of_day(today))
    found: dict[int, list[LateItem]] = {}
    due_ids = {r.id for r in due}
    due_owed = owed_reports(plan, due) if owed is None else [o for o in owed if o.round.id in due_ids]
    for report in due_owed:
        if (report.round.id, report.unit_id) not in sent:
            since = report.round.unit_deadline + timedelta(days=1)
            found.setdefault(report.unit_id, []).append(
                LateItem(
                    LATE_REPORT,
                    round_name(report.round),
                    since,
                    (today - report.round.unit_deadline).days,
                    {"period": report.round.id},
                )
            )
    return found


@dataclass
class LedFigures:
    """What a unit's led tasks add to its row: counts, and their late items (overdue tasks and
    milestones). From the league table's SQL (`stored_led_figures`) the late items are each unit's
    longest-late only, which is all the table shows; from a snapshot (`snapshot_led_figures`) all."""

    tasks_led: int = 0
    on_track: int = 0
    overdue: int = 0
    stale: int = 0
    late: list[LateItem] = field(default_factory=list)


def snapshot_led_figures(snapshot: PlanSnapshot, today: date) -> dict[int, LedFigures]:
    """Unit id -> its led tasks' figures, every late item listed (for the unit's page and a chase)."""
    found = {}
    for unit in snapshot.units.values():
        led = snapshot.led_by(unit.id)
        if not led:
            continue
        overdue = [v for v in led if v.standing.is_overdue]
        found[unit.id] = LedFigures(
            tasks_led=len(led),
            on_track=sum(1 for v in led if v.standing.on_track),
            overdue=len(overdue),
            stale=sum(1 for v in led if v.standing.stale),
            late=_late_tasks(snapshot, led, overdue, today),
        )
    return found


def stored_led_figures(plan: Plan, today: date) -> dict[int, LedFigures]:
    """Unit id -> its led tasks' figures aggregated in SQL from the stored standings (which must be
    current: tracker.standing.stored.current_standings), with each unit's longest-overdue task and
    milestone (all of them if several are equally late)."""
    found = {
        unit_id: LedFigures(count, on_track, overdue, stale)
        for unit_id, count, on_track, overdue, stale in listing.led_counts(plan)
    }
    for unit_id, code, since, days in listing.longest_overdue(plan):
        found[unit_id].late.append(LateItem(OVERDUE_TASK, code, since, days, {"code": code}))
    for unit_id, code, due_on in db.session.execute(listing.longest_overdue_milestones(plan, today)):
        found[unit_id].late.append(
            LateItem(OVERDUE_MILESTONE, code, due_on + timedelta(days=1), (today - due_on).days, {"code": code})
        )
    return found


def unit_figures(
    plan: Plan,
    units: list[Unit],
    led: dict[int, LedFigures],
    scope: Scope,
    today: date,
    owed: list[OwedReport] | None = None,
) -> list[UnitFigures]:
    """One row per unit (unit groups excluded: their members answer), for the units that have
    anything to count: tasks, reports, directives, questions, chases or something late. `owed`:
    the reports owed in the scope's rounds, when read already (the stored ones); otherwise they
    are worked out from the plan."""
    units = [u for u in sorted(units, key=lambda u: (u.sort_order, u.id)) if not u.is_group]
    owed = owed_reports(plan, scope.rounds) if owed is None else owed
    expected = expected_counts(owed)
    sent = report_counts(scope.rounds, today)
    unsent = late_reports(plan, scope.rounds, today, owed)
    questions = open_questions_by_unit(plan)
    chases = chases_by_unit(plan, scope.directives_from, scope.directives_until)
    all_directives = every_directive(plan)
    directives = [
        d
        for d in all_directives
        if d.due_on <= scope.directives_until and (scope.directives_from is None or d.due_on >= scope.directives_from)
    ]
    round_ids = [r.id for r in scope.rounds]
    rows = []
    for unit in units:
        tasks = led.get(unit.id, LedFigures())
        figures = UnitFigures(unit, tasks.tasks_led, tasks.on_track, tasks.overdue, tasks.stale)
        _count_reports(figures, round_ids, expected, sent)
        mine = [d for d in directives if d.unit_id == unit.id]
        figures.directives_due = len(mine)
        figures.directives_on_time = sum(1 for d in mine if directive_on_time(d))
        figures.open_questions = questions.get(unit.id, 0)
        figures.chases, figures.last_chased = chases.get(unit.id, (0, None))
        late = list(unsent.get(unit.id, [])) + tasks.late + _late_directives(unit.id, all_directives, today)
        figures.late = sorted(late, key=lambda item: (-item.days, item.since, item.name))
        if (
            figures.tasks_led
            or figures.reports_expected
            or figures.directives_due
            or figures.open_questions
            or figures.late
            or figures.chases
        ):
            rows.append(figures)
    return rows


def _count_reports(
    figures: UnitFigures,
    round_ids: list[int],
    expected: dict[tuple[int, int], int],
    sent: dict[tuple[int, int], tuple[int, int]],
) -> None:
    """The unit's reports in the scope's rounds: owed, sent, and sent on time."""
    unit_id = figures.unit.id
    figures.reports_expected = sum(expected.get((unit_id, rid), 0) for rid in round_ids)
    figures.reports_sent = sum(sent.get((unit_id, rid), (0, 0))[0] for rid in round_ids if (unit_id, rid) in expected)
    figures.reports_on_time = sum(
        sent.get((unit_id, rid), (0, 0))[1] for rid in round_ids if (unit_id, rid) in expected
    )


def _late_tasks(
    snapshot: PlanSnapshot, led: list[TaskFigures], overdue: list[TaskFigures], today: date
) -> list[LateItem]:
    """The unit's overdue tasks, then the overdue milestones of the tasks it leads."""
    late = [
        LateItem(OVERDUE_TASK, v.task.code, v.standing.overdue_since, v.standing.days_overdue, {"code": v.task.code})
        for v in overdue
    ]
    late += [
        LateItem(
            OVERDUE_MILESTONE,
            v.task.code,
            m.due_on + timedelta(days=1),
            (today - m.due_on).days,
            {"code": v.task.code},
        )
        for v in led
        for m in snapshot.milestones_of(v.task.id)
        if m.is_overdue(today)
    ]
    return late


def _late_directives(unit_id: int, directives: list[Directive], today: date) -> list[LateItem]:
    """The unit's directives past their due date and not done, whatever the scope."""
    return [
        LateItem(
            OVERDUE_DIRECTIVE,
            _short(d.body),
            d.due_on + timedelta(days=1),
            (today - d.due_on).days,
            {"unit": unit_id},
        )
        for d in directives
        if d.unit_id == unit_id and d.is_overdue(today)
    ]


def _short(text: str, length: int = 50) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def grouped(rows: list[UnitFigures]) -> list[tuple[str, list[UnitFigures]]]:
    """UBND's own offices, then the bodies outside its apparatus, which UBND requests of."""
    inside = [r for r in rows if not r.outside]
    outside = [r for r in rows if r.outside]
    return [(key, group) for key, group in (("inside", inside), ("outside", outside)) if group]


def league_table(plan: Plan, period: ReportingPeriod | None, sort: str, today: date) -> tuple[Scope, list]:
    """The chair's table as its page and the API show it: each unit's figures for `period` (None:
    the plan to date), in the `sort` order (SORT_KEYS). The plan's standings must be current."""
    from tracker.accountability.services import SORT_KEYS
    from tracker.periods.queries import plan_periods
    from tracker.units.queries import ward_units

    scope = scope_for(plan_periods(plan), period, today)
    led = stored_led_figures(plan, today)
    owed = listing.owed_in_rounds(plan, scope.rounds)
    rows = unit_figures(plan, ward_units(plan.ward_id), led, scope, today, owed=owed)
    return scope, sorted(rows, key=SORT_KEYS[sort])
