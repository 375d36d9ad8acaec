"""Production hardening: the secret key check, cookies and security headers, no inline script,
sign-in throttling, and a waiting scheduler that takes over when the running one dies."""

from __future__ import annotations

import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from config import ProductionConfig, config_for_environment
from tests.conftest import PASSWORD, TEST_USERS, current_database, database_url, login, make_app
from tracker import ROOT, create_app
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.scheduler.models import SchedulerHeartbeat

CATALOGUE = ROOT / "tracker" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
TEMPLATES = ROOT / "templates"
HTTPS = "https://localhost"


def in_either_language(msgid: str) -> tuple[str, str]:
    """A message as the app shows it: in Vietnamese, or in English while the compiled catalogue
    lags behind the source one."""
    with open(CATALOGUE, "rb") as source:
        entry = read_po(source).get(msgid)
    return (entry.string if entry and entry.string else msgid), msgid


def dispose(*apps) -> None:
    for other in apps:
        with other.app_context():
            db.engine.dispose()


# --- 1. the secret key and the cookies ----------------------------------------------------------


WEAK_KEYS = [None, "", "change-me", "dev", "changeme", "x" * 31, secrets.token_hex(15)]


@pytest.mark.parametrize(
    "key", WEAK_KEYS, ids=["missing", "empty", "change-me", "dev", "changeme", "31-chars", "30-hex"]
)
def test_production_refuses_to_start_with_a_missing_default_or_short_secret_key(app, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=key, SQLALCHEMY_DATABASE_URI=database_url(current_database()))


@pytest.mark.parametrize("key", [None, "change-me", "dev", "short"])
def test_tracker_env_production_selects_the_checks(app, monkeypatch, key):
    monkeypatch.setenv("TRACKER_ENV", "production")
    assert config_for_environment() is ProductionConfig
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(SECRET_KEY=key, SQLALCHEMY_DATABASE_URI=database_url(current_database()))


def test_outside_production_a_weak_key_is_tolerated(app, monkeypatch):
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    assert config_for_environment() is not ProductionConfig
    development = create_app(SECRET_KEY="dev", SQLALCHEMY_DATABASE_URI=database_url(current_database()))
    dispose(development)


def production_app(tmp_path, **overrides):
    overrides.setdefault("SECRET_KEY", secrets.token_hex(32))
    overrides.setdefault("UPLOAD_DIR", str(tmp_path / "prod-uploads"))
    return create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_url(current_database()), **overrides)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert match, "the form carries no CSRF token"
    return match.group(1)


