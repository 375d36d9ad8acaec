"""Nothing typed is lost, nothing is posted twice, no input breaks a page (issue 14).

Each case below happened to a ward official: a two-digit year in the reporting calendar, a form
feed pasted from a PDF, a GET on a form's address, a session that ended while a long update was
being typed, a long paste cut by the browser, "50,5" read as 505, a double click that posted
twice, text typed in decomposed Unicode.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import helpers
from tests.conftest import PASSWORD, PLAN_FILE, TEST_USERS
from tests.helpers import database_snapshot, form_values, plain
from tracker.accountability.models import Chase
from tracker.alerts import services as alerts
from tracker.core.time import WARD_TZ, ward_today
from tracker.discussion.models import Comment, Directive, Question
from tracker.extensions import db
from tracker.planfile import loading
from tracker.planfile.reader import read_plan_text
from tracker.progress.models import ProgressUpdate
from tracker.reports.models import UnitReport
from tracker.ward_reports.models import WardReport

LONG_TEXT = ("Đã tổ chức rà soát hộ nghèo, hộ cận nghèo tại 14 tổ dân phố; tư vấn việc làm cho 18 lao động. " * 20)[
    :1950
]


def freeze(app, moment: str) -> None:
    app.config["FROZEN_NOW"] = moment


def vi(app, role: str):
    return helpers.signed_in(app, role)


def en(app, role: str):
    return helpers.signed_in(app, role, "en")


# --- dates in the reporting calendar ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, says",
    [
        ("1/1/1", "four digits"),
        ("11/10/26", "four digits"),
        ("31/02/2026", "not a date in the calendar"),
        ("05/06/2010", "plan's years"),
    ],
)
def test_a_deadline_with_a_short_or_impossible_year_is_refused_and_kept(app, plan, period_of, typed, says):
    period = period_of("six_month", 2026)
    client = en(app, "secretariat")
    before = database_snapshot()
    response = client.post(
        f"/plans/{plan.id}/periods/{period.id}", data={"unit_deadline": typed, "ward_deadline": "10/06/2026"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert says in plain(html)
    assert form_values(html)["unit_deadline"] == [typed]  # what was typed is given back
    assert database_snapshot() == before


def test_a_deadline_typed_the_wards_way_is_saved_and_shown_the_same_way(app, plan, period_of):
    period = period_of("six_month", 2026)
    client = en(app, "secretariat")
    assert (
        client.post(
            f"/plans/{plan.id}/periods/{period.id}", data={"unit_deadline": "4/6/2026", "ward_deadline": "10-06-2026"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert (period.unit_deadline, period.ward_deadline) == (date(2026, 6, 4), date(2026, 6, 10))
    assert form_values(helpers.page(client, f"/plans/{plan.id}/periods/{period.id}"))["unit_deadline"] == ["04/06/2026"]


def test_a_bad_year_already_stored_breaks_no_page_and_no_scan(app, plan, period_of):
    """A year 0026 stored before the check existed: pages answer, the scan reports the row and goes on."""
    period = period_of("annual", 2026)
    period.unit_deadline = date(26, 11, 10)
    period.ward_deadline = date(26, 11, 15)
    db.session.commit()
    freeze(app, "2026-11-20T09:00:00+07:00")
    for role, url in (
        ("officer", "/plans/{id}/my-unit"),
        ("committee", "/plans/{id}/dashboard/"),
        ("chair", "/plans/{id}/accountability/"),
        ("officer", "/plans/{id}/tasks/IV.4.1"),
        ("secretariat", "/plans/{id}/review"),
        ("secretariat", "/plans/{id}/periods/"),
    ):
        assert en(app, role).get(url.format(id=plan.id)).status_code == 200, url
    periods_page = plain(helpers.page(en(app, "secretariat"), f"/plans/{plan.id}/periods/"))
    assert "outside the plan's years" in periods_page
    result = alerts.scan(plan, date(2026, 11, 20), datetime(2026, 11, 20, 7, tzinfo=WARD_TZ))
    db.session.commit()
    assert any("annual 2026" in problem for problem in result.problems)
    # The bad period raised nothing: no alert points at it.
    from tracker.alerts.models import Alert

    assert not db.session.scalars(select(Alert).where(Alert.period_id == period.id)).all()


def test_the_scan_command_reports_the_bad_row_and_succeeds(app, plan, period_of, cli):
    period = period_of("six_month", 2027)
    period.unit_deadline, period.ward_deadline = date(1, 1, 1), date(1, 1, 1)
    db.session.commit()
    result = cli.invoke(args=["alerts", "scan", "--date", "2026-06-12"])
    assert result.exit_code == 0, result.output
    assert "six_month 2027" in result.output


# --- control characters, whatever is stored -----------------------------------------------------


def test_a_form_feed_pasted_from_a_pdf_is_cleaned_and_the_exports_survive(app, plan, task_of):
    client = en(app, "officer")
    response = client.post(
        f"/plans/{plan.id}/tasks/IV.4.1/updates",
        data={"percent": "30", "state": "working", "results": "Trang 1\x0cTrang 2\tcột\r\nDòng sau\x00"},
    )
    assert response.status_code == 302
    update = db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id.desc())).first()
    assert update.results == "Trang 1Trang 2\tcột\r\nDòng sau"
    # What an older version stored with a form feed still exports.
    update.difficulties = "Khó khăn\x0cđã lưu"
    db.session.commit()
    secretariat = en(app, "secretariat")
    for url in ("/plans/{id}/exports/updates.xlsx", "/plans/{id}/exports/updates.csv"):
        assert secretariat.get(url.format(id=plan.id)).status_code == 200, url


def test_the_ward_report_docx_survives_a_control_character_in_its_text(app, plan, period_of):
    period = period_of("six_month", 2026)
    secretariat = en(app, "secretariat")
    values = form_values(helpers.page(secretariat, f"/plans/{plan.id}/ward-reports/{period.id}"))
    values["assessment"] = ["Đánh giá"]
    assert secretariat.post(f"/plans/{plan.id}/ward-reports/{period.id}", data=values).status_code == 302
    report = db.session.scalar(select(WardReport))
    report.narrative = dict(report.narrative, assessment="Đánh giá\x0bcó ký tự lạ\x0c")
    db.session.commit()
    response = secretariat.get(f"/plans/{plan.id}/ward-reports/{period.id}/report.docx")
    assert response.status_code == 200
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    assert "Đánh giácó ký tự lạ" in text


# --- error pages ---------------------------------------------------------------------------------


def test_a_get_on_a_post_only_address_is_the_apps_own_page_in_vietnamese(app, plan):
    client = vi(app, "officer")
    response = client.get("/logout", headers={"Referer": f"http://localhost/plans/{plan.id}/my-unit"})
    assert response.status_code == 405
    html = response.get_data(as_text=True)
    assert "Method Not Allowed" not in html
    assert "<title>" in html and "<title>405" not in html
    assert f'href="http://localhost/plans/{plan.id}/my-unit"' in html  # a way back
    assert 'lang="vi"' in html


def test_error_tab_titles_are_words(app, plan):
    client = vi(app, "officer")
    for url in ("/no-such-page", f"/plans/{plan.id}/review"):
        html = client.get(url).get_data(as_text=True)
        title = html.split("<title>")[1].split("</title>")[0].strip()
        assert title and not title.isdigit() and title != "csrf", title


# --- what the user typed survives ----------------------------------------------------------------


def test_a_long_update_posted_after_the_session_ended_comes_back_after_signing_in(app, plan, cli, user_of):
    officer = vi(app, "officer")
    task_page = f"/plans/{plan.id}/tasks/IV.4.1"
    helpers.page(officer, task_page)
    # Meanwhile the password is reset (which ends every session of the account).
    assert (
        cli.invoke(
            args=["users", "set-password", TEST_USERS["officer"][0]], input=f"{PASSWORD}\n{PASSWORD}\n"
        ).exit_code
        == 0
    )
    response = officer.post(
        f"{task_page}/updates",
        headers={"Referer": f"http://localhost{task_page}"},
        data={"percent": "45", "state": "working", "results": LONG_TEXT, "proposals": "Đề xuất bổ sung kinh phí"},
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(ProgressUpdate.id))) == 0
    # Signing in again leads back to the task, with everything typed in the form and a word of why.
    response = officer.post(
        response.headers["Location"], data={"username": TEST_USERS["officer"][0], "password": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(task_page)
    html = helpers.page(officer, task_page)
    values = form_values(html.split('id="update-form"')[1]) if 'id="update-form"' in html else form_values(html)
    assert values["results"] == [LONG_TEXT] and values["percent"] == ["45"]
    assert "Đề xuất bổ sung kinh phí" in values["proposals"][0]
    assert "được đưa lại vào biểu mẫu" in plain(html)  # the message says what happened
    # Given back once: the next visit shows an empty form.
    assert LONG_TEXT not in helpers.page(officer, task_page)


def test_an_expired_form_keeps_its_text_when_forms_are_protected(app, plan):
    """With CSRF protection on (as in production), a post whose session ended is an expired form."""
    officer = vi(app, "officer")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        task_page = f"/plans/{plan.id}/tasks/IV.4.1"
        officer.get(task_page)
        officer.post("/logout", data={})  # refused without a token: the session stays
        with officer.session_transaction() as session:
            session.clear()  # the session ended in another tab
        response = officer.post(
            f"{task_page}/updates",
            headers={"Referer": f"http://localhost{task_page}"},
            data={"percent": "20", "state": "working", "results": LONG_TEXT, "csrf_token": "stale"},
        )
        assert response.status_code == 302
        assert db.session.scalar(select(func.count(ProgressUpdate.id))) == 0
        login_page = helpers.page(officer, response.headers["Location"])
        token = form_values(login_page)["csrf_token"][0]
        response = officer.post(
            response.headers["Location"],
            data={"username": TEST_USERS["officer"][0], "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        html = helpers.page(officer, task_page)
        assert LONG_TEXT in html
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_password_typed_in_a_form_of_an_ended_session_is_never_kept(app, plan):
    from tracker.core.submissions import KeptForm

    admin = vi(app, "admin")
    with admin.session_transaction() as session:
        session.clear()
    response = admin.post(
        "/admin/users/new",
        headers={"Referer": "http://localhost/admin/users/new"},
        data={"username": "can.bo.moi", "full_name": "Cán bộ mới", "password": "Mat-khau-rat-dai-2026"},
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    kept = db.session.scalars(select(KeptForm)).all()
    assert len(kept) == 1 and kept[0].data["full_name"] == ["Cán bộ mới"]
    assert "password" not in kept[0].data and "Mat-khau-rat-dai-2026" not in str(kept[0].data)


def test_the_sign_in_page_posted_with_an_old_token_is_refused_and_keeps_nothing(app, plan):
    from tracker.core.submissions import KeptForm

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post(
            "/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD, "csrf_token": "old"}
        )
        assert response.status_code == 400
        assert db.session.scalar(select(func.count(KeptForm.id))) == 0
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_text_longer_than_a_fields_limit_is_not_cut_but_refused_whole(app, plan, period_of):
    client = en(app, "officer")
    task_page = helpers.page(client, f"/plans/{plan.id}/tasks/IV.4.1")
    assert "maxlength" not in task_page  # the browser does not cut a long paste silently
    too_long = "x" * 10800
    response = client.post(
        f"/plans/{plan.id}/tasks/IV.4.1/updates", data={"percent": "10", "state": "working", "results": too_long}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert too_long in html  # given back whole
    assert "10000" in plain(html).replace(".", "").replace(",", "")
    assert db.session.scalar(select(func.count(ProgressUpdate.id))) == 0


@pytest.mark.parametrize("typed", ["50,5", "50.5"])
def test_a_decimal_percent_says_it_is_a_whole_number(app, plan, typed):
    client = en(app, "officer")
    response = client.post(
        f"/plans/{plan.id}/tasks/IV.4.1/updates", data={"percent": typed, "state": "working", "results": "Kết quả"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "whole number" in plain(html) and "51" in plain(html)
    assert form_values(html.split('id="update-form"')[1])["percent"] == [typed]
    assert 'type="number"' not in html.split('id="update-form"')[1].split("</form>")[0]
    assert db.session.scalar(select(func.count(ProgressUpdate.id))) == 0


def test_a_percent_typed_with_a_percent_sign_is_taken(app, plan):
    client = en(app, "officer")
    assert (
        client.post(f"/plans/{plan.id}/tasks/IV.4.1/updates", data={"percent": "50 %", "state": "working"}).status_code
        == 302
    )
    assert db.session.scalar(select(ProgressUpdate.percent)) == 50


# --- posted once ---------------------------------------------------------------------------------


def form_of(html: str, action: str) -> dict:
    """The values of the form posting to `action`."""
    start = html.index(f'action="{action}"')
    form_start = html.rindex("<form", 0, start)
    form_end = html.index("</form>", start) + len("</form>")
    return form_values(html[form_start:form_end])


def post_twice(client, url: str, data: dict):
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    return first, second


def test_a_question_sent_twice_is_stored_once(app, plan):
    client = en(app, "committee")
    html = helpers.page(client, f"/plans/{plan.id}/tasks/IV.4.1")
    data = form_of(html, f"/plans/{plan.id}/questions")
    data.update(body=["Đề nghị cho biết số hộ đã được hỗ trợ?"], unit_id=[data["unit_id"][0]])
    first, second = post_twice(client, f"/plans/{plan.id}/questions", data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count(Question.id))) == 1
    assert "already sent" in plain(helpers.page(client, second.headers["Location"]))


def test_a_comment_and_a_directive_sent_twice_are_stored_once(app, plan, task_of):
    chair = en(app, "chair")
    html = helpers.page(chair, f"/plans/{plan.id}/tasks/IV.4.1")
    comment = form_of(html, f"/plans/{plan.id}/tasks/IV.4.1/comments")
    comment["body"] = ["Đề nghị đẩy nhanh tiến độ."]
    post_twice(chair, f"/plans/{plan.id}/tasks/IV.4.1/comments", comment)
    directive = form_of(html, f"/plans/{plan.id}/directives")
    unit_id = next(v for v in [task_of("IV.4.1").assignments[0].unit_id])
    due = (ward_today() + timedelta(days=30)).strftime("%d/%m/%Y")
    directive.update(unit_id=[str(unit_id)], body=["Hoàn thành danh sách trong tháng."], due_on=[due])
    post_twice(chair, f"/plans/{plan.id}/directives", directive)
    assert db.session.scalar(select(func.count(Comment.id))) == 1
    assert db.session.scalar(select(func.count(Directive.id))) == 1


def test_an_answer_sent_twice_is_taken_once(app, plan, user_of):
    from tracker.core.actor import Actor
    from tracker.discussion import services as discussion
    from tracker.units.models import Unit

    unit = db.session.scalar(select(Unit).where(Unit.code == "phong-vh-xh"))
    question = discussion.ask_question(
        Actor.for_user(user_of("committee")), plan, unit, "Bao nhiêu hộ?", datetime.now(WARD_TZ)
    )
    db.session.commit()
    officer = en(app, "officer")
    html = helpers.page(officer, f"/plans/{plan.id}/questions")
    data = form_of(html, f"/plans/{plan.id}/questions/{question.id}/answer")
    data["answer"] = ["64 hộ."]
    first, second = post_twice(officer, f"/plans/{plan.id}/questions/{question.id}/answer", data)
    assert second.headers["Location"] == first.headers["Location"]
    from tracker.audit.models import AuditEvent

    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "question.answer")) == 1


def test_a_chase_clicked_twice_is_sent_once(app, plan):
    freeze(app, "2026-06-20T09:00:00+07:00")
    chair = en(app, "chair")
    html = helpers.page(chair, f"/plans/{plan.id}/accountability/")
    data = form_of(html, f"/plans/{plan.id}/accountability/units/tram-y-te/chase")
    first, second = post_twice(chair, f"/plans/{plan.id}/accountability/units/tram-y-te/chase", data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count(Chase.id))) == 1


def test_a_unit_report_submitted_twice_at_the_same_moment_is_submitted_once(app, plan, period_of, task_of):
    """Two posts of the same form 120 ms apart: they run at the same time on the server."""
    freeze(app, "2026-06-03T09:00:00+07:00")
    officer = en(app, "officer")
    period = period_of("six_month", 2026)
    values = form_values(helpers.page(officer, f"/plans/{plan.id}/periods/{period.id}/report"))
    for key in values:
        if key.endswith("-results"):
            values[key] = ["Kết quả"]
    values["action"] = ["submit"]
    clients = [officer, officer]
    answers = []
    url = f"/plans/{plan.id}/periods/{period.id}/report"  # read here: the test's session is not for threads

    def post(client):
        with app.app_context():
            answers.append(client.post(url, data=values))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.status_code for r in answers) == [302, 302]
    db.session.expire_all()
    report = db.session.scalar(select(UnitReport))
    assert report.status == "submitted"
    assert [v.number for v in report.versions] == [1]
    assert [e.action for e in report.events] == ["submitted"]


# --- one way to write Vietnamese -----------------------------------------------------------------


def test_text_typed_in_decomposed_unicode_is_stored_in_nfc(app, plan):
    decomposed = unicodedata.normalize("NFD", "Đề nghị hỗ trợ kinh phí khảo sát")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    client = en(app, "officer")
    assert (
        client.post(
            f"/plans/{plan.id}/tasks/IV.4.1/updates", data={"percent": "10", "state": "working", "results": decomposed}
        ).status_code
        == 302
    )
    stored = db.session.scalar(select(ProgressUpdate.results))
    assert stored == unicodedata.normalize("NFC", decomposed)


def test_a_plan_file_saved_in_nfd_is_the_same_plan(app, plan):
    text = unicodedata.normalize("NFD", PLAN_FILE.read_text(encoding="utf-8"))
    summary = loading.load_plan_file(read_plan_text(text, "nfd.yaml"), "nfd.yaml")
    db.session.rollback()
    assert not summary.updated and not summary.removed and not summary.created
