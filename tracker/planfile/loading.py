"""Loading a validated plan file into the database.

`load_plan_file` writes in the caller's transaction and never commits: the CLI commits once when
everything has been written, or rolls back. Records are matched by their codes, so loading the same
file again updates in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.alerts.models import Alert
from tracker.discussion.models import Comment, Directive, Question
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.periods.services import unit_deadline_for
from tracker.plan.models import ROLE_LEAD, ROLE_PARTNER, Assignment, Milestone, Plan, PlanNarrative, Task
from tracker.planfile.schema import (
    IndicatorData,
    MilestoneData,
    NarrativeData,
    PlanData,
    PlanFile,
    PlanFileInvalid,
    PlanFileProblem,
    ReportingData,
    RoadmapData,
    StandardData,
    TargetData,
    TaskData,
    UnitData,
)
from tracker.progress.models import ProgressUpdate
from tracker.reports.models import UnitReport, UnitReportEvent, UnitReportSection
from tracker.targets.models import Indicator, PovertyStandard, Target
from tracker.units.models import Unit
from tracker.wards.models import Ward


@dataclass
class LoadSummary:
    plan: Plan
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    removed_assignments: list[str] = field(default_factory=list)  # "IV.10.1: Phòng Văn hóa – Xã hội"

    def count(self, kind: str, what: str) -> None:
        bucket = getattr(self, kind)
        bucket[what] = bucket.get(what, 0) + 1


def _set(obj, summary: LoadSummary, what: str, **values) -> None:
    """Assign values, counting the record as updated if anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed and obj.id is not None:
        summary.count("updated", what)


def any_plan_exists() -> bool:
    return db.session.scalar(select(func.count(Plan.id))) > 0


def load_plan_file(pf: PlanFile, source: str) -> LoadSummary:
    """Write the plan file's content. Raises PlanFileInvalid (before writing) when the file
    conflicts with what the database holds."""
    ward = db.session.scalar(select(Ward).where(Ward.code == pf.ward.code))
    parent = None
    if pf.plan.parent:
        parent = ward and db.session.scalar(select(Plan).where(Plan.ward_id == ward.id, Plan.code == pf.plan.parent))
        if parent is None:
            raise PlanFileInvalid(
                source,
                [
                    PlanFileProblem(
                        None, _('the parent plan "%(code)s" is not in the database; load it first', code=pf.plan.parent)
                    )
                ],
            )

    plan_record = ward and db.session.scalar(select(Plan).where(Plan.ward_id == ward.id, Plan.code == pf.plan.code))
    if plan_record is None:
        plan_record = Plan(code=pf.plan.code)
    summary = LoadSummary(plan=plan_record)

    if ward is None:
        ward = Ward(code=pf.ward.code)
        db.session.add(ward)
        summary.count("created", "ward")
    _set(ward, summary, "ward", name=pf.ward.name, province=pf.ward.province)

    units = _load_units(ward, pf.units, summary)
    try:
        _load_plan(ward, plan_record, parent, pf.plan, units, summary)
    except PlanFileInvalid as refused:
        raise PlanFileInvalid(source, refused.problems) from None
    db.session.flush()
    return summary


def _load_units(ward: Ward, units_data: list[UnitData], summary: LoadSummary) -> dict[str, Unit]:
    existing = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == ward.id))} if ward.id else {}
    for order, data in enumerate(units_data):
        unit = existing.get(data.code)
        if unit is None:
            unit = Unit(ward=ward, code=data.code, aliases=[])
            db.session.add(unit)
            existing[data.code] = unit
            summary.count("created", "unit")
        _set(
            unit,
            summary,
            "unit",
            name=data.name,
            aliases=list(data.aliases),
            is_group=data.group,
            note=data.note,
            sort_order=order,
            outside_apparatus=data.outside,
        )
    for data in units_data:
        unit = existing[data.code]
        members = [existing[code] for code in data.members]
        if [m.code for m in unit.members] != data.members:
            unit.members = members
            if unit.id is not None:
                summary.count("updated", "unit")
    return existing


