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


def plan_to_file(plan: Plan) -> PlanFile:
    """The plan as plan-file data: what `flask plan export` writes."""
    ward = plan.ward
    units = db.session.scalars(select(Unit).where(Unit.ward_id == ward.id).order_by(Unit.sort_order, Unit.id)).all()
    tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.sort_order, Task.id)).all()
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)

    def task_data(task: Task) -> TaskData:
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
            children=[task_data(child) for child in children.get(task.id, [])],
        )

    days = plan.unit_deadline_days_before
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
    roadmap = plan.roadmap or {}

    return PlanFile(
        ward=WardData(code=ward.code, name=ward.name, province=ward.province),
        units=[
            UnitData(
                code=u.code,
                name=u.name,
                aliases=list(u.aliases or []),
                group=u.is_group,
                members=[m.code for m in u.members],
                note=u.note,
                outside=u.outside_apparatus,
            )
            for u in units
        ],
        plan=PlanData(
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
            reporting=ReportingData(
                unit_deadline_days_before=days,
                secretariat=plan.secretariat_unit.code if plan.secretariat_unit else None,
                periods=[
                    PeriodData(
                        kind=p.kind,
                        year=p.year,
                        starts_on=p.starts_on,
                        ends_on=p.ends_on,
                        ward_deadline=p.ward_deadline,
                        unit_deadline=None
                        if p.unit_deadline == unit_deadline_for(p.ward_deadline, days)
                        else p.unit_deadline,
                    )
                    for p in periods
                ],
            ),
            indicators=[
                IndicatorData(
                    code=i.code,
                    name=i.name,
                    category=i.category,
                    measure=i.measure,
                    source_ref=i.source_ref,
                    baseline_year=i.baseline_year,
                    baseline_value=i.baseline_value,
                    reporting_unit=i.reporting_unit.code if i.reporting_unit else None,
                    unit_cost=i.unit_cost,
                    in_cost_estimate=i.in_cost_estimate,
                    note=i.note,
                    targets=[TargetData(year=t.year, value=t.value, text=t.text) for t in i.targets],
                    actual_rule=i.actual_rule,
                    actual_from=list(i.actual_from or []),
                )
                for i in indicators
            ],
            roadmap=RoadmapData(
                unit_label=roadmap.get("unit_label"),
                households_indicator=roadmap.get("households_indicator"),
                support_indicators=list(roadmap.get("support_indicators", [])),
                cost_indicator=roadmap.get("cost_indicator"),
                stated_totals={code: Decimal(value) for code, value in roadmap.get("stated_totals", {}).items()},
                cost_notes=roadmap.get("cost_notes"),
            ),
            tasks=[task_data(task) for task in children.get(None, [])],
        ),
    )
