"""The ward's 6-month report of 2026, compiled from the units' accepted reports and exported as
DOCX, XLSX and a printable page.

The six-month period of 2026 has its unit deadline on 05/06/2026 and its ward deadline on 10/06.
Each unit sends ONE report for the period, with a section on each task it reports on. The
prepared data (fixture `june`), read on 08/06/2026:

- Trạm Y tế (tram-y-te) sends its report (IV.4.3, VI.6) on 03/06; accepted.
- Văn phòng HĐND-UBND sends its report (IV.4.5, VI.4) on 04/06; returned at VI.4.
- Phòng XD-NN-MT sends its report (IV.4.4, IV.7, IV.9, VI.1.1-VI.1.6) on 04/06; left waiting.
- Phòng Văn hóa – Xã hội sends its report (nine sections) at 23:30 on 05/06, still on time in the
  ward; accepted.
- Phòng Kinh tế sends its report (VI.2.1, VI.2.2) at 00:30 on 06/06 in the ward (17:30 on 05/06
  UTC): late; accepted.
- Đảng ủy, UBND, UB MTTQ, Trung tâm Dịch vụ tổng hợp, NHCSXH, BHXH and Công an never send.
- Progress: IV.4.1 60%, IV.4.2 done, IV.4.3 50%, IV.4.4 30% (posted 20/05).
- VI.2.1 is given dates of its own, 01/01-31/05/2026 (every other task is continuous, but VI.3.2:
  01/01-31/12/2026 in the plan).

Statuses on 08/06, worked out by hand under the status rule ("quá hạn" only past a task's OWN due
date, a continuous task never; a task with an accepted report section is under way):
- in progress, overdue (1): VI.2.1, past 31/05 (its accepted section does not say it is done)
- in progress, on time (12): IV.4.1, IV.4.3, IV.4.4 (progress posted); VI.6 (Trạm Y tế's accepted
  report); IV.8, VI.3.1-VI.3.6 (Phòng Văn hóa – Xã hội's); VI.2.2 (Phòng Kinh tế's)
- done on time (1): IV.4.2
- not started (31): every other leaf: no progress and no accepted section (the units that never
  sent, whose reports are late but whose continuous tasks are not overdue; the returned report and
  the one still waiting), or no lead unit at all.
The ward's task table lists the 13 tasks an accepted report speaks of (VI.2.1, IV.4.2 and the 12
in progress on time but IV.4.4, which only has a progress update), then one line for the other 32.
"""

from __future__ import annotations

import html as htmllib
import io
import math
import re
import zipfile
from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import docx
import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from tests import helpers
from tests.conftest import PASSWORD
from tests.helpers import at, database_snapshot
from tracker.accounts.services import create_user
from tracker.core.actor import Actor
from tracker.extensions import db
from tracker.periods.queries import plan_rounds
from tracker.progress.services import UpdateInput, post_update
from tracker.reports import queries as reports_queries
from tracker.reports import services as reports
from tracker.targets import services as targets
from tracker.targets.models import Indicator
from tracker.units.models import Unit
from tracker.ward_reports import services
from tracker.ward_reports.models import WardReport

signed_in = helpers.signed_in
plain = helpers.plain


D = Decimal
JUNE_8 = "2026-06-08T09:00:00+07:00"
TODAY = date(2026, 6, 8)

# The 45 leaves in plan order, with their lead units as the plan names them, the one that answers
# first (co-leads and unit groups included; none for IV.10.x).
LEADS = {
    "IV.1": ["dang-uy", "ubnd"],
    "IV.2": ["ub-mttq", "tt-dich-vu-tong-hop"],
    "IV.3": ["ubnd"],
    "IV.4.1": ["phong-vh-xh"],
    "IV.4.2": ["phong-vh-xh"],
    "IV.4.3": ["tram-y-te"],
    "IV.4.4": ["phong-xd-nn-mt"],
    "IV.4.5": ["van-phong-hdnd-ubnd"],
    "IV.5": ["ub-mttq"],
    "IV.6": ["ubnd", "ub-mttq"],
    "IV.7": ["phong-xd-nn-mt"],
    "IV.8": ["phong-vh-xh", "phong-xd-nn-mt"],
    "IV.9": ["phong-xd-nn-mt"],
    "IV.10.1": [],
    "IV.10.2": [],
    "IV.10.3": [],
    "IV.10.4": [],
    "IV.10.5": [],
    "VI.1.1": ["phong-xd-nn-mt"],
    "VI.1.2": ["phong-xd-nn-mt"],
    "VI.1.3": ["phong-xd-nn-mt"],
    "VI.1.4": ["phong-xd-nn-mt"],
    "VI.1.5": ["phong-xd-nn-mt"],
    "VI.1.6": ["phong-xd-nn-mt"],
    "VI.2.1": ["phong-kinh-te"],
    "VI.2.2": ["phong-kinh-te"],
    "VI.3.1": ["phong-vh-xh"],
    "VI.3.2": ["phong-vh-xh"],
    "VI.3.3": ["phong-vh-xh"],
    "VI.3.4": ["phong-vh-xh"],
    "VI.3.5": ["phong-vh-xh"],
    "VI.3.6": ["phong-vh-xh"],
    "VI.4": ["van-phong-hdnd-ubnd"],
    "VI.5": ["tt-dich-vu-tong-hop"],
    "VI.6": ["tram-y-te"],
    "VI.7": ["nhcsxh"],
    "VI.8.1": ["ub-mttq", "cac-to-chuc-ctxh"],
    "VI.8.2": ["ub-mttq", "cac-to-chuc-ctxh"],
    "VI.8.3": ["ub-mttq", "cac-to-chuc-ctxh"],
    "VI.9": ["cac-dn-vien-thong"],
    "VI.10": ["bhxh"],
    "VI.11": ["cong-an", "bch-quan-su", "cac-truong-hoc"],
    "VI.12": ["ban-chi-dao"],
    "VI.13.1": ["cac-to-dan-pho"],
    "VI.13.2": ["cac-to-dan-pho"],
}
DATED = "VI.2.1"
OVERDUE = [DATED]
ON_TIME = [
    "IV.4.1",
    "IV.4.3",
    "IV.4.4",
    "IV.8",
    "VI.2.2",
    "VI.3.1",
    "VI.3.2",
    "VI.3.3",
    "VI.3.4",
    "VI.3.5",
    "VI.3.6",
    "VI.6",
]
DONE = ["IV.4.2"]
COUNTS = {"not_started": 31, "in_progress_on_time": 12, "in_progress_overdue": 1, "done_on_time": 1, "done_late": 0}

# Units that did not send their report, with the tasks it covers, in the units' order; and the one that sent late.
MISSING = [
    ("dang-uy", "Đảng ủy phường", ["IV.1"]),
    ("ubnd", "UBND phường", ["IV.3", "IV.6"]),
    ("ub-mttq", "Ủy ban MTTQ Việt Nam phường", ["IV.2", "IV.5", "VI.8.1", "VI.8.2", "VI.8.3"]),
    ("tt-dich-vu-tong-hop", "Trung tâm Dịch vụ tổng hợp phường", ["VI.5"]),
    ("nhcsxh", "Phòng Giao dịch Ngân hàng Chính sách xã hội Bắc Kạn", ["VI.7"]),
    ("bhxh", "Bảo hiểm xã hội cơ sở Bắc Kạn", ["VI.10"]),
    ("cong-an", "Công an phường", ["VI.11"]),
]
LATE = [("phong-kinh-te", "Phòng Kinh tế", date(2026, 6, 6))]
# Section IV's lines for them: one line for the units that did not send, one for those that sent late.
MISSING_LINE = "- Chưa gửi báo cáo (hạn 05/06/2026): " + ", ".join(name for _code, name, _tasks in MISSING) + "."
LATE_LINE = "- Gửi báo cáo chậm: Phòng Kinh tế (ngày 06/06/2026)."

# What the accepted reports say of each task (results, difficulties, proposals): Trạm Y tế's,
# Phòng Văn hóa – Xã hội's and Phòng Kinh tế's (late, but accepted). Every section of them.
ACCEPTED = {
    "IV.4.3": (
        "Cấp 1.245 thẻ BHYT cho người thuộc hộ nghèo, cận nghèo.",
        "Một số hộ chưa cập nhật giấy tờ.",
        "Đề nghị BHXH hỗ trợ rà soát.",
    ),
    "VI.6": ("Khám sàng lọc dinh dưỡng cho 320 trẻ em.", None, None),
    "IV.4.1": ("Tư vấn việc làm cho 12 lao động thuộc hộ nghèo.", None, "Bổ sung kinh phí đào tạo nghề."),
    "IV.4.2": ("Hỗ trợ học phí cho 5 học sinh.", None, None),
    "IV.8": ("Tuyên truyền về giảm nghèo tại 12 tổ dân phố.", "Thiếu tài liệu tuyên truyền.", None),
    **{
        code: (f"Phòng Văn hóa – Xã hội đã thực hiện {code}.", None, None)
        for code in ("VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6")
    },
    "VI.2.1": ("Giải ngân 200 triệu đồng vốn vay cho hộ cận nghèo.", None, None),
    "VI.2.2": ("Thẩm định 4 dự án hỗ trợ phát triển sản xuất.", None, None),
}
RETURNED_TEXT = "Nội dung bị trả lại, thiếu số liệu."
WAITING_TEXT = "Báo cáo đang chờ cơ quan thường trực xem xét"

