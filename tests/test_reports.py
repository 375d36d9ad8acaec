"""Unit reports: ONE report per unit per period (section VII of the plan), with a section for each
task the unit reports on. The unit fills it in one form, saves drafts, submits once; the
secretariat accepts or returns it (pointing at a section); every submitted version stays readable.

The six-month period of 2026 has its unit deadline on 2026-06-05 (ward deadline 2026-06-10); units
can write its report from 30 days before that. The clock is frozen with FROZEN_NOW so that each
scenario runs on a chosen day in the ward (UTC+7).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, datetime
from functools import partial

import pytest
from docx import Document
from sqlalchemy import func, select

from tests import helpers
from tests.conftest import PASSWORD
from tests.helpers import database_snapshot, form_values
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.progress.models import ProgressUpdate
from tracker.reports import queries, services
from tracker.reports.models import UnitReport
from tracker.targets.models import Indicator, IndicatorValue
from tracker.units.models import Unit

signed_in = partial(helpers.signed_in, language="en")
page = partial(helpers.page, follow_redirects=True)
plain = helpers.plain

JUNE_2 = "2026-06-02T09:00:00+07:00"
JUNE_3 = "2026-06-03T09:00:00+07:00"
JUNE_4 = "2026-06-04T10:00:00+07:00"
JUNE_5_LATE_EVENING = "2026-06-05T23:30:00+07:00"  # still 2026-06-05 in the ward, 16:30 UTC
JUNE_6_JUST_AFTER_MIDNIGHT = "2026-06-06T00:30:00+07:00"  # 2026-06-05 17:30 UTC, but the 6th in the ward
JUNE_8 = "2026-06-08T09:00:00+07:00"
JUNE_20 = "2026-06-20T09:00:00+07:00"

# The tasks Phòng Văn hóa – Xã hội reports on in the six-month report of 2026, in the plan's order.
VHXH_SECTIONS = ["IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]


# --- helpers ----------------------------------------------------------------------------------


def freeze(app, moment: str) -> None:
    app.config["FROZEN_NOW"] = moment


def moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def report_url(plan, period) -> str:
    return f"/plans/{plan.id}/periods/{period.id}/report"


def section_key(task, field: str) -> str:
    return f"s{task.id}-{field}"


def the_form(client, plan, period) -> dict[str, list[str]]:
    """What the browser would send from the report's page, as the page shows it."""
    return form_values(page(client, report_url(plan, period)))


def post_form(client, plan, period, values: dict, action: str):
    data = dict(values)
    data["action"] = [action]
    return client.post(report_url(plan, period), data=data)


def fill(values: dict, task_of, texts: dict[str, str], field: str = "results") -> dict:
    for code, text in texts.items():
        values[section_key(task_of(code), field)] = [text]
    return values


def complete(values: dict, task_of, prefix: str = "Kết quả") -> dict:
    """Every section says something, as a unit that has done its work would write."""
    for code in VHXH_SECTIONS:
        key = section_key(task_of(code), "results")
        if not values.get(key, [""])[0].strip():
            values[key] = [f"{prefix} {code}"]
    return values


def submit_whole(client, plan, period, task_of, **texts):
    values = complete(the_form(client, plan, period), task_of)
    fill(values, task_of, texts)
    return post_form(client, plan, period, values, "submit")


def post_update(client, plan, code: str, percent: int, **fields):
    data = {"percent": str(percent), "state": "working", **fields}
    response = client.post(f"/plans/{plan.id}/tasks/{code}/updates", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id.desc()).limit(1)).one()


