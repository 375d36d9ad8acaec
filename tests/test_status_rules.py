"""The status rule, its flags and the roll-up, case by case (design.md, "Rules the whole product
keeps"). These are pure functions: no database."""

from datetime import date
from decimal import Decimal

import pytest

from tracker.plan.assignments import effective_assignments
from tracker.progress import status as rules
from tracker.units.services import stands_for

PLAN_START, PLAN_END = date(2026, 1, 1), date(2030, 12, 31)


def facts(**overrides) -> rules.TaskFacts:
    values = dict(
        start_on=None,
        due_on=None,
        window_start=PLAN_START,
        window_end=PLAN_END,
        latest_percent=None,
        latest_state=None,
        latest_on=None,
        done_on=None,
    )
    values.update(overrides)
    if values["start_on"]:
        values["window_start"] = values["start_on"]
    if values["due_on"]:
        values["window_end"] = values["due_on"]
    return rules.TaskFacts(**values)


def standing(today=date(2026, 3, 1), stale_after=45, **overrides) -> rules.TaskStanding:
    return rules.task_standing(facts(**overrides), today, stale_after)


# --- status ---------------------------------------------------------------------------------


def test_no_update_yet_is_not_started():
    result = standing()
    assert result.status == rules.NOT_STARTED
    assert result.percent == 0 and result.last_update_on is None


def test_progress_reported_in_time_is_in_progress_on_time():
    result = standing(latest_percent=30, latest_state="working", latest_on=date(2026, 2, 20))
    assert result.status == rules.IN_PROGRESS_ON_TIME
    assert result.percent == 30


def test_a_dated_task_past_due_and_not_done_is_overdue_counting_days_from_the_due_date():
    result = standing(
        today=date(2027, 1, 10),
        start_on=date(2026, 1, 1),
        due_on=date(2026, 12, 31),
        latest_percent=70,
        latest_state="working",
        latest_on=date(2026, 12, 1),
    )
    assert result.status == rules.IN_PROGRESS_OVERDUE
    assert result.days_overdue == 10
    assert result.rating == rules.RED


def test_a_dated_task_with_no_update_past_due_is_overdue_not_just_not_started():
    result = standing(today=date(2027, 1, 1), start_on=date(2026, 1, 1), due_on=date(2026, 12, 31))
    assert result.status == rules.IN_PROGRESS_OVERDUE
    assert result.days_overdue == 1


def test_on_the_due_date_itself_a_task_is_not_yet_overdue():
    result = standing(
        today=date(2026, 12, 31),
        start_on=date(2026, 1, 1),
        due_on=date(2026, 12, 31),
        latest_percent=90,
        latest_state="working",
        latest_on=date(2026, 12, 30),
    )
    assert result.status == rules.IN_PROGRESS_ON_TIME


def test_done_by_the_due_date_is_done_on_time():
    result = standing(
        today=date(2027, 3, 1),
        start_on=date(2026, 1, 1),
        due_on=date(2026, 12, 31),
        latest_percent=100,
        latest_state="done",
        latest_on=date(2026, 12, 31),
        done_on=date(2026, 12, 31),
    )
    assert result.status == rules.DONE_ON_TIME
    assert result.percent == 100 and result.rating == rules.GREEN


def test_done_after_the_due_date_is_done_late_by_the_days_it_took():
    result = standing(
        today=date(2027, 3, 1),
        start_on=date(2026, 1, 1),
        due_on=date(2026, 12, 31),
        latest_percent=100,
        latest_state="done",
        latest_on=date(2027, 1, 5),
        done_on=date(2027, 1, 5),
    )
    assert result.status == rules.DONE_LATE
    assert result.days_overdue == 5


def test_a_later_correction_does_not_move_the_date_a_task_was_done():
    # Done on 20/12 (in time); a correction posted on 10/01 still says done.
    result = standing(
        today=date(2027, 3, 1),
        start_on=date(2026, 1, 1),
        due_on=date(2026, 12, 31),
        latest_percent=100,
        latest_state="done",
        latest_on=date(2027, 1, 10),
        done_on=date(2026, 12, 20),
    )
    assert result.status == rules.DONE_ON_TIME


