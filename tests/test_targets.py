"""The plan's numbers: baseline, household groups, the III.4 roadmap and its cost, targets against
actual figures, the entry of actual figures, and the charts.

The figures are the plan's own (design.md, "The plan's own numbers"):

- Baseline end of 2025 (III.1): 64 poor households (1,01%), 55 near-poor (0,87%).
- Groups (III.3): 7 + 11 + 41 + 1 + 4 = 64.
- Roadmap (III.4), 2026..2030, and the "Cộng" row:
    households leaving poverty 22 12 6 5 19 = 64; housing 5 4 3 4 0 = 16; latrine 7 7 4 4 0 = 22;
    disabled to facility 0 0 0 4 0 = 4; information assets 0 3 5 3 0 = 11; vocational/jobs 12 9 6 3 0 = 30;
    production 0 = 0; internet 20 6 3 0 0 = 29; cost 42 54 44 36 0 = 176.
  cost = latrines x 6 + information assets x 4: 42 = 7x6, 54 = 7x6 + 3x4, 44 = 4x6 + 5x4, 36 = 4x6 + 3x4, 0.
- II.3.1 states 18 households for 2030 where the roadmap plans 19: both are kept and the page says so.

The Vietnamese texts asserted are the msgstr of tracker/translations/vi/LC_MESSAGES/messages.po;
the pages are read in Vietnamese, the default language. A few newer texts are looked up in the
catalogue (`vi`) rather than written out, so that the tests hold before and after they are translated.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from tests import helpers
from tests.helpers import database_snapshot
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.core.formatting import parse_decimal
from tracker.extensions import db
from tracker.targets import charts, queries, services
from tracker.targets.models import Indicator, IndicatorValue

signed_in = helpers.signed_in
page = helpers.page
plain = helpers.plain


D = Decimal
YEARS = [2026, 2027, 2028, 2029, 2030]
JUNE_8 = "2026-06-08T09:00:00+07:00"
WHEN = datetime.fromisoformat(JUNE_8)

# Vietnamese messages (msgstr of the catalogue).
VI_NOT_A_NUMBER = "Nhập một số, ví dụ 12 hoặc 1.234,5."
VI_NEGATIVE = "Số liệu không được âm."
VI_TOO_LARGE = "Số liệu quá lớn: tối đa 999.999.999.999,99."
VI_TOO_FINE = "Tối đa hai chữ số sau dấu thập phân: số liệu được lưu đến hàng phần trăm."
VI_NUMERATOR_TOO_LARGE = "Số đạt được không được lớn hơn tổng số."
VI_BOTH_FIGURES = "Nhập cả hai số: số đạt được và tổng số."
VI_NO_SOURCE = "Ghi nguồn của số liệu (ví dụ: kết quả rà soát năm 2026)."
VI_NOTHING_SAVED = "Chưa lưu số liệu nào. Vui lòng sửa các ô được đánh dấu bên dưới."


# --- helpers ----------------------------------------------------------------------------------


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


def rows_of(html: str) -> list[list[str]]:
    """Each <tr> as the plain text of its cells."""
    return [
        [plain(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    ]


def indicator_block(html: str, name: str) -> str:
    """The <details> block of one indicator in "targets and actual figures by year"."""
    for block in re.findall(r"<details[^>]*>(.*?)</details>", html, re.S):
        summary = re.search(r"<summary>(.*?)</summary>", block, re.S).group(1)
        if plain(summary).startswith(name):
            return block
    raise AssertionError(f"no block for {name!r}")


def year_table(html: str, name: str) -> dict:
    """{year: (target, actual, variance, variance cell classes)} and "total" -> row or None."""
    block = indicator_block(html, name)
    body = block.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    table = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        year = int(plain(re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)))
        cells = re.findall(r'<td class="([^"]*)">(.*?)</td>', row, re.S)
        table[year] = (plain(cells[0][1]), plain(cells[1][1]), plain(cells[2][1]), cells[2][0].split())
    foot = re.search(r"<tfoot>(.*?)</tfoot>", block, re.S)
    table["total"] = rows_of(foot.group(1))[0] if foot else None
    return table


def full_year_table(html: str, name: str) -> tuple[list[str], dict, list[str] | None]:
    """(header, {year: every cell after the year}, total row or None) of an indicator's table."""
    block = indicator_block(html, name)
    header = rows_of(block.split("<thead>", 1)[1].split("</thead>", 1)[0])[0]
    body = rows_of(block.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    foot = re.search(r"<tfoot>(.*?)</tfoot>", block, re.S)
    return header, {int(row[0]): row[1:] for row in body}, rows_of(foot.group(1))[0] if foot else None


def vi(app, message: str) -> str:
    """A message as the Vietnamese page shows it: its msgstr in the catalogue (the English text
    until it is translated)."""
    with app.test_request_context(), force_locale("vi"):
        return gettext(message)


def indicator(plan, code: str) -> Indicator:
    return db.session.scalar(select(Indicator).where(Indicator.plan_id == plan.id, Indicator.code == code))


def enter(user, period, figures: dict, plan, source: str = "Rà soát của phường"):
    """Save figures for a period through the service: {code: value} or {code: (numerator, denominator)}."""
    rows = []
    for code, figure in figures.items():
        if isinstance(figure, tuple):
            rows.append((indicator(plan, code), None, D(figure[0]), D(figure[1]), source))
        else:
            rows.append((indicator(plan, code), None if figure is None else D(figure), None, None, source))
    saved = services.save_actuals(Actor.for_user(user), period, rows, WHEN)
    db.session.commit()
    return saved


def actual(plan, code: str, year: int) -> services.Actual:
    indicators = queries.plan_indicators(plan)
    return services.actual_of(code, year, {i.code: i for i in indicators}, queries.entered_values(plan))


def targets_url(plan) -> str:
    return f"/plans/{plan.id}/targets/"


def actuals_url(plan, period) -> str:
    return f"/plans/{plan.id}/targets/actuals?period={period.id}"


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return htmllib.unescape(value.group(1)) if value else ""


def field_error(html: str, name: str) -> str | None:
    match = re.search(rf'<div id="{re.escape(name)}-error"[^>]*>(.*?)</div>', html, re.S)
    return plain(match.group(1)) if match else None


def form_fields(html: str) -> dict[str, str]:
    """What the browser would send back: every input of the POST form as displayed."""
    form = html.split('<form method="post" novalidate>', 1)[1].split("</form>", 1)[0]
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'\bname="([^"]+)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = htmllib.unescape(value.group(1)) if value else ""
    return fields


def indicator_value_count() -> int:
    return db.session.scalar(select(func.count()).select_from(IndicatorValue))


def value_audits() -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "indicator.value").order_by(AuditEvent.id)
    ).all()


