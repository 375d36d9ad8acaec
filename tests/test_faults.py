"""When things go wrong at the same moment or half-way: two people writing at once, the database
going away and coming back, an upload cut off in the middle."""

from __future__ import annotations

import hashlib
import html as htmllib
import io
import os
import re
import select as select_module
import socket
import threading
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage

from tests.conftest import ON_POSTGRES, PASSWORD, TEST_USERS, current_database, login, make_app
from tests.helpers import database_snapshot, owed_unit_report, start_unit_report, whole_report
from tracker import ROOT
from tracker.accounts.services import create_user
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.core.time import now
from tracker.extensions import db
from tracker.progress import services as progress
from tracker.progress import storage
from tracker.progress.models import Evidence, ProgressUpdate
from tracker.reports import services as reports
from tracker.reports.models import UnitReport

CATALOGUE = ROOT / "tracker" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
PDF = b"%PDF-1.4\n% test evidence\n1 0 obj << >> endobj\n%%EOF\n"


def in_either_language(msgid: str) -> tuple[str, str]:
    with open(CATALOGUE, "rb") as source:
        entry = read_po(source).get(msgid)
    return (entry.string if entry and entry.string else msgid), msgid


def vietnamese(msgid: str) -> str:
    with open(CATALOGUE, "rb") as source:
        entry = read_po(source).get(msgid)
    assert entry is not None and entry.string, f"{msgid!r} has no Vietnamese translation"
    return entry.string


def dispose(*apps) -> None:
    for other in apps:
        with other.app_context():
            db.engine.dispose()


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def flashes(html: str) -> list[str]:
    return [plain(m) for m in re.findall(r'<div class="alert alert-[a-z]+" role="alert">(.*?)</div>', html, re.S)]


def upload_files(folder) -> list[str]:
    folder = Path(folder)
    return sorted(os.listdir(folder)) if folder.exists() else []


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def second_user(username: str, role: str, like: str):
    """Another account with `role` in the same unit as the test user `like`."""
    from tracker.accounts.models import User

    model = db.session.scalar(select(User).where(User.username == TEST_USERS[like][0]))
    user = create_user(username, PASSWORD, username.title(), [role], ward=model.ward, unit=model.unit)
    db.session.commit()
    return user


def signed_in_elsewhere(app, username: str):
    """A browser talking to an app server of its own (its own app, pool and sessions) on the
    same database and upload folder."""
    server = make_app(current_database(), UPLOAD_DIR=app.config["UPLOAD_DIR"])
    browser = server.test_client()
    db.session.commit()
    response = browser.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return server, browser


def at_once(*calls):
    """Run the calls in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    if errors:
        raise errors[0]
    return results


# --- 1. two officers posting on the same task at once -------------------------------------------


def test_two_officers_posting_on_the_same_task_at_once_both_are_stored(app, plan, user_of, task_of):
    second_user("canbo.vhxh2", "officer", like="officer")
    first_server, first = signed_in_elsewhere(app, TEST_USERS["officer"][0])
    second_server, second = signed_in_elsewhere(app, "canbo.vhxh2")
    url = f"/plans/{plan.id}/tasks/IV.4.1/updates"

    def post(browser, percent: int, text: str, name: str, content: bytes):
        return lambda: browser.post(
            url,
            data={
                "percent": str(percent),
                "state": "working",
                "results": text,
                "evidence": [(io.BytesIO(content), name)],
            },
            content_type="multipart/form-data",
        )

    try:
        expected = []
        for round_ in range(3):
            a = (
                10 + round_,
                f"Lần {round_}: cán bộ 1 đã rà soát tổ 1",
                f"to-1-lan-{round_}.pdf",
                PDF + b"%1-" + bytes([round_]),
            )
            b = (
                20 + round_,
                f"Lần {round_}: cán bộ 2 đã rà soát tổ 2",
                f"to-2-lan-{round_}.pdf",
                PDF + b"%2-" + bytes([round_]),
            )
            responses = at_once(post(first, *a), post(second, *b))
            assert [r.status_code for r in responses] == [302, 302], [r.get_data(as_text=True)[:300] for r in responses]
            expected += [("canbo.vhxh", a), ("canbo.vhxh2", b)]
    finally:
        dispose(first_server, second_server)

    db.session.commit()
    updates = db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
    assert len(updates) == 6
    stored = {
        (u.author.username, u.percent, u.results, tuple((e.original_name, e.sha256) for e in u.evidence))
        for u in updates
    }
    assert stored == {
        (username, percent, text, ((name, hashlib.sha256(content).hexdigest()),))
        for username, (percent, text, name, content) in expected
    }
    assert {u.task_id for u in updates} == {task_of("IV.4.1").id}
    # Every file is on disk with its content; nothing half-written is left.
    folder = Path(app.config["UPLOAD_DIR"])
    for update in updates:
        [item] = update.evidence
        assert hashlib.sha256((folder / item.stored_name).read_bytes()).hexdigest() == item.sha256
    assert len(upload_files(folder)) == 6
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "progress.post")).all()) == 6
    # Both show on the task page.
    reader = app.test_client()
    login(reader, "committee")
    html = reader.get(f"/plans/{plan.id}/tasks/IV.4.1").get_data(as_text=True)
    for _username, (_percent, text, _name, _content) in expected:
        assert text in html


# --- 2. two reviewers deciding on the same report at once ---------------------------------------


CHANGED = in_either_language(
    "This report was changed by someone else while you were reading it. Check its current state below before deciding."
)
REFUSED = in_either_language("Only a submitted report can be accepted.") + in_either_language(
    "Only a submitted report can be returned."
)


def submitted(plan, period, user) -> UnitReport:
    """The unit's whole report of the round of `period`, submitted by `user`."""
    owed = owed_unit_report(plan, period, user.unit_id)
    report = start_unit_report(owed, now())
    reports.submit(
        Actor.for_user(user),
        report,
        whole_report(owed.tasks, f"Kết quả {period.kind} {period.year} của"),
        now(),
        roles=owed.roles,
    )
    db.session.commit()
    return report


