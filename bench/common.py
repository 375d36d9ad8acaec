"""What bench/generate.py and bench/run.py share: where each dataset lives, and the accounts."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
DATA_DIR = BENCH_DIR / "data"
DATASETS = ("ward", "large", "province", "country")  # the country: PostgreSQL only

# Every benchmark account signs in with this password (a benchmark database only).
PASSWORD = "bench-password-not-secret"

# Which account opens which page (the demo accounts of `flask users create-demo`).
COMMITTEE = "demo.bancd"
CHAIR = "demo.truongban"
OFFICER = "demo.canbo"
PROVINCE = "demo.tinh"  # reads every ward of the province: the overview
ADMIN = "bench.quantri"  # the installation's admin (the country only): every ward's overview

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def backend_name(db: str) -> str:
    return "sqlite" if db == "sqlite" else "postgres"


def dataset_url(db: str, name: str) -> str:
    """The URL of a dataset's database: an SQLite file under bench/data/, or a database named
    bench_<name> on the PostgreSQL server `db` names."""
    if db == "sqlite":
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA_DIR / f'{name}.db'}"
    from sqlalchemy.engine import make_url

    return make_url(db).set(database=f"bench_{name}").render_as_string(hide_password=False)


def meta_path(db: str, name: str) -> Path:
    return DATA_DIR / f"{backend_name(db)}-{name}.json"


def write_meta(db: str, name: str, meta: dict) -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    meta_path(db, name).write_text(json.dumps(meta, indent=2, ensure_ascii=False))


def read_meta(db: str, name: str) -> dict:
    return json.loads(meta_path(db, name).read_text())


def app_environment(url: str) -> dict[str, str]:
    """The environment the app runs in for the benchmark: its database, a fixed key, uploads aside."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-" + "7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c8e2b6d4f0a",
        UPLOAD_DIR=str(DATA_DIR / "uploads"),
        PYTHONPATH=str(ROOT),
    )
    env.pop("TRACKER_ENV", None)
    return env


def make_app(url: str, **overrides):
    from config import Config
    from tracker import create_app

    os.environ.setdefault("SECRET_KEY", app_environment(url)["SECRET_KEY"])
    overrides.setdefault("SECRET_KEY", app_environment(url)["SECRET_KEY"])
    overrides.setdefault("UPLOAD_DIR", str(DATA_DIR / "uploads"))
    return create_app(Config, SQLALCHEMY_DATABASE_URI=url, **overrides)