@pytest.fixture
def frozen(app):
    app.config["FROZEN_NOW"] = JUNE_8
    return app


# --- 1. the plan's own figures --------------------------------------------------------------


def test_baseline_and_household_groups_are_the_plans(frozen, plan):
    indicators = {i.code: i for i in queries.plan_indicators(plan)}
    assert indicators["poor-households"].baseline_value == 64
    assert indicators["poor-household-rate"].baseline_value == D("1.01")
    assert indicators["near-poor-households"].baseline_value == 55
    assert indicators["near-poor-household-rate"].baseline_value == D("0.87")
    groups = [indicators[f"household-group-{n}"].baseline_value for n in range(1, 6)]
    assert groups == [7, 11, 41, 1, 4]
    assert queries.baseline_total(list(indicators.values()), "household_group") == 64

    html = page(signed_in(frozen, "committee"), targets_url(plan))
    baseline = rows_of(section(html, "baseline-heading"))[1:]
    assert baseline == [
        ["Số hộ nghèo", "64", "2025"],
        ["Tỷ lệ hộ nghèo", "1,01%", "2025"],
        ["Số hộ cận nghèo", "55", "2025"],
        ["Tỷ lệ hộ cận nghèo", "0,87%", "2025"],
    ]
    groups_table = rows_of(section(html, "groups-heading"))[1:]
    assert [row[1] for row in groups_table] == ["7", "11", "41", "1", "4", "64"]
    assert groups_table[0][0].startswith("Nhóm 1:")
    assert groups_table[-1][0] == "Tổng"


def test_roadmap_per_year_totals_and_cost(frozen, plan):
    indicators = queries.plan_indicators(plan)
    roadmap = queries.roadmap(plan, indicators)
    codes = [
        "households-leaving-poverty",
        "support-housing",
        "support-latrine",
        "support-disabled-to-facility",
        "support-information-assets",
        "support-vocational-jobs",
        "support-production",
        "support-internet",
    ]
    assert [c.code for c in roadmap.columns] == codes
    expected = {
        2026: [22, 5, 7, 0, 0, 12, 0, 20],
        2027: [12, 4, 7, 0, 3, 9, 0, 6],
        2028: [6, 3, 4, 0, 5, 6, 0, 3],
        2029: [5, 4, 4, 4, 3, 3, 0, 0],
        2030: [19, 0, 0, 0, 0, 0, 0, 0],
    }
    stated_cost = {2026: 42, 2027: 54, 2028: 44, 2029: 36, 2030: 0}
    for row in roadmap.rows:
        assert [row.values[c] for c in codes] == expected[row.year], row.year
        assert row.stated_cost == stated_cost[row.year]
        assert row.computed_cost == stated_cost[row.year] and row.cost_matches
    assert [roadmap.totals[c] for c in codes] == [64, 16, 22, 4, 11, 30, 0, 29]
    assert all(roadmap.total_matches(c) for c in codes)
    assert roadmap.computed_cost_total == 176 and roadmap.stated_cost_total == 176
    assert roadmap.stated_totals["roadmap-estimated-cost"] == 176

    html = page(signed_in(frozen, "committee"), targets_url(plan))
    table = section(html, "roadmap-heading")
    body = rows_of(table.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    assert body == [
        [str(year)] + [str(v) for v in expected[year]] + [str(stated_cost[year]), str(stated_cost[year])]
        for year in YEARS
    ]
    foot = rows_of(table.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0])
    assert foot[0][0] == "Tổng" and foot[1][0] == "Tổng theo Kế hoạch"
    assert foot[0][1:] == ["64", "16", "22", "4", "11", "30", "0", "29", "176", "176"]
    assert foot[1][1:10] == ["64", "16", "22", "4", "11", "30", "0", "29", "176"]
    # Every figure agrees with the stated totals: nothing is marked as a mismatch.
    assert "mismatch" not in table and "⚠" not in table


def test_budget_targets_are_supports_times_unit_cost_and_add_up_to_the_estimate(plan):
    by_code = {i.code: i for i in queries.plan_indicators(plan)}

    def targets(code):
        return {t.year: t.value for t in by_code[code].targets}

    latrines, assets = targets("support-latrine"), targets("support-information-assets")
    budget_latrine, budget_assets = targets("budget-latrine"), targets("budget-information-assets")
    cost = targets("roadmap-estimated-cost")
    assert by_code["support-latrine"].unit_cost == 6 and by_code["support-information-assets"].unit_cost == 4
    for year in YEARS:
        assert budget_latrine[year] == latrines[year] * 6, year
        assert budget_assets[year] == assets[year] * 4, year
        assert budget_latrine[year] + budget_assets[year] == cost[year], year
    assert sum(cost.values()) == 176


def test_the_plans_own_discrepancy_is_shown_in_vietnamese(frozen, plan):
    indicators = queries.plan_indicators(plan)
    found = queries.roadmap_discrepancies(indicators, queries.roadmap(plan, indicators))
    assert [(d.year, d.indicator.code, d.stated, d.roadmap_value) for d in found] == [
        (2030, "poor-households-reduction", 18, 19)
    ]

    html = page(signed_in(frozen, "committee"), targets_url(plan))
    reduction = plain(section(html, "reduction-heading"))
    assert "Số liệu của Kế hoạch không thống nhất." in reduction
    # The plan's own words, then both ways the roadmap disagrees: 19 in 2030, 64 over 2026-2030.
    assert (
        "Mục II.3.1 ghi “giai đoạn 2026-2030 là 0,29% (giảm 18 hộ)” (18 hộ, nhập làm chỉ tiêu năm 2030), "
        "nhưng lộ trình (mục III.4) dự kiến 19 hộ trong năm 2030 và 64 hộ cả giai đoạn 2026-2030. "
        "Giữ nguyên cả hai số liệu như Kế hoạch ghi."
    ) in reduction
    # Both figures stay as the plan writes them.
    assert "giai đoạn 2026-2030 là 0,29% (giảm 18 hộ)" in reduction
    assert "cuối năm 2026 là 0,34% (giảm 22 hộ nghèo)" in reduction


