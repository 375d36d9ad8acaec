"""Keeping the stored standings (tracker.standing.models) equal to what the status rule finds.

- Every commit that changed a task's facts (the plan, its tasks and assignments, progress updates,
  unit reports, reporting periods, units) recomputes the standings of the plans concerned before
  it commits, in the same transaction: a session hook, so no write path can forget it. A commit
  that changed only progress updates recomputes those tasks, the tasks above them and the plan's
  figures (`refresh_tasks`); any other change, the whole plan (`refresh_standings`).
- A bulk statement on those tables (which names no plan) only marks every plan's standings out of
  date; so does a new day, since time alone changes a standing. `current_standings` recomputes a
  plan whose standings are out of date when a page asks for them; the daily scan first brings
  every plan's standings to the day (`refresh_all`) and reads its alerts from them, so the first
  page of the day finds them ready.
- `standing_differences` recomputes a plan from scratch and compares: `flask standings check`.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from itertools import chain

from flask import current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import delete, event, insert, select, update

from tracker.core.database import insert_rows, long_statements
from tracker.core.time import now, ward_today
from tracker.periods.models import ReportingPeriod
from tracker.periods.queries import plan_rounds
from tracker.periods.services import is_past_due
from tracker.plan.models import Assignment, Plan, Task
from tracker.progress import status as rules
from tracker.progress.models import ProgressUpdate
from tracker.progress.status import TaskStanding
from tracker.reports.models import UnitReport, UnitReportSection
from tracker.reports.queries import owed_reports, report_counts
from tracker.standing.models import PlanStanding, StoredLead, StoredOwedReport, StoredStanding
from tracker.standing.queries import PlanSnapshot, TaskFigures, leaf_figures, plan_snapshot
from tracker.units.models import Unit

_MARKS = "standings_changed"  # session.info key: what this transaction changed
_EVERY_PLAN = ("every plan", None)
_UPDATES = "updates"  # a mark's kind: a task's progress updates changed, nothing else about it
_AS_WRITTEN = "standings_written_with_facts"  # session.info key: see written_with_their_facts
_FRESH = "standings_read_fresh"  # session.info key: the refresh's queries overwrite loaded objects


# Stored rows -------------------------------------------------------------------------------------


def _standing_row(plan_id: int, section_id: int, position: int, figure: TaskFigures) -> dict:
    row = {
        "task_id": figure.task.id,
        "plan_id": plan_id,
        "section_id": section_id,
        "position": position,
        "is_leaf": figure.is_leaf,
        "percent": figure.percent,
        "expected": figure.expected,
        "last_update_at": figure.last_update_at,
        "status": None,
        "gap": None,
        "rating": None,
        "blocked": False,
        "stale": False,
        "unassigned": False,
        "days_overdue": 0,
        "last_update_on": None,
        "stale_since": None,
        "late_report_due": None,
        "late_report_days": 0,
        "overdue_since": None,
    }
    standing = figure.standing
    if standing is not None:
        row.update({name: getattr(standing, name) for name in STANDING_FIELDS})
    return row


# The leaf standing's fields that are stored as they are (tracker.progress.status.TaskStanding).
STANDING_FIELDS = (
    "status",
    "gap",
    "rating",
    "blocked",
    "stale",
    "unassigned",
    "days_overdue",
    "last_update_on",
    "stale_since",
    "late_report_due",
    "late_report_days",
    "overdue_since",
)


def snapshot_rows(snapshot: PlanSnapshot) -> tuple[list[dict], list[dict]]:
    """The standing rows and the lead rows of a snapshot, in the plan's order."""
    plan_id = snapshot.plan.id
    standings, leads = [], []
    for section in snapshot.tree:
        for node in section.walk():
            figure = snapshot.figures[node.task.id]
            standings.append(_standing_row(plan_id, section.task.id, len(standings), figure))
            if figure.is_leaf:
                leads.extend(
                    {"task_id": node.task.id, "unit_id": unit.id, "plan_id": plan_id, "sort_order": order}
                    for order, unit in enumerate(figure.primary_units)
                )
    return standings, leads


