"""Who may open an evidence file (issue 14: personal data in evidence files).

Evidence may hold lists of poor households, so a file is "restricted" unless the officer who posts
it chooses "ward": a restricted file opens for the posting unit, the other units of the task (lead
or partner, unit groups expanded to their members), the secretariat, the steering committee and the
chair, and for nobody else (not the admin, whose work is accounts and units, not households); a
"ward" file opens for everyone signed in to the ward. Every read is in the audit log.

Units of the Bắc Kạn plan used here: Phòng Văn hóa – Xã hội (the test officer) leads IV.4.1, which
neither Công an phường, Trạm Y tế nor any school holds; it is a partner on IV.4.3 (led by Trạm Y
tế); IV.4.4 names Công an phường and the group "Các trường học" as partners, and Phòng Văn hóa – Xã
hội and Trạm Y tế belong to its partner group "Các phòng, ban, đơn vị thuộc phường".
"""

from __future__ import annotations

import io

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from tests.conftest import PASSWORD, TEST_USERS, login
from tests.helpers import OTHER_WARD_PLAN, plain
from tracker.extensions import db
from tracker.progress.models import Evidence

PDF = b"%PDF-1.4\n% danh sach ho ngheo\n%%EOF\n"
RESTRICTED_WORDS = "Chỉ các đơn vị của nhiệm vụ, cơ quan thường trực và Ban Chỉ đạo"
WARD_WORDS = "Mọi người trong phường"
VISIBILITY_REVISION = "abe810de1107"  # the migration that gives evidence its visibility


# Accounts this file adds to the test users: username -> (roles, unit code or None, in the ward).
EXTRA = {
    "canbo.congan": (["officer"], "cong-an"),
    "canbo.truong": (["officer"], "truong-th-bac-kan"),  # a school, member of "Các trường học"
    "quantri.tinh": (["admin"], None),  # the installation's admin: no ward, manages every ward
}


@pytest.fixture
def people(app):
    """Công an phường's officer, a school's officer (the school is a member of the group "Các
    trường học") and an installation admin."""
    from tracker.accounts.services import create_user
    from tracker.units.models import Unit
    from tracker.wards.models import Ward

    ward = db.session.scalar(select(Ward).where(Ward.code == "bac-kan"))
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == ward.id))}
    school = Unit(ward_id=ward.id, code="truong-th-bac-kan", name="Trường Tiểu học Bắc Kạn", aliases=[], sort_order=999)
    db.session.add(school)
    units["cac-truong-hoc"].members.append(school)
    units[school.code] = school
    for username, (roles, unit_code) in EXTRA.items():
        in_ward = unit_code is not None
        create_user(
            username,
            PASSWORD,
            username.title(),
            roles,
            ward=ward if in_ward else None,
            unit=units[unit_code] if unit_code else None,
        )
    db.session.commit()


def sign_in(app, who: str):
    """A browser signed in as a test role ("officer", "chair", ...) or as one of EXTRA's accounts."""
    client = app.test_client()
    if who in TEST_USERS:
        login(client, who)
    else:
        response = client.post("/login", data={"username": who, "password": PASSWORD})
        assert response.status_code == 302, f"login as {who} failed"
    return client


