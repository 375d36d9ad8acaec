"""Build a benchmark database, reproducibly from a seed.

    python bench/generate.py ward     --db sqlite
    python bench/generate.py large    --db sqlite --tasks 20000
    python bench/generate.py province --db postgresql+psycopg://tracker@127.0.0.1:55432/postgres --wards 92

`--db sqlite` builds bench/data/<dataset>.db; a PostgreSQL server URL builds the database
bench_<dataset> on that server (`--url` names any other database). The database is dropped and
built again each time: the schema by the Alembic migrations, the plans by the project's own plan
file reader and loader, the accounts and the demo activity by the app's services.

- ward: the Bắc Kạn plan (data/plans/bac-kan-2026-2030.yaml, what `make run` loads), the demo
  accounts, `flask demo activity`, and an officer per lead unit who posted about two progress
  updates on each task the unit leads since it began, as in the large plan.
- large: the Bắc Kạn plan's ward, units, indicators and reporting calendar with a generated task
  tree of --tasks tasks led by 40 units (the plan's 13 single units and 27 more), written as a plan
  file by the project's writer (bench/data/large-<N>.yaml) and loaded by its loader; then about two
  progress updates per task, each a progress_update row and its "progress.post" audit event, as
  tracker/progress/services.py:post_update writes them (inserted in bulk).
- province: the Bắc Kạn plan loaded for --wards wards (default 92); the first ward is the ward
  dataset's, with its accounts and activity.
- country (PostgreSQL only): the same for --wards wards (default 3,321, about 180,000 tasks) in 34
  provinces, and an installation admin who reads the country's overview.

Every account signs in with bench.common.PASSWORD. A JSON file beside the database
(bench/data/<backend>-<dataset>.json) tells bench/run.py which plan, task and unit to open.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PLAN_FILE = common.ROOT / "data" / "plans" / "bac-kan-2026-2030.yaml"
UNIT_COUNT = 40  # units that lead tasks in the large plan
UPDATES_UNTIL = datetime(2026, 11, 30, 17, 0)
CHUNK = 2000

ACTIVITIES = (
    "rà soát hộ nghèo, hộ cận nghèo",
    "tuyên truyền chính sách giảm nghèo",
    "hỗ trợ vay vốn tín dụng chính sách",
    "đào tạo nghề cho lao động nông thôn",
    "hỗ trợ nhà ở cho hộ nghèo",
    "hỗ trợ học phí cho học sinh",
    "cấp thẻ bảo hiểm y tế",
    "giới thiệu việc làm",
    "hỗ trợ sinh kế, phát triển sản xuất",
    "kiểm tra, giám sát thực hiện chính sách",
)
WHERE = ("tại các tổ dân phố", "trên địa bàn phường", "tại các khu dân cư", "cho các hộ trong danh sách")


# --- the database ---------------------------------------------------------------------------


def fresh_database(url: str) -> None:
    """Drop the database `url` names (an SQLite file or a PostgreSQL database) and create it empty."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def migrate() -> None:
    from flask_migrate import upgrade

    upgrade()


# --- through the app's own code -------------------------------------------------------------


def load_plan(plan_file, source: str):
    """What `flask plan load` does: load the file and record it in the audit log, one transaction."""
    from tracker.audit.services import record
    from tracker.core.actor import Actor
    from tracker.core.time import now
    from tracker.extensions import db
    from tracker.planfile import loading

    summary = loading.load_plan_file(plan_file, source)
    record(Actor.command_line(), "plan.load", now(), summary.plan, source=source, created=summary.created or None)
    db.session.commit()
    return summary.plan


def demo_accounts(ward) -> dict:
    """`flask users create-demo`, then each demo account's password set to the benchmark's."""
    from sqlalchemy import select

    from tracker.accounts import services as accounts
    from tracker.accounts.models import User
    from tracker.core.actor import Actor
    from tracker.core.time import now
    from tracker.extensions import db

    created = accounts.create_demo_accounts(ward, Actor.command_line(), now())
    users = {}
    for account in created:
        user = db.session.scalar(select(User).where(User.username == account.username))
        accounts.set_password(Actor.command_line(), now(), user, common.PASSWORD)
        users[account.username] = user
    db.session.commit()
    return users