def owed_in_plan(snapshot: PlanSnapshot) -> tuple[list, list]:
    """Every reporting round of the plan and the unit reports owed in them (tracker.reports.queries)."""
    rounds = plan_rounds(snapshot.plan)
    return rounds, owed_reports(snapshot.plan, rounds, structure=snapshot)


def plan_counts(snapshot: PlanSnapshot, rounds: list, owed: list) -> dict:
    """The plan's figures that a province's overview lists (PlanStanding's counts): its leaf tasks
    by standing, and the unit reports owed in every round due by the snapshot's day, sent and sent
    by the unit deadline (counted as the league table counts them for the plan to date)."""
    due = [r for r in rounds if is_past_due(r, snapshot.today)]
    due_ids = {r.id for r in due}
    owed = [report for report in owed if report.round.id in due_ids]
    sent = report_counts(due, snapshot.today)
    counted = [sent.get((report.unit_id, report.round.id), (0, 0)) for report in owed]
    return {
        **leaf_counts(
            [figure.standing for figure in snapshot.leaves],
            [[unit.id for unit in figure.primary_units] for figure in snapshot.leaves],
        ),
        "reports_owed": len(owed),
        "reports_sent": sum(sent_count for sent_count, _on_time in counted),
        "reports_on_time": sum(on_time for _sent, on_time in counted),
    }


# What a list of tasks can be narrowed to besides a status: a flag or a rating.
LIST_FLAGS = rules.FLAGS + rules.RATINGS
# PlanStanding's counts of leaf tasks, kept by a partial refresh as the difference it makes.
LEAF_COUNTS = ("tasks", "on_track", "overdue", "stale", "tallies")  # UNIT_COUNTS and the tallies


def tally_key(status: str | None = None, flag: str | None = None) -> str:
    """The key of PlanStanding.tallies that counts the leaf tasks of a status, or of a flag."""
    return f"status:{status}" if status is not None else f"flag:{flag}"


def leaf_counts(standings: list[TaskStanding], leads: list[list[int]]) -> dict:
    """PlanStanding's counts of leaf tasks: all of them, on track, overdue, without a recent
    update; and their tallies by status, by flag or rating, and by the unit that answers for them
    (`leads`: each standing's units, as StoredLead has them). The unfiltered dashboard and the
    league table read those from one row instead of counting every task on each request."""
    tallies = dict.fromkeys([tally_key(status=s) for s in rules.STATUSES] + [tally_key(flag=f) for f in LIST_FLAGS], 0)
    totals = dict.fromkeys(UNIT_COUNTS, 0)
    for standing, units in zip(standings, leads, strict=True):
        tallies[tally_key(status=standing.status)] += 1
        for flag in LIST_FLAGS:
            if standing.has_flag(flag):
                tallies[tally_key(flag=flag)] += 1
        for name, counted in zip(UNIT_COUNTS, _unit_counted(standing), strict=True):
            totals[name] += counted
            for unit_id in units:
                key = unit_tally_key(unit_id, name)
                tallies[key] = tallies.get(key, 0) + counted
    return {**totals, "tallies": tallies}


# What is counted of the plan's leaf tasks (PlanStanding's columns), and of each unit's.
UNIT_COUNTS = ("tasks", "on_track", "overdue", "stale")


def _unit_counted(standing: TaskStanding) -> tuple[int, ...]:
    return (1, int(standing.on_track), int(standing.is_overdue), int(standing.stale))


def unit_tally_key(unit_id: int, name: str) -> str:
    """The key of PlanStanding.tallies that counts a unit's leaf tasks (UNIT_COUNTS)."""
    return f"unit:{unit_id}:{name}"


def _moved(stored, before, after):
    """A stored count (or tallies) less what some tasks counted before, plus what they count now."""
    if isinstance(before, dict):
        moved = dict(stored or {})
        for key in before.keys() | after.keys():
            moved[key] = moved.get(key, 0) - before.get(key, 0) + after.get(key, 0)
        return moved
    return stored - before + after