def test_a_continuous_task_with_a_late_report_is_not_overdue_and_carries_the_late_report_flag():
    """VI.3.4 ("thường xuyên, không có thời hạn") at 60% with the six-month report not sent."""
    on_time = standing(today=date(2026, 6, 20), latest_percent=60, latest_state="working", latest_on=date(2026, 6, 1))
    late = standing(
        today=date(2026, 6, 20),
        latest_percent=60,
        latest_state="working",
        latest_on=date(2026, 6, 1),
        late_report_due=date(2026, 6, 5),
    )
    assert on_time.status == late.status == rules.IN_PROGRESS_ON_TIME
    assert not late.is_overdue and late.days_overdue == 0
    assert late.late_report and late.late_report_days == 15 and late.late_report_due == date(2026, 6, 5)
    assert late.has_flag(rules.LATE_REPORT) and not on_time.has_flag(rules.LATE_REPORT)
    # 60% against 9,4% expected is ahead of schedule: the rating agrees with the figures beside it.
    assert late.expected == rules.expected_percent(PLAN_START, PLAN_END, date(2026, 6, 20)) == Decimal("9.4")
    assert late.rating == rules.GREEN


def test_a_continuous_task_is_never_overdue_whatever_the_date():
    result = standing(today=date(2030, 12, 31), late_report_due=date(2026, 6, 5))
    assert result.status == rules.NOT_STARTED
    assert not result.is_overdue


def test_a_late_report_on_a_dated_task_does_not_make_it_overdue_before_its_due_date():
    result = standing(
        today=date(2026, 6, 20),
        start_on=date(2026, 1, 1),
        due_on=date(2026, 12, 31),
        latest_percent=50,
        latest_state="working",
        latest_on=date(2026, 6, 1),
        late_report_due=date(2026, 6, 5),
    )
    assert result.status == rules.IN_PROGRESS_ON_TIME and result.late_report


def test_a_task_reported_done_carries_no_late_report_flag():
    result = standing(
        today=date(2026, 6, 20),
        latest_percent=100,
        latest_state="done",
        latest_on=date(2026, 6, 1),
        done_on=date(2026, 6, 1),
        late_report_due=date(2026, 6, 5),
    )
    assert result.status == rules.DONE_ON_TIME
    assert not result.late_report


# --- flags ----------------------------------------------------------------------------------


def test_blocked_follows_the_latest_lead_update():
    assert standing(latest_percent=20, latest_state="blocked", latest_on=date(2026, 2, 1)).blocked
    assert not standing(latest_percent=20, latest_state="working", latest_on=date(2026, 2, 1)).blocked


@pytest.mark.parametrize("last_update, stale", [(date(2026, 1, 15), True), (date(2026, 1, 16), False)])
def test_stale_after_the_configured_days_without_an_update(last_update, stale):
    # 1 March is 45 days after 15 January.
    result = standing(today=date(2026, 3, 1), latest_percent=10, latest_state="working", latest_on=last_update)
    assert result.stale is stale


def test_a_task_never_updated_is_stale_once_the_days_have_passed_since_it_started():
    assert standing(today=date(2026, 2, 15)).stale is True
    assert standing(today=date(2026, 2, 13)).stale is False
    assert standing(today=date(2026, 2, 15), stale_after=60).stale is False


def test_an_accepted_report_section_counts_as_an_update_for_stale():
    # No update since 15 January, but the unit's report covering the task was accepted with its 5 June submission.
    without = standing(today=date(2026, 6, 20), latest_percent=10, latest_state="working", latest_on=date(2026, 1, 15))
    with_report = standing(
        today=date(2026, 6, 20),
        latest_percent=10,
        latest_state="working",
        latest_on=date(2026, 1, 15),
        reported_on=date(2026, 6, 5),
    )
    assert without.stale and without.stale_since == date(2026, 1, 15)
    assert not with_report.stale


def test_a_task_with_an_accepted_report_section_is_under_way_even_without_an_update():
    """The ward report must not say "Chưa thực hiện" beside a unit's accepted results."""
    result = standing(today=date(2026, 6, 20), reported_on=date(2026, 6, 5))
    assert result.status == rules.IN_PROGRESS_ON_TIME
    assert standing(today=date(2026, 6, 20)).status == rules.NOT_STARTED


def test_a_task_nobody_answers_for_is_unassigned_never_stale():
    result = standing(today=date(2027, 1, 1), unassigned=True)
    assert result.unassigned and result.has_flag(rules.UNASSIGNED)
    assert not result.stale


def test_a_done_task_is_never_stale():
    assert not standing(
        today=date(2027, 1, 1),
        latest_percent=100,
        latest_state="done",
        latest_on=date(2026, 2, 1),
        done_on=date(2026, 2, 1),
    ).stale


# --- schedule rating ------------------------------------------------------------------------


def test_expected_progress_is_the_share_of_the_window_elapsed():
    assert rules.expected_percent(date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 5)) == Decimal("50.0")
    assert rules.expected_percent(date(2026, 1, 1), date(2026, 1, 10), date(2025, 12, 31)) == 0
    assert rules.expected_percent(date(2026, 1, 1), date(2026, 1, 10), date(2027, 1, 1)) == 100


