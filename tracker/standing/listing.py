"""Lists and counts of a plan's tasks read from the stored standings with SQL: a page costs what it
shows (a count, one page of rows and their lead units), whatever the plan's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from tracker.core.pagination import Page, page_number
from tracker.extensions import db
from tracker.plan.models import Milestone, Plan, Task
from tracker.progress import status as rules
from tracker.reports.queries import OwedReport, ReportRow, open_rounds, rows_for
from tracker.standing.models import PlanStanding, StoredLead, StoredOwedReport, StoredStanding
from tracker.standing.stored import LIST_FLAGS, UNIT_COUNTS, is_current, stored_standing, tally_key, unit_tally_key
from tracker.units.models import Unit

FLAGS = LIST_FLAGS  # what a list can be narrowed to besides a status
ORDER_PLAN, ORDER_LATE = "plan", "late"
ORDERS = (ORDER_PLAN, ORDER_LATE)  # how a task list may be sorted: the plan's order, or worst first


@dataclass
class ListedTask:
    """A leaf task in a list: what the list shows of it (the same names as TaskFigures)."""

    task: Task
    standing: rules.TaskStanding | None  # None for a parent task
    percent: Decimal
    expected: Decimal
    primary_units: list[Unit]
    last_update_at: datetime | None


@dataclass(frozen=True)
class TaskFilter:
    """The filters of the dashboard and its task list; None is "any"."""

    section: str | None = None  # a top-level task's code
    unit_id: int | None = None  # a unit that answers for the task
    status: str | None = None
    flag: str | None = None  # a flag (tracker.progress.status.FLAGS) or a rating


def task_filter(filters: dict) -> TaskFilter:
    """The dashboard's filters (tracker.pages.loaders.read_filters) as a TaskFilter."""
    return TaskFilter(
        section=filters["section"],
        unit_id=filters["unit"].id if filters["unit"] else None,
        status=filters["status"],
        flag=filters["flag"],
    )


def flag_clause(flag: str):
    """The SQL form of TaskStanding.has_flag."""
    if flag in rules.RATINGS:
        return StoredStanding.rating == flag
    return {
        rules.BLOCKED: StoredStanding.blocked.is_(True),
        rules.STALE: StoredStanding.stale.is_(True),
        rules.LATE_REPORT: StoredStanding.late_report_due.is_not(None),
        rules.UNASSIGNED: StoredStanding.unassigned.is_(True),
    }[flag]


def overdue_clause():
    """The SQL form of TaskStanding.is_overdue."""
    return StoredStanding.status == rules.IN_PROGRESS_OVERDUE


def _conditions(plan: Plan, chosen: TaskFilter) -> list:
    conditions = [StoredStanding.plan_id == plan.id, StoredStanding.is_leaf.is_(True)]
    if chosen.section:
        section = select(Task.id).where(Task.plan_id == plan.id, Task.parent_id.is_(None), Task.code == chosen.section)
        conditions.append(StoredStanding.section_id.in_(section.scalar_subquery()))
    if chosen.unit_id:
        led = select(StoredLead.task_id).where(
            StoredLead.plan_id == plan.id,
            StoredLead.unit_id == chosen.unit_id,
            StoredLead.task_id == StoredStanding.task_id,
        )
        conditions.append(led.exists())
    if chosen.status:
        conditions.append(StoredStanding.status == chosen.status)
    if chosen.flag:
        conditions.append(flag_clause(chosen.flag))
    return conditions


def _tallied_plan(plan: Plan) -> PlanStanding | None:
    """The plan's stored standing if it has its tallies (current_standings loaded it)."""
    stored = db.session.get(PlanStanding, plan.id)
    return stored if stored is not None and stored.tallies else None


