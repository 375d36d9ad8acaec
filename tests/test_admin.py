"""The admin's pages (accounts, units, audit log) and the secretariat's plan upkeep (task
assignments, reporting deadlines)."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests import helpers
from tests.conftest import PASSWORD
from tests.helpers import database_snapshot
from tracker.accounts.models import User
from tracker.audit.models import AuditEvent
from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.extensions import db
from tracker.progress.models import ProgressUpdate
from tracker.units.models import Unit

signed_in = helpers.signed_in
plain = helpers.plain


WARD_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NEW_PASSWORD = "mat khau moi cua ban"


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def admin(app):
    return signed_in(app, "admin")


@pytest.fixture
def secretariat(app):
    return signed_in(app, "secretariat")


def can_sign_in(app, username: str, password: str) -> bool:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    return response.status_code == 302 and client.get("/", follow_redirects=True).status_code == 200


def text_of(response) -> str:
    return response.get_data(as_text=True)


def field_error(page: str, field_id: str) -> str | None:
    """The error text shown next to a form field, or None."""
    match = re.search(rf'<div id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def form_alert(page: str) -> str | None:
    """The error box at the top of a form, or None."""
    match = re.search(r'<div class="alert alert-danger" role="alert">(.*?)</div>\s*(?:<form|$)', page, re.S)
    return plain(match.group(1)).strip() if match else None


def input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag, f"no input named {name!r}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def task_codes(fragment: str) -> list[str]:
    return re.findall(r'<span class="task-code">([^<]+)</span>', fragment)


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def user_named(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def account_form(user: User, **changes) -> dict:
    """The account form as the admin's browser would send it, with some fields changed.
    active=False leaves the box unchecked."""
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email or "",
        "unit_id": user.unit_id or 0,
        "roles": sorted(user.role_codes),
        "active": user.active,
    }
    data.update(changes)
    if data["active"]:
        data["active"] = "y"
    else:
        del data["active"]
    return data


def unit_form(code: str, name: str, is_group: bool = False, members=(), note: str = "", active: bool = True) -> dict:
    data = {"code": code, "name": name, "members": [str(m) for m in members], "note": note}
    if is_group:
        data["is_group"] = "y"
    if active:
        data["active"] = "y"
    return data


def group_form(group: Unit, members) -> dict:
    return unit_form(group.code, group.name, is_group=True, members=members, note=group.note or "")


def location_path(response) -> str:
    return urlsplit(response.headers["Location"]).path


# --- accounts -------------------------------------------------------------------------------


NEW_ACCOUNT = {
    "username": "canbo.laodong",
    "full_name": "Nguyễn Thị Hoa",
    "email": "",
    "roles": ["officer", "committee"],
    "password": "mat khau cua hoa",
    "active": "y",
}


def new_account(**changes) -> dict:
    data = dict(NEW_ACCOUNT, unit_id=unit("phong-vh-xh").id)
    data.update(changes)
    return data


def test_admin_creates_an_account_that_can_sign_in(app, admin, plan):
    assert admin.get("/admin/users/new").status_code == 200
    response = admin.post("/admin/users/new", data=new_account())
    assert response.status_code == 302
    assert location_path(response) == "/admin/users/"
    assert "canbo.laodong" in text_of(admin.get("/admin/users/"))

    user = user_named("canbo.laodong")
    assert user.full_name == "Nguyễn Thị Hoa"
    assert user.role_codes == {"officer", "committee"}
    assert user.unit.code == "phong-vh-xh"
    assert user.ward.code == "bac-kan"
    assert user.active and user.email is None
    assert user.password_hash.startswith("pbkdf2:")  # hashed, the tests' cheap way
    assert audit_events("user.create")[-1].detail == {"username": "canbo.laodong", "roles": ["committee", "officer"]}

    client = app.test_client()
    response = client.post(
        "/login", data={"username": "canbo.laodong", "password": "mat khau cua hoa"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert response.request.path == f"/plans/{plan.id}/my-unit"


def test_admin_creates_a_disabled_account_that_cannot_sign_in(app, admin):
    data = new_account()
    del data["active"]
    assert admin.post("/admin/users/new", data=data).status_code == 302
    assert user_named("canbo.laodong").active is False
    assert not can_sign_in(app, "canbo.laodong", "mat khau cua hoa")


def test_admin_creates_an_account_with_an_email_address(app, admin):
    response = admin.post("/admin/users/new", data=new_account(email="hoa@example.vn"))
    assert response.status_code == 302
    assert user_named("canbo.laodong").email == "hoa@example.vn"


@pytest.mark.parametrize(
    "field, changes",
    [
        ("username", {"username": "nguyen thi hoa"}),
        ("username", {"username": "NguyenHoa"}),
        ("username", {"username": "nguyễn.hoa"}),
        ("username", {"username": ""}),
        ("roles", {"roles": []}),
        ("password", {"password": "ngan"}),
        ("full_name", {"full_name": ""}),
    ],
    ids=[
        "username-spaces",
        "username-uppercase",
        "username-accents",
        "username-missing",
        "no-role",
        "short-password",
        "no-full-name",
    ],
)
def test_new_account_with_bad_input_is_shown_again_with_errors(admin, field, changes):
    users_before = count(User)
    response = admin.post("/admin/users/new", data=new_account(**changes))

    assert response.status_code == 422
    page = text_of(response)
    assert field_error(page, field), f"an error is shown next to {field}"
    assert form_alert(page)
    if field != "full_name":
        assert input_value(page, "full_name") == "Nguyễn Thị Hoa", "what was typed is kept"
    assert input_value(page, "password") in (None, "")
    assert count(User) == users_before


@pytest.mark.parametrize(
    "field, changes",
    [
        ("email", {"email": "khong-phai-email"}),
        ("username", {"username": "Nguyen Hoa", "email": "hoa@example.vn"}),
    ],
    ids=["invalid-email", "bad-username-with-email"],
)
def test_new_account_with_bad_input_keeps_the_email_typed(admin, field, changes):
    users_before = count(User)
    response = admin.post("/admin/users/new", data=new_account(**changes))
    assert response.status_code == 422
    page = text_of(response)
    assert field_error(page, field)
    assert input_value(page, "email") == changes["email"]
    assert input_value(page, "full_name") == "Nguyễn Thị Hoa"
    assert count(User) == users_before


def test_new_account_needs_a_full_name_that_is_not_blank(admin):
    users_before = count(User)
    response = admin.post("/admin/users/new", data=new_account(full_name="   "))
    assert response.status_code == 422
    assert field_error(text_of(response), "full_name")
    assert count(User) == users_before


@pytest.mark.parametrize("username", ["canbo.vhxh", "quantri"])
def test_new_account_with_a_taken_username_is_refused(admin, user_of, username):
    users_before = count(User)
    response = admin.post("/admin/users/new", data=new_account(username=username))
    assert response.status_code == 422
    page = text_of(response)
    assert username in field_error(page, "username")
    assert input_value(page, "full_name") == "Nguyễn Thị Hoa"
    assert count(User) == users_before
    assert user_named(username).full_name == username.title()
    assert audit_events("user.create") == []


def test_admin_disables_an_account(app, admin, user_of):
    officer = user_of("officer")
    assert can_sign_in(app, "canbo.vhxh", PASSWORD)
    response = admin.post(f"/admin/users/{officer.id}", data=account_form(officer, active=False))
    assert response.status_code == 302
    assert officer.active is False
    assert not can_sign_in(app, "canbo.vhxh", PASSWORD)
    change = audit_events("user.change")[-1]
    assert change.target_id == officer.id
    assert change.detail["before"]["active"] is True and change.detail["after"]["active"] is False

    # Enabling it again lets the person back in.
    assert admin.post(f"/admin/users/{officer.id}", data=account_form(officer, active=True)).status_code == 302
    assert can_sign_in(app, "canbo.vhxh", PASSWORD)


def test_admin_changes_roles_and_unit(app, admin, plan, user_of):
    officer = user_of("officer")
    response = admin.post(
        f"/admin/users/{officer.id}",
        data=account_form(
            officer,
            full_name="Cán bộ Y tế mới",
            roles=["officer", "committee"],
            unit_id=unit("tram-y-te").id,
        ),
    )
    assert response.status_code == 302
    assert officer.role_codes == {"officer", "committee"}
    assert officer.unit.code == "tram-y-te"
    assert officer.full_name == "Cán bộ Y tế mới"
    client = signed_in(app, "officer")
    # The officer now posts for the health station (IV.4.3), no longer for IV.4.1.
    assert 'id="update-form"' in text_of(client.get(f"/plans/{plan.id}/tasks/IV.4.3"))
    assert 'id="update-form"' not in text_of(client.get(f"/plans/{plan.id}/tasks/IV.4.1"))


@pytest.mark.parametrize(
    "changes",
    [{"active": False}, {"roles": ["secretariat"]}, {"roles": []}],
    ids=["disable-self", "drop-own-admin-role", "no-role"],
)
def test_admin_cannot_lock_themself_out(app, admin, user_of, changes):
    me = user_of("admin")
    before = database_snapshot()
    response = admin.post(f"/admin/users/{me.id}", data=account_form(me, **changes))
    assert response.status_code == 422
    page = text_of(response)
    assert form_alert(page) or field_error(page, "roles")
    assert database_snapshot() == before
    assert admin.get("/admin/users/").status_code == 200
    assert can_sign_in(app, "quantri", PASSWORD)


def test_admin_edits_with_a_taken_username_are_refused(admin, user_of):
    officer = user_of("officer")
    before = database_snapshot()
    response = admin.post(f"/admin/users/{officer.id}", data=account_form(officer, username="thuongtruc"))
    assert response.status_code == 422
    assert "thuongtruc" in form_alert(text_of(response))
    assert database_snapshot() == before


def test_admin_resets_a_password(app, admin, user_of):
    officer = user_of("officer")
    response = admin.post(f"/admin/users/{officer.id}/password", data={"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert location_path(response) == f"/admin/users/{officer.id}"
    assert not can_sign_in(app, "canbo.vhxh", PASSWORD)
    assert can_sign_in(app, "canbo.vhxh", NEW_PASSWORD)
    event = audit_events("user.password")[-1]
    assert event.target_id == officer.id
    assert event.user_id == user_of("admin").id


@pytest.mark.parametrize("password", ["ngan", "", " mat khau co dau cach "], ids=["short", "empty", "spaces-around"])
def test_a_bad_new_password_is_refused(app, admin, user_of, password):
    officer = user_of("officer")
    before = officer.password_hash
    response = admin.post(f"/admin/users/{officer.id}/password", data={"password": password})
    assert response.status_code == 422
    assert field_error(text_of(response), "password")
    assert officer.password_hash == before
    assert can_sign_in(app, "canbo.vhxh", PASSWORD)
    assert audit_events("user.password") == []


@pytest.mark.parametrize("role", ["officer", "officer_yte", "secretariat", "committee", "chair"])
@pytest.mark.parametrize(
    "url", ["/admin/users/", "/admin/users/new", "/admin/units/", "/admin/units/new", "/admin/audit/"]
)
def test_only_the_admin_opens_admin_pages(app, role, url):
    assert signed_in(app, role).get(url).status_code == 403
    assert signed_in(app, "admin").get(url).status_code == 200


@pytest.mark.parametrize("role", ["officer", "secretariat", "committee", "chair"])
def test_non_admins_cannot_change_accounts(app, role, user_of):
    officer = user_of("officer")
    client = signed_in(app, role)
    before = database_snapshot()
    assert client.post("/admin/users/new", data=new_account()).status_code == 403
    assert client.post(f"/admin/users/{officer.id}", data=account_form(officer, active=False)).status_code == 403
    assert client.post(f"/admin/users/{officer.id}/password", data={"password": NEW_PASSWORD}).status_code == 403
    assert database_snapshot() == before


# --- units ----------------------------------------------------------------------------------


def unit_page_sections(client, plan, code: str) -> tuple[str, str]:
    """The "tasks led" and "tasks supported" parts of a unit's page."""
    response = client.get(f"/plans/{plan.id}/units/{code}")
    assert response.status_code == 200
    led, supported = text_of(response).split('<h2 class="h5">')[-2:]
    return led, supported


