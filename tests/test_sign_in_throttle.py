"""Sign-in throttling that a stranger cannot turn into a weapon.

Failures slow down the (account, address) pair that made them, with a wait that doubles from
LOGIN_FIRST_DELAY_SECONDS up to LOGIN_LOCK_MINUTES and ends; an address failing against many names
is slowed only for accounts that never signed in from it; an account guessed at from many places
raises one warning in the audit log; an admin can clear an account's throttle.

The clock is frozen through FROZEN_NOW, so waits are exact and no test sleeps.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import PASSWORD, TEST_USERS, login
from tests.test_accounts import audit_events, field_error
from tracker.core.time import WARD_TZ

START = datetime(2026, 6, 1, 8, 0, tzinfo=WARD_TZ)
CHAIR = TEST_USERS["chair"][0]
OFFICER = TEST_USERS["officer"][0]


@pytest.fixture
def clock(app):
    """Set the app's clock: clock(seconds after START)."""

    def set_to(seconds: float = 0) -> datetime:
        moment = START + timedelta(seconds=seconds)
        app.config["FROZEN_NOW"] = moment.isoformat()
        return moment

    set_to(0)
    return set_to


def attempt(app, username: str, password: str, address: str, browser=None):
    browser = browser or app.test_client()
    return browser.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def wait_of(response) -> int:
    """The seconds a refused sign-in asks to wait (its Retry-After header)."""
    assert response.status_code == 429, response.status_code
    return int(response.headers["Retry-After"])


def message_of(response) -> str:
    return field_error(response.get_data(as_text=True), "password")


# --- a stranger cannot lock out a known person ----------------------------------------------


def test_a_strangers_failures_do_not_stop_the_chair_signing_in(app, clock):
    # A stranger guesses at the chair's password from one address until refused, and from thirty
    # more (a botnet): far more failures than any per-account limit.
    for guess in range(5):
        attempt(app, CHAIR, f"doan-{guess}", "198.51.100.7")
    for n in range(30):
        attempt(app, CHAIR.upper(), f"doan-{n}", f"192.0.2.{n + 1}")

    # The chair, at the office, signs in at once with the right password.
    chair = app.test_client()
    response = attempt(app, CHAIR, PASSWORD, "10.1.2.3", browser=chair)
    assert response.status_code == 302
    landing = chair.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert landing.status_code == 302 and "/login" not in landing.headers["Location"]
    assert [e.username for e in audit_events("login")] == [CHAIR]
    assert len(audit_events("login.failed")) == 3 + 30  # the stranger's address was refused after three
    # The stranger's own address stays slowed, even with the right password (no oracle).
    assert attempt(app, CHAIR, PASSWORD, "198.51.100.7").status_code == 429


def test_the_office_behind_one_address_still_signs_in(app, clock):
    office = "203.0.113.50"  # the whole office behind one NAT (or everyone, if PROXY_COUNT is wrong)
    for role in ("chair", "committee"):
        browser = app.test_client()
        assert attempt(app, TEST_USERS[role][0], PASSWORD, office, browser=browser).status_code == 302
        browser.post("/logout", environ_base={"REMOTE_ADDR": office})
    clock(3600)
    # Twenty failures from that address under twenty names (one each: no pair waits); a
    # twenty-first name must wait.
    for n in range(20):
        attempt(app, f"khach{n:02d}", "doan-mat-khau", office)
    assert wait_of(attempt(app, "khach20", "doan-mat-khau", office)) == 5

    # Everyone who has signed in from there before still does.
    for role in ("chair", "committee"):
        assert attempt(app, TEST_USERS[role][0], PASSWORD, office).status_code == 302, role
    assert len(audit_events("login.failed")) == 20
    # An account that never signed in from that address is slowed there (not locked)...
    refused = attempt(app, OFFICER, PASSWORD, office)
    assert 0 < wait_of(refused) <= 15 * 60
    # ...and not anywhere else.
    assert attempt(app, OFFICER, PASSWORD, "10.9.9.9").status_code == 302
    # Once the wait is over it signs in from the office too.
    clock(3600 + wait_of(refused))
    assert attempt(app, OFFICER, PASSWORD, office).status_code == 302


# --- the wait grows, and ends ---------------------------------------------------------------