def review_version(html: str) -> int:
    field = re.search(r'<input[^>]*\bname="version"[^>]*>', html)
    assert field, "the page has no review form"
    return int(re.search(r'value="(\d+)"', field.group(0)).group(1))


@pytest.mark.parametrize("decisions", [("accept", "return"), ("accept", "accept"), ("return", "return")])
def test_two_reviewers_at_once_exactly_one_decision_is_recorded(app, plan, user_of, period_of, decisions):
    second_user("thuongtruc2", "secretariat", like="secretariat")
    reviewers = {TEST_USERS["secretariat"][0]: None, "thuongtruc2": None}
    servers = []
    try:
        for username in reviewers:
            server, browser = signed_in_elsewhere(app, username)
            servers.append(server)
            reviewers[username] = browser
        # The unit's reports of three rounds, one after the other.
        for period in (period_of("six_month", 2026), period_of("annual", 2026), period_of("six_month", 2027)):
            report = submitted(plan, period, user_of("officer"))
            label = f"{period.kind} {period.year}"
            url = f"/plans/{plan.id}/reports/{report.id}"
            # Both open the report and read the same version.
            versions = {
                name: review_version(browser.get(url).get_data(as_text=True)) for name, browser in reviewers.items()
            }
            assert len(set(versions.values())) == 1
            comments = {name: f"{decision} bởi {name} ({label})" for name, decision in zip(reviewers, decisions)}

            # A return points at the report's first section, as the review form lets it.
            pointed = report.sections[0].task_id

            def decide(name, decision, url=url, comments=comments, versions=versions, pointed=pointed):
                return lambda: reviewers[name].post(
                    f"{url}/review",
                    data={
                        "decision": decision,
                        "comment": comments[name],
                        "version": str(versions[name]),
                        "section": str(pointed) if decision == "return" else "",
                    },
                )

            responses = dict(zip(reviewers, at_once(*(decide(name, d) for name, d in zip(reviewers, decisions)))))
            assert all(r.status_code == 302 for r in responses.values()), {
                n: r.status_code for n, r in responses.items()
            }
            winners = [name for name, r in responses.items() if "/review?period=" in r.headers["Location"]]
            assert len(winners) == 1, {n: r.headers["Location"] for n, r in responses.items()}
            [winner] = winners
            [loser] = [name for name in reviewers if name != winner]
            decision = dict(zip(reviewers, decisions))[winner]

            # The loser is told, on the report's page.
            assert responses[loser].headers["Location"].endswith(url)
            messages = flashes(reviewers[loser].get(url).get_data(as_text=True))
            assert any(text in message for message in messages for text in CHANGED + REFUSED), messages

            # The winner's decision stands, complete and unmixed.
            db.session.expire_all()
            report = db.session.get(UnitReport, report.id)
            assert report.status == {"accept": "accepted", "return": "returned"}[decision]
            assert report.reviewed_by.username == winner
            assert report.review_comment == comments[winner]
            assert [e.action for e in report.events] == ["submitted", report.status]
            assert report.events[-1].actor.username == winner
            outcomes = {s.task_id: (s.outcome, s.outcome_comment) for s in report.sections}
            if decision == "accept":
                assert set(outcomes.values()) == {("accepted", None)}
                assert report.events[-1].task_id is None
            else:
                assert outcomes.pop(pointed) == ("returned", comments[winner])
                assert set(outcomes.values()) == {(None, None)}
                assert report.events[-1].task_id == pointed
            reviews = db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action.in_(("report.accept", "report.return")),
                    AuditEvent.target_type == "unit_report",
                    AuditEvent.target_id == report.id,
                )
            ).all()
            assert [(e.action, e.username) for e in reviews] == [(f"report.{decision}", winner)]
    finally:
        dispose(*servers)


