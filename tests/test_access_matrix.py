"""Every route of the app, for every role and for an anonymous visitor, is allowed or refused as
the rules say. The routes come from the app's URL map: a new route that is not classified below
fails `test_every_route_is_classified`.

The rules (design.md, "Who uses it"): everyone signed in reads the plan; an officer posts on tasks
the unit leads or supports and writes the unit's report of each reporting round; the secretariat
keeps the calendar, assigns units and reviews reports; the admin manages accounts and units and
reads the audit log; committee members and the chair read.
"""

import io
from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from config import TestConfig
from tests.conftest import TEST_USERS, api_token, login
from tracker import create_app
from tracker.extensions import db

ROLES = ("officer", "secretariat", "committee", "chair", "admin")
SIGNED_IN = frozenset(ROLES)
PUBLIC = "public"

# endpoint -> who may use it: PUBLIC, or the set of roles allowed (anonymous is never allowed
# unless PUBLIC). Object-level rules use objects that the allowed role may act on: task IV.4.1 is
# led by the officer's unit (Phòng Văn hóa – Xã hội).
ACCESS = {
    "static": PUBLIC,
    "health.healthz": PUBLIC,
    "accounts.login": PUBLIC,
    "home.set_language": PUBLIC,
    "accounts.logout": SIGNED_IN,
    "home.index": SIGNED_IN,
    "plan.overview": SIGNED_IN,
    "plan.task": SIGNED_IN,
    "plan.assignments": {"secretariat", "admin"},
    "plan.derive_yearly": {"secretariat"},
    "plan.versions": SIGNED_IN,
    "plan.edit_task": {"secretariat"},
    "plan.version": SIGNED_IN,  # the plan's first version (the template database's load)
    "progress.post": {"officer"},
    # A file posted without a choice is restricted to the task's units, the secretariat, the
    # committee and the chair; the admin's work is accounts and units, not households' data.
    "progress.evidence": {"officer", "secretariat", "committee", "chair"},
    "reports.edit": {"officer"},
    "reports.detail": SIGNED_IN,
    "reports.version": SIGNED_IN,
    "reports.docx": SIGNED_IN,
    "reports.review": {"secretariat"},
    "reports.queue": {"secretariat"},
    "reports.bulk_accept": {"secretariat"},
    "periods.index": SIGNED_IN,
    "periods.edit": {"secretariat"},
    "units.index": SIGNED_IN,
    "units.detail": SIGNED_IN,
    "units_home.my_unit": SIGNED_IN,
    "targets.index": SIGNED_IN,
    "accounts_admin.index": {"admin"},
    "accounts_admin.new": {"admin"},
    "accounts_admin.edit": {"admin"},
    "accounts_admin.password": {"admin"},
    "accounts_admin.unlock": {"admin"},
    "units_admin.index": {"admin"},
    "units_admin.new": {"admin"},
    "units_admin.edit": {"admin"},
    "audit_log.index": {"admin"},
    "dashboard.index": SIGNED_IN,
    # Many wards' plans: a province's accounts and an installation admin, none of a ward's roles.
    "overview.index": frozenset(),
    "dashboard.tasks": SIGNED_IN,
    "accountability.index": {"secretariat", "committee", "chair", "admin"},
    "accountability.unit": {"secretariat", "committee", "chair", "admin"},
    "accountability.chase": {"secretariat", "chair"},  # chasing the officer's unit
    "accountability.chase_sent": {"secretariat", "committee", "chair", "admin"},
    "discussion.comment": {"secretariat", "committee", "chair"},
    "discussion.ask": {"secretariat", "committee", "chair"},
    "discussion.questions": SIGNED_IN,
    "discussion.answer": {"officer"},  # a question to the officer's unit
    "discussion.directives": SIGNED_IN,
    "discussion.issue": {"chair"},
    "discussion.reply": {"officer"},  # a directive to the officer's unit
    "accounts.profile": SIGNED_IN,
    "alerts.index": SIGNED_IN,
    "alerts.open_": SIGNED_IN,  # the user's own notification
    "alerts.mark_read": SIGNED_IN,
    "alerts.mark_all_read": SIGNED_IN,
    "alerts.mark_day_read": SIGNED_IN,
    "plan.milestone_done": {"secretariat"},  # VI.1.6 is led by the secretariat's own unit
    "targets.actuals": {"officer", "secretariat"},  # the officer's unit reports some indicators
    "ward_reports.index": {"secretariat", "committee", "chair", "admin"},
    "ward_reports.edit": {"secretariat", "committee", "chair", "admin"},  # only the secretariat may POST
    "ward_reports.docx": {"secretariat", "committee", "chair", "admin"},
    "ward_reports.xlsx": {"secretariat", "committee", "chair", "admin"},
    "ward_reports.printable": {"secretariat", "committee", "chair", "admin"},
    "exports.tasks": SIGNED_IN,
    "exports.updates": SIGNED_IN,
    "exports.alerts": SIGNED_IN,
    "exports.job": SIGNED_IN,  # each person opens their own export (another's answers 404)
    "exports.job_file": SIGNED_IN,
    # A plan document read into a draft, reviewed and adopted: the secretariat keeps the plan.
    "planimport.upload": {"secretariat"},
    "planimport.review": {"secretariat"},
    "planimport.download": {"secretariat"},
    # The JSON API: the same rules, asked with a token of each role (tracker.api). The description
    # and its page are public: they hold no data.
    "api-docs.openapi_json": PUBLIC,
    "api_docs.reference": PUBLIC,
    "api.plans": SIGNED_IN,
    "api.plan": SIGNED_IN,
    "api.tasks": SIGNED_IN,
    "api.task": SIGNED_IN,
    "api.units": SIGNED_IN,
    "api.updates": SIGNED_IN,
    "api.update_detail": SIGNED_IN,
    "api.periods": SIGNED_IN,
    "api.dashboard_summary": SIGNED_IN,
    "api.post_update": {"officer"},
    "api.accountability_table": {"secretariat", "committee", "chair", "admin"},
    "api.alert_list": SIGNED_IN,
    "api.alert_notifications": SIGNED_IN,  # each person's own
    "api.question_list": SIGNED_IN,
    "api.question_detail": SIGNED_IN,
    "api.question_answer": {"officer"},  # a question to the officer's unit
    "api.report_list": SIGNED_IN,
    "api.report_detail": SIGNED_IN,
    "api.report_save": {"officer"},  # the officer's unit's report of the annual period of 2026
    "api.report_submit": {"officer"},
    "api.indicator_list": SIGNED_IN,
    "api.figure_list": SIGNED_IN,
    "api.figure_record": {"officer", "secretariat"},  # the officer's unit reports some indicators
    "accounts.create_token": SIGNED_IN,
    "accounts.revoke_token": SIGNED_IN,  # each person's own token (another's answers 404)
}