def demo_activity(ward) -> None:
    """`flask demo activity`."""
    from tracker.core.time import now
    from tracker.demo import services as demo
    from tracker.extensions import db

    stage, cast = demo.check_ready(ward)
    demo.create_activity(stage, cast, now())
    db.session.commit()


def ward_named(code: str):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.wards.models import Ward

    return db.session.scalar(select(Ward).where(Ward.code == code))


def counts() -> dict:
    from sqlalchemy import func, select

    from tracker.extensions import db
    from tracker.plan.models import Task
    from tracker.progress.models import ProgressUpdate
    from tracker.wards.models import Ward

    return {
        "wards": db.session.scalar(select(func.count(Ward.id))),
        "tasks": db.session.scalar(select(func.count(Task.id))),
        "updates": db.session.scalar(select(func.count(ProgressUpdate.id))),
    }


# --- the datasets ---------------------------------------------------------------------------


def build_ward(args) -> dict:
    from tracker.planfile.reader import read_plan_file

    plan_file = read_plan_file(PLAN_FILE)
    plan = load_plan(plan_file, str(PLAN_FILE))
    ward_activity(random.Random(args.seed), plan_file, plan)
    return {"plan_id": plan.id, "task": "IV.4.1", "unit": "phong-vh-xh"}


def ward_activity(rng: random.Random, plan_file, plan) -> None:
    """The Bắc Kạn ward as it is used: the demo accounts, the demo activity, and each unit's
    progress updates on the tasks it leads, as in the large plan (about two per task)."""
    ward = ward_named(plan_file.ward.code)
    demo = demo_accounts(ward)
    demo_activity(ward)
    authors = officers(ward, [u.code for u in plan_file.units if not u.group], demo)
    insert_updates(rng, plan, authors)


def build_province(args) -> dict:
    from tracker.planfile.reader import read_plan_file
    from tracker.planfile.schema import WardData

    base = read_plan_file(PLAN_FILE)

    def ward_of(number: int) -> WardData:
        return WardData(code=f"phuong-{number:03d}", name=f"Phường số {number:03d}", province=base.ward.province)

    return {
        "plan_id": load_wards(base, args.wards, ward_of, report_every=10, seed=args.seed),
        "task": "IV.4.1",
        "unit": "phong-vh-xh",
    }


def load_wards(base, count: int, ward_of, report_every: int, seed: int) -> int:
    """The plan file `base` loaded for `count` wards: the first is its own ward, used as in the ward
    dataset (`ward_activity`); ward number n > 1 is `ward_of(n)`. Returns the first plan's id."""
    first_plan = None
    for number in range(1, count + 1):
        plan_file = copy.deepcopy(base)
        if number > 1:
            plan_file.ward = ward_of(number)
        plan = load_plan(plan_file, str(PLAN_FILE))
        if number == 1:
            first_plan = plan.id
            ward_activity(random.Random(seed), plan_file, plan)
        if number % report_every == 0:
            print(f"  {number} wards loaded", flush=True)
    return first_plan


def build_country(args) -> dict:
    """The Bắc Kạn plan loaded for --wards wards (default 3,321: every ward and commune of the
    country) in PROVINCES provinces; the first ward is Bắc Kạn, with the demo accounts and the demo
    activity, in its own province. An installation admin (ADMIN) reads the country's overview."""
    from tracker.accounts import services as accounts
    from tracker.accounts.models import ROLE_ADMIN
    from tracker.core.actor import Actor
    from tracker.core.time import now
    from tracker.extensions import db
    from tracker.planfile.reader import read_plan_file
    from tracker.planfile.schema import WardData

    base = read_plan_file(PLAN_FILE)

    def ward_of(number: int) -> WardData:
        province = (number - 1) * PROVINCES // args.wards  # wards in blocks, province 0 is Bắc Kạn's
        return WardData(
            code=f"xa-{number:04d}",
            name=f"Xã số {number:04d}",
            province=base.ward.province if province == 0 else f"Tỉnh số {province + 1:02d}",
        )

    first_plan = load_wards(base, args.wards, ward_of, report_every=100, seed=args.seed)
    accounts.add_user(Actor.command_line(), now(), common.ADMIN, common.PASSWORD, "Quản trị hệ thống", [ROLE_ADMIN])
    db.session.commit()
    return {"plan_id": first_plan, "task": "IV.4.1", "unit": "phong-vh-xh"}


