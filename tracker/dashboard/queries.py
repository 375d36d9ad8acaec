"""The plan as it stands on a given day: every task's status, flags and rolled-up progress.

`plan_snapshot` runs a fixed number of SQL queries whatever the number of tasks, units and
updates: the plan's structure is loaded once, each unit's latest update per task is picked in SQL
(a window function), and the status rule (tracker.progress.status) is applied to the result.
Passing an earlier `today` gives the plan as it stood on that day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from tracker.core.time import aware, end_of_day, ward_date
from tracker.discussion.models import Comment
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.periods.services import ReportingRound, is_past_due
from tracker.plan.models import ROLE_LEAD, Plan, Task
from tracker.plan.queries import TaskNode, task_lacks_lead, task_tree
from tracker.progress import status as rules
from tracker.progress.models import STATE_DONE, ProgressUpdate
from tracker.reports.queries import first_submissions
from tracker.reports.services import owes_section
from tracker.units.models import Unit
from tracker.units.services import EffectiveAssignment, effective_assignments, ward_groups


@dataclass
class TaskView:
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
    views: dict[int, TaskView]
    effective: dict[tuple[int, int], EffectiveAssignment]
    units: dict[int, Unit]
    percent: Decimal = Decimal(0)
    expected: Decimal = Decimal(0)

    @property
    def sections(self) -> list[TaskView]:
        return [self.views[node.task.id] for node in self.tree]

    def section_of(self, task_id: int) -> TaskView:
        for node in self.tree:
            if any(n.task.id == task_id for n in node.walk()):
                return self.views[node.task.id]
        raise KeyError(task_id)

    @property
    def leaves(self) -> list[TaskView]:
        return [self.views[n.task.id] for section in self.tree for n in section.walk() if n.is_leaf]

    def led_by(self, unit_id: int) -> list[TaskView]:
        """Leaf tasks the unit answers for (it is, or belongs to, the primary lead)."""
        return [v for v in self.leaves if any(u.id == unit_id for u in v.primary_units)]


def _latest_lead_updates(plan: Plan, before: datetime) -> dict[tuple[int, int], tuple]:
    """(task_id, unit_id) -> (percent, state, created_at) of each unit's latest lead update."""
    ranked = (
        select(
            ProgressUpdate.task_id, ProgressUpdate.unit_id, ProgressUpdate.percent, ProgressUpdate.state,
            ProgressUpdate.created_at,
            func.row_number().over(
                partition_by=(ProgressUpdate.task_id, ProgressUpdate.unit_id),
                order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
            ).label("rank"),
        )
        .join(Task, Task.id == ProgressUpdate.task_id)
        .where(Task.plan_id == plan.id, ProgressUpdate.role == ROLE_LEAD, ProgressUpdate.created_at < before)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.task_id, ranked.c.unit_id, ranked.c.percent, ranked.c.state, ranked.c.created_at).where(ranked.c.rank == 1)
    )
    return {(r.task_id, r.unit_id): (r.percent, r.state, aware(r.created_at)) for r in rows}


def _done_since(plan: Plan, before: datetime) -> dict[tuple[int, int], datetime]:
    """(task_id, unit_id) -> when the unit first said "done" after its last not-done update."""
    last_open = (
        select(ProgressUpdate.task_id, ProgressUpdate.unit_id, func.max(ProgressUpdate.created_at).label("last_open"))
        .where(ProgressUpdate.state != STATE_DONE, ProgressUpdate.created_at < before)
        .group_by(ProgressUpdate.task_id, ProgressUpdate.unit_id)
        .subquery()
    )
    rows = db.session.execute(
        select(ProgressUpdate.task_id, ProgressUpdate.unit_id, func.min(ProgressUpdate.created_at).label("done_at"))
        .join(Task, Task.id == ProgressUpdate.task_id)
        .outerjoin(last_open, and_(last_open.c.task_id == ProgressUpdate.task_id, last_open.c.unit_id == ProgressUpdate.unit_id))
        .where(
            Task.plan_id == plan.id, ProgressUpdate.role == ROLE_LEAD, ProgressUpdate.state == STATE_DONE,
            ProgressUpdate.created_at < before,
            or_(last_open.c.last_open.is_(None), ProgressUpdate.created_at > last_open.c.last_open),
        )
        .group_by(ProgressUpdate.task_id, ProgressUpdate.unit_id)
    )
    return {(r.task_id, r.unit_id): aware(r.done_at) for r in rows}


