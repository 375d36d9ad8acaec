"""A plan's versions (PlanVersion): the plan as a plan file after each adopted change, with the
reason given, and what changed between two of them, line by line."""

from __future__ import annotations

import difflib
from datetime import datetime

from sqlalchemy import func, select

from tracker.core.actor import Actor
from tracker.extensions import db
from tracker.plan.models import Plan
from tracker.planfile import export
from tracker.planfile.models import PlanVersion
from tracker.planfile.writer import dump_plan_file


def record_version(plan: Plan, reason: str, actor: Actor, at: datetime) -> PlanVersion | None:
    """Keep the plan as it is now as its next version, unless it is the same as the last one."""
    db.session.flush()
    content = dump_plan_file(export.plan_to_file(plan))
    last = db.session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.number.desc()).limit(1)
    )
    if last is not None and last.content == content:
        return None
    version = PlanVersion(
        plan_id=plan.id,
        number=(last.number if last else 0) + 1,
        reason=reason,
        created_at=at,
        created_by_id=actor.user_id,
        username=actor.username,
        content=content,
    )
    db.session.add(version)
    return version


def versions_of(plan: Plan) -> list[PlanVersion]:
    """The plan's versions, newest first (without their content, which a list does not show)."""
    return db.session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.number.desc())
    ).all()


def version_count(plan: Plan) -> int:
    return db.session.scalar(select(func.count(PlanVersion.id)).where(PlanVersion.plan_id == plan.id)) or 0


def changes(before: PlanVersion | None, after: PlanVersion) -> list[tuple[str, str]]:
    """What changed from `before` to `after`, as lines of the plan file: ("+", line) added,
    ("-", line) removed, ("@", where) the place in the file, three lines of context (" ") around."""
    old = before.content.splitlines() if before else []
    found: list[tuple[str, str]] = []
    for line in difflib.unified_diff(old, after.content.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        found.append((line[0], line[1:]) if line[:1] in "+- " else ("@", line))
    return found