# --- 2. actual figures ----------------------------------------------------------------------


def test_annual_figure_wins_over_the_provisional_six_month_one(frozen, plan, user_of, period_of):
    secretariat = user_of("secretariat")
    client = signed_in(frozen, "committee")
    enter(secretariat, period_of("six_month", 2026), {"households-leaving-poverty": 9}, plan)

    assert actual(plan, "households-leaving-poverty", 2026) == services.Actual(D(9), provisional=True)
    table = year_table(page(client, targets_url(plan)), "Số hộ nghèo cần giảm")
    assert table[2026] == ("22", "9*", "-13", ["num", "text-danger"])
    assert table[2027] == ("12", "—", "—", ["num"])

    enter(secretariat, period_of("annual", 2026), {"households-leaving-poverty": 23}, plan)
    assert actual(plan, "households-leaving-poverty", 2026) == services.Actual(D(23), provisional=False)
    table = year_table(page(client, targets_url(plan)), "Số hộ nghèo cần giảm")
    # Above the target: positive, not red, no asterisk any more.
    assert table[2026] == ("22", "23", "+1", ["num"])


def test_same_as_follows_households_leaving_poverty(frozen, plan, user_of, period_of):
    enter(user_of("secretariat"), period_of("annual", 2026), {"households-leaving-poverty": 20}, plan)
    assert actual(plan, "poor-households-reduction", 2026).value == 20
    table = year_table(page(signed_in(frozen, "committee"), targets_url(plan)), "Số hộ nghèo giảm theo mục tiêu II.3.1")
    assert table[2026] == ("22", "20", "-2", ["num", "text-danger"])
    # 2030: the II.3.1 target of 18 households, nothing reported yet.
    assert table[2030][0] == "18" and table[2030][1] == "—"


def test_sum_of_is_provisional_while_a_part_is_missing(frozen, plan, user_of, period_of):
    secretariat, annual = user_of("secretariat"), period_of("annual", 2026)
    client = signed_in(frozen, "committee")
    enter(secretariat, annual, {"budget-latrine": 36}, plan)
    assert actual(plan, "roadmap-estimated-cost", 2026) == services.Actual(D(36), provisional=True)
    table = year_table(page(client, targets_url(plan)), "Dự kiến tổng kinh phí hỗ trợ")
    assert table[2026] == ("42", "36*", "-6", ["num", "text-danger"])

    enter(secretariat, annual, {"budget-information-assets": 4}, plan)
    assert actual(plan, "roadmap-estimated-cost", 2026) == services.Actual(D(40), provisional=False)
    table = year_table(page(client, targets_url(plan)), "Dự kiến tổng kinh phí hỗ trợ")
    assert table[2026] == ("42", "40", "-2", ["num", "text-danger"])


def test_rate_is_recomputed_from_households(frozen, plan, user_of, period_of):
    enter(user_of("secretariat"), period_of("annual", 2026), {"poor-households": 44, "ward-households": 6340}, plan)
    assert actual(plan, "poor-household-rate", 2026).value == D("0.69")
    table = year_table(page(signed_in(frozen, "committee"), targets_url(plan)), "Tỷ lệ hộ nghèo")
    assert table[2026][1] == "0,69% (44/6.340)"
    # A rate does not add up over the years: no total row.
    assert table["total"] is None


def test_the_reduction_in_the_poor_household_rate_is_computed_not_typed(frozen, plan, user_of, period_of):
    """II.3.1 promises a 0,34% fall in 2026: the actual fall is 1,01% (end of 2025) minus the 2026
    rate, itself computed from households; 2027's is 2026's rate minus 2027's."""
    secretariat = user_of("secretariat")
    enter(secretariat, period_of("annual", 2026), {"poor-households": 44, "ward-households": 6340}, plan)
    reduction = actual(plan, "poor-rate-reduction", 2026)
    assert reduction.value == D("1.01") - D("0.69") == D("0.32")
    assert actual(plan, "poor-rate-reduction", 2027).value is None  # nothing for 2027 yet
    enter(secretariat, period_of("six_month", 2027), {"poor-households": 32, "ward-households": 6400}, plan)
    later = actual(plan, "poor-rate-reduction", 2027)
    assert (later.value, later.provisional) == (D("0.69") - D("0.50"), True)
    # Nobody types it: it is not on the entry page.
    entry = page(signed_in(frozen, "secretariat"), f"/plans/{plan.id}/targets/actuals")
    assert "Mức giảm tỷ lệ hộ nghèo" not in entry and "Tổng số hộ dân cư" in entry
    # The targets page shows it against the 0,34% target, with the variance.
    table = year_table(
        page(signed_in(frozen, "committee"), targets_url(plan)), "Mức giảm tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều"
    )
    assert table[2026][:3] == ("0,34%", "0,32%", "-0,02%")


def test_fraction_coverage_from_numerator_and_denominator(frozen, plan, user_of, period_of):
    enter(user_of("officer"), period_of("annual", 2026), {"coverage-school-age": (61, 64)}, plan)
    found = actual(plan, "coverage-school-age", 2026)
    assert (found.value, found.numerator, found.denominator) == (D("95.31"), 61, 64)
    table = year_table(
        page(signed_in(frozen, "committee"), targets_url(plan)),
        "Trẻ em thuộc hộ nghèo, hộ cận nghèo đi học đúng độ tuổi",
    )
    assert table[2026] == ("—", "95,31% (61/64)", "—", ["num"])
    # The 2030 target is 100%: no total row for a percentage.
    assert table[2030][0] == "100%"
    assert table["total"] is None


