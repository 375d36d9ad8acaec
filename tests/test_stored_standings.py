"""Each task's standing is stored (issue 17): written in the same transaction as the write that
changes it, recomputed when a day passes, checked against the rule by `flask standings check`, and
read with SQL by the task list, which then costs what it shows.

The data are test_dashboard's: `june` (read on 20/06/2026) and `dated` and `late_dozen` (tasks
with dates of their own, overdue on 10/01/2027)."""

from __future__ import annotations

import html as htmllib
import re
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select, update

from tests.conftest import ON_POSTGRES
from tests.helpers import at
from tests.test_dashboard import (  # noqa: F401  (fixtures)
    dated,
    freeze,
    june,
    late_dozen,
    page,
    paged_list,
    plain,
    progress,
    section,
    signed_in,
    spring,
)
from tests.test_progress import post_update
from tracker.accountability import queries as accountability
from tracker.accounts.models import User
from tracker.alerts.models import Alert
from tracker.alerts.services import scan as alert_scan
from tracker.core.time import ward_today
from tracker.dashboard import queries
from tracker.extensions import db
from tracker.periods.queries import plan_periods, plan_rounds
from tracker.plan import assignments
from tracker.plan.models import Assignment, Milestone, Task
from tracker.progress import status as rules
from tracker.reports.queries import owed_reports
from tracker.standing import listing, stored
from tracker.standing.models import PlanStanding, StoredLead, StoredStanding
from tracker.standing.queries import plan_snapshot
from tracker.standing.stored import current_standings, standing_differences
from tracker.units.models import Unit, unit_group_member


def stored_of(plan, code: str) -> StoredStanding:
    return db.session.scalar(
        select(StoredStanding)
        .join(Task, Task.id == StoredStanding.task_id)
        .where(Task.plan_id == plan.id, Task.code == code)
        .execution_options(populate_existing=True)
    )


def stored_day(plan) -> date | None:
    return db.session.scalar(select(PlanStanding.on_day).where(PlanStanding.plan_id == plan.id))


def test_a_progress_update_posted_in_the_browser_is_stored_in_its_own_transaction(app, plan, task_of):
    freeze(app, "2026-03-02T09:00:00+07:00")
    client = signed_in(app, "officer")  # Phòng VH-XH, which leads IV.4.1
    page(client, f"/plans/{plan.id}/tasks/IV.4.1")
    before = stored_of(plan, "IV.4.1")
    assert before.status == rules.NOT_STARTED and before.last_update_on is None
    response = post_update(client, plan, "IV.4.1", percent=35, results="Đã rà soát 120 hộ")
    assert response.status_code == 302
    # No page was read since: the row was written by the post's own transaction.
    after = stored_of(plan, "IV.4.1")
    assert (after.status, after.percent, after.last_update_on) == (rules.IN_PROGRESS_ON_TIME, 35, date(2026, 3, 2))
    assert stored_day(plan) == date(2026, 3, 2)
    # The parents roll up at once as well: IV.4 is the mean of its five leaves.
    assert stored_of(plan, "IV.4").percent == 7


def test_an_update_refreshes_its_task_its_parents_and_the_plan_not_the_whole_plan(dated, app, plan, monkeypatch):
    freeze(app, "2027-01-05T09:00:00+07:00")  # VI.3.2 (Phòng VH-XH leads it) was due 31/12: overdue
    client = signed_in(app, "officer")
    page(client, f"/plans/{plan.id}/my-unit")  # the day's standings, computed on reading
    plan_before = db.session.scalar(
        select(PlanStanding).where(PlanStanding.plan_id == plan.id).execution_options(populate_existing=True)
    )
    overdue, percent, parent = plan_before.overdue, plan_before.percent, stored_of(plan, "VI.3").percent
    assert stored_of(plan, "VI.3.2").status == rules.IN_PROGRESS_OVERDUE
    whole = []
    refresh_whole = stored.refresh_standings
    monkeypatch.setattr(stored, "refresh_standings", lambda *args: whole.append(args) or refresh_whole(*args))
    response = post_update(client, plan, "VI.3.2", percent=100, state="done", results="Đã hoàn thành")
    assert response.status_code == 302
    assert whole == []  # the task, its parents and the plan's figures only
    assert stored_of(plan, "VI.3.2").status == rules.DONE_LATE
    assert stored_of(plan, "VI.3").percent > parent
    plan_after = db.session.scalar(
        select(PlanStanding).where(PlanStanding.plan_id == plan.id).execution_options(populate_existing=True)
    )
    assert (plan_after.overdue, plan_after.on_day) == (overdue - 1, date(2027, 1, 5))
    assert plan_after.percent > percent
    with app.test_request_context():
        assert standing_differences(plan) == []
    # The next day the standings are yesterday's: the first write recomputes the whole plan.
    freeze(app, "2027-01-06T09:00:00+07:00")
    assert post_update(client, plan, "IV.4.1", percent=40).status_code == 302
    assert len(whole) == 1 and stored_day(plan) == date(2027, 1, 6)
    with app.test_request_context():
        assert standing_differences(plan) == []


