"""Unit groups: an assignment to a group is an assignment to each of its members."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit.services import record
from tracker.extensions import db
from tracker.units.models import Unit, unit_group_member


def ward_groups(ward_id: int) -> dict[int, list[int]]:
    """Each unit group of the ward with its member ids."""
    groups = {
        unit_id: []
        for unit_id in db.session.scalars(select(Unit.id).where(Unit.ward_id == ward_id, Unit.is_group.is_(True)))
    }
    rows = db.session.execute(
        select(unit_group_member.c.group_id, unit_group_member.c.member_id)
        .join(Unit, Unit.id == unit_group_member.c.group_id)
        .where(Unit.ward_id == ward_id)
    )
    for group_id, member_id in rows:
        groups.setdefault(group_id, []).append(member_id)
    return groups


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


# --- managing units -------------------------------------------------------------------------


class UnitRefused(ValueError):
    """The change cannot be made; the message says why."""


def _would_cycle(group_id: int | None, member_ids: list[int], groups: dict[int, list[int]]) -> bool:
    """Whether making `member_ids` members of `group_id` would put a group inside itself."""
    if group_id is None:
        return False
    pending, seen = list(member_ids), set()
    while pending:
        current = pending.pop()
        if current == group_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        pending.extend(groups.get(current, []))
    return False


def save_unit(
    actor,
    now,
    ward_id: int,
    unit,
    code: str,
    name: str,
    is_group: bool,
    member_ids: list[int],
    note: str | None,
    active: bool,
    outside_apparatus: bool = False,
):
    """Create (unit None) or change a unit and its group membership."""
    clash = db.session.scalar(select(Unit).where(Unit.ward_id == ward_id, Unit.code == code))
    if clash is not None and clash is not unit:
        raise UnitRefused(_('The code "%(code)s" is already used by %(name)s.', code=code, name=clash.name))
    if not is_group and member_ids:
        raise UnitRefused(_("Only a unit group has members."))
    members = (
        db.session.scalars(select(Unit).where(Unit.id.in_(member_ids), Unit.ward_id == ward_id)).all()
        if member_ids
        else []
    )
    if len(members) != len(set(member_ids)):
        raise UnitRefused(_("Choose members among this ward's units."))
    if _would_cycle(unit.id if unit is not None else None, member_ids, ward_groups(ward_id)):
        raise UnitRefused(_("A group cannot contain itself, directly or through another group."))
    if unit is None:
        unit = Unit(ward_id=ward_id, code=code, aliases=[], sort_order=1000)
        db.session.add(unit)
        action = "unit.create"
    else:
        action = "unit.change"
    unit.code, unit.name, unit.is_group, unit.note, unit.active = (
        code,
        name,
        is_group,
        (note or "").strip() or None,
        active,
    )
    unit.outside_apparatus = outside_apparatus
    unit.members = list(members)
    record(actor, action, now, unit, code=code, members=sorted(m.code for m in members))
    return unit