def test_admin_adds_a_residential_group_to_the_group_of_all_of_them(admin, plan):
    response = admin.post("/admin/units/new", data=unit_form("to-dan-pho-1", "Tổ dân phố 1"))
    assert response.status_code == 302
    created = unit("to-dan-pho-1")
    assert created.name == "Tổ dân phố 1" and not created.is_group and created.active
    assert "Tổ dân phố 1" in text_of(admin.get("/admin/units/"))
    led, supported = unit_page_sections(admin, plan, "to-dan-pho-1")
    assert task_codes(led) == [] and task_codes(supported) == []

    group = unit("cac-to-dan-pho")
    assert admin.get(f"/admin/units/{group.id}").status_code == 200
    response = admin.post(f"/admin/units/{group.id}", data=group_form(group, [created.id]))
    assert response.status_code == 302
    assert [m.code for m in group.members] == ["to-dan-pho-1"]

    led, supported = unit_page_sections(admin, plan, "to-dan-pho-1")
    assert "VI.13.1" in task_codes(led) and "VI.13.2" in task_codes(led)
    assert "Các tổ dân phố" in plain(led), "the page says the role comes through the group"
    assert "IV.1" in task_codes(supported)
    assert "IV.1" not in task_codes(led)
    # The group's own page lists the new member.
    assert "Tổ dân phố 1" in text_of(admin.get(f"/plans/{plan.id}/units/cac-to-dan-pho"))
    assert [e.detail["code"] for e in audit_events("unit.create")] == ["to-dan-pho-1"]
    assert audit_events("unit.change")[-1].detail["members"] == ["to-dan-pho-1"]


