"""A plan document read into a draft plan (issue 18): the Bắc Kạn plan's own source text against the
plan file written by hand from it, and a second plan, another ward's yearly plan written in the same
administrative style with its own quirks, as a Word document."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from tracker.planfile.reader import read_plan_file, read_plan_text
from tracker.planfile.schema import UnitData, WardData
from tracker.planfile.writer import dump_plan_file
from tracker.planimport import draft_plan_file, matcher_for, read_document
from tracker.planimport.agreement import compare
from tracker.planimport.source import read_text

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "data" / "plans" / "bac-kan-2026-2030.yaml"
SOURCE = ROOT / "data" / "plans" / "source" / "ke-hoach-giam-ngheo-ben-vung-bac-kan-2026-2030.txt"


@pytest.fixture(scope="module")
def bac_kan():
    plan_file = read_plan_file(PLAN_FILE)
    draft = read_document(SOURCE.name, SOURCE.read_bytes(), plan_file.units)
    return plan_file, draft


def test_the_bac_kan_source_gives_the_plan_files_tasks_assignments_and_calendar(bac_kan):
    plan_file, draft = bac_kan
    agreement = compare(draft, plan_file)
    print("\n" + "\n".join(agreement.lines()))
    # Every task of the plan file is found by its code, and one more: the fourth paragraph of the
    # Mặt trận's duties (VI.8), which the plan file's author joined to the third.
    assert agreement.tasks_in_file == 54
    assert agreement.tasks_found == 54 and agreement.tasks_missing == []
    assert agreement.tasks_extra == ["VI.8.4"]
    # Every lead and partner of the plan file, and no other, on the tasks both have.
    assert agreement.assignments_equal == sum(len(t.lead) + len(t.partners) for t in plan_file.plan.all_tasks())
    assert [(d.code, d.role, d.unit, d.side) for d in agreement.differences] == [
        ("VI.8.4", "lead", "ub-mttq", "draft"),
        ("VI.8.4", "lead", "cac-to-chuc-ctxh", "draft"),
    ]
    assert agreement.units_unmatched == []
    # The calendar of section VII: twelve periods, and the secretariat the reports go through.
    assert agreement.periods_equal == agreement.periods_in_file == 12 and agreement.periods_differing == []
    assert agreement.secretariat_equal


def test_each_proposal_keeps_the_line_of_the_source_it_came_from(bac_kan):
    _plan_file, draft = bac_kan
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    tasks = {task.code: task for task in draft.all_tasks()}
    task = tasks["IV.4.3"]
    assert lines[task.line - 1].strip().startswith("4.3. Chính sách hỗ trợ về y tế")
    assert lines[task.lead_line - 1].strip() == "Đơn vị chủ trì: Trạm y tế phường"
    assert lines[task.partners_line - 1].strip().startswith("Đơn vị phối hợp: Phòng Văn hóa – Xã hội")
    assert [m.code for m in task.partners] == ["phong-vh-xh", "phong-xd-nn-mt", "bhxh"]
    assert lines[draft.title_line - 1].strip() == "KẾ HOẠCH"
    assert draft.title == (
        "Kế hoạch thực hiện công tác giảm nghèo bền vững giai đoạn 2026-2030 trên địa bàn phường Bắc Kạn"
    )
    assert (draft.issuer, draft.start_year, draft.end_year, len(draft.legal_bases)) == (
        "UBND phường Bắc Kạn",
        2026,
        2030,
        4,
    )
    assert lines[draft.periods[0].line - 1].strip() == "- Báo cáo 06 tháng trước ngày 10/6 hằng năm."


def test_text_pasted_from_a_pdf_reads_the_same_whatever_its_line_ends_and_spaces(bac_kan):
    """Windows line ends, no-break spaces, no empty lines between the PDF's lines, a byte-order mark."""
    _plan_file, draft = bac_kan
    text = SOURCE.read_text(encoding="utf-8")
    squeezed = "\r\n".join(line.replace(" ", "\u00a0", 1) for line in text.splitlines() if line.strip())
    again = read_document("ke-hoach.txt", ("\ufeff" + squeezed).encode("utf-8"), read_plan_file(PLAN_FILE).units)
    shape = [(t.code, t.title, [m.code for m in t.lead], [m.code for m in t.partners]) for t in draft.all_tasks()]
    assert [
        (t.code, t.title, [m.code for m in t.lead], [m.code for m in t.partners]) for t in again.all_tasks()
    ] == shape


