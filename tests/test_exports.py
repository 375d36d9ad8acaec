"""CSV and XLSX downloads: the dashboard's task list with its filters, the progress updates and the
alerts. Files open in Excel with Vietnamese intact (CSV with a BOM), never run a user's text as a
formula, and the XLSX print like a report: a title block (ward, plan, what and as of when), the
header on row 5 frozen and repeated on every printed page, columns that fit, landscape A4.

The data (fixture `data`), read on 08/06/2026, after the six-month unit deadline of 05/06:
- Three tasks are given dates of their own, 01/01-31/05/2026: IV.1 (Đảng ủy), IV.4.3 (Trạm Y tế)
  and IV.6 (UBND). Every other task is continuous, except VI.3.2 (the plan's 01/01-31/12/2026).
- Phòng Văn hóa – Xã hội posts IV.4.1 60% (20/05), IV.4.2 done (21/05) and VI.3.1 blocked (03/06, 06:30
  in the ward, which is 02/06 23:30 UTC) and sends its six-month report (all nine sections) on 04/06;
  the report is not accepted yet.
- Trạm Y tế posts IV.4.3 20% (20/05) but never sends its report (IV.4.3 and VI.6).
- The chair directs Phòng Văn hóa – Xã hội on the blocked VI.3.1 (03/06, due 05/06); nobody answers.
Nobody else reports. Worked out by hand under the status rule ("quá hạn" only past a task's OWN due
date; a report not sent by 05/06 is the separate flag "chậm báo cáo"):
- in progress, overdue: IV.1, IV.4.3, IV.6, 8 days each (31/05 -> 08/06), nothing else;
- in progress, on time: IV.4.1 and VI.3.1; done on time: IV.4.2; not started: the other 39;
- report late, 3 days (05/06 -> 08/06): the 27 tasks whose lead unit owes the report and did not
  send it = 45 - the 9 of Phòng Văn hóa – Xã hội (sent) - the 9 nobody answers for; VI.6 among them,
  continuous and so not overdue.
"""

from __future__ import annotations

import csv
import html as htmllib
import io
import math
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from tests import helpers
from tests.conftest import PASSWORD
from tests.helpers import at
from tracker.accounts.services import create_user
from tracker.alerts.services import scan
from tracker.core.actor import Actor
from tracker.discussion.services import issue_directive
from tracker.exports.spreadsheets import NUMBER_FORMAT, add_sheet, csv_response, new_workbook, safe_text
from tracker.extensions import db
from tracker.progress.services import UpdateInput, post_update
from tracker.units.models import Unit
from tracker.wards.models import Ward

signed_in = helpers.signed_in


JUNE_8 = "2026-06-08T09:00:00+07:00"
BOM = b"\xef\xbb\xbf"

TASK_HEADER = [
    "Mã",
    "Nhiệm vụ",
    "Đơn vị chủ trì",
    "Trạng thái",
    "Tiến độ (%)",
    "Tiến độ dự kiến (%)",
    "Số ngày quá hạn",
    "Chậm báo cáo (ngày)",
    "Vướng mắc",
    "Lâu không cập nhật",
    "Cập nhật gần nhất",
]
UPDATE_HEADER = [
    "Thời gian",
    "Nhiệm vụ",
    "Đơn vị",
    "Vai trò",
    "Người cập nhật",
    "Tỷ lệ hoàn thành (%)",
    "Tình trạng",
    "Kết quả đạt được",
    "Khó khăn, vướng mắc",
    "Đề xuất, kiến nghị",
    "Đính chính bản cập nhật ngày",
]
ALERT_HEADER = ["Cảnh báo", "Đơn vị", "Nhiệm vụ", "Từ ngày", "Hạn", "Ngày tạo", "Đã xử lý", "Chi tiết"]

# The tasks Phòng Văn hóa – Xã hội reports on, in the plan's order: its one report covers them all.
VHXH_TASKS = ["IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
# Nobody answers for these (no lead in the plan, or a lead group without members).
UNASSIGNED = ["IV.10.1", "IV.10.2", "IV.10.3", "IV.10.4", "IV.10.5", "VI.9", "VI.12", "VI.13.1", "VI.13.2"]
# Tasks given dates of their own by the fixture, past due on 08/06.
DATED = ["IV.1", "IV.4.3", "IV.6"]
DATED_START, DATED_DUE = date(2026, 1, 1), date(2026, 5, 31)

# The XLSX title block: three lines and a blank row above the header.
HEADER_ROW = 5
AS_OF = "tính đến ngày 08/06/2026"

# User text a spreadsheet would run as a formula.
DANGEROUS = {"results": "=1+2", "difficulties": "@cmd", "proposals": '+HYPERLINK("http://example.com")'}


# --- helpers ----------------------------------------------------------------------------------


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def progress(user, task, unit_code: str, percent: int, state: str, when: datetime, **text):
    text.setdefault("results", f"Kết quả {percent}%")
    post_update(
        Actor.for_user(user), task, unit(unit_code).id, "lead", UpdateInput(percent, state, **text), files=[], now=when
    )


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_sheet(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def values(sheet, first_row: int = 1) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=first_row)]