class FromSample(str):
    """An override whose value is the sample's entry of this name."""


# URL values that differ from the sample's for one endpoint. `code` is a task code in most rules
# but a unit code or a language code in some; reports.edit uses the annual period of 2026, for
# which the officer's unit owes a report it has not started, so the officer gets the form (the
# six-month report of 2026 is submitted and only redirects to its page).
OVERRIDES = {
    "plan.milestone_done": {"code": "VI.1.6"},
    "reports.edit": {"period_id": FromSample("unstarted_period_id")},
    "api.report_save": {"period_id": FromSample("unstarted_period_id")},
    "api.report_submit": {"period_id": FromSample("unstarted_period_id")},
    "units.detail": {"code": "phong-vh-xh"},
    "accountability.unit": {"code": "phong-vh-xh"},
    "accountability.chase": {"code": "phong-vh-xh"},
    "home.set_language": {"code": "en"},
}

# Where fewer roles may POST to a page than may GET it: (endpoint, method) -> the roles allowed.
READ_ONLY = {("ward_reports.edit", "POST"): {"secretariat"}}

# Allowed POSTs whose form refuses the matrix's empty body: the view answers 422 with the form
# re-rendered and its fields marked invalid. No other allowed request may answer 4xx. accounts.login
# refuses empty credentials only for an anonymous visitor (a signed-in user is sent on to the start
# page); reports.edit is not listed because an empty body is a valid draft and is saved (302).
REFUSES_EMPTY_FORM = {
    "accounts.login",
    "accounts.profile",
    "accounts.create_token",
    "accounts_admin.new",
    "accounts_admin.edit",
    "accounts_admin.password",
    "units_admin.new",
    "units_admin.edit",
    "discussion.issue",
    "periods.edit",
    "plan.assignments",
    "plan.edit_task",
    "planimport.upload",
    "progress.post",
    "api.post_update",
    "api.question_answer",
    "api.report_submit",  # an empty report is incomplete
    "api.figure_record",
    "reports.review",
    "ward_reports.edit",
}