def unit_id(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def the_report(unit_code: str = "phong-vh-xh") -> UnitReport | None:
    db.session.expire_all()
    return db.session.scalar(select(UnitReport).where(UnitReport.unit_id == unit_id(unit_code)))


def review_form_version(html: str) -> int:
    field = re.search(r'<input[^>]*\bname="version"[^>]*>', html)
    assert field, "the page has no review form"
    return int(re.search(r'value="(\d+)"', field.group(0)).group(1))


def review(client, plan, report_id: int, decision: str, comment: str = "", section=None, version: int | None = None):
    if version is None:
        db.session.expire_all()
        version = db.session.get(UnitReport, report_id).version
    return client.post(
        f"/plans/{plan.id}/reports/{report_id}/review",
        data={
            "decision": decision,
            "comment": comment,
            "version": str(version),
            "section": str(section.id) if section else "",
        },
    )


def flashes(html: str) -> list[str]:
    return [
        plain(m).strip() for m in re.findall(r'<div class="alert alert-[a-z]+" role="alert">(.*?)</div>', html, re.S)
    ]


def actor_of(user) -> Actor:
    return Actor.for_user(user, "127.0.0.1")


@pytest.fixture
def six_month(period_of):
    return period_of("six_month", 2026)


@pytest.fixture
def officer(app):
    freeze(app, JUNE_3)
    return signed_in(app, "officer")


@pytest.fixture
def secretariat(app):
    freeze(app, JUNE_3)
    return signed_in(app, "secretariat")


def submitted(app, plan, officer, period, task_of, when: str = JUNE_4) -> UnitReport:
    freeze(app, when)
    response = submit_whole(officer, plan, period, task_of)
    assert response.status_code == 302, response.get_data(as_text=True)
    report = the_report()
    assert report.status == "submitted"
    return report


# --- who owes a report, and how many ----------------------------------------------------------


def owed_by_unit(plan, rounds) -> Counter:
    units = {u.id: u.code for u in db.session.scalars(select(Unit))}
    return Counter(units[o.unit_id] for o in queries.owed_reports(plan, rounds))


def test_a_unit_owes_one_report_per_period_with_a_section_per_task(app, plan, six_month):
    round_ = next(r for r in plan_rounds(plan) if six_month in r)
    owed = queries.owed_reports(plan, [round_])
    by_unit = {db.session.get(Unit, o.unit_id).code: o for o in owed}
    # Twelve units owe the six-month report of 2026 as the plan is loaded: one report each.
    assert len(owed) == 12
    assert len(by_unit) == 12
    assert [t.code for t in by_unit["phong-vh-xh"].tasks] == VHXH_SECTIONS
    # Phòng Xây dựng, Nông nghiệp và Môi trường leads nine tasks: one report with nine sections, not nine reports.
    assert len(by_unit["phong-xd-nn-mt"].tasks) == 9
    # Partners and co-leads have no section; parents, unassigned tasks and member-less groups neither.
    assert "IV.4.3" not in [t.code for t in by_unit["phong-vh-xh"].tasks]
    assert "IV.4.3" in [t.code for t in by_unit["tram-y-te"].tasks]
    codes = {t.code for o in owed for t in o.tasks}
    assert not any(code.startswith("IV.10") for code in codes)
    assert not codes & {"IV", "IV.4", "IV.10", "VI", "VI.3", "VI.9"}
    groups = set(db.session.scalars(select(Unit.id).where(Unit.is_group.is_(True))))
    assert not {o.unit_id for o in owed} & groups


def test_over_five_years_a_unit_owes_one_report_per_deadline(app, plan):
    rounds = plan_rounds(plan)
    # Twelve periods, ten deadlines: the annual report of 2028 goes with the mid-term review, 2030 with the final one.
    assert len(rounds) == 10
    combined = [r for r in rounds if len(r.periods) == 2]
    assert [[(p.kind, p.year) for p in r.periods] for r in combined] == [
        [("annual", 2028), ("mid_term", 2028)],
        [("annual", 2030), ("final", 2030)],
    ]
    owed = owed_by_unit(plan, rounds)
    # Before: 9 reports every six months and 27 around November 2028; now one per deadline.
    assert owed["phong-xd-nn-mt"] == 10
    assert owed["phong-vh-xh"] == 10
    assert max(owed.values()) == 10


def test_with_partners_report_the_partners_have_sections_too(app, plan, six_month, task_of):
    task_of("IV.4.3").partners_report = True
    db.session.commit()
    round_ = next(r for r in plan_rounds(plan) if six_month in r)
    by_unit = {db.session.get(Unit, o.unit_id).code: o for o in queries.owed_reports(plan, [round_])}
    assert "IV.4.3" in [t.code for t in by_unit["phong-vh-xh"].tasks]
    assert by_unit["phong-vh-xh"].roles[task_of("IV.4.3").id] == "partner"
    assert "IV.4.3" in [t.code for t in by_unit["bhxh"].tasks]


def test_a_dated_task_has_a_section_only_in_the_periods_it_runs(app, plan, period_of):
    def sections(kind, year):
        period = period_of(kind, year)
        round_ = next(r for r in plan_rounds(plan) if period in r)
        owed = queries.owed_reports(plan, [round_], unit_id=unit_id("phong-vh-xh"))
        return [t.code for t in owed[0].tasks]

    assert "VI.3.2" in sections("six_month", 2026)
    assert "VI.3.2" in sections("annual", 2026)
    assert "VI.3.2" not in sections("six_month", 2027)
    assert "VI.3.1" in sections("six_month", 2027)  # continuous: every period


# --- what the officer sees ----------------------------------------------------------------------


def owed_items(html: str) -> list[str]:
    owed = html.split('id="owed-heading"')[1].split("</section>")[0]
    return [plain(item) for item in re.findall(r'<li class="list-group-item">(.*?)</li>', owed, re.S)]


def test_the_home_page_owes_one_report_with_the_days_left(app, plan, officer, six_month):
    items = owed_items(page(officer, f"/plans/{plan.id}/my-unit"))
    assert len(items) == 1
    assert "6-month report 2026" in items[0]
    assert "9 tasks" in items[0]
    assert "2 days left" in items[0] and "(deadline 05/06/2026)" in items[0]
    freeze(app, JUNE_8)
    assert "3 days late" in owed_items(page(officer, f"/plans/{plan.id}/my-unit"))[0]


def test_the_form_starts_from_the_periods_updates(app, plan, officer, six_month, task_of):
    freeze(app, "2026-02-10T09:00:00+07:00")
    post_update(officer, plan, "IV.4.1", 25, results="Tư vấn việc làm cho 9 lao động")
    freeze(app, "2026-05-27T09:00:00+07:00")
    post_update(officer, plan, "IV.4.1", 45, results="Lũy kế: 18 lao động", difficulties="Ít doanh nghiệp tuyển dụng")
    freeze(app, JUNE_3)
    html = page(officer, report_url(plan, six_month))
    values = form_values(html)
    task = task_of("IV.4.1")
    assert values[section_key(task, "percent")] == ["45"]
    assert values[section_key(task, "state")] == ["working"]
    assert values[section_key(task, "results")] == ["Tư vấn việc làm cho 9 lao động\nLũy kế: 18 lao động"]
    assert values[section_key(task, "difficulties")] == ["Ít doanh nghiệp tuyển dụng"]
    # One section per task, in the plan's order, each with its own fields.
    order = [re.search(r'id="section-(\d+)"', m).group(1) for m in re.findall(r'<fieldset[^>]*id="section-\d+"', html)]
    assert order == [str(task_of(code).id) for code in VHXH_SECTIONS]
    # A task with no update starts empty.
    assert values[section_key(task_of("VI.3.3"), "results")] == [""]


def test_a_draft_keeps_everything_and_comes_back(app, plan, officer, six_month, task_of):
    values = the_form(officer, plan, six_month)
    fill(values, task_of, {"IV.4.1": "Nháp IV.4.1", "VI.3.6": "Nháp VI.3.6"})
    values["assessment"] = ["Đánh giá chung, bản nháp"]
    response = post_form(officer, plan, six_month, values, "save")
    assert response.status_code == 302
    report = the_report()
    assert report.status == "draft" and report.first_submitted_at is None
    assert report.section_for(task_of("IV.4.1").id).results == "Nháp IV.4.1"
    assert report.assessment == "Đánh giá chung, bản nháp"
    # Coming back after lunch, the page shows what was saved.
    freeze(app, "2026-06-03T14:00:00+07:00")
    again = the_form(officer, plan, six_month)
    assert again[section_key(task_of("VI.3.6"), "results")] == ["Nháp VI.3.6"]
    assert again["assessment"] == ["Đánh giá chung, bản nháp"]


def test_a_bad_field_keeps_every_other_field_typed(app, plan, officer, six_month, task_of):
    values = the_form(officer, plan, six_month)
    long_text = "Kết quả dài " * 150
    fill(values, task_of, {"IV.4.2": long_text.strip()})
    values[section_key(task_of("IV.8"), "percent")] = ["150"]
    values["proposals"] = ["Đề xuất chung"]
    before = database_snapshot()
    response = post_form(officer, plan, six_month, values, "save")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert database_snapshot() == before
    back = form_values(html)
    assert back[section_key(task_of("IV.4.2"), "results")] == [long_text.strip()]
    assert back["proposals"] == ["Đề xuất chung"]
    assert "between 0 and 100" in plain(html)


def test_a_submission_with_an_empty_section_is_kept_as_a_draft_and_says_which(app, plan, officer, six_month, task_of):
    values = complete(the_form(officer, plan, six_month), task_of)
    values[section_key(task_of("VI.3.5"), "results")] = ["   "]
    response = post_form(officer, plan, six_month, values, "submit")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "VI.3.5" in plain(html) and "saved as a draft" in plain(html)
    assert f'id="{section_key(task_of("VI.3.5"), "results")}-error"' in html
    report = the_report()
    assert report.status == "draft" and report.first_submitted_at is None
    assert report.section_for(task_of("IV.4.1").id).results == "Kết quả IV.4.1"


# --- the whole loop -----------------------------------------------------------------------------


def test_the_whole_report_loop(app, plan, officer, secretariat, six_month, task_of, user_of):
    update = post_update(officer, plan, "IV.4.1", 30, results="Đã rà soát 64 hộ")
    report = submitted(app, plan, officer, six_month, task_of, when=JUNE_4)
    assert report.first_submitted_at == report.submitted_at == moment(JUNE_4)
    assert [s.task.code for s in report.sections] == VHXH_SECTIONS
    assert report.section_for(task_of("IV.4.1").id).update_id == update.id
    assert [v.number for v in report.versions] == [1]

    # The secretariat sees one row for the unit, waiting for review.
    queue = page(secretariat, f"/plans/{plan.id}/review?period={six_month.id}")
    waiting = queue.split('id="waiting-heading"')[1].split("</section>")[0]
    assert f'name="report_id" value="{report.id}"' in waiting
    assert waiting.count('name="report_id"') == 1
    assert "Phòng Văn hóa – Xã hội" in waiting and "9 tasks" in plain(waiting)

    # ... returns it, pointing at the section on VI.3.2.
    freeze(app, "2026-06-06T09:00:00+07:00")
    detail = page(secretariat, f"/plans/{plan.id}/reports/{report.id}")
    assert "Kết quả VI.3.2" in detail
    response = review(
        secretariat,
        plan,
        report.id,
        "return",
        "Bổ sung số lao động theo tổ dân phố",
        section=task_of("VI.3.2"),
        version=review_form_version(detail),
    )
    assert response.status_code == 302
    report = the_report()
    assert report.status == "returned" and report.reviewed_by_id == user_of("secretariat").id
    assert report.section_for(task_of("VI.3.2").id).outcome == "returned"
    assert report.section_for(task_of("IV.4.1").id).outcome is None

    # The officer sees the reason on the home page and at the section.
    home = page(officer, f"/plans/{plan.id}/my-unit")
    returned = plain(home.split('id="returned-heading"')[1].split("</section>")[0])
    assert "Bổ sung số lao động theo tổ dân phố" in returned
    edit = page(officer, report_url(plan, six_month))
    section = edit.split(f'id="section-{task_of("VI.3.2").id}"')[1].split("</fieldset>")[0]
    assert "To fix" in plain(section) and "Bổ sung số lao động theo tổ dân phố" in plain(section)

    # ... fixes that section and sends it again, after the deadline: still on time (the first submission counts).
    freeze(app, JUNE_8)
    values = form_values(edit)
    fill(values, task_of, {"VI.3.2": "46 lao động: khu trung tâm 28, các tổ còn lại 18"})
    response = post_form(officer, plan, six_month, values, "submit")
    assert response.status_code == 302
    report = the_report()
    assert report.status == "submitted"
    assert report.first_submitted_at == moment(JUNE_4) and report.submitted_at == moment(JUNE_8)
    assert report.section_for(task_of("VI.3.2").id).outcome is None
    assert [v.number for v in report.versions] == [1, 2]

    # The secretariat accepts it; every section is accepted with it.
    freeze(app, "2026-06-09T09:00:00+07:00")
    assert review(secretariat, plan, report.id, "accept", "Đạt").status_code == 302
    report = the_report()
    assert report.status == "accepted"
    assert {s.outcome for s in report.sections} == {"accepted"}
    assert [e.action for e in report.events] == ["submitted", "returned", "resubmitted", "accepted"]
    assert report.events[1].task_id == task_of("VI.3.2").id
    assert [e.actor_id for e in report.events] == [
        user_of(r).id for r in ("officer", "secretariat", "officer", "secretariat")
    ]

    # Both submitted versions stay readable, each as it was sent.
    first = page(secretariat, f"/plans/{plan.id}/reports/{report.id}/versions/1")
    second = page(secretariat, f"/plans/{plan.id}/reports/{report.id}/versions/2")
    assert "Kết quả VI.3.2" in first and "46 lao động" not in first
    assert "46 lao động: khu trung tâm 28" in second
    assert 'id="returned-heading"' not in page(officer, f"/plans/{plan.id}/my-unit")


def test_every_report_step_is_in_the_audit_log(app, plan, officer, secretariat, six_month, task_of, user_of):
    values = complete(the_form(officer, plan, six_month), task_of)
    post_form(officer, plan, six_month, values, "save")
    report = submitted(app, plan, officer, six_month, task_of)
    review(secretariat, plan, report.id, "return", "Thiếu số liệu")
    freeze(app, JUNE_8)
    post_form(officer, plan, six_month, the_form(officer, plan, six_month), "submit")
    review(secretariat, plan, report.id, "accept")
    assert the_report().status == "accepted"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("report.%")).order_by(AuditEvent.id)
    ).all()
    officer_id, secretariat_id = user_of("officer").id, user_of("secretariat").id
    assert [(e.action, e.user_id, e.target_type, e.target_id) for e in events] == [
        ("report.save", officer_id, "unit_report", report.id),
        ("report.submit", officer_id, "unit_report", report.id),
        ("report.return", secretariat_id, "unit_report", report.id),
        ("report.resubmit", officer_id, "unit_report", report.id),
        ("report.accept", secretariat_id, "unit_report", report.id),
    ]
    assert events[2].detail.get("reason") == "Thiếu số liệu"


