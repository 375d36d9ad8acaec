"""The plan's indicators through the API: each indicator's target and actual figure per year, as
the targets page shows them (tracker.targets.queries and services: the page's own rules), and the
actual figures of a reporting period, read and entered as on the figures entry page (who may
enter which indicator, the numbers it takes, all or nothing, the same audit record)."""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal

import marshmallow as ma
from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.accounts.models import User
from tracker.accounts.permissions import can
from tracker.api.base import (
    IDEMPOTENCY,
    ApiError,
    PageArgs,
    bp,
    check_if_match,
    claim_idempotency_key,
    etag_of,
    list_page,
    page_of,
    posted_fields,
    refuse,
)
from tracker.api.plans import load_plan
from tracker.api.schemas import PeriodSchema, UnitRefSchema, labelled
from tracker.core.database import commit
from tracker.core.http import actor
from tracker.core.submissions import taken
from tracker.core.text import clean_text
from tracker.core.time import now
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.targets import queries, services
from tracker.targets.forms import LARGEST_FIGURE, figure_field_names, figure_problem, read_figures
from tracker.targets.models import ACTUAL_FRACTION, ENTERED_RULES, INDICATOR_CATEGORIES, IndicatorValue
from tracker.units.models import Unit

# A figure as the API writes it: a decimal number without trailing zeros, the dot as decimal mark.
FIGURE_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
# The largest figure the database keeps (Numeric(14, 2)), and its precision.


def _text(value) -> str | None:
    """ "1234.5", "96.88", "-8": the figure without the zeros the database pads it with."""
    return None if value is None else format(Decimal(value).normalize(), "f")


def _figure(description: str):
    return ma.fields.String(
        allow_none=True, metadata={"description": description, "pattern": FIGURE_PATTERN, "example": "1234.5"}
    )


# --- the indicators, their targets and actual figures by year -------------------------------


class TargetYearSchema(ma.Schema):
    year = ma.fields.Integer(required=True)
    target = _figure("The plan's target for the year (null: none, or a target in words only)")
    target_text = ma.fields.String(allow_none=True, metadata={"description": "The plan's own words for the target"})
    actual = _figure("The actual figure, by the indicator's rule (null until it is known)")
    known = ma.fields.Boolean(required=True, metadata={"description": "Whether the actual figure is known"})
    provisional = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "From the 6-month report until the annual one is in, or a sum with parts missing "
            "(the targets page marks it *)"
        },
    )
    numerator = _figure("For a rate: the number reached")
    denominator = _figure("For a rate: out of how many")
    variance = _figure("Actual minus target (null unless both are known)")


class TargetIndicatorSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.String(required=True, metadata={"enum": list(INDICATOR_CATEGORIES)})
    category_label = labelled("indicator_category", "category")
    measure = ma.fields.String(required=True, metadata={"description": "households, percent, million_vnd, count"})
    measure_label = labelled("measure", "measure")
    source_ref = ma.fields.String(allow_none=True, metadata={"description": "The plan's section, e.g. III.4"})
    rule = ma.fields.String(
        required=True,
        metadata={
            "description": "How the actual figure is had: value or fraction (entered for each period), "
            "rate, same_as, sum_of, decrease_of (computed from other indicators)"
        },
    )
    reporting_unit = ma.fields.Nested(
        UnitRefSchema, allow_none=True, metadata={"description": "The unit that enters its figures"}
    )
    baseline_year = ma.fields.Integer(allow_none=True)
    baseline_value = _figure("The figure at the end of the baseline year")
    years = ma.fields.List(
        ma.fields.Nested(TargetYearSchema), required=True, metadata={"description": "Each year of the plan"}
    )


class IndicatorArgs(PageArgs):
    category = ma.fields.String(validate=ma.validate.OneOf(INDICATOR_CATEGORIES))


@bp.get("/plans/<int:plan_id>/indicators")
@bp.arguments(IndicatorArgs, location="query")
@bp.response(200, page_of(TargetIndicatorSchema))
def indicator_list(args, plan_id: int):
    """The plan's indicators in the plan's order, each with its target and actual figure for every
    year of the plan, computed as on the targets page: the annual report's figure, or the 6-month
    one (provisional) until the annual one is in; rates from their numerators and denominators."""
    plan = load_plan(plan_id)
    rows = queries.indicator_rows(plan, queries.plan_indicators(plan))
    if args.get("category"):
        rows = [row for row in rows if row.indicator.category == args["category"]]
    page = list_page(rows, args)
    page["items"] = [_indicator_item(row) for row in page["items"]]
    return page