def test_the_wait_doubles_up_to_login_lock_minutes_and_ends(app, clock):
    assert app.config["LOGIN_FAILURES_BEFORE_DELAY"] == 3
    assert app.config["LOGIN_FIRST_DELAY_SECONDS"] == 5 and app.config["LOGIN_LOCK_MINUTES"] == 15
    address = "198.51.100.20"
    # The first three wrong passwords (typing mistakes) cost no wait; the case and spaces of the
    # name do not make it another account.
    for name in (OFFICER, OFFICER.upper(), f"  {OFFICER} "):
        assert attempt(app, name, "sai-mat-khau", address).status_code == 422

    elapsed, waits = 0, []
    for _failure in range(11):
        refused = attempt(app, OFFICER, PASSWORD, address)
        waits.append(wait_of(refused))
        # One second before the end of the wait, still refused, and refused attempts are not failures.
        clock(elapsed + waits[-1] - 1)
        assert attempt(app, f" {OFFICER}", PASSWORD, address).status_code == 429
        elapsed += waits[-1]
        clock(elapsed)
        assert attempt(app, OFFICER, "van-sai", address).status_code == 422
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 900, 900, 900]
    assert len(audit_events("login.failed")) == 3 + 11

    # The message says how long, in Vietnamese.
    refused = attempt(app, OFFICER, PASSWORD, address)
    assert "15 phút" in message_of(refused), message_of(refused)
    assert "Retry-After" in refused.headers
    # A refused attempt is logged once per wait, not once per click.
    throttled_before = len(audit_events("login.throttled"))
    attempt(app, OFFICER, PASSWORD, address)
    assert len(audit_events("login.throttled")) == throttled_before

    # The wait ends: the right password then signs in, and the count starts again.
    clock(elapsed + 900)
    assert attempt(app, OFFICER, PASSWORD, address).status_code == 302
    for _typo in range(3):
        assert attempt(app, OFFICER, "sai-lan-nua", address).status_code == 422


def test_the_first_wait_is_told_in_seconds(app, clock):
    for _ in range(3):
        attempt(app, OFFICER, "sai", "198.51.100.21")
    refused = attempt(app, OFFICER, PASSWORD, "198.51.100.21")
    assert wait_of(refused) == 5
    assert "5 giây" in message_of(refused), message_of(refused)
    [throttled] = audit_events("login.throttled")
    assert (throttled.username, throttled.remote_addr) == (OFFICER, "198.51.100.21")


def test_an_unknown_name_is_slowed_like_a_real_one(app, clock):
    """The throttle does not tell which names exist."""
    for name in (OFFICER, "khong.co.ai"):
        for _ in range(3):
            assert attempt(app, name, "sai", "198.51.100.22").status_code == 422
        assert wait_of(attempt(app, name, "sai", "198.51.100.22")) == 5


def test_failures_older_than_the_window_are_forgotten(app, clock):
    for hour in range(6):
        clock(hour * 3600)  # each one an hour apart, so no wait blocks the next
        assert attempt(app, OFFICER, "sai", "198.51.100.23").status_code == 422
    clock(app.config["LOGIN_FAILURE_WINDOW_HOURS"] * 3600 + 6 * 3600)
    for _ in range(3):
        assert attempt(app, OFFICER, "sai", "198.51.100.23").status_code == 422


# --- the warning and the admin's unlock -----------------------------------------------------


def test_an_account_guessed_at_raises_one_warning_in_the_audit_log(app, clock, user_of):
    threshold = app.config["LOGIN_WARN_FAILURES_PER_ACCOUNT"]
    assert threshold == 10
    for n in range(threshold - 1):
        attempt(app, CHAIR, "doan", f"192.0.2.{n + 1}")
    assert audit_events("login.guessed") == []
    attempt(app, CHAIR, "doan", "192.0.2.200")
    [warning] = audit_events("login.guessed")
    assert (warning.target_type, warning.target_id) == ("user_account", user_of("chair").id)
    assert warning.detail["failures"] == threshold and warning.detail["addresses"] == threshold
    assert warning.remote_addr == "192.0.2.200"
    # Further guesses do not repeat the warning.
    for n in range(5):
        attempt(app, CHAIR, "doan", f"192.0.2.{100 + n}")
    assert len(audit_events("login.guessed")) == 1

    # The admin reads it in words, in Vietnamese.
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/audit/").get_data(as_text=True)
    assert "cảnh báo: có người đang dò mật khẩu" in page


def test_the_admin_unlocks_an_account(app, clock, user_of):
    officer = user_of("officer")
    # The officer forgot the password and is now made to wait.
    for n in range(6):
        clock(n * 600)  # retries ten minutes apart
        assert attempt(app, OFFICER, "quen-mat-khau", "10.1.2.30").status_code == 422
    assert attempt(app, OFFICER, PASSWORD, "10.1.2.30").status_code == 429

    # Someone else than an admin cannot unlock.
    committee = app.test_client()
    login(committee, "committee")
    assert committee.post(f"/admin/users/{officer.id}/unlock").status_code == 403
    assert attempt(app, OFFICER, PASSWORD, "10.1.2.30").status_code == 429

    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert f'action="/admin/users/{officer.id}/unlock"' in page
    assert "6 lần đăng nhập không thành công từ" in page and "từ 1 địa chỉ" in page
    response = admin.post(f"/admin/users/{officer.id}/unlock")
    assert response.status_code == 302
    [unlock] = audit_events("login.unlock")
    assert unlock.user_id == user_of("admin").id
    assert (unlock.target_type, unlock.target_id) == ("user_account", officer.id)

    assert unlock.detail == {"failures": 6, "addresses": 1}
    assert "Không có lần đăng nhập không thành công nào" in admin.get(f"/admin/users/{officer.id}").get_data(
        as_text=True
    )

    # The officer signs in at once.
    assert attempt(app, OFFICER, PASSWORD, "10.1.2.30").status_code == 302