def table(sheet) -> list[list]:
    """The header row and the data under it, below the export's title block."""
    return values(sheet, HEADER_ROW)


def data_rows(sheet):
    return sheet.iter_rows(min_row=HEADER_ROW + 1)


def title_block(sheet) -> list:
    """The first cell of each row above the header."""
    return [row[0] for row in values(sheet)[: HEADER_ROW - 1]]


def listed_tasks(html: str) -> list[str]:
    """The task codes of the dashboard's task list, in order."""
    heading = re.search(r'<span class="badge text-bg-secondary">(\d+)</span></h1>', html)
    items = html.split('<ul class="list-group">', 1)[1].split("</ul>", 1)[0]
    codes = re.findall(r'<span class="task-code">([^<]+)</span>', items)
    assert heading and int(heading.group(1)) == len(codes)
    return codes


def export_url(plan, name: str, query: str = "") -> str:
    return f"/plans/{plan.id}/exports/{name}" + (f"?{query}" if query else "")


@pytest.fixture
def data(app, plan, user_of, task_of, period_of):
    app.config["FROZEN_NOW"] = JUNE_8
    vhxh, yte = user_of("officer"), user_of("officer_yte")
    period = period_of("six_month", 2026)
    for code in DATED:
        task = task_of(code)
        task.start_on, task.due_on = DATED_START, DATED_DUE
    progress(vhxh, task_of("IV.4.1"), "phong-vh-xh", 60, "working", at("2026-05-20"))
    progress(vhxh, task_of("IV.4.2"), "phong-vh-xh", 100, "done", at("2026-05-21"))
    progress(yte, task_of("IV.4.3"), "tram-y-te", 20, "working", at("2026-05-20"))
    progress(
        vhxh,
        task_of("VI.3.1"),
        "phong-vh-xh",
        10,
        "blocked",
        at("2026-06-03", "06:30"),
        results="Chưa tổ chức được lớp tập huấn",
        difficulties="Thiếu kinh phí",
    )
    helpers.send_unit_report(vhxh, period, at("2026-06-04"))
    issue_directive(
        Actor.for_user(user_of("chair")),
        plan,
        unit("phong-vh-xh"),
        "Báo cáo phương án tháo gỡ vướng mắc",
        date(2026, 6, 5),
        at("2026-06-03"),
        task=task_of("VI.3.1"),
    )
    db.session.commit()
    return period


# --- 1. tasks.csv -----------------------------------------------------------------------------


def test_tasks_csv_has_a_bom_and_vietnamese_text(data, app, plan):
    rows = csv_rows(signed_in(app, "committee").get(export_url(plan, "tasks.csv")))
    assert rows[0] == TASK_HEADER
    assert len(rows) == 1 + 45
    by_code = {row[0]: row for row in rows[1:]}
    iv1 = by_code["IV.1"]
    assert iv1[1] == "Tăng cường công tác lãnh đạo, chỉ đạo của cấp ủy, chính quyền về công tác giảm nghèo bền vững"
    assert iv1[2] == "Đảng ủy phường"
    # Past its own due date (31/05): overdue 8 days; and its unit's report, due 05/06, is 3 days late.
    assert iv1[3] == "Đang thực hiện quá hạn"
    assert iv1[6:8] == ["8", "3"]
    # Expected 100%: its whole window (01/01-31/05) has passed.
    assert by_code["IV.4.3"][3:8] == ["Đang thực hiện quá hạn", "20", "100", "8", "3"]
    # A continuous task whose unit sent no report is late with the report, never overdue.
    assert by_code["VI.6"][2:4] == ["Trạm Y tế phường", "Chưa thực hiện"]
    assert by_code["VI.6"][6:8] == ["0", "3"]
    assert by_code["IV.4.1"][2:5] == ["Phòng Văn hóa – Xã hội", "Đang thực hiện trong hạn", "60"]
    assert by_code["IV.4.1"][6:8] == ["0", ""]  # its unit's report was sent on time
    assert by_code["IV.4.1"][10] == "20/05/2026"
    assert by_code["IV.4.2"][3] == "Hoàn thành đúng hạn"
    assert by_code["IV.10.1"][2:4] == ["Chưa phân công", "Chưa thực hiện"]
    assert by_code["IV.10.1"][7] == ""  # nobody owes a report on it
    assert by_code["VI.3.1"][8] == "Có"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=in_progress_overdue",
        "status=in_progress_on_time",
        "status=not_started",
        "status=done_on_time",
        "unit=phong-vh-xh",
        "unit=tram-y-te",
        "section=IV",
        "section=VI&unit=phong-vh-xh",
        "flag=unassigned",
        "flag=blocked",
        "flag=late_report",
        "section=IV&status=in_progress_overdue",
        "section=VI&flag=late_report&unit=tram-y-te",
    ],
)
def test_tasks_csv_matches_the_dashboard_task_list(data, app, plan, query):
    client = signed_in(app, "committee")
    listed = listed_tasks(
        client.get(f"/plans/{plan.id}/dashboard/tasks" + (f"?{query}" if query else "")).get_data(as_text=True)
    )
    rows = csv_rows(client.get(export_url(plan, "tasks.csv", query)))
    assert [row[0] for row in rows[1:]] == listed
    assert listed