def test_zero_denominators_give_no_value_never_an_error(frozen, plan, user_of, period_of):
    enter(
        user_of("secretariat"),
        period_of("annual", 2026),
        {"coverage-social-security": (0, 0), "poor-households": 40, "ward-households": 0},
        plan,
    )
    # A known rate in 2027, so that the rate's table is on the page.
    enter(user_of("secretariat"), period_of("annual", 2027), {"poor-households": 32, "ward-households": 6400}, plan)
    assert actual(plan, "coverage-social-security", 2026).value is None
    assert actual(plan, "poor-household-rate", 2026).value is None
    assert actual(plan, "poor-household-rate", 2027).value == D("0.50")

    html = page(signed_in(frozen, "committee"), targets_url(plan))
    coverage = year_table(html, "Hộ nghèo, hộ cận nghèo được tiếp cận đầy đủ các chính sách an sinh xã hội")
    assert coverage[2026][1].startswith("—")
    rate = year_table(html, "Tỷ lệ hộ nghèo")
    assert rate[2026][1].startswith("—")
    assert rate[2027][1] == "0,5% (32/6.400)"
    assert year_table(html, "Tổng số hộ dân cư trên địa bàn phường")[2026][1] == "0"


def test_zero_denominator_typed_on_the_entry_page_is_saved_and_shows_no_rate(frozen, plan, user_of, period_of):
    """0 reached out of 0 is a legitimate report (nobody needed it); it is saved, never a 500."""
    period = period_of("annual", 2026)
    coverage = indicator(plan, "coverage-information")
    client = signed_in(frozen, "officer")
    response = client.post(
        actuals_url(plan, period),
        data={
            f"numerator-{coverage.id}": "0",
            f"denominator-{coverage.id}": "0",
            f"source-{coverage.id}": "Rà soát 2026",
        },
    )
    assert response.status_code == 302
    assert actual(plan, "coverage-information", 2026).value is None
    table = year_table(
        page(client, targets_url(plan)), "Hộ nghèo, hộ cận nghèo có nhu cầu được tiếp cận dịch vụ viễn thông"
    )
    assert table[2026][1].startswith("—")


def test_counts_add_up_over_the_years_rates_do_not(frozen, plan, user_of, period_of):
    secretariat = user_of("secretariat")
    enter(
        secretariat,
        period_of("annual", 2026),
        {"households-leaving-poverty": 21, "poor-households": 43, "ward-households": 6340},
        plan,
    )
    enter(
        secretariat,
        period_of("six_month", 2027),
        {"households-leaving-poverty": 5, "poor-households": 38, "ward-households": 6400},
        plan,
    )
    rows = {r.indicator.code: r for r in queries.indicator_rows(plan, queries.plan_indicators(plan))}
    households = rows["households-leaving-poverty"]
    assert households.adds_up and households.total_target == 64 and households.total_actual == 26
    assert not rows["poor-household-rate"].adds_up

    html = page(signed_in(frozen, "committee"), targets_url(plan))
    table = year_table(html, "Số hộ nghèo cần giảm")
    assert table[2027][1] == "5*"
    assert table["total"] == ["Tổng", "64", "26", ""]
    assert year_table(html, "Tỷ lệ hộ nghèo")["total"] is None
    assert year_table(html, "Tỷ lệ hộ nghèo")[2027][1] == "0,59%* (38/6.400)"


def enter_two_years(user_of, period_of, plan):
    """2026 reported in the annual report; 2027 in its 6-month report (provisional), except the
    budget and housing figures, which come from the annual report of 2027."""
    secretariat = user_of("secretariat")
    enter(
        secretariat,
        period_of("annual", 2026),
        {"households-leaving-poverty": 21, "budget-latrine": 36, "poor-households": 43, "ward-households": 6340},
        plan,
    )
    enter(
        secretariat,
        period_of("six_month", 2027),
        {"households-leaving-poverty": 5, "poor-households": 38, "ward-households": 6400},
        plan,
    )
    # Housing: nothing reported for 2026, 3 houses in 2027.
    enter(
        secretariat,
        period_of("annual", 2027),
        {"budget-latrine": 42, "budget-information-assets": 12, "support-housing": 3},
        plan,
    )


def test_cumulative_target_and_actual_per_year(frozen, plan, user_of, period_of):
    enter_two_years(user_of, period_of, plan)
    rows = {r.indicator.code: r for r in queries.indicator_rows(plan, queries.plan_indicators(plan))}
    households = rows["households-leaving-poverty"].years
    assert [y.cumulative_target for y in households] == [22, 34, 40, 45, 64]
    assert [y.cumulative_actual for y in households] == [
        services.Actual(D(21)),
        services.Actual(D(26), provisional=True),
        services.NO_ACTUAL,
        services.NO_ACTUAL,
        services.NO_ACTUAL,
    ]

    html = page(signed_in(frozen, "committee"), targets_url(plan))
    header, years, total = full_year_table(html, "Số hộ nghèo cần giảm")
    assert header == [
        "Năm",
        "Chỉ tiêu",
        "Thực hiện",
        "Chênh lệch",
        vi(frozen, "Cumulative target"),
        vi(frozen, "Cumulative actual"),
    ]
    # Target, actual, variance, then the running totals: 22 + 12 = 34 planned by the end of 2027,
    # 21 + 5 = 26 out of poverty, provisional (*) while 2027's figure is the 6-month one.
    assert years == {
        2026: ["22", "21", "-1", "22", "21"],
        2027: ["12", "5*", "-7", "34", "26*"],
        2028: ["6", "—", "—", "40", "—"],
        2029: ["5", "—", "—", "45", "—"],
        2030: ["19", "—", "—", "64", "—"],
    }
    assert total == ["Tổng", "64", "26", ""]

    # Money: the budget used is the sum of latrines and information assets; 2026 lacks the
    # information assets' figure, so 2026 and every running total that includes it stay provisional.
    header, years, total = full_year_table(html, "Dự kiến tổng kinh phí hỗ trợ")
    assert years[2026] == ["42", "36*", "-6", "42", "36*"]
    assert years[2027] == ["54", "54", "0", "96", "90*"]
    assert years[2028] == ["44", "—", "—", "140", "—"]
    assert years[2030] == ["0", "—", "—", "176", "—"]

    # A running total cannot skip a year: housing has no figure for 2026, so none to date in 2027.
    header, years, total = full_year_table(html, "Hỗ trợ nhà ở")
    assert years[2026] == ["5", "—", "—", "5", "—"]
    assert years[2027] == ["4", "3", "-1", "9", "—"]
    assert total == ["Tổng", "16", "3", ""]