# --- 3. the database goes away and comes back ---------------------------------------------------


UNAVAILABLE_TITLE = vietnamese("Temporarily unavailable")
UNAVAILABLE_TEXT = vietnamese(
    "The system cannot reach its database right now. Nothing you have saved is lost. Please wait a moment and reload the page."
)
UNAVAILABLE_AFTER_POST = vietnamese("What you just sent was not saved.")


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 that can be stopped (dropping every open connection, as a
    database server that goes down does) and started again on the same port."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = 0
        self.listener: socket.socket | None = None
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(50)
        self.port = listener.getsockname()[1]
        self.listener = listener
        self.running = True
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self.threads.append(thread)

    def _accept(self, listener) -> None:
        while self.running:
            try:
                ready, _, _ = select_module.select([listener], [], [], 0.1)
                if not ready:
                    continue
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets.update((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                pump = threading.Thread(target=self._pump, args=(source, target), daemon=True)
                pump.start()

    def _pump(self, source, target) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        self.running = False
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for thread in self.threads:
            thread.join(timeout=5)
        self.threads = []
        with self.lock:
            sockets, self.sockets = self.sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class Outage:
    """Takes the database away from an app and brings it back, without touching the app."""

    def __init__(self, app, tmp_path: Path):
        self.database = current_database()
        self.tmp_path = tmp_path
        self.proxy = None
        if ON_POSTGRES:
            url = make_url(self.database)
            self.proxy = TcpProxy(url.port)
            self.proxy.start()
            database = url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(hide_password=False)
        else:
            database = self.database
        self.app = make_app(database, UPLOAD_DIR=app.config["UPLOAD_DIR"])
        self.away = False

    def begin(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()  # open connections are cut, new ones refused
        else:
            # An SQLite connection keeps reading a file it has open even after the file is moved,
            # so the app's idle connections are closed first (as a server restart closes them);
            # new ones then find no database where it was.
            with self.app.app_context():
                db.engine.dispose()
            self.hiding_place = self.tmp_path / "away"
            self.hiding_place.mkdir(exist_ok=True)
            for path in self._files():
                os.replace(path, self.hiding_place / path.name)
            self.database.mkdir()  # so that SQLite cannot create an empty database in its place
        self.away = True

    def end(self) -> None:
        if not self.away:
            return
        if self.proxy is not None:
            self.proxy.start()  # the same port
        else:
            self.database.rmdir()
            for path in sorted(self.hiding_place.iterdir()):
                os.replace(path, self.database.parent / path.name)
        self.away = False

    def _files(self) -> list[Path]:
        return [p for p in (Path(f"{self.database}{suffix}") for suffix in ("", "-wal", "-shm")) if p.exists()]

    def close(self) -> None:
        self.end()
        dispose(self.app)
        if self.proxy is not None:
            self.proxy.stop()


@pytest.fixture
def outage(app, tmp_path):
    db.session.commit()
    handle = Outage(app, tmp_path)
    yield handle
    handle.close()


def assert_unavailable_page(response, posted: bool = False) -> None:
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers.get("Retry-After") == "30"
    html = response.get_data(as_text=True)
    assert UNAVAILABLE_TITLE in html
    if posted:  # no claim that nothing is lost for the post that failed, no reload of a POST address
        assert UNAVAILABLE_AFTER_POST in html and UNAVAILABLE_TEXT not in html and 'href=""' not in html
    else:
        assert UNAVAILABLE_TEXT in html
    for leak in ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "sqlite3", 'File "'):
        assert leak not in html, leak
    assert "Content-Security-Policy" in response.headers


def test_the_database_going_away_gives_a_calm_page_and_the_app_recovers_by_itself(app, plan, outage):
    server = outage.app
    before = server.test_client()
    assert before.get("/login").status_code == 200
    assert before.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}).status_code == 302
    assert before.get(f"/plans/{plan.id}/").status_code == 200  # the app's pool holds a working connection

    outage.begin()
    browser = server.test_client()
    for _attempt in range(2):  # and again: the app does not get stuck in a worse state
        response = browser.post("/login", data={"username": TEST_USERS["committee"][0], "password": PASSWORD})
        assert_unavailable_page(response, posted=True)
        assert PASSWORD not in response.get_data(as_text=True)
    health = server.test_client().get("/healthz")
    assert health.status_code == 503 and health.get_json()["problems"][0].startswith("database unreachable")

    outage.end()
    # Same app object, no restart: the next requests work again.
    response = browser.post("/login", data={"username": TEST_USERS["committee"][0], "password": PASSWORD})
    assert response.status_code == 302
    page = browser.get(f"/plans/{plan.id}/")
    assert page.status_code == 200 and "NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM" in page.get_data(as_text=True)
    db.session.commit()
    assert {e.username for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login"))} == {
        TEST_USERS["officer"][0],
        TEST_USERS["committee"][0],
    }