def owed_rows(plan_id: int, owed: list) -> list[dict]:
    return [
        {
            "round_id": report.round.id,
            "unit_id": report.unit_id,
            "plan_id": plan_id,
            "sections": len(report.tasks),
            "sort_order": order,
        }
        for order, report in enumerate(owed)
    ]


def store_standings(snapshot: PlanSnapshot) -> None:
    """Replace the plan's stored standings by the snapshot's, in the current transaction (the
    caller holds the plan's lock: refresh_standings)."""
    plan_id = snapshot.plan.id
    db_session = _session()
    db_session.execute(delete(StoredOwedReport).where(StoredOwedReport.plan_id == plan_id))
    db_session.execute(delete(StoredLead).where(StoredLead.plan_id == plan_id))
    db_session.execute(delete(StoredStanding).where(StoredStanding.plan_id == plan_id))
    db_session.execute(delete(PlanStanding).where(PlanStanding.plan_id == plan_id))
    standings, leads = snapshot_rows(snapshot)
    rounds, owed = owed_in_plan(snapshot)
    for model, rows in ((StoredStanding, standings), (StoredLead, leads), (StoredOwedReport, owed_rows(plan_id, owed))):
        insert_rows(model.__table__, rows, session=db_session)
    db_session.execute(
        insert(PlanStanding).values(
            plan_id=plan_id,
            on_day=snapshot.today,
            stale_after_days=current_app.config["STALE_AFTER_DAYS"],
            percent=snapshot.percent,
            expected=snapshot.expected,
            refreshed_at=now(),
            **plan_counts(snapshot, rounds, owed),
        )
    )


def refresh_standings(plan: Plan, today: date) -> PlanSnapshot:
    """Recompute the plan's standings and store them, in the current transaction.

    The plan's row is locked before anything is read (PostgreSQL; SQLite has one writer at a
    time), so two transactions refreshing the same plan take turns and the second reads what the
    first committed. The facts are read afresh, never from objects this session loaded earlier
    (another transaction may have changed them since)."""
    db_session = _session()
    db_session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())
    db_session.info[_FRESH] = True
    try:
        snapshot = plan_snapshot(plan, today, for_pages=False)
    finally:
        db_session.info.pop(_FRESH, None)
    store_standings(snapshot)
    return snapshot


def refresh_tasks(plan: Plan, task_ids: set[int], today: date) -> bool:
    """After a write that changed only the progress updates of those leaf tasks: their stored
    standings, their parents' rolled-up figures and the plan's, in the current transaction,
    instead of the whole plan's. False (nothing written) when that is not enough: the plan's
    standings are not of `today`, or a task is not the plan's; the caller then refreshes the whole
    plan.

    Nothing else changes with a task's updates: who answers for it, the reports owed and sent.
    The plan's row is locked first, as in refresh_standings, and everything is read after it."""
    db_session = _session()
    db_session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())
    stored = _stored_plan(plan)
    if not is_current(stored, today) or not stored.tallies:
        return False  # (tallies are kept as differences: without them, the whole plan)
    db_session.info[_FRESH] = True
    try:
        figures = leaf_figures(plan, task_ids, today)
    finally:
        db_session.info.pop(_FRESH, None)
    if figures is None:
        return False
    if not figures:
        return True  # updates of parent tasks only: a parent's figures are its children's
    columns = StoredStanding.__table__.columns
    old = {row.task_id: row for row in db_session.execute(select(*columns).where(columns.task_id.in_(figures)))}
    if set(old) != set(figures):
        return False
    db_session.execute(
        update(StoredStanding),
        [
            _standing_row(plan.id, old[task_id].section_id, old[task_id].position, figure)
            for task_id, figure in figures.items()
        ],
    )
    _roll_up_parents(plan, set(figures))
    sections = db_session.execute(
        select(StoredStanding.percent, StoredStanding.expected, Task.weight)
        .join(Task, Task.id == StoredStanding.task_id)
        .where(Task.plan_id == plan.id, Task.parent_id.is_(None))
    ).all()
    counts = {name: getattr(stored, name) for name in LEAF_COUNTS}
    leads: dict[int, list[int]] = {}
    for task_id, unit_id in db_session.execute(
        select(StoredLead.task_id, StoredLead.unit_id).where(StoredLead.task_id.in_(figures))
    ):
        leads.setdefault(task_id, []).append(unit_id)  # a task's units do not change with its updates
    before = leaf_counts([stored_standing(old[t]) for t in figures], [leads.get(t, []) for t in figures])
    after = leaf_counts([figures[t].standing for t in figures], [leads.get(t, []) for t in figures])
    db_session.execute(
        update(PlanStanding)
        .where(PlanStanding.plan_id == plan.id)
        .values(
            percent=rules.weighted_mean([(r.percent, r.weight) for r in sections]),
            expected=rules.weighted_mean([(r.expected, r.weight) for r in sections]),
            refreshed_at=now(),
            **{name: _moved(counts[name], before[name], after[name]) for name in counts},
        )
    )
    return True


