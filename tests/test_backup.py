"""Backups: `flask backup create` takes a consistent snapshot of the database and the uploaded files
while the app runs; `flask backup restore` puts it back into an empty database and upload folder,
refusing anything else, on SQLite as on PostgreSQL and across the two."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from werkzeug.datastructures import FileStorage

from tests.conftest import (
    ON_POSTGRES,
    PASSWORD,
    PLAN_FILE,
    TEST_USERS,
    clone_database,
    create_test_users,
    current_database,
    database_url,
    drop_database,
    make_app,
)
from tests.helpers import at, owed_unit_report, start_unit_report, whole_report
from tracker import ROOT
from tracker.accounts.models import User
from tracker.accounts.services import create_user
from tracker.alerts import services as alerts
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.discussion import services as discussion
from tracker.extensions import db
from tracker.mail import services as mail
from tracker.periods.models import ReportingPeriod
from tracker.plan.models import Plan, Task
from tracker.planfile import loading
from tracker.planfile.reader import read_plan_file
from tracker.progress import services as progress
from tracker.progress.models import Evidence, ProgressUpdate
from tracker.reports import services as reports
from tracker.reports.models import UnitReport
from tracker.scheduler.models import SchedulerHeartbeat
from tracker.targets import services as targets
from tracker.targets.models import Indicator
from tracker.units.models import Unit
from tracker.ward_reports import services as ward_reports

PDF = b"%PDF-1.4\n% bien ban hop\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))
DOCX = b"PK\x03\x04" + b"\x14\x00\x06\x00" + b"word/document.xml" + b"\x00" * 64
MIGRATIONS = ROOT / "migrations" / "versions"


# --- the data -----------------------------------------------------------------------------------


def build_data() -> None:
    """A little of everything the ward does in a half-year, in the current app's database and
    upload folder, through the services the pages use."""
    current_app.config["MAIL_SERVER"] = "127.0.0.1"  # so that the morning digests are queued
    users = {u.username: u for u in db.session.scalars(select(User))}
    officer, yte = users[TEST_USERS["officer"][0]], users[TEST_USERS["officer_yte"][0]]
    secretariat, committee, chair = (users[TEST_USERS[r][0]] for r in ("secretariat", "committee", "chair"))
    for user in (officer, secretariat, committee, chair):
        user.email = f"{user.username}@phuongbackan.vn"
    plan = db.session.scalar(select(Plan).where(Plan.code == "KH-GNBV-2026-2030"))
    task = {t.code: t for t in db.session.scalars(select(Task).where(Task.plan_id == plan.id))}
    unit = {u.code: u for u in db.session.scalars(select(Unit))}
    period = db.session.scalar(
        select(ReportingPeriod).where(
            ReportingPeriod.plan_id == plan.id, ReportingPeriod.kind == "six_month", ReportingPeriod.year == 2026
        )
    )

    def act(user):
        return Actor.for_user(user, "10.0.0.5")

    def files(*items):
        return [FileStorage(stream=io.BytesIO(content), filename=name) for name, content in items]

    # Progress with evidence, a correction, a partner's contribution.
    first, _ = progress.post_update(
        act(officer),
        task["IV.4.1"],
        officer.unit_id,
        "lead",
        progress.UpdateInput(40, "working", "Đã rà soát 64 hộ nghèo", "Thiếu cán bộ", "Bổ sung kinh phí"),
        files(("Biên bản họp tổ 3.pdf", PDF), ("Ảnh hiện trường.png", PNG)),
        at("2026-05-20"),
    )
    progress.post_update(
        act(officer),
        task["IV.4.1"],
        officer.unit_id,
        "lead",
        progress.UpdateInput(45, "working", "Đã rà soát 66 hộ", correction_note="Số hộ là 66, không phải 64"),
        files(("Danh sách hộ.docx", DOCX)),
        at("2026-05-21"),
        corrects=first,
    )
    progress.post_update(
        act(officer),
        task["IV.4.2"],
        officer.unit_id,
        "lead",
        progress.UpdateInput(100, "done", "Hoàn thành"),
        [],
        at("2026-05-25"),
    )
    progress.post_update(
        act(yte),
        task["IV.4.3"],
        yte.unit_id,
        "lead",
        progress.UpdateInput(50, "blocked", None, "Chưa có kinh phí"),
        files(("Kế hoạch y tế.pdf", PDF + b"% y te\n")),
        at("2026-05-26"),
    )
    db.session.flush()

    # Unit reports of the six-month round: Phòng Văn hóa – Xã hội saves a draft, submits, is
    # returned at the section on IV.4.1, resubmits and is accepted; Trạm Y tế's report waits;
    # Phòng Xây dựng, Nông nghiệp và Môi trường has only a draft.
    vhxh = owed_unit_report(plan, period, officer.unit_id)
    accepted = start_unit_report(vhxh, at("2026-06-01"))
    reports.save_draft(act(officer), accepted, whole_report(vhxh.tasks, "Nháp"), at("2026-06-01"))
    written = whole_report(
        vhxh.tasks, "Đã thực hiện", assessment="Hoàn thành cơ bản các nhiệm vụ", proposals="Tăng kinh phí"
    )
    written.sections[0].results, written.sections[0].difficulties = "Đã chi trả cho 60 hộ", "Thiếu cán bộ"
    reports.submit(act(officer), accepted, written, at("2026-06-03"), roles=vhxh.roles)
    reports.return_for_changes(
        act(secretariat), accepted, "Bổ sung số hộ đã chi trả", at("2026-06-04"), task_id=task["IV.4.1"].id
    )
    written.sections[0].results = "Đã chi trả cho 66 hộ"
    reports.submit(act(officer), accepted, written, at("2026-06-05"), roles=vhxh.roles)
    reports.accept(act(secretariat), accepted, at("2026-06-06"), "Đạt yêu cầu")
    owed_yte = owed_unit_report(plan, period, yte.unit_id)
    waiting = start_unit_report(owed_yte, at("2026-06-04"))
    reports.submit(
        act(yte), waiting, whole_report(owed_yte.tasks, "Cấp thẻ BHYT"), at("2026-06-04"), roles=owed_yte.roles
    )
    owed_xd = owed_unit_report(plan, period, secretariat.unit_id)
    reports.save_draft(
        act(secretariat),
        start_unit_report(owed_xd, at("2026-06-05")),
        whole_report(owed_xd.tasks, "Đang tổng hợp"),
        at("2026-06-05"),
    )

    # The committee talks to the units.
    discussion.add_comment(
        act(committee), task["IV.4.1"], "Đề nghị bổ sung danh sách hộ", at("2026-05-22"), update=first
    )
    question = discussion.ask_question(
        act(committee), plan, unit["phong-vh-xh"], "Khi nào hoàn thành rà soát?", at("2026-05-22"), task=task["IV.4.1"]
    )
    discussion.answer_question(act(officer), question, "Trong tháng 6", at("2026-05-23"))
    discussion.ask_question(act(committee), plan, unit["tram-y-te"], "Đã cấp bao nhiêu thẻ BHYT?", at("2026-05-24"))
    directive = discussion.issue_directive(
        act(chair),
        plan,
        unit["phong-vh-xh"],
        "Hoàn thành chi trả trước 30/6",
        date(2026, 6, 30),
        at("2026-05-24"),
        task=task["IV.4.1"],
    )
    discussion.reply_to_directive(act(officer), directive, "Đã chi trả xong", True, at("2026-06-02"))
    discussion.issue_directive(
        act(chair), plan, unit["tram-y-te"], "Báo cáo số thẻ BHYT", date(2026, 6, 5), at("2026-05-24")
    )

    # Figures, the ward report's draft.
    indicators = {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    targets.save_actuals(
        act(secretariat),
        period,
        [
            (indicators["households-leaving-poverty"], Decimal(9), None, None, "Rà soát 6 tháng"),
            (indicators["poor-households"], Decimal("55"), None, None, "Rà soát 6 tháng"),
            (indicators["coverage-school-age"], None, Decimal(61), Decimal(64), "Số liệu các trường"),
            (indicators["budget-latrine"], Decimal("18.5"), None, None, "Phòng Kinh tế"),
        ],
        at("2026-06-07"),
    )
    draft = ward_reports.get_or_start(plan, period, date(2026, 6, 8), at("2026-06-08"))
    ward_reports.save_draft(
        act(secretariat),
        draft,
        "12/BC-UBND",
        date(2026, 6, 8),
        "Kết quả 6 tháng đầu năm 2026",
        {
            "situation": "Các đơn vị đã triển khai.",
            "assessment": "Ưu điểm: chủ động.",
            "next_tasks": "Rà soát.",
            "proposals": "Bổ sung kinh phí.",
        },
        ["UBND tỉnh Thái Nguyên (b/c)", "Lưu: VT"],
        at("2026-06-08"),
    )
    db.session.flush()

    # The morning scan: alerts, notifications, e-mail digests; and the scheduler's heartbeat.
    alerts.scan_all(date(2026, 6, 8), at("2026-06-08", "07:00"))
    mail.build_digests(date(2026, 6, 8), at("2026-06-08", "07:00"))
    db.session.add(SchedulerHeartbeat(id=1, beat_at=at("2026-06-08", "07:01"), host="may-chu-1", pid=4242))
    db.session.commit()


def upload_files(folder) -> dict[str, bytes]:
    folder = Path(folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def normal(value):
    if isinstance(value, datetime):
        assert value.tzinfo is not None, "a moment came back without its time zone"
        return value.astimezone(UTC)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def table_rows(database) -> dict[str, list[tuple]]:
    """Every row of every table (ordered by primary key), read through the models' column types,
    with moments in UTC and numbers normalised; and the migration revision."""
    engine = create_engine(database_url(database))
    try:
        with engine.connect() as connection:
            rows = {
                table.name: [
                    tuple(normal(v) for v in row)
                    for row in connection.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in db.metadata.sorted_tables
            }
            rows["alembic_version"] = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    return rows


# Not in a backup: the data's versions (moved on by the restore's writes) and the totals kept under
# one of them (worked out again when first read).
DERIVED_UNSAVED = ("data_version", "shared_total")


def assert_same_rows(expected: dict[str, list[tuple]], actual: dict[str, list[tuple]]) -> None:
    """Every table alike, but those not saved (DERIVED_UNSAVED)."""
    expected, actual = (
        {name: rows for name, rows in tables.items() if name not in DERIVED_UNSAVED} for tables in (expected, actual)
    )
    assert set(expected) == set(actual)
    for name in expected:
        assert len(actual[name]) == len(expected[name]), (
            f"{name}: {len(actual[name])} rows instead of {len(expected[name])}"
        )
        for want, got in zip(expected[name], actual[name]):
            assert got == want, f"{name}: {got} != {want}"


def archive_contents(path: Path) -> tuple[dict, dict[str, list[dict]], dict[str, bytes]]:
    with tarfile.open(path, "r:gz") as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())
        tables = {
            name[len("tables/") : -len(".jsonl")]: [
                json.loads(line) for line in archive.extractfile(name).read().decode().splitlines() if line
            ]
            for name in names
            if name.startswith("tables/")
        }
        uploads = {
            name[len("uploads/") :]: archive.extractfile(name).read() for name in names if name.startswith("uploads/")
        }
    return manifest, tables, uploads


def head_and_previous() -> tuple[str, str]:
    import re

    parents = {}
    for path in MIGRATIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision\s*=\s*['\"]([0-9a-f]+)['\"]", source, re.M).group(1)
        parents[revision] = re.search(r"^down_revision\s*=\s*(?:['\"]([0-9a-f]+)['\"]|None)", source, re.M).group(1)
    [head] = set(parents) - set(parents.values())
    return head, parents[head]


class Target:
    """A database and an upload folder to restore into, with its own app."""

    def __init__(self, database, uploads: Path):
        self.database = database
        self.uploads = uploads
        self.app = make_app(database, UPLOAD_DIR=str(uploads))

    def restore(self, archive: Path):
        db.session.commit()
        with self.app.app_context():
            return self.app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every table the database has (whatever its migration), and its revision."""
        with self.app.app_context():
            try:
                names = inspect(db.engine).get_table_names()
                return {
                    name: sorted((tuple(row) for row in db.session.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
                    for name in sorted(names)
                }
            finally:
                db.session.remove()

    def close(self):
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(self.database)


@pytest.fixture
def restore_target(template_databases, tmp_path):
    made: list[Target] = []

    def make(template: str = "empty", uploads: str | None = None) -> Target:
        folder = tmp_path / f"target-{len(made)}"
        folder.mkdir()
        target = Target(clone_database(template_databases[template], folder), folder / (uploads or "uploads"))
        made.append(target)
        return target

    yield make
    for target in made:
        target.close()


@pytest.fixture
def backup(app, cli, tmp_path):
    """The loaded plan with a half-year of work in it, and its backup."""
    build_data()
    path = tmp_path / "b.tar.gz"
    result = cli.invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    return path


# --- 1. backup and restore ----------------------------------------------------------------------


def test_a_backup_restores_into_a_fresh_database_row_for_row_and_file_for_file(app, cli, backup, restore_target):
    head, _previous = head_and_previous()
    source = table_rows(current_database())
    assert all(
        source[name]
        for name in (
            "progress_update",
            "evidence",
            "unit_report",
            "unit_report_section",
            "unit_report_event",
            "unit_report_version",
            "comment",
            "question",
            "directive",
            "alert",
            "notification",
            "scan_run",
            "indicator_value",
            "ward_report",
            "audit_event",
            "outbox_message",
            "scheduler_heartbeat",
        )
    ), [name for name, rows in source.items() if not rows]

    # The archive: a manifest with the revision and the row counts, a file per table, the uploads.
    manifest, tables, uploads = archive_contents(backup)
    assert manifest["revision"] == head
    # The data's versions are not data (tracker.core.changes), nor the totals kept under one: not in the backup.
    assert manifest["tables"] == {
        name: len(rows) for name, rows in source.items() if name not in ("alembic_version", *DERIVED_UNSAVED)
    }
    assert {name: len(rows) for name, rows in tables.items()} == manifest["tables"]
    evidence = db.session.scalars(select(Evidence)).all()
    assert len(evidence) == 4
    assert set(uploads) == set(manifest["files"]) == {e.stored_name for e in evidence}
    for item in evidence:
        assert (
            hashlib.sha256(uploads[item.stored_name]).hexdigest() == item.sha256 == manifest["files"][item.stored_name]
        )

    # Restored into another, empty database and an empty folder...
    target = restore_target("empty")
    result = target.restore(backup)
    assert result.exit_code == 0, result.output
    assert str(sum(manifest["tables"].values())) in result.output and "4" in result.output

    # ...every table matches row for row, and every file byte for byte; the restore, a write, moved
    # the data's version on from the empty database's.
    restored = table_rows(target.database)
    assert restored["data_version"][0][1] >= 1
    assert_same_rows(source, restored)
    assert upload_files(target.uploads) == upload_files(app.config["UPLOAD_DIR"])

    # The restored installation works: people sign in with their passwords, see their work and
    # add to it; new rows continue after the restored ids (on PostgreSQL, the sequences were reset).
    last = {
        name: max((row[0] for row in source[name]), default=0)
        for name in ("progress_update", "evidence", "audit_event")
    }
    browser = target.app.test_client()
    assert browser.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}).status_code == 302
    with target.app.app_context():
        plan_id = db.session.scalar(select(Plan.id))
        stored_name = db.session.scalar(select(Evidence.stored_name).order_by(Evidence.id).limit(1))
        evidence_id = db.session.scalar(select(Evidence.id).order_by(Evidence.id).limit(1))
        report_id = db.session.scalar(select(UnitReport.id).where(UnitReport.status == "accepted"))
        db.session.remove()
    page = browser.get(f"/plans/{plan_id}/tasks/IV.4.1").get_data(as_text=True)
    assert "Đã rà soát 66 hộ" in page and "Biên bản họp tổ 3.pdf" in page
    # The unit's report reads as it was accepted, and its first submitted version as it was sent.
    report_page = browser.get(f"/plans/{plan_id}/reports/{report_id}").get_data(as_text=True)
    assert (
        "Đã chi trả cho 66 hộ" in report_page
        and "Đạt yêu cầu" in report_page
        and "Bổ sung số hộ đã chi trả" in report_page
    )
    first_version = browser.get(f"/plans/{plan_id}/reports/{report_id}/versions/1").get_data(as_text=True)
    assert "Đã chi trả cho 60 hộ" in first_version and "Đã chi trả cho 66 hộ" not in first_version
    download = browser.get(f"/plans/{plan_id}/evidence/{evidence_id}")
    assert download.status_code == 200 and download.data == (Path(app.config["UPLOAD_DIR"]) / stored_name).read_bytes()
    response = browser.post(
        f"/plans/{plan_id}/tasks/IV.4.1/updates",
        data={
            "percent": "60",
            "state": "working",
            "results": "Sau khi khôi phục",
            "evidence": [(io.BytesIO(PDF), "moi.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with target.app.app_context():
        new_update = db.session.scalar(select(ProgressUpdate).order_by(ProgressUpdate.id.desc()).limit(1))
        assert (new_update.id, new_update.results) == (last["progress_update"] + 1, "Sau khi khôi phục")
        assert [e.id for e in new_update.evidence] == [last["evidence"] + 1]
        new_events = db.session.execute(
            select(AuditEvent.id, AuditEvent.action).where(AuditEvent.id > last["audit_event"]).order_by(AuditEvent.id)
        ).all()
        assert [tuple(e) for e in new_events] == [
            (last["audit_event"] + 1, "login"),
            (last["audit_event"] + 2, "evidence.read"),
            (last["audit_event"] + 3, "progress.post"),
        ]
        user = create_user("canbo.moi", PASSWORD, "Cán bộ mới", ["officer"])
        db.session.commit()
        assert user.id == max(row[0] for row in source["user_account"]) + 1
        db.session.remove()


# --- 2. what restore refuses --------------------------------------------------------------------


def assert_refused(result, *words: str) -> None:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert any(word in result.output for word in words), result.output


def test_restore_refuses_a_database_that_is_not_empty(app, backup, restore_target):
    target = restore_target("loaded")
    before = target.snapshot()
    result = target.restore(backup)
    assert_refused(result, "chưa trống")  # "cơ sở dữ liệu chưa trống"
    assert target.snapshot() == before
    assert upload_files(target.uploads) == {}


def test_restore_refuses_a_storage_folder_that_holds_one_of_the_files(app, backup, restore_target):
    target = restore_target("empty")
    _manifest, _tables, uploads = archive_contents(backup)
    name = sorted(uploads)[0]
    target.uploads.mkdir(parents=True)
    (target.uploads / name).write_bytes(b"the operator's own file")
    before = target.snapshot()
    result = target.restore(backup)
    assert_refused(result, "chưa trống")  # the upload folder is not empty
    assert target.snapshot() == before
    assert upload_files(target.uploads) == {name: b"the operator's own file"}


def test_restore_refuses_a_storage_folder_that_is_not_empty(app, backup, restore_target):
    target = restore_target("empty")
    target.uploads.mkdir(parents=True)
    (target.uploads / "0123456789abcdef0123456789abcdef").write_bytes(b"an evidence file of another installation")
    before = target.snapshot()
    result = target.restore(backup)
    assert_refused(result, "chưa trống")
    assert target.snapshot() == before
    assert list(upload_files(target.uploads)) == ["0123456789abcdef0123456789abcdef"]


def rewrite_archive(source: Path, target: Path, change) -> None:
    """A copy of the archive with `change(name, bytes) -> bytes` applied to each member."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(target, "w:gz") as copy:
        for member in original.getmembers():
            content = change(member.name, original.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size, info.mtime = len(content), member.mtime
            copy.addfile(info, io.BytesIO(content))


def test_restore_refuses_an_archive_whose_file_was_altered(app, backup, restore_target, tmp_path):
    _manifest, _tables, uploads = archive_contents(backup)
    victim = f"uploads/{sorted(uploads)[0]}"
    damaged = tmp_path / "damaged.tar.gz"

    def alter(name, content):
        return content[:-2] + bytes([content[-2] ^ 0x01]) + content[-1:] if name == victim else content

    rewrite_archive(backup, damaged, alter)
    target = restore_target("empty")
    before = target.snapshot()
    result = target.restore(damaged)
    assert_refused(result, "bị hỏng")  # "... bị hỏng": damaged
    assert target.snapshot() == before
    assert upload_files(target.uploads) == {}


def test_restore_refuses_an_archive_whose_table_was_altered(app, backup, restore_target, tmp_path):
    damaged = tmp_path / "damaged-table.tar.gz"

    def alter(name, content):
        if name == "tables/unit_report.jsonl":
            assert "Đạt yêu cầu".encode() in content
            return content.replace("Đạt yêu cầu".encode(), "Không đạt!!".encode())
        return content

    rewrite_archive(backup, damaged, alter)
    target = restore_target("empty")
    before = target.snapshot()
    result = target.restore(damaged)
    assert_refused(result, "bị hỏng")  # "... bị hỏng": damaged
    assert target.snapshot() == before
    assert upload_files(target.uploads) == {}


def test_restore_refuses_a_corrupted_archive_file(app, backup, restore_target, tmp_path):
    content = bytearray(backup.read_bytes())
    middle = len(content) // 2
    content[middle : middle + 16] = bytes(b ^ 0xFF for b in content[middle : middle + 16])
    corrupted = tmp_path / "corrupted.tar.gz"
    corrupted.write_bytes(bytes(content))
    target = restore_target("empty")
    before = target.snapshot()
    result = target.restore(corrupted)
    assert result.exit_code != 0
    assert target.snapshot() == before
    assert upload_files(target.uploads) == {}


def test_restore_refuses_a_database_at_another_migration(app, backup, restore_target):
    head, previous = head_and_previous()
    target = restore_target("empty")
    with target.app.app_context():
        downgrade(revision=previous)
        db.session.remove()
        db.engine.dispose()
    before = target.snapshot()
    result = target.restore(backup)
    assert_refused(result, previous, "migrat")
    assert head in result.output
    assert target.snapshot() == before
    assert upload_files(target.uploads) == {}
    # Migrated to the same revision, the same database takes the backup.
    with target.app.app_context():
        upgrade()
        db.engine.dispose()
    assert target.restore(backup).exit_code == 0


# --- 3. a backup taken while the app keeps writing ----------------------------------------------


def test_a_backup_taken_while_people_keep_posting_is_consistent(app, plan, cli, tmp_path, restore_target):
    writer_app = make_app(current_database(), UPLOAD_DIR=app.config["UPLOAD_DIR"])
    browser = writer_app.test_client()
    db.session.commit()
    assert browser.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}).status_code == 302
    stop = threading.Event()
    posted: list[float] = []
    failures: list = []
    url = f"/plans/{plan.id}/tasks/IV.4.1/updates"

    def keep_posting():
        try:
            post_in_a_loop()
        except Exception as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    def post_in_a_loop():
        number = 0
        while not stop.is_set():
            number += 1
            response = browser.post(
                url,
                data={
                    "percent": str(number % 100),
                    "state": "working",
                    "results": f"Cập nhật số {number}",
                    "evidence": [
                        (io.BytesIO(PDF + f"% {number}\n".encode()), f"bien-ban-{number}.pdf"),
                        (io.BytesIO(PNG + number.to_bytes(4, "big")), f"anh-{number}.png"),
                    ],
                },
                content_type="multipart/form-data",
            )
            if response.status_code != 302:
                failures.append((number, response.status_code))
                return
            posted.append(time.monotonic())

    writer = threading.Thread(target=keep_posting)
    writer.start()
    archives = []
    try:
        deadline = time.monotonic() + 30
        while len(posted) < 3 and time.monotonic() < deadline and not failures:
            time.sleep(0.02)
        for number in range(4):
            path = tmp_path / f"live-{number}.tar.gz"
            result = cli.invoke(args=["backup", "create", str(path)])
            assert result.exit_code == 0, result.output
            archives.append(path)
        posts_during = len(posted)
        deadline = time.monotonic() + 30
        while len(posted) < posts_during + 2 and time.monotonic() < deadline and not failures:
            time.sleep(0.02)
    finally:
        stop.set()
        writer.join(timeout=60)
        with writer_app.app_context():
            db.engine.dispose()
    assert not failures, failures
    assert len(posted) >= 5

    counts = []
    for path in archives:
        manifest, tables, uploads = archive_contents(path)
        assert {name: len(rows) for name, rows in tables.items()} == manifest["tables"]
        updates = {row["id"] for row in tables["progress_update"]}
        evidence = tables["evidence"]
        assert len(evidence) == 2 * len(updates)
        # Every evidence row has its file, whole, and its update.
        assert set(uploads) == {row["stored_name"] for row in evidence} == set(manifest["files"])
        for row in evidence:
            assert row["update_id"] in updates
            assert (
                hashlib.sha256(uploads[row["stored_name"]]).hexdigest()
                == row["sha256"]
                == manifest["files"][row["stored_name"]]
            )
        # Each update and its audit entry were written together: the snapshot has both or neither.
        audited = {row["target_id"] for row in tables["audit_event"] if row["action"] == "progress.post"}
        assert audited == updates
        counts.append(len(updates))
    assert counts == sorted(counts) and counts[-1] >= 3

    # The last one restores.
    target = restore_target("empty")
    result = target.restore(archives[-1])
    assert result.exit_code == 0, result.output
    with target.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProgressUpdate)) == counts[-1]
        db.session.remove()
    assert len(upload_files(target.uploads)) == 2 * counts[-1]


# --- 4. across database engines -----------------------------------------------------------------


def sqlite_installation(folder: Path, with_plan: bool):
    """A migrated SQLite database in `folder` (with the plan and the test users if asked), as
    `make setup` builds one."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "tracker.db"
    installation = make_app(database, UPLOAD_DIR=str(folder / "uploads"))
    with installation.app_context():
        upgrade()
        if with_plan:
            loading.load_plan_file(read_plan_file(PLAN_FILE), str(PLAN_FILE))
            create_test_users()
            db.session.commit()
        db.session.remove()
    return database, installation


@pytest.mark.skipif(not ON_POSTGRES, reason="needs the PostgreSQL test server (TEST_DATABASE_URL)")
def test_a_backup_taken_on_sqlite_restores_on_postgresql(app, tmp_path, restore_target):
    database, source = sqlite_installation(tmp_path / "sqlite-source", with_plan=True)
    try:
        with source.app_context():
            build_data()
            db.session.remove()
        path = tmp_path / "from-sqlite.tar.gz"
        with source.app_context():
            result = source.test_cli_runner().invoke(args=["backup", "create", str(path)])
        assert result.exit_code == 0, result.output

        target = restore_target("empty")
        result = target.restore(path)
        assert result.exit_code == 0, result.output
        assert_same_rows(table_rows(database), table_rows(target.database))
        assert upload_files(target.uploads) == upload_files(source.config["UPLOAD_DIR"])
        assert len(upload_files(target.uploads)) == 4
        # And it is a working installation on PostgreSQL.
        browser = target.app.test_client()
        assert (
            browser.post("/login", data={"username": TEST_USERS["officer"][0], "password": PASSWORD}).status_code == 302
        )
        with target.app.app_context():
            plan_id = db.session.scalar(select(Plan.id))
            db.session.remove()
        assert (
            browser.post(f"/plans/{plan_id}/tasks/IV.4.2/updates", data={"percent": "100", "state": "done"}).status_code
            == 302
        )
    finally:
        with source.app_context():
            db.engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="needs the PostgreSQL test server (TEST_DATABASE_URL)")
def test_a_backup_taken_on_postgresql_restores_on_sqlite(app, backup, tmp_path):
    database, target = sqlite_installation(tmp_path / "sqlite-target", with_plan=False)
    try:
        with target.app_context():
            result = target.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
        assert result.exit_code == 0, result.output
        assert_same_rows(table_rows(current_database()), table_rows(database))
        assert upload_files(target.config["UPLOAD_DIR"]) == upload_files(app.config["UPLOAD_DIR"])
    finally:
        with target.app_context():
            db.engine.dispose()