def test_the_stored_standings_agree_with_the_rule_for_every_task(june, app, plan):
    client = signed_in(app, "committee")
    page(client, f"/plans/{plan.id}/dashboard/tasks")  # a new day (20/06): recomputed on reading
    assert stored_day(plan) == date(2026, 6, 20)
    with app.test_request_context():
        assert standing_differences(plan) == []
    snapshot = plan_snapshot(plan, date(2026, 6, 20))
    for figure in snapshot.leaves:
        stored = stored_of(plan, figure.task.code)
        assert listing.stored_standing(stored) == figure.standing, figure.task.code
        leads = db.session.scalars(
            select(StoredLead.unit_id).where(StoredLead.task_id == figure.task.id).order_by(StoredLead.sort_order)
        ).all()
        assert leads == [u.id for u in figure.primary_units]


def test_the_check_command_finds_a_standing_that_differs(june, app, plan, cli):
    result = cli.invoke(args=["standings", "check"])
    assert result.exit_code == 0, result.output
    assert "1 plans checked: 0 differences." in result.output or "0 khác biệt" in result.output
    db.session.execute(
        update(StoredStanding)
        .where(StoredStanding.task_id == select(Task.id).where(Task.code == "VI.6").scalar_subquery())
        .values(blocked=False, status=rules.DONE_LATE)
    )
    db.session.commit()
    result = cli.invoke(args=["standings", "check"])
    assert result.exit_code == 1
    assert "task VI.6: status stored 'done_late', computed 'in_progress_on_time'" in result.output
    assert "task VI.6: blocked stored False, computed True" in result.output


def test_time_alone_makes_a_task_overdue_on_the_next_day_s_list(dated, app, plan):
    client = signed_in(app, "committee")
    overdue = f"/plans/{plan.id}/dashboard/tasks?status=in_progress_overdue"
    freeze(app, "2026-06-30T09:00:00+07:00")  # IV.1 is due today
    assert paged_list(page(client, overdue))[:2] == (0, [])
    freeze(app, "2026-07-01T09:00:00+07:00")  # nothing written since: only the day changed
    assert paged_list(page(client, overdue))[:2] == (1, ["IV.1"])
    assert stored_day(plan) == date(2026, 7, 1)


def test_a_bulk_change_of_the_facts_is_never_hidden_by_old_standings(dated, app, plan):
    client = signed_in(app, "committee")
    freeze(app, "2026-07-01T09:00:00+07:00")
    overdue = f"/plans/{plan.id}/dashboard/tasks?status=in_progress_overdue"
    assert paged_list(page(client, overdue))[1] == ["IV.1"]
    # One statement moves every dated task's due date: no object, so no plan is named.
    db.session.execute(update(Task).where(Task.due_on.is_not(None)).values(due_on=date(2026, 6, 29)))
    db.session.commit()
    assert stored_day(plan) is None  # out of date until read
    assert paged_list(page(client, overdue))[1] == ["IV.1", "IV.4.4", "IV.8", "VI.3.2"]