def test_a_changed_percent_in_a_section_posts_an_update_on_submission(app, plan, officer, six_month, task_of):
    post_update(officer, plan, "IV.4.1", 30, results="Đã rà soát")
    values = complete(the_form(officer, plan, six_month), task_of)
    values[section_key(task_of("IV.4.1"), "percent")] = ["60"]
    values[section_key(task_of("IV.4.1"), "results")] = ["Chi trả cho 60 hộ"]
    count = db.session.scalar(select(func.count(ProgressUpdate.id)))
    freeze(app, JUNE_4)
    assert post_form(officer, plan, six_month, values, "submit").status_code == 302
    db.session.expire_all()
    # Only the changed section posts progress: the task now stands as the report says.
    assert db.session.scalar(select(func.count(ProgressUpdate.id))) == count + 1
    latest = db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id.desc()).limit(1)).one()
    assert (latest.task.code, latest.percent, latest.results) == ("IV.4.1", 60, "Chi trả cho 60 hộ")
    assert the_report().section_for(task_of("IV.4.1").id).update_id == latest.id


def test_figures_the_unit_answers_for_are_in_the_report(app, plan, officer, six_month, task_of):
    indicators = db.session.scalars(
        select(Indicator).where(
            Indicator.reporting_unit_id == unit_id("phong-vh-xh"), Indicator.actual_rule == "fraction"
        )
    ).all()
    assert indicators, "the plan gives Phòng Văn hóa – Xã hội figures to report"
    indicator = indicators[0]
    values = complete(the_form(officer, plan, six_month), task_of)
    values[f"numerator-{indicator.id}"] = ["61"]
    values[f"denominator-{indicator.id}"] = ["64"]
    values[f"source-{indicator.id}"] = ["Số liệu các trường"]
    freeze(app, JUNE_4)
    assert post_form(officer, plan, six_month, values, "submit").status_code == 302
    value = db.session.scalar(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator.id, IndicatorValue.period_id == six_month.id
        )
    )
    assert (value.numerator, value.denominator, value.source) == (61, 64, "Số liệu các trường")
    assert {"code": indicator.code, "numerator": "61", "denominator": "64"}.items() <= next(
        f for f in the_report().versions[0].content["figures"] if f["code"] == indicator.code
    ).items()