def test_a_new_unit_with_a_taken_code_is_refused(admin):
    before = database_snapshot()
    response = admin.post("/admin/units/new", data=unit_form("phong-vh-xh", "Phòng khác"))
    assert response.status_code == 422
    assert "phong-vh-xh" in form_alert(text_of(response))
    assert input_value(text_of(response), "name") == "Phòng khác"
    assert database_snapshot() == before


@pytest.mark.parametrize(
    "code", ["To Dan Pho 1", "tổ-dân-phố-1", "to--dan", ""], ids=["spaces", "accents", "double-dash", "empty"]
)
def test_a_new_unit_with_a_bad_code_is_refused(admin, code):
    before = database_snapshot()
    response = admin.post("/admin/units/new", data=unit_form(code, "Tổ dân phố 1"))
    assert response.status_code == 422
    assert field_error(text_of(response), "code")
    assert database_snapshot() == before


def test_a_new_unit_needs_a_name_that_is_not_blank(admin):
    before = database_snapshot()
    response = admin.post("/admin/units/new", data=unit_form("to-dan-pho-1", "   "))
    assert response.status_code == 422
    assert field_error(text_of(response), "name")
    assert database_snapshot() == before


def test_only_a_group_has_members(admin):
    before = database_snapshot()
    response = admin.post(
        "/admin/units/new", data=unit_form("to-dan-pho-2", "Tổ dân phố 2", members=[unit("phong-vh-xh").id])
    )
    assert response.status_code == 422
    assert form_alert(text_of(response))
    vhxh = unit("phong-vh-xh")
    response = admin.post(
        f"/admin/units/{vhxh.id}", data=unit_form(vhxh.code, vhxh.name, members=[unit("tram-y-te").id])
    )
    assert response.status_code == 422
    assert form_alert(text_of(response))
    assert database_snapshot() == before
    assert unit("to-dan-pho-2") is None


