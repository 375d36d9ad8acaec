"""Unit reports through the API (/api/v1): the plan's reports and each one's sections; a unit's
officer saves the unit's one report of a round as a draft and submits it, with the page's rules,
forms and audit records.

The six-month period of 2026 has its unit deadline on 2026-06-05; units can write its report from
2026-05-06. The server's clock is frozen (FROZEN_NOW) on a day in the ward.
"""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.helpers import at, database_snapshot, form_values, owed_unit_report, plain, signed_in, start_unit_report
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import UnitReport, UnitReportVersion
from tracker.units.models import Unit

JUNE_2 = "2026-06-02T09:00:00+07:00"
JUNE_3 = "2026-06-03T09:00:00+07:00"
JUNE_20 = "2026-06-20T09:00:00+07:00"

# The tasks Phòng Văn hóa – Xã hội reports on in the six-month report of 2026, in the plan's order.
VHXH_SECTIONS = ["IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
YTE_SECTIONS = ["IV.4.3", "VI.6"]


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def six_month(app, period_of):
    app.config["FROZEN_NOW"] = JUNE_2
    return period_of("six_month", 2026)


@pytest.fixture
def api(app):
    return app.test_client()


def report_url(plan, period) -> str:
    return f"/api/v1/plans/{plan.id}/periods/{period.id}/report"


def whole(codes=VHXH_SECTIONS, prefix: str = "Kết quả") -> list[dict]:
    """A section for each task that says what was done."""
    return [{"task": code, "results": f"{prefix} {code}"} for code in codes]


def unit_report(unit_code: str = "phong-vh-xh") -> UnitReport | None:
    db.session.expire_all()
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == unit_code))
    return db.session.scalar(select(UnitReport).where(UnitReport.unit_id == unit_id))


def report_audit() -> list[tuple]:
    return [
        (e.action, e.user_id, e.target_type, e.target_id)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("report.%")).order_by(AuditEvent.id)
        )
    ]


def stored() -> dict:
    """Every row but the tokens' last use (a token's first call records it)."""
    snapshot = database_snapshot()
    snapshot.pop("api_token")
    return snapshot


def saved_draft(api, plan, period, headers, sections=None, **general):
    response = api.put(report_url(plan, period), json={"sections": sections or [], **general}, headers=headers)
    assert response.status_code in (200, 201), response.get_json()
    return response


# --- writing and submitting -------------------------------------------------------------------


def test_an_officer_saves_a_draft_then_submits_it_as_the_page_would(
    app, api, plan, six_month, token_of, user_of, task_of
):
    officer = token_of("officer")
    response = api.put(
        report_url(plan, six_month),
        json={"sections": whole()[:3], "assessment": "Cơ bản hoàn thành"},
        headers=officer,
    )
    assert response.status_code == 201, response.get_json()
    draft = response.get_json()
    assert draft["status"] == "draft" and draft["unit"]["code"] == "phong-vh-xh"
    assert [s["task"]["code"] for s in draft["sections"]] == VHXH_SECTIONS
    assert draft["sections"][0]["results"] == "Kết quả IV.4.1" and draft["assessment"] == "Cơ bản hoàn thành"
    assert response.headers["Location"] == f"/api/v1/plans/{plan.id}/reports/{draft['id']}"
    # Saved again with the rest: what was saved before and not sent again stays.
    response = api.put(report_url(plan, six_month), json={"sections": whole()[3:]}, headers=officer)
    assert response.status_code == 200
    assert all(s["results"] == f"Kết quả {s['task']['code']}" for s in response.get_json()["sections"])
    assert response.get_json()["assessment"] == "Cơ bản hoàn thành"

    app.config["FROZEN_NOW"] = JUNE_3
    response = api.post(report_url(plan, six_month) + "/submit", headers=officer)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["status"] == "submitted" and answer["on_time"] is True
    assert answer["first_submitted_at"].startswith("2026-06-03T02:00:00")

    report = unit_report()
    assert report.id == draft["id"] and report.status == "submitted"
    assert [e.action for e in report.events] == ["saved", "saved", "submitted"]
    assert [v.number for v in report.versions] == [1]
    officer_id = user_of("officer").id
    assert report_audit() == [
        ("report.save", officer_id, "unit_report", report.id),
        ("report.save", officer_id, "unit_report", report.id),
        ("report.submit", officer_id, "unit_report", report.id),
    ]
    # The report's page shows it submitted, with what was sent.
    page = signed_in(app, "secretariat", language="en").get(f"/plans/{plan.id}/reports/{report.id}")
    assert "Submitted, waiting for review" in plain(page.get_data(as_text=True))
    assert "Kết quả VI.3.6" in page.get_data(as_text=True)


