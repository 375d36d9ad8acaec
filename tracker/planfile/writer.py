"""Writing a plan file back in the format read_plan_file reads."""

from __future__ import annotations

from decimal import Decimal

import yaml

from tracker.planfile.fields import FLOAT_TAG, STR_TAG
from tracker.planfile.schema import (
    IndicatorData,
    PlanFile,
    TaskData,
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


def plan_file_dict(pf: PlanFile) -> dict:
    plan = pf.plan
    reporting = plan.reporting
    return {
        "format_version": pf.format_version,
        "ward": _compact({"code": pf.ward.code, "name": pf.ward.name, "province": pf.ward.province}),
        "units": [
            _compact(
                {
                    "code": u.code,
                    "name": u.name,
                    "aliases": u.aliases,
                    "group": u.group,
                    "note": u.note,
                }
            )
            | ({"members": u.members} if u.group else {})
            | ({"outside": True} if u.outside else {})
            for u in pf.units
        ],
        "plan": _compact(
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
                "reporting": {
                    "unit_deadline_days_before": reporting.unit_deadline_days_before,
                    **({"secretariat": reporting.secretariat} if reporting.secretariat else {}),
                    "periods": [_compact(vars(p)) for p in reporting.periods],
                },
                "indicators": [
                    _compact(
                        {
                            "code": i.code,
                            "name": i.name,
                            "category": i.category,
                            "measure": i.measure,
                            "source_ref": i.source_ref,
                            "baseline_year": i.baseline_year,
                            "baseline_value": i.baseline_value,
                            "reporting_unit": i.reporting_unit,
                            "unit_cost": i.unit_cost,
                            "in_cost_estimate": i.in_cost_estimate,
                            "note": i.note,
                            "targets": [_compact(vars(t)) for t in i.targets],
                            "actual": _actual_dict(i),
                        }
                    )
                    for i in plan.indicators
                ],
                "roadmap": _compact(vars(plan.roadmap)),
                "tasks": [_task_dict(task) for task in plan.tasks],
            }
        ),
    }


def dump_plan_file(pf: PlanFile) -> str:
    header = "# Plan file (format: README.md, 'The plan file format'). Written by `flask plan export`.\n"
    body = yaml.dump(plan_file_dict(pf), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**6, indent=2)
    return header + body