VI = {
    "issuer": ["ỦY BAN NHÂN DÂN", "PHƯỜNG BẮC KẠN"],
    "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "motto": "Độc lập - Tự do - Hạnh phúc",
    "report": "BÁO CÁO",
    "recipients": "Nơi nhận:",
    "someone_else": "Người khác vừa lưu báo cáo này trong lúc bạn đang soạn. Nội dung của bạn vẫn ở bên dưới; hãy xem bản đã lưu trước khi lưu lại.",
    "no_subject": "Nhập trích yếu của báo cáo.",
    "saved": "Đã lưu bản dự thảo báo cáo.",
}
# The sections' titles, numbered in order when every one has something to say.
TITLES = {
    "situation": "TÌNH HÌNH TRIỂN KHAI THỰC HIỆN",
    "tasks": "KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ, GIẢI PHÁP",
    "indicators": "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
    "units": "TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ",
    "assessment": "ĐÁNH GIÁ CHUNG",
    "next_tasks": "NHIỆM VỤ TRỌNG TÂM KỲ TỚI",
    "proposals": "ĐỀ XUẤT, KIẾN NGHỊ",
}
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]
SECTIONS = [f"{number}. {title}" for number, title in zip(ROMAN, TITLES.values())]
SIGNATURE = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nông Thị Thanh Nga"]
STANDARD_SUBJECT = "Kết quả thực hiện công tác giảm nghèo bền vững 6 tháng đầu năm 2026"
# Section II's closing line for the 32 tasks no accepted report speaks of (45 - 13).
UNREPORTED_LINE = "Còn 32 nhiệm vụ chưa có báo cáo được chấp nhận của đơn vị chủ trì."


# --- helpers ----------------------------------------------------------------------------------


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def officer_of(code: str):
    """An officer account of the unit (made on first use)."""
    from tracker.accounts.models import User

    username = {"phong-vh-xh": "canbo.vhxh", "tram-y-te": "canbo.yte"}.get(code, f"canbo.{code}")
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        u = unit(code)
        user = create_user(username, PASSWORD, f"Cán bộ {u.name}", ["officer"], ward=u.ward, unit=u)
        db.session.flush()
    return user


def send(period, code: str, when: datetime, texts: dict | None = None):
    """The unit's whole report of the period, submitted by its officer at `when`; its sections say
    `texts[task code]` (results, or (results, difficulties, proposals))."""
    return helpers.send_unit_report(officer_of(code), period, when, texts)


def textarea(html: str, name: str) -> str | None:
    match = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return htmllib.unescape(match.group(1)).lstrip("\r\n") if match else None


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return htmllib.unescape(value.group(1)) if value else ""


def edit_url(plan, period) -> str:
    return f"/plans/{plan.id}/ward-reports/{period.id}"


def draft_form(html: str) -> dict[str, str]:
    """The draft form as the browser would send it back: every field as the page shows it (the
    signer's fields included)."""
    return {name: values[0] for name, values in helpers.form_values(html).items()}


NARRATIVE = {
    "number": "12/BC-UBND",
    "report_date": "05/06/2026",  # typed the ward's way
    "title": "Kết quả thực hiện công tác giảm nghèo bền vững 6 tháng đầu năm 2026 trên địa bàn phường",
    "situation": "UBND phường đã ban hành kế hoạch năm 2026.\nCác đơn vị đã triển khai các nhiệm vụ được giao.",
    "assessment": "Ưu điểm: các đơn vị chủ động.\nHạn chế: một số đơn vị chưa báo cáo đúng hạn.",
    "next_tasks": "Tiếp tục rà soát hộ nghèo, hộ cận nghèo.",
    "proposals": "Đề nghị UBND tỉnh bổ sung kinh phí hỗ trợ nhà ở.",
    "recipients": "UBND tỉnh Thái Nguyên (b/c)\nTT Đảng ủy, HĐND phường (b/c)\nLưu: VT, XDNNMT",
}


def save_narrative(client, plan, period, **changes):
    html = client.get(edit_url(plan, period)).get_data(as_text=True)
    data = draft_form(html)
    data.update(NARRATIVE)
    data.update(changes)
    return client.post(edit_url(plan, period), data=data)


# --- the prepared data ------------------------------------------------------------------------


