"""Where each role lands after signing in (GET / redirects to the start page of the ward's one
plan): the chair on the accountability table, a committee member on the dashboard, the secretariat
on its review queue, an officer on the unit's page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, TEST_USERS, login
from tracker.accounts.services import create_user
from tracker.extensions import db
from tracker.units.models import Unit
from tracker.wards.models import Ward

START = {
    "chair": "/plans/{id}/accountability/",
    "committee": "/plans/{id}/dashboard/",
    "secretariat": "/plans/{id}/review",
    "officer": "/plans/{id}/my-unit",
    "officer_yte": "/plans/{id}/my-unit",
    "admin": "/plans/{id}/",
}

# What each start page is about, in its own words (English).
HEADING = {
    "chair": "Accountability by unit",
    "committee": "Steering committee dashboard",
    "officer": "Phòng Văn hóa – Xã hội",
    "officer_yte": "Trạm Y tế phường",
}


@pytest.mark.parametrize("role", list(START))
def test_each_role_lands_on_its_start_page(client, plan, role):
    client.get("/language/en")
    response = login(client, role)
    assert response.headers["Location"] == "/"
    landing = client.get("/")
    assert landing.status_code == 302
    assert landing.headers["Location"] == START[role].format(id=plan.id)
    page = client.get(landing.headers["Location"])
    assert page.status_code == 200
    if role in HEADING:
        assert HEADING[role] in page.get_data(as_text=True)


def test_signing_in_goes_through_the_start_page(client, plan):
    response = client.post(
        "/login", data={"username": TEST_USERS["chair"][0], "password": PASSWORD}, follow_redirects=True
    )
    assert response.status_code == 200
    assert [r.request.path for r in response.history] == ["/login", "/"]
    assert response.request.path == START["chair"].format(id=plan.id)


def test_an_officer_without_a_unit_lands_on_the_plan(client, plan):
    ward = db.session.scalar(select(Ward))
    create_user("canbo.chuaco", PASSWORD, "Cán bộ chưa có đơn vị", ["officer"], ward=ward)
    db.session.commit()
    client.post("/login", data={"username": "canbo.chuaco", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/{plan.id}/"


def test_a_chair_who_also_sits_in_a_unit_still_lands_on_the_accountability_table(client, plan):
    """The chair's account may name UBND as its unit: it is the chair's table that it opens on."""
    ward = db.session.scalar(select(Ward))
    ubnd = db.session.scalar(select(Unit).where(Unit.code == "ubnd"))
    create_user("phochutich", PASSWORD, "Phó Chủ tịch", ["chair", "committee"], ward=ward, unit=ubnd)
    db.session.commit()
    client.post("/login", data={"username": "phochutich", "password": PASSWORD})
    assert client.get("/").headers["Location"] == f"/plans/{plan.id}/accountability/"