def test_a_group_cannot_contain_itself_through_another_group(admin, plan):
    telecoms, companies = unit("cac-dn-vien-thong"), unit("cac-doanh-nghiep")
    assert [m.code for m in companies.members] == ["cac-dn-vien-thong"]
    before = database_snapshot()
    response = admin.post(f"/admin/units/{telecoms.id}", data=group_form(telecoms, [companies.id]))
    assert response.status_code == 422
    assert form_alert(text_of(response))
    assert database_snapshot() == before
    assert telecoms.members == []
    # The unit pages still work.
    assert admin.get(f"/plans/{plan.id}/units/cac-doanh-nghiep").status_code == 200


def test_a_group_cannot_contain_itself_through_a_longer_chain(admin):
    """cac-doanh-nghiep > cac-dn-vien-thong > cac-htx > cac-doanh-nghiep would be a cycle."""
    telecoms, cooperatives, companies = unit("cac-dn-vien-thong"), unit("cac-htx"), unit("cac-doanh-nghiep")
    assert admin.post(f"/admin/units/{telecoms.id}", data=group_form(telecoms, [cooperatives.id])).status_code == 302
    before = database_snapshot()
    response = admin.post(f"/admin/units/{cooperatives.id}", data=group_form(cooperatives, [companies.id]))
    assert response.status_code == 422
    assert form_alert(text_of(response))
    assert database_snapshot() == before


# --- assigning IV.10's tasks ----------------------------------------------------------------