@pytest.mark.parametrize(
    "percent, rating",
    [(40, rules.GREEN), (50, rules.GREEN), (39, rules.AMBER), (25, rules.AMBER), (24, rules.RED), (0, rules.RED)],
)
def test_rating_bands(percent, rating):
    # The window 1/1–10/1 is half elapsed on 5/1: expected 50%, so gap = percent - 50.
    result = rules.task_standing(
        facts(
            start_on=date(2026, 1, 1),
            due_on=date(2026, 1, 10),
            latest_percent=percent,
            latest_state="working",
            latest_on=date(2026, 1, 5),
        ),
        date(2026, 1, 5),
        45,
    )
    assert result.gap == percent - 50
    assert result.rating == rating


def test_past_its_own_due_date_a_task_is_red_whatever_the_gap():
    result = standing(
        today=date(2027, 1, 5),
        start_on=date(2026, 1, 1),
        due_on=date(2026, 12, 31),
        latest_percent=99,
        latest_state="working",
        latest_on=date(2027, 1, 4),
    )
    assert result.status == rules.IN_PROGRESS_OVERDUE and result.rating == rules.RED
    assert result.overdue_since == date(2027, 1, 1)


@pytest.mark.parametrize(
    "percent, late_report_due, rating",
    [
        (60, None, rules.GREEN),
        (60, date(2026, 11, 10), rules.GREEN),
        (12, None, rules.GREEN),
        (5, None, rules.AMBER),
        (5, date(2026, 11, 10), rules.AMBER),
        (0, None, rules.AMBER),
    ],
)
def test_the_rating_comes_from_the_gap_never_from_a_late_report(percent, late_report_due, rating):
    """On 20/01/2027 a continuous task is expected at 21,1%: the gap alone decides."""
    result = standing(
        today=date(2027, 1, 20),
        latest_percent=percent,
        latest_state="working",
        latest_on=date(2027, 1, 1),
        late_report_due=late_report_due,
    )
    assert result.expected == Decimal("21.1")
    assert result.gap == percent - Decimal("21.1")
    assert result.rating == rating
    assert rules.behind_schedule(result.percent, result.expected) is (rating != rules.GREEN)


# --- roll-up --------------------------------------------------------------------------------


def test_weights_are_normalised():
    assert rules.weighted_mean([(Decimal(100), Decimal(1)), (Decimal(0), Decimal(3))]) == Decimal("25.0")
    assert rules.weighted_mean([(Decimal(100), Decimal(2)), (Decimal(0), Decimal(2))]) == Decimal("50.0")


def test_default_weights_give_the_plain_mean():
    assert rules.weighted_mean(
        [(Decimal(40), Decimal(1)), (Decimal(60), Decimal(1)), (Decimal(20), Decimal(1))]
    ) == Decimal("40.0")


def test_a_finished_child_counts_100_even_if_its_last_percent_said_less():
    done = standing(latest_percent=80, latest_state="done", latest_on=date(2026, 2, 1), done_on=date(2026, 2, 1))
    assert done.percent == 100
    assert rules.weighted_mean([(done.percent, Decimal(1)), (Decimal(0), Decimal(1))]) == Decimal("50.0")


def test_nothing_to_roll_up_is_zero():
    assert rules.weighted_mean([]) == 0


# --- who answers for a task: two lead units, groups, unassigned -----------------------------


class Row:
    def __init__(self, task_id, unit_id, role, is_primary=False):
        self.task_id, self.unit_id, self.role, self.is_primary = task_id, unit_id, role, is_primary


def test_two_lead_units_one_answers_for_the_task():
    effective = effective_assignments([Row(1, 10, "lead", True), Row(1, 11, "lead", False)], groups={})
    assert effective[(1, 10)].is_primary and not effective[(1, 11)].is_primary
    assert effective[(1, 11)].role == "lead"


def test_a_group_assignment_is_an_assignment_to_each_member():
    groups = {100: [10, 11], 200: [100, 12]}  # nested groups
    effective = effective_assignments([Row(1, 200, "partner")], groups)
    assert set(effective) == {(1, 10), (1, 11), (1, 12)}
    assert all(a.via_group_id == 200 for a in effective.values())
    assert stands_for(groups, [200])[200] == {10, 11, 12}


def test_the_strongest_role_wins_when_a_lead_is_also_in_a_partner_group():
    effective = effective_assignments([Row(1, 10, "lead", True), Row(1, 100, "partner")], groups={100: [10, 11]})
    assert effective[(1, 10)].role == "lead" and effective[(1, 10)].is_primary
    assert effective[(1, 11)].role == "partner"


def test_an_unassigned_task_has_no_one_answering():
    assert effective_assignments([], groups={}) == {}