def test_the_draft_is_a_plan_file_that_reads_back_as_it_was_written(bac_kan, tmp_path):
    plan_file, draft = bac_kan
    drafted = draft_plan_file(draft, plan_file.ward, plan_file.units, "KH-GNBV-2026-2030")
    again = read_plan_text(dump_plan_file(drafted), "draft.yaml")  # the plan file's own validation
    codes = [t.code for t in again.plan.all_tasks()]
    assert codes[:3] == ["IV", "IV.1", "IV.2"] and "VI.13.2" in codes
    assert again.plan.reporting.secretariat == "phong-xd-nn-mt"
    assert len(again.plan.reporting.periods) == 12
    assert {u.code for u in again.units} == {u.code for u in plan_file.units}  # nothing new to propose


# --- units named in many ways ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matcher():
    return matcher_for(read_plan_file(PLAN_FILE).units)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("UB MTTQ VN", "ub-mttq"),
        ("UBMTTQ Việt Nam phường", "ub-mttq"),
        ("Ủy ban Mặt trận Tổ quốc Việt Nam phường", "ub-mttq"),
        ("Phòng Văn hóa - Xã hội", "phong-vh-xh"),
        ("Phòng  Văn hóa–Xã hội", "phong-vh-xh"),
        ("Phòng VH-XH", "phong-vh-xh"),
        ("Trạm y tế phường", "tram-y-te"),
        ("TRẠM Y TẾ", "tram-y-te"),
        ("Phong Van hoa - Xa hoi", "phong-vh-xh"),
        ("BHXH Bắc Kạn", "bhxh"),
        ("NHCSXH", "nhcsxh"),
        ("Văn phòng HĐND và UBND phường", "van-phong-hdnd-ubnd"),
        ("Các hội đoàn thể", "cac-to-chuc-ctxh"),
    ],
)
def test_a_unit_is_found_by_its_name_alias_abbreviation_diacritics_and_spacing(matcher, written, code):
    assert matcher.match_name(written).code == code


def test_a_list_is_cut_by_the_names_the_ward_knows_and_nothing_is_dropped(matcher):
    found = matcher.split(
        "UB MTTQ Việt Nam và các tổ chức chính trị - xã hội, các phòng, ban, đơn vị thuộc phường, "
        "Hội Nông dân phường, các trường mầm non, tổ dân phố."
    )
    assert [(m.code, m.how) for m in found] == [
        ("ub-mttq", "name"),
        ("cac-to-chuc-ctxh", "name"),
        ("cac-phong-ban-don-vi", "name"),  # a name with commas of its own stays whole
        (None, "new"),
        (None, "new"),
        ("cac-to-dan-pho", "name"),
    ]
    assert [m.text for m in found if m.code is None] == ["Hội Nông dân phường", "các trường mầm non"]  # as written
    assert [m.group for m in found if m.code is None] == [False, True]  # "các ...": a group
    # A name shorter than one unit's and as short as two others' is not guessed.
    assert matcher.match_name("các phòng").code is None
    # A name with a comma of its own that begins like a unit the ward has is one unit, a new one.
    assert [(m.code, m.text) for m in matcher.split("Phòng Kinh tế, Hạ tầng và Đô thị; Hội Nông dân")] == [
        (None, "Phòng Kinh tế, Hạ tầng và Đô thị"),
        (None, "Hội Nông dân"),
    ]


# --- a second plan, in the same style, with quirks of its own -----------------------------------------

CHO_MOI_UNITS = [
    UnitData("ubnd", "UBND phường", aliases=["Ủy ban nhân dân phường"]),
    UnitData("mttq", "Ủy ban Mặt trận Tổ quốc Việt Nam phường", aliases=["UBMTTQ phường"]),
    UnitData("phong-kt", "Phòng Kinh tế"),
    UnitData("phong-vhxh", "Phòng Văn hóa - Xã hội"),
    UnitData("tram-yt", "Trạm Y tế phường"),
    UnitData("cong-an", "Công an phường"),
    UnitData("hoi-nd", "Hội Nông dân phường"),
    UnitData("hoi-lhpn", "Hội Liên hiệp Phụ nữ phường"),
    UnitData("cac-tdp", "Các tổ dân phố", aliases=["tổ dân phố"], group=True),
]