def overview_unassigned(client, plan) -> list[str]:
    """The task codes the plan overview lists as having no lead unit."""
    page = text_of(client.get(f"/plans/{plan.id}/"))
    alert = re.search(r'<div class="alert alert-warning" role="status">(.*?)</div>', page, re.S)
    if alert is None:
        return []
    return re.findall(r'/tasks/([^"]+)"', alert.group(1))


def post_progress(client, plan, code: str):
    return client.post(
        f"/plans/{plan.id}/tasks/{code}/updates",
        data={
            "percent": "20",
            "state": "working",
            "results": "Đã khảo sát 5 hộ thiếu phương tiện sản xuất.",
            "difficulties": "",
            "proposals": "",
        },
    )


@pytest.mark.parametrize("role", ["secretariat", "admin"])
def test_assigning_an_unassigned_task_of_iv_10(app, plan, task_of, role):
    officer = signed_in(app, "officer")
    task_url = f"/plans/{plan.id}/tasks/IV.10.1"
    assert "Chưa phân công" in plain(text_of(officer.get(task_url)))
    assert overview_unassigned(officer, plan) == [
        "IV.10.1",
        "IV.10.2",
        "IV.10.3",
        "IV.10.4",
        "IV.10.5",
        "VI.9",
        "VI.12",
        "VI.13.1",
        "VI.13.2",
    ]
    assert post_progress(officer, plan, "IV.10.1").status_code == 403

    client = signed_in(app, role)
    assert 'href="/plans/%d/tasks/IV.10.1/assignments"' % plan.id in text_of(client.get(task_url))
    assert client.get(f"{task_url}/assignments").status_code == 200
    vhxh, xdnnmt = unit("phong-vh-xh"), unit("phong-xd-nn-mt")
    response = client.post(f"{task_url}/assignments", data={"primary_lead": vhxh.id, "partners": [xdnnmt.id]})
    assert response.status_code == 302
    assert location_path(response) == task_url

    task = task_of("IV.10.1")
    assert {(a.unit.code, a.role, a.is_primary) for a in task.assignments} == {
        ("phong-vh-xh", "lead", True),
        ("phong-xd-nn-mt", "partner", False),
    }
    page = text_of(officer.get(task_url))
    assert "Chưa phân công" not in plain(page)
    assert "text-warning-emphasis" not in page
    assert "Phòng Văn hóa – Xã hội" in plain(page) and "Phòng Xây dựng, Nông nghiệp và Môi trường" in plain(page)
    assert overview_unassigned(officer, plan) == [
        "IV.10.2",
        "IV.10.3",
        "IV.10.4",
        "IV.10.5",
        "VI.9",
        "VI.12",
        "VI.13.1",
        "VI.13.2",
    ]
    assert plain(text_of(officer.get(f"/plans/{plan.id}/"))).count("Chưa phân công") == 8
    led, _ = unit_page_sections(officer, plan, "phong-vh-xh")
    assert "IV.10.1" in task_codes(led)

    # The lead unit's officer can now post progress on it.
    assert 'id="update-form"' in text_of(officer.get(task_url))
    response = post_progress(officer, plan, "IV.10.1")
    assert response.status_code == 302
    update = db.session.scalar(select(ProgressUpdate).where(ProgressUpdate.task_id == task.id))
    assert update.percent == 20 and update.role == "lead"
    assert "Đã khảo sát 5 hộ" in text_of(officer.get(task_url))

    event = audit_events("task.assign")[-1]
    assert event.target_id == task.id
    assert event.detail["task"] == "IV.10.1"
    assert event.detail["before"] == []
    assert event.detail["after"] == [["phong-vh-xh", "lead", True], ["phong-xd-nn-mt", "partner", False]]


@pytest.mark.parametrize(
    "data",
    [
        lambda vhxh, other: {"primary_lead": vhxh, "partners": [vhxh]},
        lambda vhxh, other: {"primary_lead": other, "co_leads": [vhxh], "partners": [vhxh]},
        lambda vhxh, other: {"primary_lead": 0, "co_leads": [vhxh]},
    ],
    ids=["lead-and-partner", "co-lead-and-partner", "co-lead-without-lead"],
)
def test_a_contradictory_assignment_is_refused(app, secretariat, plan, data):
    before = database_snapshot()
    response = secretariat.post(
        f"/plans/{plan.id}/tasks/IV.10.1/assignments", data=data(unit("phong-vh-xh").id, unit("phong-kinh-te").id)
    )
    assert response.status_code == 422
    assert form_alert(text_of(response))
    assert database_snapshot() == before
    assert "Chưa phân công" in plain(text_of(secretariat.get(f"/plans/{plan.id}/tasks/IV.10.1")))


