"""Which unit reports are owed, and where each one stands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.core.time import aware, end_of_day, ward_date
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.periods.services import ReportingRound, days_late, is_open_for_reporting, is_past_due
from tracker.plan.assignments import effective_assignments, unit_assignments
from tracker.plan.models import Assignment, Plan, Task
from tracker.plan.queries import parent_ids, plan_assignment_rows, plan_order, plan_tasks_alone
from tracker.progress.models import ProgressUpdate
from tracker.reports.models import (
    STATUS_ACCEPTED,
    STATUS_DRAFT,
    STATUS_RETURNED,
    STATUS_SUBMITTED,
    UnitReport,
    UnitReportSection,
)
from tracker.reports.services import SectionInput, is_on_time, owes_section
from tracker.units.models import Unit
from tracker.units.services import ward_groups

# A report nobody has started yet (not a task's status).
REPORT_NOT_STARTED = "not_started"


@dataclass
class OwedReport:
    """One unit report owed: the round, the unit and the tasks its sections cover, in plan order."""

    round: ReportingRound
    unit_id: int
    tasks: list[Task]
    roles: dict[int, str] = field(default_factory=dict)  # task id -> the unit's role on it
    sections: int | None = None  # read from the stored ones: how many tasks, `tasks` left empty

    @property
    def section_count(self) -> int:
        return len(self.tasks) if self.sections is None else self.sections


def owed_reports(
    plan: Plan,
    rounds: list[ReportingRound],
    unit_id: int | None = None,
    task_ids: set[int] | None = None,
    structure=None,
) -> list[OwedReport]:
    """Every unit report owed in the given rounds, round by round, units in the plan's order.
    With `task_ids`, only the reports that have a section on one of those tasks. `structure` is
    the plan's structure already loaded (a PlanSnapshot: tasks, effective assignments, units)."""
    if not rounds:
        return []
    units = structure.units if structure is not None else _ward_units(plan)
    if structure is not None:
        tasks, effective, parents = structure.tasks, structure.effective, {t.parent_id for t in structure.tasks}
    elif unit_id is not None:
        tasks, effective, parents = _unit_structure(plan, unit_id)
    else:
        # Plain rows: what is owed needs the tasks' dates and the assignments, nothing loaded with them.
        tasks = plan_tasks_alone(plan)
        effective = effective_assignments(plan_assignment_rows(plan), ward_groups(plan.ward_id))
        parents = {t.parent_id for t in tasks}
    task_by_id = {t.id: t for t in tasks}
    order = {t.id: i for i, t in enumerate(tasks)}
    owed = []
    for round_ in rounds:
        by_unit: dict[int, OwedReport] = {}
        for (task_id, owing_unit), assignment in sorted(effective.items(), key=lambda kv: order[kv[0][0]]):
            if unit_id is not None and owing_unit != unit_id:
                continue
            task = task_by_id[task_id]
            if owes_section(task, task.id not in parents, assignment, round_):
                entry = by_unit.setdefault(owing_unit, OwedReport(round_, owing_unit, []))
                entry.tasks.append(task)
                entry.roles[task.id] = assignment.role
        reports = sorted(by_unit.values(), key=lambda o: (units[o.unit_id].sort_order, o.unit_id))
        if task_ids is not None:
            reports = [o for o in reports if any(t.id in task_ids for t in o.tasks)]
        owed.extend(reports)
    return owed


def _ward_units(plan: Plan) -> dict[int, Unit]:
    return {u.id: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id))}


def _unit_structure(plan: Plan, unit_id: int) -> tuple[list[Task], dict, set[int]]:
    """What one unit's reports are worked out from: the tasks it has a role on (in the plan's
    order), its roles, and which of those tasks have tasks below them. Bounded by the unit's tasks."""
    mine = unit_assignments(plan, unit_id, as_named=False)  # a group owes nothing: its members do
    ids = [e.task_id for e in mine]
    order = plan_order(plan)
    tasks = sorted(db.session.scalars(select(Task).where(Task.id.in_(ids))), key=lambda t: order[t.id]) if ids else []
    return tasks, {(e.task_id, e.unit_id): e for e in mine}, parent_ids(ids)


