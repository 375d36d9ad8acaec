"""Posting progress on a task, correcting it, and the evidence files that go with it.

The officer of Phòng Văn hóa – Xã hội leads IV.4.1 and IV.4.2, is a partner on IV.4.3 (led by
Trạm Y tế), and holds nothing on VI.6 (Trạm Y tế alone) or IV.10.1 (no unit at all).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, TEST_USERS, login
from tests.helpers import OTHER_WARD_PLAN, database_snapshot
from tracker.extensions import db
from tracker.progress import storage
from tracker.progress.models import Evidence, ProgressUpdate

PDF = b"%PDF-1.4\n% test evidence\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
DOCX = b"PK\x03\x04" + b"\x14\x00\x06\x00" + b"word/document.xml" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


# --- helpers ----------------------------------------------------------------------------------


def updates_url(plan, code: str) -> str:
    return f"/plans/{plan.id}/tasks/{code}/updates"


def task_url(plan, code: str) -> str:
    return f"/plans/{plan.id}/tasks/{code}"


def post_update(client, plan, code: str, files=(), **fields):
    """Post the progress form of a task as the signed-in user. `files` is a list of
    (file name, bytes); the other fields default to a plain 10% "working" update."""
    data = {"percent": "10", "state": "working"}
    data.update({key: str(value) for key, value in fields.items()})
    if files:
        data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(updates_url(plan, code), data=data, content_type="multipart/form-data")


def raw_multipart(fields: dict, files: list[tuple[str, bytes]], boundary: str = "----trackerTestBoundary7MA4YWxk"):
    """A multipart body written byte for byte, with the file names exactly as a browser would put
    them in the header (UTF-8, unescaped)."""
    body = b""
    for key, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    for name, content in files:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="'.encode()
            + name.encode("utf-8")
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def all_updates() -> list[ProgressUpdate]:
    db.session.expire_all()
    return db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()


def all_evidence() -> list[Evidence]:
    db.session.expire_all()
    return db.session.scalars(select(Evidence).order_by(Evidence.id)).all()


def upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(app) -> list[str]:
    folder = upload_dir(app)
    return sorted(os.listdir(folder)) if folder.exists() else []


def timeline_entry(html: str, update_id: int) -> str:
    """The HTML of one entry of a task page's timeline."""
    match = re.search(
        rf'<li class="card mb-2" id="update-{update_id}">(.*?)</li>\s*(?=<li class="card|</ol>)', html, re.S
    )
    assert match, f"update {update_id} is not in the timeline"
    return match.group(1)


def field_error(html: str, field_id: str) -> str | None:
    """The error message shown next to a form field, or None."""
    match = re.search(rf'<div id="{re.escape(field_id)}-error" class="invalid-feedback[^"]*">(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else None


def textarea_value(html: str, name: str) -> str | None:
    match = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S)
    return match.group(1).strip() if match else None


def download_name(response) -> str:
    """The file name a browser saves a download under (RFC 6266: filename* wins)."""
    disposition = response.headers["Content-Disposition"]
    extended = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    if extended:
        return unquote(extended.group(1))
    match = re.search(r'filename=(?:"([^"]*)"|([^;\s]+))', disposition)
    return match.group(1) if match.group(1) is not None else match.group(2)


# --- posting ----------------------------------------------------------------------------------


