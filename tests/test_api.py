"""The JSON API's frame and its first endpoints (tracker.api): tokens, errors, limits, ETags,
pages, idempotency keys, posting an update, and the dashboard summary."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import login
from tracker.accounts.tokens import ApiToken, digest_of
from tracker.api.base import RateLimit
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.progress.models import ProgressUpdate


def _updates(task_code: str) -> list[ProgressUpdate]:
    db.session.expire_all()
    return db.session.scalars(
        select(ProgressUpdate).join(ProgressUpdate.task).where(ProgressUpdate.task.has(code=task_code))
    ).all()


def _audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


# --- tokens ---------------------------------------------------------------------------------


def _make_token_in_browser(client, name: str) -> tuple[str, str]:
    """Make a token on the profile page as a person would: (the token shown, its form's once token)."""
    page = client.get("/profile").get_data(as_text=True)
    once = re.search(r'name="token-once"[^>]*value="([^"]+)"', page)
    response = client.post("/profile/tokens", data={"token-name": name, "token-once": once.group(1)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.search(r'id="new-token"[^>]*>([^<]+)</textarea>', html).group(1), once.group(1)


def test_a_token_made_on_the_profile_page_is_shown_once_and_stored_as_a_digest(app, plan):
    client = app.test_client()
    login(client, "officer")
    secret, once = _make_token_in_browser(client, "  Bảng tính   của phòng ")
    row = db.session.scalar(select(ApiToken))
    assert row.name == "Bảng tính của phòng"
    assert row.digest == digest_of(secret) and secret not in (row.digest, row.hint)
    assert secret.startswith(row.hint)
    # Shown on that answer only: not on the profile page again, and not in the session cookie.
    again = client.get("/profile").get_data(as_text=True)
    assert secret not in again and row.hint in again
    cookie = client.get_cookie("session")
    assert cookie is None or secret not in cookie.value
    # A second click on the same form makes no second token and does not show it again.
    twice = client.post("/profile/tokens", data={"token-name": "Bảng tính", "token-once": once})
    assert twice.status_code == 302 and db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    assert secret not in client.get(twice.headers["Location"]).get_data(as_text=True)
    assert [event.detail["name"] for event in _audit("api_token.create")] == ["Bảng tính của phòng"]
    # The settings form on the answer's page still saves the settings (it posts to /profile), and
    # shows them as saved.
    made = client.post("/profile/tokens", data={"token-name": "thứ hai", "token-once": "another-once-token-1234"})
    made_page = made.get_data(as_text=True)
    assert 'action="/profile"' in made_page and 'action="/profile/tokens#tokens"' in made_page
    [checkbox] = re.findall(r'<input[^>]*name="email_notifications"[^>]*>', made_page)
    assert " checked" in checkbox
    # The token reads as its person.
    answer = app.test_client().get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.get_json()["total"] == 1


def test_a_token_without_a_name_is_refused_with_the_form_kept(app):
    client = app.test_client()
    login(client, "chair")
    page = client.get("/profile").get_data(as_text=True)
    once = re.search(r'name="token-once"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/profile/tokens", data={"token-name": "   ", "token-once": once})
    assert response.status_code == 422 and "Đặt tên cho mã" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_revoked_token_opens_nothing_and_only_its_person_revokes_it(app, plan):
    client = app.test_client()
    login(client, "officer")
    secret, _once = _make_token_in_browser(client, "script")
    row = db.session.scalar(select(ApiToken))
    other = app.test_client()
    login(other, "chair")
    assert other.post(f"/profile/tokens/{row.id}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 302
    answer = app.test_client().get("/api/v1/plans", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401 and answer.get_json()["code"] == "token_invalid"
    assert len(_audit("api_token.revoke")) == 1


def test_a_disabled_account_s_token_opens_nothing(app, user_of, token_of):
    header = token_of("officer")
    assert app.test_client().get("/api/v1/plans", headers=header).status_code == 200
    user_of("officer").active = False
    db.session.commit()
    assert app.test_client().get("/api/v1/plans", headers=header).status_code == 401


def test_the_last_use_is_recorded_at_most_once_a_minute(app, token_of):
    from tracker.core import time as clock

    header = token_of("committee")
    client = app.test_client()
    client.get("/api/v1/plans", headers=header, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    row = db.session.scalar(select(ApiToken))
    first = row.last_used_at
    assert first is not None and row.last_used_from == "10.0.0.7"
    client.get("/api/v1/plans", headers=header)
    db.session.refresh(row)
    assert row.last_used_at == first  # within the minute: no write
    row.last_used_at = clock.utcnow() - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/plans", headers=header)
    db.session.refresh(row)
    assert row.last_used_at > first


def test_a_browser_session_does_not_open_the_api(app, plan):
    """A page of another site cannot use a signed-in browser to call the API: only a token opens it."""
    client = app.test_client()
    login(client, "officer")
    assert client.get("/api/v1/plans").status_code == 401
    response = client.post(f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates", json={"percent": 10})
    assert response.status_code == 401 and _updates("IV.4.1") == []


# --- errors and limits ----------------------------------------------------------------------


def test_errors_are_json_with_a_code_and_a_message(app, plan, token_of):
    client = app.test_client()
    header = token_of("officer")
    cases = [
        (client.get("/api/v1/plans", headers={"Authorization": "Bearer bkt_wrong"}), 401, "token_invalid"),
        (client.get("/api/v1/nothing-here", headers=header), 404, "not_found"),
        (client.get(f"/api/v1/plans/{plan.id}/tasks/XX.9", headers=header), 404, "not_found"),
        (client.get("/api/v1/plans/99999999999999", headers=header), 404, "not_found"),
        (client.delete(f"/api/v1/plans/{plan.id}", headers=header), 405, "method_not_allowed"),
        (client.get(f"/api/v1/plans/{plan.id}/tasks?status=late", headers=header), 422, "invalid"),
        (
            client.post(f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates", data="x", headers=header),
            415,
            "unsupported_media_type",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.mimetype) == (status, "application/json"), response.get_data(
            as_text=True
        )
        body = response.get_json()
        assert body["code"] == code and body["message"], body
    assert "status" in cases[5][0].get_json()["errors"]
    misspelt = client.get(f"/api/v1/plans/{plan.id}/tasks?stauts=late", headers=header)
    assert misspelt.status_code == 422 and misspelt.get_json()["errors"] == {
        "stauts": ["Không có trường này: hãy kiểm tra lại tên trường."]
    }


def _still_clock(app) -> None:
    """The limits count in a minute that does not end during the test."""
    app.extensions["api_rate_limit"] = RateLimit(clock=lambda: 1_800_000_015.0)


def test_too_many_calls_are_told_when_to_come_back(app, token_of):
    _still_clock(app)
    app.config["API_CALLS_PER_MINUTE"] = 3
    header = token_of("chair")
    client = app.test_client()
    statuses = [client.get("/api/v1/plans", headers=header).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/plans", headers=header)
    assert refused.get_json()["code"] == "too_many_requests" and refused.headers["Retry-After"] == "45"
    # Another person's token is counted apart.
    assert client.get("/api/v1/plans", headers=token_of("committee")).status_code == 200


def test_guessing_tokens_is_slowed_down(app, token_of):
    _still_clock(app)
    app.config["API_REFUSED_TOKENS_PER_MINUTE"] = 2
    client = app.test_client()
    statuses = [
        client.get("/api/v1/plans", headers={"Authorization": f"Bearer bkt_guess{n}"}).status_code for n in range(3)
    ]
    assert statuses == [401, 401, 429]


# --- reads: pages, order, ETags -------------------------------------------------------------


def test_a_list_comes_a_page_at_a_time_in_a_stable_order(app, plan, token_of):
    client = app.test_client()
    header = token_of("committee")
    whole = client.get(f"/api/v1/plans/{plan.id}/tasks?per_page=200", headers=header).get_json()
    assert whole["total"] == len(whole["items"]) == 45
    codes = []
    for number in range(1, 5):
        page = client.get(f"/api/v1/plans/{plan.id}/tasks?per_page=12&page={number}", headers=header).get_json()
        assert (page["page"], page["pages"], page["total"]) == (number, 4, 45)
        codes += [item["code"] for item in page["items"]]
    assert codes == [item["code"] for item in whole["items"]]
    past = client.get(f"/api/v1/plans/{plan.id}/tasks?per_page=12&page=9", headers=header).get_json()
    assert past["items"] == [] and past["total"] == 45


def test_tasks_are_filtered_like_the_dashboard(app, plan, token_of):
    client = app.test_client()
    header = token_of("committee")
    led = client.get(f"/api/v1/plans/{plan.id}/tasks?unit=phong-vh-xh&per_page=200", headers=header).get_json()
    assert led["total"] == 9 and all(
        any(unit["code"] == "phong-vh-xh" for unit in item["lead_units"]) for item in led["items"]
    )
    section = client.get(f"/api/v1/plans/{plan.id}/tasks?section=VI&per_page=200", headers=header).get_json()
    assert section["total"] and all(item["code"].startswith("VI.") for item in section["items"])
    unassigned = client.get(f"/api/v1/plans/{plan.id}/tasks?flag=unassigned", headers=header).get_json()
    dashboard = client.get(f"/api/v1/plans/{plan.id}/dashboard", headers=header).get_json()
    assert unassigned["total"] == next(f["count"] for f in dashboard["flags"] if f["code"] == "unassigned") > 0
    assert client.get(f"/api/v1/plans/{plan.id}/tasks?unit=no-such-unit", headers=header).status_code == 404


def test_a_read_asked_again_answers_304_until_something_changes(app, plan, token_of):
    client = app.test_client()
    reader, officer = token_of("chair"), token_of("officer")
    url = f"/api/v1/plans/{plan.id}/dashboard"
    first = client.get(url, headers=reader)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache" and "Authorization" in first.headers["Vary"]
    assert client.get(url, headers={**reader, "If-None-Match": etag}).status_code == 304
    posted = client.post(f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates", json={"percent": 30}, headers=officer)
    assert posted.status_code == 201
    changed = client.get(url, headers={**reader, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


# --- posting an update ----------------------------------------------------------------------


def test_an_officer_posts_an_update_as_on_the_task_page(app, plan, token_of):
    client = app.test_client()
    header = token_of("officer")
    decomposed = unicodedata.normalize("NFD", "Đã tổ chức 3 lớp dạy nghề")
    response = client.post(
        f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates",
        json={"percent": 60, "results": decomposed + "\x00", "difficulties": "Thiếu kinh phí"},
        headers=header,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["results"] == unicodedata.normalize("NFC", "Đã tổ chức 3 lớp dạy nghề")
    assert (body["unit"]["code"], body["role"], body["percent"]) == ("phong-vh-xh", "lead", 60)
    assert response.headers["Location"].endswith(f"/api/v1/plans/{plan.id}/updates/{body['id']}")
    assert client.get(response.headers["Location"], headers=header).get_json()["id"] == body["id"]
    # The same audit record as the page writes, and the task page shows it.
    [event] = _audit("progress.post")
    assert (event.detail["task"], event.detail["percent"], event.username) == ("IV.4.1", 60, "canbo.vhxh")
    browser = app.test_client()
    login(browser, "chair")
    assert "Đã tổ chức 3 lớp dạy nghề" in browser.get(f"/plans/{plan.id}/tasks/IV.4.1").get_data(as_text=True)


def test_the_page_s_rules_refuse_what_the_page_refuses(app, plan, token_of):
    client = app.test_client()
    url = f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates"
    done_below = client.post(url, json={"percent": 80, "state": "done"}, headers=token_of("officer"))
    assert done_below.status_code == 422 and "percent" in done_below.get_json()["errors"]
    blocked = client.post(url, json={"percent": 20, "state": "blocked"}, headers=token_of("officer"))
    assert blocked.status_code == 422 and "difficulties" in blocked.get_json()["errors"]
    too_long = client.post(url, json={"percent": 20, "results": "x" * 10001}, headers=token_of("officer"))
    assert too_long.status_code == 422 and "results" in too_long.get_json()["errors"]
    # Not the unit's task, or not an officer: refused as on the page.
    assert client.post(url, json={"percent": 20}, headers=token_of("officer_yte")).status_code == 403
    assert client.post(url, json={"percent": 20}, headers=token_of("secretariat")).status_code == 403
    assert _updates("IV.4.1") == []


def test_an_update_with_evidence_files_is_posted_as_a_form(app, plan, token_of):
    client = app.test_client()
    response = client.post(
        f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates",
        data={
            "percent": "45",
            "results": "Biên bản họp",
            "visibility": "ward",
            "evidence": [
                (io.BytesIO(b"%PDF-1.4 bien ban"), "bien-ban.pdf"),
                (io.BytesIO(b"%PDF-1.4 2"), "danh-sach.pdf"),
            ],
        },
        headers=token_of("officer"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    files = response.get_json()["evidence"]
    assert [(f["name"], f["visibility"]) for f in files] == [("bien-ban.pdf", "ward"), ("danh-sach.pdf", "ward")]
    refused = client.post(
        f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates",
        data={"percent": "45", "evidence": [(io.BytesIO(b"MZ\x90\x00"), "virus.exe")]},
        headers=token_of("officer"),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "evidence" in refused.get_json()["errors"]
    assert len(_updates("IV.4.1")) == 1


def test_a_retried_post_with_the_same_key_creates_nothing_twice(app, plan, token_of):
    client = app.test_client()
    header = {**token_of("officer"), "Idempotency-Key": "2026-12-06-IV.4.1"}
    url = f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates"
    first = client.post(url, json={"percent": 50}, headers=header)
    again = client.post(url, json={"percent": 50}, headers=header)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(_updates("IV.4.1")) == 1 and len(_audit("progress.post")) == 1
    # Another key is another update; another person's same key is theirs.
    assert client.post(url, json={"percent": 55}, headers={**header, "Idempotency-Key": "other"}).status_code == 201
    assert len(_updates("IV.4.1")) == 2
    # The key of that post is not a key for a post on another task.
    elsewhere = client.post(f"/api/v1/plans/{plan.id}/tasks/IV.4.2/updates", json={"percent": 5}, headers=header)
    assert elsewhere.status_code == 422 and "Idempotency-Key" in elsewhere.get_json()["errors"]
    assert _updates("IV.4.2") == []


# --- the dashboard summary ------------------------------------------------------------------


def test_the_dashboard_summary_has_the_dashboard_s_numbers(app, plan, token_of):
    client = app.test_client()
    client.post(
        f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates",
        json={"percent": 100, "state": "done"},
        headers=token_of("officer"),
    )
    summary = client.get(f"/api/v1/plans/{plan.id}/dashboard", headers=token_of("chair")).get_json()
    statuses = {s["code"]: s["count"] for s in summary["statuses"]}
    assert summary["tasks"] == sum(statuses.values()) == 45
    assert statuses["done_on_time"] == 1
    assert [s["task"]["code"] for s in summary["sections"]] == ["IV", "VI"]
    assert summary["reporting"]["owed"] == len(summary["reporting"]["units"]) == 12
    browser = app.test_client()
    login(browser, "chair")
    page = browser.get(f"/plans/{plan.id}/dashboard/").get_data(as_text=True)
    assert next(s["label"] for s in summary["statuses"] if s["code"] == "done_on_time") in page


def test_the_same_key_with_another_body_is_refused_not_taken_for_a_retry(app, plan, token_of):
    """A script that reuses its key for the day's second update is told, rather than losing it."""
    client = app.test_client()
    header = {**token_of("officer"), "Idempotency-Key": "f47ac10b-58cc-4372-a567-0e02b2c3d479"}
    url = f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates"
    assert client.post(url, json={"percent": 60}, headers=header).status_code == 201
    second = client.post(url, json={"percent": 90}, headers=header)
    assert second.status_code == 422 and "Idempotency-Key" in second.get_json()["errors"]
    assert [u.percent for u in _updates("IV.4.1")] == [60]
    # A form sent again is the same call whatever its boundary and the order of its fields.
    files_header = {**header, "Idempotency-Key": "with-a-file"}

    def with_file(fields):
        return client.post(
            url,
            data={**fields, "evidence": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")},
            headers=files_header,
            content_type="multipart/form-data",
        )

    assert with_file({"percent": "70", "results": "Họp"}).status_code == 201
    assert with_file({"results": "Họp", "percent": "70"}).status_code == 200
    assert [u.percent for u in _updates("IV.4.1")] == [60, 70]
    unusable = client.post(url, json={"percent": 1}, headers={**header, "Idempotency-Key": "việt"})
    assert unusable.status_code == 422 and "Idempotency-Key" in unusable.get_json()["errors"]


def test_what_would_be_lost_or_break_is_refused_with_the_reason(app, plan, token_of):
    client = app.test_client()
    header = token_of("officer")
    url = f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates"
    # A file under another name would be dropped: refused, naming it.
    misnamed = client.post(
        url,
        data={"percent": "40", "file": (io.BytesIO(b"%PDF-1.4 x"), "bien-ban.pdf")},
        headers=header,
        content_type="multipart/form-data",
    )
    assert misnamed.status_code == 422 and list(misnamed.get_json()["errors"]) == ["file"]
    # An id past any the database holds, a body nested thousands deep: refused, not a server error.
    huge = client.post(url, json={"percent": 40, "corrects": 10**20}, headers=header)
    assert huge.status_code == 422 and "corrects" in huge.get_json()["errors"]
    deep = client.post(url, data="[" * 5000 + "]" * 5000, content_type="application/json", headers=header)
    assert deep.status_code == 400 and deep.get_json()["code"] == "bad_request"
    # A heading of the plan is not posted on: its tasks are.
    heading = client.post(f"/api/v1/plans/{plan.id}/tasks/IV.4/updates", json={"percent": 40}, headers=header)
    assert heading.status_code == 422 and "IV.4.1" in heading.get_json()["message"]
    assert _updates("IV.4.1") == []


def test_text_is_cleaned_before_its_letters_are_counted(app, plan, token_of):
    client = app.test_client()
    header = token_of("officer")
    url = f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates"
    # 6,000 letters typed decomposed are 12,000 code points, and 6,000 letters as stored.
    decomposed = unicodedata.normalize("NFD", "ạ" * 6000)
    assert len(decomposed) == 12000
    assert client.post(url, json={"percent": 40, "results": decomposed}, headers=header).status_code == 201
    # Invisible characters are not kept: a direction override, a zero-width space, a soft hyphen.
    sneaky = client.post(
        url,
        json={"percent": 41, "results": "h\u00adỗ tr\u200bợ \u202eRTL", "difficulties": " \u200b\u00a0 "},
        headers=header,
    )
    assert sneaky.status_code == 201
    assert (sneaky.get_json()["results"], sneaky.get_json()["difficulties"]) == ("hỗ trợ RTL", None)


def test_a_restricted_file_is_named_only_to_those_who_may_open_it(app, plan, token_of):
    client = app.test_client()
    posted = client.post(
        f"/api/v1/plans/{plan.id}/tasks/IV.4.1/updates",
        data={"percent": "30", "evidence": (io.BytesIO(b"%PDF-1.4 x"), "ho-ngheo-to-3.pdf")},
        headers=token_of("officer"),
        content_type="multipart/form-data",
    ).get_json()
    url = f"/api/v1/plans/{plan.id}/updates/{posted['id']}"
    for role, names, hidden in (("officer", ["ho-ngheo-to-3.pdf"], 0), ("officer_yte", [], 1), ("admin", [], 1)):
        for answer in (
            client.get(url, headers=token_of(role)).get_json(),
            client.get(f"/api/v1/plans/{plan.id}/updates", headers=token_of(role)).get_json()["items"][0],
        ):
            assert ([f["name"] for f in answer["evidence"]], answer["hidden_evidence"]) == (names, hidden), role


def test_a_new_password_or_a_disabled_account_ends_the_tokens(app, user_of, token_of):
    from tracker.accounts import services
    from tracker.core.actor import Actor
    from tracker.core.time import now

    header = token_of("officer")
    assert app.test_client().get("/api/v1/plans", headers=header).status_code == 200
    services.set_password(Actor.for_user(user_of("admin")), now(), user_of("officer"), "Mật-khẩu-mới-2026!")
    db.session.commit()
    assert app.test_client().get("/api/v1/plans", headers=header).status_code == 401
    assert [t.revoked_at is not None for t in db.session.scalars(select(ApiToken))] == [True]


def test_a_control_character_in_a_code_or_an_argument_is_refused_not_a_database_error(app, plan, token_of):
    client = app.test_client()
    header = token_of("chair")
    assert client.get(f"/api/v1/plans/{plan.id}/tasks/IV%00", headers=header).status_code == 404
    refused = client.get(f"/api/v1/plans/{plan.id}/tasks?unit=a%00b", headers=header)
    assert refused.status_code == 422 and "unit" in refused.get_json()["errors"]
    # A page with one: 404 or 400, never "the database is unavailable".
    browser = app.test_client()
    login(browser, "chair")
    assert browser.get(f"/plans/{plan.id}/tasks/IV%00").status_code in (400, 404)
