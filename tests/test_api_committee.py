"""The committee's side of the plan through the API (tracker.api.committee): the chair's
accountability table agrees with its page, a question asked on the page is answered through the
API as on the page (same rules, same audit record, once), and each person reads only their own
notifications.

Phòng Văn hóa – Xã hội (phong-vh-xh, officer "canbo.vhxh") is the primary lead of 9 leaf tasks,
among them VI.3.2, due 31/12/2026. On 20/01/2027 it is overdue since 01/01/2027 (20 days). The unit
sent its six-month report of 2026 on 08/06 (late: the unit deadline was 05/06) and not its annual
report (unit deadline 10/11/2026): late since 11/11/2026, 71 days on 20/01/2027 (20 + 31 + 20).
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial

import pytest
from sqlalchemy import func, select

from tests import helpers
from tests.helpers import at
from tracker.alerts import services as alerts
from tracker.alerts.models import REPORT_MISSING, Alert, Notification
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.discussion import services as discussion
from tracker.discussion.models import Question
from tracker.extensions import db
from tracker.units.models import Unit

signed_in = partial(helpers.signed_in, language="en")
page = helpers.page
plain = helpers.plain

API = "/api/v1"
LATE_DAY = "2027-01-20T09:00:00+07:00"


# --- helpers ----------------------------------------------------------------------------------


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def reads_english(user) -> None:
    """The person reads the app in English: the API's texts then match the English pages."""
    user.locale = "en"
    db.session.commit()


def card_html(html: str, code: str) -> str:
    """A unit's card in the league table."""
    match = re.search(
        rf'<div class="card[^"]*" data-unit="{re.escape(code)}">(.*?)</div>\s*</div>\s*</div>', html, re.S
    )
    assert match, code
    return match.group(1)


def figure(html: str, code: str, name: str) -> str:
    """One figure of a unit's card: the text of the <dd> after the <dt> called `name`."""
    match = re.search(rf"<dt>{re.escape(name)}</dt>\s*<dd>(.*?)</dd>", card_html(html, code), re.S)
    assert match, (code, name)
    return plain(match.group(1))


def longest(html: str, code: str) -> str | None:
    match = re.search(r"Longest late: (.*?) Reports late", plain(card_html(html, code)))
    return match.group(1) if match else None


def card_order(html: str) -> list[str]:
    return re.findall(r'<div class="card[^"]*" data-unit="([^"]+)">', html)


