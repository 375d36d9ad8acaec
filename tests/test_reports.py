"""Period reports: who owes one, the unit writes and submits it, the secretariat reviews it.

The six-month period of 2026 has its unit deadline on 2026-06-05 (ward deadline 2026-06-10); units
can write its reports from 30 days before that. The clock is frozen with FROZEN_NOW so that each
scenario runs on a chosen day in the ward (UTC+7).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from functools import partial

import pytest
from sqlalchemy import select

from tests import helpers
from tests.conftest import PASSWORD
from tests.helpers import database_snapshot
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor
from tracker.extensions import db
from tracker.progress.models import ProgressUpdate
from tracker.reports import queries, services
from tracker.reports.models import PeriodReport
from tracker.units.models import Unit


signed_in = partial(helpers.signed_in, language="en")
page = partial(helpers.page, follow_redirects=True)
plain = helpers.plain


JUNE_3 = "2026-06-03T09:00:00+07:00"
JUNE_4 = "2026-06-04T10:00:00+07:00"
JUNE_5_LATE_EVENING = "2026-06-05T23:30:00+07:00"  # still 2026-06-05 in the ward, 16:30 UTC
JUNE_6_JUST_AFTER_MIDNIGHT = "2026-06-06T00:30:00+07:00"  # 2026-06-05 17:30 UTC, but the 6th in the ward
JUNE_8 = "2026-06-08T09:00:00+07:00"
JUNE_20 = "2026-06-20T09:00:00+07:00"


# --- helpers ----------------------------------------------------------------------------------


def freeze(app, moment: str) -> None:
    app.config["FROZEN_NOW"] = moment


def moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def english(client) -> None:
    """Show the pages in English, the language of the source strings, so that the assertions do
    not depend on the state of the Vietnamese catalogue."""
    client.get("/language/en")


def report_url(plan, period, code: str) -> str:
    return f"/plans/{plan.id}/periods/{period.id}/tasks/{code}/report"


def save_draft(client, plan, period, code: str, **text):
    data = {"action": "save", "results": "", "difficulties": "", "proposals": ""}
    data.update(text)
    return client.post(report_url(plan, period, code), data=data)


def submit_report(client, plan, period, code: str, **text):
    data = {"action": "submit", "results": "Kết quả 6 tháng", "difficulties": "", "proposals": ""}
    data.update(text)
    return client.post(report_url(plan, period, code), data=data)


def review(client, plan, report_id: int, decision: str, comment: str = "", version: int | None = None):
    if version is None:
        version = current_report(report_id).version
    return client.post(
        f"/plans/{plan.id}/reports/{report_id}/review",
        data={"decision": decision, "comment": comment, "version": str(version)},
    )


def post_update(client, plan, code: str, percent: int, **fields):
    data = {"percent": str(percent), "state": "working", **fields}
    response = client.post(f"/plans/{plan.id}/tasks/{code}/updates", data=data)
    assert response.status_code == 302
    return latest_update_row()


def latest_update_row() -> ProgressUpdate:
    db.session.expire_all()
    return db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id.desc()).limit(1)).one()


def find_report(period, task, unit_code: str) -> PeriodReport | None:
    db.session.expire_all()
    return db.session.scalar(
        select(PeriodReport).join(Unit, Unit.id == PeriodReport.unit_id).where(
            PeriodReport.period_id == period.id, PeriodReport.task_id == task.id, Unit.code == unit_code
        )
    )


def current_report(report_id: int) -> PeriodReport:
    db.session.expire_all()
    return db.session.get(PeriodReport, report_id)


def unit_id(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def actor_of(user) -> Actor:
    return Actor.for_user(user, "127.0.0.1")


def owed_item(html: str, plan, period, code: str) -> str:
    """The entry of the home page's "Reports owed" list for a task's report of a period."""
    owed = html.split('id="owed-heading"')[1].split("</section>")[0]
    for item in re.findall(r'<li class="list-group-item">(.*?)</li>', owed, re.S):
        if f'href="{report_url(plan, period, code)}"' in item:
            return plain(item)
    raise AssertionError(f"{code} is not in the owed list")


def review_form_version(html: str) -> int:
    """The report version that the page's review form carries (a hidden field)."""
    field = re.search(r'<input[^>]*\bname="version"[^>]*>', html)
    assert field, "the page has no review form"
    return int(re.search(r'value="(\d+)"', field.group(0)).group(1))


