"""The committee comments and asks, the chair directs, the units answer; every step is logged.

Phòng Văn hóa – Xã hội (officer "canbo.vhxh") leads IV.4.1; Trạm Y tế ("canbo.yte") is another unit.
The clock is frozen on 01/03/2026 09:00 in the ward unless a test moves it.

The directive form chooses no unit for the chair (a directive sent to the first unit of a list by
mistake is worse than a form that asks); `?unit=<id>` (the league table's link) chooses one. UBND
"giao" (assigns) to its own offices and "đề nghị" (requests) of the bodies outside its apparatus:
those come after its offices, marked "(request)", and a directive to one reads "Request:". The due
date is typed and shown the ward's way, dd/mm/yyyy.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial

import pytest
from sqlalchemy import func, select

from tests import helpers
from tests.helpers import at, form_values
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.discussion import services
from tracker.discussion.models import Comment, Directive, Question
from tracker.extensions import db
from tracker.progress.services import UpdateInput, post_update
from tracker.units.models import Unit

signed_in = partial(helpers.signed_in, language="en")
page = helpers.page
plain = partial(helpers.plain, tidy_punctuation=True)


MARCH_1 = "2026-03-01T09:00:00+07:00"
VHXH = "Phòng Văn hóa – Xã hội"


# --- helpers ----------------------------------------------------------------------------------


def freeze(app, moment: str) -> None:
    app.config["FROZEN_NOW"] = moment


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def discussion_of(html: str) -> str:
    """The text of a task page's "Comments, questions and directives" section."""
    return plain(html.split('id="discussion"', 1)[1].split("</section>", 1)[0])


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, heading_id
    return match.group(1)


def alerts(html: str) -> list[str]:
    return [plain(m) for m in re.findall(r'<div class="alert alert-[a-z]+" role="alert">(.*?)</div>', html, re.S)]


def field_error(html: str, field_id: str) -> str | None:
    match = re.search(rf'<div id="{re.escape(field_id)}-error" class="invalid-feedback[^"]*">(.*?)</div>', html, re.S)
    return plain(match.group(1)) if match else None


def options(html: str, select_id: str) -> list[tuple[str, str, bool]]:
    """The options of a <select>: (value, text, selected)."""
    match = re.search(rf'<select[^>]*id="{re.escape(select_id)}"[^>]*>(.*?)</select>', html, re.S)
    assert match, select_id
    return [
        (re.search(r'value="([^"]*)"', attrs).group(1), plain(text), bool(re.search(r"\bselected\b", attrs)))
        for attrs, text in re.findall(r"<option([^>]*)>(.*?)</option>", match.group(1), re.S)
    ]


def chosen(html: str, select_id: str) -> list[str]:
    """What a browser sends for the <select>: the selected option, or the first when none is."""
    found = options(html, select_id)
    selected = [value for value, _text, is_selected in found if is_selected]
    return selected or [found[0][0]]


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def newest(model):
    db.session.expire_all()
    return db.session.scalars(select(model).order_by(model.id.desc()).limit(1)).first()


@pytest.fixture
def march(app, plan, user_of, task_of):
    """IV.4.1 has one progress update by its lead; the clock reads 01/03/2026."""
    update, _files = post_update(
        Actor.for_user(user_of("officer")),
        task_of("IV.4.1"),
        unit("phong-vh-xh").id,
        "lead",
        UpdateInput(40, "working", "Đã tư vấn việc làm cho 25 lao động"),
        files=[],
        now=at("2026-02-10"),
    )
    db.session.commit()
    freeze(app, MARCH_1)
    return update


# --- 1. comments ------------------------------------------------------------------------------