def roman(number: int) -> str:
    out = ""
    for value, letters in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV")):
        while number >= value:
            out += letters
            number -= value
    return out + "I" * number


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def large_plan_file(rng: random.Random, tasks: int):
    """The Bắc Kạn plan file with 27 more units and a generated tree of `tasks` tasks: sections of
    groups of up to ten tasks (a group task and its children), each led by one of the 40 units."""
    from tracker.planfile.reader import read_plan_file
    from tracker.planfile.schema import MilestoneData, TaskData, UnitData, WardData

    plan_file = read_plan_file(PLAN_FILE)
    plan_file.ward = WardData(code="phuong-lon", name="Phường mẫu (benchmark)", province=plan_file.ward.province)
    plan_file.plan.code = f"KH-BENCH-{tasks}"
    plan_file.plan.title = f"Kế hoạch mẫu {tasks} nhiệm vụ (benchmark)"
    singles = [u.code for u in plan_file.units if not u.group]
    for number in range(1, UNIT_COUNT - len(singles) + 1):
        plan_file.units.append(UnitData(code=f"don-vi-{number:02d}", name=f"Đơn vị thực hiện số {number:02d}"))
    leaders = [u.code for u in plan_file.units if not u.group]
    assert len(leaders) == UNIT_COUNT, leaders

    def task(code: str) -> TaskData:
        lead = rng.choice(leaders)
        partners = rng.sample([c for c in leaders if c != lead], rng.choice((0, 0, 1, 2)))
        start = random_day(rng, date(2026, 1, 1), date(2026, 9, 30))
        due = None if rng.random() < 0.25 else random_day(rng, max(start, date(2026, 3, 1)), date(2030, 12, 31))
        activity = rng.choice(ACTIVITIES)
        data = TaskData(
            code=code,
            title=f"{activity.capitalize()} {rng.choice(WHERE)} ({code})",
            text=f"Tổ chức {activity} {rng.choice(WHERE)}, báo cáo kết quả theo định kỳ.",
            lead=[lead],
            partners=partners,
            start=start,
            due=due,
        )
        if due and rng.random() < 0.05:
            data.milestones.append(MilestoneData(title="Hoàn thành bước đầu", due=random_day(rng, start, due)))
        return data

    sections_count = max(1, min(tasks, 39, -(-tasks // 1000)))
    sections = [
        TaskData(code=roman(n), title=f"Nhóm nhiệm vụ {roman(n)}", title_source="summary")
        for n in range(1, sections_count + 1)
    ]
    remaining = tasks - sections_count
    turn = 0
    while remaining > 0:
        section = sections[turn % sections_count]
        turn += 1
        group = task(f"{section.code}.{len(section.children) + 1}")
        section.children.append(group)
        remaining -= 1
        for number in range(1, min(9, remaining) + 1):
            group.children.append(task(f"{group.code}.{number}"))
        remaining -= len(group.children)
    plan_file.plan.tasks = sections
    return plan_file, leaders


def officers(ward, leaders: list[str], demo: dict) -> dict:
    """One officer per leading unit (the demo officer for its unit) to author the updates."""
    from flask import current_app
    from sqlalchemy import select

    from tracker.accounts.services import create_user
    from tracker.audit.services import record
    from tracker.core.actor import Actor
    from tracker.core.time import now
    from tracker.extensions import db
    from tracker.units.models import Unit

    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == ward.id))}
    by_unit = {common.OFFICER: demo[common.OFFICER]}
    authors = {demo[common.OFFICER].unit.code: demo[common.OFFICER]}
    # These accounts never sign in during the benchmark: a cheap hash keeps the generation quick.
    method = current_app.config["PASSWORD_HASH_METHOD"]
    current_app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    try:
        for code in leaders:
            if code in authors:
                continue
            username = f"canbo.{code}"
            user = create_user(username, common.PASSWORD, f"Cán bộ {units[code].name}", ["officer"], ward, units[code])
            db.session.flush()
            record(Actor.command_line(), "user.create", now(), user, username=username, roles=["officer"])
            authors[code] = user
            by_unit[username] = user
    finally:
        current_app.config["PASSWORD_HASH_METHOD"] = method
    db.session.commit()
    return authors