def test_officer_posts_lead_progress_with_a_file_and_sees_it_on_the_task_page(app, plan, client, user_of, task_of):
    login(client, "officer")
    response = post_update(
        client,
        plan,
        "IV.4.1",
        percent=45,
        state="working",
        results="Đã chi trả trợ cấp cho 64 hộ nghèo",
        difficulties="Thiếu cán bộ rà soát",
        proposals="Bổ sung kinh phí quý III",
        files=[("Báo cáo tiến độ quý 2.pdf", PDF)],
    )
    assert response.status_code == 302
    [update] = all_updates()
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/tasks/IV.4.1#update-{update.id}")
    assert update.task_id == task_of("IV.4.1").id
    assert update.role == "lead"
    assert update.unit.code == "phong-vh-xh"
    assert update.author_id == user_of("officer").id
    assert (update.percent, update.state) == (45, "working")
    assert update.results == "Đã chi trả trợ cấp cho 64 hộ nghèo"
    assert update.difficulties == "Thiếu cán bộ rà soát"
    assert update.proposals == "Bổ sung kinh phí quý III"
    assert update.created_at.tzinfo is not None and update.created_at.utcoffset() == timedelta(0)
    [evidence] = update.evidence
    assert evidence.original_name == "Báo cáo tiến độ quý 2.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.size == len(PDF)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()

    html = client.get(task_url(plan, "IV.4.1")).get_data(as_text=True)
    entry = timeline_entry(html, update.id)
    assert "<strong>45%</strong>" in entry
    assert "Đã chi trả trợ cấp cho 64 hộ nghèo" in entry
    assert "Thiếu cán bộ rà soát" in entry and "Bổ sung kinh phí quý III" in entry
    assert "Phòng Văn hóa – Xã hội" in entry
    link = f'<a href="/plans/{plan.id}/evidence/{evidence.id}">Báo cáo tiến độ quý 2.pdf</a>'
    assert link in entry

    download = client.get(f"/plans/{plan.id}/evidence/{evidence.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download_name(download) == "Báo cáo tiến độ quý 2.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    assert "no-store" in download.headers["Cache-Control"]

    # The post is in the audit log.
    from tracker.audit.models import AuditEvent

    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "progress.post")).all()
    assert (event.user_id, event.target_type, event.target_id) == (user_of("officer").id, "progress_update", update.id)


def test_a_partner_unit_posts_a_partner_contribution(app, plan, client, user_of):
    login(client, "officer")
    response = post_update(client, plan, "IV.4.3", percent=30, results="Phối hợp cấp thẻ BHYT")
    assert response.status_code == 302
    [update] = all_updates()
    assert update.task.code == "IV.4.3"
    assert update.role == "partner"
    assert update.unit.code == "phong-vh-xh"
    assert update.author_id == user_of("officer").id
    entry = timeline_entry(client.get(task_url(plan, "IV.4.3")).get_data(as_text=True), update.id)
    assert "<strong>30%</strong>" in entry and "Phối hợp cấp thẻ BHYT" in entry


@pytest.mark.parametrize("code", ["VI.6", "IV.10.1", "IV.4"])
def test_an_officer_cannot_post_on_a_task_the_unit_does_not_hold(app, plan, client, code):
    # VI.6 belongs to Trạm Y tế alone; IV.10.1 has no unit at all; IV.4 is a parent, carried by its
    # children. (IV.4.4 is not such a task:
    # its partners include "Các phòng, ban, đơn vị thuộc phường", of which the unit is a member.)
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, code, percent=50, results="Không được phép", files=[("a.pdf", PDF)])
    assert response.status_code == 403
    assert database_snapshot() == before
    assert stored_files(app) == []
    # And the task page offers no form to post with.
    html = client.get(task_url(plan, code)).get_data(as_text=True)
    assert updates_url(plan, code) not in html


@pytest.mark.parametrize("role", ["committee", "chair", "secretariat"])
def test_readers_and_the_secretariat_cannot_post_progress(app, plan, client, role):
    login(client, role)
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=50, files=[("a.pdf", PDF)])
    assert response.status_code == 403
    assert database_snapshot() == before
    assert stored_files(app) == []