def stored_standing(stored) -> TaskStanding:
    """The rule's TaskStanding of a leaf as stored (a StoredStanding, or a row of its columns)."""
    return TaskStanding(
        percent=stored.percent, expected=stored.expected, **{name: getattr(stored, name) for name in STANDING_FIELDS}
    )


def _roll_up_parents(plan: Plan, task_ids: set[int]) -> None:
    """The stored percent and expected percent of every task above those tasks, rolled up from
    their children's stored figures, the deepest first (a parent's children are ready before it)."""
    db_session = _session()
    parent_of: dict[int, int | None] = {}
    frontier = set(task_ids)
    while frontier:
        rows = db_session.execute(select(Task.id, Task.parent_id).where(Task.id.in_(frontier))).all()
        parent_of.update({row.id: row.parent_id for row in rows})
        frontier = {row.parent_id for row in rows if row.parent_id is not None} - set(parent_of)

    def depth(task_id: int) -> int:
        found = 0
        while parent_of.get(task_id) is not None:
            task_id, found = parent_of[task_id], found + 1
        return found

    parents = {p for p in parent_of.values() if p is not None}
    for parent_id in sorted(parents, key=depth, reverse=True):
        children = db_session.execute(
            select(StoredStanding.percent, StoredStanding.expected, Task.weight)
            .join(Task, Task.id == StoredStanding.task_id)
            .where(Task.parent_id == parent_id)
        ).all()
        db_session.execute(
            update(StoredStanding)
            .where(StoredStanding.task_id == parent_id)
            .values(
                percent=rules.weighted_mean([(c.percent, c.weight) for c in children]),
                expected=rules.weighted_mean([(c.expected, c.weight) for c in children]),
            )
        )


def refresh_all(today: date) -> int:
    """Every plan's standings of `today`, each plan that needs it in its own short transaction
    (before the morning scan, which reads them; a page then finds them ready too). Returns the
    number of plans recomputed."""
    db_session = _session()
    plan_ids = db_session.scalars(select(Plan.id).order_by(Plan.id)).all()
    refreshed = 0
    for plan_id in plan_ids:
        plan = db_session.get(Plan, plan_id)
        with long_statements():  # a plan of tens of thousands of tasks, like the scan
            if plan is not None and standings_of_day(plan, today):
                db_session.commit()
                refreshed += 1
    return refreshed


def standings_of_day(plan: Plan, today: date) -> bool:
    """Make the plan's stored standings those of `today`, recomputing them in the current
    transaction if they are not (a new day, a bulk change). True when they were recomputed."""
    if is_current(_stored_plan(plan), today):
        return False
    refresh_standings(plan, today)
    return True


def is_current(stored: PlanStanding | None, today: date) -> bool:
    return (
        stored is not None
        and stored.on_day == today
        and stored.stale_after_days == current_app.config["STALE_AFTER_DAYS"]
    )


def current_standings(plan: Plan, today: date) -> PlanStanding:
    """The plan's stored standings for `today`, recomputed and committed first if they are out of
    date (a new day, a bulk change). For pages that read (GET): it commits."""
    stored = _stored_plan(plan)
    if is_current(stored, today):
        return stored
    refresh_standings(plan, today)
    _session().commit()
    return _stored_plan(plan)