@pytest.fixture
def june(app, plan, user_of, task_of, period_of):
    app.config["FROZEN_NOW"] = JUNE_8
    period = period_of("six_month", 2026)
    secretariat = Actor.for_user(user_of("secretariat"))
    task_of(DATED).start_on, task_of(DATED).due_on = date(2026, 1, 1), date(2026, 5, 31)

    for code, unit_code, percent, state in [
        ("IV.4.1", "phong-vh-xh", 60, "working"),
        ("IV.4.2", "phong-vh-xh", 100, "done"),
        ("IV.4.3", "tram-y-te", 50, "working"),
        ("IV.4.4", "phong-xd-nn-mt", 30, "working"),
    ]:
        post_update(
            Actor.for_user(officer_of(unit_code)),
            task_of(code),
            unit(unit_code).id,
            "lead",
            UpdateInput(percent, state, f"Tiến độ {percent}%"),
            files=[],
            now=at("2026-05-20"),
        )

    sent = {
        "tram-y-te": send(period, "tram-y-te", at("2026-06-03"), ACCEPTED),
        "van-phong-hdnd-ubnd": send(
            period,
            "van-phong-hdnd-ubnd",
            at("2026-06-04"),
            {"IV.4.5": RETURNED_TEXT, "VI.4": (RETURNED_TEXT, "Khó khăn bị trả lại", "Đề xuất bị trả lại")},
        ),
        "phong-xd-nn-mt": send(
            period,
            "phong-xd-nn-mt",
            at("2026-06-04", "14:00"),
            {code: f"{WAITING_TEXT} ({code})." for code in LEADS if LEADS[code][:1] == ["phong-xd-nn-mt"]},
        ),
        "phong-vh-xh": send(period, "phong-vh-xh", at("2026-06-05", "23:30"), ACCEPTED),
        "phong-kinh-te": send(period, "phong-kinh-te", at("2026-06-06", "00:30"), ACCEPTED),
    }
    for code in ("tram-y-te", "phong-vh-xh", "phong-kinh-te"):
        reports.accept(secretariat, sent[code], at("2026-06-07"))
    reports.return_for_changes(
        secretariat, sent["van-phong-hdnd-ubnd"], "Bổ sung số liệu", at("2026-06-07"), task_id=task_of("VI.4").id
    )

    # Figures of the six-month report.
    indicators = {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    targets.save_actuals(
        secretariat,
        period,
        [
            (indicators["households-leaving-poverty"], D(9), None, None, "Rà soát 6 tháng"),
            (indicators["poor-households"], D(55), None, None, "Rà soát 6 tháng"),
            (indicators["ward-households"], D(6340), None, None, "Thống kê dân số"),
            (indicators["coverage-school-age"], None, D(61), D(64), "Số liệu các trường"),
            (indicators["budget-latrine"], D(18), None, None, "Phòng Kinh tế"),
        ],
        at("2026-06-07"),
    )
    db.session.commit()
    return {"period": period, "sent": sent}


def compiled_now(plan, period):
    return services.compile_report(plan, period, TODAY)


# --- 1. compiling -----------------------------------------------------------------------------


def test_every_leaf_task_with_its_lead_and_status(june, plan):
    compiled = compiled_now(plan, june["period"])
    assert [line.task.code for line in compiled.tasks] == list(LEADS)
    assert {line.task.code: [u.code for u in line.lead_units] for line in compiled.tasks} == LEADS
    statuses = {line.task.code: line.status for line in compiled.tasks}
    expected = {code: "not_started" for code in LEADS}
    expected.update({code: "in_progress_overdue" for code in OVERDUE})
    expected.update({code: "in_progress_on_time" for code in ON_TIME})
    expected.update({code: "done_on_time" for code in DONE})
    assert statuses == expected
    assert compiled.counts == COUNTS
    assert compiled.total_tasks == sum(compiled.counts.values()) == 45
    assert Counter(statuses.values()) == Counter({k: v for k, v in compiled.counts.items() if v})
    # The units that never sent are late with their report; their continuous tasks are not overdue.
    for _code, _name, tasks in MISSING:
        assert all(statuses[task] == "not_started" for task in tasks), tasks


def test_only_accepted_reports_are_quoted(june, plan):
    compiled = compiled_now(plan, june["period"])
    lines = {line.task.code: line for line in compiled.tasks}
    for code, (results, difficulties, proposals) in ACCEPTED.items():
        assert lines[code].results == [results], code
        assert lines[code].difficulties == ([difficulties] if difficulties else []), code
        assert lines[code].proposals == ([proposals] if proposals else []), code
    # Every section of the accepted reports, and nothing else: neither the returned report (not even
    # its IV.4.5 section, which the return did not point at) nor the one still waiting.
    quoted = [code for code, line in lines.items() if line.reported]
    assert sorted(quoted) == sorted(ACCEPTED)
    # The task table's rows, in the plan's order, and one line for the rest.
    assert [line.task.code for line in compiled.reported] == [code for code in LEADS if code in ACCEPTED]
    assert len(compiled.unreported) == 45 - len(ACCEPTED) == 32
    assert services.unreported_line(compiled) == UNREPORTED_LINE
    assert not lines["IV.4.5"].reported and not lines["IV.7"].reported
    everything = " ".join(t for line in compiled.tasks for t in line.results + line.difficulties + line.proposals)
    assert RETURNED_TEXT not in everything and "bị trả lại" not in everything
    assert WAITING_TEXT not in everything


def test_a_resubmitted_report_is_quoted_once_accepted(june, plan, user_of):
    """The returned report, corrected and sent again, is quoted once the secretariat accepts it:
    its new text, not the returned one."""
    report = june["sent"]["van-phong-hdnd-ubnd"]
    corrected = {
        "IV.4.5": "Tổng hợp tình hình thực hiện chính sách giảm nghèo.",
        "VI.4": ("Bổ sung số liệu 6 tháng: 64 hộ.", None, None),
    }
    send(june["period"], "van-phong-hdnd-ubnd", at("2026-06-07", "15:00"), corrected)
    lines = {line.task.code: line for line in compiled_now(plan, june["period"]).tasks}
    assert not lines["IV.4.5"].reported and not lines["VI.4"].reported  # sent again, not yet accepted
    reports.accept(Actor.for_user(user_of("secretariat")), report, at("2026-06-07", "16:00"))
    db.session.commit()
    compiled = compiled_now(plan, june["period"])
    lines = {line.task.code: line for line in compiled.tasks}
    assert lines["IV.4.5"].results == [corrected["IV.4.5"]]
    assert (lines["VI.4"].results, lines["VI.4"].difficulties, lines["VI.4"].proposals) == (
        ["Bổ sung số liệu 6 tháng: 64 hộ."],
        [],
        [],
    )
    # First sent on 04/06: it stays on time.
    assert "van-phong-hdnd-ubnd" not in {u.unit.code for u in compiled.units_missing + compiled.units_late}


def test_a_partners_accepted_section_follows_the_leads_under_its_name(app, plan, user_of, task_of, period_of):
    """Where the plan asks partners to report on a task, the partner's accepted section is quoted
    after the lead unit's, whoever sent first, prefixed with the partner's name."""
    app.config["FROZEN_NOW"] = JUNE_8
    period = period_of("six_month", 2026)
    task_of("IV.4.3").partners_report = True
    secretariat = Actor.for_user(user_of("secretariat"))
    partner = send(
        period,
        "phong-vh-xh",
        at("2026-06-02"),
        {"IV.4.3": ("Vận động 40 hộ cận nghèo mua BHYT.", None, "Đề nghị hỗ trợ mức đóng.")},
    )
    reports.accept(secretariat, partner, at("2026-06-02", "10:00"))
    lead = send(period, "tram-y-te", at("2026-06-03"), {"IV.4.3": ACCEPTED["IV.4.3"]})
    reports.accept(secretariat, lead, at("2026-06-03", "10:00"))
    db.session.commit()
    assert "IV.4.3" in [s.task.code for s in partner.sections]  # the partner's report has a section on it
    line = next(line for line in compiled_now(plan, period).tasks if line.task.code == "IV.4.3")
    results, difficulties, proposals = ACCEPTED["IV.4.3"]
    assert line.results == [results, "Phòng Văn hóa – Xã hội: Vận động 40 hộ cận nghèo mua BHYT."]
    assert line.difficulties == [difficulties]
    assert line.proposals == [proposals, "Phòng Văn hóa – Xã hội: Đề nghị hỗ trợ mức đóng."]
    assert [u.name for u in line.lead_units] == ["Trạm Y tế phường"]


def test_indicator_lines_carry_the_2026_figures(june, plan):
    lines = {line.name: line for line in compiled_now(plan, june["period"]).indicators}
    leaving = lines["Số hộ nghèo cần giảm"]
    assert (leaving.target, leaving.actual, leaving.variance, leaving.source) == (22, 9, -13, "Rà soát 6 tháng")
    reduction = lines["Số hộ nghèo giảm theo mục tiêu II.3.1"]
    assert (reduction.target, reduction.actual, reduction.variance) == (22, 9, -13)
    # 55 / 6.340 = 0,87%; the baseline rate has no 2026 target.
    rate = lines["Tỷ lệ hộ nghèo"]
    assert (rate.target, rate.actual, rate.numerator, rate.denominator) == (None, D("0.87"), 55, 6340)
    school = lines["Trẻ em thuộc hộ nghèo, hộ cận nghèo đi học đúng độ tuổi"]
    assert (school.actual, school.numerator, school.denominator, school.source) == (
        D("95.31"),
        61,
        64,
        "Số liệu các trường",
    )
    # The cost is the sum of its parts; one part is in so far.
    cost = lines["Dự kiến tổng kinh phí hỗ trợ (không tính kinh phí hỗ trợ nhà ở)"]
    assert (cost.target, cost.actual, cost.variance) == (42, 18, -24)
    internet = lines["Hỗ trợ internet"]
    assert (internet.target, internet.actual, internet.variance) == (20, None, None)
    # The household groups are the baseline's, not a yearly figure.
    assert not any(name.startswith("Nhóm ") for name in lines)


def test_units_missing_and_late(june, plan):
    compiled = compiled_now(plan, june["period"])
    # One line per unit that owes a report, however many tasks the report covers.
    assert len(compiled.units) == len({u.unit.code for u in compiled.units}) == 12
    assert [(u.unit.code, [t.code for t in u.row.tasks]) for u in compiled.units_missing] == [
        (code, tasks) for code, _name, tasks in MISSING
    ]
    assert all(u.sent_on is None for u in compiled.units_missing)
    # Sent at 00:30 on 06/06 in the ward: late, though it was still 05/06 in UTC.
    assert [(u.unit.code, u.sent_on) for u in compiled.units_late] == [(code, sent_on) for code, _name, sent_on in LATE]
    # Units that sent on time are in neither list, whatever the secretariat made of the report
    # (accepted, returned, still waiting), even at 23:30 on the deadline.
    clean = {u.unit.code: u.sent_on for u in compiled.units if not u.missing and not u.late}
    assert clean == {
        "tram-y-te": date(2026, 6, 3),
        "van-phong-hdnd-ubnd": date(2026, 6, 4),
        "phong-xd-nn-mt": date(2026, 6, 4),
        "phong-vh-xh": date(2026, 6, 5),
    }
    assert services.unit_reporting_lines(compiled)[0] == MISSING_LINE
    assert len(services.unit_reporting_lines(compiled)) == 2


def test_section_iv_names_the_late_unit_in_vietnamese(saved_report, june, plan):
    """The line of the units that sent late reads in Vietnamese, each unit with the day it sent,
    in the compiled lines, the DOCX and the printable page alike."""
    compiled = compiled_now(plan, june["period"])
    assert services.unit_reporting_lines(compiled) == [MISSING_LINE, LATE_LINE]
    paragraphs = [p.text for p in open_docx(saved_report, plan, june["period"]).paragraphs]
    assert LATE_LINE in paragraphs
    assert LATE_LINE in plain(saved_report.get(edit_url(plan, june["period"]) + "/print").get_data(as_text=True))


def test_every_unit_on_time_is_one_line(app, plan, period_of):
    app.config["FROZEN_NOW"] = JUNE_8
    period = period_of("six_month", 2026)
    round_ = next(r for r in plan_rounds(plan) if period in r)
    owing = [db.session.get(Unit, owed.unit_id).code for owed in reports_queries.owed_reports(plan, [round_])]
    assert len(owing) == 12
    for code in owing:
        send(period, code, at("2026-06-05"))
    db.session.commit()
    compiled = compiled_now(plan, period)
    assert not compiled.units_missing and not compiled.units_late
    assert services.unit_reporting_lines(compiled) == ["Tất cả các đơn vị đã gửi báo cáo của kỳ đúng hạn."]


def test_the_mid_term_review_uses_the_one_report_of_its_deadline(app, plan, user_of, period_of):
    """The annual report of 2028 and the mid-term review share a deadline: a unit sends one report,
    filed under the annual period, and the ward's mid-term review quotes it and counts it as sent."""
    annual, mid_term = period_of("annual", 2028), period_of("mid_term", 2028)
    app.config["FROZEN_NOW"] = "2028-11-12T09:00:00+07:00"
    report = send(
        mid_term, "tram-y-te", at("2028-11-05"), {"IV.4.3": "Sơ kết giữa kỳ: 96% người thuộc hộ nghèo có thẻ BHYT."}
    )
    reports.accept(Actor.for_user(user_of("secretariat")), report, at("2028-11-06"))
    db.session.commit()
    assert report.period_id == annual.id
    for period in (mid_term, annual):
        compiled = services.compile_report(plan, period, date(2028, 11, 12))
        line = next(line for line in compiled.tasks if line.task.code == "IV.4.3")
        assert line.results == ["Sơ kết giữa kỳ: 96% người thuộc hộ nghèo có thẻ BHYT."]
        assert "tram-y-te" not in {u.unit.code for u in compiled.units_missing}
        assert "dang-uy" in {u.unit.code for u in compiled.units_missing}
        [missing] = services.unit_reporting_lines(compiled)
        assert missing.startswith("- Chưa gửi báo cáo (hạn 10/11/2028): Đảng ủy phường, UBND phường, ")
        assert "Trạm Y tế phường" not in missing


# --- 2. the document's particulars ------------------------------------------------------------


def test_vietnamese_date_line():
    assert services.vietnamese_date_line("Bắc Kạn", date(2026, 6, 5)) == "Bắc Kạn, ngày 05 tháng 6 năm 2026"
    assert services.vietnamese_date_line("Bắc Kạn", date(2026, 2, 14)) == "Bắc Kạn, ngày 14 tháng 02 năm 2026"
    assert services.vietnamese_date_line("Bắc Kạn", date(2026, 1, 31)) == "Bắc Kạn, ngày 31 tháng 01 năm 2026"
    assert services.vietnamese_date_line("Bắc Kạn", date(2026, 3, 1)) == "Bắc Kạn, ngày 01 tháng 3 năm 2026"
    assert services.vietnamese_date_line("Bắc Kạn", date(2026, 11, 15)) == "Bắc Kạn, ngày 15 tháng 11 năm 2026"
    assert services.vietnamese_date_line("Bắc Kạn", date(2026, 12, 9)) == "Bắc Kạn, ngày 09 tháng 12 năm 2026"


def test_issuing_body_lines(plan):
    assert services.issuing_body_lines(plan) == VI["issuer"]


BAC_KAN_RECIPIENTS = [
    "UBND tỉnh Thái Nguyên (b/c)",
    "TT Đảng ủy, HĐND phường (b/c)",
    "Lãnh đạo UBND phường",
    "Các thành viên BCĐ phường",
    "Lưu: VT, XDNNMT",
]


def test_default_recipients_of_the_bac_kan_plan(plan):
    """Phường Bắc Kạn, Tỉnh Thái Nguyên: the province, the ward's bodies, and the plan's archive line."""
    assert services.default_recipients(plan) == BAC_KAN_RECIPIENTS


def another_ward(
    name: str = "Xã Yên Phong",
    province: str | None = "Tỉnh Bắc Ninh",
    issuer: str = "UBND xã Yên Phong",
    recipients: tuple[str, ...] = ("TT Đảng ủy, HĐND xã", "Lưu: VT, VHXH"),
):
    """A second ward with a plan of its own (no tasks) and its six-month period of 2026."""
    from tracker.periods.models import ReportingPeriod
    from tracker.plan.models import Plan
    from tracker.wards.models import Ward

    ward = Ward(code="yen-phong", name=name, province=province)
    other = Plan(
        ward=ward,
        code="KH-GNBV-YP",
        title="Kế hoạch giảm nghèo bền vững xã Yên Phong",
        issuer=issuer,
        start_year=2026,
        end_year=2030,
        recipients=list(recipients),
        signature={"on_behalf": "TM. ỦY BAN NHÂN DÂN", "authority": "CHỦ TỊCH", "name": "Nguyễn Văn A"},
    )
    period = ReportingPeriod(
        plan=other,
        kind="six_month",
        year=2026,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
        unit_deadline=date(2026, 6, 5),
        ward_deadline=date(2026, 6, 10),
    )
    db.session.add_all([ward, other, period])
    db.session.flush()
    return other, period


def test_default_recipients_of_another_ward(app, plan):
    other, period = another_ward()
    expected = [
        "UBND tỉnh Bắc Ninh (b/c)",
        "TT Đảng ủy, HĐND xã (b/c)",
        "Lãnh đạo UBND xã",
        "Các thành viên BCĐ xã",
        "Lưu: VT, VHXH",
    ]
    assert services.default_recipients(other) == expected
    draft = services.get_or_start(other, period, TODAY, at("2026-06-08"))
    assert draft.recipients == expected
    assert draft.place == "Yên Phong"
    for wrong in ("Thái Nguyên", "Bắc Kạn", "phường", "XDNNMT"):
        assert not any(wrong in line for line in draft.recipients), wrong
    # The Bắc Kạn plan's own draft is unchanged by the other ward.
    assert services.default_recipients(plan) == BAC_KAN_RECIPIENTS


@pytest.mark.parametrize(
    "name, province, issuer, expected",
    [
        # No province on record: no line for it; no archive line in the plan: the decree's "Lưu: VT".
        (
            "Phường Sông Cầu",
            None,
            "UBND phường Sông Cầu",
            ["TT Đảng ủy, HĐND phường (b/c)", "Lãnh đạo UBND phường", "Các thành viên BCĐ phường", "Lưu: VT"],
        ),
        (
            "Thị trấn Chợ Rã",
            "Thành phố Hải Phòng",
            "ỦY BAN NHÂN DÂN THỊ TRẤN CHỢ RÃ",
            [
                "UBND thành phố Hải Phòng (b/c)",
                "TT Đảng ủy, HĐND thị trấn (b/c)",
                "Lãnh đạo UBND thị trấn",
                "Các thành viên BCĐ thị trấn",
                "Lưu: VT",
            ],
        ),
        # The ward's name without its level: the plan's issuer says it.
        (
            "Yên Phong",
            "Tỉnh Bắc Ninh",
            "UBND xã Yên Phong",
            [
                "UBND tỉnh Bắc Ninh (b/c)",
                "TT Đảng ủy, HĐND xã (b/c)",
                "Lãnh đạo UBND xã",
                "Các thành viên BCĐ xã",
                "Lưu: VT",
            ],
        ),
    ],
)
def test_default_recipients_follow_the_wards_records(app, name, province, issuer, expected):
    other, _period = another_ward(name, province, issuer, recipients=())
    assert services.default_recipients(other) == expected


def test_another_wards_docx_names_its_own_bodies(app, plan):
    other, period = another_ward()
    create_user("thuongtruc.yp", PASSWORD, "Thường trực Yên Phong", ["secretariat"], ward=other.ward)
    db.session.commit()
    document = open_docx(sign_in_as(app, "thuongtruc.yp"), other, period)
    assert cell_lines(document.tables[0].cell(0, 0)) == ["ỦY BAN NHÂN DÂN", "XÃ YÊN PHONG"]
    left = cell_lines(document.tables[-1].cell(0, 0))
    assert left == [
        VI["recipients"],
        "- UBND tỉnh Bắc Ninh (b/c);",
        "- TT Đảng ủy, HĐND xã (b/c);",
        "- Lãnh đạo UBND xã;",
        "- Các thành viên BCĐ xã;",
        "- Lưu: VT, VHXH.",
    ]
    whole = "\n".join(p.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs)
    assert "Thái Nguyên" not in whole and "Bắc Kạn" not in whole


# --- 3. the draft -----------------------------------------------------------------------------


@pytest.fixture
def drafted(june, app, plan):
    """A draft that already exists (started by the service, as the view would on its first save)."""
    services.get_or_start(plan, june["period"], TODAY, at("2026-06-08"))
    db.session.commit()
    return june


def test_reading_the_page_does_not_create_the_draft(june, app, plan):
    period = june["period"]
    html = signed_in(app, "secretariat").get(edit_url(plan, period)).get_data(as_text=True)
    # The fresh draft proposes the standard subject, today's date and a summary of the figures
    # (the counts of the module's docstring).
    assert textarea(html, "title") == STANDARD_SUBJECT
    assert input_value(html, "report_date") == "08/06/2026"
    assert textarea(html, "situation") == (
        "Phường đã triển khai 45 nhiệm vụ của Kế hoạch: 1 nhiệm vụ hoàn thành, 12 nhiệm vụ đang thực hiện trong hạn, "
        "1 nhiệm vụ đang thực hiện quá hạn, 31 nhiệm vụ chưa thực hiện."
    )
    # What the page will compile: the accepted reports' tasks, the units that did not send, the one late.
    assert (
        f"{len(ACCEPTED)} nhiệm vụ đã có báo cáo được chấp nhận · {len(MISSING)} đơn vị chưa báo cáo · 1 đơn vị gửi báo cáo chậm"
        in plain(html)
    )
    # The accepted proposals are gathered for section VII, in the plan's order, each under the
    # name of the unit that leads the task (no internal task code).
    assert (
        textarea(html, "proposals")
        == "- Phòng Văn hóa – Xã hội: Bổ sung kinh phí đào tạo nghề.\n- Trạm Y tế phường: Đề nghị BHXH hỗ trợ rà soát."
    )
    # The signer the plan file names, for the secretariat to change.
    assert [input_value(html, f"sign_{key}") for key in ("on_behalf", "authority", "title", "name")] == SIGNATURE
    assert db.session.scalar(select(WardReport)) is None


def test_secretariat_saves_the_first_draft_from_the_page(june, app, plan):
    client = signed_in(app, "secretariat")
    response = save_narrative(client, plan, june["period"])
    assert response.status_code == 302
    saved = db.session.scalar(select(WardReport))
    assert saved.number == "12/BC-UBND" and saved.narrative["situation"] == NARRATIVE["situation"]


def test_secretariat_edits_and_saves_the_draft(drafted, app, plan):
    period = drafted["period"]
    client = signed_in(app, "secretariat")
    response = save_narrative(client, plan, period)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert VI["saved"] in plain(html)
    for name in ("title", "situation", "assessment", "next_tasks", "proposals", "recipients"):
        assert textarea(html, name) == NARRATIVE[name], name
    assert input_value(html, "number") == "12/BC-UBND"
    assert input_value(html, "report_date") == "05/06/2026"
    saved = db.session.scalar(select(WardReport))
    assert saved.number == "12/BC-UBND" and saved.report_date == date(2026, 6, 5)
    assert saved.title == NARRATIVE["title"]
    assert saved.narrative["assessment"] == NARRATIVE["assessment"]
    assert saved.recipients == ["UBND tỉnh Thái Nguyên (b/c)", "TT Đảng ủy, HĐND phường (b/c)", "Lưu: VT, XDNNMT"]

    # And saved again from the page as it now stands.
    response = save_narrative(client, plan, period, next_tasks="Tiếp tục rà soát.\nHoàn thành hỗ trợ nhà ở.")
    assert response.status_code == 302
    assert (
        db.session.scalar(select(WardReport)).narrative["next_tasks"] == "Tiếp tục rà soát.\nHoàn thành hỗ trợ nhà ở."
    )


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("5/6/2026", date(2026, 6, 5)),
        ("05-06-2026", date(2026, 6, 5)),
        ("2026-06-05", date(2026, 6, 5)),
        ("14.2.2026", date(2026, 2, 14)),
    ],
)
def test_the_report_date_is_typed_day_month_year(drafted, app, plan, typed, expected):
    client = signed_in(app, "secretariat")
    response = save_narrative(client, plan, drafted["period"], report_date=typed)
    assert response.status_code == 302
    assert db.session.scalar(select(WardReport)).report_date == expected
    assert input_value(
        client.get(edit_url(plan, drafted["period"])).get_data(as_text=True), "report_date"
    ) == expected.strftime("%d/%m/%Y")