def cookie_header(response, name: str) -> dict[str, str | bool]:
    """The attributes of the Set-Cookie header for `name`, keys in lower case."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            attributes: dict[str, str | bool] = {}
            for part in header.split(";")[1:]:
                key, _sep, value = part.strip().partition("=")
                attributes[key.lower()] = value or True
            return attributes
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def test_production_starts_with_a_real_key_and_its_cookies_are_secure(app, tmp_path):
    production = production_app(tmp_path)
    try:
        assert production.config["SECRET_KEY"] and len(production.config["SECRET_KEY"]) == 64
        browser = production.test_client()
        db.session.commit()
        page = browser.get("/login", base_url=HTTPS)
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert int(re.search(r"max-age=(\d+)", page.headers["Strict-Transport-Security"]).group(1)) >= 180 * 24 * 3600

        # In production the forms are protected: a sign-in without the form's token is refused.
        without_token = browser.post(
            "/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}, base_url=HTTPS
        )
        assert without_token.status_code == 400

        response = browser.post(
            "/login",
            data={
                "username": TEST_USERS["officer"][0],
                "password": PASSWORD,
                "remember": "y",
                "csrf_token": csrf_token(page.get_data(as_text=True)),
            },
            base_url=HTTPS,
            headers={"Referer": f"{HTTPS}/login"},  # a browser sends it (Referrer-Policy: same-origin)
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        session = cookie_header(response, "session")
        assert session.get("secure") is True
        assert session.get("httponly") is True
        assert str(session.get("samesite")).lower() == "lax"
        remember = cookie_header(response, "remember_token")
        assert remember.get("secure") is True
        assert remember.get("httponly") is True
        assert str(remember.get("samesite")).lower() == "lax"
        assert "Strict-Transport-Security" in response.headers
        # The session works: the signed-in user reaches a private page.
        assert browser.get("/", base_url=HTTPS).status_code == 302
        home = browser.get("/", base_url=HTTPS, follow_redirects=True)
        assert home.status_code == 200 and TEST_USERS["officer"][0].title() in home.get_data(as_text=True)
    finally:
        dispose(production)


def test_hsts_is_only_sent_in_production(app, client):
    # A development server on plain http must not pin browsers to https.
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- 2. security headers and no inline script ---------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def inline_script_problems(html: str) -> list[str]:
    problems = []
    for match in re.finditer(r"<script\b([^>]*)>(.*?)</script\s*>", html, re.I | re.S):
        attributes, body = match.groups()
        if not re.search(r"\bsrc\s*=", attributes, re.I) or body.strip():
            problems.append(f"inline script: {match.group(0)[:120]!r}")
    for tag in re.finditer(r"<[a-zA-Z][^<>]*>", html):
        if INLINE_HANDLER.search(tag.group(0)):
            problems.append(f"inline event handler: {tag.group(0)[:120]!r}")
        if re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", tag.group(0), re.I):
            problems.append(f"javascript: URL: {tag.group(0)[:120]!r}")
    return problems


def assert_secure_page(response, url: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp, f"{url}: no Content-Security-Policy"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{url}: {csp}"
    directives = csp_directives(csp)
    assert directives.get("script-src") == ["'self'"], f"{url}: {csp}"
    assert directives.get("default-src") == ["'self'"], f"{url}: {csp}"
    assert directives.get("object-src") == ["'none'"], f"{url}: {csp}"
    assert directives.get("frame-ancestors") == ["'none'"], f"{url}: {csp}"
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("X-Frame-Options") == "DENY", url
    assert headers.get("Referrer-Policy") in (
        "same-origin",
        "no-referrer",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ), url
    if response.mimetype == "text/html":
        problems = inline_script_problems(response.get_data(as_text=True))
        assert not problems, f"{url}: {problems}"


def signed_in(app, role: str):
    browser = app.test_client()
    login(browser, role)
    return browser


def test_every_page_carries_the_security_headers_and_no_inline_script(app, plan, period_of, task_of):
    six_month = period_of("six_month", 2026)
    anonymous = app.test_client()
    officer, committee, secretariat, admin = (
        signed_in(app, role) for role in ("officer", "committee", "secretariat", "admin")
    )
    pages = [
        (anonymous, "/login", 200),
        (anonymous, f"/plans/{plan.id}/", 302),  # the redirect to the login page
        (officer, f"/plans/{plan.id}/", 200),
        (officer, f"/plans/{plan.id}/tasks/IV.4.1", 200),
        (officer, f"/plans/{plan.id}/my-unit", 200),
        (officer, f"/plans/{plan.id}/dashboard/", 200),
        (committee, f"/plans/{plan.id}/dashboard/tasks", 200),
        (committee, f"/plans/{plan.id}/targets/", 200),
        (committee, f"/plans/{plan.id}/units/", 200),
        (committee, f"/plans/{plan.id}/units/phong-vh-xh", 200),
        (committee, f"/plans/{plan.id}/periods/", 200),
        (committee, f"/plans/{plan.id}/questions", 200),
        (committee, f"/plans/{plan.id}/directives", 200),
        (committee, f"/plans/{plan.id}/accountability/", 200),
        (committee, "/notifications/", 200),
        (committee, "/profile", 200),
        (secretariat, f"/plans/{plan.id}/review?period={six_month.id}", 200),
        (secretariat, f"/plans/{plan.id}/ward-reports/", 200),
        (secretariat, f"/plans/{plan.id}/ward-reports/{six_month.id}", 200),
        (secretariat, f"/plans/{plan.id}/ward-reports/{six_month.id}/print", 200),
        (admin, "/admin/users/", 200),
        (admin, "/admin/audit/", 200),
        (committee, f"/plans/{plan.id}/tasks/IV.99", 404),  # an error page
        (officer, "/admin/users/", 403),
        (anonymous, "/healthz", 503),
    ]
    for browser, url, status in pages:
        response = browser.get(url)
        assert response.status_code == status, url
        assert_secure_page(response, url)


def test_the_pages_checked_are_really_html_pages(app, plan):
    # The scan above would pass on empty bodies: make sure it looked at real pages.
    committee = signed_in(app, "committee")
    html = committee.get(f"/plans/{plan.id}/").get_data(as_text=True)
    assert "<script" in html and "bootstrap.bundle.min.js" in html
    assert not inline_script_problems(html)
    assert inline_script_problems("<p>x</p><script>alert(1)</script>")
    assert inline_script_problems('<a href="#" onclick="go()">x</a>')
    assert inline_script_problems("<img src=x onerror=alert(1)>")


def test_no_template_holds_an_inline_script_or_event_handler():
    templates = sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
    assert len(templates) > 20
    problems = []
    for path in templates:
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", source, re.I):
            if "src=" not in match.group(0):
                problems.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=", source, re.I):
            line = source[: match.start()].count("\n") + 1
            problems.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0).strip()}")
    assert not problems, problems


# --- 3. sign-in throttling ----------------------------------------------------------------------


def sign_in(browser, username: str, password: str, address: str, **kwargs):
    return browser.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}, **kwargs
    )


def is_signed_in(browser, address: str) -> bool:
    """Whether the browser reaches a private page (from the address it signed in from: sessions
    are bound to it)."""
    response = browser.get("/", environ_base={"REMOTE_ADDR": address})
    return response.status_code == 302 and "/login" not in response.headers["Location"]


def password_error(html: str) -> str | None:
    match = re.search(r'<div id="password-error" class="invalid-feedback[^"]*">(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else None


def audit(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def freeze_at(app, moment: str) -> None:
    app.config["FROZEN_NOW"] = moment


def test_a_name_typed_with_other_case_or_spaces_gives_no_more_tries(app, user_of):
    """The throttle counts the (account, address) pair whatever the spelling of the name: after
    LOGIN_FAILURES_BEFORE_DELAY failures the pair must wait, the right password included."""
    freeze_at(app, "2026-06-01T08:00:00+07:00")
    free = app.config["LOGIN_FAILURES_BEFORE_DELAY"]
    username = TEST_USERS["officer"][0]
    attacker = app.test_client()
    for attempt, name in enumerate([username.upper(), f"  {username.title()} ", username][:free]):
        assert sign_in(attacker, name, f"sai-mat-khau-{attempt}", "198.51.100.7").status_code == 422
    assert [e.user_id for e in audit("login.failed")] == [user_of("officer").id] * free
    response = sign_in(attacker, f" {username.upper()}", PASSWORD, "198.51.100.7")
    assert response.status_code == 429
    assert not is_signed_in(attacker, "198.51.100.7"), "the throttled attempt signed the user in"
    assert len(audit("login.failed")) == free  # the refused attempt is not counted as one more failure
    # The owner, from the office's own address, is not slowed by the stranger's failures.
    owner = app.test_client()
    assert sign_in(owner, username, PASSWORD, "10.1.2.3").status_code == 302
    assert is_signed_in(owner, "10.1.2.3")


def test_an_address_failing_against_many_names_slows_only_names_new_to_it(app):
    freeze_at(app, "2026-06-01T08:00:00+07:00")
    office = "203.0.113.50"
    # The committee member has signed in from the office before; the chair never has.
    assert sign_in(app.test_client(), TEST_USERS["committee"][0], PASSWORD, office).status_code == 302
    attacker = app.test_client()
    for attempt in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        assert sign_in(attacker, f"khach{attempt:02d}", "doan-mat-khau", office).status_code == 422
    assert sign_in(app.test_client(), TEST_USERS["committee"][0], PASSWORD, office).status_code == 302
    assert sign_in(app.test_client(), TEST_USERS["chair"][0], PASSWORD, office).status_code == 429
    # Without a proxy in front (PROXY_COUNT=0), a forged X-Forwarded-For does not escape the wait.
    forged = sign_in(
        app.test_client(), TEST_USERS["chair"][0], PASSWORD, office, headers={"X-Forwarded-For": "192.0.2.99"}
    )
    assert forged.status_code == 429
    # From another address the chair signs in at once.
    assert sign_in(app.test_client(), TEST_USERS["chair"][0], PASSWORD, "203.0.113.51").status_code == 302


def test_the_wait_ends(app):
    freeze_at(app, "2026-06-01T08:00:00+07:00")
    username = TEST_USERS["officer"][0]
    for _attempt in range(app.config["LOGIN_FAILURES_BEFORE_DELAY"]):
        sign_in(app.test_client(), username, "sai", "198.51.100.8")
    assert sign_in(app.test_client(), username, PASSWORD, "198.51.100.8").status_code == 429
    freeze_at(app, "2026-06-01T08:20:00+07:00")  # well past the first wait
    assert sign_in(app.test_client(), username, PASSWORD, "198.51.100.8").status_code == 302


def test_behind_a_proxy_the_audited_address_is_the_forwarded_client(app):
    proxied = make_app(current_database(), PROXY_COUNT=1, UPLOAD_DIR=app.config["UPLOAD_DIR"])
    try:
        browser = proxied.test_client()
        db.session.commit()
        response = sign_in(
            browser, TEST_USERS["officer"][0], PASSWORD, "127.0.0.1", headers={"X-Forwarded-For": "203.0.113.77"}
        )
        assert response.status_code == 302
        [event] = audit("login")
        assert event.remote_addr == "203.0.113.77"

        # A failure behind the proxy counts against the client's address, not nginx's.
        other = proxied.test_client()
        for attempt in range(20):
            sign_in(other, f"khach{attempt:02d}", "sai", "127.0.0.1", headers={"X-Forwarded-For": "203.0.113.88"})
        assert {e.remote_addr for e in audit("login.failed")} == {"203.0.113.88"}
        blocked = sign_in(
            proxied.test_client(),
            TEST_USERS["committee"][0],
            PASSWORD,
            "127.0.0.1",
            headers={"X-Forwarded-For": "203.0.113.88"},
        )
        assert blocked.status_code == 429
        # Everyone else behind the same proxy still signs in.
        fine = sign_in(
            proxied.test_client(),
            TEST_USERS["committee"][0],
            PASSWORD,
            "127.0.0.1",
            headers={"X-Forwarded-For": "203.0.113.89"},
        )
        assert fine.status_code == 302
    finally:
        dispose(proxied)


def test_without_a_proxy_the_forwarded_header_is_ignored(app):
    response = sign_in(
        app.test_client(), TEST_USERS["officer"][0], PASSWORD, "192.0.2.10", headers={"X-Forwarded-For": "203.0.113.77"}
    )
    assert response.status_code == 302
    [event] = audit("login")
    assert event.remote_addr == "192.0.2.10"


# --- 4. a second scheduler takes over -----------------------------------------------------------


class FlaskProcess:
    """`flask --app app ARGS` in its own process; its output lines are read as they come."""

    def __init__(self, database, instance: Path, *args: str):
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "FLASK_", "TRACKER_ENV"))
        }
        env.update(DATABASE_URL=database_url(database), TRACKER_INSTANCE_DIR=str(instance), PYTHONUNBUFFERED="1")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.readers = [
            threading.Thread(target=self._read, args=(stream,), daemon=True)
            for stream in (self.popen.stdout, self.popen.stderr)
        ]
        for reader in self.readers:
            reader.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for(self, texts: tuple[str, ...], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.popen.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if any(text in line for text in texts):
                return line
        raise AssertionError(f"none of {texts} within {timeout}s; output: {''.join(self.seen)}")

    def saw(self, texts: tuple[str, ...]) -> bool:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return any(text in line for line in self.seen for text in texts)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        for stream in (self.popen.stdout, self.popen.stderr):
            stream.close()


def test_a_waiting_scheduler_takes_over_when_the_running_one_is_killed(app, tmp_path):
    running = tuple(text.split("%")[0] for text in in_either_language("Scheduler running: %(jobs)s."))
    waiting = in_either_language("Another scheduler is running; waiting to take over.")
    database = current_database()
    db.session.commit()
    started: list[FlaskProcess] = []
    try:
        first = FlaskProcess(database, tmp_path / "instance-1", "scheduler", "run")
        started.append(first)
        first.wait_for(running, timeout=60)

        second = FlaskProcess(database, tmp_path / "instance-2", "scheduler", "run", "--wait")
        started.append(second)
        second.wait_for(waiting, timeout=60)
        time.sleep(1)
        assert second.popen.poll() is None, "the second scheduler gave up instead of waiting"
        assert not second.saw(running), "two schedulers run at once"

        first.popen.send_signal(signal.SIGKILL)
        assert first.popen.wait(timeout=10) == -signal.SIGKILL
        killed_at = time.monotonic()
        line = second.wait_for(running, timeout=20)
        assert time.monotonic() - killed_at < 15, "the take-over took too long"
        assert "heartbeat" in line and "daily-scan" in line
        assert second.popen.poll() is None

        # The new scheduler beats: /healthz sees it (the heartbeat names its process).
        deadline = time.monotonic() + 20
        beat = None
        while time.monotonic() < deadline:
            db.session.commit()
            beat = db.session.get(SchedulerHeartbeat, 1)
            if beat is not None and beat.pid == second.popen.pid:
                break
            time.sleep(0.2)
        assert beat is not None and beat.pid == second.popen.pid
        health = app.test_client().get("/healthz")
        assert health.status_code == 200, health.get_json()
    finally:
        for process in started:
            process.stop()