def test_the_page_writes_the_same_audit_records_as_the_api(app, api, plan, six_month, token_of, user_of):
    """Trạm Y tế saves and submits on the page; Phòng Văn hóa – Xã hội through the API."""
    api.put(report_url(plan, six_month), json={"sections": whole()}, headers=token_of("officer"))
    api.post(report_url(plan, six_month) + "/submit", headers=token_of("officer"))
    browser = signed_in(app, "officer_yte", language="en")
    page_url = f"/plans/{plan.id}/periods/{six_month.id}/report"
    for action in ("save", "submit"):
        values = form_values(browser.get(page_url).get_data(as_text=True))
        values = {key: (["Kết quả"] if key.endswith("-results") else value) for key, value in values.items()}
        assert browser.post(page_url, data={**values, "action": action}).status_code == 302
    by_user = {}
    for action, user_id, target, _id in report_audit():
        by_user.setdefault(user_id, []).append((action, target))
    assert by_user[user_of("officer").id] == by_user[user_of("officer_yte").id]
    assert by_user[user_of("officer").id] == [("report.save", "unit_report"), ("report.submit", "unit_report")]
    assert unit_report("tram-y-te").status == unit_report().status == "submitted"


def test_submitting_with_the_text_in_the_call_saves_it_first(app, api, plan, six_month, token_of):
    response = api.post(
        report_url(plan, six_month) + "/submit",
        json={"sections": whole(), "proposals": "Tăng kinh phí"},
        headers=token_of("officer"),
    )
    assert response.status_code == 200, response.get_json()
    report = unit_report()
    assert report.status == "submitted" and report.proposals == "Tăng kinh phí"
    assert report.versions[0].content["sections"][8]["results"] == "Kết quả VI.3.6"


def test_a_section_not_sent_starts_from_the_units_updates_as_on_the_page(
    app, api, plan, six_month, token_of, user_of, task_of
):
    from tracker.progress.services import UpdateInput, post_update

    officer = user_of("officer")
    update = UpdateInput(35, "working", "Đã rà soát 64 hộ", None, "Bổ sung kinh phí")
    post_update(Actor.for_user(officer), task_of("IV.4.1"), officer.unit_id, "lead", update, [], at("2026-05-20"))
    db.session.commit()
    response = api.put(report_url(plan, six_month), json={"sections": whole()[1:]}, headers=token_of("officer"))
    assert response.status_code == 201, response.get_json()
    first = response.get_json()["sections"][0]
    assert (first["task"]["code"], first["percent"], first["state"]) == ("IV.4.1", 35, "working")
    assert (first["results"], first["proposals"]) == ("Đã rà soát 64 hộ", "Bổ sung kinh phí")
    # Once saved, the draft is what counts: a later update does not change it.
    post_update(
        Actor.for_user(officer),
        task_of("IV.4.1"),
        officer.unit_id,
        "lead",
        UpdateInput(50, "working", "Mới"),
        [],
        at("2026-05-25"),
    )
    db.session.commit()
    response = api.put(report_url(plan, six_month), json={"assessment": "Tốt"}, headers=token_of("officer"))
    assert response.get_json()["sections"][0]["results"] == "Đã rà soát 64 hộ"


