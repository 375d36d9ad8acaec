"""Writing a plan file back in the format read_plan_file reads."""

from __future__ import annotations

from decimal import Decimal

import yaml

from tracker.planfile.fields import FLOAT_TAG, STR_TAG
from tracker.planfile.schema import (
    IndicatorData,
    PlanData,
    PlanFile,
    ReportingData,
    TaskData,
    UnitData,
)

# --- writing --------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):  # indent lists under their key
        return super().increase_indent(flow, False)


def _represent_str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(STR_TAG, value, style=style)


def _represent_decimal(dumper, value: Decimal):
    if value == value.to_integral_value():
        return dumper.represent_int(int(value))
    return dumper.represent_scalar(FLOAT_TAG, format(value.normalize(), "f"))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Decimal, _represent_decimal)


def _compact(mapping: dict) -> dict:
    """Leave out what is empty or default, so the written file reads like a hand-written one."""
    return {
        key: value
        for key, value in mapping.items()
        if not (value is None or value is False or (isinstance(value, (list, dict)) and not value))
    }


def _task_dict(task: TaskData) -> dict:
    return _compact(
        {
            "code": task.code,
            "title": task.title,
            "title_source": task.title_source if task.title_source != "source" else None,
            "text": task.text,
            "lead": task.lead,
            "lead_text": task.lead_text,
            "partners": task.partners,
            "partners_text": task.partners_text,
            "partners_report": task.partners_report,
            "weight": task.weight if task.weight != 1 else None,
            "start": task.start,
            "due": task.due,
            "milestones": [{"title": m.title, "due": m.due} for m in task.milestones],
            "children": [_task_dict(child) for child in task.children],
        }
    )


def _actual_dict(indicator: IndicatorData):
    if indicator.actual_rule == "value":
        return None
    if indicator.actual_rule == "fraction":
        return "fraction"
    if indicator.actual_rule in ("same_as", "decrease_of"):
        return {indicator.actual_rule: indicator.actual_from[0]}
    return {"rate_of" if indicator.actual_rule == "rate" else "sum_of": list(indicator.actual_from)}


def _unit_dict(unit: UnitData) -> dict:
    return (
        _compact(
            {
                "code": unit.code,
                "name": unit.name,
                "aliases": unit.aliases,
                "group": unit.group,
                "note": unit.note,
            }
        )
        | ({"members": unit.members} if unit.group else {})
        | ({"outside": True} if unit.outside else {})
    )


def _reporting_dict(reporting: ReportingData) -> dict:
    return {
        "unit_deadline_days_before": reporting.unit_deadline_days_before,
        **({"secretariat": reporting.secretariat} if reporting.secretariat else {}),
        "periods": [_compact(vars(p)) for p in reporting.periods],
    }


def _indicator_dict(indicator: IndicatorData) -> dict:
    return _compact(
        {
            "code": indicator.code,
            "name": indicator.name,
            "category": indicator.category,
            "measure": indicator.measure,
            "source_ref": indicator.source_ref,
            "baseline_year": indicator.baseline_year,
            "baseline_value": indicator.baseline_value,
            "reporting_unit": indicator.reporting_unit,
            "unit_cost": indicator.unit_cost,
            "in_cost_estimate": indicator.in_cost_estimate,
            "note": indicator.note,
            "targets": [_compact(vars(t)) for t in indicator.targets],
            "actual": _actual_dict(indicator),
        }
    )


def _plan_dict(plan: PlanData) -> dict:
    return _compact(
        {
            "code": plan.code,
            "title": plan.title,
            "issuer": plan.issuer,
            "start_year": plan.start_year,
            "end_year": plan.end_year,
            "parent": plan.parent,
            "legal_bases": plan.legal_bases,
            "introduction": plan.introduction,
            "narrative": [{"code": n.code, "title": n.title, "text": n.text} for n in plan.narrative],
            "closing": plan.closing,
            "recipients": plan.recipients,
            "signature": _compact(vars(plan.signature)),
            "poverty_standards": [_compact(vars(s)) for s in plan.poverty_standards],
            "reporting": _reporting_dict(plan.reporting),
            "indicators": [_indicator_dict(i) for i in plan.indicators],
            "roadmap": _compact(vars(plan.roadmap)),
            "tasks": [_task_dict(task) for task in plan.tasks],
        }
    )


def plan_file_dict(pf: PlanFile) -> dict:
    """The plan file as plain data, in the order `dump_plan_file` writes it: the format version,
    the ward, its units, then the plan."""
    return {
        "format_version": pf.format_version,
        "ward": _compact({"code": pf.ward.code, "name": pf.ward.name, "province": pf.ward.province}),
        "units": [_unit_dict(u) for u in pf.units],
        "plan": _plan_dict(pf.plan),
    }


def dump_plan_file(pf: PlanFile) -> str:
    header = "# Plan file (format: README.md, 'The plan file format'). Written by `flask plan export`.\n"
    body = yaml.dump(plan_file_dict(pf), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6, indent=2)
    return header + body
