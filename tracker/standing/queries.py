"""The plan as it stands on a given day: every task's status, flags and rolled-up progress.

This is the one place that gathers the facts a task is judged on (the primary lead's updates, its
unit reports, who answers for it) and applies the status rule (tracker.progress.status) to them.
The dashboard, the alerts, the league table, the ward report and the task page all read it.

`plan_snapshot` runs a fixed number of SQL queries whatever the number of tasks, units and
updates: the plan's structure is loaded once, each unit's latest update per task is picked in SQL
(a window function). Passing an earlier `today` gives the plan as it stood on that day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, func, or_, select

from tracker.core.time import aware, end_of_day, ward_date
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.periods.services import is_past_due
from tracker.plan.assignments import EffectiveAssignment, effective_assignments
from tracker.plan.models import ROLE_LEAD, Plan, Task
from tracker.plan.queries import (
    TaskNode,
    parent_ids,
    plan_assignment_rows,
    plan_milestones,
    plan_tasks_alone,
    task_tree,
)
from tracker.progress import status as rules
from tracker.progress.models import STATE_DONE, ProgressUpdate
from tracker.reports.queries import accepted_sections, first_submissions
from tracker.reports.services import owes_section
from tracker.units.models import Unit
from tracker.units.services import ward_groups


@dataclass
class TaskFigures:
    """A task's figures on a day: its percent and expected percent (a parent's rolled up from its
    children), and for a leaf its standing (status, flags, days late)."""

    node: TaskNode
    percent: Decimal
    expected: Decimal
    standing: rules.TaskStanding | None = None  # leaves only
    primary_units: list[Unit] = field(default_factory=list)
    last_update_at: datetime | None = None

    @property
    def task(self) -> Task:
        return self.node.task

    @property
    def is_leaf(self) -> bool:
        return self.node.is_leaf


@dataclass
class PlanSnapshot:
    plan: Plan
    today: date
    tree: list[TaskNode]
    figures: dict[int, TaskFigures]  # task id -> its figures and standing
    effective: dict[tuple[int, int], EffectiveAssignment]
    units: dict[int, Unit]
    percent: Decimal = Decimal(0)
    expected: Decimal = Decimal(0)
    _led: dict[int, list[TaskFigures]] | None = field(default=None, repr=False)
    milestones: dict[int, list] = field(default_factory=dict)  # task id -> its milestones

    def milestones_of(self, task_id: int) -> list:
        return self.milestones.get(task_id, [])

    @property
    def sections(self) -> list[TaskFigures]:
        return [self.figures[node.task.id] for node in self.tree]

    def section_of(self, task_id: int) -> TaskFigures:
        for node in self.tree:
            if any(n.task.id == task_id for n in node.walk()):
                return self.figures[node.task.id]
        raise KeyError(task_id)

    @property
    def leaves(self) -> list[TaskFigures]:
        return [self.figures[n.task.id] for section in self.tree for n in section.walk() if n.is_leaf]

    def led_by(self, unit_id: int) -> list[TaskFigures]:
        """Leaf tasks the unit answers for (it is, or belongs to, the primary lead)."""
        if self._led is None:
            self._led = {}
            for view in self.leaves:
                for unit in view.primary_units:
                    self._led.setdefault(unit.id, []).append(view)
        return self._led.get(unit_id, [])

    @property
    def tasks(self) -> list[Task]:
        """Every task of the plan, in the plan's order (parents before their children)."""
        return [n.task for section in self.tree for n in section.walk()]


def _latest_lead_updates(plan: Plan, before: datetime, task_ids: list[int] | None) -> dict[tuple[int, int], tuple]:
    """(task_id, unit_id) -> (percent, state, created_at) of each unit's latest lead update (on
    every task of the plan, or on those of `task_ids`)."""
    ranked = (
        select(
            ProgressUpdate.task_id,
            ProgressUpdate.unit_id,
            ProgressUpdate.percent,
            ProgressUpdate.state,
            ProgressUpdate.created_at,
            func.row_number()
            .over(
                partition_by=(ProgressUpdate.task_id, ProgressUpdate.unit_id),
                order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
            )
            .label("rank"),
        )
        .join(Task, Task.id == ProgressUpdate.task_id)
        .where(Task.plan_id == plan.id, ProgressUpdate.role == ROLE_LEAD, ProgressUpdate.created_at < before)
        .where(*_among(task_ids))
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.task_id, ranked.c.unit_id, ranked.c.percent, ranked.c.state, ranked.c.created_at).where(
            ranked.c.rank == 1
        )
    )
    return {(r.task_id, r.unit_id): (r.percent, r.state, aware(r.created_at)) for r in rows}


