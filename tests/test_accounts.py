"""Signing in and out, sessions, where each role lands, and the `flask users` commands."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, TEST_USERS, login
from tracker.accounts.models import User
from tracker.audit.models import AuditEvent
from tracker.extensions import db

NEW_PASSWORD = "mot mat khau moi 2026"


# --- helpers --------------------------------------------------------------------------------


def sign_in(client, username: str, password: str, remember: bool = False, next_url: str | None = None, **kwargs):
    """Post the sign-in form as a person would fill it in."""
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    url = "/login" + (f"?next={quote(next_url, safe='')}" if next_url is not None else "")
    return client.post(url, data=data, **kwargs)


def location_path(response) -> str:
    return urlsplit(response.headers["Location"]).path


def assert_signed_in(client, plan) -> None:
    response = client.get(f"/plans/{plan.id}/")
    assert response.status_code == 200, "the plan page should load for a signed-in user"


def assert_signed_out(client, plan) -> None:
    response = client.get(f"/plans/{plan.id}/")
    assert response.status_code == 302, "a signed-out user must not see the plan"
    assert location_path(response) == "/login"


def field_error(page: str, field_id: str) -> str | None:
    """The error text shown next to a form field, or None."""
    match = re.search(rf'<div id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def input_value(page: str, name: str) -> str | None:
    """The value an <input name=...> is filled in with."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no input named {name!r}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def user_named(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def count_users(username: str) -> int:
    return db.session.scalar(select(func.count(User.id)).where(func.lower(User.username) == username.lower()))


def audit_events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def can_sign_in(app, username: str, password: str) -> bool:
    """Whether a fresh browser can sign in with these credentials and then see a page."""
    client = app.test_client()
    response = sign_in(client, username, password)
    if response.status_code != 302:
        return False
    return client.get("/", follow_redirects=True).status_code == 200


# --- signing in -----------------------------------------------------------------------------


def test_sign_in_with_the_right_password(client, plan, user_of):
    response = sign_in(client, "canbo.vhxh", PASSWORD)
    assert response.status_code == 302
    assert_signed_in(client, plan)
    assert client.get(f"/plans/{plan.id}/tasks/IV.4.1").status_code == 200
    login_event = audit_events("login")[-1]
    assert login_event.user_id == user_of("officer").id


def test_sign_in_ignores_the_case_of_the_username(client, plan, user_of):
    response = sign_in(client, "  CanBo.VHXH ", PASSWORD)
    assert response.status_code == 302
    assert_signed_in(client, plan)
    assert audit_events("login")[-1].user_id == user_of("officer").id


def test_passwords_are_stored_as_hashes_made_the_configured_way(app, user_of):
    method = app.config["PASSWORD_HASH_METHOD"].split(":")[0]
    for role in TEST_USERS:
        stored = user_of(role).password_hash
        assert stored.startswith(f"{method}:")
        assert PASSWORD not in stored


def test_outside_the_tests_passwords_are_hashed_with_scrypt(app, user_of):
    from flask import current_app

    from config import Config

    assert Config.PASSWORD_HASH_METHOD == "scrypt"
    officer = user_of("officer")
    cheap = current_app.config["PASSWORD_HASH_METHOD"]
    current_app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    try:
        officer.set_password("mot mat khau moi")
    finally:
        current_app.config["PASSWORD_HASH_METHOD"] = cheap
    assert officer.password_hash.startswith("scrypt:") and officer.check_password("mot mat khau moi")


@pytest.fixture
def disabled_officer(user_of):
    officer = user_of("officer")
    officer.active = False
    db.session.commit()
    return officer


@pytest.mark.parametrize(
    "typed_username, password, reason",
    [
        ("CanBo.VHXH", "not the password", "wrong_password"),
        ("khong.co.ai", PASSWORD, "unknown_user"),
        ("canbo.vhxh", PASSWORD, "inactive"),
    ],
    ids=["wrong-password", "unknown-user", "disabled-account"],
)
def test_failed_sign_in(request, client, plan, typed_username, password, reason):
    if reason == "inactive":
        request.getfixturevalue("disabled_officer")
    response = sign_in(client, typed_username, password, environ_base={"REMOTE_ADDR": "203.0.113.7"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "password"), "the error is shown next to the password field"
    assert field_error(page, "username") is None
    assert input_value(page, "username") == typed_username, "the username typed is kept"
    assert input_value(page, "password") in (None, ""), "the password is never sent back"
    assert_signed_out(client, plan)

    failures = audit_events("login.failed")
    assert len(failures) == 1
    event = failures[0]
    assert event.username == typed_username
    assert event.detail == {"reason": reason}
    assert event.remote_addr == "203.0.113.7"
    assert audit_events("login") == []


def test_empty_sign_in_form_shows_errors_next_to_both_fields(client, plan):
    response = sign_in(client, "", "")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "username") and field_error(page, "password")
    assert_signed_out(client, plan)