def insert_updates(rng: random.Random, plan, authors: dict) -> int:
    """About two progress updates per task (none on the sections), each by the lead unit's officer,
    with the audit event post_update records; inserted in bulk, in the order they were posted."""
    from sqlalchemy import insert, select

    from tracker.audit.models import AuditEvent
    from tracker.core.time import WARD_TZ
    from tracker.extensions import db
    from tracker.plan.models import ROLE_LEAD, Assignment, Task
    from tracker.progress.models import STATE_BLOCKED, STATE_DONE, STATE_WORKING, ProgressUpdate

    leads = dict(
        db.session.execute(
            select(Assignment.task_id, Assignment.unit_id)
            .join(Task, Assignment.task_id == Task.id)
            .where(Task.plan_id == plan.id, Assignment.role == ROLE_LEAD)
        ).all()
    )
    tasks = db.session.execute(
        select(Task.id, Task.code, Task.start_on).where(Task.plan_id == plan.id).order_by(Task.id)
    ).all()
    by_unit_id = {user.unit_id: user for user in authors.values()}
    posts = []
    for task_id, code, start in tasks:
        author = by_unit_id.get(leads.get(task_id))
        first = datetime.combine(start or date(2026, 1, 5), datetime.min.time()) + timedelta(hours=8)
        if author is None or first >= UPDATES_UNTIL:  # a section, a group of units, a task not begun
            continue
        unit_id = author.unit_id
        span = max(1, int((UPDATES_UNTIL - first).total_seconds()))
        moments = sorted(first + timedelta(seconds=rng.randrange(span)) for _ in range(rng.randint(1, 3)))
        percent = 0
        for moment in moments:
            percent = min(100, percent + rng.randint(5, 45))
            state = STATE_DONE if percent == 100 else STATE_BLOCKED if rng.random() < 0.05 else STATE_WORKING
            posts.append(
                {
                    "task_id": task_id,
                    "unit_id": unit_id,
                    "author_id": author.id,
                    "role": ROLE_LEAD,
                    "percent": percent,
                    "state": state,
                    "results": f"Đã triển khai {percent}% khối lượng nhiệm vụ {code}.",
                    "difficulties": "Thiếu kinh phí thực hiện." if state == STATE_BLOCKED else None,
                    "proposals": "Đề nghị bổ sung kinh phí." if state == STATE_BLOCKED else None,
                    "corrects_id": None,
                    "correction_note": None,
                    "created_at": moment.replace(tzinfo=WARD_TZ),
                    "_code": code,
                    "_username": author.username,
                }
            )
    posts.sort(key=lambda p: p["created_at"])
    for start in range(0, len(posts), CHUNK):
        chunk = posts[start : start + CHUNK]
        rows = [{k: v for k, v in p.items() if not k.startswith("_")} for p in chunk]
        ids = db.session.scalars(
            insert(ProgressUpdate).returning(ProgressUpdate.id, sort_by_parameter_order=True), rows
        ).all()
        db.session.execute(
            insert(AuditEvent),
            [
                {
                    "occurred_at": p["created_at"],
                    "user_id": p["author_id"],
                    "username": p["_username"],
                    "unit_id": p["unit_id"],
                    "action": "progress.post",
                    "target_type": ProgressUpdate.__tablename__,
                    "target_id": update_id,
                    "detail": {"task": p["_code"], "percent": p["percent"], "state": p["state"]},
                    "remote_addr": None,
                }
                for p, update_id in zip(chunk, ids, strict=True)
            ],
        )
        db.session.commit()
    return len(posts)