@pytest.mark.parametrize(
    "typed, message",
    [
        ("31/02/2026", "31/02/2026 không phải là ngày có thật."),
        ("05/06/26", "Ghi năm đủ 4 chữ số, ví dụ 05/06/2026."),
        ("ngày mai", "Ghi ngày theo dạng ngày/tháng/năm, ví dụ 05/06/2026."),
    ],
)
def test_a_wrong_report_date_is_refused_next_to_the_field(drafted, app, plan, typed, message):
    client = signed_in(app, "secretariat")
    before = database_snapshot()
    response = save_narrative(client, plan, drafted["period"], report_date=typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<div id="report_date-error"[^>]*>(.*?)</div>', html, re.S)
    assert error and plain(error.group(1)) == message
    assert input_value(html, "report_date") == typed  # what was typed stays in the field
    assert textarea(html, "situation") == NARRATIVE["situation"]
    assert database_snapshot() == before


def test_the_secretariat_sets_the_signer(drafted, app, plan):
    """The plan file gives the signer; for this report the Chairman signs himself."""
    client = signed_in(app, "secretariat")
    signer = {
        "sign_on_behalf": "TM. ỦY BAN NHÂN DÂN",
        "sign_authority": "CHỦ TỊCH",
        "sign_title": "",
        "sign_name": "Hoàng Văn Bình",
    }
    assert save_narrative(client, plan, drafted["period"], **signer).status_code == 302
    html = client.get(edit_url(plan, drafted["period"])).get_data(as_text=True)
    assert {name: input_value(html, name) for name in signer} == signer
    document = open_docx(client, plan, drafted["period"])
    assert cell_lines(document.tables[-1].cell(0, 1)) == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Hoàng Văn Bình"]
    text = plain(client.get(edit_url(plan, drafted["period"]) + "/print").get_data(as_text=True))
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH Hoàng Văn Bình" in text
    assert "Nông Thị Thanh Nga" not in text and "PHÓ CHỦ TỊCH" not in text


@pytest.mark.parametrize("role", ["committee", "chair"])
def test_committee_and_chair_read_and_export_but_cannot_save(june, app, plan, role):
    period = june["period"]
    client = signed_in(app, role)
    assert client.get(f"/plans/{plan.id}/ward-reports/").status_code == 200
    html = client.get(edit_url(plan, period)).get_data(as_text=True)
    assert "Chỉ cơ quan thường trực chỉnh sửa nội dung; bạn có thể xem và tải báo cáo." in plain(html)
    assert "<textarea" not in html
    for suffix in ("/report.docx", "/report.xlsx", "/print"):
        assert client.get(edit_url(plan, period) + suffix).status_code == 200, suffix
    before = database_snapshot()
    response = client.post(edit_url(plan, period), data={**NARRATIVE, "version": "1"})
    assert response.status_code == 403
    assert database_snapshot() == before


@pytest.mark.parametrize("role", ["officer", "officer_yte"])
def test_officers_are_refused_everywhere(june, app, plan, role):
    period = june["period"]
    client = signed_in(app, role)
    for url in (
        f"/plans/{plan.id}/ward-reports/",
        edit_url(plan, period),
        edit_url(plan, period) + "/report.docx",
        edit_url(plan, period) + "/report.xlsx",
        edit_url(plan, period) + "/print",
    ):
        assert client.get(url).status_code == 403, url
    before = database_snapshot()
    assert client.post(edit_url(plan, period), data={**NARRATIVE, "version": "1"}).status_code == 403
    assert database_snapshot() == before


def test_an_empty_subject_is_refused_and_the_text_kept(drafted, app, plan):
    period = drafted["period"]
    client = signed_in(app, "secretariat")
    before = database_snapshot()
    response = save_narrative(client, plan, period, title="   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<div id="title-error"[^>]*>(.*?)</div>', html, re.S)
    assert error and plain(error.group(1)) == VI["no_subject"]
    assert textarea(html, "situation") == NARRATIVE["situation"]
    assert textarea(html, "assessment") == NARRATIVE["assessment"]
    assert input_value(html, "number") == "12/BC-UBND"
    assert database_snapshot() == before


def second_secretariat(plan):
    from tracker.accounts.models import User

    first = db.session.scalar(select(User).where(User.username == "thuongtruc"))
    create_user("thuongtruc2", PASSWORD, "Thuongtruc Hai", ["secretariat"], ward=first.ward, unit=first.unit)
    db.session.commit()


def sign_in_as(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_two_secretariat_members_saving_from_the_same_version(drafted, app, plan):
    period = drafted["period"]
    second_secretariat(plan)
    first, second = sign_in_as(app, "thuongtruc"), sign_in_as(app, "thuongtruc2")
    assert save_narrative(first, plan, period).status_code == 302

    # Both open the saved draft...
    form_one = draft_form(first.get(edit_url(plan, period)).get_data(as_text=True))
    form_two = draft_form(second.get(edit_url(plan, period)).get_data(as_text=True))
    assert form_one["version"] == form_two["version"]
    # ... the first saves ...
    form_one["assessment"] = "Đánh giá của người thứ nhất."
    assert first.post(edit_url(plan, period), data=form_one).status_code == 302
    # ... and the second is told, with its text still in the form.
    form_two["assessment"] = "Đánh giá của người thứ hai."
    response = second.post(edit_url(plan, period), data=form_two)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert VI["someone_else"] in plain(html)
    assert textarea(html, "assessment") == "Đánh giá của người thứ hai."
    assert db.session.scalar(select(WardReport)).narrative["assessment"] == "Đánh giá của người thứ nhất."


def test_two_secretariat_members_starting_the_draft_at_once(june, app, plan):
    """Nobody has saved the draft yet; both open the fresh draft and save. The second must not
    silently overwrite the first."""
    period = june["period"]
    second_secretariat(plan)
    first, second = sign_in_as(app, "thuongtruc"), sign_in_as(app, "thuongtruc2")
    form_one = draft_form(first.get(edit_url(plan, period)).get_data(as_text=True))
    form_two = draft_form(second.get(edit_url(plan, period)).get_data(as_text=True))
    form_one.update(NARRATIVE, assessment="Đánh giá của người thứ nhất.")
    form_two.update(NARRATIVE, assessment="Đánh giá của người thứ hai.")
    assert first.post(edit_url(plan, period), data=form_one).status_code == 302
    response = second.post(edit_url(plan, period), data=form_two)
    assert response.status_code == 409
    assert textarea(response.get_data(as_text=True), "assessment") == "Đánh giá của người thứ hai."
    assert db.session.scalar(select(WardReport)).narrative["assessment"] == "Đánh giá của người thứ nhất."


# --- 4. the DOCX ------------------------------------------------------------------------------


@pytest.fixture
def saved_report(drafted, app, plan):
    client = signed_in(app, "secretariat")
    assert save_narrative(client, plan, drafted["period"]).status_code == 302
    return client


def open_docx(client, plan, period):
    response = client.get(edit_url(plan, period) + "/report.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in response.headers["Content-Disposition"]
    return docx.Document(io.BytesIO(response.get_data()))


def cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text.strip()]


def test_docx_is_an_a4_administrative_report(saved_report, june, plan):
    document = open_docx(saved_report, plan, june["period"])
    page = document.sections[0]
    assert abs(page.page_width.cm - 21) < 0.3 and abs(page.page_height.cm - 29.7) < 0.3
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14
    body_runs = [run for p in document.paragraphs for run in p.runs if run.text.strip()]
    assert body_runs
    for run in body_runs:
        assert (run.font.name or normal.name) == "Times New Roman", run.text
        assert 13 <= (run.font.size or normal.size).pt <= 14, run.text
    # Vietnamese for the spelling checker, and properties that name the ward's committee, the
    # subject and the day it was saved (09:00 on 08/06 in the ward: 02:00 UTC, as DOCX keeps it).
    languages = document.styles["Normal"].element.xpath("./w:rPr/w:lang/@w:val")
    assert languages == ["vi-VN"]
    properties = document.core_properties
    assert (properties.author, properties.title, properties.language) == (plan.issuer, NARRATIVE["title"], "vi-VN")
    assert plan.issuer == "UBND phường Bắc Kạn"
    assert properties.created.replace(tzinfo=None) == datetime(2026, 6, 8, 2, 0)


def test_docx_header_subject_and_sections(saved_report, june, plan):
    document = open_docx(saved_report, plan, june["period"])
    header = document.tables[0]
    assert cell_lines(header.cell(0, 0)) == VI["issuer"]
    assert cell_lines(header.cell(1, 0)) == ["Số: 12/BC-UBND"]
    assert cell_lines(header.cell(0, 1)) == [VI["nation"], VI["motto"]]
    assert cell_lines(header.cell(1, 1)) == ["Bắc Kạn, ngày 05 tháng 6 năm 2026"]

    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    start = paragraphs.index(VI["report"])
    assert paragraphs[start + 1] == NARRATIVE["title"]
    positions = [paragraphs.index(title) for title in SECTIONS]
    assert positions == sorted(positions) and positions[0] > start
    # The narrative sits under its section, one paragraph per line.
    assert paragraphs[positions[0] + 1 : positions[1]] == NARRATIVE["situation"].split("\n")
    assert paragraphs[positions[4] + 1 : positions[5]] == NARRATIVE["assessment"].split("\n")
    assert paragraphs[positions[5] + 1 : positions[6]] == [NARRATIVE["next_tasks"]]
    assert paragraphs[positions[6] + 1 :] == [NARRATIVE["proposals"]]
    # Section II: the status count, then the task table (a table, not paragraphs), then one line
    # for the tasks no accepted report speaks of.
    assert paragraphs[positions[1] + 1 : positions[2]] == [
        "1. Tình hình thực hiện 45 nhiệm vụ tính đến ngày 08/06/2026",
        "2. Kết quả thực hiện từng nhiệm vụ",
        UNREPORTED_LINE,
    ]
    # Section IV: one line for the units that did not send their report, one for the one that sent late.
    late_units = paragraphs[positions[3] + 1 : positions[4]]
    assert late_units[0] == MISSING_LINE
    assert late_units[1].startswith("- Gửi báo cáo chậm: Phòng Kinh tế (") and late_units[1].endswith("06/06/2026).")
    assert len(late_units) == 2


def test_docx_status_count_table(saved_report, june, plan):
    document = open_docx(saved_report, plan, june["period"])
    table = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == ["Trạng thái", "Nhiệm vụ"])
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == [
        ["Chưa thực hiện", "31"],
        ["Đang thực hiện trong hạn", "12"],
        ["Đang thực hiện quá hạn", "1"],
        ["Hoàn thành đúng hạn", "1"],
        ["Hoàn thành quá hạn", "0"],
    ]


def test_docx_leaves_out_empty_sections_and_numbers_the_rest(drafted, app, plan):
    """No assessment and no next tasks written: those headings are left out and the sections
    after them are numbered on (the proposals become V)."""
    client = signed_in(app, "secretariat")
    assert save_narrative(client, plan, drafted["period"], assessment="", next_tasks="  ").status_code == 302
    paragraphs = [p.text for p in open_docx(client, plan, drafted["period"]).paragraphs if p.text.strip()]
    keys = ["situation", "tasks", "indicators", "units", "proposals"]
    expected = [f"{number}. {TITLES[key]}" for number, key in zip(ROMAN, keys)]
    assert [p for p in paragraphs if re.match(r"^[IVX]+\. ", p)] == expected
    assert paragraphs[paragraphs.index(expected[-1]) + 1] == NARRATIVE["proposals"]
    assert not any(TITLES["assessment"] in p or TITLES["next_tasks"] in p for p in paragraphs)
    text = plain(client.get(edit_url(plan, drafted["period"]) + "/print").get_data(as_text=True))
    positions = [text.index(heading) for heading in expected]
    assert positions == sorted(positions)
    assert TITLES["assessment"] not in text and TITLES["next_tasks"] not in text


def test_docx_task_table_quotes_accepted_results(saved_report, june, plan, task_of):
    """Only the tasks an accepted report speaks of, numbered 1, 2, ... in the plan's order, named by
    their title (no internal code), with the status in words."""
    document = open_docx(saved_report, plan, june["period"])
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "TT" and len(t.columns) == 5)
    assert [c.text for c in table.rows[0].cells] == [
        "TT",
        "Nhiệm vụ",
        "Đơn vị chủ trì",
        "Trạng thái",
        "Kết quả, khó khăn, đề xuất",
    ]
    reported = [code for code in LEADS if code in ACCEPTED]
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [row[0] for row in body] == [str(n) for n in range(1, len(reported) + 1)]
    assert [row[1] for row in body] == [task_of(code).title for code in reported]
    rows = dict(zip(reported, body))
    assert not any(re.search(r"\b(IV|VI)\.\d", row[1]) for row in body)
    iv43 = rows["IV.4.3"]
    assert iv43[2:4] == ["Trạm Y tế phường", "Đang thực hiện trong hạn"]  # in words, no percent
    assert iv43[4] == "\n".join(
        ["Kết quả: " + ACCEPTED["IV.4.3"][0], "Khó khăn: " + ACCEPTED["IV.4.3"][1], "Đề xuất: " + ACCEPTED["IV.4.3"][2]]
    )
    assert rows["IV.4.2"][3] == "Hoàn thành đúng hạn"
    # VI.2.1, past its own due date (31/05), though its report was accepted.
    assert rows["VI.2.1"][2:4] == ["Phòng Kinh tế", "Đang thực hiện quá hạn"]
    assert rows["VI.2.1"][4] == "Kết quả: " + ACCEPTED["VI.2.1"][0]
    # Phòng Văn hóa – Xã hội's report, accepted: each section in its task's row, the tasks under way.
    assert rows["IV.8"][2:] == [
        "Phòng Văn hóa – Xã hội, Phòng Xây dựng, Nông nghiệp và Môi trường",
        "Đang thực hiện trong hạn",
        "Kết quả: " + ACCEPTED["IV.8"][0] + "\nKhó khăn: " + ACCEPTED["IV.8"][1],
    ]
    assert rows["VI.3.4"][3:] == ["Đang thực hiện trong hạn", "Kết quả: " + ACCEPTED["VI.3.4"][0]]
    assert not any("%" in row[3] for row in body)
    # The returned report (both its sections), the one waiting and the units that never sent are
    # not in the table: one line after it counts them.
    whole = "\n".join(c.text for row in table.rows for c in row.cells)
    assert RETURNED_TEXT not in whole and WAITING_TEXT not in whole
    assert "Chưa phân công" not in whole
    for code in ("VI.4", "IV.4.5", "IV.7", "VI.1.1", "IV.1", "IV.10.1"):
        assert task_of(code).title not in [row[1] for row in body], code
    paragraphs = [p.text for p in document.paragraphs]
    assert UNREPORTED_LINE in paragraphs


def test_docx_task_table_when_no_report_is_accepted_yet(app, plan, period_of):
    """Before any unit's report is accepted there is no task table, only a line that says so."""
    app.config["FROZEN_NOW"] = JUNE_8
    period = period_of("six_month", 2026)
    document = open_docx(signed_in(app, "secretariat"), plan, period)
    assert not any(t.rows[0].cells[0].text == "TT" for t in document.tables)
    paragraphs = [p.text for p in document.paragraphs]
    assert (
        "Chưa có báo cáo nào của các đơn vị trong kỳ được chấp nhận: 45 nhiệm vụ được tổng hợp theo tình trạng ở trên."
        in paragraphs
    )


def test_docx_indicator_table(saved_report, june, plan):
    """The figures entered for the period beside the plan's 2026 targets, each with its unit of measure."""
    document = open_docx(saved_report, plan, june["period"])
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Chỉ tiêu")
    assert [c.text for c in table.rows[0].cells] == [
        "Chỉ tiêu",
        "Đơn vị tính",
        "Kế hoạch",
        "Thực hiện",
        "Chênh lệch",
        "Nguồn số liệu",
    ]
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}
    # 22 households to leave poverty in 2026 (III.4), 9 so far: 13 short.
    assert rows["Số hộ nghèo cần giảm"] == ["hộ", "22", "9", "-13", "Rà soát 6 tháng"]
    # 55 poor households of 6.340: 0,87%; the rate has no 2026 target.
    assert rows["Tỷ lệ hộ nghèo"] == ["%", "—", "0,87%", "—", ""]
    assert rows["Trẻ em thuộc hộ nghèo, hộ cận nghèo đi học đúng độ tuổi"] == [
        "%",
        "—",
        "95,31%",
        "—",
        "Số liệu các trường",
    ]
    # Latrines: 7 x 6 = 42 million planned, 18 spent so far.
    assert rows["Kinh phí hỗ trợ nhà tiêu hợp vệ sinh"] == ["triệu đồng", "42", "18", "-24", "Phòng Kinh tế"]