SECOND_PLAN = [
    "ỦY BAN NHÂN DÂN PHƯỜNG CHỢ MỚI",
    "KẾ HOẠCH",
    "Giảm nghèo bền vững năm 2027 trên địa bàn phường Chợ Mới",
    "Căn cứ Kế hoạch số 15/KH-UBND ngày 20/01/2026 của UBND phường Chợ Mới về thực hiện công tác giảm nghèo bền vững giai đoạn 2026-2030;",
    "Ủy ban nhân dân phường Chợ Mới ban hành Kế hoạch giảm nghèo bền vững năm 2027 như sau:",
    "I. MỤC TIÊU",
    "1. Giảm 12 hộ nghèo trong năm 2027.",
    "2. 100% hộ nghèo được tiếp cận chính sách.",
    (
        "table",
        [["Chỉ tiêu", "Năm 2026", "Năm 2027"], ["Số hộ nghèo giảm", "10", "12"], ["Số hộ cận nghèo giảm", "8", "9"]],
    ),
    "II. NHIỆM VỤ VÀ GIẢI PHÁP",
    "1. Tuyên truyền về giảm nghèo",
    "Tổ chức các buổi tuyên truyền tại tổ dân phố về chính sách giảm nghèo năm 2027.",
    "Cơ quan chủ trì: UBMTTQ phường.",
    "Cơ quan phối hợp: Hội Nông dân, Hội LHPN phường, các tổ dân phố.",
    "2. Hỗ trợ sinh kế",
    "a) Hỗ trợ giống cây trồng, vật nuôi",
    "Hỗ trợ giống cho 12 hộ nghèo có lao động.",
    "- Chủ trì: Phòng Kinh tế;",
    "- Phối hợp: Hội Nông dân phường, Hợp tác xã Tân Tiến.",
    "b) Dạy nghề ngắn hạn",
    "Mở 02 lớp dạy nghề cho lao động thuộc hộ nghèo.",
    "Chủ trì: Phòng VH-XH",
    "Phối hợp: Ủy ban nhân dân phường",
    "3. Chăm sóc sức khỏe cho hộ nghèo",
    "Cấp thẻ bảo hiểm y tế và khám sức khỏe định kỳ cho người thuộc hộ nghèo.",
    "Đơn vị chủ trì: TRẠM Y TẾ PHƯỜNG",
    "Đơn vị phối hợp: Phòng Văn hóa – Xã hội, Bảo hiểm xã hội huyện.",
    "III. TỔ CHỨC THỰC HIỆN",
    "1. Công an phường: Nắm tình hình an ninh trật tự tại các hộ nghèo.",
    "2. Các tổ dân phố",
    "Rà soát hộ nghèo, hộ cận nghèo hằng quý.",
    "Báo cáo kết quả về UBND phường.",
    "IV. CHẾ ĐỘ BÁO CÁO",
    "Giao Phòng Văn hóa - Xã hội chủ trì tổng hợp báo cáo.",
    "- Báo cáo 6 tháng trước ngày 05/6/2027.",
    "- Báo cáo năm trước ngày 10/11/2027.",
]