def test_tasks_csv_filters_give_the_expected_tasks(data, app, plan):
    client = signed_in(app, "committee")

    def codes(query):
        return [row[0] for row in csv_rows(client.get(export_url(plan, "tasks.csv", query)))[1:]]

    assert codes("unit=tram-y-te") == ["IV.4.3", "VI.6"]
    assert codes("status=in_progress_on_time") == ["IV.4.1", "VI.3.1"]
    # Only the tasks past their own due date are overdue; VI.6, continuous, is not, though its report is late.
    assert codes("status=in_progress_overdue") == DATED
    assert codes("status=in_progress_overdue&unit=tram-y-te") == ["IV.4.3"]
    # Late with the report: every task whose lead owes the six-month report and did not send it.
    late = codes("flag=late_report")
    assert len(late) == 45 - len(VHXH_TASKS) - len(UNASSIGNED) == 27
    assert not set(late) & (set(VHXH_TASKS) | set(UNASSIGNED))
    assert {"IV.4.3", "VI.6", *DATED} <= set(late)
    assert codes("unit=tram-y-te&flag=late_report") == ["IV.4.3", "VI.6"]
    assert codes("status=not_started") == [c for c in codes("") if c not in {"IV.4.1", "IV.4.2", "VI.3.1", *DATED}]
    assert len(codes("status=not_started")) == 39
    assert codes("flag=blocked") == ["VI.3.1"]
    assert codes("flag=unassigned") == UNASSIGNED
    assert codes("section=VI&unit=phong-vh-xh") == ["VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]


def test_an_accepted_report_puts_its_tasks_under_way_in_the_export(data, app, plan, user_of):
    """Once the secretariat accepts Phòng Văn hóa – Xã hội's report, the tasks it reported on without
    posting any progress (IV.8, VI.3.2-VI.3.6) read "in progress, on time", at 0%, not "not started"."""
    from tracker.reports import services as reports
    from tracker.reports.models import UnitReport

    report = db.session.scalar(select(UnitReport).where(UnitReport.unit_id == unit("phong-vh-xh").id))
    client = signed_in(app, "committee")
    before = {row[0]: row for row in csv_rows(client.get(export_url(plan, "tasks.csv", "unit=phong-vh-xh")))[1:]}
    assert before["IV.8"][3] == "Chưa thực hiện"
    reports.accept(Actor.for_user(user_of("secretariat")), report, at("2026-06-07"))
    db.session.commit()
    after = {row[0]: row for row in csv_rows(client.get(export_url(plan, "tasks.csv", "unit=phong-vh-xh")))[1:]}
    for code in ("IV.8", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"):
        assert after[code][3:5] == ["Đang thực hiện trong hạn", "0"], code
    assert after["IV.4.2"][3] == "Hoàn thành đúng hạn"
    assert [
        row[0]
        for row in csv_rows(client.get(export_url(plan, "tasks.csv", "unit=phong-vh-xh&status=in_progress_on_time")))[
            1:
        ]
    ] == [
        "IV.4.1",
        "IV.8",
        "VI.3.1",
        "VI.3.2",
        "VI.3.3",
        "VI.3.4",
        "VI.3.5",
        "VI.3.6",
    ]


@pytest.mark.parametrize("url", ["tasks.pdf", "tasks.json", "updates.txt", "alerts.xls"])
def test_unknown_format_is_404(data, app, plan, url):
    assert signed_in(app, "committee").get(export_url(plan, url)).status_code == 404


@pytest.mark.parametrize("query", ["status=finished", "unit=khong-co", "flag=urgent"])
def test_unknown_filter_is_404(data, app, plan, query):
    assert signed_in(app, "committee").get(export_url(plan, "tasks.csv", query)).status_code == 404


# --- 2. XLSX ----------------------------------------------------------------------------------


def test_tasks_xlsx(data, app, plan):
    client = signed_in(app, "chair")
    sheet = xlsx_sheet(client.get(export_url(plan, "tasks.xlsx", "unit=phong-vh-xh")))
    rows = table(sheet)
    assert rows[0] == TASK_HEADER
    assert [row[0] for row in rows[1:]] == VHXH_TASKS
    iv41 = rows[1]
    assert iv41[2:5] == ["Phòng Văn hóa – Xã hội", "Đang thực hiện trong hạn", 60]
    # Numbers and dates are cells of their own type, not text.
    assert isinstance(iv41[5], (int, float))
    assert iv41[6:8] == [0, None]
    assert iv41[10].date() == date(2026, 5, 20)
    assert rows[2][3:5] == ["Hoàn thành đúng hạn", 100]

    rows = {row[0]: row for row in table(xlsx_sheet(client.get(export_url(plan, "tasks.xlsx", "unit=tram-y-te"))))[1:]}
    assert rows["IV.4.3"][3:8] == ["Đang thực hiện quá hạn", 20, 100, 8, 3]
    # VI.6 is judged over the plan's period, 01/01/2026-31/12/2030: 159 of 1.826 days gone, 8,7%.
    assert rows["VI.6"][3:8] == ["Chưa thực hiện", 0, pytest.approx(8.7), 0, 3]


WHOLE, FRACTIONAL = "#,##0", "#,##0.0#"


def test_xlsx_number_format_is_chosen_per_cell(app):
    """A whole figure shows without a decimal point ("#,##0.##" shows 22 as "22." in Excel); a
    figure with a fractional part shows its decimals."""
    workbook = new_workbook()
    add_sheet(
        workbook,
        "Số",
        ["Chỉ tiêu", "Giá trị"],
        [["a", Decimal("22")], ["b", Decimal("0.87")], ["c", 60], ["d", 2.5], ["e", 100.0], ["f", None]],
        formats={1: NUMBER_FORMAT},
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Số"]
    assert [(cell.value, cell.number_format) for cell in sheet["B"][1:6]] == [
        (22, WHOLE),
        (0.87, FRACTIONAL),
        (60, WHOLE),
        (2.5, FRACTIONAL),
        (100, WHOLE),
    ]
    assert not any(cell.number_format.endswith(".##") for cell in workbook_cells(sheet))


def test_tasks_and_updates_xlsx_number_formats(data, app, plan):
    client = signed_in(app, "committee")
    sheet = xlsx_sheet(client.get(export_url(plan, "tasks.xlsx", "unit=phong-vh-xh")))
    iv41 = next(row for row in data_rows(sheet) if row[0].value == "IV.4.1")
    assert (iv41[4].value, iv41[4].number_format) == (60, WHOLE)  # progress
    assert (iv41[5].value, iv41[5].number_format) == (pytest.approx(8.7), FRACTIONAL)  # expected progress
    for row in data_rows(sheet):
        for cell in row[4:6]:
            assert cell.number_format == (WHOLE if float(cell.value).is_integer() else FRACTIONAL), (
                row[0].value,
                cell.value,
            )

    sheet = xlsx_sheet(client.get(export_url(plan, "updates.xlsx")))
    assert [(row[5].value, row[5].number_format) for row in data_rows(sheet)] == [
        (10, WHOLE),
        (100, WHOLE),
        (20, WHOLE),
        (60, WHOLE),
    ]


def test_updates_xlsx_and_csv(data, app, plan):
    client = signed_in(app, "committee")
    rows = table(xlsx_sheet(client.get(export_url(plan, "updates.xlsx"))))
    assert rows[0] == UPDATE_HEADER
    # Newest first (IV.4.3 and IV.4.1 were posted at the same moment; the later entry first).
    assert [row[1] for row in rows[1:]] == ["VI.3.1", "IV.4.2", "IV.4.3", "IV.4.1"]
    blocked = rows[1]
    assert blocked[2:5] == ["Phòng Văn hóa – Xã hội", "Chủ trì", "Canbo.Vhxh"]
    assert blocked[5] == 10
    assert blocked[7:9] == ["Chưa tổ chức được lớp tập huấn", "Thiếu kinh phí"]
    assert rows[2][6] == "Hoàn thành"

    csv_data = csv_rows(client.get(export_url(plan, "updates.csv", "unit=tram-y-te")))
    assert csv_data[0] == UPDATE_HEADER
    assert [row[1:4] for row in csv_data[1:]] == [["IV.4.3", "Trạm Y tế phường", "Chủ trì"]]


def test_update_times_in_csv_are_the_wards_local_time(data, app, plan):
    """VI.3.1 was posted at 06:30 on 03/06 in the ward (23:30 on 02/06 UTC): the export shows the
    ward's date and time, as every page does."""
    csv_data = csv_rows(signed_in(app, "committee").get(export_url(plan, "updates.csv", "section=VI")))
    assert csv_data[1][1] == "VI.3.1"
    assert csv_data[1][0] == "03/06/2026 06:30"


def test_update_times_in_xlsx_are_the_wards_local_time(data, app, plan):
    rows = table(xlsx_sheet(signed_in(app, "committee").get(export_url(plan, "updates.xlsx", "section=VI"))))
    assert rows[1][1] == "VI.3.1"
    assert rows[1][0] == datetime(2026, 6, 3, 6, 30)


def test_alert_creation_time_is_the_wards_local_time(data, app, plan):
    scan(plan, date(2026, 6, 8), at("2026-06-08", "06:00"))  # 23:00 on 07/06 UTC
    db.session.commit()
    client = signed_in(app, "chair")
    csv_data = csv_rows(client.get(export_url(plan, "alerts.csv")))
    assert csv_data[1][5] == "08/06/2026 06:00"
    rows = table(xlsx_sheet(client.get(export_url(plan, "alerts.xlsx"))))
    assert rows[1][5] == datetime(2026, 6, 8, 6, 0)


def test_alerts_xlsx_and_csv(data, app, plan):
    scan(plan, date(2026, 6, 8), at("2026-06-08", "07:00"))
    db.session.commit()
    client = signed_in(app, "chair")
    rows = table(xlsx_sheet(client.get(export_url(plan, "alerts.xlsx"))))
    assert rows[0] == ALERT_HEADER
    missing = [row for row in rows[1:] if row[0] == "Chưa nộp báo cáo"]
    # One line per unit whose six-month report was not sent by 05/06, about the unit, not a task:
    # the twelve units that owe one but Phòng Văn hóa – Xã hội.
    units = [row[1] for row in missing]
    assert len(units) == len(set(units)) == 11
    assert {"Đảng ủy phường", "UBND phường", "Trạm Y tế phường"} <= set(units)
    assert "Phòng Văn hóa – Xã hội" not in units
    assert {row[2] for row in missing} == {None}
    dang_uy = next(row for row in missing if row[1] == "Đảng ủy phường")
    assert dang_uy[4].date() == date(2026, 6, 5)
    assert dang_uy[7].startswith("Đảng ủy phường: ") and "05/06/2026" in dang_uy[7]

    csv_data = csv_rows(client.get(export_url(plan, "alerts.csv")))
    assert csv_data[0] == ALERT_HEADER
    assert len(csv_data) == len(rows)
    assert [r[0] for r in csv_data[1:]] == [r[0] for r in rows[1:]]
    dang_uy = next(row for row in csv_data[1:] if row[0] == "Chưa nộp báo cáo" and row[1] == "Đảng ủy phường")
    assert dang_uy[2:5] == ["", "06/06/2026", "05/06/2026"]
    # Overdue: the three tasks past their own due date (31/05), from 01/06; none for a continuous task.
    overdue = [row for row in csv_data[1:] if row[0] == "Nhiệm vụ quá hạn"]
    assert sorted((row[2], row[3], row[4]) for row in overdue) == [(code, "01/06/2026", "31/05/2026") for code in DATED]


# --- filters on the updates and alerts ---------------------------------------------------------


def alert_rows(client, plan, query: str = "") -> list[list[str]]:
    rows = csv_rows(client.get(export_url(plan, "alerts.csv", query)))
    assert rows[0] == ALERT_HEADER
    return rows[1:]


def task_codes(client, plan, query: str) -> list[str]:
    return [row[0] for row in csv_rows(client.get(export_url(plan, "tasks.csv", query)))[1:]]


@pytest.fixture
def scanned(data, plan):
    scan(plan, date(2026, 6, 8), at("2026-06-08", "07:00"))
    db.session.commit()
    return data


def test_alerts_export_follows_the_unit_filter(scanned, app, plan):
    client = signed_in(app, "chair")
    everything = alert_rows(client, plan)
    rows = alert_rows(client, plan, "unit=tram-y-te")
    assert rows and len(rows) < len(everything)
    assert {row[1] for row in rows} == {"Trạm Y tế phường"}
    assert [row for row in everything if row[1] == "Trạm Y tế phường"] == rows
    sheet_rows = table(xlsx_sheet(client.get(export_url(plan, "alerts.xlsx", "unit=tram-y-te"))))[1:]
    assert [row[0] for row in sheet_rows] == [row[0] for row in rows]
    assert {row[1] for row in sheet_rows} == {"Trạm Y tế phường"}


@pytest.mark.parametrize(
    "query",
    [
        "section=VI",
        "status=in_progress_overdue",
        "flag=blocked",
        "flag=unassigned",
        "flag=late_report",
        "section=IV&unit=phong-vh-xh",
        "status=in_progress_overdue&unit=ubnd",
    ],
)
def test_alerts_export_follows_the_task_list_filters(scanned, app, plan, query):
    """Section, status and flag keep the alerts about the tasks the task list shows; a unit keeps
    those about the unit."""
    client = signed_in(app, "chair")
    listed = set(task_codes(client, plan, query))
    everything = alert_rows(client, plan)
    rows = alert_rows(client, plan, query)
    assert rows and len(rows) < len(everything)
    assert {row[2] for row in rows} <= listed
    unit_name = {"unit=phong-vh-xh": "Phòng Văn hóa – Xã hội", "unit=ubnd": "UBND phường"}
    wanted_unit = next((name for key, name in unit_name.items() if key in query), None)
    assert rows == [row for row in everything if row[2] in listed and (wanted_unit is None or row[1] == wanted_unit)]


def test_alerts_export_of_a_blocked_task(scanned, app, plan):
    rows = alert_rows(signed_in(app, "chair"), plan, "flag=blocked")
    assert {row[2] for row in rows} == {"VI.3.1"}
    # The chair's unanswered directive on it.
    assert ["Chỉ đạo quá hạn", "Phòng Văn hóa – Xã hội", "VI.3.1"] in [row[:3] for row in rows]


def test_updates_export_follows_the_unit_filter(data, app, plan):
    client = signed_in(app, "committee")
    rows = csv_rows(client.get(export_url(plan, "updates.csv", "unit=phong-vh-xh")))[1:]
    assert [(row[1], row[2]) for row in rows] == [
        ("VI.3.1", "Phòng Văn hóa – Xã hội"),
        ("IV.4.2", "Phòng Văn hóa – Xã hội"),
        ("IV.4.1", "Phòng Văn hóa – Xã hội"),
    ]
    rows = table(xlsx_sheet(client.get(export_url(plan, "updates.xlsx", "unit=tram-y-te"))))[1:]
    assert [(row[1], row[2]) for row in rows] == [("IV.4.3", "Trạm Y tế phường")]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=in_progress_on_time", ["VI.3.1", "IV.4.1"]),  # VI.3.1 is blocked: a flag beside its status
        ("status=done_on_time", ["IV.4.2"]),
        ("flag=blocked", ["VI.3.1"]),
        ("status=in_progress_overdue", ["IV.4.3"]),  # past its own due date (31/05); IV.1 and IV.6 have no update
        (
            "flag=late_report",
            ["IV.4.3"],
        ),  # Trạm Y tế's report was not sent by 05/06; the other late tasks have no update
        ("status=not_started", []),
        ("section=IV&status=in_progress_on_time&unit=phong-vh-xh", ["IV.4.1"]),
        ("section=IV&status=in_progress_overdue&unit=tram-y-te", ["IV.4.3"]),
    ],
)
def test_updates_export_follows_status_and_flag_filters(data, app, plan, query, expected):
    client = signed_in(app, "committee")
    assert [row[1] for row in csv_rows(client.get(export_url(plan, "updates.csv", query)))[1:]] == expected
    assert [row[1] for row in table(xlsx_sheet(client.get(export_url(plan, "updates.xlsx", query))))[1:]] == expected


@pytest.mark.parametrize("url", ["updates.csv", "alerts.xlsx"])
@pytest.mark.parametrize("query", ["status=finished", "unit=khong-co", "flag=urgent"])
def test_unknown_filter_on_updates_and_alerts_is_404(data, app, plan, url, query):
    assert signed_in(app, "committee").get(export_url(plan, url, query)).status_code == 404


def test_the_task_lists_export_links_carry_its_filters(scanned, app, plan):
    client = signed_in(app, "committee")
    query = "section=IV&unit=tram-y-te&status=in_progress_overdue"
    html = client.get(f"/plans/{plan.id}/dashboard/tasks?{query}").get_data(as_text=True)
    links = {htmllib.unescape(href) for href in re.findall(r'href="([^"]*/exports/[^"]*)"', html)}
    for name in ("tasks", "updates", "alerts"):
        for fmt in ("csv", "xlsx"):
            link = next(link for link in links if f"/exports/{name}.{fmt}?" in link)
            assert parse_qs(urlsplit(link).query) == {
                "section": ["IV"],
                "unit": ["tram-y-te"],
                "status": ["in_progress_overdue"],
            }
    alerts_link = next(link for link in links if "/exports/alerts.csv?" in link)
    rows = csv_rows(client.get(alerts_link))[1:]
    assert ["Nhiệm vụ quá hạn", "Trạm Y tế phường", "IV.4.3"] in [row[:3] for row in rows]
    assert {(row[1], row[2]) for row in rows} == {("Trạm Y tế phường", "IV.4.3")}
    tasks_link = next(link for link in links if "/exports/tasks.csv?" in link)
    assert [row[0] for row in csv_rows(client.get(tasks_link))[1:]] == ["IV.4.3"]
    flagged = client.get(f"/plans/{plan.id}/dashboard/tasks?flag=blocked").get_data(as_text=True)
    assert "/exports/alerts.xlsx?flag=blocked" in htmllib.unescape(flagged)


def test_user_text_never_becomes_a_formula(data, app, plan, user_of, task_of):
    progress(user_of("officer"), task_of("IV.8"), "phong-vh-xh", 30, "working", at("2026-06-07"), **DANGEROUS)
    db.session.commit()
    client = signed_in(app, "committee")

    # The XLSX shows the text as the unit typed it, in cells typed as text: never a formula.
    response = client.get(export_url(plan, "updates.xlsx"))
    sheet = xlsx_sheet(response)
    row = next(r for r in data_rows(sheet) if r[1].value == "IV.8")
    assert [c.value for c in row[7:10]] == ["=1+2", "@cmd", '+HYPERLINK("http://example.com")']
    for cell in row[7:10]:
        assert cell.data_type == "s", cell.coordinate
    for s in workbook_cells(sheet):
        assert s.data_type != "f", s.coordinate
    assert no_formula_in(response.get_data())

    csv_data = csv_rows(client.get(export_url(plan, "updates.csv")))
    row = next(r for r in csv_data[1:] if r[1] == "IV.8")
    assert row[7:10] == ["'=1+2", "'@cmd", '\'+HYPERLINK("http://example.com")']
    for r in csv_data:
        for value in r:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def workbook_cells(sheet):
    return [cell for row in sheet.iter_rows() for cell in row]


def no_formula_in(xlsx: bytes) -> bool:
    """No worksheet of the file holds a formula element (<f>), whatever a reader makes of the cells."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets
    return not any(re.search(r"<(\w+:)?f[ >/]", xml) for xml in sheets)


# --- 3. safe_text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ('=HYPERLINK("http://example.com")', '\'=HYPERLINK("http://example.com")'),
        ("Hỗ trợ 5 hộ", "Hỗ trợ 5 hộ"),
        ("1+2=3", "1+2=3"),
        ("a@b.vn", "a@b.vn"),
        ("", ""),
    ],
)
def test_safe_text(text, expected):
    assert safe_text(text) == expected


def test_csv_neutralises_tab_and_carriage_return_and_keeps_numbers(app):
    response = csv_response("thu.csv", ["=Tiêu đề", "Số"], [["\tcmd", 5], ["\r=1+2", -3], ["Bình thường", None]])
    rows = csv_rows(response)
    assert rows[0] == ["'=Tiêu đề", "Số"]
    assert rows[1] == ["'\tcmd", "5"]
    assert rows[2][0] == "'\r=1+2"
    assert rows[3] == ["Bình thường", ""]
    assert "thu.csv" in response.headers["Content-Disposition"]


def test_xlsx_sheet_keeps_text_as_text_and_numbers_as_numbers(app):
    """Text is stored as text, exactly as typed (no apostrophe shows in the cell), so = + - @ can
    never start a formula; control characters pasted from a PDF (form feed, vertical tab) are
    dropped, line breaks and tabs kept."""
    workbook = new_workbook()
    add_sheet(
        workbook,
        "Thử",
        ["Mã", "Giá trị"],
        [["@cmd", 5], ["\t=1", 2.5], ["-2", None], ["Trang 1\x0cTrang 2\x0b", 1], ["Dòng 1\nDòng 2\tcột", None]],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert no_formula_in(buffer.getvalue())
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Thử"]
    assert values(sheet) == [
        ["Mã", "Giá trị"],
        ["@cmd", 5],
        ["\t=1", 2.5],
        ["-2", None],
        ["Trang 1Trang 2", 1],
        ["Dòng 1\nDòng 2\tcột", None],
    ]
    assert [sheet.cell(row, 1).data_type for row in range(2, 7)] == ["s"] * 5
    assert [sheet.cell(row, 2).data_type for row in (2, 3, 5)] == ["n"] * 3
    assert all(cell.data_type != "f" for cell in workbook_cells(sheet))


def test_control_characters_in_a_users_text_are_dropped_from_the_xlsx(data, app, plan, user_of, task_of):
    """Text pasted from a PDF may carry a form feed: the workbook still opens, without it; the CSV
    keeps the text as it is."""
    progress(
        user_of("officer"),
        task_of("IV.8"),
        "phong-vh-xh",
        30,
        "working",
        at("2026-06-07"),
        results="Trang 1\x0cTrang 2",
    )
    db.session.commit()
    client = signed_in(app, "committee")
    row = next(r for r in table(xlsx_sheet(client.get(export_url(plan, "updates.xlsx"))))[1:] if r[1] == "IV.8")
    assert row[7] == "Trang 1Trang 2"


# --- 3b. the XLSX as a printed report -----------------------------------------------------------


XLSX_EXPORTS = [
    ("tasks", "Nhiệm vụ", TASK_HEADER),
    ("updates", "Các bản cập nhật tiến độ", UPDATE_HEADER),
    ("alerts", "Cảnh báo", ALERT_HEADER),
]
LINE = 15  # points: one line of the 11 pt text
PAGE = 170  # characters across a landscape A4 page (the shrink's budget)


@pytest.mark.parametrize("name, what, header", XLSX_EXPORTS)
def test_xlsx_has_a_title_block_and_prints_like_a_report(scanned, app, plan, name, what, header):
    """Three lines say whose, which plan and what as of when; a blank row; the header on row 5,
    frozen on screen and repeated on every printed page; landscape A4, fitted to the page's width."""
    sheet = xlsx_sheet(signed_in(app, "chair").get(export_url(plan, f"{name}.xlsx")))
    assert title_block(sheet) == [plan.ward.name, plan.title, f"{what}, {AS_OF}", None]
    assert plan.ward.name == "Phường Bắc Kạn" and plan.title.startswith(
        "Kế hoạch thực hiện công tác giảm nghèo bền vững"
    )
    assert sheet["A1"].font.b and sheet["A2"].font.b
    assert table(sheet)[0] == header
    assert all(cell.font.b for cell in sheet[HEADER_ROW])
    assert len(table(sheet)) > 1
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", int(sheet.PAPERSIZE_A4))
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)  # one page wide, as many pages long as needed
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