def build_large(args) -> dict:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.plan.models import ROLE_LEAD, Assignment, Task
    from tracker.planfile.reader import read_plan_file
    from tracker.planfile.writer import dump_plan_file
    from tracker.units.models import Unit

    rng = random.Random(args.seed)
    plan_file, leaders = large_plan_file(rng, args.tasks)
    path = common.DATA_DIR / f"large-{args.tasks}.yaml"
    path.write_text(dump_plan_file(plan_file), encoding="utf-8")
    plan = load_plan(read_plan_file(path), str(path))
    ward = ward_named(plan_file.ward.code)
    demo = demo_accounts(ward)
    authors = officers(ward, leaders, demo)
    insert_updates(rng, plan, authors)
    # The task page: the first task the demo officer's unit leads with updates on it.
    unit = db.session.scalar(select(Unit).where(Unit.ward_id == ward.id, Unit.code == "phong-vh-xh"))
    led = db.session.scalars(
        select(Task.code)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(Task.plan_id == plan.id, Assignment.unit_id == unit.id, Assignment.role == ROLE_LEAD)
        .order_by(Task.id)
    ).first()
    return {"plan_id": plan.id, "task": led, "unit": unit.code, "plan_file": str(path.relative_to(common.ROOT))}


def store_standings() -> None:
    """Every plan's standings of today, as the night's alert scan leaves them for the day's pages
    (the progress updates above are inserted in bulk, which only marks the standings out of date)."""
    from tracker.core.time import ward_today
    from tracker.standing.stored import refresh_all

    refresh_all(ward_today())


BUILDERS = {"ward": build_ward, "large": build_large, "province": build_province, "country": build_country}
PROVINCES = 34  # the country's provinces and cities


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=common.DATASETS)
    parser.add_argument("--db", default="sqlite", help="sqlite (default) or a PostgreSQL server URL")
    parser.add_argument("--url", help="the database to build (default: from --db)")
    parser.add_argument("--tasks", type=int, default=20000, help="tasks in the large plan (default 20000)")
    parser.add_argument(
        "--wards", type=int, help="wards in the province (default 92) or the country (default 3321; PostgreSQL only)"
    )
    parser.add_argument("--seed", type=int, default=17, help="random seed (default 17)")
    args = parser.parse_args(argv)
    if args.wards is None:
        args.wards = 3321 if args.dataset == "country" else 92
    if args.tasks < 1 or args.wards < 1:
        parser.error("--tasks and --wards must be at least 1")
    if args.dataset == "country" and args.db == "sqlite" and not args.url:
        parser.error("the country is built on PostgreSQL only (--db postgresql+psycopg://...)")
    url = args.url or common.dataset_url(args.db, args.dataset)
    started = time.perf_counter()
    fresh_database(url)
    app = common.make_app(url)
    from tracker.core.database import update_statistics
    from tracker.extensions import db

    with app.app_context():
        migrate()
        meta = BUILDERS[args.dataset](args)
        store_standings()
        update_statistics()  # as `flask plan load` and the morning job do
        meta.update(counts())
        db.session.remove()
        db.engine.dispose()
    meta.update(
        dataset=args.dataset,
        url=url,
        seed=args.seed,
        size={"large": args.tasks, "province": args.wards, "country": args.wards}.get(args.dataset),
        seconds=round(time.perf_counter() - started, 1),
    )
    common.write_meta(args.db, args.dataset, meta)
    print(
        f"{args.dataset}: {meta['wards']} wards, {meta['tasks']} tasks, {meta['updates']} updates "
        f"in {meta['seconds']} s ({url})",
        flush=True,
    )


if __name__ == "__main__":
    main()