def test_a_correction_is_a_new_update_that_points_at_the_old_one(app, plan, client):
    login(client, "officer")
    post_update(client, plan, "IV.4.1", percent=20, results="Đã hỗ trợ 12 hộ")
    [old] = all_updates()
    old_values = {c.name: getattr(old, c.name) for c in ProgressUpdate.__table__.columns}

    # The "Correct this update" link opens the form filled with the old values.
    form_page = client.get(f"{task_url(plan, 'IV.4.1')}?corrects={old.id}").get_data(as_text=True)
    assert f'name="corrects" type="hidden" value="{old.id}"' in form_page
    assert textarea_value(form_page, "results") == "Đã hỗ trợ 12 hộ"

    response = post_update(
        client,
        plan,
        "IV.4.1",
        percent=25,
        results="Đã hỗ trợ 15 hộ",
        corrects=old.id,
        correction_note="Số hộ đã hỗ trợ là 15, không phải 12",
    )
    assert response.status_code == 302
    old_again, new = all_updates()
    assert {c.name: getattr(old_again, c.name) for c in ProgressUpdate.__table__.columns} == old_values
    assert new.id != old.id
    assert new.corrects_id == old.id
    assert new.correction_note == "Số hộ đã hỗ trợ là 15, không phải 12"
    assert (new.percent, new.results) == (25, "Đã hỗ trợ 15 hộ")

    html = client.get(task_url(plan, "IV.4.1")).get_data(as_text=True)
    new_entry = timeline_entry(html, new.id)
    old_entry = timeline_entry(html, old.id)
    assert "Số hộ đã hỗ trợ là 15, không phải 12" in new_entry
    assert "Đã hỗ trợ 15 hộ" in new_entry
    assert "Đã hỗ trợ 12 hộ" in old_entry
    assert html.index(f'id="update-{new.id}"') < html.index(f'id="update-{old.id}"')


@pytest.mark.parametrize("note", ["", "  "])
def test_a_correction_without_a_note_is_refused(app, plan, client, note):
    login(client, "officer")
    post_update(client, plan, "IV.4.1", percent=20)
    [old] = all_updates()
    before = database_snapshot()
    response = post_update(
        client, plan, "IV.4.1", percent=25, results="Số liệu mới", corrects=old.id, correction_note=note
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "correction_note")
    assert textarea_value(html, "results") == "Số liệu mới"
    assert database_snapshot() == before


def test_correcting_another_units_update_is_refused(app, plan, client):
    # Trạm Y tế leads IV.4.3; the officer's unit is a partner on it and may post there, but may
    # not "correct" Trạm Y tế's update.
    other = client.application.test_client()
    login(other, "officer_yte")
    assert post_update(other, plan, "IV.4.3", percent=40, results="Trạm Y tế").status_code == 302
    [theirs] = all_updates()

    login(client, "officer")
    before = database_snapshot()
    response = post_update(
        client, plan, "IV.4.3", percent=5, corrects=theirs.id, correction_note="Sửa hộ", files=[("a.pdf", PDF)]
    )
    assert response.status_code == 400
    assert database_snapshot() == before
    assert stored_files(app) == []


def test_correcting_an_update_of_another_task_is_refused(app, plan, client):
    login(client, "officer")
    post_update(client, plan, "IV.4.2", percent=20)
    [elsewhere] = all_updates()
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=25, corrects=elsewhere.id, correction_note="Nhầm nhiệm vụ")
    assert response.status_code == 400
    assert database_snapshot() == before


def test_the_timeline_shows_what_changed_since_the_units_previous_update(app, plan, client):
    login(client, "officer")
    post_update(client, plan, "IV.4.1", percent=20)
    post_update(client, plan, "IV.4.1", percent=45, state="blocked", difficulties="Chưa có kinh phí")
    first, second = all_updates()
    html = client.get(task_url(plan, "IV.4.1")).get_data(as_text=True)
    newest = timeline_entry(html, second.id)
    assert "20% → 45%" in newest
    assert "→" not in timeline_entry(html, first.id)
    # The newest update comes first.
    assert html.index(f'id="update-{second.id}"') < html.index(f'id="update-{first.id}"')


# --- bad input --------------------------------------------------------------------------------

TYPED = {
    "results": "Kết quả: đã rà soát 120 hộ",
    "difficulties": "Khó khăn: thiếu người",
    "proposals": "Đề xuất: tăng cường cán bộ",
}


@pytest.mark.parametrize("percent", ["150", "abc", "-5", ""])
def test_a_bad_percent_is_shown_next_to_the_field_and_the_typed_text_is_kept(app, plan, client, percent):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=percent, state="working", **TYPED)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "percent"), "no error next to the percent field"
    assert 'id="percent"' in html and 'aria-invalid="true"' in html
    for name, typed in TYPED.items():
        assert textarea_value(html, name) == typed, f"{name} was not kept"
    assert database_snapshot() == before


