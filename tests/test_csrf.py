"""With CSRF protection on (as in production), a form posted without its token is refused and
nothing is stored."""

import pytest

from tests.conftest import PASSWORD, TEST_USERS
from tests.helpers import database_snapshot


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def _token(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    if marker not in html:
        marker = 'name="csrf_token" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]


def test_sign_in_without_the_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_posting_progress_without_the_token_is_refused_and_nothing_is_stored(csrf_app, plan):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    signed_in = client.post(
        "/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD, "csrf_token": _token(page)}
    )
    assert signed_in.status_code == 302
    before = database_snapshot()

    task_page = f"/plans/{plan.id}/tasks/IV.4.1"
    response = client.post(
        f"{task_page}/updates",
        headers={"Referer": f"http://localhost{task_page}"},
        data={"percent": "30", "state": "working", "results": "Đã rà soát 14 tổ"},
    )

    # Not posted: the person is sent back to the form, where what they typed is given back.
    assert response.status_code == 302 and response.headers["Location"].endswith(task_page)
    after = database_snapshot()
    kept = after.pop("kept_form")
    before.pop("kept_form")
    assert after == before and len(kept) == 1
    html = client.get(task_page).get_data(as_text=True)
    assert "Đã rà soát 14 tổ" in html and "Biểu mẫu đã hết hạn" in html


def test_posting_progress_with_the_token_works(csrf_app, plan):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD, "csrf_token": _token(page)})
    task_page = client.get(f"/plans/{plan.id}/tasks/IV.4.1").get_data(as_text=True)
    response = client.post(
        f"/plans/{plan.id}/tasks/IV.4.1/updates",
        data={"percent": "30", "state": "working", "csrf_token": _token(task_page)},
    )
    assert response.status_code == 302


def test_a_form_left_open_for_hours_is_still_accepted(csrf_app, plan, monkeypatch):
    """An officer opens the progress form, is called away for three hours, then sends it: the
    token belongs to the session, so nothing typed is lost to an expired form."""
    import itsdangerous.timed

    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD, "csrf_token": _token(page)})
    token = _token(client.get(f"/plans/{plan.id}/tasks/IV.4.1").get_data(as_text=True))

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 3 * 3600)
    response = client.post(
        f"/plans/{plan.id}/tasks/IV.4.1/updates",
        data={"percent": "30", "state": "working", "results": "Đã xong 3 lớp", "csrf_token": token},
    )
    assert response.status_code == 302