def column_widths(sheet) -> list[float]:
    return [sheet.column_dimensions[get_column_letter(index)].width for index in range(1, sheet.max_column + 1)]


def check_rows_show_their_text(sheet):
    """Every wrapped text has the lines it needs: a row's height gives at least one line per column
    width of each line of its text; a row whose text is well inside its columns keeps the default height."""
    widths = column_widths(sheet)
    for row in sheet.iter_rows(min_row=HEADER_ROW):
        texts = [(cell.value, widths[cell.column - 1]) for cell in row if isinstance(cell.value, str) and cell.value]
        needed = max(
            (sum(math.ceil(len(line) / width) or 1 for line in text.split("\n")) for text, width in texts), default=1
        )
        height = sheet.row_dimensions[row[0].row].height
        if needed > 1:
            assert height is not None and height >= needed * LINE, (row[0].row, needed, height)
        if all(len(line) <= width / 2 for text, width in texts for line in text.split("\n")):
            assert height is None, (row[0].row, height)


def test_xlsx_columns_fit_their_text_and_rows_their_lines(data, app, plan, user_of, task_of):
    client = signed_in(app, "committee")
    sheet = xlsx_sheet(client.get(export_url(plan, "tasks.xlsx")))
    widths = dict(zip(TASK_HEADER, column_widths(sheet)))
    assert all(8 <= width <= 45 for width in widths.values()), widths
    # The codes are short; the titles are long: their column is the widest, and they wrap in it.
    assert widths["Mã"] < 12 and widths["Nhiệm vụ"] == max(widths.values()) >= 30
    assert widths["Mã"] >= max(len(row[0]) for row in table(sheet)[1:])
    assert widths["Cập nhật gần nhất"] >= len("dd/mm/yyyy")
    assert sum(widths.values()) <= PAGE + len(widths)  # a page's width, give or take each column's rounding
    check_rows_show_their_text(sheet)
    long_title = next(row for row in data_rows(sheet) if row[0].value == "IV.10.1")
    assert len(long_title[1].value) > 2 * 45 and sheet.row_dimensions[long_title[0].row].height >= 3 * LINE

    # An update with long texts: the wide sheet shrinks its text columns to stay readable on the page.
    long_text = "Đã tổ chức tập huấn cho cán bộ các tổ dân phố về rà soát hộ nghèo. " * 6
    progress(
        user_of("officer"),
        task_of("IV.8"),
        "phong-vh-xh",
        30,
        "working",
        at("2026-06-07"),
        results=long_text,
        difficulties=long_text,
        proposals=long_text,
    )
    db.session.commit()
    sheet = xlsx_sheet(client.get(export_url(plan, "updates.xlsx")))
    widths = column_widths(sheet)
    assert sum(widths) <= PAGE + len(widths), widths
    assert all(8 <= width <= 45 for width in widths), widths
    assert all(width >= 20 for width in widths[7:10]), widths  # the free text stays readable
    check_rows_show_their_text(sheet)
    row = next(row for row in data_rows(sheet) if row[1].value == "IV.8")
    assert sheet.row_dimensions[row[0].row].height >= math.ceil(len(long_text) / widths[7]) * LINE


# --- 4. who can export ------------------------------------------------------------------------


EXPORTS = ["tasks.csv", "tasks.xlsx", "updates.csv", "updates.xlsx", "alerts.csv", "alerts.xlsx"]


@pytest.mark.parametrize("url", EXPORTS)
def test_anonymous_is_sent_to_sign_in(app, plan, url):
    response = app.test_client().get(export_url(plan, url))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["officer", "officer_yte", "secretariat", "committee", "chair", "admin"])
def test_every_signed_in_user_of_the_ward_can_export(data, app, plan, role):
    client = signed_in(app, role)
    for url in EXPORTS:
        assert client.get(export_url(plan, url)).status_code == 200, url


def test_a_user_of_another_ward_cannot_export(app, plan):
    other = Ward(code="cho-moi", name="Phường Chợ Mới", province="Tỉnh Thái Nguyên")
    db.session.add(other)
    create_user("canbo.chomoi", PASSWORD, "Cán bộ Chợ Mới", ["committee"], ward=other)
    db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"username": "canbo.chomoi", "password": PASSWORD}).status_code == 302
    for url in EXPORTS:
        response = client.get(export_url(plan, url))
        assert response.status_code == 403, url
        assert "Trạm Y tế" not in response.get_data(as_text=True)