def test_a_signed_in_user_also_gets_the_calm_page_while_the_database_is_away(app, plan, outage):
    browser = outage.app.test_client()
    assert browser.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}).status_code == 302
    assert browser.get(f"/plans/{plan.id}/").status_code == 200

    outage.begin()
    try:
        for url in (f"/plans/{plan.id}/", f"/plans/{plan.id}/tasks/IV.4.1", f"/plans/{plan.id}/my-unit"):
            assert_unavailable_page(browser.get(url))
    finally:
        outage.end()
    page = browser.get(f"/plans/{plan.id}/tasks/IV.4.1")
    assert page.status_code == 200


def test_a_post_while_the_database_is_away_shows_what_was_typed_to_copy(app, plan, outage):
    browser = outage.app.test_client()
    assert browser.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}).status_code == 302
    written = "Đã rà soát 14 tổ dân phố,\nphát hiện 3 hộ mới phát sinh"
    outage.begin()
    try:
        response = browser.post(
            f"/plans/{plan.id}/tasks/IV.4.1/updates",
            data={"percent": "40", "state": "working", "results": written, "once": "mot-lan-gui-thu"},
        )
    finally:
        outage.end()
    assert_unavailable_page(response, posted=True)
    html = response.get_data(as_text=True)
    # The text is shown where it can be selected and copied (a read-only box), not only hidden in
    # the "send again" form; the form's own token and the percent are not shown as text.
    shown = re.findall(r"<textarea[^>]*readonly[^>]*>(.*?)</textarea>", html, re.S)
    assert [htmllib.unescape(text) for text in shown] == [written]
    assert "Nội dung bạn đã viết" in html


def test_sent_again_without_its_files_an_update_is_not_saved_bare_but_given_back(app, plan, outage):
    browser = outage.app.test_client()
    assert browser.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}).status_code == 302
    written = "Biên bản kiểm tra 14 tổ dân phố đính kèm"
    outage.begin()
    try:
        response = browser.post(
            f"/plans/{plan.id}/tasks/IV.4.1/updates",
            content_type="multipart/form-data",
            data={
                "percent": "40",
                "state": "working",
                "results": written,
                "once": "gui-kem-tep",
                "evidence": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "bien-ban.pdf"),
            },
        )
    finally:
        outage.end()
    assert_unavailable_page(response, posted=True)
    html = response.get_data(as_text=True)
    again = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert again["files_left_behind"] == "1" and htmllib.unescape(again["results"]) == written
    # "Gửi lại" once the database is back: the text comes back in the form to attach the file
    # again; nothing is saved without it.
    resent = browser.post(
        f"/plans/{plan.id}/tasks/IV.4.1/updates", data={k: htmllib.unescape(v) for k, v in again.items()}
    )
    assert resent.status_code == 422
    page = resent.get_data(as_text=True)
    assert written in page and "Chọn lại" in page
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) == 0


def test_a_missing_page_or_an_expired_form_while_the_database_is_away_is_the_calm_page(app, plan, outage):
    browser = outage.app.test_client()
    assert browser.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}).status_code == 302
    outage.begin()
    try:
        # The error pages' menu asks the database who is signed in: not a bare server error.
        assert_unavailable_page(browser.get(f"/plans/{plan.id}/no-such-page"))
        assert_unavailable_page(browser.get("/logout"))  # a GET on a post-only address (405)
    finally:
        outage.end()
    assert browser.get(f"/plans/{plan.id}/no-such-page").status_code == 404


def test_a_request_reads_nothing_again_after_its_commit_and_the_tests_session_is_left_as_it_was(app):
    with app.test_request_context("/"):
        app.preprocess_request()
        # Objects are not reloaded after the commit: the answer is built from what the request holds.
        assert db.session().expire_on_commit is False
        app.do_teardown_request()
        assert db.session().expire_on_commit is True