def test_blocked_without_difficulties_asks_for_the_difficulties(app, plan, client):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=30, state="blocked", results="Đang chờ", difficulties="   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "difficulties")
    assert field_error(html, "percent") is None
    assert textarea_value(html, "results") == "Đang chờ"
    assert 'value="30"' in html
    assert database_snapshot() == before


def test_done_with_less_than_100_percent_is_refused(app, plan, client):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=80, state="done", results="Xong")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "percent")
    assert database_snapshot() == before
    # 100% done is fine.
    assert post_update(client, plan, "IV.4.1", percent=100, state="done").status_code == 302


def test_an_unknown_state_is_refused(app, plan, client):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=30, state="finished")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "state")
    assert database_snapshot() == before


def test_a_rejected_form_asks_for_the_files_again_and_stores_nothing(app, plan, client):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=150, files=[("Biên bản.pdf", PDF)], **TYPED)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "percent")
    assert field_error(html, "evidence"), "the page does not ask for the file again"
    assert database_snapshot() == before
    assert stored_files(app) == []


# --- upload rules -----------------------------------------------------------------------------


def test_the_file_chooser_offers_exactly_the_kinds_that_are_accepted(app, plan, client):
    login(client, "officer")
    html = client.get(task_url(plan, "IV.4.1")).get_data(as_text=True)
    chooser = re.search(r'<input[^>]*name="evidence"[^>]*>', html).group(0)
    offered = re.search(r'accept="([^"]+)"', chooser).group(1).split(",")
    assert sorted(offered) == sorted(f".{extension}" for extension in storage.ALLOWED_TYPES)
    assert {".pdf", ".jpg", ".docx", ".xlsx"} <= set(offered) and ".exe" not in offered


@pytest.mark.parametrize(
    "name, content",
    [
        ("setup.exe", EXE),
        ("trang.html", b"<html><script>alert(1)</script></html>"),
        ("script.js", b"alert(1)"),
        ("khong-duoi", PDF),
        ("anh.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ],
)
def test_a_file_of_a_refused_kind_is_refused_next_to_the_field(app, plan, client, name, content):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=30, files=[(name, content)], **TYPED)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "evidence")
    assert textarea_value(html, "results") == TYPED["results"]
    assert database_snapshot() == before
    assert stored_files(app) == []


@pytest.mark.parametrize(
    "name, content",
    [
        ("bao-cao.pdf", EXE),
        ("anh.png", PDF),
        ("van-ban.docx", b"%PDF-1.4 not a zip"),
        ("anh.jpg", b"GIF89a...."),
    ],
)
def test_a_file_whose_content_does_not_match_its_name_is_refused(app, plan, client, name, content):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=30, files=[(name, content)])
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "evidence")
    assert database_snapshot() == before
    assert stored_files(app) == []


def test_an_empty_file_is_refused(app, plan, client):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=30, files=[("rong.pdf", b"")])
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "evidence")
    assert database_snapshot() == before
    assert stored_files(app) == []


def test_a_file_over_the_size_limit_is_refused(app, plan, client):
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    login(client, "officer")
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=30, files=[("lon.pdf", PDF + b"x" * 2048)])
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "evidence")
    assert database_snapshot() == before
    assert stored_files(app) == []
    # A file within the limit goes through.
    assert post_update(client, plan, "IV.4.1", percent=30, files=[("nho.pdf", PDF)]).status_code == 302
    assert len(all_evidence()) == 1


def test_one_bad_file_among_good_ones_stores_none_of_them(app, plan, client):
    login(client, "officer")
    before = database_snapshot()
    response = post_update(
        client, plan, "IV.4.1", percent=30, files=[("tot.pdf", PDF), ("anh.png", PNG), ("xau.exe", EXE)]
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "evidence")
    assert database_snapshot() == before
    assert stored_files(app) == [], "the good files written before the bad one were left behind"


def test_a_request_over_the_request_limit_is_answered_413(app, plan, client):
    login(client, "officer")
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = database_snapshot()
    response = post_update(client, plan, "IV.4.1", percent=30, files=[("lon.pdf", PDF + b"x" * 20000)])
    assert response.status_code == 413
    assert database_snapshot() == before
    assert stored_files(app) == []