def test_committee_comments_on_a_task_and_on_an_update(march, app, plan):
    client = signed_in(app, "committee")
    task_url = f"/plans/{plan.id}/tasks/IV.4.1"
    response = client.post(f"{task_url}/comments", data={"body": "Đề nghị nêu rõ số lao động có việc làm sau tư vấn."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{task_url}#discussion")
    response = client.post(
        f"{task_url}/comments", data={"body": "Số 25 lao động là của tháng 1 hay cả quý?", "update_id": str(march.id)}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{task_url}#update-{march.id}")

    html = page(client, task_url)
    text = discussion_of(html)
    assert "Comment posted." in " ".join(alerts(html))
    assert "Bancd · 09:00 01/03/2026 Đề nghị nêu rõ số lao động có việc làm sau tư vấn." in text
    assert "Bancd · 09:00 01/03/2026 · on an update Số 25 lao động là của tháng 1 hay cả quý?" in text
    # The remark on the update points at that update in the timeline.
    assert f'<a href="#update-{march.id}">on an update</a>' in html and f'id="update-{march.id}"' in html
    stored = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [(c.update_id, c.author.username) for c in stored] == [(None, "bancd"), (march.id, "bancd")]
    # The officer of the unit reads the same comments on the task page.
    assert "Số 25 lao động là của tháng 1 hay cả quý?" in discussion_of(page(signed_in(app, "officer"), task_url))


def test_each_update_offers_the_committee_a_comment_form_of_its_own(march, app, plan):
    task_url = f"/plans/{plan.id}/tasks/IV.4.1"
    html = page(signed_in(app, "committee"), task_url)
    update_block = html.split(f'id="update-{march.id}"', 1)[1].split("</li>", 1)[0]
    assert f'name="update_id" value="{march.id}"' in update_block
    assert f'<label class="form-label fw-semibold" for="comment-body-{march.id}">' in update_block
    assert f'id="comment-body-{march.id}"' in update_block
    # Officers post progress, not comments: no such form for them.
    officer_html = page(signed_in(app, "officer"), task_url)
    assert 'name="update_id"' not in officer_html


def test_an_empty_comment_is_refused_and_nothing_is_stored(march, app, plan):
    client = signed_in(app, "committee")
    response = client.post(f"/plans/{plan.id}/tasks/IV.4.1/comments", data={"body": ""}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Write the comment." in alerts(html)
    assert "Nothing yet." in discussion_of(html)
    assert count(Comment) == 0


def test_a_comment_of_only_spaces_is_refused_with_a_message(march, app, plan):
    client = signed_in(app, "committee")
    response = client.post(f"/plans/{plan.id}/tasks/IV.4.1/comments", data={"body": "   "}, follow_redirects=True)
    assert response.status_code == 200
    assert "Write the comment." in alerts(response.get_data(as_text=True))
    assert count(Comment) == 0


def test_a_comment_cannot_point_at_an_update_of_another_task(march, app, plan):
    client = signed_in(app, "committee")
    response = client.post(
        f"/plans/{plan.id}/tasks/IV.4.2/comments", data={"body": "Nhầm nhiệm vụ", "update_id": str(march.id)}
    )
    assert response.status_code == 400
    assert count(Comment) == 0


@pytest.mark.parametrize("role", ["officer", "officer_yte"])
def test_officers_cannot_comment_or_ask(march, app, plan, role):
    client = signed_in(app, role)
    assert client.post(f"/plans/{plan.id}/tasks/IV.4.1/comments", data={"body": "Tự nhận xét"}).status_code == 403
    assert (
        client.post(
            f"/plans/{plan.id}/questions",
            data={"unit_id": str(unit("phong-vh-xh").id), "body": "Tự hỏi", "task_code": "IV.4.1"},
        ).status_code
        == 403
    )
    assert count(Comment) == 0 and count(Question) == 0
    # And the task page offers them no comment form.
    assert f'action="/plans/{plan.id}/tasks/IV.4.1/comments"' not in page(client, f"/plans/{plan.id}/tasks/IV.4.1")


# --- 2. questions -----------------------------------------------------------------------------


def ask(client, plan, body: str, unit_code: str = "phong-vh-xh", task_code: str = "IV.4.1"):
    return client.post(
        f"/plans/{plan.id}/questions", data={"unit_id": str(unit(unit_code).id), "body": body, "task_code": task_code}
    )


def test_a_question_goes_to_the_unit_and_its_answer_closes_it(march, app, plan):
    committee = signed_in(app, "committee")
    response = ask(committee, plan, "Bao nhiêu lao động đã có việc làm sau tư vấn?")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/tasks/IV.4.1#discussion")
    question = newest(Question)
    assert (question.unit.code, question.task.code, question.answered_at) == ("phong-vh-xh", "IV.4.1", None)

    # The officer's home page lists it as waiting for the unit's answer, with the answer form.
    officer = signed_in(app, "officer")
    home = page(officer, f"/plans/{plan.id}/my-unit")
    waiting = plain(section(home, "waiting-answers-heading"))
    assert "Waiting for your unit's answer 1" in waiting
    assert "Bao nhiêu lao động đã có việc làm sau tư vấn?" in waiting
    assert f'action="/plans/{plan.id}/questions/{question.id}/answer"' in home
    # The committee's dashboard lists it among the open questions.
    dashboard = section(page(committee, f"/plans/{plan.id}/dashboard/"), "questions-heading")
    assert '<span class="badge text-bg-secondary">1</span>' in dashboard
    assert f"{VHXH} · IV.4.1: Bao nhiêu lao động đã có việc làm sau tư vấn?" in plain(dashboard)

    freeze(app, "2026-03-03T14:30:00+07:00")
    response = officer.post(
        f"/plans/{plan.id}/questions/{question.id}/answer",
        data={"answer": "18 trong số 25 lao động đã có việc làm ổn định.", "next": f"/plans/{plan.id}/my-unit"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/my-unit")
    home = page(officer, f"/plans/{plan.id}/my-unit")
    assert "Answer sent." in alerts(home)
    assert "waiting-answers-heading" not in home  # nothing waits any more
    dashboard = section(page(committee, f"/plans/{plan.id}/dashboard/"), "questions-heading")
    assert '<span class="badge text-bg-secondary">0</span>' in dashboard and "Bao nhiêu lao động" not in dashboard
    # The answer shows under the question on the task page.
    text = discussion_of(page(committee, f"/plans/{plan.id}/tasks/IV.4.1"))
    assert (
        "Bao nhiêu lao động đã có việc làm sau tư vấn? "
        "Answer (Canbo.Vhxh, 14:30 03/03/2026): 18 trong số 25 lao động đã có việc làm ổn định."
    ) in text
    # The open list of questions is empty; "all" still shows it, answered.
    assert "Bao nhiêu lao động" not in page(committee, f"/plans/{plan.id}/questions")
    assert "18 trong số 25 lao động" in page(committee, f"/plans/{plan.id}/questions?show=all")


def test_a_question_is_answered_once_and_only_by_its_unit(march, app, plan):
    ask(signed_in(app, "committee"), plan, "Kế hoạch tháng 4 thế nào?")
    question = newest(Question)
    answer_url = f"/plans/{plan.id}/questions/{question.id}/answer"
    # Another unit's officer may not answer for Phòng VH-XH.
    assert signed_in(app, "officer_yte").post(answer_url, data={"answer": "Trạm Y tế trả lời thay"}).status_code == 403
    assert newest(Question).answered_at is None
    # Nor may the committee answer its own question.
    assert signed_in(app, "committee").post(answer_url, data={"answer": "Tự trả lời"}).status_code == 403

    officer = signed_in(app, "officer")
    assert officer.post(answer_url, data={"answer": "Tổ chức 2 phiên giao dịch việc làm."}).status_code == 302
    response = officer.post(answer_url, data={"answer": "Sửa lại: 3 phiên."}, follow_redirects=True)
    assert "This question has already been answered." in alerts(response.get_data(as_text=True))
    assert newest(Question).answer == "Tổ chức 2 phiên giao dịch việc làm."
    # An empty answer is refused too.
    ask(signed_in(app, "committee"), plan, "Câu hỏi thứ hai?")
    second = newest(Question)
    response = officer.post(
        f"/plans/{plan.id}/questions/{second.id}/answer", data={"answer": ""}, follow_redirects=True
    )
    assert "Write the answer." in alerts(response.get_data(as_text=True))
    assert newest(Question).answered_at is None


def test_an_empty_question_is_refused(march, app, plan):
    response = ask(signed_in(app, "committee"), plan, "")
    assert response.status_code == 302
    html = page(signed_in(app, "committee"), f"/plans/{plan.id}/tasks/IV.4.1")
    assert count(Question) == 0
    assert "Nothing yet." in discussion_of(html)


def test_a_question_of_only_spaces_is_refused_with_a_message(march, app, plan):
    client = signed_in(app, "committee")
    response = client.post(
        f"/plans/{plan.id}/questions",
        follow_redirects=True,
        data={"unit_id": str(unit("phong-vh-xh").id), "body": "   ", "task_code": "IV.4.1"},
    )
    assert response.status_code == 200
    assert "Choose the unit and write the question." in alerts(response.get_data(as_text=True))
    assert count(Question) == 0


# --- 3. directives ----------------------------------------------------------------------------


def issue(client, plan, body: str, due_on: str, unit_code: str = "phong-vh-xh", task_code: str = ""):
    return client.post(
        f"/plans/{plan.id}/directives",
        data={"unit_id": str(unit(unit_code).id), "body": body, "due_on": due_on, "task_code": task_code},
    )


def test_only_the_chair_issues_directives(march, app, plan):
    for role in ("committee", "secretariat", "officer"):
        assert issue(signed_in(app, role), plan, "Chỉ đạo", "2026-03-20").status_code == 403, role
    assert count(Directive) == 0
    # Nobody but the chair sees the form.
    assert "Issue a directive" not in page(signed_in(app, "committee"), f"/plans/{plan.id}/directives")
    chair = signed_in(app, "chair")
    assert "Issue a directive" in page(chair, f"/plans/{plan.id}/directives")
    response = issue(chair, plan, "Báo cáo kết quả giới thiệu việc làm quý I", "2026-03-20", task_code="IV.4.1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/tasks/IV.4.1#discussion")
    directive = newest(Directive)
    assert (directive.unit.code, directive.task.code, directive.due_on, directive.done_at) == (
        "phong-vh-xh",
        "IV.4.1",
        date(2026, 3, 20),
        None,
    )
    text = discussion_of(page(chair, f"/plans/{plan.id}/tasks/IV.4.1"))
    assert f"Truongban → {VHXH} · IV.4.1 · due 20/03/2026 Directive: Báo cáo kết quả giới thiệu việc làm quý I" in text


def test_a_past_due_date_is_refused_next_to_the_field(march, app, plan):
    response = issue(signed_in(app, "chair"), plan, "Hoàn thành rà soát trước Tết", "28/02/2026")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "due_on") == "The due date cannot be in the past."
    # What the chair typed is kept, and the unit chosen stays chosen.
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*Hoàn thành rà soát trước Tết</textarea>', html)
    assert re.search(r'<input[^>]*name="due_on"[^>]*value="28/02/2026"', html)
    assert chosen(html, "unit_id") == [str(unit("phong-vh-xh").id)]
    assert count(Directive) == 0
    # Today is allowed.
    assert issue(signed_in(app, "chair"), plan, "Trong ngày", "01/03/2026").status_code == 302
    assert newest(Directive).due_on == date(2026, 3, 1)


def test_a_directive_of_only_spaces_is_refused_next_to_its_text(march, app, plan):
    response = issue(signed_in(app, "chair"), plan, "   ", "2026-03-20")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "body") == "Write the directive."
    assert field_error(html, "due_on") is None
    assert count(Directive) == 0


# UBND's own offices in the plan's order, then the bodies outside its apparatus (the plan file marks
# them `outside: true`); unit groups are not offered: their members are.
OFFICES = [
    "UBND phường",
    "Phòng Xây dựng, Nông nghiệp và Môi trường",
    "Phòng Kinh tế",
    VHXH,
    "Văn phòng HĐND-UBND phường",
    "Trung tâm Dịch vụ tổng hợp phường",
    "Trạm Y tế phường",
]
OUTSIDE = [
    "Đảng ủy phường",
    "Ủy ban MTTQ Việt Nam phường",
    "Phòng Giao dịch Ngân hàng Chính sách xã hội Bắc Kạn",
    "Bảo hiểm xã hội cơ sở Bắc Kạn",
    "Công an phường",
    "Ban Chỉ huy Quân sự phường",
]


def test_the_directive_form_chooses_no_unit_for_the_chair(march, app, plan):
    chair = signed_in(app, "chair")
    html = page(chair, f"/plans/{plan.id}/directives")
    found = options(html, "unit_id")
    # The first option asks for a choice, and it is what the form starts on.
    assert found[0][:2] == ("", "— Choose the unit —")
    assert not any(selected for _value, _text, selected in found[1:])
    assert chosen(html, "unit_id") == [""]
    assert [text for _value, text, _selected in found[1:]] == OFFICES + [f"{name} (request)" for name in OUTSIDE]
    # The chair writes the directive and its due date but forgets the unit: refused next to the
    # field, nothing stored, what was typed kept.
    values = form_values(html)
    values.update({"body": ["Rà soát hộ nghèo quý I"], "due_on": ["20/03/2026"]})
    response = chair.post(f"/plans/{plan.id}/directives", data=values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "unit_id") == "Choose the unit the directive is for."
    assert field_error(html, "due_on") is None and field_error(html, "body") is None
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*Rà soát hộ nghèo quý I</textarea>', html)
    assert re.search(r'<input[^>]*name="due_on"[^>]*value="20/03/2026"', html)
    assert chosen(html, "unit_id") == [""]
    assert count(Directive) == 0
    # In Vietnamese too.
    vi = helpers.signed_in(app, "chair")
    vi_html = page(vi, f"/plans/{plan.id}/directives")
    assert options(vi_html, "unit_id")[0][:2] == ("", "— Chọn đơn vị —")
    assert options(vi_html, "unit_id")[-1][1] == "Ban Chỉ huy Quân sự phường (đề nghị)"
    response = vi.post(f"/plans/{plan.id}/directives", data=values)
    assert field_error(response.get_data(as_text=True), "unit_id") == "Chọn đơn vị nhận ý kiến chỉ đạo."


def test_the_league_tables_link_comes_with_the_unit_chosen(march, app, plan):
    chair = signed_in(app, "chair")
    mttq = unit("ub-mttq")
    html = page(chair, f"/plans/{plan.id}/directives?unit={mttq.id}")
    assert chosen(html, "unit_id") == [str(mttq.id)]
    assert [value for value, _text, selected in options(html, "unit_id") if selected] == [str(mttq.id)]
    # What the browser sends from that form goes to that unit.
    values = form_values(html)
    values.update({"body": ["Đề nghị vận động quỹ Vì người nghèo"], "due_on": ["31/03/2026"]})
    assert chair.post(f"/plans/{plan.id}/directives", data=values).status_code == 302
    directive = newest(Directive)
    assert (directive.unit.code, directive.due_on) == ("ub-mttq", date(2026, 3, 31))
    # Without ?unit= nothing is chosen again.
    assert chosen(page(chair, f"/plans/{plan.id}/directives"), "unit_id") == [""]


def test_the_directive_form_on_a_task_page_chooses_no_unit_either(march, app, plan):
    """IV.4.1's page offers the chair a directive form for the task's units (Phòng VH-XH leads,
    Ủy ban MTTQ among the partners): it too must start on "choose the unit", and an outside body is
    marked "(request)" there as on the directives page."""
    html = page(signed_in(app, "chair"), f"/plans/{plan.id}/tasks/IV.4.1")
    found = options(html, "directive-unit")
    assert chosen(html, "directive-unit") == [""], found
    assert "Ủy ban MTTQ Việt Nam phường (request)" in [text for _value, text, _selected in found], found


@pytest.mark.parametrize(
    "typed", ["20/03/2026", "20/3/2026", "20-03-2026", "20.03.2026", " 20 / 03 / 2026 ", "2026-03-20"]
)
def test_the_due_date_is_typed_the_wards_way(march, app, plan, typed):
    chair = signed_in(app, "chair")
    assert issue(chair, plan, "Báo cáo kết quả quý I", typed).status_code == 302
    assert newest(Directive).due_on == date(2026, 3, 20)
    # ...and shown the same way.
    assert "due 20/03/2026" in plain(page(chair, f"/plans/{plan.id}/directives"))


@pytest.mark.parametrize(
    "typed, message",
    [
        ("20/03/26", "Write the year with four digits, e.g. 05/06/2026."),
        ("5/6/26", "Write the year with four digits, e.g. 05/06/2026."),
        ("31/02/2026", "31/02/2026 is not a date in the calendar."),
        ("13/13/2026", "13/13/2026 is not a date in the calendar."),
        ("30/04", "Write the date as day/month/year, e.g. 05/06/2026."),
        ("ngày mai", "Write the date as day/month/year, e.g. 05/06/2026."),
        ("", "Enter the due date."),
    ],
)
def test_a_due_date_that_is_not_a_date_is_refused_with_what_was_typed_kept(march, app, plan, typed, message):
    response = issue(signed_in(app, "chair"), plan, "Báo cáo kết quả quý I", typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "due_on") == message
    due_field = re.search(r'<input[^>]*name="due_on"[^>]*>', html).group(0)
    assert re.search(r'value="([^"]*)"', due_field).group(1) == typed
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*Báo cáo kết quả quý I</textarea>', html)
    assert chosen(html, "unit_id") == [str(unit("phong-vh-xh").id)]
    assert count(Directive) == 0


def test_a_two_digit_year_is_refused_in_vietnamese_too(march, app, plan):
    response = issue(helpers.signed_in(app, "chair"), plan, "Báo cáo kết quả quý I", "20/03/26")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "due_on") == "Ghi năm đủ 4 chữ số, ví dụ 05/06/2026."
    assert re.search(r'<input[^>]*name="due_on"[^>]*value="20/03/26"', html)


def test_a_directive_to_a_body_outside_ubnd_reads_request(march, app, plan, user_of):
    chair = signed_in(app, "chair")
    issue(chair, plan, "Vận động quỹ Vì người nghèo", "31/03/2026", unit_code="ub-mttq", task_code="IV.4.1")
    issue(chair, plan, "Báo cáo số lao động được tư vấn", "31/03/2026", task_code="IV.4.1")
    listed = plain(page(chair, f"/plans/{plan.id}/directives"))
    assert "Ủy ban MTTQ Việt Nam phường · IV.4.1 · due 31/03/2026 Request: Vận động quỹ Vì người nghèo" in listed
    assert f"{VHXH} · IV.4.1 · due 31/03/2026 Directive: Báo cáo số lao động được tư vấn" in listed
    assert "Request: Báo cáo số lao động" not in listed and "Directive: Vận động" not in listed
    # The same on the task page.
    text = discussion_of(page(chair, f"/plans/{plan.id}/tasks/IV.4.1"))
    assert "Request: Vận động quỹ Vì người nghèo" in text and "Directive: Báo cáo số lao động được tư vấn" in text
    # In Vietnamese: "Đề nghị" of the outside body, "Ý kiến chỉ đạo" to UBND's own office.
    vi = plain(page(helpers.signed_in(app, "chair"), f"/plans/{plan.id}/directives"))
    assert "Đề nghị: Vận động quỹ Vì người nghèo" in vi
    assert "Ý kiến chỉ đạo: Báo cáo số lao động được tư vấn" in vi
    # The unit's officer reads it on the unit's page the same way.
    home = plain(page(signed_in(app, "officer"), f"/plans/{plan.id}/my-unit"))
    assert "Directive: Báo cáo số lao động được tư vấn" in home


def test_the_unit_replies_and_marks_the_directive_done(march, app, plan):
    issue(signed_in(app, "chair"), plan, "Gửi danh sách lao động cần hỗ trợ", "2026-03-10")
    directive = newest(Directive)
    reply_url = f"/plans/{plan.id}/directives/{directive.id}/reply"
    assert (
        signed_in(app, "officer_yte").post(reply_url, data={"reply": "Không phải đơn vị tôi", "done": "y"}).status_code
        == 403
    )

    officer = signed_in(app, "officer")
    home = page(officer, f"/plans/{plan.id}/my-unit")
    assert "Gửi danh sách lao động cần hỗ trợ" in plain(section(home, "waiting-answers-heading"))
    # A reply without "done" keeps the directive open.
    freeze(app, "2026-03-05T10:00:00+07:00")
    officer.post(reply_url, data={"reply": "Đang tổng hợp từ các tổ dân phố."})
    assert newest(Directive).done_at is None and newest(Directive).reply == "Đang tổng hợp từ các tổ dân phố."
    freeze(app, "2026-03-08T16:00:00+07:00")
    response = officer.post(reply_url, data={"reply": "Đã gửi danh sách 25 lao động.", "done": "y"})
    assert response.status_code == 302
    directive = newest(Directive)
    assert directive.done_at == at("2026-03-08", "16:00")
    assert services.directive_on_time(directive) is True  # done 08/03, due 10/03
    # Done means off the unit's list, and no second reply.
    assert "Gửi danh sách lao động" not in page(officer, f"/plans/{plan.id}/my-unit")
    response = officer.post(reply_url, data={"reply": "Bổ sung", "done": "y"}, follow_redirects=True)
    assert "This directive is already marked done." in alerts(response.get_data(as_text=True))
    cards = plain(page(signed_in(app, "chair"), f"/plans/{plan.id}/directives?show=all"))
    assert "Reply (16:00 08/03/2026): Đã gửi danh sách 25 lao động." in cards


def test_late_and_open_directives_count_against_the_unit(march, app, plan):
    chair = signed_in(app, "chair")
    issue(chair, plan, "Chỉ đạo A: rà soát hộ nghèo nhóm 1", "2026-03-10")
    late = newest(Directive)
    issue(chair, plan, "Chỉ đạo B: đề xuất mô hình sinh kế", "2026-03-05")
    still_open = newest(Directive)
    # Phòng VH-XH marks A done on 15/03, five days after its due date.
    freeze(app, "2026-03-15T09:00:00+07:00")
    signed_in(app, "officer").post(
        f"/plans/{plan.id}/directives/{late.id}/reply", data={"reply": "Đã rà soát xong.", "done": "y"}
    )
    db.session.expire_all()
    assert services.directive_on_time(db.session.get(Directive, late.id)) is False
    assert db.session.get(Directive, still_open.id).is_overdue(date(2026, 3, 20)) is True

    freeze(app, "2026-03-20T09:00:00+07:00")
    committee = signed_in(app, "committee")
    dashboard = page(committee, f"/plans/{plan.id}/dashboard/")
    # Only B is overdue: A is done (late, but done).
    overdue = dashboard.split("Overdue directives", 1)[1].split("</ul>", 1)[0]
    assert '<span class="badge text-bg-danger">1</span>' in overdue
    assert f"{VHXH}: Chỉ đạo B: đề xuất mô hình sinh kế · due 05/03/2026" in plain(overdue)
    assert "Chỉ đạo A" not in overdue
    # In the league table (plan to date: directives due by 20/03), Phòng VH-XH answered 0 of 2 on
    # time, and what it has late is B, since 06/03 (15 days).
    league = page(committee, f"/plans/{plan.id}/accountability/")
    card = re.search(r'<div class="card[^"]*" data-unit="phong-vh-xh">(.*?)</dl>', league, re.S).group(1)
    directives = re.search(r"<dt>Directives on time</dt>\s*<dd>(.*?)</dd>", card, re.S).group(1)
    assert plain(directives) == "0/2"
    assert (
        "Longest late: directive \u201cChỉ đạo B: đề xuất mô hình sinh kế\u201d overdue 15 days, since 06/03/2026"
        in plain(card)
    )
    # Sorted by directives, it comes first (0%); units with no directive due come after it.
    rows = re.findall(
        r'<div class="card[^"]*" data-unit="([^"]+)">',
        page(committee, f"/plans/{plan.id}/accountability/?sort=directives"),
    )
    assert rows[0] == "phong-vh-xh"
    # The chair's list marks B overdue.
    b_card = next(
        c
        for c in re.findall(
            r'<div class="card mb-2[^"]*">(.*?)</div></div>', page(chair, f"/plans/{plan.id}/directives"), re.S
        )
        if "Chỉ đạo B" in c
    )
    assert "overdue" in plain(b_card)


# --- 4. the audit log -------------------------------------------------------------------------


def test_every_discussion_write_is_in_the_audit_log(march, app, plan, user_of):
    committee, chair, officer = signed_in(app, "committee"), signed_in(app, "chair"), signed_in(app, "officer")
    committee.post(f"/plans/{plan.id}/tasks/IV.4.1/comments", data={"body": "Nhận xét"})
    comment = newest(Comment)
    ask(committee, plan, "Câu hỏi?")
    question = newest(Question)
    officer.post(f"/plans/{plan.id}/questions/{question.id}/answer", data={"answer": "Trả lời."})
    issue(chair, plan, "Chỉ đạo", "2026-03-31", task_code="IV.4.1")
    directive = newest(Directive)
    officer.post(f"/plans/{plan.id}/directives/{directive.id}/reply", data={"reply": "Xong.", "done": "y"})

    db.session.expire_all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action.in_(
                [
                    "comment.add",
                    "question.ask",
                    "question.answer",
                    "directive.issue",
                    "directive.reply",
                    "directive.done",
                ]
            )
        )
        .order_by(AuditEvent.id)
    ).all()
    vh = unit("phong-vh-xh")
    assert [(e.action, e.username, e.target_type, e.target_id) for e in events] == [
        ("comment.add", "bancd", "comment", comment.id),
        ("question.ask", "bancd", "question", question.id),
        ("question.answer", "canbo.vhxh", "question", question.id),
        ("directive.issue", "truongban", "directive", directive.id),
        ("directive.done", "canbo.vhxh", "directive", directive.id),
    ]
    assert events[0].detail == {"task": "IV.4.1"}
    assert events[1].detail == {"unit": "phong-vh-xh", "task": "IV.4.1"}
    assert events[3].detail == {"unit": "phong-vh-xh", "task": "IV.4.1", "due_on": "2026-03-31"}
    assert events[2].unit_id == vh.id and events[4].unit_id == vh.id
    assert all(e.occurred_at == at("2026-03-01") for e in events)
    # The administrator reads them in the audit log.
    log = plain(page(signed_in(app, "admin"), "/admin/audit/"))
    for words in (
        "commented",
        "asked a question",
        "answered a question",
        "issued a directive",
        "marked a directive done",
    ):
        assert words in log, words
