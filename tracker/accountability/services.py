"""The accountability figures, how each is computed from its counts, and chasing a late unit.

Per unit: the longest-late item and since when, the late reports, the overdue tasks (past their own
due date), the stale tasks, the chases received, the directives; never sums of days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.accountability.models import Chase
from tracker.alerts.models import CHASE, Alert, Notification
from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.core.formatting import format_date
from tracker.core.time import ward_date
from tracker.extensions import db
from tracker.units.models import Unit


def share_percent(numerator: int, denominator: int) -> Decimal | None:
    """A percentage capped at 100; None when nothing was expected."""
    if denominator == 0:
        return None
    return min(Decimal(100), (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1")))


# What can be late, in the words of the league table.
LATE_REPORT, OVERDUE_TASK, OVERDUE_DIRECTIVE, OVERDUE_MILESTONE = "report", "task", "directive", "milestone"


@dataclass(frozen=True)
class LateItem:
    """Something a unit answers for that is late: what, since when (the first late day), how many days."""

    kind: str
    name: str  # "IV.4.3", "6-month report 2026", the directive's first words
    since: date
    days: int
    url_args: dict = field(default_factory=dict, hash=False, compare=False)

    def describe(self) -> str:
        since = format_date(self.since)
        if self.kind == LATE_REPORT:
            return ngettext(
                "%(name)s not sent, %(num)d day late, since %(date)s",
                "%(name)s not sent, %(num)d days late, since %(date)s",
                self.days,
                name=self.name,
                date=since,
            )
        if self.kind == OVERDUE_TASK:
            return ngettext(
                "task %(name)s overdue %(num)d day, since %(date)s",
                "task %(name)s overdue %(num)d days, since %(date)s",
                self.days,
                name=self.name,
                date=since,
            )
        if self.kind == OVERDUE_MILESTONE:
            return ngettext(
                "milestone of %(name)s overdue %(num)d day, since %(date)s",
                "milestone of %(name)s overdue %(num)d days, since %(date)s",
                self.days,
                name=self.name,
                date=since,
            )
        return ngettext(
            "directive \u201c%(name)s\u201d overdue %(num)d day, since %(date)s",
            "directive \u201c%(name)s\u201d overdue %(num)d days, since %(date)s",
            self.days,
            name=self.name,
            date=since,
        )


@dataclass
class UnitFigures:
    """One unit's row of the league table, for one period or for the plan to date."""

    unit: Unit
    tasks_led: int = 0
    on_track: int = 0  # led tasks done or rated green
    overdue: int = 0
    stale: int = 0
    reports_expected: int = 0
    reports_sent: int = 0
    reports_on_time: int = 0
    directives_due: int = 0
    directives_on_time: int = 0
    open_questions: int = 0
    chases: int = 0
    last_chased: datetime | None = None
    late: list[LateItem] = field(default_factory=list)  # what is late now, the longest first

    @property
    def on_track_share(self) -> Decimal | None:
        return share_percent(self.on_track, self.tasks_led)

    @property
    def reporting_rate(self) -> Decimal | None:
        return share_percent(self.reports_sent, self.reports_expected)

    @property
    def on_time_rate(self) -> Decimal | None:
        return share_percent(self.reports_on_time, self.reports_expected)

    @property
    def directives_rate(self) -> Decimal | None:
        return share_percent(self.directives_on_time, self.directives_due)

    @property
    def longest(self) -> LateItem | None:
        return self.late[0] if self.late else None

    @property
    def late_reports(self) -> list[LateItem]:
        return [item for item in self.late if item.kind == LATE_REPORT]

    @property
    def late_reports_since(self) -> date | None:
        return min((item.since for item in self.late_reports), default=None)

    @property
    def overdue_since(self) -> date | None:
        return min((item.since for item in self.late if item.kind == OVERDUE_TASK), default=None)

    @property
    def is_late(self) -> bool:
        """Something the unit answers for is late: it can be chased."""
        return bool(self.late)

    @property
    def outside(self) -> bool:
        return self.unit.outside_apparatus


SORT_KEYS = {
    "longest": lambda f: (-(f.longest.days if f.longest else -1), f.unit.sort_order),
    "unit": lambda f: (f.unit.sort_order, f.unit.name),
    "late_reports": lambda f: (-len(f.late_reports), f.late_reports_since or date.max),
    "overdue": lambda f: (-f.overdue, f.overdue_since or date.max),
    "stale": lambda f: -f.stale,
    "reporting_rate": lambda f: _nulls_last(f.reporting_rate),
    "on_time_rate": lambda f: _nulls_last(f.on_time_rate),
    "on_track": lambda f: _nulls_last(f.on_track_share),
    "directives": lambda f: _nulls_last(f.directives_rate),
    "chases": lambda f: -f.chases,
}


def _nulls_last(value: Decimal | None):
    """Worst first: lowest rate first, units with nothing expected last."""
    return (value is None, value if value is not None else Decimal(0))


# --- chasing --------------------------------------------------------------------------------


class ChaseRefused(ValueError):
    """Nothing to chase the unit for; the message says so."""


def chase_text(plan, figures: UnitFigures, link: str) -> str:
    """The message: who presses whom for what, and where to act. Ready to paste in a chat group."""
    verb = _("requests") if figures.unit.outside_apparatus else _("urges")
    items = "; ".join(item.describe() for item in figures.late)
    return _(
        "%(issuer)s %(verb)s %(unit)s to act on what is late: %(items)s. Please update the tracker: %(link)s",
        issuer=plan.issuer,
        verb=verb,
        unit=figures.unit.name,
        items=items,
        link=link,
    )


def chase(actor: Actor, plan, figures: UnitFigures, officers: list, link: str, now: datetime, queue_email) -> Chase:
    """Chase a late unit: record it, tell its officers in the app (their day's message) and queue an
    e-mail to each officer who has an address. `queue_email(user, subject, text, key)` queues one."""
    if not figures.is_late:
        raise ChaseRefused(_("%(unit)s has nothing late to be chased for.", unit=figures.unit.name))
    text = chase_text(plan, figures, link)
    entry = Chase(plan_id=plan.id, unit_id=figures.unit.id, by_id=actor.user_id, text=text, created_at=now)
    db.session.add(entry)
    db.session.flush()
    # A chase is a message, not a standing alert: recorded already resolved, so the scan never touches it.
    alert = Alert(
        plan_id=plan.id,
        key=f"{CHASE}:{entry.id}",
        kind=CHASE,
        unit_id=figures.unit.id,
        effective_on=ward_date(now),
        created_at=now,
        resolved_at=now,
        details={"text": text, "chase_id": entry.id},
    )
    db.session.add(alert)
    db.session.flush()
    for officer in officers:
        db.session.add(Notification(user_id=officer.id, alert_id=alert.id, created_at=now))
    entry.notified = len(officers)
    subject = _("Reminder from %(issuer)s: %(unit)s", issuer=plan.issuer, unit=figures.unit.name)
    entry.emailed = sum(
        1 for officer in officers if queue_email(officer, subject, text, f"chase:{entry.id}:{officer.id}")
    )
    record(
        actor,
        "unit.chase",
        now,
        entry,
        unit=figures.unit.code,
        items=len(figures.late),
        notified=entry.notified,
        emailed=entry.emailed,
    )
    return entry


def chase_summary(entry: Chase) -> str:
    return ngettext("Told %(num)d officer in the app", "Told %(num)d officers in the app", entry.notified)
