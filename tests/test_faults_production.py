"""Faults of the production path, injected for real on 127.0.0.1 (issue 15): a commit whose
answer is lost, the database going away just after a commit, a frozen database, a database
restart under two schedulers, a full upload folder, the 503 page after a post, weak secrets, and
files that no record points at.

The PostgreSQL faults run on a server of this module's own (scripts/test-postgres in a folder of
its own), so that stopping, freezing and restarting it disturbs no other test; a TCP proxy in
front of it cuts connections at a chosen moment."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from tests.conftest import PASSWORD, PLAN_FILE, TEST_USERS, create_test_users, make_app
from tests.fault_support import CuttingProxy, PrivatePostgres, postgres_available, wait_until
from tests.helpers import form_values, plain
from tests.test_scheduler import Process
from tracker import ROOT
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.planfile import loading
from tracker.planfile.reader import read_plan_file
from tracker.progress.models import Evidence, ProgressUpdate

PDF = b"%PDF-1.4\n% bien ban kiem tra\n1 0 obj << >> endobj\n%%EOF\n"
REQUIRED = os.environ.get("REQUIRE_FAULT_TESTS") == "1"
TASK = "IV.4.1"  # led by the officer's unit (Phòng Văn hóa – Xã hội)


# --- a server of our own ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    if not postgres_available():
        if REQUIRED:
            pytest.fail("PostgreSQL's server programs are missing and REQUIRE_FAULT_TESTS=1")
        pytest.skip("needs PostgreSQL's server programs (scripts/test-postgres installs them as root)")
    private = PrivatePostgres()
    private.start()
    yield private
    private.stop()


@pytest.fixture(scope="module")
def template(server):
    url = server.database("tracker_template")
    app = make_app(url)
    with app.app_context():
        upgrade()
        loading.load_plan_file(read_plan_file(PLAN_FILE), str(PLAN_FILE))
        create_test_users()
        db.session.commit()
        db.engine.dispose()
    return "tracker_template"


@pytest.fixture
def database(server, template):
    return server.database(f"t_{uuid.uuid4().hex[:10]}", template=template)


@pytest.fixture
def proxy(server):
    cutting = CuttingProxy(server.port)
    yield cutting
    cutting.close()


class Site:
    """The app as a browser meets it (through `url`), and a direct look at its database."""

    def __init__(self, url: str, direct_url: str, uploads: Path):
        self.app = make_app(url, UPLOAD_DIR=str(uploads))
        self.direct = make_app(direct_url, UPLOAD_DIR=str(uploads))
        self.uploads = uploads
        with self.direct.app_context():
            self.plan_id = db.session.execute(text("SELECT id FROM plan ORDER BY id LIMIT 1")).scalar()

    def browser(self, role: str = "officer"):
        client = self.app.test_client()
        response = client.post("/login", data={"username": TEST_USERS[role][0], "password": PASSWORD})
        assert response.status_code == 302
        return client

    def count(self, model, *where) -> int:
        with self.direct.app_context():
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

    def rows(self, query):
        with self.direct.app_context():
            return db.session.execute(query).all()

    def close(self) -> None:
        for app in (self.app, self.direct):
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def site(database, proxy, tmp_path):
    made = Site(proxy.url(database), database, tmp_path / "uploads")
    yield made
    made.close()


def task_page(site) -> str:
    return f"/plans/{site.plan_id}/tasks/{TASK}"


def update_form(browser, site, results: str) -> dict:
    html = browser.get(task_page(site)).get_data(as_text=True)
    values = form_values(html.split('id="update-form"')[1].split("</form>")[0])
    values.update(percent=["40"], state=["working"], results=[results])
    return {key: value[0] for key, value in values.items() if value}


def post_update(browser, site, data: dict, with_file: bool = True):
    payload = dict(data)
    if with_file:
        payload["evidence"] = (io.BytesIO(PDF), "bien-ban-kiem-tra.pdf")
    return browser.post(
        f"{task_page(site)}/updates",
        data=payload,
        content_type="multipart/form-data",
        headers={"Referer": f"http://localhost{task_page(site)}"},
    )


# --- 1 and 2. a commit of unknown outcome ------------------------------------------------------


def test_a_commit_whose_answer_is_lost_keeps_its_files_and_sending_again_stores_nothing_twice(site, proxy, tmp_path):
    officer = site.browser()
    data = update_form(officer, site, "Đã rà soát 14 tổ dân phố")
    proxy.arm("progress_update", "lose_answer")
    response = post_update(officer, site, data)
    assert proxy.fired.is_set()

    # The update reached the database with its file record...
    assert site.count(ProgressUpdate) == 1
    (stored_name,) = site.rows(select(Evidence.stored_name))[0]
    # ...and the file is still there: it was not deleted as if the commit had failed.
    assert (site.uploads / stored_name).read_bytes() == PDF
    # The person is told the truth: it may have been saved; and offered to send it again.
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "có thể đã được lưu hoặc chưa" in plain(html)
    assert f'href="{task_page(site)}"' in html  # back to the page the form was on
    again = form_values(html)
    assert again["results"] == ["Đã rà soát 14 tổ dân phố"] and again["once"] == [data["once"]]

    # Sending it again (the page's own button) stores nothing twice and leads to the update.
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    response = officer.post(action, data={key: values[0] for key, values in again.items()})
    assert response.status_code == 302 and "#update-" in response.headers["Location"]
    assert site.count(ProgressUpdate) == 1 and site.count(Evidence) == 1
    # The file opens, and a backup can be taken (it refuses when a recorded file is missing).
    (evidence_id,) = site.rows(select(Evidence.id))[0]
    opened = officer.get(f"/plans/{site.plan_id}/evidence/{evidence_id}")
    assert opened.status_code == 200 and opened.data == PDF
    with site.direct.app_context():
        from tracker.backup.services import create_backup

        create_backup(tmp_path / "after.tar.gz")


def test_a_commit_followed_by_the_database_going_away_is_answered_as_saved(site, proxy):
    officer = site.browser()
    data = update_form(officer, site, "Đã hỗ trợ 5 hộ vay vốn")
    proxy.arm("progress_update", "away_after")
    response = post_update(officer, site, data, with_file=False)
    assert proxy.fired.is_set() and proxy.away
    # Stored, and answered as stored: the answer was built without reading the database again.
    assert site.count(ProgressUpdate) == 1
    assert response.status_code == 302 and "#update-" in response.headers["Location"]
    proxy.come_back()
    page = officer.get(response.headers["Location"])
    assert page.status_code == 200 and "Đã hỗ trợ 5 hộ vay vốn" in page.get_data(as_text=True)


def test_a_second_click_while_the_first_is_still_saving_is_told_it_was_sent(site, proxy, database):
    officer = site.browser()
    data = update_form(officer, site, "Đã hỗ trợ 3 hộ làm nhà")
    # The first click's transaction holds the form's token (as while it writes large files).
    first = create_engine(database)
    try:
        with first.connect() as connection:
            connection.execute(
                text("INSERT INTO form_submission (token, user_id, created_at) VALUES (:token, NULL, now())"),
                {"token": data["once"]},
            )
            started = time.monotonic()
            response = post_update(officer, site, data, with_file=False)
            waited = time.monotonic() - started
            connection.rollback()
    finally:
        first.dispose()
    # Told that it was sent (not the 503 page that would have it posted again from a new form).
    assert response.status_code == 302 and waited < 10
    assert site.count(ProgressUpdate) == 0


# --- 3. a frozen database -----------------------------------------------------------------------


def timed(call, limit: float):
    """(the result, the seconds it took); fails if it takes more than `limit` (the call is left
    running in its thread, bounded by the server's thaw)."""
    result: list = []
    started = time.monotonic()
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(timeout=limit)
    assert result, f"no answer within {limit} s"
    return result[0], time.monotonic() - started


def test_a_frozen_database_gives_the_calm_page_and_a_failing_health_check_within_seconds(site, server):
    officer = site.browser()
    assert officer.get(task_page(site)).status_code == 200  # the pool holds a working connection
    server.freeze()
    try:
        health, seconds = timed(lambda: site.app.test_client().get("/healthz"), limit=15)
        assert health.status_code == 503 and seconds < 6
        page, seconds = timed(lambda: officer.get(task_page(site)), limit=20)
        assert page.status_code == 503 and page.headers.get("Retry-After") == "30" and seconds < 12
        assert "Tạm thời gián đoạn" in page.get_data(as_text=True)
        stranger = site.app.test_client()
        page, seconds = timed(lambda: stranger.get("/login"), limit=20)
        assert seconds < 12
    finally:
        server.thaw()
    # Back by itself.
    page = wait_until(lambda: (r := officer.get(task_page(site))).status_code == 200 and r, timeout=30, what="recovery")
    assert TASK in page.get_data(as_text=True)


# --- 4. a database restart under two schedulers ------------------------------------------------


def lock_holders(site) -> list[int]:
    """The processes holding the scheduler lock (by the application name of their connection)."""
    rows = site.rows(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'tracker-scheduler-%'"
        )
    )
    return [int(name.rsplit("-", 1)[1]) for (name,) in rows]