def test_rates_and_year_end_counts_show_the_change_from_the_year_before(frozen, plan, user_of, period_of):
    enter_two_years(user_of, period_of, plan)
    html = page(signed_in(frozen, "committee"), targets_url(plan))
    change = vi(frozen, "Change from the year before")

    # The rate of poor households: 1,01% at the end of 2025 (the baseline), 43/6.340 = 0,68% in
    # 2026, 38/6.400 = 0,59% in 2027 (6-month figures, provisional).
    header, years, total = full_year_table(html, "Tỷ lệ hộ nghèo")
    assert header == ["Năm", "Chỉ tiêu", "Thực hiện", "Chênh lệch", change]
    assert years[2026] == ["—", "0,68% (43/6.340)", "—", "↓ -0,33%"]
    assert years[2027] == ["—", "0,59%* (38/6.400)", "—", "↓ -0,09%*"]
    assert years[2028] == ["—", "—", "—", "—"]
    assert total is None

    # The number of poor households is a count at the year's end: it never adds up over the
    # years (no total, no running total), it goes down from 64 (end of 2025) to 43, then 38.
    rows = {r.indicator.code: r for r in queries.indicator_rows(plan, queries.plan_indicators(plan))}
    assert not rows["poor-households"].adds_up and not rows["ward-households"].adds_up
    header, years, total = full_year_table(html, "Số hộ nghèo")
    assert header[-1] == change and vi(frozen, "Cumulative target") not in header
    assert years[2026] == ["—", "43", "—", "↓ -21"]
    assert years[2027] == ["—", "38*", "—", "↓ -5*"]
    assert total is None
    # No baseline for the ward's households: the first change is in 2027.
    header, years, total = full_year_table(html, "Tổng số hộ dân cư trên địa bàn phường")
    assert years[2026] == ["—", "6.340", "—", "—"]
    assert years[2027] == ["—", "6.400*", "—", "↑ +60*"]
    assert total is None


# --- 3. the entry page ----------------------------------------------------------------------


def test_officer_sees_only_the_indicators_of_the_unit(frozen, plan, period_of):
    html = page(signed_in(frozen, "officer"), actuals_url(plan, period_of("six_month", 2026)))
    # Phòng Văn hóa – Xã hội reports these...
    for code, field in [
        ("support-vocational-jobs", "value"),
        ("support-information-assets", "value"),
        ("support-internet", "value"),
        ("support-disabled-to-facility", "value"),
        ("coverage-school-age", "numerator"),
        ("coverage-school-age", "denominator"),
        ("coverage-social-security", "numerator"),
        ("coverage-information", "numerator"),
    ]:
        assert input_value(html, f"{field}-{indicator(plan, code).id}") is not None, code
    # ... and not what Phòng Xây dựng, Nông nghiệp và Môi trường, Trạm Y tế or Phòng Kinh tế report.
    for code, field in [
        ("support-latrine", "value"),
        ("households-leaving-poverty", "value"),
        ("ward-households", "value"),
        ("coverage-hygienic-latrine", "numerator"),
        ("coverage-health-insurance", "numerator"),
        ("budget-latrine", "value"),
    ]:
        assert input_value(html, f"{field}-{indicator(plan, code).id}") is None, code
    assert "Hỗ trợ nhà tiêu hợp vệ sinh" not in html


def test_officer_cannot_save_another_units_figure(frozen, plan, period_of):
    period = period_of("six_month", 2026)
    jobs, latrine = indicator(plan, "support-vocational-jobs"), indicator(plan, "support-latrine")
    client = signed_in(frozen, "officer")
    response = client.post(
        actuals_url(plan, period),
        data={
            f"value-{jobs.id}": "4",
            f"source-{jobs.id}": "Báo cáo của Phòng",
            f"value-{latrine.id}": "99",
            f"source-{latrine.id}": "Không phải của Phòng",
        },
    )
    assert response.status_code == 302
    saved = {v.indicator_id: v.value for v in db.session.scalars(select(IndicatorValue))}
    assert saved == {jobs.id: 4}


DEFAULT_PERIOD_BUG = (
    "BUG: tracker/targets/views.py _default_period() picks the last six_month/annual period that has *started* "
    "(starts_on <= today); the annual period of 2026 starts on 01/01, so from January to November the entry page "
    "opens on 'Báo cáo năm 2026' and figures typed there for the 6-month report (due 10/06) are saved as the "
    "annual, final figures (no * provisional mark). It should open on the period being reported, as the "
    "dashboard does (reports.queries.open_periods: the last period whose reporting window has opened, 30 days "
    "before its unit deadline), i.e. the 6-month period of 2026 on 08/06/2026"
)


def test_entry_page_opens_on_the_period_being_reported(frozen, plan, period_of):
    """On 08/06/2026 the 6-month report (unit deadline 05/06, ward deadline 10/06) is the one being
    prepared; the annual one is due in November."""
    client = signed_in(frozen, "officer")
    html = page(client, f"/plans/{plan.id}/targets/actuals")
    selected = re.search(r'<option value="(\d+)" selected>', html)
    assert int(selected.group(1)) == period_of("six_month", 2026).id
    jobs = indicator(plan, "support-vocational-jobs")
    response = client.post(
        f"/plans/{plan.id}/targets/actuals", data={f"value-{jobs.id}": "4", f"source-{jobs.id}": "Báo cáo 6 tháng"}
    )
    assert response.status_code == 302
    assert actual(plan, "support-vocational-jobs", 2026) == services.Actual(D(4), provisional=True)


def test_secretariat_sees_every_entered_indicator_and_no_computed_one(frozen, plan, period_of):
    html = page(signed_in(frozen, "secretariat"), actuals_url(plan, period_of("six_month", 2026)))
    for i in queries.plan_indicators(plan):
        if i.actual_rule == "value":
            assert input_value(html, f"value-{i.id}") is not None, i.code
        elif i.actual_rule == "fraction":
            assert input_value(html, f"numerator-{i.id}") is not None, i.code
            assert input_value(html, f"denominator-{i.id}") is not None, i.code
        else:  # rate, same_as, sum_of: computed, never typed in
            for field in ("value", "numerator", "denominator", "source"):
                assert input_value(html, f"{field}-{i.id}") is None, i.code


