"""Reading alerts and notifications."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased, joinedload

from tracker.alerts.messages import KIND_ORDER, KindCount, UnitCounts
from tracker.alerts.models import ESCALATION, Alert, Notification
from tracker.core.time import ward_date
from tracker.extensions import db
from tracker.units.models import Unit

_SUBJECTS = (Alert.task, Alert.unit, Alert.period, Alert.milestone, Alert.directive, Alert.question)


def alert_loads(path=None) -> list:
    """Loader options for everything an alert's text and link read (its subjects, and for an
    escalation its parent's). They are many-to-one, so they are joined into the same query: a
    list of alerts costs the same queries however long it is and whatever kinds it holds.
    `path` is the relationship that leads to the alerts (Notification.alert), if any."""

    def chain(*steps):
        loader = joinedload(path) if path is not None else None
        for step in steps:
            loader = loader.joinedload(step) if loader is not None else joinedload(step)
        return loader

    return [chain(subject) for subject in _SUBJECTS] + [chain(Alert.parent, subject) for subject in _SUBJECTS]


def unread_count(user_id: int) -> int:
    """Unread messages: the days (in the ward) on which the person was told something not yet read."""
    moments = db.session.scalars(
        select(Notification.created_at)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .distinct()
    )
    return len({ward_date(moment) for moment in moments})


def user_notifications(user_id: int, unread_only: bool = False, limit: int = 200) -> list[Notification]:
    query = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .options(*alert_loads(Notification.alert))
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return db.session.scalars(query).all()


def open_alerts_query(plan_id: int, kinds: tuple[str, ...] | None = None, unit_id: int | None = None):
    """The plan's open alerts, the oldest first (of one of `kinds`, about `unit_id`), as a select
    a caller may page."""
    query = (
        select(Alert)
        .where(Alert.plan_id == plan_id, Alert.resolved_at.is_(None))
        .options(*alert_loads())
        .order_by(Alert.effective_on, Alert.id)
    )
    if kinds:
        query = query.where(Alert.kind.in_(kinds))
    if unit_id is not None:
        query = query.where(Alert.unit_id == unit_id)
    return query


def open_alerts(plan_id: int, kinds: tuple[str, ...] | None = None) -> list[Alert]:
    return db.session.scalars(open_alerts_query(plan_id, kinds)).all()


# How many of a person's open alerts the unit's page lists by name: the rest are counted.
UNIT_PAGE_ALERTS = 10


def _concerning(plan_id: int, user) -> list:
    """The open alerts that concern a person: those about the person's unit, and those the
    person was told of (a co-lead unit's officers hear of an alert filed under the first lead).
    An escalation is left out: what it escalated is open with it, and concerns them too."""
    told = select(Notification.alert_id).where(Notification.user_id == user.id)
    mine = Alert.id.in_(told) if user.unit_id is None else (Alert.unit_id == user.unit_id) | Alert.id.in_(told)
    return [Alert.plan_id == plan_id, Alert.resolved_at.is_(None), Alert.kind != ESCALATION, mine]


def concerning_counts(plan_id: int, user) -> dict[str, KindCount]:
    """A person's open alerts counted by kind in the database, whatever their number."""
    rows = db.session.execute(
        select(Alert.kind, func.count(Alert.id), func.min(Alert.effective_on), func.min(Alert.due_on))
        .where(*_concerning(plan_id, user))
        .group_by(Alert.kind)
    ).all()
    return {kind: KindCount(count, since, due) for kind, count, since, due in rows}


def first_concerning(plan_id: int, user, limit: int = UNIT_PAGE_ALERTS) -> list[Alert]:
    """The first `limit` of a person's open alerts: the kinds in the order a unit's line names
    them (late reports first), each kind's oldest first."""
    rank = case({kind: index for index, kind in enumerate(KIND_ORDER)}, value=Alert.kind, else_=len(KIND_ORDER))
    return db.session.scalars(
        select(Alert)
        .where(*_concerning(plan_id, user))
        .options(*alert_loads())
        .order_by(rank, Alert.effective_on, Alert.id)
        .limit(limit)
    ).all()


def open_alert_counts(plan_id: int) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Alert.kind, func.count(Alert.id))
            .where(Alert.plan_id == plan_id, Alert.resolved_at.is_(None))
            .group_by(Alert.kind)
        ).all()
    )


def escalations_by_unit(plan_id: int) -> list[UnitCounts]:
    """The plan's open escalations, by the unit and kind of what each passed to the chair: one
    grouped query, whatever their number (the dashboard's "passed to the chair" lines)."""
    subject = aliased(Alert)
    unit_id = func.coalesce(subject.unit_id, Alert.unit_id)
    kind = func.coalesce(subject.kind, Alert.kind)
    rows = db.session.execute(
        select(
            unit_id,
            kind,
            func.count(Alert.id),
            func.min(func.coalesce(subject.effective_on, Alert.effective_on)),
            func.min(func.coalesce(subject.due_on, Alert.due_on)),
        )
        .outerjoin(subject, subject.id == Alert.parent_id)
        .where(Alert.plan_id == plan_id, Alert.resolved_at.is_(None), Alert.kind == ESCALATION)
        .group_by(unit_id, kind)
    ).all()
    if not rows:
        return []
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_({r[0] for r in rows if r[0]})))}
    found: dict[int | None, UnitCounts] = {}
    for unit, alert_kind, count, since, due in rows:
        group = found.setdefault(unit, UnitCounts(units.get(unit)))
        group.counts[alert_kind] = KindCount(count, since, due)
    return sorted(
        found.values(), key=lambda g: (g.unit is None, g.unit.sort_order if g.unit else 0, g.unit.id if g.unit else 0)
    )