def test_a_wrong_figure_saves_nothing_and_keeps_the_text(app, plan, officer, six_month, task_of):
    indicator = db.session.scalars(
        select(Indicator).where(
            Indicator.reporting_unit_id == unit_id("phong-vh-xh"), Indicator.actual_rule == "fraction"
        )
    ).first()
    values = complete(the_form(officer, plan, six_month), task_of)
    values[f"numerator-{indicator.id}"] = ["70"]
    values[f"denominator-{indicator.id}"] = ["64"]
    values[f"source-{indicator.id}"] = ["Sổ theo dõi"]
    before = database_snapshot()
    response = post_form(officer, plan, six_month, values, "submit")
    assert response.status_code == 422
    assert database_snapshot() == before
    back = form_values(response.get_data(as_text=True))
    assert back[section_key(task_of("IV.4.1"), "results")] == ["Kết quả IV.4.1"]
    assert back[f"numerator-{indicator.id}"] == ["70"]


# --- illegal steps ------------------------------------------------------------------------------


def test_a_draft_cannot_be_accepted(app, plan, officer, secretariat, six_month, task_of, user_of):
    post_form(officer, plan, six_month, the_form(officer, plan, six_month), "save")
    report = the_report()
    with pytest.raises(services.TransitionRefused):
        services.accept(actor_of(user_of("secretariat")), report, moment(JUNE_4))
    db.session.rollback()
    before = database_snapshot()
    assert f"/reports/{report.id}/review" not in page(secretariat, f"/plans/{plan.id}/reports/{report.id}")
    review(secretariat, plan, report.id, "accept")
    review(secretariat, plan, report.id, "return", "Sai")
    assert database_snapshot() == before