def test_committee_cannot_enter_figures(frozen, plan, period_of):
    client = signed_in(frozen, "committee")
    url = actuals_url(plan, period_of("six_month", 2026))
    assert client.get(url).status_code == 403
    before = database_snapshot()
    poor = indicator(plan, "poor-households")
    assert client.post(url, data={f"value-{poor.id}": "40", f"source-{poor.id}": "x"}).status_code == 403
    assert database_snapshot() == before
    # The targets page offers no entry button to the committee.
    assert "/targets/actuals" not in page(client, targets_url(plan))


BAD_INPUT = [
    # (indicator, typed fields, field with the message, message)
    ("support-vocational-jobs", {"value": "abc", "source": "Rà soát"}, "value", VI_NOT_A_NUMBER),
    ("support-vocational-jobs", {"value": "-3", "source": "Rà soát"}, "value", VI_NEGATIVE),
    # Past what the database keeps: refused, never rounded (SQLite) or an error page (PostgreSQL).
    ("support-vocational-jobs", {"value": "1.000.000.000.000", "source": "Rà soát"}, "value", VI_TOO_LARGE),
    ("support-vocational-jobs", {"value": "12,345", "source": "Rà soát"}, "value", VI_TOO_FINE),
    (
        "coverage-school-age",
        {"numerator": "65", "denominator": "64", "source": "Rà soát"},
        "numerator",
        VI_NUMERATOR_TOO_LARGE,
    ),
    (
        "coverage-school-age",
        {"numerator": "61", "denominator": "", "source": "Rà soát"},
        "denominator",
        VI_BOTH_FIGURES,
    ),
    (
        "coverage-school-age",
        {"numerator": "", "denominator": "64", "source": "Rà soát"},
        "denominator",
        VI_BOTH_FIGURES,
    ),
    ("support-internet", {"value": "12", "source": ""}, "source", VI_NO_SOURCE),
    ("coverage-school-age", {"numerator": "61", "denominator": "64", "source": "   "}, "source", VI_NO_SOURCE),
]


@pytest.mark.parametrize("code, typed, field, message", BAD_INPUT)
def test_bad_input_is_refused_with_a_message_and_kept(frozen, plan, period_of, code, typed, field, message):
    period = period_of("six_month", 2026)
    target = indicator(plan, code)
    other = indicator(plan, "support-disabled-to-facility")
    client = signed_in(frozen, "officer")
    before = database_snapshot()
    data = {f"{name}-{target.id}": value for name, value in typed.items()}
    # A correct figure typed beside the wrong one is not saved either: all or nothing.
    data.update({f"value-{other.id}": "2", f"source-{other.id}": "Rà soát"})
    response = client.post(actuals_url(plan, period), data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert VI_NOTHING_SAVED in plain(html)
    assert field_error(html, f"{field}-{target.id}") == message
    for name, value in typed.items():
        assert input_value(html, f"{name}-{target.id}") == value, name
    assert input_value(html, f"value-{other.id}") == "2"
    assert database_snapshot() == before


def test_vietnamese_numbers_are_read_as_written(frozen, plan, period_of):
    assert parse_decimal("1.234,5") == D("1234.5")
    assert parse_decimal("6.340") == D("6340")
    assert parse_decimal("12,5") == D("12.5")
    assert parse_decimal("1234.5") == D("1234.5")
    with pytest.raises(ValueError):
        parse_decimal("abc")

    period = period_of("annual", 2026)
    ward, poor, latrine = (indicator(plan, c) for c in ("ward-households", "poor-households", "budget-latrine"))
    client = signed_in(frozen, "secretariat")
    response = client.post(
        actuals_url(plan, period),
        data={
            f"value-{ward.id}": "6.340",
            f"source-{ward.id}": "Thống kê dân số 2026",
            f"value-{poor.id}": "44",
            f"source-{poor.id}": "Rà soát hộ nghèo 2026",
            f"value-{latrine.id}": "1.234,5",
            f"source-{latrine.id}": "Quyết toán 2026",
        },
    )
    assert response.status_code == 302
    values = {
        v.indicator_id: v
        for v in db.session.scalars(select(IndicatorValue).where(IndicatorValue.period_id == period.id))
    }
    assert values[ward.id].value == 6340
    assert values[latrine.id].value == D("1234.5")
    assert values[poor.id].source == "Rà soát hộ nghèo 2026"
    # Shown back in the Vietnamese way, and the rate is recomputed from them: 44 / 6.340 = 0,69%.
    html = page(client, actuals_url(plan, period))
    assert input_value(html, f"value-{ward.id}") == "6.340"
    assert input_value(html, f"value-{latrine.id}") == "1.234,5"
    assert year_table(page(client, targets_url(plan)), "Tỷ lệ hộ nghèo")[2026][1] == "0,69% (44/6.340)"


def test_resaving_the_same_figures_changes_nothing_and_a_change_is_audited(frozen, plan, period_of):
    period = period_of("annual", 2026)
    jobs, school = indicator(plan, "support-vocational-jobs"), indicator(plan, "coverage-school-age")
    client = signed_in(frozen, "officer")
    response = client.post(
        actuals_url(plan, period),
        data={
            f"value-{jobs.id}": "1.250",
            f"source-{jobs.id}": "Báo cáo của Phòng",
            f"numerator-{school.id}": "61",
            f"denominator-{school.id}": "64",
            f"source-{school.id}": "Số liệu các trường",
        },
    )
    assert response.status_code == 302
    assert "Đã lưu 2 số liệu." in plain(page(client, response.headers["Location"]))
    assert len(value_audits()) == 2

    # The officer sends the form back exactly as the page shows it.
    html = page(client, actuals_url(plan, period))
    before = database_snapshot()
    response = client.post(actuals_url(plan, period), data=form_fields(html))
    assert response.status_code == 302
    assert "Đã lưu 0 số liệu." in plain(page(client, response.headers["Location"]))
    assert database_snapshot() == before

    # Then corrects one figure: one audit event, with what it was and what it became.
    fields = form_fields(page(client, actuals_url(plan, period)))
    fields[f"numerator-{school.id}"] = "62"
    assert client.post(actuals_url(plan, period), data=fields).status_code == 302
    audits = value_audits()
    assert len(audits) == 3
    change = audits[-1].detail
    assert change["indicator"] == "coverage-school-age"
    assert change["period"] == "annual 2026"
    assert change["before"] == {"value": None, "numerator": "61", "denominator": "64", "source": "Số liệu các trường"}
    assert change["after"] == {"value": None, "numerator": "62", "denominator": "64", "source": "Số liệu các trường"}
    assert audits[-1].username == "canbo.vhxh"
    assert actual(plan, "coverage-school-age", 2026).value == D("96.88")
    assert actual(plan, "support-vocational-jobs", 2026).value == 1250


def test_service_resaving_identical_figures_writes_nothing(app, plan, user_of, period_of):
    period = period_of("six_month", 2026)
    assert (
        enter(user_of("secretariat"), period, {"households-leaving-poverty": 9, "coverage-housing": (3, 5)}, plan) == 2
    )
    count, audits = indicator_value_count(), len(value_audits())
    assert (
        enter(user_of("secretariat"), period, {"households-leaving-poverty": 9, "coverage-housing": (3, 5)}, plan) == 0
    )
    assert indicator_value_count() == count and len(value_audits()) == audits


# --- 4. the charts --------------------------------------------------------------------------


def svg_charts(html: str) -> list[str]:
    return re.findall(r'<svg class="chart".*?</svg>', html, re.S)


def chart_labels(svg: str) -> list[str]:
    return [htmllib.unescape(t) for t in re.findall(r'<text[^>]*class="chart-value"[^>]*>([^<]*)</text>', svg)]


def chart_title(svg: str) -> str:
    return htmllib.unescape(re.search(r"<title[^>]*>([^<]*)</title>", svg).group(1))


def figures(html: str) -> list[tuple[str, str]]:
    """(visible caption, SVG) of each chart on the page."""
    return [
        (plain(caption), svg)
        for caption, svg in re.findall(
            r'<figure class="chart-figure">\s*<figcaption[^>]*>(.*?)</figcaption>\s*(<svg class="chart".*?</svg>)\s*</figure>',
            html,
            re.S,
        )
    ]


def name_labels(svg: str) -> list[tuple[float, str]]:
    """(y, text) of each category name of a chart, its lines joined."""
    return [
        (float(y), plain(" ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", body)) or body))
        for y, body in re.findall(r'<text[^>]*\by="([\d.]+)"[^>]*class="chart-label"[^>]*>(.*?)</text>', svg, re.S)
    ]