def plan_snapshot(plan: Plan, today: date) -> PlanSnapshot:
    before = end_of_day(today)
    tree = task_tree(plan)
    groups = ward_groups(plan.ward_id)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id))}
    nodes = [n for section in tree for n in section.walk()]
    effective = effective_assignments([a for n in nodes for a in n.task.assignments], groups)
    primary: dict[int, list[int]] = {}
    for (task_id, unit_id), assignment in effective.items():
        if assignment.role == ROLE_LEAD and assignment.is_primary:
            primary.setdefault(task_id, []).append(unit_id)
    latest = _latest_lead_updates(plan, before)
    done_since = _done_since(plan, before)
    rounds = [r for r in plan_rounds(plan) if is_past_due(r, today)]
    sent = set(first_submissions(rounds, before))
    stale_after = current_app.config["STALE_AFTER_DAYS"]
    plan_start, plan_end = date(plan.start_year, 1, 1), date(plan.end_year, 12, 31)

    views: dict[int, TaskView] = {}

    def build(node: TaskNode) -> TaskView:
        task = node.task
        if node.children:
            children = [build(child) for child in node.children]
            view = TaskView(
                node,
                rules.weighted_mean([(c.percent, c.task.weight) for c in children]),
                rules.weighted_mean([(c.expected, c.task.weight) for c in children]),
            )
        else:
            unit_ids = sorted(primary.get(task.id, []), key=lambda uid: units[uid].sort_order)
            # The primary lead's latest update; with a group as lead, the latest of its members.
            candidates = [(latest[(task.id, uid)], uid) for uid in unit_ids if (task.id, uid) in latest]
            newest, newest_unit = max(candidates, key=lambda c: c[0][2]) if candidates else (None, None)
            missed = None
            if task.start_on is None and task.due_on is None:
                for round_ in rounds:
                    for uid in unit_ids:
                        if owes_section(task, True, effective[(task.id, uid)], round_) and (round_.id, uid) not in sent:
                            missed = round_.unit_deadline if missed is None else min(missed, round_.unit_deadline)
            facts = rules.TaskFacts(
                start_on=task.start_on, due_on=task.due_on,
                window_start=task.start_on or plan_start, window_end=task.due_on or plan_end,
                latest_percent=newest[0] if newest else None, latest_state=newest[1] if newest else None,
                latest_on=ward_date(newest[2]) if newest else None,
                done_on=ward_date(done_since[(task.id, newest_unit)]) if newest and (task.id, newest_unit) in done_since else None,
                missed_report_deadline=missed,
            )
            standing = rules.task_standing(facts, today, stale_after)
            view = TaskView(node, standing.percent, standing.expected, standing, [units[uid] for uid in unit_ids],
                            newest[2] if newest else None)
        views[task.id] = view
        return view

    sections = [build(node) for node in tree]
    snapshot = PlanSnapshot(plan, today, tree, views, effective, units)
    snapshot.percent = rules.weighted_mean([(s.percent, s.task.weight) for s in sections])
    snapshot.expected = rules.weighted_mean([(s.expected, s.task.weight) for s in sections])
    return snapshot


# --- what the dashboard shows ---------------------------------------------------------------


def status_counts(views: list[TaskView]) -> dict[str, int]:
    counts = {status: 0 for status in rules.STATUSES}
    for view in views:
        counts[view.standing.status] += 1
    return counts


FLAGS = ("blocked", "stale", "unassigned") + rules.RATINGS


def has_flag(view: TaskView, flag: str) -> bool:
    if flag == "blocked":
        return view.standing.blocked
    if flag == "stale":
        return view.standing.stale
    if flag == "unassigned":
        return task_lacks_lead(view.is_leaf, view.primary_units)
    return view.standing.rating == flag


def flag_counts(views: list[TaskView]) -> dict[str, int]:
    return {flag: sum(1 for v in views if has_flag(v, flag)) for flag in FLAGS}


def filter_views(snapshot: PlanSnapshot, section: str | None = None, unit_id: int | None = None,
                 status: str | None = None, flag: str | None = None) -> list[TaskView]:
    """The leaf tasks behind a number on the dashboard."""
    result = []
    for view in snapshot.leaves:
        if section and snapshot.section_of(view.task.id).task.code != section:
            continue
        if unit_id and not any(u.id == unit_id for u in view.primary_units):
            continue
        if status and view.standing.status != status:
            continue
        if flag and not has_flag(view, flag):
            continue
        result.append(view)
    return result


def overdue_worst_first(views: list[TaskView]) -> list[TaskView]:
    """Most days overdue first; equally late tasks keep the plan's order (the sort is stable)."""
    return sorted((v for v in views if v.standing.is_overdue), key=lambda v: -v.standing.days_overdue)


def latest_updates(plan: Plan, limit: int = 15, task_ids: list[int] | None = None, unit_id: int | None = None) -> list[ProgressUpdate]:
    query = (
        select(ProgressUpdate)
        .join(Task, Task.id == ProgressUpdate.task_id)
        .where(Task.plan_id == plan.id)
        .options(selectinload(ProgressUpdate.unit), selectinload(ProgressUpdate.author), selectinload(ProgressUpdate.task))
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
        .limit(limit)
    )
    if task_ids is not None:
        query = query.where(ProgressUpdate.task_id.in_(task_ids))
    if unit_id is not None:
        query = query.where(ProgressUpdate.unit_id == unit_id)
    return db.session.scalars(query).all()


@dataclass
class BlockedTask:
    view: TaskView
    update: ProgressUpdate
    answered: bool


def blocked_tasks(views: list[TaskView]) -> list[BlockedTask]:
    """Blocked tasks with what the lead unit raised, and whether the committee has answered
    (a comment on the task after the blocking update)."""
    blocked = [v for v in views if v.standing.blocked]
    if not blocked:
        return []
    ids = [v.task.id for v in blocked]
    ranked = (
        select(ProgressUpdate.id, func.row_number().over(
            partition_by=ProgressUpdate.task_id, order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
        ).label("rank"))
        .where(ProgressUpdate.task_id.in_(ids), ProgressUpdate.role == ROLE_LEAD, ProgressUpdate.state == "blocked")
        .subquery()
    )
    updates = {
        u.task_id: u
        for u in db.session.scalars(
            select(ProgressUpdate).join(ranked, ranked.c.id == ProgressUpdate.id).where(ranked.c.rank == 1)
            .options(selectinload(ProgressUpdate.unit))
        )
    }
    last_comment = dict(db.session.execute(
        select(Comment.task_id, func.max(Comment.created_at)).where(Comment.task_id.in_(ids)).group_by(Comment.task_id)
    ).all())
    result = []
    for view in blocked:
        update = updates.get(view.task.id)
        if update is None:
            continue
        commented = aware(last_comment.get(view.task.id))
        result.append(BlockedTask(view, update, commented is not None and commented > update.created_at))
    return result
