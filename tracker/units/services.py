"""Unit groups: an assignment to a group is an assignment to each of its members."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.plan.models import ROLE_LEAD


def stands_for(groups: dict[int, list[int]], unit_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each unit, the real units it stands for: a unit stands for itself, a group for its
    members (recursively, through nested groups). `groups` maps each group id to its member ids."""
    result: dict[int, set[int]] = {}

    def expand(unit_id: int, seen: frozenset) -> set[int]:
        if unit_id not in groups:
            return {unit_id}
        if unit_id in seen:  # a cycle cannot be loaded, but never loop on one
            return set()
        members: set[int] = set()
        for member in groups[unit_id]:
            members |= expand(member, seen | {unit_id})
        return members

    for unit_id in unit_ids:
        result[unit_id] = expand(unit_id, frozenset())
    return result


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


def effective_assignments(assignments: Iterable, groups: dict[int, list[int]]) -> dict[tuple[int, int], EffectiveAssignment]:
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