def test_a_report_cannot_be_returned_without_a_reason(app, plan, officer, secretariat, six_month, task_of):
    report = submitted(app, plan, officer, six_month, task_of)
    before = database_snapshot()
    response = review(secretariat, plan, report.id, "return", "   ")
    assert response.status_code == 422
    assert re.search(r'id="comment-error" class="invalid-feedback', response.get_data(as_text=True))
    assert database_snapshot() == before


def test_submitting_twice_changes_nothing(app, plan, officer, six_month, task_of):
    report = submitted(app, plan, officer, six_month, task_of, when=JUNE_4)
    freeze(app, JUNE_8)
    before = database_snapshot()
    values = complete({}, task_of, prefix="Lần hai")
    response = post_form(officer, plan, six_month, values, "submit")
    assert response.status_code == 302
    assert database_snapshot() == before
    html = page(officer, response.headers["Location"])
    assert any("already been submitted" in message for message in flashes(html))
    assert the_report().submitted_at == moment(JUNE_4) == report.submitted_at


@pytest.mark.parametrize("final_status", ["submitted", "accepted"])
def test_the_officer_cannot_edit_a_sent_report(app, plan, officer, secretariat, six_month, task_of, final_status):
    report = submitted(app, plan, officer, six_month, task_of)
    if final_status == "accepted":
        review(secretariat, plan, report.id, "accept")
    response = officer.get(report_url(plan, six_month))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/plans/{plan.id}/reports/{report.id}"
    )
    before = database_snapshot()
    for action in ("save", "submit"):
        post_form(officer, plan, six_month, complete({}, task_of, prefix="Sửa"), action)
    assert database_snapshot() == before