def _indicator_item(row: queries.IndicatorRow) -> dict:
    indicator = row.indicator
    return {
        "code": indicator.code,
        "name": indicator.name,
        "category": indicator.category,
        "measure": indicator.measure,
        "source_ref": indicator.source_ref,
        "rule": indicator.actual_rule,
        "reporting_unit": indicator.reporting_unit,
        "baseline_year": indicator.baseline_year,
        "baseline_value": _text(indicator.baseline_value),
        "years": [_year_item(year) for year in row.years],
    }


def _year_item(year: queries.IndicatorYear) -> dict:
    actual = year.actual
    return {
        "year": year.year,
        "target": _text(year.target),
        "target_text": year.target_text,
        "actual": _text(actual.value),
        "known": actual.known,
        "provisional": actual.provisional,
        "numerator": _text(actual.numerator),
        "denominator": _text(actual.denominator),
        "variance": _text(year.variance),
    }


# --- a period's figures: read --------------------------------------------------------------


class PeriodFigureSchema(ma.Schema):
    indicator = ma.fields.String(required=True, metadata={"description": "The indicator's code"})
    name = ma.fields.String(required=True)
    measure = ma.fields.String(required=True)
    measure_label = labelled("measure", "measure")
    rule = ma.fields.String(
        required=True,
        metadata={"enum": list(ENTERED_RULES), "description": "value: one figure; fraction: numerator and denominator"},
    )
    value = _figure("The figure (rule value)")
    numerator = _figure("The number reached (rule fraction)")
    denominator = _figure("Out of how many (rule fraction)")
    rate = _figure("Numerator × 100 / denominator (rule fraction; null when the denominator is 0)")
    source = ma.fields.String(allow_none=True, metadata={"description": "Where the figure comes from"})
    entered_at = ma.fields.DateTime(allow_none=True)
    entered_by = ma.fields.String(allow_none=True, metadata={"description": "Who entered it last"})
    unit = ma.fields.Nested(UnitRefSchema, allow_none=True, metadata={"description": "The unit it was entered for"})
    may_enter = ma.fields.Boolean(
        required=True, metadata={"description": "Whether the token's person may enter this figure"}
    )


class PeriodFiguresSchema(ma.Schema):
    period = ma.fields.Nested(PeriodSchema, required=True)
    figures = ma.fields.List(
        ma.fields.Nested(PeriodFigureSchema),
        required=True,
        metadata={"description": "Every indicator whose figure is entered (not computed), in the plan's order"},
    )


class RecordedFiguresSchema(PeriodFiguresSchema):
    saved = ma.fields.Integer(
        required=True,
        metadata={
            "description": "How many figures this call changed (each one is in the audit log): 0 when they "
            "were already so, and for a call sent again with the same Idempotency-Key"
        },
    )


def _load_period(plan, period_id: int) -> ReportingPeriod:
    period = db.session.get(ReportingPeriod, period_id)
    if period is None or period.plan_id != plan.id:
        refuse(404, _("The plan has no reporting period with this id."))
    return period


@bp.get("/plans/<int:plan_id>/periods/<int:period_id>/figures")
@bp.response(200, PeriodFiguresSchema)
def figure_list(plan_id: int, period_id: int):
    """The actual figures entered for a reporting period: every indicator whose figure is entered
    (the others are computed from them), with its figure for the period if there is one. Its ETag
    is what a PUT sends as If-Match."""
    plan = load_plan(plan_id)
    return _period_figures(plan, _load_period(plan, period_id))


def _period_figures(plan, period: ReportingPeriod) -> dict:
    indicators = [i for i in queries.plan_indicators(plan) if i.actual_rule in ENTERED_RULES]
    existing = {
        v.indicator_id: v
        for v in db.session.scalars(db.select(IndicatorValue).where(IndicatorValue.period_id == period.id))
    }
    return {"period": period, "figures": [_figure_item(i, existing.get(i.id)) for i in indicators]}


def _figure_item(indicator, row: IndicatorValue | None) -> dict:
    item = {
        "indicator": indicator.code,
        "name": indicator.name,
        "measure": indicator.measure,
        "rule": indicator.actual_rule,
        "may_enter": can("enter_indicator", indicator),
        **dict.fromkeys(("value", "numerator", "denominator", "rate", "source", "entered_at", "entered_by", "unit")),
    }
    if row is None:
        return item
    # By id, not through the relationships: they may still hold the previous entry's person.
    author = db.session.get(User, row.entered_by_id) if row.entered_by_id else None
    rate = services.indicator_rate(row.numerator, row.denominator) if indicator.actual_rule == ACTUAL_FRACTION else None
    item.update(
        value=_text(row.value),
        numerator=_text(row.numerator),
        denominator=_text(row.denominator),
        rate=_text(rate),
        source=row.source,
        entered_at=row.entered_at.astimezone(UTC) if row.entered_at else None,
        entered_by=author.full_name if author else None,
        unit=db.session.get(Unit, row.unit_id) if row.unit_id else None,
    )
    return item