def post_file(
    app, plan, poster: str, code: str, visibility: str | None = None, name: str = "Danh sách hộ nghèo.pdf"
) -> Evidence:
    """Post a 10% update with one file on task `code` as `poster`; `visibility` None sends no
    choice at all. Returns the file's record."""
    client = sign_in(app, poster)
    data = {"percent": "10", "state": "working", "evidence": [(io.BytesIO(PDF), name)]}
    if visibility is not None:
        data["visibility"] = visibility
    response = client.post(f"/plans/{plan.id}/tasks/{code}/updates", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    return db.session.scalars(select(Evidence).order_by(Evidence.id.desc())).first()


def open_file(app, who: str, plan_id: int, item: Evidence):
    return sign_in(app, who).get(f"/plans/{plan_id}/evidence/{item.id}")


def assert_served(response, who: str) -> None:
    assert response.status_code == 200, f"{who}: {response.status_code}"
    assert response.data == PDF, who


def assert_refused(response, who: str) -> None:
    assert response.status_code == 403, f"{who}: {response.status_code}"
    assert PDF not in response.data, who
    assert "Content-Disposition" not in response.headers, who


def read_events(item: Evidence | None = None, action: str = "evidence.read") -> list:
    from tracker.audit.models import AuditEvent

    db.session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if item is not None:
        query = query.where(AuditEvent.target_type == "evidence", AuditEvent.target_id == item.id)
    return db.session.scalars(query).all()


# --- the choice on the progress form -----------------------------------------------------------


def test_the_progress_form_offers_the_choice_in_words_with_the_narrower_one_chosen(app, plan):
    html = sign_in(app, "officer").get(f"/plans/{plan.id}/tasks/IV.4.1").get_data(as_text=True)
    assert 'type="radio"' in html
    restricted = next(
        tag for tag in html.split("<input")[1:] if 'name="visibility"' in tag and 'value="restricted"' in tag
    )
    ward = next(tag for tag in html.split("<input")[1:] if 'name="visibility"' in tag and 'value="ward"' in tag)
    assert "checked" in restricted.split(">")[0]
    assert "checked" not in ward.split(">")[0]
    shown = plain(html)
    assert RESTRICTED_WORDS in shown and WARD_WORDS in shown


def test_a_file_posted_without_a_choice_is_restricted(app, plan):
    assert post_file(app, plan, "officer", "IV.4.1").visibility == "restricted"
    assert post_file(app, plan, "officer", "IV.4.1", "ward").visibility == "ward"
    assert post_file(app, plan, "officer", "IV.4.1", "restricted").visibility == "restricted"


def test_the_service_defaults_to_restricted(app, plan, user_of, task_of):
    from tracker.core.actor import Actor
    from tracker.core.time import utcnow
    from tracker.progress.services import UpdateInput, post_update

    class Upload:
        stream = io.BytesIO(PDF)
        filename = "Biên bản.pdf"

    officer = user_of("officer")
    update, _stored = post_update(
        Actor.for_user(officer),
        task_of("IV.4.1"),
        officer.unit_id,
        "lead",
        UpdateInput(10, "working"),
        [Upload()],
        utcnow(),
    )
    db.session.commit()
    assert [e.visibility for e in update.evidence] == ["restricted"]


def test_an_unknown_visibility_is_refused_next_to_the_field(app, plan):
    client = sign_in(app, "officer")
    data = {"percent": "10", "state": "working", "visibility": "public", "evidence": [(io.BytesIO(PDF), "a.pdf")]}
    response = client.post(f"/plans/{plan.id}/tasks/IV.4.1/updates", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="visibility-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Evidence.id)) is None


# --- restricted files ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["canbo.congan", "canbo.truong", "officer_yte"])
def test_a_restricted_file_is_refused_to_an_officer_of_a_unit_outside_the_task(app, plan, people, who):
    item = post_file(app, plan, "officer", "IV.4.1", "restricted")
    assert_refused(open_file(app, who, plan.id, item), who)


def test_a_restricted_file_is_served_to_the_posting_unit_the_secretariat_the_committee_and_the_chair(app, plan, people):
    item = post_file(app, plan, "officer", "IV.4.1")
    for who in ("officer", "secretariat", "committee", "chair"):
        assert_served(open_file(app, who, plan.id, item), who)


def test_a_restricted_file_is_served_to_the_other_units_of_the_task(app, plan, people):
    # A partner's file opens for the lead (Trạm Y tế leads IV.4.3), and the lead's for the partner.
    partner_file = post_file(app, plan, "officer", "IV.4.3")
    assert_served(open_file(app, "officer_yte", plan.id, partner_file), "officer_yte")
    lead_file = post_file(app, plan, "officer_yte", "IV.4.3")
    assert_served(open_file(app, "officer", plan.id, lead_file), "officer")
    assert_refused(open_file(app, "canbo.congan", plan.id, lead_file), "canbo.congan")


def test_a_restricted_file_is_served_to_the_members_of_a_group_assigned_to_the_task(app, plan, people):
    # IV.4.4: Công an phường is a named partner; the school and Trạm Y tế are partners through
    # their groups ("Các trường học", "Các phòng, ban, đơn vị thuộc phường").
    item = post_file(app, plan, "officer", "IV.4.4")
    for who in ("canbo.congan", "canbo.truong", "officer_yte"):
        assert_served(open_file(app, who, plan.id, item), who)


@pytest.mark.parametrize("who", ["admin", "quantri.tinh"])
def test_the_admin_does_not_read_restricted_files(app, plan, people, who):
    item = post_file(app, plan, "officer", "IV.4.1")
    assert_refused(open_file(app, who, plan.id, item), who)


def test_a_restricted_file_stays_with_the_task_units_when_the_poster_leaves_the_task(app, plan, people):
    """The unit that posted a file keeps reading it, whatever happens to the assignment later."""
    from tracker.plan.models import Assignment, Task
    from tracker.units.models import Unit

    item = post_file(app, plan, "officer", "IV.4.3")
    task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.code == "IV.4.3"))
    unit = db.session.scalar(select(Unit).where(Unit.code == "phong-vh-xh"))
    db.session.delete(
        db.session.scalar(select(Assignment).where(Assignment.task_id == task.id, Assignment.unit_id == unit.id))
    )
    db.session.commit()
    assert_served(open_file(app, "officer", plan.id, item), "officer")


