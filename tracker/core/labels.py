"""Display names for the codes the database stores. Codes are stored; words are translated on display."""
from flask import Flask
from flask_babel import lazy_gettext as _l

LABELS = {
    "period_kind": {
        "six_month": _l("6-month report"),
        "annual": _l("Annual report"),
        "mid_term": _l("Mid-term review"),
        "final": _l("Final review"),
    },
    "role": {
        "lead": _l("Lead"),
        "partner": _l("Partner"),
        "officer": _l("Unit officer"),
        "secretariat": _l("Secretariat"),
        "committee": _l("Steering committee member"),
        "chair": _l("Chair"),
        "admin": _l("Administrator"),
    },
    "indicator_category": {
        "baseline": _l("Baseline at the end of 2025"),
        "poverty_reduction": _l("Poverty-reduction targets"),
        "coverage": _l("Access to basic social services"),
        "household_group": _l("Poor households by group"),
        "roadmap": _l("Roadmap"),
        "budget": _l("Budget"),
    },
    "measure": {
        "households": _l("households"),
        "percent": _l("%"),
        "million_vnd": _l("million VND"),
        "count": _l("count"),
    },
}


def label(kind: str, code: str | None) -> str:
    if code is None:
        return ""
    return str(LABELS.get(kind, {}).get(code, code))


def register(app: Flask) -> None:
    app.add_template_global(label, "label")