def heartbeat_pids(site, seconds: float) -> set[int]:
    """The processes that wrote the heartbeat during the next `seconds`."""
    seen, deadline = set(), time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        row = site.rows(text("SELECT pid, beat_at FROM scheduler_heartbeat WHERE id = 1"))
        if row and row[0] != last:
            if last is not None:
                seen.add(row[0][0])
            last = row[0]
        time.sleep(0.1)
    return seen


def test_after_a_database_restart_exactly_one_scheduler_runs_the_jobs(site, server, database, tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDULER_HEARTBEAT_SECONDS", "1")
    monkeypatch.setenv("SCHEDULER_LOCK_POLL_SECONDS", "1")
    first = Process(database, tmp_path / "instance-1", "scheduler", "run", "--wait")
    second = None
    try:
        first.wait_for("Scheduler running", "Bộ lập lịch đang chạy", timeout=60)
        # The second starts once the first runs, so that which one holds the lock is known.
        second = Process(database, tmp_path / "instance-2", "scheduler", "run", "--wait")
        second.wait_for("waiting to take over", "đang chờ", timeout=60)
        assert lock_holders(site) == [first.popen.pid]
        wait_until(
            lambda: site.rows(text("SELECT pid FROM scheduler_heartbeat WHERE id = 1")) == [(first.popen.pid,)],
            timeout=60,
            what="the first scheduler's heartbeat",
        )

        server.restart()

        # Within a few heartbeats: both still alive, one holds the lock, and only it beats.
        holders = wait_until(lambda: lock_holders(site), timeout=40, what="a scheduler taking the lock again")
        assert len(holders) == 1
        time.sleep(3)  # long enough for a scheduler that did not notice to show itself
        assert first.popen.poll() is None and second.popen.poll() is None, first.output() + second.output()
        holder = lock_holders(site)
        assert len(holder) == 1
        assert heartbeat_pids(site, 4) == set(holder), first.output() + second.output()
    finally:
        first.stop()
        if second is not None:
            second.stop()


# --- 5. a full upload folder --------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A real file system with 512 KB of room (tmpfs), as a full disk is met in production."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        if REQUIRED:
            pytest.fail(f"cannot mount a small file system: {done.stderr}")
        pytest.skip("mounting a small file system needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_upload_folder_keeps_the_text_says_why_and_tells_the_admin(database, tmp_path, small_disk):
    site = Site(database, database, small_disk)
    try:
        (small_disk / "filler").write_bytes(b"\0" * (400 * 1024))  # what others stored meanwhile
        officer = site.browser()
        data = update_form(officer, site, "Báo cáo kết quả rà soát hộ nghèo quý III, chi tiết theo 14 tổ")
        big = PDF + b"0" * (300 * 1024)
        response = officer.post(
            f"{task_page(site)}/updates",
            content_type="multipart/form-data",
            data={**data, "evidence": (io.BytesIO(big), "danh-sach.pdf")},
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "bộ nhớ của máy chủ đã đầy" in plain(html)
        assert "Báo cáo kết quả rà soát hộ nghèo quý III, chi tiết theo 14 tổ" in html  # nothing typed is lost
        assert site.count(ProgressUpdate) == 0
        assert [name for name in os.listdir(small_disk) if name != "filler"] == []  # no half-written file
        assert site.count(AuditEvent, AuditEvent.action == "storage.full") == 1
        health = site.app.test_client().get("/healthz").get_json()
        assert any("full" in warning for warning in health["warnings"]) and health["status"] in ("degraded", "fail")
        # Sent again without the file, it is stored.
        response = officer.post(f"{task_page(site)}/updates", data=data)
        assert response.status_code == 302 and site.count(ProgressUpdate) == 1
    finally:
        site.close()


# --- 6. the 503 page after a post ---------------------------------------------------------------


def test_the_unavailable_page_after_a_post_leads_back_to_the_form_page_and_sends_again_once(site, proxy, server):
    officer = site.browser()
    data = update_form(officer, site, "Đã tổ chức 2 lớp dạy nghề")
    proxy.away = True
    proxy._cut_all()
    response = post_update(officer, site, data, with_file=False)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Những gì bạn vừa gửi chưa được lưu" in plain(html)
    assert "Dữ liệu bạn đã lưu không bị mất" not in plain(html)  # no such promise for the post that failed
    assert "tải lại trang" not in plain(html)  # a reload would be a GET on a post-only address
    assert 'href=""' not in html and f'href="{task_page(site)}"' in html
    proxy.come_back()
    # The back link is a page that answers a GET (not the post-only address, which is a 405).
    assert officer.get(task_page(site)).status_code == 200
    again = form_values(html)
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    assert officer.post(action, data={k: v[0] for k, v in again.items()}).status_code == 302
    assert officer.post(action, data={k: v[0] for k, v in again.items()}).status_code == 302  # a double click
    assert site.count(ProgressUpdate) == 1


# --- 7. weak secrets and no key written in production -------------------------------------------


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "TRACKER_ENV")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "key", ["x" * 32, "changeme" * 4, "abcdefghijklmnopqrstuvwxyz012345", "change-me-please-change-me-please"]
)
def test_production_refuses_a_long_but_guessable_key_and_writes_no_key_file(tmp_path, key):
    instance = tmp_path / "instance"
    done = run_python(
        "from tracker import create_app; create_app()",
        {
            "TRACKER_ENV": "production",
            "SECRET_KEY": key,
            "TRACKER_INSTANCE_DIR": str(instance),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
    )
    assert done.returncode != 0 and "SECRET_KEY is not fit for production" in done.stderr
    assert not (instance / "secret_key").exists()


def test_production_without_a_key_writes_no_key_file_and_development_keeps_one(tmp_path):
    instance = tmp_path / "instance"
    env = {"TRACKER_INSTANCE_DIR": str(instance), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = run_python("from tracker import create_app; create_app()", {**env, "TRACKER_ENV": "production"})
    assert done.returncode != 0 and not (instance / "secret_key").exists()
    done = run_python("from tracker import create_app; print(len(create_app().config['SECRET_KEY']))", env)
    assert done.returncode == 0, done.stderr
    assert (instance / "secret_key").exists() and done.stdout.strip() == "64"


# --- 8. files that no record points at -----------------------------------------------------------


KILLED_BETWEEN_FILE_AND_COMMIT = """
import io, os, signal
from werkzeug.datastructures import FileStorage
from tracker import create_app
from tracker.core.actor import Actor
from tracker.core.time import now
from tracker.extensions import db
from tracker.accounts.models import User
from tracker.plan.models import Task
from tracker.progress import services
from tracker.progress.models import STATE_WORKING
app = create_app()
with app.app_context():
    task = db.session.query(Task).filter_by(code="IV.4.1").one()
    officer = db.session.query(User).filter_by(username=os.environ["OFFICER"]).one()
    data = services.UpdateInput(percent=10, state=STATE_WORKING, results="x", difficulties=None, proposals=None,
                                correction_note=None, visibility="restricted")
    pdf = FileStorage(io.BytesIO(b"%PDF-1.4 killed"), filename="bien-ban.pdf")
    services.post_update(Actor.for_user(officer), task, officer.unit_id, "lead", data, [pdf], now())
    db.session.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # the worker is killed before the commit
"""


def test_a_file_left_by_a_killed_worker_is_reported_and_removed_after_the_grace_period(database, tmp_path):
    uploads = tmp_path / "uploads"
    site = Site(database, database, uploads)
    try:
        officer = site.browser()
        kept = post_update(officer, site, update_form(officer, site, "Có minh chứng"))
        assert kept.status_code == 302
        (kept_name,) = site.rows(select(Evidence.stored_name))[0]
        env = {
            "DATABASE_URL": database,
            "UPLOAD_DIR": str(uploads),
            "TRACKER_INSTANCE_DIR": str(tmp_path / "instance"),
            "OFFICER": TEST_USERS["officer"][0],
        }
        done = run_python(KILLED_BETWEEN_FILE_AND_COMMIT, env)
        assert done.returncode == -signal.SIGKILL, done.stderr
        orphans = [name for name in os.listdir(uploads) if name != kept_name]
        assert len(orphans) == 1 and site.count(Evidence) == 1

        def clean() -> str:
            result = subprocess.run(
                [sys.executable, "-m", "flask", "--app", "app", "evidence", "clean"],
                cwd=ROOT,
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            return result.stdout

        clean()  # within the grace period: a post may still be committing
        assert orphans[0] in os.listdir(uploads)
        day_and_more = time.time() - 25 * 3600
        os.utime(uploads / orphans[0], (day_and_more, day_and_more))
        os.utime(uploads / kept_name, (day_and_more, day_and_more))
        health = site.app.test_client().get("/healthz").get_json()
        assert health["upload_folder"]["orphan_files"] == 1
        assert any("evidence clean" in warning for warning in health["warnings"])
        output = clean()
        assert orphans[0] in output
        assert os.listdir(uploads) == [kept_name]  # the file of a saved update is never touched
        assert site.count(AuditEvent, AuditEvent.action == "evidence.clean") == 1
    finally:
        site.close()