def test_a_rolled_back_write_leaves_the_standings_as_they_were(june, app, plan, task_of, user_of):
    client = signed_in(app, "committee")
    page(client, f"/plans/{plan.id}/dashboard/tasks")
    with app.app_context():
        progress(user_of("officer_yte"), task_of("VI.6"), "tram-y-te", 100, "done", at("2026-06-19"))
        db.session.rollback()
        db.session.commit()
    assert stored_of(plan, "VI.6").status == rules.IN_PROGRESS_ON_TIME and stored_of(plan, "VI.6").blocked


ORDERS = {listing.ORDER_PLAN: lambda views: views, listing.ORDER_LATE: queries.worst_first}


@pytest.mark.parametrize("fixture", ["june", "late_dozen"])
def test_every_filter_and_order_lists_what_the_rule_finds(fixture, request, app, plan):
    """The SQL list against the rule's own snapshot, for each status, flag, section and unit."""
    request.getfixturevalue(fixture)
    day = date(2026, 6, 20) if fixture == "june" else date(2027, 1, 10)
    freeze(app, f"{day.isoformat()}T09:00:00+07:00")
    with app.test_request_context():
        current_standings(plan, day)
        snapshot = plan_snapshot(plan, day)
        units = db.session.scalars(select(Unit.id).where(Unit.ward_id == plan.ward_id)).all()
        choices = (
            [listing.TaskFilter()]
            + [listing.TaskFilter(status=s) for s in rules.STATUSES]
            + [listing.TaskFilter(flag=f) for f in queries.FLAGS]
            + [listing.TaskFilter(section=s.task.code) for s in snapshot.sections]
            + [listing.TaskFilter(unit_id=u) for u in units]
            + [listing.TaskFilter(section="VI", unit_id=u, flag=rules.STALE) for u in units]
        )
        for chosen in choices:
            expected = queries.matching_tasks(
                snapshot, section=chosen.section, unit_id=chosen.unit_id, status=chosen.status, flag=chosen.flag
            )
            for order, arrange in ORDERS.items():
                found = listing.task_page(plan, chosen, order, 1, 1000)
                assert [t.task.code for t in found.items] == [v.task.code for v in arrange(expected)], (chosen, order)
                assert found.total == len(expected)
        nonempty = [c for c in choices if listing.count_tasks(plan, c)]
        assert len(nonempty) > 20


def test_the_task_list_reads_only_the_tasks_it_shows(late_dozen, app, plan):
    """A page of ten loads ten tasks, not the plan's 54, whatever the list's length."""
    freeze(app, "2027-01-10T09:00:00+07:00")
    app.config["LIST_PAGE_SIZE"] = 10
    client = signed_in(app, "committee")
    url = f"/plans/{plan.id}/dashboard/tasks?order=late"
    page(client, url)  # the day's standings
    loaded: list[int] = []

    def count(target, _context):
        loaded.append(target.id)

    event.listen(Task, "load", count)
    try:
        total, codes, _following = paged_list(page(client, url))
        page_two = paged_list(page(client, url + "&page=2"))[1]
    finally:
        event.remove(Task, "load", count)
    assert total == 45 and len(codes) == 10 and codes == list(reversed(late_dozen))[:10]
    # The three least overdue, then the tasks that are not overdue, in the plan's order.
    assert page_two[:3] == list(reversed(late_dozen))[10:] + ["VI.3.2"] and len(page_two) == 10
    assert len(loaded) <= 2 * 10 + 2  # two pages of ten, and the sections the filters name
    assert db.session.scalar(select(func.count(StoredStanding.task_id))) == 54