def _tallied(plan: Plan, chosen: TaskFilter, blocked_only: bool = False) -> int | None:
    """The number of matching leaf tasks as the plan's stored tallies have it, when the filter is
    one they count (everything, one status, or one flag; None otherwise): the unfiltered
    dashboard reads its counts from one row, whatever the size of the plan."""
    flag = rules.BLOCKED if blocked_only else chosen.flag
    if chosen.section or chosen.unit_id or (chosen.status and flag) or (blocked_only and chosen.flag):
        return None
    stored = _tallied_plan(plan)
    if stored is None:
        return None
    if chosen.status:
        return stored.tallies.get(tally_key(status=chosen.status))
    if flag:
        return stored.tallies.get(tally_key(flag=flag))
    return stored.tasks


def count_tasks(plan: Plan, chosen: TaskFilter) -> int:
    tallied = _tallied(plan, chosen)
    if tallied is not None:
        return tallied
    return db.session.scalar(select(func.count()).select_from(StoredStanding).where(*_conditions(plan, chosen)))


def matching_ids(plan: Plan, chosen: TaskFilter):
    """The ids of the leaf tasks that match, as a subquery (for `in_`)."""
    return select(StoredStanding.task_id).where(*_conditions(plan, chosen))


def status_counts(plan: Plan, chosen: TaskFilter) -> dict[str, int]:
    """How many of the matching leaf tasks have each status (every status, 0 included)."""
    counts = dict.fromkeys(rules.STATUSES, 0)
    stored = _tallied_plan(plan) if chosen == TaskFilter() else None
    if stored is not None:
        return {status: stored.tallies.get(tally_key(status=status), 0) for status in counts}
    counts.update(
        db.session.execute(
            select(StoredStanding.status, func.count())
            .where(*_conditions(plan, chosen))
            .group_by(StoredStanding.status)
        ).all()
    )
    return counts


def flag_counts(plan: Plan, chosen: TaskFilter) -> dict[str, int]:
    """How many of the matching leaf tasks carry each flag and each rating: one query."""
    stored = _tallied_plan(plan) if chosen == TaskFilter() else None
    if stored is not None:
        return {flag: stored.tallies.get(tally_key(flag=flag), 0) for flag in FLAGS}
    row = db.session.execute(
        select(*(func.coalesce(func.sum(case((flag_clause(flag), 1), else_=0)), 0) for flag in FLAGS)).where(
            *_conditions(plan, chosen)
        )
    ).one()
    return {flag: int(n) for flag, n in zip(FLAGS, row, strict=True)}


@dataclass
class SectionFigures:
    """A top-level task of the plan, rolled up from its leaves (as stored)."""

    task: Task
    percent: Decimal
    expected: Decimal


def section_figures(plan: Plan) -> list[SectionFigures]:
    # The plan's top-level tasks, found from the tasks (an index on their parent), not by reading
    # every stored standing of the plan for those that are their own section.
    rows = db.session.execute(
        select(StoredStanding, Task)
        .join(StoredStanding, StoredStanding.task_id == Task.id)
        .where(Task.plan_id == plan.id, Task.parent_id.is_(None))
        .order_by(StoredStanding.position)
    ).all()
    return [SectionFigures(task, stored.percent, stored.expected) for stored, task in rows]


def _ordering(order: str, chosen: TaskFilter) -> tuple:
    if order == ORDER_LATE and chosen.status == rules.IN_PROGRESS_OVERDUE:
        # Only overdue tasks: the same order, read from the index on (plan, status, days overdue,
        # position) a page at a time, not by sorting all of the plan's overdue tasks.
        return (StoredStanding.days_overdue.desc(), StoredStanding.position)
    if order == ORDER_LATE:
        # Most days overdue first; the rest (and equally late tasks) in the plan's order.
        late = case((overdue_clause(), -StoredStanding.days_overdue), else_=0)
        return (late, StoredStanding.position)
    return (StoredStanding.position,)