# --- 4. an upload cut off half-way --------------------------------------------------------------


class BrokenStream(io.BytesIO):
    """An upload stream whose connection drops after `fail_after` bytes."""

    def __init__(self, content: bytes, fail_after: int):
        super().__init__(content)
        self.fail_after = fail_after
        self.delivered = 0

    def read(self, size=-1):
        if self.delivered >= self.fail_after:
            raise OSError(104, "Connection reset by peer")
        data = super().read(size)
        self.delivered += len(data)
        return data


BIG_PDF = PDF + b"0" * 300_000


def test_storage_save_interrupted_half_way_leaves_no_file(app):
    folder = Path(app.config["UPLOAD_DIR"])
    broken = FileStorage(stream=BrokenStream(BIG_PDF, fail_after=100_000), filename="Biên bản.pdf")
    with pytest.raises(OSError):
        storage.save(broken)
    assert broken.stream.delivered > 16, "the save did not get past the first bytes"
    assert upload_files(folder) == [], "a partial file (or its .part) was left behind"
    # The same file, whole, is stored.
    saved = storage.save(FileStorage(stream=io.BytesIO(BIG_PDF), filename="Biên bản.pdf"))
    assert upload_files(folder) == [saved.stored_name]
    assert (folder / saved.stored_name).read_bytes() == BIG_PDF


def test_an_update_whose_second_file_breaks_stores_neither_file_nor_record(app, plan, user_of, task_of):
    folder = Path(app.config["UPLOAD_DIR"])
    officer = user_of("officer")
    before = database_snapshot()
    files = [
        FileStorage(stream=io.BytesIO(PDF), filename="tot.pdf"),
        FileStorage(stream=BrokenStream(BIG_PDF, fail_after=70_000), filename="dang-do.pdf"),
    ]
    with pytest.raises(OSError):
        progress.post_update(
            Actor.for_user(officer, "127.0.0.1"),
            task_of("IV.4.1"),
            officer.unit_id,
            "lead",
            progress.UpdateInput(40, "working", "Kết quả"),
            files,
            now(),
        )
    db.session.rollback()
    assert upload_files(folder) == [], "the first file, already stored, was not removed"
    assert count(ProgressUpdate) == 0 and count(Evidence) == 0
    assert database_snapshot() == before


def raw_multipart(
    fields: dict, files: list[tuple[str, bytes]], boundary: str = "----trackerFaultBoundary"
) -> tuple[bytes, str]:
    body = b""
    for key, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    for name, content in files:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="{name}"\r\n'
                f"Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_request_body_cut_short_is_refused_and_stores_nothing(app, plan, client):
    login(client, "officer")
    url = f"/plans/{plan.id}/tasks/IV.4.1/updates"
    body, content_type = raw_multipart(
        {"percent": "30", "state": "working", "results": "Đang tải lên"}, [("a.pdf", BIG_PDF)]
    )
    before = database_snapshot()

    # The connection drops: fewer bytes arrive than the Content-Length announced.
    cut = body[: len(body) // 2]
    response = client.post(
        url,
        content_type=content_type,
        environ_overrides={"wsgi.input": io.BytesIO(cut), "CONTENT_LENGTH": str(len(body))},
    )
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
    assert database_snapshot() == before
    assert upload_files(app.config["UPLOAD_DIR"]) == []

    # A multipart body that ends in the middle of the file (Content-Length matching what was sent).
    response = client.post(url, data=cut, content_type=content_type)
    assert response.status_code in (400, 422)
    assert database_snapshot() == before
    assert upload_files(app.config["UPLOAD_DIR"]) == []

    # The whole body goes through.
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 302
    assert count(ProgressUpdate) == 1 and len(upload_files(app.config["UPLOAD_DIR"])) == 1


def test_too_large_a_file_or_request_stores_nothing(app, plan, client):
    login(client, "officer")
    url = f"/plans/{plan.id}/tasks/IV.4.1/updates"
    app.config["EVIDENCE_MAX_BYTES"] = 50_000
    before = database_snapshot()
    response = client.post(
        url,
        data={"percent": "30", "state": "working", "evidence": [(io.BytesIO(BIG_PDF), "lon.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert database_snapshot() == before and upload_files(app.config["UPLOAD_DIR"]) == []

    app.config["EVIDENCE_MAX_BYTES"] = 10 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    response = client.post(
        url,
        data={"percent": "30", "state": "working", "evidence": [(io.BytesIO(BIG_PDF), "lon.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert database_snapshot() == before and upload_files(app.config["UPLOAD_DIR"]) == []