# /healthz answers 503 in a test only because the scheduler has never beaten here.
SCHEDULER_NEVER_RAN = "the scheduler has never run"


@pytest.fixture
def sample(app, plan, user_of, task_of, period_of):
    """Objects for every URL parameter: the unit's submitted six-month report, an update with a file (restricted, as by default)."""
    from tests.helpers import owed_unit_report, start_unit_report, whole_report
    from tracker.accountability.models import Chase
    from tracker.core.actor import Actor
    from tracker.core.time import utcnow
    from tracker.discussion import services as discussion
    from tracker.progress.services import UpdateInput, post_update
    from tracker.reports import services as reports
    from tracker.units.models import Unit

    officer = user_of("officer")
    task = task_of("IV.4.1")
    period = period_of("six_month", 2026)
    upload = _FileStorage(b"%PDF-1.4 evidence", "bien-ban.pdf")
    update, _stored = post_update(
        Actor.for_user(officer), task, officer.unit_id, "lead", UpdateInput(50, "working", "Đã làm"), [upload], utcnow()
    )
    owed = owed_unit_report(plan, period, officer.unit_id)
    assert task in owed.tasks
    report = start_unit_report(owed, utcnow())
    reports.submit(Actor.for_user(officer), report, whole_report(owed.tasks), utcnow(), roles=owed.roles)
    unstarted = period_of("annual", 2026)
    assert owed_unit_report(plan, unstarted, officer.unit_id).round.id != owed.round.id
    unit = db.session.scalar(select(Unit).where(Unit.code == "phong-vh-xh"))
    chair = Actor.for_user(user_of("chair"))
    question = discussion.ask_question(
        Actor.for_user(user_of("committee")), plan, unit, "Vì sao chậm?", utcnow(), task=task
    )
    directive = discussion.issue_directive(
        chair, plan, unit, "Khẩn trương báo cáo", date(2030, 1, 1), utcnow(), task=task
    )
    chase = Chase(
        plan_id=plan.id,
        unit_id=unit.id,
        by_id=user_of("secretariat").id,
        text="Đề nghị gửi báo cáo",
        created_at=utcnow(),
    )
    db.session.add(chase)
    draft = _plan_draft(plan)
    db.session.commit()
    alert_id = _alert_for_everyone(plan, task, unit)
    milestone = task_of("VI.1.6").milestones[0]
    token_headers = {role: api_token(role) for role in ROLES}
    return {
        "token_headers": token_headers,
        "api_tokens": _token_ids(),
        "update_id": update.id,
        "fmt": "csv",
        "notifications": alert_id,
        "export_jobs": _export_for_everyone(plan),
        "milestone_id": milestone.id,
        "question_id": question.id,
        "directive_id": directive.id,
        "chase_id": chase.id,
        "day": "2026-06-03",
        "plan_id": plan.id,
        "code": "IV.4.1",
        "period_id": period.id,
        "report_id": report.id,
        "number": report.versions[0].number,
        "unstarted_period_id": unstarted.id,
        "evidence_id": update.evidence[0].id,
        "user_id": officer.id,
        "unit_id": unit.id,
        "filename": "vendor/bootstrap/bootstrap.min.css",
        "draft_id": draft.id,
    }


def _token_ids() -> dict[str, int]:
    """username -> that person's (first) API token."""
    from tracker.accounts.tokens import ApiToken

    tokens = db.session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
    return {
        username: next(t.id for t in tokens if t.user.username == username)
        for username, *_rest in TEST_USERS.values()
        if any(t.user.username == username for t in tokens)
    }


def _plan_draft(plan):
    """A plan document read into a draft of the ward (the second plan of tests/test_plan_import)."""
    from tests.test_plan_import import CHO_MOI_UNITS, second_plan_docx
    from tracker.core.time import utcnow
    from tracker.planimport import matcher_for
    from tracker.planimport.models import PlanDraft
    from tracker.planimport.parser import read_draft
    from tracker.planimport.source import read_source
    from tracker.planimport.stored import draft_data

    source = read_source("kh.docx", second_plan_docx())
    draft = PlanDraft(
        ward_id=plan.ward_id,
        filename="kh.docx",
        created_at=utcnow(),
        updated_at=utcnow(),
        data=draft_data(read_draft(source, matcher_for(CHO_MOI_UNITS)), source),
    )
    db.session.add(draft)
    return draft


