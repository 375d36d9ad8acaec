"""Reading a plan out of the database as a plan file (`plan_to_file`), the inverse of loading."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.services import unit_deadline_for
from tracker.plan.models import ROLE_LEAD, ROLE_PARTNER, Plan, Task
from tracker.planfile.schema import (
    IndicatorData,
    MilestoneData,
    NarrativeData,
    PeriodData,
    PlanData,
    PlanFile,
    ReportingData,
    RoadmapData,
    SignatureData,
    StandardData,
    TargetData,
    TaskData,
    UnitData,
    WardData,
)
from tracker.targets.models import Indicator, PovertyStandard
from tracker.units.models import Unit


def ward_units(ward) -> list[UnitData]:
    """The ward's units as plan-file data, in their order."""
    units = db.session.scalars(select(Unit).where(Unit.ward_id == ward.id).order_by(Unit.sort_order, Unit.id)).all()
    return [_unit_data(u) for u in units]


def ward_data(ward) -> WardData:
    return WardData(code=ward.code, name=ward.name, province=ward.province)


def plan_to_file(plan: Plan) -> PlanFile:
    """The plan as plan-file data: what `flask plan export` writes."""
    ward = plan.ward
    tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.sort_order, Task.id)).all()
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    periods = db.session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.plan_id == plan.id)
        .order_by(ReportingPeriod.ward_deadline, ReportingPeriod.id)
    ).all()
    standards = db.session.scalars(
        select(PovertyStandard).where(PovertyStandard.plan_id == plan.id).order_by(PovertyStandard.year)
    ).all()
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.plan_id == plan.id).order_by(Indicator.sort_order, Indicator.id)
    ).all()
    return PlanFile(
        ward=ward_data(ward),
        units=ward_units(ward),
        plan=_plan_data(plan, standards, periods, indicators, children),
    )


def _plan_data(
    plan: Plan,
    standards: list[PovertyStandard],
    periods: list[ReportingPeriod],
    indicators: list[Indicator],
    children: dict[int | None, list[Task]],
) -> PlanData:
    """The plan's own fields, its standards, reporting, indicators, roadmap and task tree."""
    return PlanData(
        code=plan.code,
        title=plan.title,
        issuer=plan.issuer,
        start_year=plan.start_year,
        end_year=plan.end_year,
        parent=plan.parent.code if plan.parent else None,
        legal_bases=plan.legal_bases,
        introduction=plan.introduction,
        narrative=[NarrativeData(code=n.code, title=n.title, text=n.text) for n in plan.narrative],
        closing=plan.closing,
        recipients=list(plan.recipients or []),
        signature=SignatureData(**(plan.signature or {})),
        poverty_standards=[
            StandardData(
                year=s.year, rural_income=s.rural_income, urban_income=s.urban_income, legal_basis=s.legal_basis
            )
            for s in standards
        ],
        reporting=_reporting_data(plan, periods),
        indicators=[_indicator_data(i) for i in indicators],
        roadmap=_roadmap_data(plan.roadmap or {}),
        tasks=[_task_data(task, children) for task in children.get(None, [])],
    )


def _unit_data(unit: Unit) -> UnitData:
    return UnitData(
        code=unit.code,
        name=unit.name,
        aliases=list(unit.aliases or []),
        group=unit.is_group,
        members=[m.code for m in unit.members],
        note=unit.note,
        outside=unit.outside_apparatus,
    )


def _reporting_data(plan: Plan, periods: list[ReportingPeriod]) -> ReportingData:
    """The reporting rules; a period's unit deadline is written only where it is not the one the
    rule gives."""
    days = plan.unit_deadline_days_before
    return ReportingData(
        unit_deadline_days_before=days,
        secretariat=plan.secretariat_unit.code if plan.secretariat_unit else None,
        periods=[
            PeriodData(
                kind=p.kind,
                year=p.year,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                ward_deadline=p.ward_deadline,
                unit_deadline=None if p.unit_deadline == unit_deadline_for(p.ward_deadline, days) else p.unit_deadline,
            )
            for p in periods
        ],
    )


def _indicator_data(indicator: Indicator) -> IndicatorData:
    return IndicatorData(
        code=indicator.code,
        name=indicator.name,
        category=indicator.category,
        measure=indicator.measure,
        source_ref=indicator.source_ref,
        baseline_year=indicator.baseline_year,
        baseline_value=indicator.baseline_value,
        reporting_unit=indicator.reporting_unit.code if indicator.reporting_unit else None,
        unit_cost=indicator.unit_cost,
        in_cost_estimate=indicator.in_cost_estimate,
        note=indicator.note,
        targets=[TargetData(year=t.year, value=t.value, text=t.text) for t in indicator.targets],
        actual_rule=indicator.actual_rule,
        actual_from=list(indicator.actual_from or []),
    )


def _roadmap_data(roadmap: dict) -> RoadmapData:
    return RoadmapData(
        unit_label=roadmap.get("unit_label"),
        households_indicator=roadmap.get("households_indicator"),
        support_indicators=list(roadmap.get("support_indicators", [])),
        cost_indicator=roadmap.get("cost_indicator"),
        stated_totals={code: Decimal(value) for code, value in roadmap.get("stated_totals", {}).items()},
        cost_notes=roadmap.get("cost_notes"),
    )


def _task_data(task: Task, children: dict[int | None, list[Task]]) -> TaskData:
    """The task and, below it, its children (`children`: the plan's tasks by parent id)."""
    leads = [a for a in task.assignments if a.role == ROLE_LEAD]
    leads.sort(key=lambda a: (not a.is_primary, a.sort_order))
    return TaskData(
        code=task.code,
        title=task.title,
        title_source=task.title_source,
        text=task.text,
        lead=[a.unit.code for a in leads],
        lead_text=task.lead_text,
        partners=[a.unit.code for a in task.assignments if a.role == ROLE_PARTNER],
        partners_text=task.partners_text,
        partners_report=task.partners_report,
        weight=task.weight,
        start=task.start_on,
        due=task.due_on,
        milestones=[MilestoneData(title=m.title, due=m.due_on) for m in task.milestones],
        children=[_task_data(child, children) for child in children.get(task.id, [])],
    )