def second_plan_docx() -> bytes:
    document = Document()
    for item in SECOND_PLAN:
        if isinstance(item, tuple):
            rows = item[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        else:
            document.add_paragraph(item)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_second_plan_as_a_word_document_with_its_own_quirks():
    draft = read_document("ke-hoach-cho-moi-2027.docx", second_plan_docx(), CHO_MOI_UNITS)
    assert draft.title == "Kế hoạch giảm nghèo bền vững năm 2027 trên địa bàn phường Chợ Mới"
    assert (draft.issuer, draft.start_year, draft.end_year) == ("Ủy ban nhân dân phường Chợ Mới", 2027, 2027)
    shape = {
        t.code: ([m.code or m.text for m in t.lead], [m.code or m.text for m in t.partners]) for t in draft.all_tasks()
    }
    # Section I has numbered aims but names nobody: not tasks.
    assert list(shape) == [
        "II",
        "II.1",
        "II.2",
        "II.2.1",
        "II.2.2",
        "II.3",
        "III",
        "III.1",
        "III.2",
        "III.2.1",
        "III.2.2",
    ]
    assert shape["II.1"] == (["mttq"], ["hoi-nd", "hoi-lhpn", "cac-tdp"])
    assert shape["II.2.1"] == (["phong-kt"], ["hoi-nd", "Hợp tác xã Tân Tiến"])  # lettered a), "- Chủ trì:"
    assert shape["II.2.2"] == (["phong-vhxh"], ["ubnd"])
    assert shape["II.3"] == (["tram-yt"], ["phong-vhxh", "Bảo hiểm xã hội huyện"])
    assert shape["III.1"] == (["cong-an"], [])  # the duty written after the unit, on its line
    assert shape["III.2.1"] == (["cac-tdp"], []) and shape["III.2.2"] == (["cac-tdp"], [])
    assert draft.unmatched() == ["Hợp tác xã Tân Tiến", "Bảo hiểm xã hội huyện"]
    # The calendar of a yearly plan, and the unit the reports go through.
    assert [(p.kind, p.year, p.ward_deadline) for p in draft.periods] == [
        ("six_month", 2027, date(2027, 6, 5)),
        ("annual", 2027, date(2027, 11, 10)),
    ]
    assert draft.secretariat.code == "phong-vhxh"
    # The table of figures by year.
    assert [(f.label, f.values) for f in draft.figures] == [
        ("Số hộ nghèo giảm", {2026: "10", 2027: "12"}),
        ("Số hộ cận nghèo giảm", {2026: "8", 2027: "9"}),
    ]
    # As a plan file: the two names no unit answers to are proposed as new units.
    drafted = draft_plan_file(draft, WardData("cho-moi", "Phường Chợ Mới", "Thái Nguyên"), CHO_MOI_UNITS, "KH-GN-2027")
    again = read_plan_text(dump_plan_file(drafted), "draft.yaml")
    added = {u.code: u.name for u in again.units}.keys() - {u.code for u in CHO_MOI_UNITS}
    assert sorted(added) == ["bao-hiem-xa-hoi-huyen", "hop-tac-xa-tan-tien"]
    assert next(t for t in again.plan.all_tasks() if t.code == "II.3").partners == [
        "phong-vhxh",
        "bao-hiem-xa-hoi-huyen",
    ]


def test_a_document_with_no_plan_in_it_gives_an_empty_draft():
    draft = read_document("thu.txt", "Kính gửi các đồng chí,\nXin mời họp lúc 8 giờ.".encode(), CHO_MOI_UNITS)
    assert (draft.title, draft.tasks, draft.periods) == ("", [], [])
    assert read_text("").paragraphs == []


def test_a_drafted_plan_is_loaded_by_the_plan_files_own_loader_with_its_proposed_units(cli, plan, tmp_path):
    """`flask plan draft` names the ward's units as they are in the database, proposes the rest,
    and `flask plan load` adopts the draft like any plan file."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.plan.models import Assignment, Plan, Task
    from tracker.units.models import Unit

    document = tmp_path / "ke-hoach-2027.docx"
    document.write_bytes(second_plan_docx())
    out = tmp_path / "nhap.yaml"
    drafted = cli.invoke(args=["plan", "draft", str(document), str(out), "--ward", "bac-kan", "--code", "KH-GN-2027"])
    assert drafted.exit_code == 0, drafted.output
    assert "11 nhiệm vụ" in drafted.output or "11 tasks" in drafted.output
    assert "Hợp tác xã Tân Tiến".lower() in drafted.output.lower()
    loaded = cli.invoke(args=["plan", "load", str(out)])
    assert loaded.exit_code == 0, loaded.output
    yearly = db.session.scalar(select(Plan).where(Plan.code == "KH-GN-2027"))
    assert (
        yearly is not None and yearly.ward_id == plan.ward_id and (yearly.start_year, yearly.end_year) == (2027, 2027)
    )
    task = db.session.scalar(select(Task).where(Task.plan_id == yearly.id, Task.code == "II.3"))
    roles = {
        (unit.code, a.role)
        for a, unit in db.session.execute(select(Assignment, Unit).join(Unit).where(Assignment.task_id == task.id))
    }
    # Bắc Kạn's own Trạm Y tế and Phòng Văn hóa – Xã hội, and the proposed unit, now the ward's.
    assert roles == {("tram-y-te", "lead"), ("phong-vh-xh", "partner"), ("bao-hiem-xa-hoi-huyen", "partner")}
    assert db.session.scalar(select(Unit).where(Unit.code == "hop-tac-xa-tan-tien", Unit.ward_id == plan.ward_id))


# --- in the browser -----------------------------------------------------------------------------------


def _upload(client, plan, name: str, data: bytes):
    return client.post(
        f"/plans/{plan.id}/import/", data={"document": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_the_secretariat_goes_from_a_word_document_to_tracked_tasks_in_two_posts(app, plan):
    from sqlalchemy import select

    from tests.helpers import form_values, page, plain, signed_in
    from tracker.audit.models import AuditEvent
    from tracker.extensions import db
    from tracker.plan.models import Assignment, Plan, Task
    from tracker.units.models import Unit

    client = signed_in(app, "secretariat")
    assert f"/plans/{plan.id}/import/" in page(client, f"/plans/{plan.id}/")
    uploaded = _upload(client, plan, "Kế hoạch 2027.docx", second_plan_docx())
    assert uploaded.status_code == 302
    review_url = uploaded.headers["Location"]
    html = page(client, review_url)
    text = plain(html)
    # Every task with its line, units as matched, and the names no unit answers to.
    assert "II.2.1" in text and "Hỗ trợ giống cây trồng, vật nuôi" in html
    assert "Trạm Y tế phường" in text and "đơn vị mới: hợp tác xã tân tiến" in text.lower()
    assert "2 tên không khớp" in text or "hợp tác xã tân tiến, bảo hiểm xã hội huyện" in text.lower()
    # Correct a partner, leave a task out, and save: the edits are kept.
    values = form_values(html, "action=save")
    values["partners_text-II.3"] = ["Phòng Văn hóa – Xã hội, BHXH Bắc Kạn"]
    del values["keep-III.1"]
    assert client.post(review_url, data=values).status_code == 302
    again = page(client, review_url)
    assert "Bảo hiểm xã hội cơ sở Bắc Kạn" in again and 'name="keep-III.1" checked' not in again
    # Adopt, under a code of its own.
    values = form_values(again, "action=adopt")
    values["plan_code"] = ["KH-GN-2027"]
    adopted = client.post(review_url, data=values)
    assert adopted.status_code == 302
    new_plan = db.session.scalar(select(Plan).where(Plan.code == "KH-GN-2027"))
    assert adopted.headers["Location"].endswith(f"/plans/{new_plan.id}/")
    codes = set(db.session.scalars(select(Task.code).where(Task.plan_id == new_plan.id)))
    assert "II.3" in codes and "III.1" not in codes
    task = db.session.scalar(select(Task).where(Task.plan_id == new_plan.id, Task.code == "II.3"))
    roles = {
        (unit.code, a.role)
        for a, unit in db.session.execute(select(Assignment, Unit).join(Unit).where(Assignment.task_id == task.id))
    }
    assert roles == {("tram-y-te", "lead"), ("phong-vh-xh", "partner"), ("bhxh", "partner")}
    assert db.session.scalar(select(Unit).where(Unit.code == "hop-tac-xa-tan-tien"))  # proposed, now the ward's
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("plan.import%"))).all()
    assert sorted(actions) == ["plan.import", "plan.import_draft"]
    # Adopted once: the draft says so and cannot be adopted again.
    assert "Mở kế hoạch" in page(client, review_url)
    assert client.post(review_url, data=values).status_code == 200
    assert db.session.scalar(select(db.func.count(Plan.id)).where(Plan.code == "KH-GN-2027")) == 1


def _zip_without_a_document() -> bytes:
    """A real ZIP file, as a .docx is, but with no Word document inside."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("anh.png", b"\x89PNG")
    return out.getvalue()


def test_a_file_that_is_no_plan_is_refused_in_vietnamese_and_nothing_is_kept(app, plan):
    from sqlalchemy import func, select

    from tests.helpers import plain, signed_in
    from tracker.extensions import db
    from tracker.planimport.models import PlanDraft

    client = signed_in(app, "secretariat")
    for name, data, message in (
        ("ke-hoach.pdf", b"%PDF-1.7", "Hãy chọn tệp Word (.docx) hoặc tệp văn bản (.txt)"),
        ("ke-hoach.docx", b"PK\x03\x04 not a zip", "Không đọc được tệp này như một văn bản Word"),
        ("ke-hoach-khac.docx", _zip_without_a_document(), "Không đọc được tệp này như một văn bản Word"),
        ("thu-moi.txt", "Kính gửi các đồng chí,\nXin mời họp lúc 8 giờ.".encode(), "Không tìm thấy nhiệm vụ nào"),
    ):
        response = _upload(client, plan, name, data)
        assert response.status_code == 422, name
        assert message in plain(response.get_data(as_text=True)), name
    assert db.session.scalar(select(func.count(PlanDraft.id))) == 0


def test_a_taken_or_malformed_code_keeps_the_edits_and_says_what_to_change(app, plan):
    from tests.helpers import form_values, page, plain, signed_in

    client = signed_in(app, "secretariat")
    review_url = _upload(client, plan, "kh.docx", second_plan_docx()).headers["Location"]
    values = form_values(page(client, review_url), "action=adopt")
    values["title-II.1"] = ["Tuyên truyền về giảm nghèo năm 2027"]
    for code, message in (
        ("KH-GNBV-2026-2030", "Phường đã có kế hoạch mang mã KH-GNBV-2026-2030"),
        ("kế hoạch mới", "Mã kế hoạch chỉ gồm chữ, số"),
    ):
        values["plan_code"] = [code]
        response = client.post(review_url, data=values)
        assert response.status_code == 422 and message in plain(response.get_data(as_text=True))
    assert 'value="Tuyên truyền về giảm nghèo năm 2027"' in page(client, review_url)


@pytest.mark.parametrize("role", ["officer", "committee", "chair"])
def test_only_the_secretariat_imports_a_plan(app, plan, role):
    from tests.helpers import signed_in

    client = signed_in(app, role)
    assert client.get(f"/plans/{plan.id}/import/").status_code == 403
    assert _upload(client, plan, "kh.docx", second_plan_docx()).status_code == 403


# --- a yearly plan from the five-year plan ------------------------------------------------------------


def test_the_plan_of_2027_is_made_from_the_five_year_plan_and_shows_under_it(app, plan):
    from sqlalchemy import func, select

    from tests.helpers import form_values, page, plain, signed_in
    from tracker.core.time import ward_today
    from tracker.extensions import db
    from tracker.periods.models import ReportingPeriod
    from tracker.plan.models import Assignment, Plan, Task
    from tracker.standing.stored import current_standings
    from tracker.targets.models import Indicator, Target

    client = signed_in(app, "secretariat")
    overview = page(client, f"/plans/{plan.id}/")
    values = form_values(overview, form_index=0)
    values["year"] = ["2027"]
    made = client.post(f"/plans/{plan.id}/yearly", data=values)
    assert made.status_code == 302
    yearly = db.session.scalar(select(Plan).where(Plan.parent_id == plan.id))
    assert made.headers["Location"].endswith(f"/plans/{yearly.id}/")
    assert (yearly.code, yearly.start_year, yearly.end_year) == ("KH-GNBV-2026-2030-NAM-2027", 2027, 2027)

    def count(model, plan_):
        column = model.plan_id
        return db.session.scalar(select(func.count()).select_from(model).where(column == plan_.id))

    # The same tasks under the same codes, each with the same units.
    assert count(Task, yearly) == count(Task, plan) == 54

    def roles(plan_):
        return set(
            db.session.execute(
                select(Task.code, Assignment.unit_id, Assignment.role).join(Task).where(Task.plan_id == plan_.id)
            )
        )

    assert roles(yearly) == roles(plan)
    # The year's reporting periods and the year's targets only.
    kinds = db.session.execute(
        select(ReportingPeriod.kind, ReportingPeriod.year).where(ReportingPeriod.plan_id == yearly.id)
    ).all()
    assert sorted(kinds) == [("annual", 2027), ("six_month", 2027)]
    years = set(db.session.scalars(select(Target.year).join(Indicator).where(Indicator.plan_id == yearly.id)))
    assert years == {2027}
    households = db.session.scalar(
        select(Target.value)
        .join(Indicator)
        .where(Indicator.plan_id == yearly.id, Indicator.code == "households-leaving-poverty")
    )
    assert households == db.session.scalar(
        select(Target.value)
        .join(Indicator)
        .where(Indicator.plan_id == plan.id, Indicator.code == "households-leaving-poverty", Target.year == 2027)
    )
    # The five-year plan lists it with its progress once its figures exist; 2027 is no longer offered.
    with app.test_request_context():
        current_standings(yearly, ward_today())
    listed = plain(page(client, f"/plans/{plan.id}/"))
    assert "Kế hoạch năm 2027" in listed and "0% đã thực hiện" in listed.replace(",0", "")
    assert '<option value="2027">' not in page(client, f"/plans/{plan.id}/")
    assert client.post(f"/plans/{plan.id}/yearly", data=values).status_code == 302  # twice: made once
    assert db.session.scalar(select(func.count(Plan.id)).where(Plan.parent_id == plan.id)) == 1


def test_what_a_first_user_tripped_on_is_said_on_the_page(app, plan):
    """A section unticked takes its tasks with it, and the page says so and counts what is adopted;
    a document pasted twice is refused; another ward's plan is pointed out; one new unit written
    two ways is proposed once, as written."""
    from tests.helpers import form_values, page, plain, signed_in

    client = signed_in(app, "secretariat")
    review_url = _upload(client, plan, "kh.docx", second_plan_docx()).headers["Location"]
    html = page(client, review_url)
    assert "Khi thông qua, bản nháp sẽ theo dõi 11 nhiệm vụ." in plain(html)
    assert "có vẻ là kế hoạch của phường, xã khác" in plain(html)  # Chợ Mới's, uploaded in Bắc Kạn
    values = form_values(html, "action=save")
    del values["keep-II.2"]
    client.post(review_url, data=values)
    html = page(client, review_url)
    assert "Khi thông qua, bản nháp sẽ theo dõi 8 nhiệm vụ." in plain(html)
    assert plain(html).count("bỏ ra cùng nhiệm vụ cấp trên") == 2  # II.2.1 and II.2.2
    # The plan's own document: no warning about another ward.
    own = _upload(client, plan, SOURCE.name, SOURCE.read_bytes()).headers["Location"]
    assert "có vẻ là kế hoạch của phường, xã khác" not in plain(page(client, own))
    # Pasted twice: every task numbered twice.
    twice = _upload(client, plan, "hai-lan.txt", SOURCE.read_bytes() + b"\n" + SOURCE.read_bytes())
    assert twice.status_code == 422 and "đánh số trùng" in plain(twice.get_data(as_text=True))


def test_a_new_unit_written_two_ways_is_proposed_once_as_written(matcher):
    from tracker.planimport.parser import Draft, DraftTask

    task = DraftTask("II.1", "Tuyên truyền", 1, lead=matcher.split("Đoàn Thanh niên phường, Hội Cựu chiến binh"))
    other = DraftTask("II.2", "Vận động", 2, partners=matcher.split("Đoàn Thanh niên"))
    assert Draft(tasks=[task, other]).unmatched() == ["Đoàn Thanh niên phường", "Hội Cựu chiến binh"]


def test_the_command_line_makes_a_yearly_plan_once(cli, plan):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.plan.models import Plan

    made = cli.invoke(args=["plan", "derive-year", "2028", "--plan", plan.code])
    assert made.exit_code == 0, made.output
    assert "KH-GNBV-2026-2030-NAM-2028" in made.output
    assert db.session.scalar(select(Plan.parent_id).where(Plan.code == "KH-GNBV-2026-2030-NAM-2028")) == plan.id
    again = cli.invoke(args=["plan", "derive-year", "2028", "--plan", plan.code])
    assert again.exit_code == 1
    outside = cli.invoke(args=["plan", "derive-year", "2031", "--plan", plan.code])
    assert outside.exit_code == 1
    # A yearly plan is no five-year plan to make one from.
    assert cli.invoke(args=["plan", "derive-year", "2029", "--plan", "KH-GNBV-2026-2030-NAM-2028"]).exit_code == 1


def test_decomposed_letters_and_control_characters_read_as_the_plain_text(bac_kan):
    """A text whose letters come decomposed (NFD, as some systems write them) and with control
    characters pasted in reads as the plain one: the same tasks, titles and units."""
    import unicodedata

    plan_file, draft = bac_kan
    text = SOURCE.read_text(encoding="utf-8")
    clumsy = unicodedata.normalize("NFD", text).replace("Đơn vị chủ trì:", "Đơn vị\x00 chủ trì:\x07")
    again = read_document("kh.txt", clumsy.encode("utf-8"), plan_file.units)

    def shape(d):
        return [(t.code, t.title, [m.code for m in t.lead], [m.code for m in t.partners]) for t in d.all_tasks()]

    assert shape(again) == shape(draft)
    assert not any("\x00" in (t.text or "") + (t.lead_text or "") for t in again.all_tasks())