@pytest.mark.parametrize("role", ["committee", "chair", "officer", "officer_yte"])
def test_only_the_secretariat_and_admin_assign_units(app, plan, role, user_of):
    client = signed_in(app, role)
    url = f"/plans/{plan.id}/tasks/IV.10.1/assignments"
    assert client.get(url).status_code == 403
    assert "/assignments" not in text_of(client.get(f"/plans/{plan.id}/tasks/IV.10.1"))
    before = database_snapshot()
    assert client.post(url, data={"primary_lead": user_of("officer").unit_id}).status_code == 403
    assert database_snapshot() == before


def test_reassigning_a_task_replaces_its_units(secretariat, plan, task_of):
    """IV.4.1 is led by phong-vh-xh in the plan; the secretariat hands it to the health station."""
    url = f"/plans/{plan.id}/tasks/IV.4.1/assignments"
    page = text_of(secretariat.get(url))
    selected = re.search(r'<option selected value="(\d+)">|<option value="(\d+)" selected>', page)
    assert selected and int(selected.group(1) or selected.group(2)) == unit("phong-vh-xh").id
    response = secretariat.post(url, data={"primary_lead": unit("tram-y-te").id, "partners": [unit("phong-vh-xh").id]})
    assert response.status_code == 302
    task = task_of("IV.4.1")
    assert [(a.unit.code, a.role) for a in task.assignments] == [("tram-y-te", "lead"), ("phong-vh-xh", "partner")]
    event = audit_events("task.assign")[-1]
    assert ["phong-vh-xh", "lead", True] in event.detail["before"]
    assert event.detail["after"][0] == ["tram-y-te", "lead", True]


# --- reporting deadlines --------------------------------------------------------------------