def _among(task_ids: list[int] | None) -> tuple:
    """A condition to the updates of those tasks (none: every task)."""
    return () if task_ids is None else (ProgressUpdate.task_id.in_(task_ids),)


def _done_since(plan: Plan, before: datetime, task_ids: list[int] | None) -> dict[tuple[int, int], datetime]:
    """(task_id, unit_id) -> when the unit first said "done" after its last not-done update."""
    last_open = (
        select(ProgressUpdate.task_id, ProgressUpdate.unit_id, func.max(ProgressUpdate.created_at).label("last_open"))
        .join(Task, Task.id == ProgressUpdate.task_id)
        .where(Task.plan_id == plan.id, ProgressUpdate.state != STATE_DONE, ProgressUpdate.created_at < before)
        .where(*_among(task_ids))
        .group_by(ProgressUpdate.task_id, ProgressUpdate.unit_id)
        .subquery()
    )
    rows = db.session.execute(
        select(ProgressUpdate.task_id, ProgressUpdate.unit_id, func.min(ProgressUpdate.created_at).label("done_at"))
        .join(Task, Task.id == ProgressUpdate.task_id)
        .outerjoin(
            last_open,
            and_(last_open.c.task_id == ProgressUpdate.task_id, last_open.c.unit_id == ProgressUpdate.unit_id),
        )
        .where(
            Task.plan_id == plan.id,
            ProgressUpdate.role == ROLE_LEAD,
            ProgressUpdate.state == STATE_DONE,
            ProgressUpdate.created_at < before,
            or_(last_open.c.last_open.is_(None), ProgressUpdate.created_at > last_open.c.last_open),
            *_among(task_ids),
        )
        .group_by(ProgressUpdate.task_id, ProgressUpdate.unit_id)
    )
    return {(r.task_id, r.unit_id): aware(r.done_at) for r in rows}


@dataclass
class _PlanFacts:
    """What the plan's leaf tasks are judged on, read once for the whole plan."""

    today: date
    units: dict[int, Unit]
    effective: dict[tuple[int, int], EffectiveAssignment]
    primary: dict[int, list[int]]  # task id -> the ids of its primary lead units
    latest: dict[tuple[int, int], tuple]
    done_since: dict[tuple[int, int], datetime]
    reported: dict
    rounds: list
    sent: set
    stale_after: int
    plan_start: date
    plan_end: date


def plan_snapshot(plan: Plan, today: date, for_pages: bool = True) -> PlanSnapshot:
    """The plan as it stands on `today`. Pages read the tasks with their units and milestones
    loaded (`for_pages`); the daily scan, which renders nothing, reads them as plain rows, which
    costs a fraction of building every assignment as an object."""
    before = end_of_day(today)
    groups = ward_groups(plan.ward_id)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id))}
    tree, rows, milestones = _plan_structure(plan, for_pages)
    effective = effective_assignments(rows, groups)
    facts = _plan_facts(plan, today, before, units, effective)
    figures: dict[int, TaskFigures] = {}
    sections = [_task_figures(node, facts, figures) for node in tree]
    snapshot = PlanSnapshot(plan, today, tree, figures, effective, units, milestones=milestones)
    snapshot.percent = rules.weighted_mean([(s.percent, s.task.weight) for s in sections])
    snapshot.expected = rules.weighted_mean([(s.expected, s.task.weight) for s in sections])
    return snapshot


def leaf_figures(plan: Plan, task_ids: set[int], today: date) -> dict[int, TaskFigures] | None:
    """The figures of those of the plan's tasks that are leaves on `today`, judged as
    `plan_snapshot` judges them but reading their facts alone (a write that changed only their
    updates); a parent's are its children's, which its own updates do not change. None when one
    of the tasks is not the plan's."""
    tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id, Task.id.in_(task_ids))).all()
    if len(tasks) != len(task_ids):
        return None
    parents = parent_ids(task_ids)
    tasks = [task for task in tasks if task.id not in parents]
    ids = [task.id for task in tasks]
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id))}
    effective = effective_assignments(plan_assignment_rows(plan, ids), ward_groups(plan.ward_id))
    facts = _plan_facts(plan, today, end_of_day(today), units, effective, ids)
    return {task.id: _leaf_figures(TaskNode(task, depth=0), facts) for task in tasks}


def _plan_structure(plan: Plan, for_pages: bool) -> tuple[list[TaskNode], list, dict[int, list]]:
    """The task tree, the assignment rows and each task's milestones: as loaded objects for pages,
    as plain rows otherwise."""
    if for_pages:
        tree = task_tree(plan)
        nodes = [n for section in tree for n in section.walk()]
        rows = [a for n in nodes for a in n.task.assignments]
        milestones = {n.task.id: list(n.task.milestones) for n in nodes}
    else:
        tree = task_tree(plan, plan_tasks_alone(plan))
        rows, milestones = plan_assignment_rows(plan), plan_milestones(plan)
    return tree, rows, milestones