# --- a period's figures: entered ------------------------------------------------------------


# A figure as text: digits, then at most two decimals after a point or a comma ("1234.5", "12,5").
# No thousands separator: "2.125" (two thousand one hundred and twenty-five as the page reads it,
# two and an eighth as a program writes it) is refused rather than read one way or the other.
FIGURE_TEXT = r"^[0-9]{1,12}([.,][0-9]{1,2})?$"


class FigureValue(ma.fields.Field):
    """A figure as a JSON number, or as text (FIGURE_TEXT): never negative, at most
    999999999999.99, to the hundredth (what the database keeps)."""

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError(value)
            if isinstance(value, str) and not re.fullmatch(FIGURE_TEXT, value.strip()):
                raise ValueError(value)
            number = Decimal(value.strip().replace(",", ".")) if isinstance(value, str) else Decimal(str(value))
            if not number.is_finite():
                raise ValueError(value)
        except (ValueError, ArithmeticError):
            raise ma.ValidationError(_("Give a number, such as 12 or 1234.5, without a thousands separator.")) from None
        problem = figure_problem(number)
        if problem:
            raise ma.ValidationError(problem)
        return number + 0  # no "-0"


def _value_field(description: str) -> FigureValue:
    return FigureValue(
        allow_none=True,
        metadata={
            "description": description,
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(LARGEST_FIGURE)},
                {"type": "string", "pattern": FIGURE_TEXT},
            ],
            "example": 12,
        },
    )


class FigureEntrySchema(ma.Schema):
    indicator = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=64),
        error_messages={"required": _l("This field is required.")},
        metadata={"description": "The indicator's code (e.g. support-vocational-jobs)"},
    )
    value = _value_field("The figure, for an indicator with rule value")
    numerator = _value_field("For rule fraction: the number reached (no more than the denominator)")
    denominator = _value_field("For rule fraction: out of how many")
    source = ma.fields.String(
        allow_none=True, metadata={"description": "Where the figure comes from (e.g. the review of 2026): needed"}
    )


class FiguresEntrySchema(ma.Schema):
    figures = ma.fields.List(
        ma.fields.Nested(FigureEntrySchema),
        required=True,
        validate=ma.validate.Length(max=500),
        error_messages={"required": _l("This field is required.")},
        metadata={
            "description": "The figures to enter. An indicator listed without figures has its figure for "
            "the period cleared, as emptying its fields on the page does; indicators not listed are left as they are."
        },
    )


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of the period's figures as read (GET): refused (412) if they changed since.",
}


@bp.put("/plans/<int:plan_id>/periods/<int:period_id>/figures")
@bp.doc(
    parameters=[IDEMPOTENCY, IF_MATCH],
    requestBody={"required": True, "content": {"application/json": {"schema": FiguresEntrySchema}}},
)
@bp.response(200, RecordedFiguresSchema)
def figure_record(plan_id: int, period_id: int):
    """Enter actual figures for a reporting period, as on the figures entry page: the unit that
    reports an indicator enters its figures, the secretariat any; a figure needs its source; a rate
    is entered as numerator and denominator. All or nothing. Each changed figure is audited; the
    same figures sent again change nothing. Answers the listed indicators' figures as now recorded."""
    plan = load_plan(plan_id)
    period = _load_period(plan, period_id)
    indicators = queries.plan_indicators(plan)
    if not any(i.actual_rule in ENTERED_RULES and can("enter_indicator", i) for i in indicators):
        refuse(403, _("Only the unit that reports an indicator, or the secretariat, may enter its figures."))
    entries = _entries()
    chosen = _chosen(indicators, entries)
    rows = _read(chosen, entries)
    submission, first = claim_idempotency_key()
    location = url_for("api.figure_list", plan_id=plan.id, period_id=period.id)
    codes = {indicator.code for _index, indicator in chosen}
    if first is not None:
        return _answer(_period_figures(plan, period), codes, 0), 200, {"Idempotent-Replayed": "true"}
    _check_version(plan, period)
    saved = services.save_actuals(actor(), period, rows, now())
    taken(submission, location)
    current = _period_figures(plan, period)  # as it reads now, with the changes (flushed first)
    answer = _answer(current, codes, saved)
    etag = etag_of(PeriodFiguresSchema().dump(current))
    commit()
    return answer, 200, {"ETag": f'"{etag}"'}