def task_page(
    plan: Plan, chosen: TaskFilter, order: str, number: int | None, size: int, blocked_only: bool = False
) -> Page:
    """One page of the plan's leaf tasks that match `chosen` (and are blocked, if `blocked_only`),
    in `order`."""
    conditions = _conditions(plan, chosen) + ([flag_clause(rules.BLOCKED)] if blocked_only else [])
    total = _tallied(plan, chosen, blocked_only)
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(StoredStanding).where(*conditions))
    number = page_number(number, total, size)
    # The page's tasks, then each with its lead units, in one query whether the page is empty or full.
    shown = (
        select(StoredStanding.task_id)
        .where(*conditions)
        .order_by(*_ordering(order, chosen))
        .offset((number - 1) * size)
        .limit(size)
        .subquery()
    )
    rows = db.session.execute(
        select(StoredStanding, Task, Unit)
        .join(shown, shown.c.task_id == StoredStanding.task_id)
        .join(Task, Task.id == StoredStanding.task_id)
        .outerjoin(StoredLead, StoredLead.task_id == StoredStanding.task_id)
        .outerjoin(Unit, Unit.id == StoredLead.unit_id)
        .order_by(*_ordering(order, chosen), StoredLead.sort_order)
    ).all()
    listed: dict[int, tuple] = {}
    for stored, task, unit in rows:
        units = listed.setdefault(task.id, (stored, task, []))[2]
        if unit is not None:
            units.append(unit)
    return Page([_listed(*row) for row in listed.values()], number, size, total)


def every_task(plan: Plan, chosen: TaskFilter, order: str = ORDER_PLAN, batch: int = 1000):
    """Every matching leaf task in `order`, for an export of any size: the tasks are chosen and
    ordered once, then read a batch at a time (a write meanwhile rewrites the stored rows, never
    which tasks the export lists nor their order)."""
    ids = db.session.scalars(
        select(StoredStanding.task_id).where(*_conditions(plan, chosen)).order_by(*_ordering(order, chosen))
    ).all()
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        rows = {
            stored.task_id: (stored, task)
            for stored, task in db.session.execute(
                select(StoredStanding, Task)
                .join(Task, Task.id == StoredStanding.task_id)
                .where(StoredStanding.task_id.in_(chunk))
            )
        }
        leads = _lead_units([task_id for task_id in chunk if task_id in rows])
        for task_id in chunk:
            if task_id in rows:  # a task deleted meanwhile is left out
                stored, task = rows[task_id]
                yield _listed(stored, task, leads.get(task.id, []))


def _lead_units(task_ids: list[int]) -> dict[int, list[Unit]]:
    found: dict[int, list[Unit]] = {}
    if not task_ids:
        return found
    for task_id, unit in db.session.execute(
        select(StoredLead.task_id, Unit)
        .join(Unit, and_(Unit.id == StoredLead.unit_id))
        .where(StoredLead.task_id.in_(task_ids))
        .order_by(StoredLead.task_id, StoredLead.sort_order)
    ):
        found.setdefault(task_id, []).append(unit)
    return found


def positions(task_ids: list[int]) -> dict[int, int]:
    """Each task's place in its plan's order (the stored standings must be current)."""
    if not task_ids:
        return {}
    return dict(
        db.session.execute(
            select(StoredStanding.task_id, StoredStanding.position).where(StoredStanding.task_id.in_(task_ids))
        ).all()
    )


def _listed(stored: StoredStanding, task: Task, units: list[Unit]) -> ListedTask:
    standing = stored_standing(stored) if stored.is_leaf else None
    return ListedTask(task, standing, stored.percent, stored.expected, units, stored.last_update_at)


def stored_figures(plan: Plan, task: Task, today) -> ListedTask | None:
    """One task's stored figures, or None when the plan's standings are not those of `today` (the
    caller then asks the rule: this never writes, so a page re-rendered after a refused post can use it)."""
    fresh = {"populate_existing": True}  # the rows may have been replaced since this session read them
    if not is_current(db.session.get(PlanStanding, plan.id, execution_options=fresh), today):
        return None
    stored = db.session.get(StoredStanding, task.id, execution_options=fresh)
    if stored is None:
        return None
    return _listed(stored, task, _lead_units([task.id]).get(task.id, []))