def _export_for_everyone(plan) -> dict[str, int]:
    """A written export for every test user: username -> that user's export job."""
    from tracker.accounts.models import User
    from tracker.core.time import utcnow
    from tracker.exports import jobs
    from tracker.exports.models import DONE, ExportJob

    own = {}
    for user in db.session.scalars(select(User).order_by(User.id)):
        job = ExportJob(
            plan_id=plan.id,
            user_id=user.id,
            endpoint="exports.updates",
            fmt="csv",
            args={},
            status=DONE,
            rows=1,
            file_name="cap-nhat-tien-do.csv",
            created_at=utcnow(),
        )
        db.session.add(job)
        db.session.flush()
        jobs.path_of(job).parent.mkdir(parents=True, exist_ok=True)
        jobs.path_of(job).write_bytes(b"\xef\xbb\xbfThoi gian\r\n")
        job.size = 14
        own[user.username] = job.id
    return own


def _alert_for_everyone(plan, task, unit) -> dict[str, int]:
    """One alert with a notification for every test user: username -> that user's notification."""
    from tracker.alerts.models import Alert, Notification
    from tracker.core.time import utcnow

    alert = Alert(
        plan_id=plan.id,
        key="test:matrix",
        kind="task_stale",
        unit_id=unit.id,
        task_id=task.id,
        effective_on=date(2026, 1, 1),
        created_at=utcnow(),
    )
    db.session.add(alert)
    db.session.flush()
    from tracker.accounts.models import User

    users = db.session.scalars(select(User).order_by(User.id)).all()
    own = {}
    for user in users:
        notification = Notification(user_id=user.id, alert_id=alert.id, created_at=utcnow())
        db.session.add(notification)
        db.session.flush()
        own[user.username] = notification.id
    return own