def test_secretariat_moves_a_unit_deadline(secretariat, plan, period_of):
    period = period_of("six_month", 2026)
    url = f"/plans/{plan.id}/periods/{period.id}"
    page = text_of(secretariat.get(url))
    assert input_value(page, "unit_deadline") == "05/06/2026"  # shown the ward's way
    assert input_value(page, "ward_deadline") == "10/06/2026"

    response = secretariat.post(url, data={"unit_deadline": "01/06/2026", "ward_deadline": "10/06/2026"})
    assert response.status_code == 302
    assert location_path(response) == f"/plans/{plan.id}/periods/"
    assert period.unit_deadline == date(2026, 6, 1) and period.ward_deadline == date(2026, 6, 10)
    assert "01/06/2026" in plain(text_of(secretariat.get(f"/plans/{plan.id}/periods/")))
    assert "Báo cáo 6 tháng 2026 01/06/2026 10/06/2026" in plain(
        text_of(secretariat.get(f"/plans/{plan.id}/tasks/IV.4.3"))
    )
    event = audit_events("period.change")[-1]
    assert event.detail["before"]["unit_deadline"] == "2026-06-05"
    assert event.detail["after"]["unit_deadline"] == "2026-06-01"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"unit_deadline": "2026-06-15", "ward_deadline": "2026-06-10"}, "unit_deadline"),
        ({"unit_deadline": "", "ward_deadline": "2026-06-10"}, "unit_deadline"),
        ({"unit_deadline": "2026-06-01", "ward_deadline": "10/06/2026x"}, "ward_deadline"),
    ],
    ids=["unit-after-ward", "unit-missing", "ward-not-a-date"],
)
def test_bad_deadlines_are_refused(secretariat, plan, period_of, data, field):
    period = period_of("six_month", 2026)
    before = database_snapshot()
    response = secretariat.post(f"/plans/{plan.id}/periods/{period.id}", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert field_error(page, field)
    assert input_value(page, "unit_deadline") == data["unit_deadline"]
    assert database_snapshot() == before
    assert period.unit_deadline == date(2026, 6, 5)


@pytest.mark.parametrize("role", ["officer", "committee", "chair", "admin"])
def test_only_the_secretariat_changes_deadlines(app, plan, period_of, role):
    period = period_of("six_month", 2026)
    client = signed_in(app, role)
    url = f"/plans/{plan.id}/periods/{period.id}"
    before = database_snapshot()
    assert client.get(url).status_code == 403
    assert client.post(url, data={"unit_deadline": "2026-06-01", "ward_deadline": "2026-06-10"}).status_code == 403
    assert database_snapshot() == before


# --- the audit log --------------------------------------------------------------------------


def ward_time(*args) -> datetime:
    return datetime(*args, tzinfo=WARD_TZ)


@pytest.fixture
def logged_events(app, user_of):
    """Four events at known moments (ward time), each with a marker that shows on the page."""
    officer, secretariat, nurse = user_of("officer"), user_of("secretariat"), user_of("officer_yte")
    moments = {
        "su-kien-1": (officer, ward_time(2024, 3, 1, 10, 0)),
        "su-kien-2": (secretariat, ward_time(2024, 3, 1, 23, 59)),  # 16:59 UTC, still 1 March in the ward
        "su-kien-3": (officer, ward_time(2024, 3, 2, 0, 0)),  # 17:00 UTC on 1 March, but 2 March in the ward
        "su-kien-4": (nurse, datetime(2024, 3, 5, 5, 0, tzinfo=UTC)),
    }
    for marker, (user, moment) in moments.items():
        record(Actor(user.id, user.username, user.unit_id, "198.51.100.4"), "progress.post", moment, marker=marker)
    db.session.commit()
    return {"officer": officer, "secretariat": secretariat, "nurse": nurse}


def markers_shown(admin, query: str = "") -> list[str]:
    response = admin.get(f"/admin/audit/{query}")
    assert response.status_code == 200
    return re.findall(r"su-kien-\d", text_of(response))


def test_audit_log_lists_newest_first(admin, logged_events):
    assert markers_shown(admin) == ["su-kien-4", "su-kien-3", "su-kien-2", "su-kien-1"]
    page = plain(text_of(admin.get("/admin/audit/")))
    # Times are shown in the ward's time zone.
    assert "23:59 01/03/2024" in page and "00:00 02/03/2024" in page and "12:00 05/03/2024" in page
    assert "198.51.100.4" in page
    # The admin's own sign-in is the newest event of all.
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", text_of(admin.get("/admin/audit/")), re.S).group(1)
    assert "quantri" in first_row


def test_audit_log_filters_by_user(admin, logged_events):
    officer = logged_events["officer"]
    assert markers_shown(admin, f"?user={officer.id}") == ["su-kien-3", "su-kien-1"]
    assert markers_shown(admin, f"?user={logged_events['nurse'].id}") == ["su-kien-4"]


def test_audit_log_filters_by_unit(admin, logged_events):
    assert markers_shown(admin, f"?unit={unit('phong-xd-nn-mt').id}") == ["su-kien-2"]
    assert markers_shown(admin, f"?unit={unit('phong-vh-xh').id}") == ["su-kien-3", "su-kien-1"]
    assert markers_shown(admin, f"?unit={unit('phong-kinh-te').id}") == []


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?since=2024-03-01&until=2024-03-01", ["su-kien-2", "su-kien-1"]),
        ("?since=2024-03-02&until=2024-03-02", ["su-kien-3"]),
        ("?since=2024-03-02&until=2024-03-31", ["su-kien-4", "su-kien-3"]),
        ("?until=2024-03-02", ["su-kien-3", "su-kien-2", "su-kien-1"]),
        ("?since=2024-03-03", ["su-kien-4"]),
        ("?since=2024-03-06&until=2024-03-31", []),
    ],
)
def test_audit_log_filters_by_ward_dates(admin, logged_events, query, expected):
    assert markers_shown(admin, query) == expected


def test_audit_log_filters_combine(admin, logged_events):
    officer = logged_events["officer"]
    assert markers_shown(admin, f"?user={officer.id}&since=2024-03-02&until=2024-03-02") == ["su-kien-3"]
    assert markers_shown(admin, f"?user={officer.id}&unit={unit('phong-xd-nn-mt').id}") == []


def test_audit_log_records_admin_actions_with_who_did_them(admin, user_of):
    officer = user_of("officer")
    admin.post(f"/admin/users/{officer.id}/password", data={"password": NEW_PASSWORD})
    page = text_of(admin.get(f"/admin/audit/?user={user_of('admin').id}"))
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1], re.S)
    assert "quantri" in rows[0] and f"tài khoản #{officer.id}" in rows[0]


