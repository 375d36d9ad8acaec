"""Test fixtures.

Every test gets its own real SQLite database: a copy of a template that was built once per test
session by running the Alembic migrations (never create_all), with or without the Bắc Kạn plan
loaded through the same code path as `flask plan load`. Tests can therefore commit freely.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade

from config import TestConfig
from tracker import ROOT, create_app
from tracker.extensions import db
from tracker.plan import services
from tracker.plan.planfile import read_plan_file

PLAN_FILE = ROOT / "data" / "plans" / "bac-kan-2026-2030.yaml"
SOURCE_TEXT = ROOT / "data" / "plans" / "source" / "ke-hoach-giam-ngheo-ben-vung-bac-kan-2026-2030.txt"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_app(database: Path, **overrides):
    overrides.setdefault("UPLOAD_DIR", str(database.parent / "uploads"))
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=sqlite_url(database), **overrides)


def copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    empty, loaded = folder / "empty.db", folder / "loaded.db"
    app = make_app(empty)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    copy_database(empty, loaded)
    app = make_app(loaded)
    with app.app_context():
        services.load_plan_file(read_plan_file(PLAN_FILE), str(PLAN_FILE))
        create_test_users()
        db.session.commit()
        db.engine.dispose()
    return {"empty": empty, "loaded": loaded}


# One account per role, each in the unit that holds that role in the plan; the password of each
# is PASSWORD. "officer" belongs to Phòng Văn hóa – Xã hội, which leads IV.4.1 and IV.4.2.
PASSWORD = "correct horse battery"
TEST_USERS = {
    "officer": ("canbo.vhxh", ["officer"], "phong-vh-xh"),
    "officer_yte": ("canbo.yte", ["officer"], "tram-y-te"),
    "secretariat": ("thuongtruc", ["secretariat"], "phong-xd-nn-mt"),
    "committee": ("bancd", ["committee"], "phong-kinh-te"),
    "chair": ("truongban", ["chair"], "ubnd"),
    "admin": ("quantri", ["admin"], None),
}


def create_test_users() -> None:
    from sqlalchemy import select

    from tracker.accounts.services import create_user
    from tracker.units.models import Unit
    from tracker.wards.models import Ward

    ward = db.session.scalar(select(Ward))
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    for username, roles, unit_code in TEST_USERS.values():
        create_user(username, PASSWORD, username.title(), roles, ward=ward, unit=units.get(unit_code))


class CommittingClient(FlaskClient):
    """A test client that behaves like a browser talking to a separate server: what the test
    wrote is committed before each request, and the test sees the request's writes afterwards."""

    def open(self, *args, **kwargs):
        db.session.commit()
        response = super().open(*args, **kwargs)
        db.session.commit()  # ends the test's read transaction and expires what it loaded
        return response


def _app_from_template(template: Path, tmp_path: Path):
    database = tmp_path / "test.db"
    copy_database(template, database)
    app = make_app(database)
    app.test_client_class = CommittingClient
    # The test body runs in the context of a twin app on the same database, so that each request
    # gets its own application context (its own `g` and session), as in production.
    twin = make_app(database)
    with twin.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(template_databases, tmp_path):
    """An app whose database holds the Bắc Kạn plan."""
    yield from _app_from_template(template_databases["loaded"], tmp_path)


@pytest.fixture
def empty_app(template_databases, tmp_path):
    """An app whose database is migrated but empty."""
    yield from _app_from_template(template_databases["empty"], tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


@pytest.fixture
def plan(app):
    from sqlalchemy import select

    from tracker.plan.models import Plan

    return db.session.scalar(select(Plan).where(Plan.code == "KH-GNBV-2026-2030"))


def login(client, role: str, password: str = PASSWORD):
    """Sign the test client in as the test user of `role`; returns the response."""
    username = TEST_USERS[role][0]
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, f"login as {role} failed"
    return response


@pytest.fixture
def user_of():
    """The User row of a test role."""
    from sqlalchemy import select

    from tracker.accounts.models import User

    return lambda role: db.session.scalar(select(User).where(User.username == TEST_USERS[role][0]))


@pytest.fixture
def task_of(plan):
    from sqlalchemy import select

    from tracker.plan.models import Task

    return lambda code: db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.code == code))


@pytest.fixture
def period_of(plan):
    from sqlalchemy import select

    from tracker.periods.models import ReportingPeriod

    return lambda kind, year: db.session.scalar(
        select(ReportingPeriod).where(ReportingPeriod.plan_id == plan.id, ReportingPeriod.kind == kind, ReportingPeriod.year == year)
    )
