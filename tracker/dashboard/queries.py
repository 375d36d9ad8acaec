"""What the steering committee's dashboard shows of the plan's standing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.core.time import aware
from tracker.discussion.models import Comment
from tracker.extensions import db
from tracker.plan.models import ROLE_LEAD, Plan, Task
from tracker.progress.models import STATE_BLOCKED, ProgressUpdate
from tracker.standing.listing import FLAGS  # noqa: F401 (what the dashboard's filters accept)
from tracker.standing.queries import PlanSnapshot, TaskFigures, status_counts  # noqa: F401 (the rule's tests count)


def has_flag(view: TaskFigures, flag: str) -> bool:
    return view.standing.has_flag(flag)


def flag_counts(views: list[TaskFigures]) -> dict[str, int]:
    return {flag: sum(1 for v in views if has_flag(v, flag)) for flag in FLAGS}


def matching_tasks(
    snapshot: PlanSnapshot,
    section: str | None = None,
    unit_id: int | None = None,
    status: str | None = None,
    flag: str | None = None,
) -> list[TaskFigures]:
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


OVERDUE_SHOWN = 10  # the dashboard's overdue and blocked lists show so many and link to the rest


def worst_first(views: list[TaskFigures]) -> list[TaskFigures]:
    """Most days overdue first; equally late tasks (those not overdue among them) keep the plan's
    order (the sort is stable)."""
    return sorted(views, key=lambda v: -v.standing.days_overdue if v.standing.is_overdue else 0)


def overdue_worst_first(views: list[TaskFigures]) -> list[TaskFigures]:
    return worst_first([v for v in views if v.standing.is_overdue])


def latest_updates(
    plan: Plan, limit: int = 15, task_ids: list[int] | None = None, unit_id: int | None = None
) -> list[ProgressUpdate]:
    query = (
        select(ProgressUpdate)
        .join(Task, Task.id == ProgressUpdate.task_id)
        .where(Task.plan_id == plan.id)
        .options(
            selectinload(ProgressUpdate.unit), selectinload(ProgressUpdate.author), selectinload(ProgressUpdate.task)
        )
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
    view: TaskFigures
    update: ProgressUpdate
    answered: bool


def blocked_tasks(views: list[TaskFigures]) -> list[BlockedTask]:
    """Blocked tasks with what the lead unit raised, and whether the committee has answered
    (a comment on the task after the blocking update)."""
    blocked = [v for v in views if v.standing.blocked]
    if not blocked:
        return []
    ids = [v.task.id for v in blocked]
    ranked = (
        select(
            ProgressUpdate.id,
            func.row_number()
            .over(
                partition_by=ProgressUpdate.task_id,
                order_by=(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc()),
            )
            .label("rank"),
        )
        .where(ProgressUpdate.task_id.in_(ids), ProgressUpdate.role == ROLE_LEAD, ProgressUpdate.state == STATE_BLOCKED)
        .subquery()
    )
    updates = {
        u.task_id: u
        for u in db.session.scalars(
            select(ProgressUpdate)
            .join(ranked, ranked.c.id == ProgressUpdate.id)
            .where(ranked.c.rank == 1)
            .options(selectinload(ProgressUpdate.unit))
        )
    }
    last_comment = dict(
        db.session.execute(
            select(Comment.task_id, func.max(Comment.created_at))
            .where(Comment.task_id.in_(ids))
            .group_by(Comment.task_id)
        ).all()
    )
    result = []
    for view in blocked:
        update = updates.get(view.task.id)
        if update is None:
            continue
        commented = aware(last_comment.get(view.task.id))
        result.append(BlockedTask(view, update, commented is not None and commented > update.created_at))
    return result
