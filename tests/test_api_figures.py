"""The plan's indicators and their figures through the API (tracker/api/figures.py): the same numbers
as the targets page, figures entered with the entry page's rules and audit record, its refusals,
and the API's own guarantees (Idempotency-Key, If-Match).

The plan's figures are those of tests/test_targets.py: the roadmap (III.4) plans 12 people trained
or given jobs in 2026 (support-vocational-jobs, reported by Phòng Văn hóa – Xã hội, the officer's
unit); the baseline poor-household rate is 1,01%; 44 poor households out of 6.340 is 0,69%.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import helpers
from tests.test_targets import (
    VI_BOTH_FIGURES,
    VI_NEGATIVE,
    VI_NO_SOURCE,
    VI_NUMERATOR_TOO_LARGE,
    enter,
    indicator,
)
from tracker.audit.models import AuditEvent
from tracker.core.formatting import parse_decimal
from tracker.extensions import db
from tracker.targets.models import IndicatorValue

D = Decimal
API = "/api/v1"
VI_REQUIRED = "Trường này bắt buộc."  # WTForms' "This field is required." in the catalogue

# A figure the API cannot read as a number: the API's own message (it takes no thousands separator).
API_NOT_A_NUMBER = "Nhập một số, ví dụ 12 hoặc 1234.5, không có dấu phân cách hàng nghìn."


# --- helpers ----------------------------------------------------------------------------------


def figures_url(plan, period) -> str:
    return f"{API}/plans/{plan.id}/periods/{period.id}/figures"


def put_figures(client, plan, period, headers: dict, figures: list[dict], **extra_headers):
    return client.put(figures_url(plan, period), json={"figures": figures}, headers={**headers, **extra_headers})


def read_indicators(client, plan, headers: dict) -> dict[str, dict]:
    response = client.get(f"{API}/plans/{plan.id}/indicators", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["pages"] == 1, "every indicator on one page"
    return {item["code"]: item for item in body["items"]}


def year_of(item: dict, year: int) -> dict:
    return next(y for y in item["years"] if y["year"] == year)


def stored() -> dict[tuple[str, str, int], IndicatorValue]:
    """(indicator code, period kind, year) -> the figure stored."""
    return {
        (v.indicator.code, v.period.kind, v.period.year): v for v in db.session.scalars(select(IndicatorValue)).all()
    }


def value_audits() -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "indicator.value").order_by(AuditEvent.id)
    ).all()


def nothing_entered() -> bool:
    return db.session.scalar(select(func.count()).select_from(IndicatorValue)) == 0 and not value_audits()


def targets_page_tables(client, plan) -> dict[str, dict[int, tuple[str, str, str]]]:
    """The targets page's "targets and actual figures by year": for each indicator's block, by its
    heading ("name (category)"), {year: (target, actual, variance)} as the cells read."""
    html = helpers.page(client, f"/plans/{plan.id}/targets/")
    tables = {}
    for block in re.findall(r"<details[^>]*>(.*?)</details>", html, re.S):
        heading = helpers.plain(re.search(r"<summary>(.*?)</summary>", block, re.S).group(1))
        body = block.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        table = {}
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            year = int(helpers.plain(re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)))
            cells = [helpers.plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            table[year] = (cells[0], cells[1], cells[2])
        tables[heading] = table
    return tables


def page_number(cell: str) -> Decimal | None:
    """A number as the page shows it ("1.234,5", "0,69%", "4*", "+2", "—") read back."""
    text = cell.replace("*", "").replace("%", "").replace("+", "").strip()
    return None if text in ("", "—") else parse_decimal(text)


def api_number(text: str | None) -> Decimal | None:
    return None if text is None else D(text)


def assert_year_as_on_the_page(item: dict, year: dict, cells: tuple[str, str, str]) -> None:
    target, actual, variance = cells
    where = f"{item['code']} {year['year']}"
    if year["target"] is None:
        assert target == (year["target_text"] or "—"), where
    else:
        assert page_number(target) == D(year["target"]), where
    shown, _sep, parts = actual.partition(" (")
    assert page_number(shown) == api_number(year["actual"]), where
    assert shown.endswith("*") == year["provisional"], where
    if parts:  # a rate shows the figures it is computed from: (44/6.340)
        numerator, denominator = parts.rstrip(")").split("/")
        assert (parse_decimal(numerator), parse_decimal(denominator)) == (
            api_number(year["numerator"]),
            api_number(year["denominator"]),
        ), where
    assert page_number(variance) == api_number(year["variance"]), where


# --- reading: the targets page's numbers --------------------------------------------------------


def test_indicators_read_shows_the_targets_and_actual_figures_of_the_targets_page(
    app, plan, user_of, period_of, token_of
):
    secretariat = user_of("secretariat")
    enter(
        secretariat,
        period_of("six_month", 2026),
        {"support-vocational-jobs": 4, "coverage-school-age": (61, 64), "households-leaving-poverty": 9},
        plan,
    )
    enter(
        secretariat,
        period_of("annual", 2026),
        {"ward-households": 6340, "poor-households": 44, "households-leaving-poverty": 20, "budget-latrine": "1234.5"},
        plan,
    )
    enter(secretariat, period_of("six_month", 2027), {"support-internet": 2}, plan)

    items = read_indicators(app.test_client(), plan, token_of("committee"))
    tables = targets_page_tables(helpers.signed_in(app, "committee"), plan)

    # Every block of the page is an indicator of the API with the same numbers, year by year.
    shown = {
        f"{item['name']} ({item['category_label']})": item
        for item in items.values()
        if any(y["target"] is not None or y["target_text"] or y["known"] for y in item["years"])
    }
    assert set(shown) == set(tables)
    for heading, item in shown.items():
        assert [y["year"] for y in item["years"]] == [2026, 2027, 2028, 2029, 2030]
        for year in item["years"]:
            assert_year_as_on_the_page(item, year, tables[heading][year["year"]])

    # The figures a reader looks for, as the page computes them.
    jobs = year_of(items["support-vocational-jobs"], 2026)
    assert jobs == {
        "year": 2026,
        "target": "12",
        "target_text": None,
        "actual": "4",
        "known": True,
        "provisional": True,  # from the 6-month report: the annual one is not in
        "numerator": None,
        "denominator": None,
        "variance": "-8",
    }
    leaving = year_of(items["households-leaving-poverty"], 2026)
    assert (leaving["target"], leaving["actual"], leaving["provisional"], leaving["variance"]) == (
        "22",
        "20",
        False,
        "-2",
    )
    rate = year_of(items["poor-household-rate"], 2026)
    assert (rate["actual"], rate["numerator"], rate["denominator"]) == ("0.69", "44", "6340")
    reduction = year_of(items["poor-rate-reduction"], 2026)  # 1,01% at the end of 2025, 0,69% a year later
    assert (reduction["target"], reduction["actual"], reduction["variance"]) == ("0.34", "0.32", "-0.02")
    assert year_of(items["budget-latrine"], 2026)["actual"] == "1234.5"
    assert year_of(items["support-internet"], 2027)["actual"] == "2"
    assert not year_of(items["support-internet"], 2026)["known"]
    assert items["coverage-school-age"]["measure"] == "percent"
    assert items["coverage-school-age"]["reporting_unit"]["code"] == "phong-vh-xh"
    assert items["poor-households"]["baseline_value"] == "64"


def test_indicators_can_be_read_by_category(app, plan, token_of):
    response = app.test_client().get(f"{API}/plans/{plan.id}/indicators?category=roadmap", headers=token_of("officer"))
    assert response.status_code == 200
    codes = [item["code"] for item in response.get_json()["items"]]
    assert codes[0] == "households-leaving-poverty" and "support-vocational-jobs" in codes
    assert "poor-households" not in codes
    bad = app.test_client().get(f"{API}/plans/{plan.id}/indicators?category=nope", headers=token_of("officer"))
    assert bad.status_code == 422 and "category" in bad.get_json()["errors"]


# --- entering figures ---------------------------------------------------------------------------


def test_a_figure_entered_through_the_api_shows_on_the_targets_page_and_is_audited_as_the_pages(
    app, plan, period_of, token_of
):
    six_month = period_of("six_month", 2026)
    client = app.test_client()
    response = put_figures(
        client,
        plan,
        six_month,
        token_of("officer"),
        [
            {"indicator": "support-vocational-jobs", "value": 4, "source": "Báo cáo của Phòng"},
            {"indicator": "coverage-school-age", "numerator": "61", "denominator": 64, "source": "Số liệu các trường"},
        ],
    )
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["saved"] == 2
    assert answer["period"]["id"] == six_month.id
    recorded = {f["indicator"]: f for f in answer["figures"]}
    assert set(recorded) == {"support-vocational-jobs", "coverage-school-age"}
    assert (recorded["support-vocational-jobs"]["value"], recorded["support-vocational-jobs"]["source"]) == (
        "4",
        "Báo cáo của Phòng",
    )
    school = recorded["coverage-school-age"]
    assert (school["numerator"], school["denominator"], school["rate"], school["value"]) == ("61", "64", "95.31", None)
    assert school["entered_by"] == "Canbo.Vhxh" and school["unit"]["code"] == "phong-vh-xh"

    # The targets page shows them (the 6-month figure is provisional: *), and so does the API's read.
    page = helpers.page(helpers.signed_in(app, "committee"), f"/plans/{plan.id}/targets/")
    assert "4*" in helpers.plain(page) and "95,31%* (61/64)" in helpers.plain(page)
    items = read_indicators(client, plan, token_of("committee"))
    jobs = year_of(items["support-vocational-jobs"], 2026)
    assert (jobs["actual"], jobs["provisional"], jobs["variance"]) == ("4", True, "-8")
    assert year_of(items["coverage-school-age"], 2026)["actual"] == "95.31"

    # The same figures entered on the page, for the annual report, write the same audit record.
    browser = helpers.signed_in(app, "officer")
    jobs_id, school_id = indicator(plan, "support-vocational-jobs").id, indicator(plan, "coverage-school-age").id
    posted = browser.post(
        f"/plans/{plan.id}/targets/actuals?period={period_of('annual', 2026).id}",
        data={
            f"value-{jobs_id}": "4",
            f"source-{jobs_id}": "Báo cáo của Phòng",
            f"numerator-{school_id}": "61",
            f"denominator-{school_id}": "64",
            f"source-{school_id}": "Số liệu các trường",
        },
    )
    assert posted.status_code == 302
    audits = value_audits()
    by_indicator = {(e.detail["period"], e.detail["indicator"]): e for e in audits}
    assert len(audits) == len(by_indicator) == 4
    for code in ("support-vocational-jobs", "coverage-school-age"):
        api_event, page_event = by_indicator[("six_month 2026", code)], by_indicator[("annual 2026", code)]
        assert api_event.username == page_event.username == "canbo.vhxh"
        assert (api_event.target_type, api_event.unit_id) == (page_event.target_type, page_event.unit_id)
        assert {k: v for k, v in api_event.detail.items() if k != "period"} == {
            k: v for k, v in page_event.detail.items() if k != "period"
        }
    assert by_indicator[("six_month 2026", "coverage-school-age")].detail["after"] == {
        "value": None,
        "numerator": "61",
        "denominator": "64",
        "source": "Số liệu các trường",
    }


def test_figures_are_read_as_the_page_reads_them_and_an_indicator_sent_empty_is_cleared(app, plan, period_of, token_of):
    """A figure is a number, or a text with a point or a comma before at most two decimals and no
    thousands separator: "2.125" is refused, never read as 2125 (as the page reads it) or 2.125."""
    annual = period_of("annual", 2026)
    client = app.test_client()
    secretariat = token_of("secretariat")
    response = put_figures(
        client,
        plan,
        annual,
        secretariat,
        [
            {"indicator": "ward-households", "value": "6340", "source": "Thống kê dân số 2026"},
            {"indicator": "poor-households", "value": 44, "source": "Rà soát hộ nghèo 2026"},
            {"indicator": "budget-latrine", "value": "1234,5", "source": "Quyết toán 2026"},
        ],
    )
    assert response.status_code == 200, response.get_json()
    figures = stored()
    assert figures[("ward-households", "annual", 2026)].value == 6340
    assert figures[("budget-latrine", "annual", 2026)].value == D("1234.5")
    for ambiguous in ("2.125", "1.234,5", "6.340"):
        refused = put_figures(client, plan, annual, secretariat, [{"indicator": "budget-latrine", "value": ambiguous}])
        assert refused.status_code == 422 and "value" in refused.get_json()["errors"]["figures"]["0"], ambiguous
    assert stored()[("budget-latrine", "annual", 2026)].value == D("1234.5")
    assert year_of(read_indicators(client, plan, secretariat)["poor-household-rate"], 2026)["actual"] == "0.69"
    page = helpers.plain(helpers.page(helpers.signed_in(app, "secretariat"), f"/plans/{plan.id}/targets/"))
    assert "0,69% (44/6.340)" in page

    # Listed without figures: cleared, as emptying its fields on the page does.
    response = put_figures(client, plan, annual, secretariat, [{"indicator": "budget-latrine"}])
    assert response.status_code == 200
    assert response.get_json()["saved"] == 1
    assert response.get_json()["figures"][0]["value"] is None
    latrine = year_of(read_indicators(client, plan, secretariat)["budget-latrine"], 2026)
    assert (latrine["actual"], latrine["known"]) == (None, False)
    assert value_audits()[-1].detail["before"]["value"] == "1234.5"

    # Sent again as they are: nothing changes, nothing is audited.
    audits = len(value_audits())
    again = put_figures(
        client,
        plan,
        annual,
        secretariat,
        [{"indicator": "ward-households", "value": 6340, "source": "Thống kê dân số 2026"}],
    )
    assert again.status_code == 200 and again.get_json()["saved"] == 0
    assert len(value_audits()) == audits


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["committee", "chair", "admin"])
def test_roles_the_entry_page_refuses_are_refused(app, plan, period_of, token_of, role):
    period = period_of("six_month", 2026)
    browser = helpers.signed_in(app, role)
    assert browser.get(f"/plans/{plan.id}/targets/actuals?period={period.id}").status_code == 403
    response = put_figures(
        app.test_client(),
        plan,
        period,
        token_of(role),
        [{"indicator": "poor-households", "value": 40, "source": "Rà soát"}],
    )
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"
    # Refused before the body is read, as the page refuses before reading its form.
    assert put_figures(app.test_client(), plan, period, token_of(role), []).status_code == 403
    assert app.test_client().put(figures_url(plan, period), json=[], headers=token_of(role)).status_code == 403
    assert nothing_entered()
    # They still read the figures, and are told they may not enter them.
    read = app.test_client().get(figures_url(plan, period), headers=token_of(role))
    assert read.status_code == 200
    assert not any(f["may_enter"] for f in read.get_json()["figures"])


def test_an_officer_enters_only_the_figures_of_the_unit(app, plan, period_of, token_of):
    period = period_of("six_month", 2026)
    client = app.test_client()
    response = put_figures(
        client,
        plan,
        period,
        token_of("officer"),
        [
            {"indicator": "support-vocational-jobs", "value": 4, "source": "Báo cáo của Phòng"},
            {"indicator": "support-latrine", "value": 99, "source": "Không phải của Phòng"},
        ],
    )
    # Where the page leaves another unit's figure aside, the API says so, and saves nothing.
    assert response.status_code == 403
    assert list(response.get_json()["errors"]["figures"]) == ["1"]
    assert "indicator" in response.get_json()["errors"]["figures"]["1"]
    assert nothing_entered()
    # Trạm Y tế's officer enters what Trạm Y tế reports.
    health = put_figures(
        client,
        plan,
        period,
        token_of("officer_yte"),
        [{"indicator": "coverage-health-insurance", "numerator": 50, "denominator": 55, "source": "BHXH"}],
    )
    assert health.status_code == 200
    assert stored()[("coverage-health-insurance", "six_month", 2026)].numerator == 50


BAD_FIGURES = [
    # (indicator, what is sent, the field named, the page's message or None)
    ("support-vocational-jobs", {"value": -3, "source": "Rà soát"}, "value", VI_NEGATIVE),
    ("support-vocational-jobs", {"value": "abc", "source": "Rà soát"}, "value", API_NOT_A_NUMBER),
    ("support-vocational-jobs", {"value": True, "source": "Rà soát"}, "value", API_NOT_A_NUMBER),
    ("support-vocational-jobs", {"value": 1.255, "source": "Rà soát"}, "value", None),
    ("support-vocational-jobs", {"value": 1e15, "source": "Rà soát"}, "value", None),
    (
        "coverage-school-age",
        {"numerator": 65, "denominator": 64, "source": "Rà soát"},
        "numerator",
        VI_NUMERATOR_TOO_LARGE,
    ),
    ("coverage-school-age", {"numerator": 61, "source": "Rà soát"}, "denominator", VI_BOTH_FIGURES),
    ("coverage-school-age", {"denominator": 64, "source": "Rà soát"}, "denominator", VI_BOTH_FIGURES),
    ("coverage-school-age", {"value": 95, "source": "Rà soát"}, "value", None),
    ("support-internet", {"value": 12}, "source", VI_NO_SOURCE),
    ("support-internet", {"value": 12, "source": "  \x00 "}, "source", VI_NO_SOURCE),
    ("support-internet", {"value": 12, "source": "Rà soát", "percent": 3}, "percent", None),
    ("no-such-indicator", {"value": 12, "source": "Rà soát"}, "indicator", None),
    ("poor-household-rate", {"value": 1, "source": "Rà soát"}, "indicator", None),  # computed, never typed
    ("support-disabled-to-facility", {"value": 1, "source": "Rà soát"}, "indicator", None),  # listed twice
]


@pytest.mark.parametrize("code, sent, field, message", BAD_FIGURES)
def test_bad_figures_are_refused_naming_the_field_and_nothing_is_saved(
    app, plan, period_of, token_of, code, sent, field, message
):
    role = "secretariat" if code == "poor-household-rate" else "officer"
    correct = {"indicator": "support-disabled-to-facility", "value": 2, "source": "Rà soát"}
    response = put_figures(
        app.test_client(), plan, period_of("six_month", 2026), token_of(role), [correct, {"indicator": code, **sent}]
    )
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "invalid" and body["message"]
    assert list(body["errors"]["figures"]) == ["1"], body["errors"]
    messages = body["errors"]["figures"]["1"][field]
    assert messages and all(isinstance(m, str) and m for m in messages)
    if message is not None:
        assert messages == [message]
    assert nothing_entered()  # the correct figure beside it is not saved either: all or nothing


def test_an_unknown_period_or_a_body_that_is_not_json_is_refused(app, plan, period_of, token_of):
    client = app.test_client()
    officer = token_of("officer")
    response = client.put(f"{API}/plans/{plan.id}/periods/999999/figures", json={"figures": []}, headers=officer)
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    form = client.put(figures_url(plan, period_of("six_month", 2026)), data={"figures": "x"}, headers=officer)
    assert form.status_code == 415
    missing = client.put(figures_url(plan, period_of("six_month", 2026)), json={}, headers=officer)
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == {"figures": [VI_REQUIRED]}
    unnamed = client.put(figures_url(plan, period_of("six_month", 2026)), json={"figures": [{}]}, headers=officer)
    assert unnamed.status_code == 422
    assert unnamed.get_json()["errors"] == {"figures": {"0": {"indicator": [VI_REQUIRED]}}}
    assert nothing_entered()


# --- an API call sent again, and figures changed by someone else meanwhile ------------------------


def test_a_call_sent_again_with_its_idempotency_key_records_nothing_twice(app, plan, period_of, token_of):
    period = period_of("six_month", 2026)
    client = app.test_client()
    officer = token_of("officer")
    figures = [{"indicator": "support-vocational-jobs", "value": 4, "source": "Báo cáo của Phòng"}]
    first = put_figures(client, plan, period, officer, figures, **{"Idempotency-Key": "jobs-6m-2026"})
    assert first.status_code == 200 and first.get_json()["saved"] == 1

    # Meanwhile the figure is corrected on the page.
    jobs = indicator(plan, "support-vocational-jobs")
    browser = helpers.signed_in(app, "officer")
    corrected = browser.post(
        f"/plans/{plan.id}/targets/actuals?period={period.id}",
        data={f"value-{jobs.id}": "5", f"source-{jobs.id}": "Báo cáo của Phòng (sửa)"},
    )
    assert corrected.status_code == 302
    assert len(value_audits()) == 2

    # The retry of the first call (its answer was lost) changes nothing back.
    retry = put_figures(client, plan, period, officer, figures, **{"Idempotency-Key": "jobs-6m-2026"})
    assert retry.status_code == 200
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.get_json()["saved"] == 0
    assert retry.get_json()["figures"][0]["value"] == "5"
    assert stored()[("support-vocational-jobs", "six_month", 2026)].value == 5
    assert len(value_audits()) == 2
    # The key of that call is not a key for another one.
    other = put_figures(
        client, plan, period_of("annual", 2026), officer, figures, **{"Idempotency-Key": "jobs-6m-2026"}
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["errors"]
    assert ("support-vocational-jobs", "annual", 2026) not in stored()
    # A new call (a new key) does change it.
    new = put_figures(client, plan, period, officer, figures, **{"Idempotency-Key": "jobs-6m-2026-b"})
    assert new.get_json()["saved"] == 1
    assert stored()[("support-vocational-jobs", "six_month", 2026)].value == 4


def test_if_match_refuses_figures_that_changed_since_they_were_read(app, plan, period_of, token_of, user_of):
    period = period_of("six_month", 2026)
    client = app.test_client()
    officer = token_of("officer")
    read = client.get(figures_url(plan, period), headers=officer)
    assert read.status_code == 200
    etag = read.headers["ETag"]
    mine = {item["indicator"] for item in read.get_json()["figures"] if item["may_enter"]}
    assert "support-vocational-jobs" in mine and "support-latrine" not in mine

    first = put_figures(
        client,
        plan,
        period,
        officer,
        [{"indicator": "support-vocational-jobs", "value": 4, "source": "Báo cáo của Phòng"}],
        **{"If-Match": etag},
    )
    assert first.status_code == 200, first.get_json()
    # The answer carries the figures' new version, the one a read now gives.
    assert first.headers["ETag"] == client.get(figures_url(plan, period), headers=officer).headers["ETag"]
    assert first.headers["ETag"] != etag

    # Sent with the version read before the change: refused, and nothing is written.
    stale = put_figures(
        client,
        plan,
        period,
        officer,
        [{"indicator": "support-vocational-jobs", "value": 7, "source": "Báo cáo của Phòng"}],
        **{"If-Match": etag, "Idempotency-Key": "jobs-again"},
    )
    assert stale.status_code == 412
    assert stale.get_json()["code"] == "precondition_failed"
    assert stored()[("support-vocational-jobs", "six_month", 2026)].value == 4
    # The refused call's key was not used up: sent again with the current version, it is taken.
    fresh = put_figures(
        client,
        plan,
        period,
        officer,
        [{"indicator": "support-vocational-jobs", "value": 7, "source": "Báo cáo của Phòng"}],
        **{"If-Match": first.headers["ETag"], "Idempotency-Key": "jobs-again"},
    )
    assert fresh.status_code == 200 and fresh.get_json()["saved"] == 1
    assert stored()[("support-vocational-jobs", "six_month", 2026)].value == 7


def test_the_reference_describes_the_figures_and_their_limits(app, token_of):
    spec = app.test_client().get(f"{API}/openapi.json").get_json()
    paths = spec["paths"]
    assert "get" in paths["/api/v1/plans/{plan_id}/indicators"]
    operation = paths["/api/v1/plans/{plan_id}/periods/{period_id}/figures"]["put"]
    assert {p["name"] for p in operation["parameters"] if p["in"] == "header"} >= {"Idempotency-Key", "If-Match"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    entry = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]["properties"]["figures"]["items"]
    value = spec["components"]["schemas"][entry["$ref"].rsplit("/", 1)[-1]]["properties"]["value"]
    assert value["anyOf"][0]["minimum"] == 0
