"""Reading progress: a task's timeline and each unit's latest update."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from tracker.extensions import db
from tracker.progress.models import ProgressUpdate


@dataclass
class TimelineEntry:
    update: ProgressUpdate
    previous: ProgressUpdate | None  # the same unit's update before this one

    @property
    def percent_changed(self) -> bool:
        return self.previous is not None and self.previous.percent != self.update.percent

    @property
    def state_changed(self) -> bool:
        return self.previous is not None and self.previous.state != self.update.state


def task_timeline(task_id: int) -> list[TimelineEntry]:
    """Every update on the task, newest first, each with what changed since the same unit's
    previous update."""
    updates = db.session.scalars(
        select(ProgressUpdate)
        .where(ProgressUpdate.task_id == task_id)
        .options(
            # Many-to-one: joined, so the number of queries does not depend on which are empty.
            joinedload(ProgressUpdate.unit),
            joinedload(ProgressUpdate.author),
            joinedload(ProgressUpdate.corrects),
            selectinload(ProgressUpdate.evidence),
        )
        .order_by(ProgressUpdate.created_at, ProgressUpdate.id)
    ).all()
    last_by_unit: dict[int, ProgressUpdate] = {}
    entries = []
    for update in updates:
        entries.append(TimelineEntry(update, last_by_unit.get(update.unit_id)))
        last_by_unit[update.unit_id] = update
    return list(reversed(entries))


def latest_updates_by_unit(unit_id: int, task_ids: list[int]) -> dict[int, ProgressUpdate]:
    """The unit's latest update on each of the given tasks, in one query."""
    if not task_ids:
        return {}
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
        .where(ProgressUpdate.unit_id == unit_id, ProgressUpdate.task_id.in_(task_ids))
        .subquery()
    )
    updates = db.session.scalars(
        select(ProgressUpdate).join(ranked, ranked.c.id == ProgressUpdate.id).where(ranked.c.rank == 1)
    ).all()
    return {u.task_id: u for u in updates}