def _stored_plan(plan: Plan) -> PlanStanding | None:
    """The plan's PlanStanding as it is in the database now (not as this session last read it)."""
    return _session().scalar(
        select(PlanStanding).where(PlanStanding.plan_id == plan.id).execution_options(populate_existing=True)
    )


# Checking ------------------------------------------------------------------------------------------


def standing_differences(plan: Plan) -> list[str]:
    """Every difference between the plan's stored standings and the rule's, recomputed from scratch
    for the day they were stored for. An empty list when they agree."""
    db_session = _session()
    stored = db_session.get(PlanStanding, plan.id)
    if stored is None:
        return [f"{plan.code}: no stored standings"]
    day = stored.on_day
    snapshot = plan_snapshot(plan, day, for_pages=False)
    found = []
    if (stored.percent, stored.expected) != (snapshot.percent, snapshot.expected):
        found.append(
            f"{plan.code}: plan percent/expected stored {stored.percent}/{stored.expected},"
            f" computed {snapshot.percent}/{snapshot.expected}"
        )
    rounds, owed = owed_in_plan(snapshot)
    for name, count in plan_counts(snapshot, rounds, owed).items():
        if getattr(stored, name) != count:
            found.append(f"{plan.code}: plan {name} stored {getattr(stored, name)}, computed {count}")
    standings, leads = snapshot_rows(snapshot)
    found += _row_differences(plan, StoredStanding, standings, ("task_id",))
    found += _row_differences(plan, StoredLead, leads, ("task_id", "unit_id"))
    found += _owed_differences(plan, owed_rows(plan.id, owed))
    return found


def _row_differences(plan: Plan, model, computed: list[dict], key: tuple[str, ...]) -> list[str]:
    columns = [c.name for c in model.__table__.columns]
    stored = {
        tuple(row[k] for k in key): row
        for row in (
            r._asdict() for r in _session().execute(select(*model.__table__.columns).where(model.plan_id == plan.id))
        )
    }
    codes = dict(_session().execute(select(Task.id, Task.code).where(Task.plan_id == plan.id)).all())
    found = []
    for row in computed:
        ident = tuple(row[k] for k in key)
        name = f"{plan.code} {model.__tablename__} task {codes.get(row['task_id'], row['task_id'])}"
        name += f" unit {ident[1]}" if len(ident) > 1 else ""
        had = stored.pop(ident, None)
        if had is None:
            found.append(f"{name}: missing")
            continue
        for column in columns:
            if not _same(had[column], row[column]):
                found.append(f"{name}: {column} stored {had[column]!r}, computed {row[column]!r}")
    found += [f"{plan.code} {model.__tablename__} {ident}: stored but no longer in the plan" for ident in stored]
    return found


def _owed_differences(plan: Plan, computed: list[dict]) -> list[str]:
    stored = {
        (row.round_id, row.unit_id): (row.sections, row.sort_order)
        for row in _session().execute(
            select(
                StoredOwedReport.round_id,
                StoredOwedReport.unit_id,
                StoredOwedReport.sections,
                StoredOwedReport.sort_order,
            ).where(StoredOwedReport.plan_id == plan.id)
        )
    }
    found = []
    for row in computed:
        key = (row["round_id"], row["unit_id"])
        had = stored.pop(key, None)
        if had != (row["sections"], row["sort_order"]):
            found.append(
                f"{plan.code} owed_report round {key[0]} unit {key[1]}: stored {had}, computed {(row['sections'], row['sort_order'])}"
            )
    found += [f"{plan.code} owed_report round {key[0]} unit {key[1]}: stored but no longer owed" for key in stored]
    return found


def _same(stored, computed) -> bool:
    if isinstance(stored, Decimal) or isinstance(computed, Decimal):
        return Decimal(stored) == Decimal(computed)
    return stored == computed


# The session hook ----------------------------------------------------------------------------------


def _session():
    from tracker.extensions import db

    return db.session