# What each unit answers for (the league table) -----------------------------------------------------


def led_counts(plan: Plan) -> list[tuple]:
    """Per unit that answers for leaf tasks: (unit id, tasks, on track, overdue, stale), from the
    plan's stored tallies (kept with the standings: current_standings must have run)."""
    stored = _tallied_plan(plan)
    tallies = stored.tallies if stored is not None else {}
    units = sorted({int(key.split(":")[1]) for key in tallies if key.startswith("unit:")})
    return [
        tuple([unit_id] + [tallies.get(unit_tally_key(unit_id, name), 0) for name in UNIT_COUNTS]) for unit_id in units
    ]


def _unsorted(column):
    """A column to partition by, as an expression: SQLite would otherwise read every lead unit of
    the plan in the unit index's order, to save sorting the few rows that match (20,000 rows read
    for 1,500 overdue tasks); as an expression, it starts from the plan's tasks of one status."""
    return column + 0


def longest_overdue(plan: Plan) -> list[tuple]:
    """Per unit: (unit id, task code, first overdue day, days overdue) of its most overdue tasks
    (several when equally late), in the plan's order. Two short reads, each driven by the index of
    the plan's standings by status and days (the grouping and the order are not by an indexed
    column, `_unsorted`, so that no plan makes the planner walk the whole plan instead): each
    unit's most days overdue, then the overdue tasks with those numbers of days."""
    unit_id = _unsorted(StoredLead.unit_id)  # selected as grouped (PostgreSQL wants the same expression)
    longest = dict(
        db.session.execute(
            select(unit_id, func.max(StoredStanding.days_overdue))
            .join(StoredStanding, StoredStanding.task_id == StoredLead.task_id)
            .where(StoredLead.plan_id == plan.id, StoredStanding.plan_id == plan.id, overdue_clause())
            .group_by(unit_id)
        ).all()
    )
    rows = db.session.execute(  # (also when nothing is overdue: a page runs the same queries either way)
        select(StoredLead.unit_id, Task.code, StoredStanding.overdue_since, StoredStanding.days_overdue)
        .join(StoredLead, StoredLead.task_id == StoredStanding.task_id)
        .join(Task, Task.id == StoredStanding.task_id)
        .where(
            StoredStanding.plan_id == plan.id,
            overdue_clause(),
            StoredStanding.days_overdue.in_(sorted(set(longest.values()))),
            StoredLead.plan_id == plan.id,
        )
        .order_by(_unsorted(StoredStanding.position))
    )
    return [tuple(row) for row in rows if longest.get(row.unit_id) == row.days_overdue]


def longest_overdue_milestones(plan: Plan, today):
    """Per unit: (unit id, task code, due date) of the earliest-due overdue milestones of the tasks
    it answers for (several when equally late)."""
    ranked = (
        select(
            StoredLead.unit_id,
            Task.code,
            Milestone.due_on,
            func.min(Milestone.due_on).over(partition_by=_unsorted(StoredLead.unit_id)).label("earliest"),
        )
        .join(Milestone, Milestone.task_id == StoredLead.task_id)
        .join(Task, Task.id == StoredLead.task_id)
        .where(StoredLead.plan_id == plan.id, Milestone.overdue_clause(today))
        .subquery()
    )
    return select(ranked.c.unit_id, ranked.c.code, ranked.c.due_on).where(ranked.c.due_on == ranked.c.earliest)