# --- signing out ----------------------------------------------------------------------------


def test_sign_out_ends_the_session(client, plan, user_of):
    login(client, "committee")
    assert_signed_in(client, plan)

    response = client.post("/logout")
    assert response.status_code == 302
    assert location_path(response) == "/login"
    assert_signed_out(client, plan)
    logouts = audit_events("logout")
    assert [e.user_id for e in logouts] == [user_of("committee").id]


def test_sign_out_needs_a_post(client, plan):
    login(client, "committee")
    assert client.get("/logout").status_code == 405
    assert_signed_in(client, plan)
    assert audit_events("logout") == []


# --- remember me ----------------------------------------------------------------------------


def test_remember_me_sets_a_cookie_that_outlives_the_session(client, plan):
    response = sign_in(client, "bancd", PASSWORD, remember=True)
    assert response.status_code == 302
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is not None
    # The browser is closed: the session cookie is gone, the remember cookie stays.
    client.delete_cookie("session")
    assert_signed_in(client, plan)


def test_without_remember_me_closing_the_browser_signs_out(client, plan):
    response = sign_in(client, "bancd", PASSWORD)
    assert response.status_code == 302
    assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert_signed_out(client, plan)


# --- a change of network address --------------------------------------------------------------

WIFI, MOBILE = "192.0.2.10", "100.64.0.7"  # the office Wi-Fi, then the phone's 4G


def test_keep_me_signed_in_survives_a_change_of_address(client, plan):
    """The phone moves from Wi-Fi to 4G while a progress update is being typed: what is posted
    afterwards still finds its session."""
    assert sign_in(client, "bancd", PASSWORD, remember=True, environ_base={"REMOTE_ADDR": WIFI}).status_code == 302
    client.environ_base["REMOTE_ADDR"] = MOBILE
    assert_signed_in(client, plan)
    response = client.post("/profile", data={"locale": "vi", "email": "bancd@example.vn", "email_notifications": "y"})
    assert response.status_code == 302 and location_path(response) == "/profile"
    assert user_named("bancd").email == "bancd@example.vn"
    assert client.get_cookie("remember_token") is not None, "the keep-me-signed-in cookie stays"
    # Back on Wi-Fi, and on a third address, still signed in.
    client.environ_base["REMOTE_ADDR"] = WIFI
    assert_signed_in(client, plan)


def test_a_kept_session_restored_from_its_cookie_also_survives_a_change_of_address(client, plan):
    assert sign_in(client, "bancd", PASSWORD, remember=True, environ_base={"REMOTE_ADDR": WIFI}).status_code == 302
    client.delete_cookie("session")  # the browser was closed
    assert_signed_in(client, plan)
    assert_signed_in(client, plan)  # not only on the first page
    client.environ_base["REMOTE_ADDR"] = MOBILE
    assert_signed_in(client, plan)
    assert client.get_cookie("remember_token") is not None


def test_without_keep_me_signed_in_a_change_of_address_ends_the_session(client, plan):
    """A session nobody asked to keep stays bound to its address and browser (a copied session
    cookie is of no use elsewhere)."""
    assert sign_in(client, "bancd", PASSWORD, environ_base={"REMOTE_ADDR": WIFI}).status_code == 302
    client.environ_base["REMOTE_ADDR"] = MOBILE
    assert_signed_out(client, plan)


