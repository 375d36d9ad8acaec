"""The ward's report and the exports, opened in a real office reader and looked at as printed pages.

The DOCX and XLSX of the demo's six-month report of 2026 (as `flask demo activity` writes it) are
converted to PDF by LibreOffice (`soffice --headless --convert-to pdf`), and the PDF is read back
with poppler (`pdftotext -bbox`: every word with its position on its page). The checks are what a
secretary would see: the national name on one line, the signature block on one page, table headers
on every page of a long table, no "###", no stray apostrophe, Vietnamese intact; the spreadsheets
print landscape, to the page's width, on a few pages. The first page and the signature page are
rendered to PNG in test-artifacts/documents/.

CI sets REQUIRE_OFFICE_TESTS=1: a missing reader fails the run instead of skipping the tests.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PLAN_FILE
from tracker import ROOT
from tracker.accounts.models import User
from tracker.core.actor import Actor
from tracker.core.time import WARD_TZ
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.plan.models import Task
from tracker.progress.services import UpdateInput, post_update
from tracker.units.models import Unit

ARTEFACTS = ROOT / "test-artifacts" / "documents"
JUNE_12 = "2026-06-12T09:00:00+07:00"
PASSWORD = "demo password for the tests"
# A text that starts like the plan's own dash lists, and one that would be a formula.
DASH_TEXT = "- Đã tổ chức 3 hội nghị tuyên truyền tại các tổ dân phố"
FORMULA_TEXT = "=1+1 là số hộ đã rà soát"

_missing = [tool for tool in ("soffice", "pdftotext", "pdftoppm", "pdfinfo") if shutil.which(tool) is None]
if _missing and os.environ.get("REQUIRE_OFFICE_TESTS"):
    raise RuntimeError(f"The office reader tests need {', '.join(_missing)} (scripts/office-tools installs them).")
pytestmark = [
    pytest.mark.skipif(bool(_missing), reason=f"needs {', '.join(_missing)} (scripts/office-tools)"),
    pytest.mark.xdist_group("office"),  # one LibreOffice at a time
]


# --- reading a PDF as pages of positioned words -------------------------------------------------


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def lines(self, tolerance: float = 2.0) -> list[str]:
        """The page's words grouped into printed lines (same baseline, left to right)."""
        rows: list[list[Word]] = []
        for word in sorted(self.words, key=lambda w: (round(w.y1), w.x0)):
            for row in rows:
                if abs(row[0].y1 - word.y1) <= tolerance:
                    row.append(word)
                    break
            else:
                rows.append([word])
        return [
            " ".join(w.text for w in sorted(row, key=lambda w: w.x0)) for row in sorted(rows, key=lambda r: r[0].y1)
        ]


def pdf_pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for number, (attrs, body) in enumerate(re.findall(r"<page ([^>]*)>(.*?)</page>", out, re.S), start=1):
        width = float(re.search(r'width="([\d.]+)"', attrs).group(1))
        height = float(re.search(r'height="([\d.]+)"', attrs).group(1))
        words = [
            Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', body
            )
        ]
        pages.append(Page(number, width, height, words))
    return pages


def to_pdf(path: Path) -> Path:
    """The document as LibreOffice prints it (its own profile, so runs never share one)."""
    profile = path.parent / f"lo-profile-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(path.parent),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = path.with_suffix(".pdf")
    assert pdf.exists(), f"LibreOffice did not print {path.name}"
    return pdf


