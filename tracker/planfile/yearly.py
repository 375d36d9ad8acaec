"""A yearly plan derived from the five-year plan (the plan says "UBND phường sẽ xây dựng Kế hoạch
giảm nghèo từng năm"): the five-year plan's tasks copied under the same codes, with their units;
the year's reporting periods; each indicator with the year's target from the roadmap; dates and
milestones of that year. It is written as a plan file and loaded by the plan file's own loader, with
the five-year plan as its parent; the five-year plan shows each yearly plan's progress.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from tracker.extensions import db
from tracker.plan.models import Plan
from tracker.planfile import export, loading
from tracker.planfile.schema import PlanFile, TaskData
from tracker.standing.models import PlanStanding


def yearly_code(plan: Plan, year: int) -> str:
    return f"{plan.code}-NAM-{year}"


def _task_of_year(task: TaskData, year: int) -> TaskData:
    """The task as the year's: its dates kept within the year, its milestones of the year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    task.milestones = [m for m in task.milestones if first <= m.due <= last]
    if task.due and task.due < first:
        task.start, task.due = None, None  # done with before the year: no dates of its own in it
    elif task.start or task.due:
        task.start = max(task.start, first) if task.start else None
        task.due = min(task.due, last) if task.due else None
        if task.start and task.due and task.start > task.due:
            task.start = None
    task.children = [_task_of_year(child, year) for child in task.children]
    return task


def yearly_plan_file(plan: Plan, year: int) -> PlanFile:
    """The yearly plan of `year` as a plan file (nothing written)."""
    if not plan.start_year <= year <= plan.end_year:
        raise ValueError(year)
    pf = copy.deepcopy(export.plan_to_file(plan))
    data = pf.plan
    data.code, data.parent = yearly_code(plan, year), plan.code
    data.title = f"Kế hoạch giảm nghèo năm {year} (thực hiện {plan.title[:1].lower()}{plan.title[1:]})"
    data.start_year = data.end_year = year
    data.reporting.periods = [p for p in data.reporting.periods if p.year == year]
    data.poverty_standards = [s for s in data.poverty_standards if s.year == year] or data.poverty_standards
    for indicator in data.indicators:
        indicator.targets = [t for t in indicator.targets if t.year == year]
        if indicator.baseline_year is not None and indicator.baseline_year >= year:
            indicator.baseline_year, indicator.baseline_value = None, None
    data.roadmap.stated_totals = {}  # the five-year totals are not the year's
    data.tasks = [_task_of_year(task, year) for task in data.tasks]
    return pf


def derive_yearly_plan(plan: Plan, year: int) -> Plan:
    """Load the yearly plan of `year` (refused, as a plan file would be, if it does not validate);
    the caller commits and records it."""
    if db.session.scalar(select(Plan.id).where(Plan.ward_id == plan.ward_id, Plan.code == yearly_code(plan, year))):
        raise FileExistsError(yearly_code(plan, year))
    summary = loading.load_plan_file(yearly_plan_file(plan, year), f"{plan.code} → {year}")
    return summary.plan


@dataclass(frozen=True)
class YearlyProgress:
    plan: Plan
    year: int
    percent: Decimal | None  # as stored for the plan's day; None before its first standings


def yearly_plans(plan: Plan) -> list[YearlyProgress]:
    """The plan's yearly plans, year by year, each with its progress as stored."""
    rows = db.session.execute(
        select(Plan, PlanStanding.percent)
        .outerjoin(PlanStanding, PlanStanding.plan_id == Plan.id)
        .where(Plan.parent_id == plan.id)
        .order_by(Plan.start_year, Plan.code)
    ).all()
    return [YearlyProgress(child, child.start_year, percent) for child, percent in rows]