# --- ward files ----------------------------------------------------------------------------------


def test_a_ward_file_is_served_to_everyone_signed_in_to_the_ward(app, plan, people):
    item = post_file(app, plan, "officer", "IV.4.1", "ward")
    for who in [*TEST_USERS, "canbo.congan", "canbo.truong", "quantri.tinh"]:
        assert_served(open_file(app, who, plan.id, item), who)


def test_no_file_is_served_to_anyone_of_another_ward_or_to_an_anonymous_visitor(app, plan, tmp_path):
    from tracker.accounts.services import create_user
    from tracker.plan.models import Plan
    from tracker.units.models import Unit
    from tracker.wards.models import Ward

    path = tmp_path / "other-ward.yaml"
    path.write_text(OTHER_WARD_PLAN, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["plan", "load", str(path)])
    assert result.exit_code == 0, result.output
    ward = db.session.scalar(select(Ward).where(Ward.code == "other-ward"))
    unit = db.session.scalar(select(Unit).where(Unit.ward_id == ward.id))
    create_user(
        "canbo.khac",
        PASSWORD,
        "Cán bộ phường khác",
        ["officer", "secretariat", "committee", "chair", "admin"],
        ward=ward,
        unit=unit,
    )
    db.session.commit()
    other_plan = db.session.scalar(select(Plan).where(Plan.ward_id == ward.id))
    for visibility in ("ward", "restricted"):
        item = post_file(app, plan, "officer", "IV.4.1", visibility)
        for plan_id in (plan.id, other_plan.id):
            response = open_file(app, "canbo.khac", plan_id, item)
            assert response.status_code in (403, 404), (visibility, plan_id)
            assert PDF not in response.data
        anonymous = app.test_client().get(f"/plans/{plan.id}/evidence/{item.id}")
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert read_events() == []


# --- what the pages show -------------------------------------------------------------------------


def test_the_task_page_lists_a_file_someone_may_not_read_without_its_name_or_a_link_and_says_why(app, plan, people):
    secret = post_file(app, plan, "officer", "IV.4.1", "restricted", name="DS ho ngheo Nguyen Van A.pdf")
    open_to_all = post_file(app, plan, "officer", "IV.4.1", "ward", name="Kế hoạch tuyên truyền.pdf")
    html = sign_in(app, "canbo.congan").get(f"/plans/{plan.id}/tasks/IV.4.1").get_data(as_text=True)
    assert f"/evidence/{secret.id}" not in html
    assert "Nguyen Van A" not in html
    assert f'<a href="/plans/{plan.id}/evidence/{open_to_all.id}">Kế hoạch tuyên truyền.pdf</a>' in html
    shown = plain(html)
    assert "1 tệp minh chứng hạn chế" in shown
    assert RESTRICTED_WORDS.replace("Chỉ", "chỉ", 1) in shown

    # Those who may read it see its link, marked as restricted.
    html = sign_in(app, "committee").get(f"/plans/{plan.id}/tasks/IV.4.1").get_data(as_text=True)
    assert f'<a href="/plans/{plan.id}/evidence/{secret.id}">DS ho ngheo Nguyen Van A.pdf</a>' in html
    assert "Hạn chế" in plain(html)