def _plan_facts(
    plan: Plan,
    today: date,
    before: datetime,
    units: dict[int, Unit],
    effective: dict[tuple[int, int], EffectiveAssignment],
    task_ids: list[int] | None = None,
) -> _PlanFacts:
    """Who leads each task, the leads' latest updates, the sections accepted and the past rounds'
    reports sent before `before`: for every task of the plan, or for those of `task_ids`."""
    primary: dict[int, list[int]] = {}
    for (task_id, unit_id), assignment in effective.items():
        if assignment.role == ROLE_LEAD and assignment.is_primary:
            primary.setdefault(task_id, []).append(unit_id)
    latest = _latest_lead_updates(plan, before, task_ids)
    done_since = _done_since(plan, before, task_ids)
    reported = accepted_sections(plan, before, task_ids)
    rounds = [r for r in plan_rounds(plan) if is_past_due(r, today)]
    sent = set(first_submissions(rounds, before))
    return _PlanFacts(
        today=today,
        units=units,
        effective=effective,
        primary=primary,
        latest=latest,
        done_since=done_since,
        reported=reported,
        rounds=rounds,
        sent=sent,
        stale_after=current_app.config["STALE_AFTER_DAYS"],
        plan_start=date(plan.start_year, 1, 1),
        plan_end=date(plan.end_year, 12, 31),
    )


def _task_figures(node: TaskNode, facts: _PlanFacts, figures: dict[int, TaskFigures]) -> TaskFigures:
    """The task's figures, and (into `figures`) those of the tasks below it: a parent's percent and
    expected percent are its children's, weighted; a leaf is judged on its facts."""
    task = node.task
    if node.children:
        children = [_task_figures(child, facts, figures) for child in node.children]
        found = TaskFigures(
            node,
            rules.weighted_mean([(c.percent, c.task.weight) for c in children]),
            rules.weighted_mean([(c.expected, c.task.weight) for c in children]),
        )
    else:
        found = _leaf_figures(node, facts)
    figures[task.id] = found
    return found


def _leaf_figures(node: TaskNode, facts: _PlanFacts) -> TaskFigures:
    """A leaf task as the status rule judges it, on its primary lead's updates and reports."""
    task = node.task
    unit_ids = sorted(facts.primary.get(task.id, []), key=lambda uid: facts.units[uid].sort_order)
    # The primary lead's latest update; with a group as lead, the latest of its members.
    candidates = [(facts.latest[(task.id, uid)], uid) for uid in unit_ids if (task.id, uid) in facts.latest]
    newest, newest_unit = max(candidates, key=lambda c: c[0][2]) if candidates else (None, None)
    late_due = _late_report_due(task, unit_ids, facts)
    reported_on = max(
        (facts.reported[(task.id, uid)] for uid in unit_ids if (task.id, uid) in facts.reported), default=None
    )
    task_facts = rules.TaskFacts(
        start_on=task.start_on,
        due_on=task.due_on,
        window_start=task.start_on or facts.plan_start,
        window_end=task.due_on or facts.plan_end,
        latest_percent=newest[0] if newest else None,
        latest_state=newest[1] if newest else None,
        latest_on=ward_date(newest[2]) if newest else None,
        done_on=ward_date(facts.done_since[(task.id, newest_unit)])
        if newest and (task.id, newest_unit) in facts.done_since
        else None,
        reported_on=ward_date(reported_on) if reported_on else None,
        late_report_due=late_due,
        unassigned=not unit_ids,
    )
    standing = rules.task_standing(task_facts, facts.today, facts.stale_after)
    return TaskFigures(
        node,
        standing.percent,
        standing.expected,
        standing,
        [facts.units[uid] for uid in unit_ids],
        newest[2] if newest else None,
    )


def _late_report_due(task: Task, unit_ids: list[int], facts: _PlanFacts) -> date | None:
    """The earliest unit deadline of a past round whose report, owed by the primary lead and
    covering the task, was not sent."""
    return min(
        (
            round_.unit_deadline
            for round_ in facts.rounds
            for uid in unit_ids
            if (round_.id, uid) not in facts.sent and owes_section(task, True, facts.effective[(task.id, uid)], round_)
        ),
        default=None,
    )


def status_counts(views: list[TaskFigures]) -> dict[str, int]:
    counts = {status: 0 for status in rules.STATUSES}
    for view in views:
        counts[view.standing.status] += 1
    return counts