def test_another_units_officer_cannot_open_or_write_the_report(app, plan, officer, six_month, task_of):
    report = submitted(app, plan, officer, six_month, task_of)
    review(signed_in(app, "secretariat"), plan, report.id, "return", "Bổ sung")
    yte = signed_in(app, "officer_yte")
    before = database_snapshot()
    # Trạm Y tế opens its own report of the period (its own sections), never Phòng Văn hóa – Xã hội's.
    own = form_values(page(yte, report_url(plan, six_month)))
    assert section_key(task_of("IV.4.3"), "results") in own
    assert section_key(task_of("IV.4.1"), "results") not in own
    response = yte.post(
        report_url(plan, six_month),
        data={"action": "save", section_key(task_of("IV.4.1"), "results"): "Trạm Y tế viết"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert the_report().section_for(task_of("IV.4.1").id).results == "Kết quả IV.4.1"
    assert the_report("tram-y-te").section_for(task_of("IV.4.1").id) is None
    assert database_snapshot()["unit_report_section"] != before["unit_report_section"]  # its own draft was saved


def test_a_unit_that_owes_nothing_cannot_start_a_report(app, plan, six_month):
    from tracker.accounts.services import create_user
    from tracker.wards.models import Ward

    # Ban Chỉ huy Quân sự only supports tasks of the plan: it owes no report.
    assert unit_id("bch-quan-su") not in {o.unit_id for o in queries.owed_reports(plan, plan_rounds(plan))}
    create_user(
        "canbo.quansu",
        PASSWORD,
        "Cán bộ Quân sự",
        ["officer"],
        ward=db.session.scalar(select(Ward)),
        unit=db.session.get(Unit, unit_id("bch-quan-su")),
    )
    db.session.commit()
    freeze(app, JUNE_3)
    client = app.test_client()
    assert client.post("/login", data={"username": "canbo.quansu", "password": PASSWORD}).status_code == 302
    before = database_snapshot()
    assert client.get(report_url(plan, six_month)).status_code == 403
    assert client.post(report_url(plan, six_month), data={"action": "save"}).status_code == 403
    assert database_snapshot() == before


@pytest.mark.parametrize("role", ["committee", "chair", "officer", "admin"])
def test_only_the_secretariat_reviews(app, plan, officer, six_month, task_of, role):
    report = submitted(app, plan, officer, six_month, task_of)
    reader = signed_in(app, role)
    before = database_snapshot()
    assert reader.get(f"/plans/{plan.id}/review?period={six_month.id}").status_code == 403
    assert review(reader, plan, report.id, "accept").status_code == 403
    assert (
        reader.post(
            f"/plans/{plan.id}/review/accept", data={"report_id": str(report.id), "period": str(six_month.id)}
        ).status_code
        == 403
    )
    assert database_snapshot() == before
    assert f"/reports/{report.id}/review" not in page(reader, f"/plans/{plan.id}/reports/{report.id}")


def test_a_report_cannot_be_written_before_its_period_opens(app, plan, officer, period_of, task_of):
    later = period_of("six_month", 2027)
    before = database_snapshot()
    response = officer.post(report_url(plan, later), data={"action": "submit"})
    assert response.status_code == 422
    assert database_snapshot() == before


# --- timeliness ---------------------------------------------------------------------------------


def row_now(plan, period, today: date) -> queries.ReportRow:
    round_ = next(r for r in plan_rounds(plan) if period in r)
    return queries.owed_row(plan, round_, unit_id("phong-vh-xh"), today)


def test_a_resubmission_after_the_deadline_keeps_the_report_on_time(
    app, plan, officer, secretariat, six_month, task_of
):
    report = submitted(app, plan, officer, six_month, task_of, when=JUNE_4)
    freeze(app, JUNE_8)
    review(secretariat, plan, report.id, "return", "Bổ sung")
    freeze(app, JUNE_20)
    assert post_form(officer, plan, six_month, the_form(officer, plan, six_month), "submit").status_code == 302
    row = row_now(plan, six_month, date(2026, 6, 20))
    assert row.on_time and row.days_late == 0
    assert "sent on time" in plain(page(officer, f"/plans/{plan.id}/reports/{report.id}"))


def test_a_first_submission_after_the_deadline_is_late_by_the_days_it_waited(app, plan, officer, six_month, task_of):
    report = submitted(app, plan, officer, six_month, task_of, when=JUNE_8)
    row = row_now(plan, six_month, date(2026, 6, 20))
    assert row.sent and not row.on_time and row.days_late == 3
    assert "sent late" in plain(page(officer, f"/plans/{plan.id}/reports/{report.id}"))


@pytest.mark.parametrize("when, on_time", [(JUNE_5_LATE_EVENING, True), (JUNE_6_JUST_AFTER_MIDNIGHT, False)])
def test_the_deadline_is_a_day_in_the_ward(app, plan, officer, six_month, task_of, when, on_time):
    report = submitted(app, plan, officer, six_month, task_of, when=when)
    assert services.is_on_time(report.first_submitted_at, six_month) is on_time


# --- review queue, bulk accept, two reviewers ---------------------------------------------------


def test_the_review_queue_has_one_row_per_owing_unit(app, plan, secretariat, six_month):
    queue = page(secretariat, f"/plans/{plan.id}/review?period={six_month.id}")
    assert "12 units owe a report" in plain(queue)
    freeze(app, JUNE_8)
    queue = page(secretariat, f"/plans/{plan.id}/review?period={six_month.id}")
    late = queue.split('<h2 class="h5">Late')[1].split("</section>")[0]
    assert late.count('class="list-group-item"') == 12
    assert "3 days late" in plain(late)


def test_bulk_accept_accepts_the_submitted_and_skips_the_rest(app, plan, officer, secretariat, six_month, task_of):
    report = submitted(app, plan, officer, six_month, task_of)
    yte = signed_in(app, "officer_yte")
    post_form(yte, plan, six_month, form_values(page(yte, report_url(plan, six_month))), "save")
    draft = the_report("tram-y-te")
    response = secretariat.post(
        f"/plans/{plan.id}/review/accept",
        data={"report_id": [str(report.id), str(draft.id)], "period": str(six_month.id)},
    )
    assert response.status_code == 302
    assert the_report().status == "accepted"
    assert the_report("tram-y-te").status == "draft"
    messages = " ".join(flashes(page(secretariat, response.headers["Location"])))
    assert "1 reports accepted" in messages and "1 selected reports were not waiting for review" in messages


def test_two_reviewers_at_once_the_second_does_not_overwrite(app, plan, officer, six_month, task_of, user_of):
    from tracker.accounts.services import create_user
    from tracker.wards.models import Ward

    report = submitted(app, plan, officer, six_month, task_of)
    ward = db.session.scalar(select(Ward).where(Ward.code == "bac-kan"))
    create_user("thuongtruc2", PASSWORD, "Thường trực 2", ["secretariat"], ward=ward, unit=user_of("secretariat").unit)
    db.session.commit()
    first = signed_in(app, "secretariat")
    second = app.test_client()
    second.get("/language/en")
    assert second.post("/login", data={"username": "thuongtruc2", "password": PASSWORD}).status_code == 302
    first_version = review_form_version(page(first, f"/plans/{plan.id}/reports/{report.id}"))
    second_version = review_form_version(page(second, f"/plans/{plan.id}/reports/{report.id}"))
    assert review(second, plan, report.id, "return", "Thiếu số liệu", version=second_version).status_code == 302
    response = review(first, plan, report.id, "accept", "Đạt", version=first_version)
    html = page(first, response.headers["Location"])
    assert any("changed by someone else" in message for message in flashes(html))
    assert the_report().status == "returned"


def test_the_review_queue_opens_on_the_oldest_period_with_reports_waiting(
    app, plan, officer, secretariat, six_month, period_of, task_of
):
    report = submitted(app, plan, officer, six_month, task_of, when="2026-10-20T09:00:00+07:00")
    annual = period_of("annual", 2026)
    freeze(app, "2026-10-25T09:00:00+07:00")
    queue = page(secretariat, f"/plans/{plan.id}/review")
    assert re.search(rf'<option value="{six_month.id}" selected>[^<]*· 1 waiting</option>', queue)
    annual_queue = page(secretariat, f"/plans/{plan.id}/review?period={annual.id}")
    notice = plain(annual_queue.split('class="alert alert-info small"', 1)[1].split("</div>", 1)[0])
    assert "6-month report 2026 (1)" in notice
    review(secretariat, plan, report.id, "accept")
    assert re.search(rf'<option value="{annual.id}" selected>', page(secretariat, f"/plans/{plan.id}/review"))


# --- two periods on one deadline ----------------------------------------------------------------


def test_the_annual_report_of_2028_and_the_mid_term_review_are_one_report(app, plan, period_of, task_of):
    annual, mid_term = period_of("annual", 2028), period_of("mid_term", 2028)
    freeze(app, "2028-11-01T09:00:00+07:00")
    officer = signed_in(app, "officer")
    # Both periods lead to the same single form, which has the review's own part.
    html = page(officer, report_url(plan, mid_term))
    assert 'name="review_part"' in html
    assert "Annual report 2028 and Mid-term review 2028" in plain(html)
    values = form_values(html)
    for task in queries.owed_reports(
        plan, [next(r for r in plan_rounds(plan) if annual in r)], unit_id=unit_id("phong-vh-xh")
    )[0].tasks:
        values[section_key(task, "results")] = [f"Kết quả {task.code}"]
    values["review_part"] = ["Sơ kết giữa kỳ: đạt 60% lộ trình"]
    assert post_form(officer, plan, annual, values, "submit").status_code == 302
    assert db.session.scalar(select(func.count(UnitReport.id))) == 1
    report = the_report()
    assert report.period_id == annual.id and report.review_part == "Sơ kết giữa kỳ: đạt 60% lộ trình"
    # The mid-term period's link opens the same, submitted report.
    assert officer.get(report_url(plan, mid_term)).headers["Location"].endswith(f"/reports/{report.id}")


# --- the unit's document ------------------------------------------------------------------------


def test_the_unit_downloads_its_report_as_an_administrative_document(app, plan, officer, six_month, task_of):
    report = submitted(app, plan, officer, six_month, task_of)
    vietnamese = helpers.signed_in(app, "officer")
    response = vietnamese.get(f"/plans/{plan.id}/reports/{report.id}/report.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".docx")
    document = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "PHÒNG VĂN HÓA – XÃ HỘI" in cells and "UBND PHƯỜNG BẮC KẠN" in cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "Kính gửi: Ủy ban nhân dân phường Bắc Kạn (qua Phòng Xây dựng, Nông nghiệp và Môi trường)." in text
    assert "Kết quả thực hiện công tác giảm nghèo bền vững 6 tháng đầu năm 2026" in text
    for code in VHXH_SECTIONS:
        assert f"Kết quả {code}" in text
    assert "THỦ TRƯỞNG ĐƠN VỊ" in cells