def render(pdf: Path, page: int, name: str) -> Path:
    """One page as a PNG in the test artefacts, to look at."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTEFACTS / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(target)],
        check=True,
    )
    return target.with_suffix(".png")


# --- the demo's six-month report ----------------------------------------------------------------


@pytest.fixture
def demo(empty_app):
    """The plan, the demo accounts and the demo activity, as `make run` then `flask demo activity`
    leave them; a dash-list and a formula-like text posted too, as officials paste them."""
    runner = empty_app.test_cli_runner()
    for args in (["plan", "load", str(PLAN_FILE)], ["users", "create-demo"], ["demo", "activity"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    empty_app.config["FROZEN_NOW"] = JUNE_12
    for user in db.session.scalars(select(User).where(User.username.like("demo.%"))):
        user.set_password(PASSWORD)
    officer = db.session.scalar(select(User).where(User.username == "demo.canbo"))
    task = db.session.scalar(select(Task).where(Task.code == "VI.3.4"))
    unit = db.session.scalar(select(Unit).where(Unit.code == "phong-vh-xh"))
    post_update(
        Actor.for_user(officer),
        task,
        unit.id,
        "lead",
        UpdateInput(40, "working", DASH_TEXT, FORMULA_TEXT),
        [],
        datetime(2026, 6, 11, 9, tzinfo=WARD_TZ),
    )
    db.session.commit()
    return empty_app


def signed_in(app, username: str):
    client = app.test_client()
    client.get("/language/vi")
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def download(client, url: str, target: Path) -> Path:
    response = client.get(url)
    assert response.status_code == 200, url
    target.write_bytes(response.data)
    return target


def six_month(app) -> ReportingPeriod:
    return db.session.scalar(
        select(ReportingPeriod).where(ReportingPeriod.kind == "six_month", ReportingPeriod.year == 2026)
    )


@pytest.fixture
def ward_report_pdf(demo, tmp_path):
    client = signed_in(demo, "demo.thuongtruc")
    period = six_month(demo)
    docx = download(client, f"/plans/{period.plan_id}/ward-reports/{period.id}/report.docx", tmp_path / "bao-cao.docx")
    return docx, to_pdf(docx)


def test_the_ward_report_prints_as_a_signable_document(ward_report_pdf):
    _docx, pdf = ward_report_pdf
    pages = pdf_pages(pdf)
    first = pages[0]
    lines = first.lines()
    # The national name and the motto each on one line, with the issuing body beside them.
    assert any(line.endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") for line in lines), lines[:4]
    assert any(line.endswith("Độc lập - Tự do - Hạnh phúc") for line in lines), lines[:4]
    national = [w for w in first.words if w.text in ("CỘNG", "NAM")]
    assert len({round(w.y1) for w in national}) == 1, "the national name breaks over two lines"
    # "ỦY BAN NHÂN DÂN" and "PHƯỜNG BẮC KẠN" on consecutive lines, no gap between them.
    body = [w for w in first.words if w.text in ("ỦY", "PHƯỜNG")][:2]
    assert body[1].y0 - body[0].y1 < 6, "a gap stands between the two lines of the issuing body"
    assert "BÁO CÁO" in lines
    assert "Kết quả thực hiện công tác giảm nghèo bền vững 6 tháng đầu năm 2026" in lines
    # The date line the decree's way.
    assert any("Bắc Kạn, ngày 12 tháng 6 năm 2026" in line for line in lines)
    # What a secretary would strike is not there.
    text = " ".join(page.text for page in pages)
    assert "(0%)" not in text
    assert "Chưa có báo cáo được chấp nhận" not in text
    assert not re.search(r"- (IV|VI)\.\d", text), "an internal task code in the proposals"
    # The signature block on one page, whole.
    closing = [page for page in pages if "Nơi" in page.text and "nhận:" in page.text]
    assert len(closing) == 1
    for words in ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nông Thị Thanh Nga"):
        assert words in " ".join(closing[0].lines())
    render(pdf, 1, "ward-report-page-1")
    render(pdf, closing[0].number, "ward-report-signature-page")


def test_long_tables_repeat_their_header_and_keep_rows_whole(ward_report_pdf):
    _docx, pdf = ward_report_pdf
    pages = pdf_pages(pdf)
    # The task table runs over several pages: each of them starts with the table's header row.
    task_pages = [p for p in pages if re.search(r"\b[1-9]\b", p.text) and "Đơn vị chủ trì" in p.text]
    assert len(task_pages) >= 2
    for page in task_pages:
        assert "Kết quả, khó khăn, đề xuất" in page.text, (
            f"page {page.number} continues the task table without its header"
        )
    # The indicator table has its unit of measure.
    indicator_pages = [p for p in pages if "Nguồn số" in p.text]
    assert indicator_pages and all("Đơn vị" in p.text and "tính" in p.text for p in indicator_pages)
    # No row splits: a task's number and its results' last words share a page (rows cannot split).
    assert all(not line.startswith("Kết quả:") for p in task_pages for line in p.lines()[:2])


def test_the_document_says_it_is_vietnamese_and_from_the_ward(ward_report_pdf):
    import zipfile

    docx, _pdf = ward_report_pdf
    with zipfile.ZipFile(docx) as archive:
        styles = archive.read("word/styles.xml").decode()
        core = archive.read("docProps/core.xml").decode()
    assert 'w:val="vi-VN"' in styles and "en-US" not in styles
    assert "<dc:creator>UBND phường Bắc Kạn</dc:creator>" in core
    assert "2013" not in core and "python-docx" not in core
    assert "<dcterms:created" in core and ">2026-" in core


def test_the_secretariat_sets_the_signer_and_the_recipients(demo, tmp_path):
    client = signed_in(demo, "demo.thuongtruc")
    period = six_month(demo)
    url = f"/plans/{period.plan_id}/ward-reports/{period.id}"
    from tests.helpers import form_values

    values = form_values(client.get(url).get_data(as_text=True))
    values.update(
        {
            "sign_authority": ["KT. CHỦ TỊCH"],
            "sign_title": ["PHÓ CHỦ TỊCH"],
            "sign_name": ["Hoàng Văn Bình"],
            "recipients": ["UBND tỉnh Thái Nguyên (b/c)\nLưu: VT"],
        }
    )
    assert client.post(url, data=values).status_code == 302
    pdf = to_pdf(download(client, f"{url}/report.docx", tmp_path / "signed.docx"))
    closing = next(page for page in pdf_pages(pdf) if "nhận:" in page.text)
    assert "Hoàng Văn Bình" in closing.text and "Nông Thị Thanh Nga" not in closing.text
    assert "UBND tỉnh Thái Nguyên (b/c);" in closing.text and "Lưu: VT." in closing.text


@pytest.mark.parametrize(
    "url",
    [
        "/plans/{plan}/ward-reports/{period}/report.xlsx",
        "/plans/{plan}/exports/updates.xlsx",
        "/plans/{plan}/exports/tasks.xlsx",
        "/plans/{plan}/exports/alerts.xlsx?show=all",
    ],
)
def test_spreadsheets_print_landscape_to_the_page_width_and_show_text_as_typed(demo, tmp_path, url):
    client = signed_in(demo, "demo.thuongtruc")
    period = six_month(demo)
    xlsx = download(client, url.format(plan=period.plan_id, period=period.id), tmp_path / "export.xlsx")
    pdf = to_pdf(xlsx)
    pages = pdf_pages(pdf)
    assert 1 <= len(pages) <= 12, f"{len(pages)} pages"
    assert all(page.width > page.height for page in pages), "not landscape"
    text = " ".join(page.text for page in pages)
    assert "###" not in text, "a column too narrow for its figures"
    assert "'" + DASH_TEXT.split()[0] not in text and "'=" not in text, "a visible apostrophe"
    assert "Phường Bắc Kạn" in pages[0].text  # the title block, with its diacritics
    if "updates" in url:
        # The cell wraps, but its first line starts as typed: the dash, no apostrophe before it.
        assert any(" - Đã tổ chức 3 hội" in f" {line}" for p in pages for line in p.lines())
        assert "=1+1 là số hộ đã rà soát" in text  # stored and shown as text, never computed
    # Nothing cut: every column of the first sheet is on the first page (printed to the page's width);
    # its header row comes after the three lines of the title block and a blank row.
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    header = [cell.value for cell in sheet[5] if cell.value]
    assert len(header) >= 4
    first_page = pages[0].text
    for title in header:
        assert all(word in first_page for word in title.split()), f"the column {title!r} is cut from the first page"
    render(pdf, 1, f"export-{url.split('/')[-1].split('?')[0].replace('.', '-')}")