def ddmmyyyy(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def api_get(app, url: str, headers: dict) -> dict:
    response = app.test_client().get(API + url, headers=headers)
    assert response.status_code == 200, (url, response.status_code, response.get_json())
    return response.get_json()


def every_item(app, url: str, headers: dict, per_page: int = 3) -> list[dict]:
    """Every item of a paginated list, page after page."""
    items, number = [], 1
    separator = "&" if "?" in url else "?"
    while True:
        answer = api_get(app, f"{url}{separator}page={number}&per_page={per_page}", headers)
        items += answer["items"]
        if number >= answer["pages"]:
            assert len(items) == answer["total"]
            return items
        number += 1


def ask_on_page(app, plan, body: str, unit_code: str = "phong-vh-xh") -> Question:
    """The committee asks the unit a question on the page, about IV.4.1."""
    response = signed_in(app, "committee").post(
        f"/plans/{plan.id}/questions", data={"unit_id": str(unit(unit_code).id), "body": body, "task_code": "IV.4.1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.scalars(select(Question).order_by(Question.id.desc()).limit(1)).one()


def answer(app, plan, question: Question, headers: dict, body=None, key: str | None = None):
    if key:
        headers = {**headers, "Idempotency-Key": key}
    return app.test_client().post(
        f"{API}/plans/{plan.id}/questions/{question.id}/answer",
        json={"answer": "Đã tổ chức 2 phiên giao dịch việc làm."} if body is None else body,
        headers=headers,
    )


def answer_events(question_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "question.answer")
    if question_id is not None:
        query = query.where(AuditEvent.target_id == question_id)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def question_now(question_id: int) -> Question:
    db.session.expire_all()
    return db.session.get(Question, question_id)


# --- the accountability table -----------------------------------------------------------------


@pytest.fixture
def late_vhxh(app, user_of, period_of):
    """On 20/01/2027: Phòng VH-XH's VI.3.2 overdue 20 days, its six-month report sent late, its
    annual report missing; the chair reads in English."""
    helpers.send_unit_report(user_of("officer"), period_of("six_month", 2026), at("2026-06-08"))
    reads_english(user_of("chair"))
    app.config["FROZEN_NOW"] = LATE_DAY


def test_the_accountability_rows_agree_with_the_chairs_page(late_vhxh, app, plan, token_of):
    table = api_get(app, f"/plans/{plan.id}/accountability", token_of("chair"))
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/")
    assert table["today"] == "2027-01-20" and table["period"] is None
    assert [r["name"] for r in table["rounds"]] == ["6-month report 2026", "Annual report 2026"]
    # The same units, in the page's order.
    rows = {row["unit"]["code"]: row for row in table["units"]}
    assert list(rows) == card_order(html)

    vhxh = rows["phong-vh-xh"]
    assert (vhxh["tasks_led"], vhxh["overdue"], vhxh["overdue_since"]) == (9, 1, "2027-01-01")
    assert (vhxh["reports_expected"], vhxh["reports_sent"], vhxh["reports_on_time"]) == (2, 1, 0)
    assert (vhxh["reporting_rate"], vhxh["on_time_rate"], vhxh["directives_rate"]) == ("50.0", "0.0", None)
    assert vhxh["reports_late"] == 1 and vhxh["late_reports_since"] == "2026-11-11"
    assert vhxh["group"] == "inside"
    # What is late, the longest first: the annual report (71 days), then VI.3.2 (20 days).
    assert [(i["kind"], i["days"], i["since"]) for i in vhxh["late"]] == [
        ("report", 71, "2026-11-11"),
        ("task", 20, "2027-01-01"),
    ]
    assert vhxh["late"][1]["task_code"] == "VI.3.2"
    assert vhxh["longest"] == vhxh["late"][0]
    # Figure by figure, what the chair's page shows for the unit.
    for code in ("phong-vh-xh", "tram-y-te", "phong-kinh-te"):
        row = rows[code]
        assert longest(html, code) == (row["longest"]["text"] if row["longest"] else None), code
        sent = f"{row['reports_sent']}/{row['reports_expected']}"
        assert (
            figure(html, code, "Reports sent") == f"{sent} · on time {row['reports_on_time']}/{row['reports_expected']}"
        )
        since = f" (since {ddmmyyyy(row['overdue_since'])})" if row["overdue_since"] else ""
        assert figure(html, code, "Tasks overdue") == f"{row['overdue']}{since} / {row['tasks_led']}", code
        since = f" (since {ddmmyyyy(row['late_reports_since'])})" if row["late_reports_since"] else ""
        assert figure(html, code, "Reports late") == f"{row['reports_late']}{since}", code
        assert figure(html, code, "No recent update") == str(row["stale"]), code
        assert figure(html, code, "Directives on time") == f"{row['directives_on_time']}/{row['directives_due']}"
    assert figure(html, "phong-vh-xh", "Tasks overdue") == "1 (since 01/01/2027) / 9"


def test_the_accountability_table_follows_the_pages_period_and_order(late_vhxh, app, plan, token_of, period_of):
    six = period_of("six_month", 2026)
    table = api_get(app, f"/plans/{plan.id}/accountability?period={six.id}", token_of("chair"))
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/?period={six.id}")
    assert table["period"]["id"] == six.id and [r["id"] for r in table["rounds"]] == [six.id]
    vhxh = next(r for r in table["units"] if r["unit"]["code"] == "phong-vh-xh")
    # In the six-month round the unit owed one report and sent it late.
    assert (vhxh["reports_expected"], vhxh["reports_sent"], vhxh["reports_on_time"]) == (1, 1, 0)
    assert figure(html, "phong-vh-xh", "Reports sent") == "1/1 · on time 0/1"
    for sort in ("reporting_rate", "unit", "overdue"):
        table = api_get(app, f"/plans/{plan.id}/accountability?sort={sort}", token_of("chair"))
        shown = card_order(page(signed_in(app, "chair"), f"/plans/{plan.id}/accountability/?sort={sort}"))
        assert [row["unit"]["code"] for row in table["units"]] == shown, sort


def test_the_accountability_table_is_refused_as_the_page_is(late_vhxh, app, plan, token_of):
    client = app.test_client()
    # An officer does not read the chair's table, on the page or through the API.
    assert signed_in(app, "officer").get(f"/plans/{plan.id}/accountability/").status_code == 403
    response = client.get(f"{API}/plans/{plan.id}/accountability", headers=token_of("officer"))
    assert response.status_code == 403 and response.get_json()["code"] == "forbidden"
    # An unknown period is not found, as on the page.
    response = client.get(f"{API}/plans/{plan.id}/accountability?period=99999", headers=token_of("chair"))
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    response = client.get(f"{API}/plans/{plan.id}/accountability?sort=days", headers=token_of("chair"))
    assert response.status_code == 422 and "sort" in response.get_json()["errors"]


# --- answering a question ---------------------------------------------------------------------


def test_a_question_asked_on_the_page_is_answered_through_the_api(app, plan, token_of, user_of):
    question = ask_on_page(app, plan, "Bao nhiêu lao động đã có việc làm sau tư vấn?")
    assert "Bao nhiêu lao động" in page(signed_in(app, "committee"), f"/plans/{plan.id}/questions")
    listed = api_get(app, f"/plans/{plan.id}/questions?open=true", token_of("officer"))
    assert [(q["id"], q["open"], q["unit"]["code"], q["task"]["code"]) for q in listed["items"]] == [
        (question.id, True, "phong-vh-xh", "IV.4.1")
    ]

    app.config["FROZEN_NOW"] = "2026-03-03T14:30:00+07:00"
    response = answer(app, plan, question, token_of("officer"), {"answer": "18 trong số 25 lao động có việc làm."})
    assert response.status_code == 200, response.get_json()
    answered = response.get_json()
    assert answered["id"] == question.id and answered["open"] is False
    assert answered["answer"] == "18 trong số 25 lao động có việc làm."
    assert answered["answered_by"] == user_of("officer").full_name
    assert answered["answered_at"] == "2026-03-03T07:30:00+00:00"
    # The pages show it answered: gone from the open questions, with its answer in "all".
    committee = signed_in(app, "committee")
    assert "Bao nhiêu lao động" not in page(committee, f"/plans/{plan.id}/questions")
    assert "18 trong số 25 lao động có việc làm." in page(committee, f"/plans/{plan.id}/questions?show=all")
    assert api_get(app, f"/plans/{plan.id}/questions?open=true", token_of("officer"))["total"] == 0

    # The audit record is the one the page writes: a second question answered on the page.
    second = ask_on_page(app, plan, "Kế hoạch tháng 4 thế nào?")
    assert signed_in(app, "officer").post(
        f"/plans/{plan.id}/questions/{second.id}/answer", data={"answer": "Hai phiên giao dịch."}
    ).status_code in (302, 303)
    by_api, by_page = answer_events()
    assert by_api.target_id == question.id and by_page.target_id == second.id
    for event in (by_api, by_page):
        assert (event.action, event.username, event.target_type, event.unit_id) == (
            "question.answer",
            "canbo.vhxh",
            "question",
            unit("phong-vh-xh").id,
        )
    assert by_api.detail == by_page.detail


@pytest.mark.parametrize("role", ["officer_yte", "committee", "chair"])
def test_only_an_officer_of_the_unit_asked_answers(app, plan, token_of, role):
    question = ask_on_page(app, plan, "Câu hỏi cho Phòng VH-XH?")
    response = answer(app, plan, question, token_of(role), {"answer": "Trả lời thay"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden" and response.get_json()["message"]
    assert question_now(question.id).answered_at is None
    assert answer_events() == []


@pytest.mark.parametrize(
    "body",
    [{"answer": ""}, {"answer": "   \n "}, {}, {"answer": None}, {"answer": "x" * 10001}],
    ids=["empty", "spaces", "missing", "null", "too-long"],
)
def test_an_answer_the_page_refuses_is_refused_naming_the_field(app, plan, token_of, body):
    question = ask_on_page(app, plan, "Câu hỏi?")
    response = answer(app, plan, question, token_of("officer"), body)
    assert response.status_code == 422
    refused = response.get_json()
    assert refused["code"] == "invalid" and list(refused["errors"]) == ["answer"]
    assert question_now(question.id).answered_at is None
    assert answer_events() == []


def test_the_form_is_answered_in_the_persons_language(app, plan, token_of, user_of):
    reads_english(user_of("officer"))
    question = ask_on_page(app, plan, "Câu hỏi?")
    response = answer(app, plan, question, token_of("officer"), {"answer": " "})
    assert response.get_json()["errors"] == {"answer": ["Write the answer."]}
    # A value that is no text is refused too.
    response = answer(app, plan, question, token_of("officer"), {"answer": 5})
    assert response.status_code == 422 and "answer" in response.get_json()["errors"]
    response = answer(app, plan, question, token_of("officer"), {"answer": "Có.", "extra": "x"})
    assert response.status_code == 422 and "extra" in response.get_json()["errors"]


def test_a_question_is_answered_once(app, plan, token_of):
    question = ask_on_page(app, plan, "Kết quả tư vấn hướng nghiệp?")
    assert answer(app, plan, question, token_of("officer"), {"answer": "Lần đầu."}).status_code == 200
    response = answer(app, plan, question, token_of("officer"), {"answer": "Sửa lại."})
    assert response.status_code == 409 and response.get_json()["code"] == "conflict"
    assert question_now(question.id).answer == "Lần đầu."
    assert len(answer_events(question.id)) == 1


def test_a_retry_with_the_same_idempotency_key_answers_nothing_twice(app, plan, token_of):
    question = ask_on_page(app, plan, "Số thẻ BHYT đã cấp?")
    first = answer(app, plan, question, token_of("officer"), {"answer": "312 thẻ."}, key="answer-1")
    assert first.status_code == 200
    # The same key with other words is not a retry: refused, and the answer stays.
    other = answer(app, plan, question, token_of("officer"), {"answer": "313 thẻ."}, key="answer-1")
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["errors"]
    # The same call again (its answer was lost, say): what the first did.
    again = answer(app, plan, question, token_of("officer"), {"answer": "312 thẻ."}, key="answer-1")
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert question_now(question.id).answer == "312 thẻ."
    assert len(answer_events(question.id)) == 1
    # Without the key, or with a new one, it is a second answer: refused.
    assert answer(app, plan, question, token_of("officer"), {"answer": "313"}, key="answer-2").status_code == 409
    assert len(answer_events(question.id)) == 1


def test_a_question_of_another_plan_or_none_is_not_found(app, plan, token_of):
    response = app.test_client().post(
        f"{API}/plans/{plan.id}/questions/99999/answer", json={"answer": "Có."}, headers=token_of("officer")
    )
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


# --- listing questions ------------------------------------------------------------------------


def test_questions_are_listed_newest_first_and_filtered(app, plan, token_of, user_of):
    committee = Actor.for_user(user_of("committee"))
    vh, yte = unit("phong-vh-xh"), unit("tram-y-te")
    q1 = discussion.ask_question(committee, plan, vh, "Q1", at("2026-07-01"))
    q2 = discussion.ask_question(committee, plan, yte, "Q2", at("2026-07-02"))
    q3 = discussion.ask_question(committee, plan, vh, "Q3", at("2026-07-03"))
    discussion.answer_question(Actor.for_user(user_of("officer")), q1, "A1", at("2026-07-04"))
    db.session.commit()
    headers = token_of("secretariat")

    def ids(query: str = "") -> list[int]:
        return [q["id"] for q in every_item(app, f"/plans/{plan.id}/questions{query}", headers, per_page=2)]

    assert ids() == [q3.id, q2.id, q1.id]
    assert ids("?open=true") == [q3.id, q2.id]
    assert ids("?open=false") == [q1.id]
    assert ids("?unit=phong-vh-xh") == [q3.id, q1.id]
    assert ids("?unit=tram-y-te&open=true") == [q2.id]
    response = app.test_client().get(f"{API}/plans/{plan.id}/questions?unit=nowhere", headers=headers)
    assert response.status_code == 404


# --- alerts and notifications -----------------------------------------------------------------


@pytest.fixture
def scanned(app, plan):
    """The alert scans of 29/05, 02/06 and 13/06/2026: reminders, missing reports, stale tasks."""
    for day in ("2026-05-29", "2026-06-02", "2026-06-13"):
        alerts.scan(plan, date.fromisoformat(day), at(day, 7))
        db.session.commit()
    app.config["FROZEN_NOW"] = at("2026-06-13", 9).isoformat()


def test_notifications_are_only_the_token_persons_own(scanned, app, token_of, user_of):
    for role in ("officer", "officer_yte", "secretariat"):
        person = user_of(role)
        own = db.session.scalars(select(Notification.id).where(Notification.user_id == person.id)).all()
        assert len(own) > 3, role
        listed = every_item(app, "/notifications", token_of(role))
        assert sorted(n["id"] for n in listed) == sorted(own), role
        assert len({n["id"] for n in listed}) == len(listed)  # no page repeats another's items
    # Nobody was told anything the officer was told.
    officer = user_of("officer")
    others = select(func.count(Notification.id)).where(Notification.user_id != officer.id)
    listed = every_item(app, "/notifications", token_of("officer"))
    assert db.session.scalar(others.where(Notification.id.in_([n["id"] for n in listed]))) == 0


def test_notifications_filtered_by_unread(scanned, app, token_of, user_of):
    officer = user_of("officer")
    mine = db.session.scalars(
        select(Notification).where(Notification.user_id == officer.id).order_by(Notification.id)
    ).all()
    for notification in mine[:2]:
        notification.read_at = at("2026-06-13", 8)
    db.session.commit()
    read = {n.id for n in mine[:2]}
    headers = token_of("officer")
    every = every_item(app, "/notifications", headers)
    # The unread first, as on the bell's page.
    assert [n["unread"] for n in every] == [True] * (len(mine) - 2) + [False, False]
    assert {n["id"] for n in every_item(app, "/notifications?unread=true", headers)} == {n.id for n in mine} - read
    only_read = every_item(app, "/notifications?unread=false", headers, per_page=1)
    assert {n["id"] for n in only_read} == read and all(n["read_at"] for n in only_read)
    assert api_get(app, "/notifications?page=99", headers) == {
        "items": [],
        "page": 99,
        "per_page": 50,
        "total": len(mine),
        "pages": 1,
    }


def test_the_plans_open_alerts_are_listed_oldest_first(scanned, app, plan, token_of):
    headers = token_of("committee")
    open_ = db.session.scalars(
        select(Alert)
        .where(Alert.plan_id == plan.id, Alert.resolved_at.is_(None))
        .order_by(Alert.effective_on, Alert.id)
    ).all()
    listed = every_item(app, f"/plans/{plan.id}/alerts", headers, per_page=25)
    assert [a["id"] for a in listed] == [a.id for a in open_]
    yte = unit("tram-y-te")
    about_yte = every_item(app, f"/plans/{plan.id}/alerts?unit=tram-y-te", headers)
    assert [a["id"] for a in about_yte] == [a.id for a in open_ if a.unit_id == yte.id]
    assert about_yte and all(a["unit"]["code"] == "tram-y-te" for a in about_yte)
    missing = every_item(app, f"/plans/{plan.id}/alerts?kind={REPORT_MISSING}", headers)
    assert [a["id"] for a in missing] == [a.id for a in open_ if a.kind == REPORT_MISSING]
    assert all(a["text"] and a["page_url"].startswith("/plans/") for a in missing)