@dataclass
class ReportRow:
    """A unit report owed, with the report as it stands (None until the unit starts it)."""

    round: ReportingRound
    unit: Unit
    tasks: list[Task]
    report: UnitReport | None
    today: date
    roles: dict[int, str] = field(default_factory=dict)
    sections: int | None = None  # the number of tasks, when `tasks` was not read

    @property
    def section_count(self) -> int:
        return len(self.tasks) if self.sections is None else self.sections

    @property
    def period(self):
        return self.round.primary

    @property
    def status(self) -> str:
        return self.report.status if self.report else REPORT_NOT_STARTED

    @property
    def days_left(self) -> int:
        return (self.round.unit_deadline - self.today).days

    @property
    def sent(self) -> bool:
        return self.report is not None and self.report.first_submitted_at is not None

    @property
    def is_late(self) -> bool:
        """Still not sent and the unit deadline has passed."""
        return not self.sent and is_past_due(self.round, self.today)

    @property
    def days_late(self) -> int:
        """Days late: for a report not sent, until today; for one sent late, until it was sent."""
        if self.sent:
            return max(0, (ward_date(self.report.first_submitted_at) - self.round.unit_deadline).days)
        return days_late(self.round, self.today)

    @property
    def on_time(self) -> bool:
        return self.report is not None and is_on_time(self.report.first_submitted_at, self.round)

    @property
    def waiting(self) -> bool:
        return self.status == STATUS_SUBMITTED


def reports_of_rounds(rounds: list[ReportingRound]) -> dict[tuple[int, int], UnitReport]:
    """(round id, unit id) -> the unit's report of the round, sections and history loaded."""
    round_of_period = {pid: r.id for r in rounds for pid in r.period_ids}
    if not round_of_period:
        return {}
    found: dict[tuple[int, int], UnitReport] = {}
    reports = db.session.scalars(
        select(UnitReport)
        .where(UnitReport.period_id.in_(list(round_of_period)))
        .options(
            selectinload(UnitReport.sections).selectinload(UnitReportSection.task),
            selectinload(UnitReport.events),
            selectinload(UnitReport.unit),
        )
        .order_by(UnitReport.first_submitted_at.is_(None), UnitReport.first_submitted_at, UnitReport.id)
    )
    for report in reports:
        found.setdefault((round_of_period[report.period_id], report.unit_id), report)
    return found


def rows_for(plan: Plan, owed: list[OwedReport], today: date) -> list[ReportRow]:
    if not owed:
        return []
    rounds = list({o.round.id: o.round for o in owed}.values())
    reports = reports_of_rounds(rounds)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id))}
    return [
        ReportRow(o.round, units[o.unit_id], o.tasks, reports.get((o.round.id, o.unit_id)), today, o.roles, o.sections)
        for o in owed
    ]


def open_rounds(plan: Plan, today: date) -> list[ReportingRound]:
    """The rounds units can write now or still owe: from REPORT_WINDOW_DAYS before the deadline on."""
    window = current_app.config["REPORT_WINDOW_DAYS"]
    return [r for r in plan_rounds(plan) if is_open_for_reporting(r, today, window)]


def task_report_rows(plan: Plan, task_id: int, today: date) -> list[ReportRow]:
    """The unit reports with a section on the task, for the rounds open for reporting, newest first.
    Worked out from the task's own assignments: a row's `tasks` is the task alone."""
    task = db.session.get(Task, task_id)
    groups = ward_groups(plan.ward_id)
    rows = db.session.execute(
        select(Assignment.task_id, Assignment.unit_id, Assignment.role, Assignment.is_primary).where(
            Assignment.task_id == task_id
        )
    ).all()
    effective = effective_assignments(rows, groups)
    is_leaf = not parent_ids([task_id])
    units = _ward_units(plan)
    owed = []
    for round_ in reversed(open_rounds(plan, today)):
        owing = [(uid, a) for (_tid, uid), a in effective.items() if owes_section(task, is_leaf, a, round_)]
        owing.sort(key=lambda pair: (units[pair[0]].sort_order, pair[0]))
        owed += [OwedReport(round_, uid, [task], {task.id: a.role}) for uid, a in owing]
    return rows_for(plan, owed, today)


def round_report_rows(plan: Plan, round_: ReportingRound, today: date) -> list[ReportRow]:
    """Every unit's report of the round, with the tasks each covers (worked out from the plan)."""
    return rows_for(plan, owed_reports(plan, [round_]), today)


def owed_row(plan: Plan, round_: ReportingRound, unit_id: int, today: date) -> ReportRow | None:
    """The unit's report of the round, if the unit owes one."""
    rows = rows_for(plan, owed_reports(plan, [round_], unit_id=unit_id), today)
    return rows[0] if rows else None


def waiting_by_round(plan: Plan) -> dict[int, int]:
    """Round id (its first period's id) -> reports submitted and waiting for the secretariat's review."""
    counts = dict(
        db.session.execute(
            select(UnitReport.period_id, func.count(UnitReport.id))
            .where(
                UnitReport.period_id.in_([pid for r in plan_rounds(plan) for pid in r.period_ids]),
                UnitReport.status == STATUS_SUBMITTED,
            )
            .group_by(UnitReport.period_id)
        ).all()
    )
    return {
        r.id: sum(counts.get(pid, 0) for pid in r.period_ids)
        for r in plan_rounds(plan)
        if any(counts.get(pid) for pid in r.period_ids)
    }