@pytest.mark.parametrize("fixture", ["june", "late_dozen", "dated"])
def test_the_league_table_s_sql_figures_are_the_rule_s(fixture, request, app, plan, task_of):
    """Each unit's led tasks, on track, overdue, stale and longest-late item, from SQL and from the
    snapshot, on a day with overdue tasks (some equally late) and overdue milestones."""
    request.getfixturevalue(fixture)
    day = date(2026, 6, 20) if fixture == "june" else date(2027, 1, 10)
    # Trạm Y tế's two milestones are equally late, and its only late items; Phòng XD-NN-MT's
    # earlier one is later than its overdue tasks and its other milestone.
    milestones = (
        ("IV.4.3", "A", "2026-03-01"),
        ("VI.6", "B", "2026-03-01"),
        ("VI.1.1", "C", "2026-01-15"),
        ("IV.7", "D", "2026-12-01"),
    )
    for code, title, due in milestones:
        db.session.add(Milestone(task_id=task_of(code).id, title=title, due_on=date.fromisoformat(due)))
    db.session.commit()
    freeze(app, f"{day.isoformat()}T09:00:00+07:00")
    with app.test_request_context():
        current_standings(plan, day)
        snapshot = plan_snapshot(plan, day)
        milestones = [m for leaf in snapshot.leaves for m in snapshot.milestones_of(leaf.task.id)]
        assert sum(m.is_overdue(day) for m in milestones) == (3 if fixture == "june" else 4)
        scope = accountability.scope_for(plan_periods(plan), None, day)
        units = list(snapshot.units.values())

        def table(led):
            return {
                f.unit.code: (f.tasks_led, f.on_track, f.overdue, f.stale, f.longest, f.overdue_since, f.is_late)
                for f in accountability.unit_figures(plan, units, led, scope, day)
            }

        from_sql = table(accountability.stored_led_figures(plan, day))
        assert from_sql == table(accountability.snapshot_led_figures(snapshot, day))
    assert len(from_sql) >= 12 and sum(row[2] for row in from_sql.values()) == (
        0 if fixture == "june" else 4 + 9 * (fixture == "late_dozen")
    )


def test_each_unit_s_longest_overdue_tasks_are_its_own_and_all_of_them(late_dozen, app, plan, task_of):
    """Two by two the twelve tasks are equally late, so that some number of days is one unit's
    longest and another unit's shorter: each unit gets its own most overdue tasks, every one of
    them when several are equally late, and no other unit's."""
    for place, code in enumerate(reversed(late_dozen)):
        task_of(code).due_on = date(2026, 6, 1) + timedelta(days=place // 2)
    task_of("IV.3").due_on = task_of("IV.6").due_on  # both led by one unit: its two longest
    db.session.commit()
    day = date(2027, 1, 10)
    freeze(app, f"{day.isoformat()}T09:00:00+07:00")
    with app.test_request_context():
        current_standings(plan, day)
        led = db.session.execute(
            select(StoredLead.unit_id, Task.code, StoredStanding.days_overdue)
            .join(StoredStanding, StoredStanding.task_id == StoredLead.task_id)
            .join(Task, Task.id == StoredLead.task_id)
            .where(StoredStanding.plan_id == plan.id, StoredStanding.status == rules.IN_PROGRESS_OVERDUE)
        ).all()
        most = {}
        for unit_id, _code, days in led:
            most[unit_id] = max(days, most.get(unit_id, 0))
        expected = {}
        for unit_id, code, days in led:
            if days == most[unit_id]:
                expected.setdefault(unit_id, set()).add(code)
        found = {}
        for unit_id, code, _since, _days in listing.longest_overdue(plan):
            found.setdefault(unit_id, set()).add(code)
    assert found == expected
    # The case is there: several units, one with two equally late tasks, and some unit's longest
    # number of days is also that of a less overdue task of another unit.
    assert len(expected) >= 3 and any(len(codes) > 1 for codes in expected.values())
    assert any(days in most.values() and days < most[unit_id] for unit_id, _code, days in led)


def test_a_unit_s_tasks_are_what_the_plan_s_workload_finds_for_every_unit(app, plan):
    """Read from the assignments that name the unit or its groups, in the plan's order."""
    with app.test_request_context():
        current_standings(plan, date(2026, 12, 5))
        work = assignments.plan_workload(plan)
        for unit_id, entry in work.items():
            mine = assignments.unit_task_ids(plan, unit_id, listing.positions)
            assert mine.leads == [row.task.id for row in entry.leads], entry.unit.code
            assert mine.supports == [row.task.id for row in entry.supports], entry.unit.code
        assert sum(bool(e.leads) for e in work.values()) > 10 and any(
            e.unit.is_group and e.leads for e in work.values()
        )


def test_the_unit_page_shows_a_page_of_each_list(app, plan):
    """Phòng VH-XH leads 9 tasks and supports others: three a page, each list turning on its own."""
    app.config["LIST_PAGE_SIZE"] = 3
    client = signed_in(app, "officer")
    html = page(client, f"/plans/{plan.id}/my-unit")
    led = html.split('id="led"', 1)[1].split("</section>", 1)[0]
    assert '<span class="badge text-bg-secondary">9</span>' in led
    assert re.findall(r'<span class="task-code">([^<]+)</span>', led) == ["IV.4.1", "IV.4.2", "IV.8"]
    following = htmllib.unescape(re.search(r'rel="next" href="([^"]+)"', led).group(1))
    assert "led=2" in following and following.endswith("#led")
    html = page(client, following)
    led = html.split('id="led"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<span class="task-code">([^<]+)</span>', led) == ["VI.3.1", "VI.3.2", "VI.3.3"]
    supported = html.split('id="supported"', 1)[1].split("</section>", 1)[0]
    assert "1–3 of" in plain(supported)  # the other list stays on its first page
    next_supported = htmllib.unescape(re.search(r'rel="next" href="([^"]+)"', supported).group(1))
    assert "led=2" in next_supported and "supported=2" in next_supported


def test_a_plan_of_thousands_of_tasks_is_stored_and_scanned_in_batches(app, plan, task_of):
    """4,500 more tasks, all overdue: their standings (20 values a row) and their alerts (16 a
    row) in one statement each would pass PostgreSQL's 65,535 parameters; in batches they do not
    (run on PostgreSQL by `make test-pg`)."""
    section, vhxh = task_of("IV"), db.session.scalar(select(Unit.id).where(Unit.code == "phong-vh-xh"))
    for n in range(4500):
        task = Task(
            plan_id=plan.id,
            parent_id=section.id,
            code=f"IV.X.{n + 1}",
            title=f"Nhiệm vụ bổ sung {n + 1}",
            start_on=date(2026, 1, 1),
            due_on=date(2026, 1, 31),
            sort_order=1000 + n,
        )
        task.assignments.append(Assignment(unit_id=vhxh, role="lead", is_primary=True))
        db.session.add(task)
    db.session.commit()  # the session hook stores the plan's 4,554 standings in this transaction
    with app.test_request_context():
        assert stored_day(plan) == ward_today()
        chosen = listing.TaskFilter(status=rules.IN_PROGRESS_OVERDUE)
        assert listing.count_tasks(plan, chosen) == 4500
        result = alert_scan(plan, date(2026, 6, 20), datetime.fromisoformat("2026-06-20T07:00:00+07:00"))
        db.session.commit()
        assert standing_differences(plan) == []
    overdue_alerts = db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == "task_overdue"))
    assert overdue_alerts == 4500 and len(result.created) >= 4500


