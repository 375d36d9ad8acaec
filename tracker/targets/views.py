from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tracker.accounts.permissions import can
from tracker.core.forms import Form
from tracker.core.http import actor
from tracker.core.time import now, ward_today
from tracker.extensions import db
from tracker.pages.loaders import load_plan
from tracker.periods.queries import plan_periods
from tracker.reports.queries import open_rounds
from tracker.targets import charts, queries, services
from tracker.targets.forms import read_figures
from tracker.targets.models import ENTERED_RULES, IndicatorValue

bp = Blueprint("targets", __name__, url_prefix="/plans/<int:plan_id>/targets")


@bp.get("/")
def index(plan_id: int):
    plan = load_plan(plan_id)
    indicators = queries.plan_indicators(plan)
    roadmap = queries.roadmap(plan, indicators)
    rows = queries.indicator_rows(plan, indicators)
    return render_template(
        "targets/index.html",
        plan=plan,
        categories=queries.by_category(indicators),
        roadmap=roadmap,
        discrepancies=queries.roadmap_discrepancies(indicators, roadmap),
        groups_total=queries.baseline_total(indicators, "household_group"),
        standards=queries.poverty_standards(plan),
        target_for=queries.target_for,
        rows=rows,
        charts=_charts(plan, roadmap, {r.indicator.code: r for r in rows}, ward_today()),
        can_enter=any(can("enter_indicator", i) for i in indicators),
    )


def _charts(plan, roadmap, rows_by_code, today: date) -> list[charts.Chart]:
    """The page's charts, each with its caption: households leaving poverty per year and their
    running total against the roadmap, supports delivered by type, budget used against the estimate."""
    if roadmap is None:
        return []
    years = [str(y) for y in range(plan.start_year, plan.end_year + 1)]
    households = rows_by_code[roadmap.columns[0].code]
    result = _household_charts(years, households)
    supports = [rows_by_code[c.code] for c in roadmap.columns[1:]]
    to_date = [y for y in range(plan.start_year, plan.end_year + 1) if y <= today.year]
    result.append(
        _chart(
            charts.hbar_chart,
            _("Supports delivered by type, to date"),
            [r.indicator.name for r in supports],
            [
                charts.Series(_("Target"), "chart-target", [_sum_to_date(r, "target", to_date) for r in supports]),
                charts.Series(_("Actual"), "chart-actual", [_sum_to_date(r, "actual", to_date) for r in supports]),
            ],
        )
    )
    if roadmap.cost_indicator is not None:
        cost = rows_by_code[roadmap.cost_indicator.code]
        result.append(
            _chart(
                charts.bar_chart,
                _("Budget used against the estimate (million VND)"),
                years,
                [
                    charts.Series(_("Estimate"), "chart-target", [y.target for y in cost.years]),
                    charts.Series(_("Used"), "chart-actual", [y.actual.value for y in cost.years]),
                ],
            )
        )
    return result


def _chart(drawing, title: str, categories: list, series: list[charts.Series]) -> charts.Chart:
    return charts.Chart(title, drawing(title, categories, series))


def _household_charts(years: list[str], households) -> list[charts.Chart]:
    """Households leaving poverty: per year, and their running total against the roadmap."""
    return [
        _chart(
            charts.bar_chart,
            _("Households leaving poverty per year"),
            years,
            [
                charts.Series(_("Target"), "chart-target", [y.target for y in households.years]),
                charts.Series(_("Actual"), "chart-actual", [y.actual.value for y in households.years]),
            ],
        ),
        _chart(
            charts.line_chart,
            _("Households leaving poverty, cumulative, against the roadmap"),
            years,
            [
                charts.Series(_("Cumulative target"), "chart-target", [y.cumulative_target for y in households.years]),
                charts.Series(
                    _("Cumulative actual"), "chart-actual", [y.cumulative_actual.value for y in households.years]
                ),
            ],
        ),
    ]


def _sum_to_date(row, attribute: str, to_date: list[int]):
    """The row's targets (`attribute` "target") or actual figures summed over the years to date;
    None if none is known."""
    values = [
        getattr(y, attribute) if attribute == "target" else y.actual.value for y in row.years if y.year in to_date
    ]
    known = [v for v in values if v is not None]
    return sum(known) if known else None


@bp.route("/actuals", methods=["GET", "POST"])
def actuals(plan_id: int):
    """Enter the actual figures of a reporting period, for the indicators the user answers for."""
    plan = load_plan(plan_id)
    indicators = [
        i for i in queries.plan_indicators(plan) if i.actual_rule in ENTERED_RULES and can("enter_indicator", i)
    ]
    if not indicators:
        abort(403)
    periods = plan_periods(plan)
    period = next((p for p in periods if p.id == request.args.get("period", type=int)), None) or _default_period(
        plan, periods
    )
    existing = {
        v.indicator_id: v
        for v in db.session.scalars(db.select(IndicatorValue).where(IndicatorValue.period_id == period.id))
    }
    form = Form()
    errors: dict[str, str] = {}
    typed = dict(request.form) if request.method == "POST" else {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        rows, errors = read_figures(indicators, request.form)
        if not errors:
            saved = services.save_actuals(actor(), period, rows, now())
            db.session.commit()
            flash(_("%(num)d figures saved.", num=saved), "success")
            return redirect(url_for("targets.actuals", plan_id=plan.id, period=period.id))
    return render_template(
        "targets/actuals.html",
        plan=plan,
        periods=periods,
        period=period,
        indicators=indicators,
        existing=existing,
        errors=errors,
        typed=typed,
        form=form,
    ), 422 if errors else 200


def _default_period(plan, periods):
    """The period being reported now: the latest one open for reporting."""
    started = [r.figures_period for r in open_rounds(plan, ward_today()) if r.figures_period is not None]
    return started[-1] if started else periods[0]