def test_several_allowed_files_are_all_stored_and_served_back(app, plan, client):
    login(client, "officer")
    files = [("Biên bản họp.pdf", PDF), ("Ảnh hiện trường.png", PNG), ("Danh sách hộ.docx", DOCX)]
    response = post_update(client, plan, "IV.4.1", percent=60, files=files)
    assert response.status_code == 302
    [update] = all_updates()
    evidence = update.evidence
    assert [e.original_name for e in evidence] == [name for name, _ in files]
    assert [e.content_type for e in evidence] == [
        "application/pdf",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    assert sorted(stored_files(app)) == sorted(e.stored_name for e in evidence)
    html = client.get(task_url(plan, "IV.4.1")).get_data(as_text=True)
    for item, (name, content) in zip(evidence, files):
        assert (upload_dir(app) / item.stored_name).read_bytes() == content
        assert f'<a href="/plans/{plan.id}/evidence/{item.id}">{name}</a>' in html
        download = client.get(f"/plans/{plan.id}/evidence/{item.id}")
        assert download.status_code == 200 and download.data == content
        assert download_name(download) == name


# --- hostile file names -----------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\boot.pdf",
    "/etc/cron.d/x.pdf",
    "bao\x00cao\x07\x1b[31m\x7f.pdf",
    "tab\there\u200b\u202e.pdf",
    "a" * 296 + ".pdf",
    "Báo cáo " + "rất dài " * 40 + ".pdf",
    ".hidden.pdf",
    "...pdf.pdf",
    "<img src=x onerror=alert(1)>.pdf",
]