def test_targets_page_draws_four_charts_with_targets_and_actuals(frozen, plan, user_of, period_of):
    secretariat = user_of("secretariat")
    enter(
        secretariat,
        period_of("annual", 2026),
        {
            "households-leaving-poverty": 21,
            "budget-latrine": D("40.5"),
            "budget-information-assets": 0,
            "support-internet": 1250,
        },
        plan,
    )
    html = page(signed_in(frozen, "committee"), targets_url(plan))
    found = svg_charts(html)
    assert len(found) == 4
    titles = [chart_title(svg) for svg in found]
    assert titles == [
        "Số hộ thoát nghèo theo năm",
        vi(frozen, "Households leaving poverty, cumulative, against the roadmap"),
        "Hỗ trợ đã thực hiện theo loại, đến nay",
        "Kinh phí đã sử dụng so với dự kiến (triệu đồng)",
    ]
    households, cumulative, supports, budget = (chart_labels(svg) for svg in found)
    # Target then actual per year; years without an actual have no label (a dash instead).
    assert households == ["22", "21", "12", "6", "5", "19"]
    # The running totals: the roadmap's 22, 34, 40, 45, 64 and the 21 households of 2026.
    assert cumulative == ["22", "21", "34", "40", "45", "64"]
    # Supports to date (2026): housing 5, latrine 7, disabled 0, information assets 0, jobs 12,
    # production 0, internet 20 planned, and 1.250 internet supports reported.
    assert supports == ["5", "7", "0", "0", "12", "0", "20", "1.250"]
    # The budget chart: 42 estimated and 40,5 used in 2026, then the estimates of 2027-2030.
    assert budget == ["42", "40,5", "54", "44", "36", "0"]
    # The legend reads in Vietnamese.
    assert "Chỉ tiêu" in found[0] and "Thực hiện" in found[0]
    assert vi(frozen, "Cumulative target") in found[1] and vi(frozen, "Cumulative actual") in found[1]
    assert "Dự kiến" in found[3] and "Đã sử dụng" in found[3]


def test_every_chart_has_a_visible_caption_and_is_an_accessible_image(frozen, plan):
    html = page(signed_in(frozen, "committee"), targets_url(plan))
    shown = figures(html)
    assert [caption for caption, _ in shown] == [
        "Số hộ thoát nghèo theo năm",
        vi(frozen, "Households leaving poverty, cumulative, against the roadmap"),
        "Hỗ trợ đã thực hiện theo loại, đến nay",
        "Kinh phí đã sử dụng so với dự kiến (triệu đồng)",
    ]
    assert len(shown) == len(svg_charts(html))
    for caption, svg in shown:
        opening = re.match(r"<svg[^>]*>", svg).group(0)
        assert 'role="img"' in opening
        # Named by its title (the caption's words) and described by a text that carries every number.
        name_id = re.search(r'aria-labelledby="([^"]+)"', opening).group(1)
        assert plain(re.search(rf'<title id="{name_id}">(.*?)</title>', svg).group(1)) == caption
        description_id = re.search(r'aria-describedby="([^"]+)"', opening).group(1)
        assert re.search(rf'<desc id="{description_id}">[^<]*\d', svg)
    # Every id is used once on the page.
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_supports_chart_shows_every_support_by_its_full_name(frozen, plan, user_of, period_of):
    enter(user_of("secretariat"), period_of("annual", 2026), {"support-latrine": 6, "support-internet": 18}, plan)
    indicators = queries.plan_indicators(plan)
    names = [c.name for c in queries.roadmap(plan, indicators).columns[1:]]
    assert len(names) == 7 and "Hộ có người khuyết tật ĐBN vào cơ sở BTXH" in names
    html = page(signed_in(frozen, "committee"), targets_url(plan))
    supports = next(svg for caption, svg in figures(html) if caption == "Hỗ trợ đã thực hiện theo loại, đến nay")
    labels = name_labels(supports)
    # Every name whole, in the roadmap's order, nothing cut short.
    assert [text for _, text in labels] == names
    assert "…" not in supports
    # Each name on its own line, above its own bars: the names go down the chart, and between two
    # names come the bars of the first.
    tops = [y for y, _ in labels]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    bars = [
        float(y) for y in re.findall(r'<rect[^>]*\by="([\d.]+)"[^>]*class="chart-(?:target|actual)"', supports)[2:]
    ]  # after the legend
    for upper, lower in zip(tops, tops[1:] + [float("inf")]):
        assert any(upper < bar < lower for bar in bars)
    # Horizontal bars, from the same starting line: target then delivered per type.
    assert chart_labels(supports) == ["5", "7", "6", "0", "0", "12", "0", "20", "18"]