def test_a_changed_percent_posts_a_progress_update_on_submission(app, api, plan, six_month, token_of, task_of):
    from tracker.progress.models import ProgressUpdate

    sections = whole()
    sections[0].update(percent=40, state="working")
    response = api.post(
        report_url(plan, six_month) + "/submit", json={"sections": sections}, headers=token_of("officer")
    )
    assert response.status_code == 200, response.get_json()
    [update] = db.session.scalars(select(ProgressUpdate).where(ProgressUpdate.task_id == task_of("IV.4.1").id)).all()
    assert (update.percent, update.state, update.results) == (40, "working", "Kết quả IV.4.1")


# --- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["chair", "secretariat", "committee", "admin"])
def test_only_an_officer_of_the_unit_writes_its_report(app, api, plan, six_month, token_of, role):
    api.put(report_url(plan, six_month), json={"sections": whole()}, headers=token_of("officer"))
    headers = token_of(role)
    api.get(f"/api/v1/plans/{plan.id}/reports", headers=headers)  # the token's first use is recorded
    before = stored()
    for response in (
        api.put(report_url(plan, six_month), json={"sections": whole(prefix="Sửa")}, headers=headers),
        api.post(report_url(plan, six_month) + "/submit", headers=headers),
    ):
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["code"] == "forbidden"
    assert stored() == before


