"""Reading a ward's units."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.units.models import Unit


def ward_units(ward_id: int) -> list[Unit]:
    return db.session.scalars(
        select(Unit)
        .where(Unit.ward_id == ward_id)
        .options(selectinload(Unit.members), selectinload(Unit.groups))
        .order_by(Unit.is_group, Unit.sort_order, Unit.id)
    ).all()
