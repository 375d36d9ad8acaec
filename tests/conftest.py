"""Test fixtures.

Every test gets its own real SQLite database: a copy of a template that was built once per test
session by running the Alembic migrations (never create_all), with or without the Bắc Kạn plan
loaded through the same code path as `flask plan load`. Tests can therefore commit freely.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
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
        db.session.commit()
        db.engine.dispose()
    return {"empty": empty, "loaded": loaded}


def _app_from_template(template: Path, tmp_path: Path):
    database = tmp_path / "test.db"
    copy_database(template, database)
    app = make_app(database)
    with app.app_context():
        yield app
        db.session.remove()
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