def _marks_of(obj) -> tuple | None:
    """What a changed object says about which plans' standings it changes."""
    if isinstance(obj, Plan):
        return ("plan", obj.id)
    if isinstance(obj, Task):
        return ("plan", obj.plan_id)
    if isinstance(obj, ProgressUpdate):
        return (_UPDATES, obj.task_id)
    if isinstance(obj, (Assignment, UnitReportSection)):
        return ("task", obj.task_id)
    if isinstance(obj, UnitReport):
        return ("period", obj.period_id)
    if isinstance(obj, ReportingPeriod):
        return ("plan", obj.plan_id)
    if isinstance(obj, Unit):
        return ("ward", obj.ward_id)
    return None


_FACT_MODELS = (Plan, Task, Assignment, ProgressUpdate, UnitReport, UnitReportSection, ReportingPeriod, Unit)


_FACT_TABLES = frozenset(
    {model.__table__.name for model in _FACT_MODELS} | {"unit_group_member"}  # group membership
)


@event.listens_for(Session, "after_flush")
def _note_changes(session, _flush_context) -> None:
    marks = session.info.setdefault(_MARKS, set())
    # An object is "dirty" once an attribute is set, even to the value it had: only real changes count.
    changed = (obj for obj in session.dirty if session.is_modified(obj))
    for obj in chain(session.new, changed, session.deleted):
        mark = _marks_of(obj)
        if mark is not None and mark[1] is not None:
            marks.add(mark)


@contextmanager
def written_with_their_facts():
    """For a restore, which writes every table as it was backed up, the stored standings with the
    facts they were computed from: its statements mark nothing out of date."""
    db_session = _session()
    db_session.info[_AS_WRITTEN] = True
    try:
        yield
    finally:
        db_session.info.pop(_AS_WRITTEN, None)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if state.is_select:
        if state.session.info.get(_FRESH):
            state.update_execution_options(populate_existing=True)
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in _FACT_TABLES and not state.session.info.get(_AS_WRITTEN):
        state.session.info.setdefault(_MARKS, set()).add(_EVERY_PLAN)


@event.listens_for(Session, "after_transaction_end")
def _forget_changes(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (a savepoint's end keeps them)
        session.info.pop(_MARKS, None)


@event.listens_for(Session, "before_commit")
def _refresh_changed(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer commit refreshes
    session.flush()  # so that _note_changes has seen every change of the transaction
    marks = session.info.pop(_MARKS, None)
    if not marks:
        return
    if _EVERY_PLAN in marks:
        # A statement that names no plan: every plan's standings are out of date, recomputed when
        # next asked for (and not now, from objects the statement may have left behind).
        session.execute(delete(PlanStanding))
        return
    today = ward_today()
    for plan, updated in _plans_marked(session, marks):  # in id order: two transactions lock plans alike
        if not (updated and refresh_tasks(plan, updated, today)):
            refresh_standings(plan, today)
    session.info.pop(_MARKS, None)  # the refresh's own writes change no facts


def _plans_marked(session, marks: set[tuple]) -> list[tuple[Plan, set[int]]]:
    """The plans whose standings the marks change, in id order, each with the tasks whose updates
    alone changed (empty: something else changed, the whole plan is refreshed)."""
    ids: dict[str, set] = {}
    for kind, value in marks:
        ids.setdefault(kind, set()).add(value)
    plan_ids = set(ids.get("plan", ()))
    updated: dict[int, set[int]] = {}
    if ids.get(_UPDATES):
        for task_id, plan_id in session.execute(select(Task.id, Task.plan_id).where(Task.id.in_(ids[_UPDATES]))):
            updated.setdefault(plan_id, set()).add(task_id)
    lookups = (
        ("task", select(Task.plan_id).where(Task.id.in_(ids.get("task", ())))),
        ("period", select(ReportingPeriod.plan_id).where(ReportingPeriod.id.in_(ids.get("period", ())))),
        ("ward", select(Plan.id).where(Plan.ward_id.in_(ids.get("ward", ())))),
    )
    for kind, query in lookups:
        if ids.get(kind):
            plan_ids.update(session.scalars(query))
    plans = session.scalars(select(Plan).where(Plan.id.in_(plan_ids | set(updated))).order_by(Plan.id))
    return [(plan, set() if plan.id in plan_ids else updated[plan.id]) for plan in plans]