def test_long_names_wrap_onto_more_lines_and_grow_the_chart():
    long_name = "Hỗ trợ hộ nghèo, hộ cận nghèo có người khuyết tật đặc biệt nặng vào cơ sở bảo trợ xã hội của tỉnh"
    short = charts.hbar_chart("Ngắn", ["Nhà ở"], [charts.Series("Chỉ tiêu", "chart-target", [D(5)])])
    long = charts.hbar_chart("Dài", [long_name, "Nhà ở"], [charts.Series("Chỉ tiêu", "chart-target", [D(4), D(5)])])
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", long)
    assert len(lines) == 4 and " ".join(lines[:3]) == long_name and lines[3] == "Nhà ở"
    assert all(len(line) <= charts.NAME_CHARACTERS for line in lines)

    def height(svg):
        return float(re.search(r'viewBox="0 0 \d+ ([\d.]+)"', svg).group(1))

    assert height(long) > height(short)
    # A missing figure is a dash, never a bar; an empty chart is still a chart.
    missing = charts.hbar_chart("Thiếu", ["Nhà ở"], [charts.Series("Thực hiện", "chart-actual", [None])])
    assert missing.count("chart-missing") == 1 and "<rect" not in missing.split("</text>", 1)[1]
    nothing = charts.hbar_chart("Không có gì", [], [])
    assert nothing.startswith('<svg class="chart"') and nothing.endswith("</svg>")


def test_line_chart_stops_at_the_first_missing_value():
    drawn = charts.line_chart(
        "Lũy kế",
        ["2026", "2027", "2028"],
        [
            charts.Series("Lũy kế chỉ tiêu", "chart-target", [D(22), D(34), D(40)]),
            charts.Series("Lũy kế thực hiện", "chart-actual", [D(21), None, None]),
        ],
    )
    assert chart_labels(drawn) == ["22", "21", "34", "40"]
    # One line of three points for the target; a single point, no line, for the actual.
    assert drawn.count("<polyline") == 1 and 'class="chart-line chart-target"' in drawn
    assert drawn.count("<circle") == 4
    # The higher value's label above its point, the lower one's below.
    points = {
        label: float(y)
        for y, label in re.findall(r'<text[^>]*y="([\d.]+)"[^>]*class="chart-value"[^>]*>([^<]*)</text>', drawn)
    }
    circles = [float(y) for y in re.findall(r'<circle[^>]*cy="([\d.]+)"', drawn)]
    assert points["22"] < circles[0] and points["21"] > circles[1]
    assert charts.line_chart("Trống", [], []).endswith("</svg>")


def test_bar_chart_handles_empty_and_zero_series():
    empty = charts.bar_chart(
        "Trống",
        ["2026", "2027"],
        [
            charts.Series("Chỉ tiêu", "chart-target", [None, None]),
            charts.Series("Thực hiện", "chart-actual", [None, None]),
        ],
    )
    assert empty.startswith('<svg class="chart"') and "<title" in empty
    assert empty.count("chart-missing") == 4
    zeros = charts.bar_chart("Bằng không", ["2026", "2027"], [charts.Series("Chỉ tiêu", "chart-target", [D(0), D(0)])])
    assert chart_labels(zeros) == ["0", "0"]
    assert 'height="0.0"' in zeros
    nothing = charts.bar_chart("Không có gì", [], [])
    assert nothing.startswith('<svg class="chart"') and nothing.endswith("</svg>")


# --- 5. the arithmetic ----------------------------------------------------------------------


def test_rate():
    assert services.indicator_rate(D(44), D(6340)) == D("0.69")
    assert services.indicator_rate(D(61), D(64)) == D("95.31")
    assert services.indicator_rate(1, 3) == D("33.33")
    assert services.indicator_rate(D(0), D(64)) == D("0.00")
    assert services.indicator_rate(D(64), D(64)) == D("100.00")
    assert services.indicator_rate(D(5), D(0)) is None
    assert services.indicator_rate(D(0), D(0)) is None
    assert services.indicator_rate(None, D(5)) is None
    assert services.indicator_rate(D(5), None) is None


def test_variance():
    assert services.variance(D(21), D(22)) == D(-1)
    assert services.variance(D(23), D(22)) == D(1)
    assert services.variance(D(0), D(0)) == D(0)
    assert services.variance(D(0), D(12)) == D(-12)
    assert services.variance(None, D(22)) is None
    assert services.variance(D(21), None) is None
    assert services.variance(None, None) is None


def test_cumulative():
    assert services.cumulative([D(22), D(12), D(6), D(5), D(19)]) == [22, 34, 40, 45, 64]
    assert services.cumulative([D(0), D(0), D(3)]) == [0, 0, 3]
    # Unknown from the first missing year on: a running total cannot skip a year.
    assert services.cumulative([D(1), None, D(3)]) == [1, None, None]
    assert services.cumulative([None, D(2)]) == [None, None]
    assert services.cumulative([]) == []