def test_a_page_s_old_copy_of_a_task_never_makes_the_stored_standing(app, plan, task_of, user_of):
    """A request holds IV.1 as it was; another moves IV.1's due date into the past and commits; the
    first then posts an update on another task: its commit recomputes the plan from the database,
    not from its old copy of IV.1."""
    officer = user_of("officer_yte").id
    held = task_of("IV.1")
    assert held.due_on is None
    with app.app_context():  # another request, another session
        other = db.session.get(Task, held.id)
        other.start_on, other.due_on = date(2026, 1, 1), date(2026, 2, 1)
        db.session.commit()
    progress(db.session.get(User, officer), task_of("IV.4.3"), "tram-y-te", 20, "working", at("2026-03-01"))
    db.session.commit()
    assert stored_of(plan, "IV.1").status == rules.IN_PROGRESS_OVERDUE
    with app.test_request_context():
        assert standing_differences(plan) == []


def test_a_savepoint_rolled_back_keeps_the_outer_transaction_s_changes(app, plan, task_of, user_of):
    progress(user_of("officer_yte"), task_of("IV.4.3"), "tram-y-te", 20, "working", at("2026-03-01"))
    db.session.flush()
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    db.session.commit()
    assert stored_of(plan, "IV.4.3").percent == 20


def test_a_statement_on_the_group_members_marks_the_standings_out_of_date(app, plan, task_of):
    """VI.9 is led by a group with no members: nobody answers for it, until one statement adds one."""
    client = signed_in(app, "committee")
    page(client, f"/plans/{plan.id}/dashboard/tasks")
    assert stored_of(plan, "VI.9").unassigned
    lead = db.session.scalar(select(Assignment.unit_id).where(Assignment.task_id == task_of("VI.9").id))
    member = db.session.scalar(select(Unit.id).where(Unit.code == "phong-vh-xh"))
    db.session.execute(insert(unit_group_member).values(group_id=lead, member_id=member))
    db.session.commit()
    page(client, f"/plans/{plan.id}/dashboard/tasks")
    assert not stored_of(plan, "VI.9").unassigned
    with app.test_request_context():
        assert standing_differences(plan) == []