def test_a_new_password_ends_a_kept_session_wherever_it_moved(app, client, plan, user_of):
    assert sign_in(client, "canbo.vhxh", PASSWORD, remember=True, environ_base={"REMOTE_ADDR": WIFI}).status_code == 302
    client.environ_base["REMOTE_ADDR"] = MOBILE
    assert_signed_in(client, plan)

    admin = app.test_client()
    login(admin, "admin")
    response = admin.post(f"/admin/users/{user_of('officer').id}/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert_signed_out(client, plan)
    client.delete_cookie("session")  # nor does the keep-me-signed-in cookie bring it back
    assert_signed_out(client, plan)


# --- where sign-in leads --------------------------------------------------------------------


def test_sign_in_returns_to_the_page_asked_for(client, plan):
    wanted = f"/plans/{plan.id}/units/"
    anonymous = client.get(wanted)
    assert anonymous.status_code == 302 and location_path(anonymous) == "/login"
    # The sign-in page the person was sent to remembers where they were going.
    login_url = anonymous.headers["Location"]
    assert client.get(login_url).status_code == 200

    response = client.post(login_url, data={"username": "bancd", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == wanted
    assert client.get(wanted).status_code == 200


def test_sign_in_with_an_explicit_next_page(client, plan):
    wanted = f"/plans/{plan.id}/units/"
    response = sign_in(client, "bancd", PASSWORD, next_url=wanted, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == wanted


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example", "//evil.example/plans/"])
def test_sign_in_never_sends_to_another_site(client, evil):
    response = sign_in(client, "bancd", PASSWORD, next_url=evil)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "tricky", ["/\\evil.example", "/\t/evil.example", "///evil.example"], ids=["backslash", "tab", "three-slashes"]
)
def test_sign_in_redirect_stays_on_this_site_for_tricky_targets(client, tricky):
    response = sign_in(client, "bancd", PASSWORD, next_url=tricky)
    assert response.status_code == 302
    location = response.headers["Location"]
    # What a browser would make of it: no host, and no "//" or "/\\" that it would read as one.
    assert urlsplit(location).netloc == ""
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))


@pytest.mark.parametrize(
    "role, start",
    [
        ("officer", "/plans/{id}/my-unit"),
        ("officer_yte", "/plans/{id}/my-unit"),
        ("secretariat", "/plans/{id}/review"),
        ("committee", "/plans/{id}/dashboard/"),
        ("chair", "/plans/{id}/accountability/"),
        ("admin", "/plans/{id}/"),
    ],
)
def test_each_role_lands_on_its_start_page(client, plan, role, start):
    response = sign_in(client, TEST_USERS[role][0], PASSWORD, follow_redirects=True)
    assert response.status_code == 200
    assert [r.request.path for r in response.history] == ["/login", "/"]
    assert response.request.path == start.format(id=plan.id)


def test_a_signed_in_user_opening_the_login_page_goes_on(client, plan):
    login(client, "chair")
    response = client.get("/login")
    assert response.status_code == 302
    assert location_path(response) == "/"


# --- disabled accounts ----------------------------------------------------------------------


def test_disabling_an_account_ends_its_open_session(app, client, plan, user_of):
    login(client, "officer")
    assert_signed_in(client, plan)

    admin = app.test_client()
    login(admin, "admin")
    officer = user_of("officer")
    response = admin.post(
        f"/admin/users/{officer.id}",
        data={
            "username": officer.username,
            "full_name": officer.full_name,
            "email": "",
            "unit_id": officer.unit_id,
            "roles": ["officer"],  # "active" left unchecked
        },
    )
    assert response.status_code == 302

    assert_signed_out(client, plan)
    assert client.get(f"/plans/{plan.id}/my-unit").status_code == 302


def test_disabling_an_account_also_stops_its_remember_me_cookie(client, plan, user_of):
    assert sign_in(client, "canbo.vhxh", PASSWORD, remember=True).status_code == 302
    officer = user_of("officer")
    officer.active = False
    db.session.commit()
    client.delete_cookie("session")
    assert_signed_out(client, plan)


# --- the command line -----------------------------------------------------------------------


def create(cli, *args: str):
    return cli.invoke(args=["users", "create", *args])


def test_cli_creates_an_admin_who_can_sign_in(app, cli, plan):
    result = create(cli, "quantri.hai", "--name", "Quản trị Hai", "--role", "admin", "--password", "mat khau quan tri")
    assert result.exit_code == 0, result.output
    user = user_named("quantri.hai")
    assert user.full_name == "Quản trị Hai"
    assert user.role_codes == {"admin"}
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0] + ":")
    assert can_sign_in(app, "quantri.hai", "mat khau quan tri")
    client = app.test_client()
    sign_in(client, "quantri.hai", "mat khau quan tri")
    assert client.get("/admin/users/").status_code == 200
    assert audit_events("user.create")[-1].username == "cli"


