"""What each unit leads and supports in a plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.plan.models import ROLE_LEAD, Plan, Task
from tracker.plan.queries import plan_tasks
from tracker.units.models import Unit
from tracker.units.services import EffectiveAssignment, effective_assignments, ward_groups


@dataclass
class UnitTask:
    task: Task
    assignment: EffectiveAssignment


@dataclass
class UnitWork:
    unit: Unit
    leads: list[UnitTask] = field(default_factory=list)
    supports: list[UnitTask] = field(default_factory=list)


def ward_units(ward_id: int) -> list[Unit]:
    return db.session.scalars(
        select(Unit)
        .where(Unit.ward_id == ward_id)
        .options(selectinload(Unit.members), selectinload(Unit.groups))
        .order_by(Unit.is_group, Unit.sort_order, Unit.id)
    ).all()


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