def files_outside(folder: Path, root: Path) -> set[Path]:
    """Every file under `root`, except those in `folder` and the test database's own files."""
    return {p for p in root.rglob("*") if p.is_file() and folder not in p.parents and not p.name.startswith("test.db")}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_file_name_is_stored_safely(app, plan, client, tmp_path, name):
    login(client, "officer")
    folder = upload_dir(app)
    root = tmp_path.parent
    outside_before = files_outside(folder, root)
    body, content_type = raw_multipart({"percent": "30", "state": "working"}, [(name, PDF)])
    response = client.post(updates_url(plan, "IV.4.1"), data=body, content_type=content_type)
    assert response.status_code == 302
    [evidence] = all_evidence()
    assert re.fullmatch(r"[0-9a-f]{32}", evidence.stored_name)
    assert stored_files(app) == [evidence.stored_name]
    assert (folder / evidence.stored_name).read_bytes() == PDF
    assert files_outside(folder, root) == outside_before, "a file was written outside UPLOAD_DIR"
    assert not (folder / "../../etc/passwd.pdf").resolve().exists()

    shown = evidence.original_name
    assert shown, "the file name was lost entirely"
    assert "/" not in shown and "\\" not in shown
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in shown)
    assert not shown.startswith(".")
    assert len(shown) <= 150
    assert shown.endswith(".pdf")
    download = client.get(f"/plans/{plan.id}/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download_name(download) == shown
    assert "\n" not in download.headers["Content-Disposition"] and "\r" not in download.headers["Content-Disposition"]


def test_vietnamese_file_names_are_kept(app, plan, client):
    login(client, "officer")
    body, content_type = raw_multipart(
        {"percent": "30", "state": "working"}, [("Báo cáo.pdf", PDF), ("Kế hoạch hỗ trợ đợt 2.docx", DOCX)]
    )
    assert client.post(updates_url(plan, "IV.4.1"), data=body, content_type=content_type).status_code == 302
    assert [e.original_name for e in all_evidence()] == ["Báo cáo.pdf", "Kế hoạch hỗ trợ đợt 2.docx"]


@pytest.mark.parametrize(
    "given, expected",
    [
        ("Báo cáo.pdf", "Báo cáo.pdf"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),  # decomposed (macOS) spelling becomes the composed one
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.pdf", "boot.pdf"),
        ("C:\\Users\\Lan\\Tài liệu\\Biên bản.docx", "Biên bản.docx"),
        (".hidden.pdf", "hidden.pdf"),
        ("...pdf", "pdf"),
        ("a\x00b\x07c\x1b\x7fd.pdf", "abcd.pdf"),
        ("  nhiều    khoảng   trắng .pdf ", "nhiều khoảng trắng .pdf"),
        ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_filename(given, expected):
    assert storage.clean_filename(given) == expected


def test_clean_filename_shortens_long_names_and_keeps_the_extension():
    cleaned = storage.clean_filename("Báo cáo " * 60 + ".docx")
    assert len(cleaned) <= 150
    assert cleaned.endswith(".docx") and cleaned.startswith("Báo cáo")
    plain = storage.clean_filename("x" * 300)
    assert plain == "x" * 150


@pytest.mark.parametrize("name", HOSTILE_NAMES + ["/", "\\", "....", "\x00\x01", "con/..", "a/b\\c/.d.pdf"])
def test_clean_filename_never_returns_a_path_control_character_or_leading_dot(name):
    cleaned = storage.clean_filename(name)
    assert "/" not in cleaned and "\\" not in cleaned
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in cleaned)
    assert not cleaned.startswith(".")
    assert len(cleaned) <= 150


def test_path_of_only_accepts_stored_names(app):
    assert storage.path_of("0123456789abcdef0123456789abcdef") == upload_dir(app) / "0123456789abcdef0123456789abcdef"
    for bad in ("../secret", "0123456789abcdef0123456789abcdeg", ".0123456789abcdef0123456789abcdef", ""):
        with pytest.raises(FileNotFoundError):
            storage.path_of(bad)


# --- who may download evidence ----------------------------------------------------------------


@pytest.fixture
def evidence_item(app, plan):
    """One evidence file on IV.4.1, posted by the officer."""
    poster = app.test_client()
    login(poster, "officer")
    assert post_update(poster, plan, "IV.4.1", percent=10, files=[("Biên bản.pdf", PDF)]).status_code == 302
    [item] = all_evidence()
    return item


@pytest.fixture
def other_ward_user(app, tmp_path):
    """A signed-in-able officer of another ward, which has its own plan."""
    from tracker.accounts.services import create_user
    from tracker.plan.models import Plan
    from tracker.units.models import Unit
    from tracker.wards.models import Ward

    path = tmp_path / "other-ward.yaml"
    path.write_text(OTHER_WARD_PLAN, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["plan", "load", str(path)])
    assert result.exit_code == 0, result.output
    ward = db.session.scalar(select(Ward).where(Ward.code == "other-ward"))
    unit = db.session.scalar(select(Unit).where(Unit.ward_id == ward.id, Unit.code == "phong-khac"))
    create_user("canbo.khac", PASSWORD, "Cán bộ phường khác", ["officer", "secretariat"], ward=ward, unit=unit)
    db.session.commit()
    other_plan = db.session.scalar(select(Plan).where(Plan.ward_id == ward.id))
    return {"username": "canbo.khac", "plan": other_plan}


def test_evidence_needs_a_signed_in_user(app, plan, evidence_item):
    anonymous = app.test_client()
    response = anonymous.get(f"/plans/{plan.id}/evidence/{evidence_item.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert PDF not in response.data


def test_a_file_posted_without_a_choice_is_restricted_to_the_task_and_the_steering_bodies(app, plan, evidence_item):
    """The narrower visibility is the default: the task's units, the secretariat, the committee and
    the chair read the file; Trạm Y tế (not on IV.4.1) and the admin do not. The whole rule is
    tested in test_evidence_visibility.py."""
    assert evidence_item.visibility == "restricted"
    for role in TEST_USERS:
        reader = app.test_client()
        login(reader, role)
        response = reader.get(f"/plans/{plan.id}/evidence/{evidence_item.id}")
        if role in ("officer", "secretariat", "committee", "chair"):
            assert response.status_code == 200, role
            assert response.data == PDF
        else:
            assert response.status_code == 403, role
            assert PDF not in response.data


def test_every_user_of_the_ward_may_download_a_file_posted_for_the_ward(app, plan):
    poster = app.test_client()
    login(poster, "officer")
    assert (
        post_update(poster, plan, "IV.4.1", percent=10, visibility="ward", files=[("Tờ rơi.pdf", PDF)]).status_code
        == 302
    )
    [item] = all_evidence()
    assert item.visibility == "ward"
    for role in TEST_USERS:
        reader = app.test_client()
        login(reader, role)
        response = reader.get(f"/plans/{plan.id}/evidence/{item.id}")
        assert response.status_code == 200, role
        assert response.data == PDF


def test_a_user_of_another_ward_cannot_download_evidence(app, plan, evidence_item, other_ward_user):
    stranger = app.test_client()
    response = stranger.post("/login", data={"username": other_ward_user["username"], "password": PASSWORD})
    assert response.status_code == 302
    # Through the Bắc Kạn plan's address...
    response = stranger.get(f"/plans/{plan.id}/evidence/{evidence_item.id}")
    assert response.status_code in (403, 404)
    assert PDF not in response.data
    # ...and through the address of the stranger's own plan.
    response = stranger.get(f"/plans/{other_ward_user['plan'].id}/evidence/{evidence_item.id}")
    assert response.status_code in (403, 404)
    assert PDF not in response.data
    # The stranger cannot post on the Bắc Kạn plan either.
    response = post_update(stranger, plan, "IV.4.1", percent=99)
    assert response.status_code == 403
    assert len(all_updates()) == 1


def test_evidence_of_an_unknown_id_or_a_missing_file_is_404(app, plan, client, evidence_item):
    login(client, "committee")
    assert client.get(f"/plans/{plan.id}/evidence/{evidence_item.id + 100}").status_code == 404
    (upload_dir(app) / evidence_item.stored_name).unlink()
    assert client.get(f"/plans/{plan.id}/evidence/{evidence_item.id}").status_code == 404


# --- the officer's home page ------------------------------------------------------------------


def home_sections(html: str) -> tuple[str, str]:
    """The "Tasks led" and "Tasks supported" sections of the unit's home page (the last two)."""
    led = html.split('<section class="mb-4" id="led">', 1)[1].split("</section>", 1)[0]
    supported = html.split('<section class="mb-4" id="supported">', 1)[1].split("</section>", 1)[0]
    return led, supported


def home_tasks(section: str, plan) -> dict[str, str | None]:
    """Task code -> the percent shown next to it (None when no update yet)."""
    tasks = {}
    for item in re.findall(r'<li class="list-group-item">(.*?)</li>', section, re.S):
        code = re.search(rf'href="/plans/{plan.id}/tasks/([^"#?]+)"', item).group(1)
        percent = re.search(r"<strong>(\d+)%</strong>", item)
        tasks[code] = percent.group(1) if percent else None
    return tasks


def test_home_page_lists_the_units_tasks_with_their_latest_percent(app, plan, client):
    login(client, "officer")
    response = client.get(f"/plans/{plan.id}/my-unit")
    assert response.status_code == 200
    led, supported = home_sections(response.get_data(as_text=True))
    led_tasks, supported_tasks = home_tasks(led, plan), home_tasks(supported, plan)
    expected_led = {"IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"}
    assert expected_led <= set(led_tasks)
    assert {"IV.4.3", "IV.1", "IV.4.4"} <= set(supported_tasks)
    assert "IV.4.3" not in led_tasks and "IV.4.1" not in supported_tasks
    assert "VI.6" not in led_tasks and "VI.6" not in supported_tasks
    assert all(percent is None for percent in {**led_tasks, **supported_tasks}.values())

    post_update(client, plan, "IV.4.1", percent=30)
    post_update(client, plan, "IV.4.1", percent=60)
    post_update(client, plan, "IV.4.3", percent=15)
    other = app.test_client()
    login(other, "officer_yte")
    post_update(other, plan, "IV.4.3", percent=90)

    led, supported = home_sections(client.get(f"/plans/{plan.id}/my-unit").get_data(as_text=True))
    led_tasks, supported_tasks = home_tasks(led, plan), home_tasks(supported, plan)
    assert led_tasks["IV.4.1"] == "60"
    assert led_tasks["IV.4.2"] is None
    assert supported_tasks["IV.4.3"] == "15", "the home page shows another unit's percent"
