"""Test fixtures.

Every test gets its own real database: a copy of a template that was built once per test session
by running the Alembic migrations (never create_all), with or without the Bắc Kạn plan loaded
through the same code path as `flask plan load`. Tests can therefore commit freely.

The database is SQLite, or PostgreSQL when TEST_DATABASE_URL names a server
(`postgresql+psycopg://user@host:port/postgres`; see `make test-pg`): templates are then databases
on that server, and each test gets `CREATE DATABASE ... TEMPLATE ...`.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import TestConfig
from tracker import ROOT, create_app
from tracker.core.actor import Actor
from tracker.core.time import utcnow
from tracker.extensions import db
from tracker.planfile import loading
from tracker.planfile.reader import read_plan_file
from tracker.planfile.versions import record_version

PLAN_FILE = ROOT / "data" / "plans" / "bac-kan-2026-2030.yaml"
SOURCE_TEXT = ROOT / "data" / "plans" / "source" / "ke-hoach-giam-ngheo-ben-vung-bac-kan-2026-2030.txt"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")

# A database is named by a Path (an SQLite file) or by a URL string (a PostgreSQL database).
Database = Path | str


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_url(database: Database) -> str:
    return database if isinstance(database, str) else sqlite_url(database)


def make_app(database: Database, **overrides):
    if isinstance(database, Path):
        overrides.setdefault("UPLOAD_DIR", str(database.parent / "uploads"))
    else:
        overrides.setdefault("UPLOAD_DIR", tempfile.mkdtemp(prefix="tracker-uploads-"))
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url(database), **overrides)


def copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def current_database() -> Database:
    """The database the current app context uses, as make_app takes it."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return Path(url.database)
    return url.render_as_string(hide_password=False)


class _Postgres:
    """Databases on the test server: created from templates, dropped after use."""

    def __init__(self, server_url: str):
        self.server = make_url(server_url)
        self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT")

    def url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return self.url(name)

    def drop(self, url: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


_postgres = _Postgres(TEST_DATABASE_URL) if ON_POSTGRES else None


def clone_database(template: Database, folder: Path) -> Database:
    """A fresh database with the template's content (in `folder` for SQLite)."""
    if _postgres is not None:
        return _postgres.create(f"tracker_test_{uuid.uuid4().hex[:12]}", template=make_url(template).database)
    target = folder / f"clone-{uuid.uuid4().hex[:8]}.db"
    copy_database(template, target)
    return target


def drop_database(database: Database) -> None:
    if _postgres is not None and isinstance(database, str):
        _postgres.drop(database)


@pytest.fixture(scope="session")
def template_databases(tmp_path_factory) -> dict[str, Database]:
    folder = tmp_path_factory.mktemp("templates")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if _postgres is not None:
        empty = _postgres.create(f"tracker_template_empty_{worker}")
    else:
        empty = folder / "empty.db"
    app = make_app(empty)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    loaded = (
        _postgres.create(f"tracker_template_loaded_{worker}", template=make_url(empty).database)
        if _postgres
        else folder / "loaded.db"
    )
    if _postgres is None:
        copy_database(empty, loaded)
    app = make_app(loaded)
    with app.app_context():
        summary = loading.load_plan_file(read_plan_file(PLAN_FILE), str(PLAN_FILE))
        # As `flask plan load` keeps it: the plan's first version.
        record_version(summary.plan, "Nạp tệp kế hoạch bac-kan-2026-2030.yaml", Actor.command_line(), utcnow())
        create_test_users()
        db.session.commit()
        db.engine.dispose()
    yield {"empty": empty, "loaded": loaded}
    if _postgres is not None:
        _postgres.drop(loaded)
        _postgres.drop(empty)


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


def _app_from_template(template: Database, tmp_path: Path):
    if _postgres is not None:
        database = clone_database(template, tmp_path)
        app = make_app(database, UPLOAD_DIR=str(tmp_path / "uploads"))
    else:
        database = tmp_path / "test.db"
        copy_database(template, database)
        app = make_app(database)
    app.test_client_class = CommittingClient
    # The test body runs in the context of a twin app on the same database, so that each request
    # gets its own application context (its own `g` and session), as in production.
    twin = make_app(database, UPLOAD_DIR=app.config["UPLOAD_DIR"])
    with twin.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()
    drop_database(database)


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
        select(ReportingPeriod).where(
            ReportingPeriod.plan_id == plan.id, ReportingPeriod.kind == kind, ReportingPeriod.year == year
        )
    )


def api_token(role: str) -> dict[str, str]:
    """A new API token of a test role's person (in the current app context), as the header to send."""
    from sqlalchemy import select

    from tracker.accounts.models import User
    from tracker.accounts.tokens import create_token
    from tracker.core.actor import Actor
    from tracker.core.time import now

    user = db.session.scalar(select(User).where(User.username == TEST_USERS[role][0]))
    _row, secret = create_token(Actor.for_user(user), user, f"test {role}", now())
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token_of(app):
    """The API token header of a test role's person: token_of("officer"); one token per role and test."""
    made: dict[str, dict[str, str]] = {}

    def header(role: str) -> dict[str, str]:
        if role not in made:
            made[role] = api_token(role)
        return made[role]

    return header