def test_cli_attaches_the_unit_of_an_officer(app, cli, plan):
    result = create(
        cli,
        "canbo.hai",
        "--name",
        "Cán bộ Hai",
        "--role",
        "officer",
        "--ward",
        "bac-kan",
        "--unit",
        "phong-vh-xh",
        "--password",
        "mat khau can bo",
    )
    assert result.exit_code == 0, result.output
    user = user_named("canbo.hai")
    assert user.unit.code == "phong-vh-xh"
    assert user.ward.code == "bac-kan"
    client = app.test_client()
    response = sign_in(client, "canbo.hai", "mat khau can bo", follow_redirects=True)
    assert response.request.path == f"/plans/{plan.id}/my-unit"


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "boss", "--password", "mat khau du dai"],
        ["--role", "admin", "--password", "ngan"],
        ["--role", "officer", "--ward", "bac-kan", "--unit", "khong-co", "--password", "mat khau du dai"],
        ["--role", "officer", "--ward", "khong-co", "--password", "mat khau du dai"],
    ],
    ids=["unknown-role", "short-password", "unknown-unit", "unknown-ward"],
)
def test_cli_refuses_bad_input_and_creates_nothing(app, cli, args):
    result = create(cli, "nguoi.moi", "--name", "Người Mới", *args)
    assert result.exit_code != 0
    assert user_named("nguoi.moi") is None
    assert not can_sign_in(app, "nguoi.moi", "mat khau du dai")


@pytest.mark.parametrize("username", ["canbo.vhxh", "CanBo.VHXH"])
def test_cli_refuses_a_username_that_is_taken(cli, user_of, username):
    before = user_of("officer").password_hash
    result = create(cli, username, "--name", "Người Khác", "--role", "admin", "--password", "mat khau du dai")
    assert result.exit_code != 0
    assert count_users("canbo.vhxh") == 1
    officer = user_of("officer")
    assert officer.password_hash == before and officer.role_codes == {"officer"}


def test_cli_sets_a_new_password(app, cli, user_of):
    result = cli.invoke(args=["users", "set-password", "canbo.vhxh", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert not can_sign_in(app, "canbo.vhxh", PASSWORD)
    assert can_sign_in(app, "canbo.vhxh", NEW_PASSWORD)
    assert audit_events("user.password")[-1].target_id == user_of("officer").id


def test_cli_set_password_refuses_an_unknown_user_or_a_short_password(app, cli):
    result = cli.invoke(args=["users", "set-password", "khong.co.ai", "--password", NEW_PASSWORD])
    assert result.exit_code != 0
    result = cli.invoke(args=["users", "set-password", "canbo.vhxh", "--password", "ngan"])
    assert result.exit_code != 0
    assert can_sign_in(app, "canbo.vhxh", PASSWORD)
    assert audit_events("user.password") == []


# --- the language before sign-in ------------------------------------------------------------

ENGLISH_BROWSER = {"Accept-Language": "en-US,en;q=0.9"}


def page_language(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def test_before_sign_in_the_app_speaks_vietnamese_even_to_an_english_browser(client):
    response = client.get("/login", headers=ENGLISH_BROWSER)
    assert response.status_code == 200
    assert page_language(response) == "vi"
    assert "Đăng nhập" in response.get_data(as_text=True)


def test_the_language_link_before_sign_in_is_kept_through_sign_in(client, plan):
    assert client.get("/language/en?next=/login", headers=ENGLISH_BROWSER).status_code == 302
    assert page_language(client.get("/login")) == "en"
    assert sign_in(client, "bancd", PASSWORD).status_code == 302
    assert page_language(client.get(f"/plans/{plan.id}/")) == "en"


def test_a_profile_language_applies_after_sign_in_whatever_the_browser(client, plan, user_of):
    committee = user_of("committee")
    committee.locale = "en"
    db.session.commit()
    assert page_language(client.get("/login", headers={"Accept-Language": "vi"})) == "vi"
    assert sign_in(client, "bancd", PASSWORD, headers={"Accept-Language": "vi"}).status_code == 302
    assert page_language(client.get(f"/plans/{plan.id}/", headers={"Accept-Language": "vi"})) == "en"


def test_a_password_is_taken_as_typed_even_with_invisible_characters(app, user_of):
    """The text rule drops invisible characters from what people write; a password is not text to
    clean: one that holds a zero-width space still signs in."""
    from tracker.accounts import services
    from tracker.core.actor import Actor
    from tracker.core.time import now

    password = "Mật\u200bkhẩu-2026-rất-dài"
    services.set_password(Actor.command_line(), now(), user_of("chair"), password)
    db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": "truongban", "password": password})
    assert response.status_code == 302