@dataclass
class ReviewQueue:
    """One row per unit that owes a report in the round, grouped by what the secretariat must do."""

    round: ReportingRound
    rows: list[ReportRow]

    @property
    def waiting(self) -> list[ReportRow]:
        """Submitted and waiting; those first sent late first."""
        return sorted((r for r in self.rows if r.status == STATUS_SUBMITTED), key=lambda r: -r.days_late)

    @property
    def returned(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status == STATUS_RETURNED]

    @property
    def late(self) -> list[ReportRow]:
        return [r for r in self.rows if r.is_late]

    @property
    def not_yet_due(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status in (REPORT_NOT_STARTED, STATUS_DRAFT) and not r.is_late]

    @property
    def accepted(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status == STATUS_ACCEPTED]


# --- pre-filling a report -------------------------------------------------------------------


@dataclass
class SectionSource:
    """What the unit posted on a task during the round: the pre-fill of its section, and the
    evidence the section links to."""

    latest: ProgressUpdate | None
    updates: list[ProgressUpdate]

    @property
    def evidence(self) -> list:
        return [file for update in self.updates for file in update.evidence]

    def prefill(self, task: Task) -> SectionInput:
        def joined(attribute: str) -> str | None:
            seen: list[str] = []
            for update in self.updates:
                text = getattr(update, attribute)
                if text and text not in seen:
                    seen.append(text)
            return "\n".join(seen) or None

        return SectionInput(
            task,
            percent=self.latest.percent if self.latest else None,
            state=self.latest.state if self.latest else None,
            results=joined("results"),
            difficulties=joined("difficulties"),
            proposals=joined("proposals"),
        )


def section_sources(
    round_: ReportingRound, unit_id: int, task_ids: list[int], until: datetime
) -> dict[int, SectionSource]:
    """Task id -> the unit's updates on it from the round's start until `until`, and its latest
    update overall (progress carried over from before the round still stands)."""
    updates = (
        db.session.scalars(
            select(ProgressUpdate)
            .where(
                ProgressUpdate.unit_id == unit_id,
                ProgressUpdate.task_id.in_(task_ids),
                ProgressUpdate.created_at <= until,
            )
            .options(selectinload(ProgressUpdate.evidence))
            .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
        ).all()
        if task_ids
        else []
    )
    sources = {task_id: SectionSource(None, []) for task_id in task_ids}
    for update in updates:
        source = sources[update.task_id]
        source.latest = update
        if ward_date(update.created_at) >= round_.primary.starts_on:
            source.updates.append(update)
    return sources


def report_counts(rounds: list[ReportingRound], today: date) -> dict[tuple[int, int], tuple[int, int]]:
    """(unit_id, round id) -> (reports sent, reports sent by the unit deadline), counting first
    submissions made by the end of `today`: 0 or 1 each, a unit sends one report per round. The
    league table's and the overview's rates are both counted with it."""
    by_id = {r.id: r for r in rounds}
    return {
        (unit_id, round_id): (1, 1 if is_on_time(moment, by_id[round_id]) else 0)
        for (round_id, unit_id), moment in first_submissions(rounds, end_of_day(today)).items()
    }


def first_submissions(rounds: list[ReportingRound], before: datetime | None = None) -> dict[tuple[int, int], datetime]:
    """(round id, unit id) -> when the unit first sent its report of the round (before `before`)."""
    round_of_period = {pid: r.id for r in rounds for pid in r.period_ids}
    if not round_of_period:
        return {}
    query = select(UnitReport.period_id, UnitReport.unit_id, UnitReport.first_submitted_at).where(
        UnitReport.period_id.in_(list(round_of_period)), UnitReport.first_submitted_at.is_not(None)
    )
    if before is not None:
        query = query.where(UnitReport.first_submitted_at < before)
    found: dict[tuple[int, int], datetime] = {}
    for period_id, unit_id, moment in db.session.execute(query):
        moment = aware(moment)
        key = (round_of_period[period_id], unit_id)
        found[key] = min(found.get(key, moment), moment)
    return found


def accepted_sections(
    plan: Plan, before: datetime, task_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], datetime]:
    """(task id, unit id) -> when the unit last sent an accepted report with a section on the task
    (accepted before `before`): an accepted section counts as a sign of life of the task. Every
    task of the plan, or those of `task_ids`."""
    query = (
        select(UnitReportSection.task_id, UnitReport.unit_id, func.max(UnitReport.submitted_at))
        .join(UnitReport, UnitReport.id == UnitReportSection.report_id)
        .join(Task, Task.id == UnitReportSection.task_id)
        .where(Task.plan_id == plan.id, UnitReport.status == STATUS_ACCEPTED, UnitReport.reviewed_at < before)
        .group_by(UnitReportSection.task_id, UnitReport.unit_id)
    )
    if task_ids is not None:
        query = query.where(UnitReportSection.task_id.in_(list(task_ids)))
    rows = db.session.execute(query)
    return {(task_id, unit_id): aware(moment) for task_id, unit_id, moment in rows}
