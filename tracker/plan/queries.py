"""Read-only views of a plan: its task tree and who is assigned to what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.plan.models import ROLE_LEAD, ROLE_PARTNER, Assignment, Milestone, Plan, Task
from tracker.units.models import Unit


@dataclass
class TaskNode:
    task: Task
    depth: int
    children: list[TaskNode] = field(default_factory=list)

    @property
    def leads(self) -> list[Assignment]:
        leads = [a for a in self.task.assignments if a.role == ROLE_LEAD]
        return sorted(leads, key=lambda a: (not a.is_primary, a.sort_order))

    @property
    def partners(self) -> list[Assignment]:
        return [a for a in self.task.assignments if a.role == ROLE_PARTNER]

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def unassigned(self) -> bool:
        return task_lacks_lead(self.is_leaf, [a.unit for a in self.leads])

    @property
    def lead_groups_without_members(self) -> list:
        """Lead unit groups that nobody belongs to yet (why a task with a lead can be unassigned)."""
        return [a.unit for a in self.leads if not unit_answers(a.unit)]

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def unit_answers(unit) -> bool:
    """A unit can answer for a task: a unit, or a unit group with members."""
    return not unit.is_group or bool(unit.members)


def task_lacks_lead(is_leaf: bool, lead_units: list) -> bool:
    """A task that someone must carry out (a leaf) and that no unit answers for: no lead unit,
    or only lead groups with no members yet ("chưa phân công"). A parent is carried by its
    children."""
    return is_leaf and not any(unit_answers(unit) for unit in lead_units)


def _with_units_and_milestones(query):
    return query.options(
        selectinload(Task.assignments).joinedload(Assignment.unit).selectinload(Unit.members),
        selectinload(Task.milestones),
    )


def plan_tasks(plan: Plan) -> list[Task]:
    """The plan's tasks with their units and milestones, in the plan's order (a parent, then its
    children, then the next sibling)."""
    tasks = db.session.scalars(
        _with_units_and_milestones(select(Task).where(Task.plan_id == plan.id)).order_by(Task.sort_order, Task.id)
    ).all()
    return in_tree_order(tasks)


def task_subtree(plan: Plan, code: str) -> TaskNode | None:
    """One task with the tasks below it (units and milestones loaded), read level by level: a
    task's page costs what is under it, not the whole plan."""
    task = db.session.scalar(_with_units_and_milestones(select(Task).where(Task.plan_id == plan.id, Task.code == code)))
    if task is None:
        return None
    depth, parent = 0, task.parent
    while parent is not None:
        depth, parent = depth + 1, parent.parent
    root = TaskNode(task, depth)
    level = {task.id: root}
    while level:
        children = db.session.scalars(
            _with_units_and_milestones(select(Task).where(Task.parent_id.in_(list(level)))).order_by(
                Task.sort_order, Task.id
            )
        ).all()
        below = {}
        for child in children:
            node = TaskNode(child, level[child.parent_id].depth + 1)
            level[child.parent_id].children.append(node)
            below[child.id] = node
        level = below
    return root


def in_tree_order(tasks: list[Task]) -> list[Task]:
    by_parent: dict[int | None, list[Task]] = {}
    for task in tasks:
        by_parent.setdefault(task.parent_id, []).append(task)
    ordered: list[Task] = []

    def visit(parent_id):
        for task in by_parent.get(parent_id, []):
            ordered.append(task)
            visit(task.id)

    visit(None)
    return ordered


def plan_tasks_alone(plan: Plan) -> list[Task]:
    """The plan's tasks in the plan's order, nothing loaded with them: for the daily scan, which
    reads assignments and milestones as rows (plan_assignment_rows, plan_milestones)."""
    tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.sort_order, Task.id)).all()
    return in_tree_order(tasks)


def plan_order(plan: Plan) -> dict[int, int]:
    """Task id -> its place in the plan's order, from plain rows (no task loaded)."""
    rows = db.session.execute(
        select(Task.id, Task.parent_id).where(Task.plan_id == plan.id).order_by(Task.sort_order, Task.id)
    ).all()
    return {task.id: place for place, task in enumerate(in_tree_order(rows))}


def parent_ids(task_ids: Iterable[int]) -> set[int]:
    """Those of the tasks that have tasks below them."""
    ids = list(task_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Task.parent_id).where(Task.parent_id.in_(ids)).distinct()))


def plan_assignment_rows(plan: Plan, task_ids: Iterable[int] | None = None) -> list:
    """(task_id, unit_id, role, is_primary) of every assignment of the plan (or of those of its
    tasks), as plain rows."""
    query = (
        select(Assignment.task_id, Assignment.unit_id, Assignment.role, Assignment.is_primary)
        .join(Task, Task.id == Assignment.task_id)
        .where(Task.plan_id == plan.id)
        .order_by(Assignment.task_id, Assignment.sort_order)
    )
    if task_ids is not None:
        query = query.where(Assignment.task_id.in_(list(task_ids)))
    return db.session.execute(query).all()


def plan_milestones(plan: Plan) -> dict[int, list[Milestone]]:
    """Task id -> its milestones."""
    found: dict[int, list[Milestone]] = {}
    for milestone in db.session.scalars(
        select(Milestone)
        .join(Task, Task.id == Milestone.task_id)
        .where(Task.plan_id == plan.id)
        .order_by(Milestone.sort_order)
    ):
        found.setdefault(milestone.task_id, []).append(milestone)
    return found


def task_tree(plan: Plan, tasks: list[Task] | None = None) -> list[TaskNode]:
    """The plan's sections, each with its task tree, in the plan's order (from `tasks` when given,
    in the plan's order)."""
    tasks = plan_tasks(plan) if tasks is None else tasks
    by_parent: dict[int | None, list[Task]] = {}
    for task in tasks:
        by_parent.setdefault(task.parent_id, []).append(task)

    def build(task: Task, depth: int) -> TaskNode:
        node = TaskNode(task, depth)
        node.children = [build(child, depth + 1) for child in by_parent.get(task.id, [])]
        return node

    return [build(task, 0) for task in by_parent.get(None, [])]
