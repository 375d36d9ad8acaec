"""Small helpers shared by tests."""

from __future__ import annotations

import html as htmllib
import re
from contextlib import contextmanager
from datetime import date, datetime, time

from sqlalchemy import event, text

from tracker.core.time import WARD_TZ
from tracker.extensions import db


def at(day: str | date, clock: str | int = "09:00", minute: int = 0) -> datetime:
    """A moment in the ward (Asia/Ho_Chi_Minh): at("2026-06-05"), at(day, "14:30") or at(day, 14, 30)."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    if isinstance(clock, str):
        hour, minute = (int(part) for part in clock.split(":"))
    else:
        hour = clock
    return datetime.combine(day, time(hour, minute), WARD_TZ)


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that something changed nothing."""
    snapshot = {}
    for table in sorted(db.metadata.tables):
        rows = db.session.execute(text(f'SELECT * FROM "{table}"')).all()
        snapshot[table] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line number of the n-th line containing `needle`."""
    found = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            found += 1
            if found == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


def signed_in(app, role: str, language: str | None = None):
    """A fresh browser signed in as the test user of `role`, reading pages in `language`
    ("en" for the source strings; None for the default, Vietnamese)."""
    from tests.conftest import login

    client = app.test_client()
    if language:
        client.get(f"/language/{language}")
    login(client, role)
    return client


def page(client, url: str, follow_redirects: bool = False) -> str:
    """The HTML of a page that must load (200)."""
    response = client.get(url, follow_redirects=follow_redirects)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def plain(html: str, tidy_punctuation: bool = False) -> str:
    """The visible text of a page, tags turned into spaces, as a reader sees it."""
    text = htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([,.;:])", r"\1", text) if tidy_punctuation else text


def form_values(html: str, button: str | None = None, form_index: int = -1) -> dict[str, list[str]]:
    """What a browser would send for a form of the page (the last one by default): every field's
    current value, checked boxes only, and `button`'s name and value when given ("action=submit")."""
    from html.parser import HTMLParser

    class Forms(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.forms: list[dict[str, list[str]]] = []
            self.current: dict[str, list[str]] | None = None
            self.textarea: str | None = None
            self.select: str | None = None
            self.selected_seen = False
            self.first_option: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form" and (a.get("method") or "get").lower() == "post":
                self.current = {}
                self.forms.append(self.current)
            if self.current is None:
                return
            name = a.get("name")
            if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                self.current.setdefault(name, []).append(
                    a.get("value", "on" if a.get("type") in ("checkbox", "radio") else "")
                )
            elif tag == "textarea" and name:
                self.textarea = name
                self.current.setdefault(name, []).append("")
            elif tag == "select" and name:
                self.select, self.selected_seen, self.first_option = name, False, None
            elif tag == "option" and self.select:
                value = a.get("value", "")
                if self.first_option is None:
                    self.first_option = value
                if "selected" in a:
                    self.current.setdefault(self.select, []).append(value)
                    self.selected_seen = True

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None
            elif tag == "select" and self.select:
                if not self.selected_seen and self.first_option is not None:
                    self.current.setdefault(self.select, []).append(self.first_option)
                self.select = None
            elif tag == "form":
                self.current = None

        def handle_data(self, data):
            if self.textarea and self.current is not None:
                values = self.current[self.textarea]
                values[-1] += data

    parser = Forms()
    parser.feed(html)
    values = parser.forms[form_index]
    # A textarea's first newline right after the tag is not part of its value.
    values = {k: [v.removeprefix("\r\n").removeprefix("\n") for v in vs] for k, vs in values.items()}
    if button:
        name, value = button.split("=", 1)
        values[name] = [value]
    return values


def owed_unit_report(plan, period, unit_id: int):
    """What the unit owes for the reporting round of `period` (its tasks and its role on each), as
    the report's page lists it: a `tracker.reports.queries.OwedReport`."""
    from tracker.periods.queries import plan_rounds
    from tracker.reports.queries import owed_reports

    round_ = next(r for r in plan_rounds(plan) if period in r)
    [owed] = owed_reports(plan, [round_], unit_id=unit_id)
    return owed


def whole_report(tasks, results: str = "Kết quả", **general):
    """A report input that says something in every task's section (as submission requires):
    `results` followed by the task's code; `general` are the report's assessment, proposals or
    review part."""
    from tracker.reports.services import ReportInput, SectionInput

    return ReportInput(sections=[SectionInput(task, results=f"{results} {task.code}") for task in tasks], **general)


def send_unit_report(user, period, when, texts: dict | None = None, unit_id: int | None = None):
    """The unit's whole report of the period's round, written through the services as the form
    would and submitted at `when` (a draft or a returned report of the round is reused). Each
    section says `texts[code]`, either the results alone or (results, difficulties, proposals), or
    "Kết quả CODE"; percents and states are left alone, so no progress is posted. `user` is the
    officer who submits; the unit is theirs unless `unit_id` says otherwise."""
    from tracker.core.actor import Actor
    from tracker.periods.queries import plan_rounds
    from tracker.reports import services as reports
    from tracker.reports.queries import owed_reports

    unit_id = user.unit_id if unit_id is None else unit_id
    round_ = next(r for r in plan_rounds(period.plan) if period in r)
    owed = owed_reports(period.plan, [round_], unit_id=unit_id)
    assert owed, "the unit owes no report of the period"
    report = reports.find(round_, unit_id)
    if report is None:
        report = reports.start(round_, unit_id, owed[0].tasks, when)
        # Written to the database before it is filled, as the form's own queries do (a section
        # not yet written has no task id, and filling would add a second one for its task).
        db.session.flush()
    sections = []
    for task in owed[0].tasks:
        text = (texts or {}).get(task.code, f"Kết quả {task.code}")
        results, difficulties, proposals = (text, None, None) if isinstance(text, str) else text
        sections.append(reports.SectionInput(task, results=results, difficulties=difficulties, proposals=proposals))
    reports.submit(Actor.for_user(user), report, reports.ReportInput(sections), when, roles=owed[0].roles)
    return report


def start_unit_report(owed, when):
    """`reports.services.start` for an owed report: a draft with an empty section for each of its
    tasks. Nothing is flushed: what the caller writes next must find these sections (and not add a
    second section per task)."""
    from tracker.reports.services import start

    return start(owed.round, owed.unit_id, owed.tasks, when)


# A second ward with one unit and one task: evidence and pages must never cross wards.
OTHER_WARD_PLAN = """\
format_version: 1
ward:
  code: other-ward
  name: Phường Khác
units:
  - code: phong-khac
    name: Phòng Khác
plan:
  code: KH-KHAC-2026
  title: Kế hoạch của phường khác
  issuer: UBND phường Khác
  start_year: 2026
  end_year: 2026
  tasks:
    - code: I
      title: Nhiệm vụ duy nhất
      lead: [phong-khac]
"""


class Statements:
    """The SQL statements the app's engine runs inside the block."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []

    def _record(self, _conn, _cursor, statement, *_args):
        self.seen.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self.seen

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


@contextmanager
def served(app):
    """The app served over HTTP on a free port of 127.0.0.1, in a thread: yields its address."""
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="api-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