def test_a_task_led_by_a_group_is_assigned_once_the_group_has_members(app, plan, admin):
    """VI.13.1 and VI.13.2 are led by "các tổ dân phố", whose members the plan does not name:
    until the administrator adds them, nobody answers for those tasks, on every page alike."""
    officer = signed_in(app, "officer")
    assert {"VI.13.1", "VI.13.2"} <= set(overview_unassigned(officer, plan))
    task_page = plain(text_of(officer.get(f"/plans/{plan.id}/tasks/VI.13.1")))
    assert "Chưa phân công" in task_page and "Các tổ dân phố" in task_page
    committee = signed_in(app, "committee")
    flagged = committee.get(f"/plans/{plan.id}/dashboard/tasks?flag=unassigned").get_data(as_text=True)
    assert "VI.13.1" in flagged

    response = admin.post("/admin/units/new", data=unit_form("to-dan-pho-1", "Tổ dân phố số 1"))
    assert response.status_code == 302
    groups = unit("cac-to-dan-pho")
    response = admin.post(f"/admin/units/{groups.id}", data=group_form(groups, [unit("to-dan-pho-1").id]))
    assert response.status_code == 302, text_of(response)

    left = overview_unassigned(officer, plan)
    assert "VI.13.1" not in left and "VI.13.2" not in left and "IV.10.1" in left
    assert "Chưa phân công" not in plain(text_of(officer.get(f"/plans/{plan.id}/tasks/VI.13.1")))
    flagged = committee.get(f"/plans/{plan.id}/dashboard/tasks?flag=unassigned").get_data(as_text=True)
    assert "VI.13.1" not in flagged and "IV.10.1" in flagged


def test_the_audit_log_names_every_action_and_record_in_words(admin, user_of, task_of):
    """Every action the code records has a label in both languages, and a record shows as
    "nhiệm vụ #31", not as a table name."""
    import tracker
    from tracker.core.labels import LABELS

    source = "\n".join(path.read_text(encoding="utf-8") for path in Path(tracker.__file__).parent.rglob("*.py"))
    actions = set(re.findall(r'record\(\s*[^,]+,\s*"([a-z_.]+)"', source)) | {
        "login",
        "login.failed",
        "login.throttled",
    }
    assert {"progress.post", "plan.load", "user.create"} <= actions
    assert sorted(actions - set(LABELS["audit_action"])) == []

    officer = user_of("officer")
    record(Actor.for_user(officer), "task.assign", ward_time(2026, 6, 3, 9, 0), task_of("IV.10.4"))
    db.session.commit()
    row = plain(
        re.search(
            r"<tr>(?:(?!</tr>).)*canbo\.vhxh(?:(?!</tr>).)*</tr>", text_of(admin.get("/admin/audit/")), re.S
        ).group(0)
    )
    assert f"nhiệm vụ #{task_of('IV.10.4').id}" in row and "task #" not in row


def test_a_ward_admin_reads_only_the_wards_own_command_line_events(app, plan, user_of):
    """One installation, two wards: the Bắc Kạn admin sees the command line's work on Bắc Kạn
    and sign-in attempts under unknown names, not what was done for another ward."""
    from tracker.accounts.services import create_user
    from tracker.wards.models import Ward

    admin_user = user_of("admin")
    admin_user.ward_id = plan.ward_id  # a ward's admin
    other = Ward(code="cho-moi", name="Phường Chợ Mới", province="Tỉnh Thái Nguyên")
    db.session.add(other)
    db.session.flush()
    stranger = create_user("canbo.chomoi", PASSWORD, "Cán bộ Chợ Mới", ["officer"], ward=other)
    neighbour = create_user("canbo.moi", PASSWORD, "Cán bộ mới", ["officer"], ward=admin_user.ward)
    cli = Actor.command_line()
    record(cli, "user.create", ward_time(2026, 6, 1, 8, 0), stranger, username="canbo.chomoi", marker="cli-khac")
    record(cli, "user.create", ward_time(2026, 6, 1, 8, 1), neighbour, username="canbo.moi", marker="cli-minh")
    record(cli, "plan.load", ward_time(2026, 6, 1, 8, 2), plan, marker="nap-ke-hoach")
    record(
        Actor(None, "khongai", None, "203.0.113.9"), "login.failed", ward_time(2026, 6, 1, 8, 3), marker="dang-nhap-la"
    )
    db.session.commit()

    shown = text_of(signed_in(app, "admin").get("/admin/audit/"))
    assert "cli-minh" in shown and "nap-ke-hoach" in shown and "dang-nhap-la" in shown
    assert "cli-khac" not in shown