def flashes(html: str) -> list[str]:
    return [plain(m).strip() for m in re.findall(r'<div class="alert alert-[a-z]+" role="alert">(.*?)</div>', html, re.S)]


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


def submitted_report(app, plan, officer, period, code: str = "IV.4.1", when: str = JUNE_4) -> PeriodReport:
    freeze(app, when)
    response = submit_report(officer, plan, period, code, results=f"Kết quả {code}")
    assert response.status_code == 302, response.get_data(as_text=True)
    report = db.session.scalars(select(PeriodReport).order_by(PeriodReport.id.desc()).limit(1)).one()
    assert report.status == "submitted"
    return report


# --- what the officer owes, and by when -------------------------------------------------------


def test_home_page_shows_the_report_owed_with_the_days_left(app, plan, officer, six_month):
    freeze(app, JUNE_3)
    html = page(officer, f"/plans/{plan.id}/my-unit")
    item = owed_item(html, plan, six_month, "IV.4.1")
    assert "6-month report 2026" in item
    assert "2 days left" in item
    assert "(deadline 05/06/2026)" in item

    freeze(app, "2026-06-05T08:00:00+07:00")
    assert "due today" in owed_item(page(officer, f"/plans/{plan.id}/my-unit"), plan, six_month, "IV.4.1")


def test_home_page_shows_a_report_not_sent_after_the_deadline_as_late(app, plan, officer, six_month):
    freeze(app, JUNE_8)
    item = owed_item(page(officer, f"/plans/{plan.id}/my-unit"), plan, six_month, "IV.4.1")
    assert "3 days late" in item
    assert "days left" not in item


def test_home_page_owes_nothing_for_periods_not_yet_open(app, plan, officer, period_of):
    # On 2026-06-03 the annual 2026 report (unit deadline 2026-11-10) cannot be written yet.
    html = page(officer, f"/plans/{plan.id}/my-unit")
    annual = period_of("annual", 2026)
    assert report_url(plan, annual, "IV.4.1") not in html


# --- the whole loop ---------------------------------------------------------------------------