class _FileStorage:
    def __init__(self, content: bytes, filename: str):
        self.stream = io.BytesIO(content)
        self.filename = filename


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _route_ids():
    """Every (endpoint, method, rule) of the app; the URL map is the same for every database."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    return sorted(f"{rule.endpoint} {method} {rule.rule}" for rule, method in _routes(app))


ROUTES = _route_ids()


def test_every_route_is_classified(app):
    unclassified = sorted({rule.endpoint for rule, _method in _routes(app)} - set(ACCESS))
    assert unclassified == [], "classify these routes in ACCESS: " + ", ".join(unclassified)


def _request(client, app, route_id: str, sample: dict, role: str | None = None):
    endpoint, method, rule_text = route_id.split(" ", 2)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_text)
    values = {name: sample[name] for name in rule.arguments if name not in ("notification_id", "job_id", "token_id")}
    values.update(
        {
            k: sample[v] if isinstance(v, FromSample) else v
            for k, v in OVERRIDES.get(endpoint, {}).items()
            if k in rule.arguments
        }
    )
    if "notification_id" in rule.arguments:  # each person opens their own notification
        values["notification_id"] = sample["notifications"][TEST_USERS[role][0]] if role else 1
    if "job_id" in rule.arguments:  # and their own export
        values["job_id"] = sample["export_jobs"][TEST_USERS[role][0]] if role else 1
    if "token_id" in rule.arguments:  # and their own API token
        values["token_id"] = sample["api_tokens"][TEST_USERS[role][0]] if role else 1
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **values)
    if endpoint.startswith("api."):
        # The API is asked with the role's token, never with the session (tracker.api.base).
        headers = sample["token_headers"][role] if role else {}
        return client.open(url, method=method, headers=headers, json=None if method == "GET" else {})
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={})


def _describe(response) -> str:
    location = response.headers.get("Location")
    return f"{response.status_code}" + (f" -> {location}" if location else "")


def _is_login_redirect(response) -> bool:
    return (
        response.status_code in (301, 302, 303, 307, 308)
        and urlsplit(response.headers.get("Location", "")).path == "/login"
    )


def _assert_allowed(response, route_id: str, who: str) -> None:
    """An allowed request is served (2xx) or sent on (3xx, not to the login page); an allowed POST
    may also answer 422 with its form re-rendered where the form refuses an empty body. Anything
    else (404 from wrong sample data, 400, 500, ...) is a failure, not "allowed"."""
    endpoint, method, _rule = route_id.split(" ", 2)
    where = f"{who} on {route_id}: {_describe(response)}"
    status = response.status_code
    if endpoint == "health.healthz" and status == 503:
        problems = response.get_json()["problems"]
        assert len(problems) == 1 and problems[0].startswith(SCHEDULER_NEVER_RAN), f"{where} {problems}"
        return
    if method != "GET" and status == 422 and endpoint.startswith("api.") and endpoint in REFUSES_EMPTY_FORM:
        assert response.mimetype == "application/json" and response.get_json()["errors"], f"{where}: no field errors"
        return
    if method == "POST" and status == 422 and endpoint in REFUSES_EMPTY_FORM:
        # Every page has a form (sign out), so look for the fields the form marked invalid.
        assert response.mimetype == "text/html" and "is-invalid" in response.get_data(as_text=True), (
            f"{where}: no form errors shown"
        )
        return
    assert 200 <= status < 400, f"not served: {where}"
    if 300 <= status < 400:
        assert not _is_login_redirect(response), f"sent to sign in: {where}"


@pytest.mark.parametrize("route_id", ROUTES)
def test_anonymous_visitor(app, sample, route_id):
    endpoint = route_id.split(" ")[0]
    response = _request(app.test_client(), app, route_id, sample)
    if ACCESS.get(endpoint) == PUBLIC:
        _assert_allowed(response, route_id, "anonymous")
    elif endpoint.startswith("api."):
        # No token: 401 with what to send, never a redirect to a sign-in page.
        assert response.status_code == 401 and response.get_json()["code"] == "token_missing", (
            f"anonymous not refused on {route_id}: {_describe(response)}"
        )
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    else:
        assert _is_login_redirect(response), f"anonymous not sent to sign in on {route_id}: {_describe(response)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route_id", ROUTES)
def test_signed_in_roles(app, sample, route_id, role):
    endpoint, method, _rule = route_id.split(" ", 2)
    client = app.test_client()
    login(client, role)
    response = _request(client, app, route_id, sample, role)
    allowed = ACCESS[endpoint] == PUBLIC or role in READ_ONLY.get((endpoint, method), ACCESS[endpoint])
    if allowed:
        if endpoint == "accounts.logout":  # signing out ends on the login page
            assert _is_login_redirect(response), f"{role} on {route_id}: {_describe(response)}"
        else:
            _assert_allowed(response, route_id, role)
    else:
        assert response.status_code == 403, f"{role} not refused on {route_id}: {_describe(response)}"
        if endpoint.startswith("api."):
            assert response.get_json()["code"] == "forbidden", (
                f"{role} on {route_id}: {response.get_data(as_text=True)}"
            )


def test_an_officer_cannot_post_on_a_task_the_unit_does_not_hold(app, plan, client):
    login(client, "officer")
    # VI.6 belongs to Trạm Y tế alone; IV.10.1 has no unit at all.
    for code in ("VI.6", "IV.10.1"):
        response = client.post(f"/plans/{plan.id}/tasks/{code}/updates", data={"percent": "10", "state": "working"})
        assert response.status_code == 403


def test_membership_of_a_partner_group_lets_an_officer_post_as_partner(app, plan, client):
    login(client, "officer")
    # IV.4.4's partners include "các phòng, ban, đơn vị thuộc phường", of which the unit is a member.
    response = client.post(f"/plans/{plan.id}/tasks/IV.4.4/updates", data={"percent": "10", "state": "working"})
    assert response.status_code == 302


def test_the_post_form_shows_only_where_posting_is_allowed(app, plan, client):
    login(client, "officer")
    own = client.get(f"/plans/{plan.id}/tasks/IV.4.1").get_data(as_text=True)
    other = client.get(f"/plans/{plan.id}/tasks/VI.6").get_data(as_text=True)
    assert f"/plans/{plan.id}/tasks/IV.4.1/updates" in own
    assert "/updates" not in other


def test_test_users_cover_every_role():
    assert {roles[0] for _name, roles, _unit in TEST_USERS.values()} == set(ROLES)