def test_docx_closing_recipients_and_signature(saved_report, june, plan):
    document = open_docx(saved_report, plan, june["period"])
    closing = document.tables[-1]
    left, right = cell_lines(closing.cell(0, 0)), cell_lines(closing.cell(0, 1))
    assert left == [
        VI["recipients"],
        "- UBND tỉnh Thái Nguyên (b/c);",
        "- TT Đảng ủy, HĐND phường (b/c);",
        "- Lưu: VT, XDNNMT.",
    ]
    assert right == SIGNATURE


def field_codes(part) -> list[str]:
    """The field instructions (PAGE, ...) in a header or footer, simple or complex fields."""
    element = part._element
    codes = [t.text.strip() for t in element.iter(docx.oxml.ns.qn("w:instrText"))]
    codes += [f.get(docx.oxml.ns.qn("w:instr")).strip() for f in element.iter(docx.oxml.ns.qn("w:fldSimple"))]
    return codes


def test_docx_page_numbers_from_the_second_page(saved_report, june, plan):
    """Nghị định 30/2020/NĐ-CP: the page number centred at the top, from the second page on."""
    document = open_docx(saved_report, plan, june["period"])
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert field_codes(section.header) == ["PAGE"]
    numbered = next(p for p in section.header.paragraphs if p._p.xpath(".//w:instrText"))
    assert numbered.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    # The first page has a header of its own, with no number.
    assert not section.first_page_header.is_linked_to_previous
    assert field_codes(section.first_page_header) == []
    assert not any(p.text.strip() for p in section.first_page_header.paragraphs)