def test_the_whole_report_loop(app, plan, officer, secretariat, six_month, task_of, user_of):
    task = task_of("IV.4.1")
    first_update = post_update(officer, plan, "IV.4.1", 30, results="Đã rà soát 64 hộ")

    # The officer saves a draft.
    freeze(app, JUNE_3)
    response = save_draft(officer, plan, six_month, "IV.4.1", results="Nháp: đã rà soát", proposals="Chưa có")
    assert response.status_code == 302
    report = find_report(six_month, task, "phong-vh-xh")
    assert report.status == "draft"
    assert report.results == "Nháp: đã rà soát"
    assert report.first_submitted_at is None and report.submitted_at is None
    # The draft is shown back, filled in, on the edit page.
    edit_page = page(officer, report_url(plan, six_month, "IV.4.1"))
    assert "Nháp: đã rà soát" in edit_page

    # ... then submits it.
    second_update = post_update(officer, plan, "IV.4.1", 40, results="Đã chi trả cho 60 hộ")
    freeze(app, JUNE_4)
    response = submit_report(officer, plan, six_month, "IV.4.1", results="Kết quả: chi trả cho 60 hộ", difficulties="Thiếu cán bộ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/reports/{report.id}")
    report = current_report(report.id)
    assert report.status == "submitted"
    assert report.first_submitted_at == moment(JUNE_4)
    assert report.submitted_at == moment(JUNE_4)
    assert report.update_id == second_update.id != first_update.id
    # An update posted after the submission does not change what went with the report.
    third_update = post_update(officer, plan, "IV.4.1", 55, results="Đã chi trả cho 62 hộ")
    assert current_report(report.id).update_id == second_update.id

    # The secretariat sees it waiting for review.
    queue = page(secretariat, f"/plans/{plan.id}/review?period={six_month.id}")
    waiting = queue.split('id="waiting-heading"')[1].split("</section>")[0]
    assert f'name="report_id" value="{report.id}"' in waiting
    assert "IV.4.1" in waiting and "Phòng Văn hóa – Xã hội" in waiting

    # ... and returns it with a reason.
    freeze(app, "2026-06-06T09:00:00+07:00")
    detail = page(secretariat, f"/plans/{plan.id}/reports/{report.id}")
    assert "Kết quả: chi trả cho 60 hộ" in detail
    response = review(secretariat, plan, report.id, "return", "Bổ sung số hộ thoát nghèo", version=review_form_version(detail))
    assert response.status_code == 302
    report = current_report(report.id)
    assert report.status == "returned"
    assert report.review_comment == "Bổ sung số hộ thoát nghèo"
    assert report.reviewed_by_id == user_of("secretariat").id

    # The officer sees the reason on the home page and on the report's pages.
    home = page(officer, f"/plans/{plan.id}/my-unit")
    returned = home.split('id="returned-heading"')[1].split("</section>")[0]
    assert "IV.4.1" in returned and "Bổ sung số hộ thoát nghèo" in returned
    assert "Bổ sung số hộ thoát nghèo" in page(officer, f"/plans/{plan.id}/reports/{report.id}")
    edit_page = page(officer, report_url(plan, six_month, "IV.4.1"))
    assert "Bổ sung số hộ thoát nghèo" in edit_page
    assert "Kết quả: chi trả cho 60 hộ" in edit_page

    # ... edits and resubmits it.
    freeze(app, JUNE_8)
    response = submit_report(officer, plan, six_month, "IV.4.1", results="Kết quả: chi trả cho 60 hộ; 5 hộ thoát nghèo")
    assert response.status_code == 302
    report = current_report(report.id)
    assert report.status == "submitted"
    assert report.results == "Kết quả: chi trả cho 60 hộ; 5 hộ thoát nghèo"
    assert report.first_submitted_at == moment(JUNE_4)
    assert report.submitted_at == moment(JUNE_8) > report.first_submitted_at
    assert report.update_id == third_update.id

    # The secretariat accepts it.
    freeze(app, "2026-06-09T09:00:00+07:00")
    response = review(secretariat, plan, report.id, "accept", "Đạt")
    assert response.status_code == 302
    report = current_report(report.id)
    assert report.status == "accepted"
    assert report.reviewed_by_id == user_of("secretariat").id

    assert [e.action for e in report.events] == ["saved", "submitted", "returned", "resubmitted", "accepted"]
    assert [e.actor_id for e in report.events] == [user_of(r).id for r in ("officer", "officer", "secretariat", "officer", "secretariat")]
    assert [e.occurred_at for e in report.events] == sorted(e.occurred_at for e in report.events)
    assert report.events[2].comment == "Bổ sung số hộ thoát nghèo"
    # The history is on the report's page too, and the returned notice is gone from the home page.
    history = plain(page(officer, f"/plans/{plan.id}/reports/{report.id}"))
    for word in ("draft saved", "submitted", "returned for changes", "resubmitted", "accepted"):
        assert word in history
    assert 'id="returned-heading"' not in page(officer, f"/plans/{plan.id}/my-unit")


def test_every_report_step_is_in_the_audit_log(app, plan, officer, secretariat, six_month, user_of):
    post_update(officer, plan, "IV.4.1", 30)
    save_draft(officer, plan, six_month, "IV.4.1", results="Nháp")
    report = submitted_report(app, plan, officer, six_month)
    review(secretariat, plan, report.id, "return", "Thiếu số liệu")
    freeze(app, JUNE_8)
    submit_report(officer, plan, six_month, "IV.4.1", results="Đã bổ sung")
    review(secretariat, plan, report.id, "accept")
    assert current_report(report.id).status == "accepted"

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("report.%")).order_by(AuditEvent.id)
    ).all()
    officer_id, secretariat_id = user_of("officer").id, user_of("secretariat").id
    assert [(e.action, e.user_id, e.target_type, e.target_id) for e in events] == [
        ("report.save", officer_id, "period_report", report.id),
        ("report.submit", officer_id, "period_report", report.id),
        ("report.return", secretariat_id, "period_report", report.id),
        ("report.resubmit", officer_id, "period_report", report.id),
        ("report.accept", secretariat_id, "period_report", report.id),
    ]
    assert events[2].detail.get("reason") == "Thiếu số liệu"
    assert all(e.username for e in events)
    assert events[-1].occurred_at == moment(JUNE_8)


# --- illegal steps ----------------------------------------------------------------------------