def _load_plan(
    ward: Ward, plan: Plan, parent: Plan | None, data: PlanData, units: dict[str, Unit], summary: LoadSummary
) -> None:
    if plan.id is None:
        plan.ward = ward
        db.session.add(plan)
        summary.count("created", "plan")
    _set(
        plan,
        summary,
        "plan",
        parent=parent,
        title=data.title,
        issuer=data.issuer,
        start_year=data.start_year,
        end_year=data.end_year,
        legal_bases=data.legal_bases,
        introduction=data.introduction,
        closing=data.closing,
        recipients=list(data.recipients),
        signature=_compact_dict(vars(data.signature)),
        unit_deadline_days_before=data.reporting.unit_deadline_days_before,
        secretariat_unit=units[data.reporting.secretariat] if data.reporting.secretariat else None,
        roadmap=_roadmap_json(data.roadmap),
    )
    _load_narrative(plan, data.narrative, summary)
    _load_tasks(plan, data.tasks, units, summary)
    _load_periods(plan, data.reporting, summary)
    _load_standards(plan, data.poverty_standards, summary)
    _load_indicators(plan, data.indicators, units, summary)


def _compact_dict(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None}


def _roadmap_json(roadmap: RoadmapData) -> dict:
    return _compact_dict(
        {
            "unit_label": roadmap.unit_label,
            "households_indicator": roadmap.households_indicator,
            "support_indicators": list(roadmap.support_indicators),
            "cost_indicator": roadmap.cost_indicator,
            "stated_totals": {code: str(value) for code, value in roadmap.stated_totals.items()},
            "cost_notes": roadmap.cost_notes,
        }
    )


def _load_narrative(plan: Plan, sections: list[NarrativeData], summary: LoadSummary) -> None:
    existing = {n.code: n for n in plan.narrative}
    wanted = []
    for order, data in enumerate(sections):
        section = existing.pop(data.code, None)
        if section is None:
            section = PlanNarrative(code=data.code)
            summary.count("created", "narrative")
        _set(section, summary, "narrative", title=data.title, text=data.text, sort_order=order)
        wanted.append(section)
    for _gone in existing.values():
        summary.count("removed", "narrative")
    plan.narrative = wanted


def _load_tasks(plan: Plan, tasks: list[TaskData], units: dict[str, Unit], summary: LoadSummary) -> None:
    existing = {t.code: t for t in db.session.scalars(select(Task).where(Task.plan_id == plan.id))} if plan.id else {}
    kept = set()

    def load(data: TaskData, parent: Task | None, order: int) -> None:
        task = existing.get(data.code)
        if task is None:
            task = Task(plan=plan, code=data.code)
            db.session.add(task)
            existing[data.code] = task
            summary.count("created", "task")
        kept.add(data.code)
        _set(
            task,
            summary,
            "task",
            parent=parent,
            title=data.title,
            title_source=data.title_source,
            text=data.text,
            lead_text=data.lead_text,
            partners_text=data.partners_text,
            partners_report=data.partners_report,
            weight=data.weight,
            start_on=data.start,
            due_on=data.due,
            sort_order=order,
        )
        _load_assignments(task, data, units, summary)
        _load_milestones(task, data.milestones, summary)
        for child_order, child in enumerate(data.children):
            load(child, task, child_order)

    for order, data in enumerate(tasks):
        load(data, None, order)

    gone = [task for code, task in existing.items() if code not in kept]
    in_use = _tasks_in_use([t.id for t in gone if t.id is not None])
    if in_use:
        codes = ", ".join(sorted(t.code for t in gone if t.id in in_use))
        raise PlanFileInvalid(
            summary.plan.code,
            [
                PlanFileProblem(
                    None,
                    _(
                        "these tasks are missing from the file but already have progress, reports or discussion, so they cannot be removed: %(codes)s",
                        codes=codes,
                    ),
                )
            ],
        )
    # Children before parents, so no foreign key points at a deleted row.
    for task in sorted(gone, key=lambda t: t.code.count("."), reverse=True):
        db.session.delete(task)
        summary.count("removed", "task")


def _tasks_in_use(task_ids: list[int]) -> set[int]:
    """Tasks that records of the app's own refer to (the plan file does not hold those)."""
    used: set[int] = set()
    if task_ids:
        for model in (ProgressUpdate, UnitReportSection, UnitReportEvent, Comment, Question, Directive, Alert):
            used |= set(db.session.scalars(select(model.task_id).where(model.task_id.in_(task_ids))))
    return used


def _load_assignments(task: Task, data: TaskData, units: dict[str, Unit], summary: LoadSummary) -> None:
    wanted = [(code, ROLE_LEAD, index == 0) for index, code in enumerate(data.lead)]
    wanted += [(code, ROLE_PARTNER, False) for code in data.partners]
    existing = {a.unit.code: a for a in task.assignments} if task.id else {}
    result = []
    for order, (code, role, is_primary) in enumerate(wanted):
        assignment = existing.pop(code, None)
        if assignment is None:
            assignment = Assignment(unit=units[code])
            summary.count("created", "assignment")
        _set(assignment, summary, "assignment", role=role, is_primary=is_primary, sort_order=order)
        result.append(assignment)
    for gone in existing.values():
        summary.count("removed", "assignment")
        summary.removed_assignments.append(f"{task.code}: {gone.unit.name}")
    task.assignments = result