def rule_length(cell, paragraph) -> float:
    """The length (cm) of the bottom border drawn by an empty paragraph between its indents."""
    fmt = paragraph.paragraph_format
    return cell.width.cm - 0.38 - (fmt.left_indent or 0) / 360000 - (fmt.right_indent or 0) / 360000


def has_bottom_rule(paragraph) -> bool:
    return bool(paragraph._p.xpath("./w:pPr/w:pBdr/w:bottom[@w:val='single']"))


def test_docx_header_has_the_short_rules(saved_report, june, plan):
    """A short rule under the issuing body's name, and one as long as the motto under it; the motto
    itself is not underlined."""
    header = open_docx(saved_report, plan, june["period"]).tables[0]
    for cell, last_line, shortest, longest in (
        (header.cell(0, 0), VI["issuer"][-1], 0.8, 2.5),
        (header.cell(0, 1), VI["motto"], 5, 6.5),
    ):
        paragraphs = cell.paragraphs
        rules = [i for i, p in enumerate(paragraphs) if has_bottom_rule(p)]
        assert len(rules) == 1, cell_lines(cell)
        rule = paragraphs[rules[0]]
        assert not rule.text.strip()
        assert paragraphs[rules[0] - 1].text == last_line
        assert rule.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
        assert rule.paragraph_format.left_indent == rule.paragraph_format.right_indent  # centred
        assert shortest <= rule_length(cell, rule) <= longest, rule_length(cell, rule)
    motto = next(p for p in header.cell(0, 1).paragraphs if p.text == VI["motto"])
    assert not any(run.underline for run in motto.runs)