def test_a_draft_cannot_be_accepted(app, plan, officer, secretariat, six_month, task_of, user_of):
    save_draft(officer, plan, six_month, "IV.4.1", results="Nháp")
    report = find_report(six_month, task_of("IV.4.1"), "phong-vh-xh")
    assert report.status == "draft"
    with pytest.raises(services.TransitionRefused):
        services.accept(actor_of(user_of("secretariat")), report, moment(JUNE_4))
    db.session.rollback()

    before = database_snapshot()
    detail = page(secretariat, f"/plans/{plan.id}/reports/{report.id}")
    assert f"/reports/{report.id}/review" not in detail, "a draft offers a review form"
    response = review(secretariat, plan, report.id, "accept", version=report.version)
    assert response.status_code in (302, 400, 409, 422)
    assert database_snapshot() == before
    assert current_report(report.id).status == "draft"
    if response.status_code == 302:
        html = page(secretariat, response.headers["Location"])
        assert re.search(r'<div class="alert alert-danger" role="alert">', html), "the refusal is not shown"
    response = review(secretariat, plan, report.id, "return", "Sai", version=report.version)
    assert database_snapshot() == before
    assert current_report(report.id).status == "draft"


def test_a_report_cannot_be_returned_without_a_reason(app, plan, officer, secretariat, six_month):
    report = submitted_report(app, plan, officer, six_month)
    before = database_snapshot()
    response = review(secretariat, plan, report.id, "return", "   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="comment-error" class="invalid-feedback', html)
    assert database_snapshot() == before
    assert current_report(report.id).status == "submitted"
    with pytest.raises(services.TransitionRefused):
        services.return_for_changes(Actor(None, "test"), current_report(report.id), "  ", moment(JUNE_4))
    db.session.rollback()


def test_a_review_needs_a_decision(app, plan, officer, secretariat, six_month):
    report = submitted_report(app, plan, officer, six_month)
    before = database_snapshot()
    response = secretariat.post(f"/plans/{plan.id}/reports/{report.id}/review", data={"comment": "ok", "version": str(report.version)})
    assert response.status_code == 422
    assert re.search(r'id="decision-error" class="invalid-feedback', response.get_data(as_text=True))
    assert database_snapshot() == before


def test_submitting_twice_changes_nothing(app, plan, officer, six_month, user_of):
    report = submitted_report(app, plan, officer, six_month, when=JUNE_4)
    with pytest.raises(services.TransitionRefused):
        services.submit(actor_of(user_of("officer")), current_report(report.id), services.ReportInput(results="Lần hai"), moment(JUNE_8))
    db.session.rollback()

    freeze(app, JUNE_8)
    before = database_snapshot()
    response = submit_report(officer, plan, six_month, "IV.4.1", results="Lần hai")
    assert response.status_code in (302, 409, 422)
    assert database_snapshot() == before
    report = current_report(report.id)
    assert report.submitted_at == moment(JUNE_4)
    assert report.results == "Kết quả IV.4.1"
    assert [e.action for e in report.events] == ["submitted"]


def test_a_second_submission_is_refused_with_a_message(app, plan, officer, six_month):
    report = submitted_report(app, plan, officer, six_month, when=JUNE_4)
    page(officer, f"/plans/{plan.id}/reports/{report.id}")  # the first submission's message is read
    freeze(app, JUNE_8)
    response = submit_report(officer, plan, six_month, "IV.4.1", results="Lần hai")
    html = page(officer, response.headers["Location"]) if response.status_code == 302 else response.get_data(as_text=True)
    assert current_report(report.id).submitted_at == moment(JUNE_4)
    errors = re.findall(r'<div class="alert alert-(?:danger|warning)" role="alert">(.*?)</div>', html, re.S)
    assert errors, "the officer is not told that the second submission was not taken"


def test_an_empty_report_cannot_be_submitted(app, plan, officer, six_month, task_of):
    before = database_snapshot()
    response = submit_report(officer, plan, six_month, "IV.4.1", results="  ", difficulties="", proposals="")
    assert response.status_code == 422
    assert 'class="alert alert-danger"' in response.get_data(as_text=True)
    assert database_snapshot() == before
    assert find_report(six_month, task_of("IV.4.1"), "phong-vh-xh") is None


@pytest.mark.parametrize("final_status", ["submitted", "accepted"])
def test_the_officer_cannot_edit_a_sent_report(app, plan, officer, secretariat, six_month, final_status):
    report = submitted_report(app, plan, officer, six_month)
    if final_status == "accepted":
        review(secretariat, plan, report.id, "accept")
    assert current_report(report.id).status == final_status

    response = officer.get(report_url(plan, six_month, "IV.4.1"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/reports/{report.id}")
    detail = page(officer, f"/plans/{plan.id}/reports/{report.id}")
    assert report_url(plan, six_month, "IV.4.1") not in detail, "the detail page offers an edit link"

    before = database_snapshot()
    for action in ("save", "submit"):
        officer.post(report_url(plan, six_month, "IV.4.1"), data={"action": action, "results": "Sửa sau khi gửi"})
    assert database_snapshot() == before
    assert current_report(report.id).results == "Kết quả IV.4.1"


def test_another_units_officer_cannot_open_or_submit_the_report(app, plan, officer, six_month, task_of):
    report = submitted_report(app, plan, officer, six_month)
    review_client = signed_in(app, "secretariat")
    review(review_client, plan, report.id, "return", "Bổ sung")
    yte = signed_in(app, "officer_yte")
    before = database_snapshot()
    assert yte.get(report_url(plan, six_month, "IV.4.1")).status_code == 403
    for action in ("save", "submit"):
        response = yte.post(report_url(plan, six_month, "IV.4.1"), data={"action": action, "results": "Trạm Y tế viết"})
        assert response.status_code == 403
    assert database_snapshot() == before
    # Trạm Y tế does write its own report of IV.4.3.
    assert yte.get(report_url(plan, six_month, "IV.4.3")).status_code == 200
    # A partner (the officer's unit on IV.4.3) owes none and cannot start one.
    assert officer.get(report_url(plan, six_month, "IV.4.3")).status_code == 403
    assert find_report(six_month, task_of("IV.4.3"), "phong-vh-xh") is None


@pytest.mark.parametrize("role", ["committee", "chair", "officer", "admin"])
def test_only_the_secretariat_reviews(app, plan, officer, six_month, role):
    report = submitted_report(app, plan, officer, six_month)
    reader = signed_in(app, role)
    before = database_snapshot()
    assert reader.get(f"/plans/{plan.id}/review?period={six_month.id}").status_code == 403
    assert review(reader, plan, report.id, "accept").status_code == 403
    assert review(reader, plan, report.id, "return", "Không đạt").status_code == 403
    assert reader.post(f"/plans/{plan.id}/review/accept", data={"report_id": str(report.id), "period": str(six_month.id)}).status_code == 403
    assert database_snapshot() == before
    # Everyone of the ward may read the report, without a review form.
    detail = page(reader, f"/plans/{plan.id}/reports/{report.id}")
    assert f"/reports/{report.id}/review" not in detail


def test_a_report_cannot_be_written_before_its_period_opens(app, plan, officer, period_of):
    # On 2026-06-03 the 2027 six-month report (unit deadline 2027-06-05) is a year away.
    later = period_of("six_month", 2027)
    before = database_snapshot()
    response = submit_report(officer, plan, later, "IV.4.1", results="Báo cáo trước một năm")
    assert response.status_code in (403, 404, 422)
    assert database_snapshot() == before


# --- timeliness -------------------------------------------------------------------------------


def row_of(plan, period, report_id: int, today: date) -> queries.ReportRow:
    report = current_report(report_id)
    return queries.ReportRow(period, report.task, report.unit, report, today)


def test_a_first_submission_before_the_deadline_is_on_time(app, plan, officer, six_month):
    report = submitted_report(app, plan, officer, six_month, when=JUNE_4)
    row = row_of(plan, six_month, report.id, date(2026, 6, 4))
    assert row.sent and row.on_time and not row.is_late
    assert "sent on time" in plain(page(officer, f"/plans/{plan.id}/reports/{report.id}"))


def test_a_resubmission_after_the_deadline_keeps_the_report_on_time(app, plan, officer, secretariat, six_month):
    report = submitted_report(app, plan, officer, six_month, when=JUNE_4)
    freeze(app, JUNE_8)
    review(secretariat, plan, report.id, "return", "Bổ sung")
    freeze(app, JUNE_20)
    assert submit_report(officer, plan, six_month, "IV.4.1", results="Đã bổ sung").status_code == 302
    report = current_report(report.id)
    assert report.submitted_at == moment(JUNE_20)
    row = row_of(plan, six_month, report.id, date(2026, 6, 20))
    assert row.on_time
    assert "sent on time" in plain(page(officer, f"/plans/{plan.id}/reports/{report.id}"))


def test_a_first_submission_after_the_deadline_is_late(app, plan, officer, six_month):
    report = submitted_report(app, plan, officer, six_month, when=JUNE_8)
    row = row_of(plan, six_month, report.id, date(2026, 6, 8))
    assert row.sent and not row.on_time
    assert "sent late" in plain(page(officer, f"/plans/{plan.id}/reports/{report.id}"))


@pytest.mark.parametrize("when, on_time", [(JUNE_5_LATE_EVENING, True), (JUNE_6_JUST_AFTER_MIDNIGHT, False)])
def test_the_deadline_is_a_day_in_the_ward(app, plan, officer, six_month, when, on_time):
    report = submitted_report(app, plan, officer, six_month, when=when)
    assert services.is_on_time(current_report(report.id).first_submitted_at, six_month) is on_time


# --- who owes a report ------------------------------------------------------------------------


def owed_pairs(plan, periods) -> set[tuple[str, str]]:
    units = {u.id: u.code for u in db.session.scalars(select(Unit))}
    return {(task.code, units[owing]) for _period, task, owing in queries.expected_reports(plan, periods)}


def test_primary_leads_of_leaf_tasks_owe_reports(app, plan, six_month):
    owed = owed_pairs(plan, [six_month])
    assert ("IV.4.1", "phong-vh-xh") in owed
    assert ("IV.4.3", "tram-y-te") in owed
    assert ("IV.8", "phong-vh-xh") in owed
    # Partners and co-leads owe none.
    assert ("IV.4.3", "phong-vh-xh") not in owed
    assert ("IV.4.3", "bhxh") not in owed
    assert ("IV.8", "phong-xd-nn-mt") not in owed
    codes = {code for code, _unit in owed}
    # No lead, no report; parents are carried by their children.
    assert not any(code.startswith("IV.10") for code in codes)
    assert not codes & {"IV", "IV.4", "IV.10", "VI", "VI.3"}
    # VI.9 is led by a group with no members: nobody owes its report.
    assert "VI.9" not in codes
    # A report is owed by a real unit, never by a group.
    groups = set(db.session.scalars(select(Unit.code).where(Unit.is_group.is_(True))))
    assert not {unit for _code, unit in owed} & groups


def test_with_partners_report_the_partners_owe_too(app, plan, six_month, task_of):
    task = task_of("IV.4.3")
    task.partners_report = True
    db.session.commit()
    owed = owed_pairs(plan, [six_month])
    assert {("IV.4.3", "tram-y-te"), ("IV.4.3", "phong-vh-xh"), ("IV.4.3", "phong-xd-nn-mt"), ("IV.4.3", "bhxh")} <= owed
    # ...and the officer's unit can now write it.
    freeze(app, JUNE_3)
    officer = signed_in(app, "officer")
    assert officer.get(report_url(plan, six_month, "IV.4.3")).status_code == 200


def test_a_dated_task_owes_only_in_the_periods_it_runs(app, plan, period_of):
    assert ("VI.3.2", "phong-vh-xh") in owed_pairs(plan, [period_of("six_month", 2026)])
    assert ("VI.3.2", "phong-vh-xh") in owed_pairs(plan, [period_of("annual", 2026)])
    assert ("VI.3.2", "phong-vh-xh") not in owed_pairs(plan, [period_of("six_month", 2027)])
    # A continuous task owes in every period.
    assert ("VI.3.1", "phong-vh-xh") in owed_pairs(plan, [period_of("six_month", 2027)])


def test_expected_reports_lists_one_entry_per_period(app, plan, period_of):
    periods = [period_of("six_month", 2026), period_of("annual", 2026)]
    owed = queries.expected_reports(plan, periods)
    assert len(owed) == len(set((p.id, t.id, u) for p, t, u in owed))
    for period in periods:
        assert (period, "IV.4.1", unit_id("phong-vh-xh")) in [(p, t.code, u) for p, t, u in owed]


# --- review queue and bulk accept -------------------------------------------------------------


def test_bulk_accept_accepts_the_submitted_and_skips_the_rest(app, plan, officer, secretariat, six_month, task_of):
    first = submitted_report(app, plan, officer, six_month, "IV.4.1")
    second = submitted_report(app, plan, officer, six_month, "IV.4.2")
    freeze(app, JUNE_4)
    save_draft(officer, plan, six_month, "VI.3.1", results="Nháp VI.3.1")
    draft = find_report(six_month, task_of("VI.3.1"), "phong-vh-xh")
    assert draft.status == "draft"

    queue = page(secretariat, f"/plans/{plan.id}/review?period={six_month.id}")
    assert f'value="{first.id}"' in queue and f'value="{second.id}"' in queue

    response = secretariat.post(
        f"/plans/{plan.id}/review/accept",
        data={"report_id": [str(first.id), str(second.id), str(draft.id)], "period": str(six_month.id)},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/review?period={six_month.id}")
    assert current_report(first.id).status == "accepted"
    assert current_report(second.id).status == "accepted"
    assert current_report(draft.id).status == "draft"
    assert [e.action for e in current_report(draft.id).events] == ["saved"]
    messages = " ".join(flashes(page(secretariat, response.headers["Location"])))
    assert "2 reports accepted" in messages
    assert "1 selected reports were not waiting for review" in messages


def test_bulk_accept_with_nothing_selected_changes_nothing(app, plan, officer, secretariat, six_month):
    report = submitted_report(app, plan, officer, six_month)
    before = database_snapshot()
    response = secretariat.post(f"/plans/{plan.id}/review/accept", data={"period": str(six_month.id)})
    assert response.status_code == 302
    assert database_snapshot() == before
    assert "Select the reports to accept" in " ".join(flashes(page(secretariat, response.headers["Location"])))
    assert current_report(report.id).status == "submitted"


def test_two_reviewers_at_once_the_second_does_not_overwrite(app, plan, officer, six_month, user_of):
    from tracker.accounts.services import create_user
    from tracker.wards.models import Ward

    report = submitted_report(app, plan, officer, six_month)
    ward = db.session.scalar(select(Ward).where(Ward.code == "bac-kan"))
    create_user("thuongtruc2", PASSWORD, "Thường trực 2", ["secretariat"], ward=ward, unit=user_of("secretariat").unit)
    db.session.commit()

    first = signed_in(app, "secretariat")
    second = app.test_client()
    second.get("/language/en")
    assert second.post("/login", data={"username": "thuongtruc2", "password": PASSWORD}).status_code == 302

    # Both open the report and read the same version.
    first_version = review_form_version(page(first, f"/plans/{plan.id}/reports/{report.id}"))
    second_version = review_form_version(page(second, f"/plans/{plan.id}/reports/{report.id}"))
    assert first_version == second_version == current_report(report.id).version

    # The second reviewer returns it first...
    assert review(second, plan, report.id, "return", "Thiếu số liệu", version=second_version).status_code == 302
    assert current_report(report.id).status == "returned"
    # ...then the first one's acceptance, made on the old version, is refused.
    response = review(first, plan, report.id, "accept", "Đạt", version=first_version)
    assert response.status_code == 302
    html = page(first, response.headers["Location"])
    assert any("changed by someone else" in message for message in flashes(html))
    report = current_report(report.id)
    assert report.status == "returned"
    assert report.review_comment == "Thiếu số liệu"
    assert [e.action for e in report.events] == ["submitted", "returned"]


def test_the_review_queue_opens_on_the_oldest_period_with_reports_waiting(app, plan, officer, secretariat, six_month, period_of):
    """A 6-month report sent late must not wait unseen once the annual period has opened."""
    report = submitted_report(app, plan, officer, six_month, "IV.4.1", when="2026-10-20T09:00:00+07:00")
    annual = period_of("annual", 2026)
    freeze(app, "2026-10-25T09:00:00+07:00")  # the annual reports are open for writing by now
    assert annual in queries.open_periods(plan, date(2026, 10, 25))

    queue = page(secretariat, f"/plans/{plan.id}/review")
    assert re.search(rf'<option value="{six_month.id}" selected>[^<]*· 1 waiting</option>', queue)
    assert f'value="{report.id}"' in queue

    # Looking at the annual period, the secretariat is told where reports wait.
    annual_queue = page(secretariat, f"/plans/{plan.id}/review?period={annual.id}")
    notice = plain(annual_queue.split('class="alert alert-info small"', 1)[1].split("</div>", 1)[0])
    assert "Reports are also waiting for review in other periods" in notice and "6-month report 2026 (1)" in notice

    # Once it is accepted, the queue opens on the period open for reporting again.
    review(secretariat, plan, report.id, "accept", version=current_report(report.id).version)
    assert current_report(report.id).status == "accepted"
    assert re.search(rf'<option value="{annual.id}" selected>', page(secretariat, f"/plans/{plan.id}/review"))