def test_the_units_report_form_links_the_units_files_and_marks_the_restricted_ones(app, plan, period_of):
    secret = post_file(app, plan, "officer", "IV.4.1", "restricted", name="DS ho ngheo.pdf")
    open_to_all = post_file(app, plan, "officer", "IV.4.1", "ward", name="To roi.pdf")
    response = sign_in(app, "officer").get(f"/plans/{plan.id}/periods/{period_of('annual', 2026).id}/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        f'<a href="/plans/{plan.id}/evidence/{secret.id}">DS ho ngheo.pdf</a> <span class="badge text-bg-light border">Hạn chế</span>'
        in html
    )
    assert f'<a href="/plans/{plan.id}/evidence/{open_to_all.id}">To roi.pdf</a>' in html


# --- the audit log -------------------------------------------------------------------------------


def test_every_read_is_in_the_audit_log_with_who_which_file_and_which_task(app, plan, people, user_of):
    item = post_file(app, plan, "officer", "IV.4.1")
    assert read_events() == []
    assert_served(open_file(app, "secretariat", plan.id, item), "secretariat")
    assert_served(open_file(app, "chair", plan.id, item), "chair")
    events = read_events(item)
    assert [e.user_id for e in events] == [user_of("secretariat").id, user_of("chair").id]
    for event in events:
        assert (event.target_type, event.target_id) == ("evidence", item.id)
        assert event.detail["task"] == "IV.4.1"
        assert event.detail["update"] == item.update_id
        assert event.detail["visibility"] == "restricted"
        # The file is named by its record, never by its name, which can itself be personal data.
        assert "Danh sách" not in repr(event.detail)
    assert events[0].username == TEST_USERS["secretariat"][0]


def test_a_refused_read_is_logged_as_refused_and_serves_nothing(app, plan, people):
    item = post_file(app, plan, "officer", "IV.4.1")
    assert_refused(open_file(app, "canbo.congan", plan.id, item), "canbo.congan")
    assert read_events(item) == []
    [refused] = read_events(item, "evidence.refused")
    assert refused.username == "canbo.congan" and refused.detail["task"] == "IV.4.1"


def test_the_audit_log_names_the_reads_in_words(app, plan, people):
    from tracker.core.labels import LABELS

    assert "evidence.read" in LABELS["audit_action"] and "evidence.refused" in LABELS["audit_action"]
    item = post_file(app, plan, "officer", "IV.4.1")
    open_file(app, "committee", plan.id, item)
    shown = plain(sign_in(app, "admin").get("/admin/audit/").get_data(as_text=True))
    assert "mở tệp minh chứng" in shown


def test_a_missing_file_is_404_and_no_read_is_logged(app, plan):
    item = post_file(app, plan, "officer", "IV.4.1")
    from pathlib import Path

    (Path(app.config["UPLOAD_DIR"]) / item.stored_name).unlink()
    assert open_file(app, "secretariat", plan.id, item).status_code == 404
    assert read_events() == []


# --- the migration -------------------------------------------------------------------------------


def _revision_before(revision: str) -> str:
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


def test_files_posted_before_the_migration_become_restricted(app, plan, user_of, task_of):
    """An evidence row written on the schema before visibility existed reads as restricted."""
    officer = user_of("officer")
    task_id, unit_id, user_id = task_of("IV.4.1").id, officer.unit_id, officer.id
    db.session.remove()
    downgrade(revision=_revision_before(VISIBILITY_REVISION))
    with db.engine.begin() as connection:
        assert "visibility" not in {c["name"] for c in inspect(connection).get_columns("evidence")}
        update_id = connection.execute(
            text(
                "INSERT INTO progress_update (task_id, unit_id, author_id, role, percent, state, created_at) "
                "VALUES (:task, :unit, :user, 'lead', 10, 'working', CURRENT_TIMESTAMP) RETURNING id"
            ),
            {"task": task_id, "unit": unit_id, "user": user_id},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO evidence (update_id, original_name, stored_name, content_type, size, sha256) "
                "VALUES (:update, 'cu.pdf', '0123456789abcdef0123456789abcdef', 'application/pdf', 3, 'x')"
            ),
            {"update": update_id},
        )
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT visibility FROM evidence")).scalars().all() == ["restricted"]