# --- 5. the XLSX ------------------------------------------------------------------------------


def open_xlsx(client, plan, period):
    response = client.get(edit_url(plan, period) + "/report.xlsx")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


HEADER_ROW = 5  # under the title block: ward, plan, subject as of the day, a blank row


def sheet_rows(sheet) -> list[list]:
    """The header row and the data under it."""
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=HEADER_ROW)]


def data_rows(sheet):
    return sheet.iter_rows(min_row=HEADER_ROW + 1)


def test_xlsx_sheets_have_the_title_block_and_print_setup(saved_report, june, plan):
    workbook = open_xlsx(saved_report, plan, june["period"])
    for sheet in workbook.worksheets:
        title = [row[0].value for row in sheet.iter_rows(max_row=HEADER_ROW - 1)]
        assert title == [plan.ward.name, plan.title, f"{STANDARD_SUBJECT}, tính đến ngày 08/06/2026", None], sheet.title
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
        assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.fitToWidth) == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert all(cell.font.b for cell in sheet[HEADER_ROW])
        widths = [sheet.column_dimensions[get_column_letter(i)].width for i in range(1, sheet.max_column + 1)]
        assert all(8 <= w <= 50 for w in widths) and sum(widths) <= 172, (sheet.title, widths)
        # A row of wrapped text is as tall as its longest text needs.
        for row in data_rows(sheet):
            longest = max(
                (math.ceil(len(c.value) / widths[c.column - 1]) for c in row if isinstance(c.value, str) and c.value),
                default=1,
            )
            if longest > 1:
                assert (sheet.row_dimensions[row[0].row].height or 15) >= 15 * longest, (sheet.title, row[0].row)