def owed_in_rounds(plan: Plan, rounds: list, unit_id: int | None = None) -> list[OwedReport]:
    """The unit reports owed in `rounds` (of one unit, or of every unit), round by round in the
    order given and units in the plan's order, as tracker.reports.queries.owed_reports gives them,
    read from the stored ones (which must be current: tracker.standing.stored.current_standings):
    the round, the unit and how many tasks the report covers. A stored row names its round by one
    of the round's periods, whichever way the caller built its rounds."""
    round_of = {period_id: round_ for round_ in rounds for period_id in round_.period_ids}
    if not round_of:
        return []
    query = (
        select(StoredOwedReport.round_id, StoredOwedReport.unit_id, StoredOwedReport.sections)
        .where(StoredOwedReport.plan_id == plan.id, StoredOwedReport.round_id.in_(list(round_of)))
        .order_by(StoredOwedReport.sort_order)
    )
    if unit_id is not None:
        query = query.where(StoredOwedReport.unit_id == unit_id)
    place = {round_.id: order for order, round_ in enumerate(rounds)}
    owed = [
        OwedReport(round_of[round_id], unit, [], sections=sections)
        for round_id, unit, sections in db.session.execute(query)
    ]
    return sorted(owed, key=lambda report: place[report.round.id])  # stable: units stay in order


def unit_report_rows(plan: Plan, unit_id: int, today: date) -> list[ReportRow]:
    """The unit's reports for the rounds open for reporting, newest first, from the stored reports
    owed (which must be current)."""
    rounds = list(reversed(open_rounds(plan, today)))
    return rows_for(plan, owed_in_rounds(plan, rounds, unit_id=unit_id), today)


# The daily scan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredLeaf:
    """A leaf task with something to be told of, as its stored standing says: for the daily scan."""

    task_id: int
    start_on: date | None
    due_on: date | None
    unit_ids: tuple[int, ...]  # the units that answer for it, in the task page's order
    unassigned: bool
    overdue_since: date | None  # set when it is overdue
    stale_since: date | None  # set when it is stale


def leaves_to_tell(plan: Plan, today: date) -> list[StoredLeaf]:
    """The plan's leaf tasks that are unassigned, overdue or stale, or have a milestone overdue on
    `today`, in the plan's order, read from the stored standings (which must be current) as plain
    rows: what the daily scan's task alerts are made of, two queries whatever the plan's size."""
    units: dict[int, list[int]] = {}
    for task_id, unit_id in db.session.execute(
        select(StoredLead.task_id, StoredLead.unit_id)
        .where(StoredLead.plan_id == plan.id)
        .order_by(StoredLead.task_id, StoredLead.sort_order)
    ):
        units.setdefault(task_id, []).append(unit_id)
    overdue = overdue_clause()
    milestone_overdue = (
        select(Milestone.id)
        .where(Milestone.task_id == StoredStanding.task_id, Milestone.overdue_clause(today))
        .exists()
    )
    rows = db.session.execute(
        select(
            StoredStanding.task_id,
            Task.start_on,
            Task.due_on,
            StoredStanding.unassigned,
            overdue.label("overdue"),
            StoredStanding.overdue_since,
            StoredStanding.stale,
            StoredStanding.stale_since,
        )
        .join(Task, Task.id == StoredStanding.task_id)
        .where(
            StoredStanding.plan_id == plan.id,
            StoredStanding.is_leaf.is_(True),
            or_(flag_clause(rules.UNASSIGNED), overdue, flag_clause(rules.STALE), milestone_overdue),
        )
        .order_by(StoredStanding.position)
    )
    return [
        StoredLeaf(
            row.task_id,
            row.start_on,
            row.due_on,
            tuple(units.get(row.task_id, ())),
            row.unassigned,
            row.overdue_since if row.overdue else None,
            row.stale_since if row.stale else None,
        )
        for row in rows
    ]


def overdue_milestones(plan: Plan, today: date) -> dict[int, list[Milestone]]:
    """Task id -> its milestones past their due date on `today` (Milestone.overdue_clause)."""
    found: dict[int, list[Milestone]] = {}
    for milestone in db.session.scalars(
        select(Milestone)
        .join(Task, Task.id == Milestone.task_id)
        .where(Task.plan_id == plan.id, Milestone.overdue_clause(today))
        .order_by(Milestone.task_id, Milestone.sort_order)
    ):
        found.setdefault(milestone.task_id, []).append(milestone)
    return found