def _load_milestones(task: Task, milestones: list[MilestoneData], summary: LoadSummary) -> None:
    existing = {m.title: m for m in task.milestones} if task.id else {}
    result = []
    for order, data in enumerate(milestones):
        milestone = existing.pop(data.title, None)
        if milestone is None:
            milestone = Milestone(title=data.title)
            summary.count("created", "milestone")
        _set(milestone, summary, "milestone", due_on=data.due, sort_order=order)
        result.append(milestone)
    for _gone in existing.values():
        summary.count("removed", "milestone")
    task.milestones = result


def _load_periods(plan: Plan, reporting: ReportingData, summary: LoadSummary) -> None:
    existing = (
        {
            (p.kind, p.year): p
            for p in db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.plan_id == plan.id))
        }
        if plan.id
        else {}
    )
    for data in reporting.periods:
        period = existing.pop((data.kind, data.year), None)
        if period is None:
            period = ReportingPeriod(plan=plan, kind=data.kind, year=data.year)
            db.session.add(period)
            summary.count("created", "period")
        _set(
            period,
            summary,
            "period",
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            ward_deadline=data.ward_deadline,
            unit_deadline=data.unit_deadline
            or unit_deadline_for(data.ward_deadline, reporting.unit_deadline_days_before),
        )
    used = (
        set(
            db.session.scalars(
                select(UnitReport.period_id).where(UnitReport.period_id.in_([p.id for p in existing.values()]))
            )
        )
        if existing
        else set()
    )
    if used:
        names = ", ".join(f"{p.kind} {p.year}" for p in existing.values() if p.id in used)
        raise PlanFileInvalid(
            plan.code,
            [
                PlanFileProblem(
                    None,
                    _(
                        "these reporting periods are missing from the file but already have reports, so they cannot be removed: %(periods)s",
                        periods=names,
                    ),
                )
            ],
        )
    for period in existing.values():
        db.session.delete(period)
        summary.count("removed", "period")


def _load_standards(plan: Plan, standards: list[StandardData], summary: LoadSummary) -> None:
    existing = (
        {s.year: s for s in db.session.scalars(select(PovertyStandard).where(PovertyStandard.plan_id == plan.id))}
        if plan.id
        else {}
    )
    for data in standards:
        standard = existing.pop(data.year, None)
        if standard is None:
            standard = PovertyStandard(plan=plan, year=data.year)
            db.session.add(standard)
            summary.count("created", "poverty_standard")
        _set(
            standard,
            summary,
            "poverty_standard",
            rural_income=data.rural_income,
            urban_income=data.urban_income,
            legal_basis=data.legal_basis,
        )
    for standard in existing.values():
        db.session.delete(standard)
        summary.count("removed", "poverty_standard")


def _load_indicators(plan: Plan, indicators: list[IndicatorData], units: dict[str, Unit], summary: LoadSummary) -> None:
    existing = (
        {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
        if plan.id
        else {}
    )
    for order, data in enumerate(indicators):
        indicator = existing.pop(data.code, None)
        if indicator is None:
            indicator = Indicator(plan=plan, code=data.code)
            db.session.add(indicator)
            summary.count("created", "indicator")
        _set(
            indicator,
            summary,
            "indicator",
            name=data.name,
            category=data.category,
            measure=data.measure,
            source_ref=data.source_ref,
            baseline_year=data.baseline_year,
            baseline_value=data.baseline_value,
            reporting_unit=units[data.reporting_unit] if data.reporting_unit else None,
            unit_cost=data.unit_cost,
            in_cost_estimate=data.in_cost_estimate,
            note=data.note,
            sort_order=order,
            actual_rule=data.actual_rule,
            actual_from=list(data.actual_from),
        )
        _load_targets(indicator, data.targets, summary)
    for indicator in existing.values():
        db.session.delete(indicator)
        summary.count("removed", "indicator")


def _load_targets(indicator: Indicator, targets: list[TargetData], summary: LoadSummary) -> None:
    existing = {t.year: t for t in indicator.targets} if indicator.id else {}
    result = []
    for data in targets:
        target = existing.pop(data.year, None)
        if target is None:
            target = Target(year=data.year)
            summary.count("created", "target")
        _set(target, summary, "target", value=data.value, text=data.text)
        result.append(target)
    for _gone in existing.values():
        summary.count("removed", "target")
    indicator.targets = result