@pytest.mark.skipif(not ON_POSTGRES, reason="needs the PostgreSQL test server (TEST_DATABASE_URL)")
def test_two_updates_committed_at_once_are_both_in_the_standings(app, plan, user_of, task_of):
    """Two officers' updates on one plan, committed at the same moment from two connections: the
    second commit waits for the first's lock on the plan and reads what it committed."""
    posts = [(user_of("officer").id, "IV.4.1", "phong-vh-xh"), (user_of("officer_yte").id, "IV.4.3", "tram-y-te")]
    ready, errors = threading.Barrier(2), []

    def post(user_id, code, unit_code):
        try:
            with app.app_context():
                progress(db.session.get(User, user_id), task_of(code), unit_code, 40, "working", at("2026-03-01"))
                db.session.flush()
                ready.wait(timeout=30)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=post, args=args) for args in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [stored_of(plan, code).percent for code in ("IV.4.1", "IV.4.3")] == [40, 40]
    with app.test_request_context():
        assert standing_differences(plan) == []


def test_the_dashboard_s_overdue_list_follows_the_status_filter(late_dozen, app, plan):
    freeze(app, "2027-01-10T09:00:00+07:00")
    client = signed_in(app, "committee")
    overdue = section(page(client, f"/plans/{plan.id}/dashboard/?status=in_progress_overdue"), "overdue-heading")
    assert '<span class="badge text-bg-danger">13</span>' in overdue
    done = section(page(client, f"/plans/{plan.id}/dashboard/?status=done_on_time"), "overdue-heading")
    assert '<span class="badge text-bg-danger">0</span>' in done and "No task is overdue." in done


def test_a_unit_group_owes_no_report_its_members_do(app, plan, period_of):
    """The groups' own reports, worked out for the group alone, are none, as for the whole plan."""
    rounds = plan_rounds(plan)
    groups = db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id, Unit.is_group.is_(True))).all()
    everything = owed_reports(plan, rounds)
    assert groups and everything
    for group in groups:
        assert owed_reports(plan, rounds, unit_id=group.id) == []
        assert not [o for o in everything if o.unit_id == group.id]
    vhxh = db.session.scalar(select(Unit.id).where(Unit.code == "phong-vh-xh"))
    alone = owed_reports(plan, rounds, unit_id=vhxh)
    assert [(o.round.id, [t.id for t in o.tasks]) for o in alone] == [
        (o.round.id, [t.id for t in o.tasks]) for o in everything if o.unit_id == vhxh
    ]