def test_xlsx_sheets_and_values(saved_report, june, plan):
    workbook = open_xlsx(saved_report, plan, june["period"])
    assert workbook.sheetnames == ["Nhiệm vụ", "Chỉ tiêu", "Báo cáo theo đơn vị"]

    tasks = sheet_rows(workbook["Nhiệm vụ"])
    assert tasks[0] == [
        "Mã",
        "Nhiệm vụ",
        "Đơn vị chủ trì",
        "Trạng thái",
        "Tiến độ (%)",
        "Kết quả",
        "Khó khăn, vướng mắc",
        "Đề xuất, kiến nghị",
    ]
    by_code = {row[0]: row for row in tasks[1:]}
    assert list(by_code) == list(LEADS)
    assert by_code["IV.4.3"][2:] == ["Trạm Y tế phường", "Đang thực hiện trong hạn", 50, *ACCEPTED["IV.4.3"]]
    assert by_code["IV.4.2"][3:5] == ["Hoàn thành đúng hạn", 100]
    assert by_code["VI.2.1"][3:6] == ["Đang thực hiện quá hạn", 0, ACCEPTED["VI.2.1"][0]]
    assert by_code["VI.6"][3:6] == ["Đang thực hiện trong hạn", 0, ACCEPTED["VI.6"][0]]
    # Đảng ủy never sent its report: late with it, but IV.1 is continuous and so not overdue.
    assert by_code["IV.1"][3] == "Chưa thực hiện"
    assert by_code["IV.10.1"][2:4] == ["Chưa phân công", "Chưa thực hiện"]
    assert by_code["VI.4"][5] in (None, "")

    indicators = {row[0]: row for row in sheet_rows(workbook["Chỉ tiêu"])}
    assert indicators["Chỉ tiêu"] == [
        "Chỉ tiêu",
        "Đơn vị tính",
        "Kế hoạch",
        "Thực hiện",
        "Chênh lệch",
        "Số đạt được",
        "Trên tổng số",
        "Nguồn số liệu",
    ]
    leaving = indicators["Số hộ nghèo cần giảm"]
    assert leaving[1:5] == ["hộ", 22, 9, -13] and leaving[7] == "Rà soát 6 tháng"
    school = indicators["Trẻ em thuộc hộ nghèo, hộ cận nghèo đi học đúng độ tuổi"]
    assert school[3] == pytest.approx(95.31) and school[5:7] == [61, 64]
    assert indicators["Tỷ lệ hộ nghèo"][3] == pytest.approx(0.87)
    for row in (leaving, school):
        for value in row[2:7]:
            assert value is None or value == "" or isinstance(value, (int, float)), row

    by_unit = sheet_rows(workbook["Báo cáo theo đơn vị"])
    assert by_unit[0] == ["Đơn vị", "Số nhiệm vụ trong báo cáo", "Báo cáo", "Ngày gửi lần đầu", "Số ngày chậm"]
    # One row per unit that owes the report, in the units' order.
    names = [row[0] for row in by_unit[1:]]
    assert len(names) == len(set(names)) == 12
    assert [name for name in names if name in {n for _c, n, _t in MISSING}] == [name for _code, name, _tasks in MISSING]
    units = {row[0]: row for row in by_unit[1:]}
    assert units["Phòng Xây dựng, Nông nghiệp và Môi trường"][1:] == [
        9,
        "Đã nộp, chờ xem xét",
        datetime(2026, 6, 4),
        None,
    ]
    assert units["Phòng Văn hóa – Xã hội"][1:] == [9, "Đã chấp nhận", datetime(2026, 6, 5), None]  # 23:30 in the ward
    assert units["Văn phòng HĐND-UBND phường"][1:] == [2, "Bị trả lại", datetime(2026, 6, 4), None]
    assert units["Phòng Kinh tế"][1:] == [2, "Đã chấp nhận", datetime(2026, 6, 6), 1]
    assert units["Ủy ban MTTQ Việt Nam phường"][1:] == [5, "Chưa lập", None, 3]
    assert units["Đảng ủy phường"][1:] == [1, "Chưa lập", None, 3]


WHOLE, FRACTIONAL = "#,##0", "#,##0.0#"
PERCENT_WHOLE, PERCENT_FRACTIONAL = '#,##0"%"', '#,##0.0#"%"'


def test_xlsx_number_formats_follow_each_figure(saved_report, june, plan):
    """Whole figures show no stray decimal point ("22", not "22."); figures with decimals show them."""
    workbook = open_xlsx(saved_report, plan, june["period"])
    tasks = {row[0].value: row for row in data_rows(workbook["Nhiệm vụ"])}
    assert (tasks["IV.4.3"][4].value, tasks["IV.4.3"][4].number_format) == (50, WHOLE)
    indicators = {row[0].value: row for row in data_rows(workbook["Chỉ tiêu"])}
    leaving = indicators["Số hộ nghèo cần giảm"]
    assert [(c.value, c.number_format) for c in leaving[2:5]] == [(22, WHOLE), (9, WHOLE), (-13, WHOLE)]
    school = indicators["Trẻ em thuộc hộ nghèo, hộ cận nghèo đi học đúng độ tuổi"]
    assert school[3].number_format == PERCENT_FRACTIONAL and school[3].value == pytest.approx(95.31)
    assert [c.number_format for c in school[5:7]] == [WHOLE, WHOLE]
    rate = indicators["Tỷ lệ hộ nghèo"]
    assert (rate[3].value, rate[3].number_format) == (pytest.approx(0.87), PERCENT_FRACTIONAL)
    for sheet in workbook.worksheets:
        for row in data_rows(sheet):
            for cell in row:
                if isinstance(cell.value, (int, float)):
                    assert ".##" not in cell.number_format, (sheet.title, cell.coordinate)
                    if float(cell.value).is_integer():
                        assert cell.number_format in (WHOLE, PERCENT_WHOLE), (
                            sheet.title,
                            cell.coordinate,
                            cell.number_format,
                        )
                    else:
                        assert cell.number_format in (FRACTIONAL, PERCENT_FRACTIONAL), (
                            sheet.title,
                            cell.coordinate,
                            cell.number_format,
                        )


FORMULAS = {"VI.1.1": '=HYPERLINK("http://example.com","Xem")', "VI.1.2": "+1", "VI.1.3": "-2", "VI.1.4": "@SUM(A1)"}


def test_xlsx_never_runs_user_text_as_a_formula(june, app, plan, user_of):
    """A unit writes results that a spreadsheet would run as a formula; once its report is
    accepted, they are exported exactly as written, in cells typed as text: never a formula."""
    period, secretariat = june["period"], Actor.for_user(user_of("secretariat"))
    report = june["sent"]["phong-xd-nn-mt"]
    reports.return_for_changes(secretariat, report, "Viết lại", at("2026-06-07"))
    texts = dict(
        FORMULAS, **{"VI.1.1": (FORMULAS["VI.1.1"], "=1+2", None), "VI.1.2": (FORMULAS["VI.1.2"], None, "-cmd")}
    )
    send(period, "phong-xd-nn-mt", at("2026-06-07", "10:00"), texts)
    reports.accept(secretariat, report, at("2026-06-07", "11:00"))
    db.session.commit()

    response = signed_in(app, "chair").get(edit_url(plan, period) + "/report.xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        sheets = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert len(sheets) == 3 and not any(re.search(r"<(\w+:)?f[ >/]", xml) for xml in sheets)
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    by_code = {row[0].value: row for row in data_rows(workbook["Nhiệm vụ"])}
    for code, text in FORMULAS.items():
        cell = by_code[code][5]
        assert (cell.value, cell.data_type) == (text, "s"), code
    assert (by_code["VI.1.1"][6].value, by_code["VI.1.1"][6].data_type) == ("=1+2", "s")
    assert (by_code["VI.1.2"][7].value, by_code["VI.1.2"][7].data_type) == ("-cmd", "s")
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


# --- 6. the printable page --------------------------------------------------------------------


def test_printable_page(saved_report, june, plan):
    response = saved_report.get(edit_url(plan, june["period"]) + "/print")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    text = plain(html)
    for line in VI["issuer"] + [
        "Số: 12/BC-UBND",
        VI["nation"],
        VI["motto"],
        "Bắc Kạn, ngày 05 tháng 6 năm 2026",
        VI["report"],
        NARRATIVE["title"],
    ]:
        assert line in text, line
    positions = [text.index(title) for title in SECTIONS]
    assert positions == sorted(positions)
    assert text.index(VI["report"]) < positions[0]
    assert "Kết quả: " + ACCEPTED["IV.4.1"][0] in text
    # The task table: by title and status in words, the others in one line.
    assert (
        "Chính sách dạy nghề, tạo việc làm Phòng Văn hóa – Xã hội Đang thực hiện trong hạn Kết quả: "
        + ACCEPTED["IV.4.1"][0]
        in text
    )
    assert "Tham mưu cân đối các nguồn vốn thực hiện Kế hoạch Phòng Kinh tế Đang thực hiện quá hạn" in text
    assert positions[1] < text.index(UNREPORTED_LINE) < positions[2]
    assert not re.search(r"<td>\s*(IV|VI)\.\d", html)  # no cell names a task by its internal code
    # The indicators with their unit of measure.
    assert "Chỉ tiêu Đơn vị tính Kế hoạch Thực hiện Chênh lệch Nguồn số liệu" in text
    assert "Số hộ nghèo cần giảm hộ 22 9 -13 Rà soát 6 tháng" in text
    assert positions[3] < text.index(MISSING_LINE) < text.index("- Gửi báo cáo chậm: Phòng Kinh tế (") < positions[4]
    assert RETURNED_TEXT not in text and WAITING_TEXT not in text
    for line in SIGNATURE + [VI["recipients"]]:
        assert line in text, line
