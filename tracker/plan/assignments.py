"""Who answers for a task: its assignments, expanded through unit groups (an assignment to a group
is an assignment to each of its members), and what each unit leads and supports in a plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from tracker.extensions import db
from tracker.plan.models import ROLE_LEAD, Assignment, Plan, Task
from tracker.plan.queries import plan_tasks
from tracker.units.models import Unit
from tracker.units.queries import ward_units
from tracker.units.services import stands_for, ward_groups


@dataclass(frozen=True)
class EffectiveAssignment:
    """A real unit's role on a task, after group expansion."""

    task_id: int
    unit_id: int
    role: str
    is_primary: bool
    via_group_id: int | None  # the group the role comes through; None when named directly


def _strength(assignment: EffectiveAssignment) -> tuple:
    # Lead beats partner, the primary lead beats a co-lead, being named beats membership.
    return (assignment.role == ROLE_LEAD, assignment.is_primary, assignment.via_group_id is None)


def effective_assignments(
    assignments: Iterable, groups: dict[int, list[int]]
) -> dict[tuple[int, int], EffectiveAssignment]:
    """The role each real unit holds on each task, keyed by (task_id, unit_id).

    `assignments` are Assignment-like rows (task_id, unit_id, role, is_primary). A unit that is
    named as lead and also belongs to a partner group is a lead: the strongest role wins."""
    assignments = list(assignments)
    expansion = stands_for(groups, {a.unit_id for a in assignments})
    best: dict[tuple[int, int], EffectiveAssignment] = {}
    for a in assignments:
        via = a.unit_id if a.unit_id in groups else None
        for unit_id in expansion[a.unit_id]:
            candidate = EffectiveAssignment(a.task_id, unit_id, a.role, a.is_primary, via)
            key = (a.task_id, unit_id)
            if key not in best or _strength(candidate) > _strength(best[key]):
                best[key] = candidate
    return best


@dataclass
class UnitTask:
    task: Task
    assignment: EffectiveAssignment


@dataclass
class UnitWork:
    unit: Unit
    leads: list[UnitTask] = field(default_factory=list)
    supports: list[UnitTask] = field(default_factory=list)


def plan_workload(plan: Plan) -> dict[int, UnitWork]:
    """For every unit of the plan's ward: the tasks it leads and supports. A real unit's list
    includes what it holds through its groups; a group's list is what the plan names it for."""
    units = ward_units(plan.ward_id)
    tasks = plan_tasks(plan)
    groups = ward_groups(plan.ward_id)
    task_by_id = {t.id: t for t in tasks}
    work = {unit.id: UnitWork(unit) for unit in units}
    assignments = [a for t in tasks for a in t.assignments]

    for effective in effective_assignments(assignments, groups).values():
        entry = UnitTask(task_by_id[effective.task_id], effective)
        bucket = work[effective.unit_id].leads if effective.role == ROLE_LEAD else work[effective.unit_id].supports
        bucket.append(entry)
    for a in assignments:
        if a.unit_id in groups:
            direct = EffectiveAssignment(a.task_id, a.unit_id, a.role, a.is_primary, None)
            bucket = work[a.unit_id].leads if a.role == ROLE_LEAD else work[a.unit_id].supports
            bucket.append(UnitTask(task_by_id[a.task_id], direct))
    order = {t.id: i for i, t in enumerate(tasks)}  # plan_tasks gives the plan's order
    for entry in work.values():
        entry.leads.sort(key=lambda ut: order[ut.task.id])
        entry.supports.sort(key=lambda ut: order[ut.task.id])
    return work


def unit_role_on_task(task: Task, unit_id: int) -> str | None:
    """The role a real unit holds on a task after group expansion, or None."""
    effective = effective_assignments(task.assignments, ward_groups(task.plan.ward_id))
    found = effective.get((task.id, unit_id))
    return found.role if found else None


@dataclass
class UnitTaskIds:
    """What one unit leads and supports in a plan: task ids, in the plan's order."""

    leads: list[int] = field(default_factory=list)
    supports: list[int] = field(default_factory=list)


def unit_assignments(plan: Plan, unit_id: int, as_named: bool = True) -> list[EffectiveAssignment]:
    """The unit's roles on the plan's tasks (as plan_workload finds them), reading only the
    assignments that name the unit or a group it belongs to. A group holds no role after
    expansion (its members do): with `as_named`, its list is what the plan names it for."""
    groups = ward_groups(plan.ward_id)
    expansion = stands_for(groups, list(groups))
    names = {unit_id} | {group for group, members in expansion.items() if unit_id in members}
    rows = db.session.execute(
        select(Assignment.task_id, Assignment.unit_id, Assignment.role, Assignment.is_primary)
        .join(Task, Task.id == Assignment.task_id)
        .where(Task.plan_id == plan.id, Assignment.unit_id.in_(names))
    ).all()
    if unit_id in groups:
        if not as_named:
            return []
        return [
            EffectiveAssignment(r.task_id, unit_id, r.role, r.is_primary, None) for r in rows if r.unit_id == unit_id
        ]
    return [e for (_task_id, uid), e in effective_assignments(rows, groups).items() if uid == unit_id]


def unit_task_ids(plan: Plan, unit_id: int, position: Callable[[list[int]], dict[int, int]]) -> UnitTaskIds:
    """The tasks a unit leads and supports, in the plan's order (`position(ids)` gives each
    task's place in it)."""
    mine = unit_assignments(plan, unit_id)
    order = position([e.task_id for e in mine])
    found = UnitTaskIds()
    for entry in sorted(mine, key=lambda e: order.get(e.task_id, 0)):
        (found.leads if entry.role == ROLE_LEAD else found.supports).append(entry.task_id)
    return found