def test_the_reports_owed_are_stored_for_every_round_and_follow_an_assignment(june, app, plan, task_of, period_of):
    """Every round's unit reports owed are stored with the standings, as the plan's rule works them
    out; the dashboard's reporting list, the review queue and the league table read them. A unit
    given a task owes its reports from that commit on."""
    rounds = plan_rounds(plan)

    def stored():
        with app.test_request_context():
            current_standings(plan, date(2026, 6, 20))
        return [(o.round.id, o.unit_id, o.sections) for o in listing.owed_in_rounds(plan, rounds)]

    def computed():
        return [(o.round.id, o.unit_id, len(o.tasks)) for o in owed_reports(plan, rounds)]

    assert stored() == computed() and len(computed()) > 2 * len(rounds)
    owing = {unit_id for _round, unit_id, _sections in computed()}
    idle = db.session.scalar(
        select(Unit)
        .where(Unit.ward_id == plan.ward_id, Unit.is_group.is_(False), Unit.id.not_in(owing))
        .order_by(Unit.sort_order, Unit.id)
    )
    assert idle is not None
    db.session.add(Assignment(task_id=task_of("IV.4.1").id, unit_id=idle.id, role="lead", is_primary=True))
    db.session.commit()
    assert idle.id in {unit_id for _round, unit_id, _sections in stored()}
    assert stored() == computed()
    assert standing_differences(plan) == []

    # The six-month round as the dashboard and the review queue list it: the units that owe, in order.
    six = period_of("six_month", 2026)
    six_round = next(r for r in rounds if six in r)
    owed_six = [o for o in owed_reports(plan, [six_round])]
    names = [db.session.get(Unit, o.unit_id).name for o in owed_six]
    dashboard = section(
        page(signed_in(app, "committee"), f"/plans/{plan.id}/dashboard/?period={six.id}"), "reporting-heading"
    )
    assert re.findall(r'<a href="[^"]*">([^<]+)</a>', dashboard) == names
    queue = plain(page(signed_in(app, "secretariat"), f"/plans/{plan.id}/review?period={six.id}"))
    assert f"{len(owed_six)} units owe a report" in queue


def test_the_unfiltered_dashboard_reads_its_counts_from_the_plans_tallies_not_from_every_task(dated, app, plan):
    """The dashboard's counts by status and by flag, the overdue and blocked totals: from the one
    row of the plan's stored standing, kept with the standings, and equal to counting the tasks.
    A narrowed dashboard (one unit) still counts its tasks."""
    freeze(app, "2027-01-05T09:00:00+07:00")
    client = signed_in(app, "committee")
    page(client, f"/plans/{plan.id}/dashboard/")  # the day's standings
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        html = page(client, f"/plans/{plan.id}/dashboard/")
        unfiltered = list(statements)
        statements.clear()
        page(client, f"/plans/{plan.id}/dashboard/?unit=phong-vh-xh")
        narrowed = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    counted = [s for s in unfiltered if "count(" in s.lower() and "FROM task_standing" in s]
    assert counted == [], "no count over the plan's tasks"
    assert any("count(" in s.lower() and "FROM task_standing" in s for s in narrowed)

    leaves = select(StoredStanding).where(StoredStanding.plan_id == plan.id, StoredStanding.is_leaf.is_(True))
    by_status = dict(
        db.session.execute(
            select(StoredStanding.status, func.count())
            .where(StoredStanding.plan_id == plan.id, StoredStanding.is_leaf.is_(True))
            .group_by(StoredStanding.status)
        ).all()
    )
    tallies = db.session.get(PlanStanding, plan.id).tallies
    for status in rules.STATUSES:
        assert tallies[stored.tally_key(status=status)] == by_status.get(status, 0), status
    blocked = len(db.session.scalars(leaves.where(StoredStanding.blocked.is_(True))).all())
    stale = len(db.session.scalars(leaves.where(StoredStanding.stale.is_(True))).all())
    assert (tallies["flag:blocked"], tallies["flag:stale"]) == (blocked, stale)
    assert by_status.get(rules.IN_PROGRESS_OVERDUE, 0) > 0, "tasks are overdue on that day"
    text = plain(html)
    assert re.search(rf"\b{sum(by_status.values())}\b", text)

    # The league table's counts of each unit's tasks: from the same row.
    chair = signed_in(app, "chair")
    page(chair, f"/plans/{plan.id}/accountability/")
    event.listen(engine, "before_cursor_execute", record)
    try:
        statements.clear()
        page(chair, f"/plans/{plan.id}/accountability/")
        league = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in league if "count(" in s.lower() and "task_standing_lead" in s]
    led = dict(
        db.session.execute(
            select(StoredLead.unit_id, func.count())
            .join(StoredStanding, StoredStanding.task_id == StoredLead.task_id)
            .where(StoredLead.plan_id == plan.id, StoredStanding.status == rules.IN_PROGRESS_OVERDUE)
            .group_by(StoredLead.unit_id)
        ).all()
    )
    assert led, "some unit answers for an overdue task"
    for unit_id, overdue in led.items():
        assert tallies[stored.unit_tally_key(unit_id, "overdue")] == overdue