def test_another_units_officer_writes_only_their_own_units_report(app, api, plan, six_month, token_of):
    api.put(report_url(plan, six_month), json={"sections": whole()}, headers=token_of("officer"))
    yte = token_of("officer_yte")
    # A section of Phòng Văn hóa – Xã hội's report is no section of Trạm Y tế's.
    response = api.put(
        report_url(plan, six_month), json={"sections": [{"task": "IV.4.1", "results": "Y tế"}]}, headers=yte
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["sections"]["IV.4.1"]["task"]
    response = api.post(report_url(plan, six_month) + "/submit", json={"sections": whole(YTE_SECTIONS)}, headers=yte)
    assert response.status_code == 200
    assert response.get_json()["unit"]["code"] == "tram-y-te"
    assert [s["task"]["code"] for s in response.get_json()["sections"]] == YTE_SECTIONS
    vhxh = unit_report()
    assert vhxh.status == "draft" and vhxh.section_for(vhxh.sections[0].task_id).results == "Kết quả IV.4.1"


def test_an_officer_whose_unit_owes_no_report_is_refused(app, api, plan, six_month):
    from tracker.accounts.services import create_user
    from tracker.accounts.tokens import create_token
    from tracker.wards.models import Ward

    # Ban Chỉ huy Quân sự only supports tasks of the plan: it owes no report.
    quansu = db.session.scalar(select(Unit).where(Unit.code == "bch-quan-su"))
    ward = db.session.scalar(select(Ward))
    user = create_user("canbo.quansu", PASSWORD, "Cán bộ Quân sự", ["officer"], ward=ward, unit=quansu)
    _row, secret = create_token(Actor.for_user(user), user, "test", utcnow())
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    api.get(f"/api/v1/plans/{plan.id}/reports", headers=headers)
    before = stored()
    response = api.put(report_url(plan, six_month), json={"sections": []}, headers=headers)
    assert response.status_code == 403
    assert stored() == before


def test_the_reports_are_read_by_everyone_who_reads_the_plan(app, api, plan, six_month, token_of):
    report_id = saved_draft(api, plan, six_month, token_of("officer"), whole()).get_json()["id"]
    for role in ("chair", "officer_yte", "secretariat", "admin"):
        response = api.get(f"/api/v1/plans/{plan.id}/reports/{report_id}", headers=token_of(role))
        assert response.status_code == 200, role
        assert response.get_json()["sections"][4]["results"] == "Kết quả VI.3.2"
    assert api.get(f"/api/v1/plans/{plan.id}/reports/{report_id}").status_code == 401
    assert api.get(f"/api/v1/plans/{plan.id}/reports/{report_id + 1000}", headers=token_of("chair")).status_code == 404


# --- versions, twice, incomplete, not open ----------------------------------------------------


def test_a_stale_if_match_is_refused_and_changes_nothing(app, api, plan, six_month, token_of):
    officer = token_of("officer")
    first = saved_draft(api, plan, six_month, officer, whole()[:1])
    read = api.get(first.headers["Location"], headers=officer)
    etag = read.headers["ETag"]
    assert first.headers["ETag"] == etag  # the save answers the ETag its read will have
    saved_draft(api, plan, six_month, officer, [{"task": "IV.4.2", "results": "Người khác đã sửa"}])
    before = stored()
    headers = {**officer, "If-Match": etag}
    response = api.put(report_url(plan, six_month), json={"sections": whole()}, headers=headers)
    assert response.status_code == 412 and response.get_json()["code"] == "precondition_failed"
    response = api.post(report_url(plan, six_month) + "/submit", json={"sections": whole()}, headers=headers)
    assert response.status_code == 412
    assert stored() == before
    # With the ETag of the report as it is now, the save goes through.
    current = api.get(first.headers["Location"], headers=officer).headers["ETag"]
    response = api.put(
        report_url(plan, six_month), json={"assessment": "Mới"}, headers={**officer, "If-Match": current}
    )
    assert response.status_code == 200
    assert unit_report().assessment == "Mới"


def test_an_if_match_for_a_report_not_started_is_refused(app, api, plan, six_month, token_of):
    response = api.put(report_url(plan, six_month), json={}, headers={**token_of("officer"), "If-Match": "*"})
    assert response.status_code == 412
    assert unit_report() is None


def test_submitting_twice_is_refused_and_changes_nothing(app, api, plan, six_month, token_of):
    officer = token_of("officer")
    assert (
        api.post(report_url(plan, six_month) + "/submit", json={"sections": whole()}, headers=officer).status_code
        == 200
    )
    before = stored()
    for response in (
        api.post(report_url(plan, six_month) + "/submit", headers=officer),
        api.put(report_url(plan, six_month), json={"assessment": "Sửa sau khi nộp"}, headers=officer),
    ):
        assert response.status_code == 409
        assert response.get_json()["code"] == "report_not_editable"
        assert response.get_json()["message"]
    assert stored() == before


def test_a_submission_sent_again_with_its_idempotency_key_submits_once(app, api, plan, six_month, token_of):
    headers = {**token_of("officer"), "Idempotency-Key": "nop-bao-cao-6-thang"}
    url = report_url(plan, six_month) + "/submit"
    first = api.post(url, json={"sections": whole()}, headers=headers)
    assert first.status_code == 200
    before = stored()
    again = api.post(url, json={"sections": whole()}, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["status"] == "submitted"
    assert stored() == before
    assert db.session.scalar(select(db.func.count(UnitReportVersion.id))) == 1
    assert [action for action, *_rest in report_audit()] == ["report.submit"]


def test_an_incomplete_report_is_refused_naming_what_is_missing(app, api, plan, six_month, token_of):
    officer = token_of("officer")
    saved_draft(api, plan, six_month, officer, whole()[:7])
    before = stored()
    response = api.post(report_url(plan, six_month) + "/submit", headers=officer)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "report_incomplete"
    assert "VI.3.5" in body["message"] and "VI.3.6" in body["message"] and "IV.4.1" not in body["message"]
    assert set(body["errors"]["sections"]) == {"VI.3.5", "VI.3.6"}
    assert body["errors"]["sections"]["VI.3.5"]["results"]
    assert stored() == before
    assert unit_report().status == "draft"


def test_the_pages_rules_refuse_what_the_page_refuses(app, api, plan, six_month, token_of):
    officer = token_of("officer")
    api.get(f"/api/v1/plans/{plan.id}/reports", headers=officer)
    before = stored()
    sections = whole()
    sections[0].update(percent=60, state="done")  # a finished task is 100%
    sections[1].update(state="blocked", percent=20, difficulties="")  # says what blocks it
    sections[2].update(state="working")  # a state needs its percent
    response = api.put(report_url(plan, six_month), json={"sections": sections}, headers=officer)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["sections"]
    assert set(errors) == {"IV.4.1", "IV.4.2", "IV.8"}
    assert "percent" in errors["IV.4.1"] and "difficulties" in errors["IV.4.2"] and "state" in errors["IV.8"]
    for body in (
        {"sections": [{"task": "IV.4.1", "percent": 101}]},
        {"sections": [{"task": "IV.4.1", "percent": 50.5}]},
        {"sections": [{"task": "IV.4.1", "state": "finished"}]},
        {"sections": [{"task": "IV.4.1", "results": "x" * 20001}]},
        {"assessment": "x" * 20001},
        {"sections": [{"task": "IV.4.1"}, {"task": "IV.4.1"}]},
        {"sections": [{"task": "KHONG-CO"}]},
        {"review_part": "Không có kỳ sơ kết trong kỳ này"},
        {"unknown": 1},
    ):
        response = api.put(report_url(plan, six_month), json=body, headers=officer)
        assert response.status_code == 422, body
        assert response.get_json()["code"] in ("invalid", "bad_request"), body
    assert api.put(report_url(plan, six_month), data="assessment=x", headers=officer).status_code in (415, 422)
    assert stored() == before


def test_a_review_round_takes_the_review_part(app, api, plan, period_of, token_of):
    app.config["FROZEN_NOW"] = "2028-11-01T09:00:00+07:00"
    mid_term = period_of("mid_term", 2028)
    response = api.put(report_url(plan, mid_term), json={"review_part": "Sơ kết giữa kỳ"}, headers=token_of("officer"))
    assert response.status_code == 201, response.get_json()
    # One report for the annual report of 2028 and the mid-term review, filed under the annual one.
    assert response.get_json()["period"]["id"] == period_of("annual", 2028).id
    assert response.get_json()["review_part"] == "Sơ kết giữa kỳ"


def test_text_sent_decomposed_is_stored_composed(app, api, plan, six_month, token_of):
    typed = "Đã hỗ trợ 12 hộ nghèo vay vốn ưu đãi"
    decomposed = unicodedata.normalize("NFD", typed)
    assert decomposed != typed
    sections = [
        {"task": "IV.4.1", "results": decomposed + "\x0c", "difficulties": unicodedata.normalize("NFD", "Thiếu vốn")}
    ]
    response = api.put(
        report_url(plan, six_month), json={"sections": sections, "assessment": decomposed}, headers=token_of("officer")
    )
    assert response.status_code == 201
    report = unit_report()
    section = report.sections[0]
    assert section.results == typed and section.difficulties == "Thiếu vốn" and report.assessment == typed
    assert response.get_json()["sections"][0]["results"] == typed


def test_a_report_cannot_be_written_before_its_period_opens(app, api, plan, six_month, token_of):
    app.config["FROZEN_NOW"] = "2026-04-01T09:00:00+07:00"
    response = api.put(report_url(plan, six_month), json={"sections": whole()}, headers=token_of("officer"))
    assert response.status_code == 422 and response.get_json()["code"] == "reporting_not_open"
    assert "06/05/2026" in response.get_json()["message"]  # the day it opens
    assert unit_report() is None


def test_a_returned_report_is_written_and_submitted_again(app, api, plan, six_month, token_of, user_of):
    officer = token_of("officer")
    api.post(report_url(plan, six_month) + "/submit", json={"sections": whole()}, headers=officer)
    report = unit_report()
    services.return_for_changes(Actor.for_user(user_of("secretariat")), report, "Bổ sung số liệu", utcnow())
    db.session.commit()
    app.config["FROZEN_NOW"] = JUNE_20
    response = api.post(
        report_url(plan, six_month) + "/submit",
        json={"sections": [{"task": "VI.3.2", "results": "46 lao động"}]},
        headers=officer,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["on_time"] is True  # the first submission counts
    report = unit_report()
    assert report.status == "submitted" and [v.number for v in report.versions] == [1, 2]
    assert report_audit()[-1][0] == "report.resubmit"


# --- the list ---------------------------------------------------------------------------------


@pytest.fixture
def three_reports(app, plan, period_of, user_of):
    """Drafts of Trạm Y tế and Phòng Văn hóa – Xã hội for the six-month report of 2026, and the
    latter's annual report of 2026, submitted late."""
    made = {}
    for unit_code, period in (("tram-y-te", "six_month"), ("phong-vh-xh", "six_month"), ("phong-vh-xh", "annual")):
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        owed = owed_unit_report(plan, period_of(period, 2026), unit.id)
        made[(unit_code, period)] = start_unit_report(owed, utcnow())
        db.session.flush()
    late = made[("phong-vh-xh", "annual")]
    owed = owed_unit_report(plan, period_of("annual", 2026), late.unit_id)
    data = services.ReportInput([services.SectionInput(t, results="Kết quả") for t in owed.tasks])
    services.submit(Actor.for_user(user_of("officer")), late, data, at("2026-11-20"), roles=owed.roles)
    db.session.commit()
    return made


def test_the_list_is_in_a_stable_order_and_filters(app, api, plan, period_of, token_of, three_reports):
    headers = token_of("chair")
    url = f"/api/v1/plans/{plan.id}/reports"
    everything = api.get(url, headers=headers).get_json()
    assert everything["total"] == 3
    units = {u.code: u.sort_order for u in db.session.scalars(select(Unit))}
    expected = sorted(three_reports.values(), key=lambda r: (r.period.unit_deadline, units[r.unit.code], r.id))
    assert [item["id"] for item in everything["items"]] == [r.id for r in expected]
    annual = next(i for i in everything["items"] if i["period"]["kind"] == "annual")
    assert annual["status"] == "submitted" and annual["on_time"] is False  # sent in December, after 10/11
    assert annual["status_label"] and annual["first_submitted_at"]
    assert {i["on_time"] for i in everything["items"] if i["status"] == "draft"} == {None}

    six_month = period_of("six_month", 2026)
    got = api.get(url, query_string={"period": six_month.id}, headers=headers).get_json()
    assert {(i["period"]["id"], i["status"]) for i in got["items"]} == {(six_month.id, "draft")} and got["total"] == 2
    got = api.get(url, query_string={"unit": "phong-vh-xh"}, headers=headers).get_json()
    assert {i["unit"]["code"] for i in got["items"]} == {"phong-vh-xh"} and got["total"] == 2
    got = api.get(url, query_string={"status": "submitted"}, headers=headers).get_json()
    assert [i["id"] for i in got["items"]] == [three_reports[("phong-vh-xh", "annual")].id]
    got = api.get(url, query_string={"unit": "tram-y-te", "status": "submitted"}, headers=headers).get_json()
    assert got["items"] == [] and got["total"] == 0

    pages = [api.get(url, query_string={"per_page": 1, "page": n}, headers=headers).get_json() for n in (1, 2, 3, 4)]
    assert [p["items"][0]["id"] for p in pages[:3]] == [r.id for r in expected]
    assert pages[3]["items"] == [] and pages[0]["pages"] == 3

    for query in ({"status": "lost"}, {"per_page": 0}):
        assert api.get(url, query_string=query, headers=headers).status_code == 422
    for query in ({"unit": "khong-co"}, {"period": 999999}):
        assert api.get(url, query_string=query, headers=headers).status_code == 404


def test_the_description_says_what_a_report_takes(app, api, token_of):
    description = api.get("/api/v1/openapi.json").get_json()
    put = description["paths"]["/api/v1/plans/{plan_id}/periods/{period_id}/report"]["put"]
    submit = description["paths"]["/api/v1/plans/{plan_id}/periods/{period_id}/report/submit"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in submit["parameters"]]
    assert put["requestBody"]["required"] is True and submit["requestBody"]["required"] is False
    body = description["components"]["schemas"]["ReportInput"]
    section = description["components"]["schemas"]["SectionInput"]
    assert body["properties"]["assessment"]["maxLength"] == 20000
    assert section["properties"]["percent"]["maximum"] == 100
    assert set(section["properties"]["state"]["enum"]) >= {"working", "done", "blocked"}