def _answer(current: dict, codes: set[str], saved: int) -> dict:
    return {
        "period": current["period"],
        "figures": [f for f in current["figures"] if f["indicator"] in codes],
        "saved": saved,
    }


def _check_version(plan, period: ReportingPeriod) -> None:
    if not request.if_match:
        return
    try:
        check_if_match(etag_of(PeriodFiguresSchema().dump(_period_figures(plan, period))))
    except ApiError:
        db.session.rollback()  # the Idempotency-Key's claim: the call may be sent again
        raise


def _entries() -> list[dict]:
    if request.mimetype != "application/json":
        refuse(415, _("Send the body as JSON (application/json)."))
    fields, _files = posted_fields()
    try:
        return FiguresEntrySchema().load(fields)["figures"]
    except ma.ValidationError as error:
        refuse(422, _("Some values are not valid: see errors."), _as_json(error.messages))


def _as_json(messages):
    """marshmallow's errors with string keys ({"figures": {"0": {"value": [...]}}}) and texts."""
    if isinstance(messages, dict):
        return {str(key): _as_json(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [str(message) for message in messages]
    return [str(messages)]  # a message of our own (lazy_gettext), as marshmallow keeps it


def _chosen(indicators: list, entries: list[dict]) -> list[tuple[int, object]]:
    """(position in the body, indicator) of each entry; refuses what the page would not take: an
    indicator the person's unit does not report (403), unknown, computed, listed twice, or given
    figures of the other kind (422)."""
    by_code = {i.code: i for i in indicators}
    chosen, wrong, forbidden, seen = [], {}, {}, set()
    for index, entry in enumerate(entries):
        indicator = by_code.get(entry["indicator"])
        problem = _problem(indicator, entry, seen)
        if problem:
            wrong[str(index)] = problem
        elif not can("enter_indicator", indicator):
            forbidden[str(index)] = {"indicator": [_("Your unit does not report this indicator.")]}
        else:
            seen.add(indicator.code)
            chosen.append((index, indicator))
    if forbidden:
        refuse(
            403,
            _("Only the unit that reports an indicator, or the secretariat, may enter its figures."),
            {"figures": forbidden},
        )
    if wrong:
        refuse(422, _("Some values are not valid: see errors."), {"figures": wrong})
    return chosen


def _problem(indicator, entry: dict, seen: set[str]) -> dict | None:
    if indicator is None:
        return {"indicator": [_("The plan has no indicator with the code %(code)s.", code=entry["indicator"])]}
    if indicator.actual_rule not in ENTERED_RULES:
        return {"indicator": [_("This figure is computed from other figures: it is not entered.")]}
    if indicator.code in seen:
        return {"indicator": [_("This indicator is listed twice.")]}
    takes = figure_field_names(indicator)
    other = [
        name for name in ("value", "numerator", "denominator") if name not in takes and entry.get(name) is not None
    ]
    if not other:
        return None
    if indicator.actual_rule == ACTUAL_FRACTION:
        message = _("This indicator is entered as numerator and denominator: its rate is computed from them.")
    else:
        message = _("This indicator is entered as one value, without numerator and denominator.")
    return {name: [message] for name in other}


def _read(chosen: list[tuple[int, object]], entries: list[dict]) -> list[tuple]:
    """The entry page's own reading (targets.forms.read_figures) of the figures, as if typed in its
    fields: the rows for save_actuals, or a refusal naming each wrong field of each entry."""
    typed: dict[str, str] = {}
    for index, indicator in chosen:
        entry = entries[index]
        for name in figure_field_names(indicator):
            if entry.get(name) is not None:
                typed[f"{name}-{indicator.id}"] = _as_typed(entry[name])
        if entry.get("source") is not None:
            typed[f"source-{indicator.id}"] = clean_text(entry["source"])
    rows, errors = read_figures([indicator for _index, indicator in chosen], typed)
    if errors:
        position = {indicator.id: index for index, indicator in chosen}
        wrong: dict[str, dict] = {}
        for key, message in errors.items():
            name, _sep, indicator_id = key.rpartition("-")
            wrong.setdefault(str(position[int(indicator_id)]), {})[name] = [str(message)]
        refuse(422, _("Some values are not valid: see errors."), {"figures": wrong})
    return rows


def _as_typed(number: Decimal) -> str:
    """A number as the page reads it back unchanged: the comma as decimal mark ("1234,5"; "1.234"
    would be read as one thousand two hundred thirty-four)."""
    return format(number, "f").replace(".", ",")
